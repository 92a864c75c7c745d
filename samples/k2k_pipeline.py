"""K2K pipeline: three actors in a chain. `stage1` and `stage2` run the built-in
`forward` handler, which passes each message on to the next actor through the runtime's
K2K broker (device inboxes on a GPU, mailboxes on the CPU) without the host; `stage3`
sums the float64 values it receives and replies. The host sends into the head of the
chain and reads the results at the tail.

Run: rkhost samples/k2k_pipeline.py
"""
import struct

import ringkernel as rk


def check(cond, what):
    if not cond:
        raise SystemExit(f"k2k_pipeline: FAILED: {what}")


def values_envelope(values):
    payload = struct.pack(f"<{len(values)}d", *values)
    header = rk.MessageHeader.new(type_id=1, source_kernel=0, dest_kernel=0,
                                  payload_size=len(payload), timestamp=rk.HlcTimestamp.now(1))
    return rk.MessageEnvelope.from_bytes(header.with_correlation(rk.CorrelationId.generate()),
                                         payload)


with rk.RingKernel.create_sync(backend="auto", enable_k2k=True) as runtime:
    base = rk.LaunchOptions().with_k2k(True).with_payload_capacity(8192)
    # Launch the tail first so every forward target exists when messages start to flow.
    stage3 = runtime.launch_sync("stage3", base.with_handler("sum"))
    stage2 = runtime.launch_sync("stage2", base.with_handler("forward").with_forward_to("stage3"))
    stage1 = runtime.launch_sync("stage1", base.with_handler("forward").with_forward_to("stage2"))
    broker = runtime.k2k_broker()
    check(all(broker.is_registered(k) for k in ("stage1", "stage2", "stage3")),
          f"endpoints {broker.registered_kernels()}")
    print(f"{runtime.backend.name} pipeline: stage1 -> stage2 -> stage3 (sum), "
          f"endpoints {broker.registered_kernels()}")

    # Ten batches into the head; ten sums out of the tail, in order, each carrying the
    # correlation id it was sent with.
    sent = []
    for n in range(1, 11):
        values = [float(i) for i in range(1, 100 * n + 1)]
        env = values_envelope(values)
        stage1.send_sync(env)
        sent.append((env.header.correlation_id, sum(values)))
    for cid, expected in sent:
        reply = stage3.receive_timeout_sync(10.0)
        total = struct.unpack("<d", reply.payload)[0]
        check(total == expected, f"sum {total} != {expected}")
        check(reply.header.correlation_id == cid, "the correlation id travels the chain")
    print(f"10 batches went through the chain: sums {[int(s) for _, s in sent]}")

    # Nothing comes back from the forwarding stages, nothing was lost on the way.
    check(stage1.try_receive() is None and stage2.try_receive() is None, "no replies mid-chain")
    for k in (stage1, stage2, stage3):
        status = k.status()
        check(status.messages_processed == 10 and status.messages_dead_lettered == 0,
              f"{status!r}")

    # A route: what is addressed to "summer" goes to stage1, and so down the chain.
    broker.add_route(destination="summer", next_hop="stage1")
    receipt = broker.send(None, "summer", values_envelope([1.5, 2.5]))
    check(receipt.status == rk.DeliveryStatus.Delivered, f"{receipt!r}")
    reply = stage3.receive_timeout_sync(10.0)
    check(struct.unpack("<d", reply.payload)[0] == 4.0, "routed message summed")
    print(f"routed 'summer' -> stage1: {receipt.status.name}, sum 4.0; {broker.stats()!r}")
print("k2k_pipeline: all checks passed")
