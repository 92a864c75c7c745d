/* ringkernel/ringkernel.h — umbrella header: every public ringkernel header. */
#ifndef RINGKERNEL_RINGKERNEL_H
#define RINGKERNEL_RINGKERNEL_H

#include "ringkernel/api.h"
#include "ringkernel/status.h"
#include "ringkernel/hlc.h"
#include "ringkernel/message.h"
#include "ringkernel/queue.h"
#include "ringkernel/ring.h"
#include "ringkernel/pool.h"
#include "ringkernel/hybrid.h"
#include "ringkernel/resource.h"
#include "ringkernel/bench.h"
#include "ringkernel/cuda.h"
#include "ringkernel/kernel.h"
#include "ringkernel/handler.h"
#include "ringkernel/k2k.h"
#include "ringkernel/runtime.h"
#include "ringkernel/backend.h"

#endif /* RINGKERNEL_RINGKERNEL_H */
