/* cuda_nvrtc.c — NVRTC compile + disk cache + module load for user device handlers.
 * libnvrtc is opened with dlopen at first use, so libringkernel loads (and the built-in
 * handlers work) where NVRTC is not installed. */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <nvrtc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cuda_internal.h"
#include "cuda_nvrtc.h"
#include "cuda_pinned.h"
#include "rk_internal.h"

extern const size_t rkc_embedded_count;
extern const char *const rkc_embedded_names[];
extern const char *const rkc_embedded_sources[];

typedef struct rkc_nvrtc_api {
  nvrtcResult (*create)(nvrtcProgram *, const char *, const char *, int, const char *const *,
                        const char *const *);
  nvrtcResult (*compile)(nvrtcProgram, int, const char *const *);
  nvrtcResult (*log_size)(nvrtcProgram, size_t *);
  nvrtcResult (*log)(nvrtcProgram, char *);
  nvrtcResult (*cubin_size)(nvrtcProgram, size_t *);
  nvrtcResult (*cubin)(nvrtcProgram, char *);
  nvrtcResult (*destroy)(nvrtcProgram *);
  const char *(*error_string)(nvrtcResult);
} rkc_nvrtc_api_t;

static pthread_mutex_t rkc_nvrtc_lock = PTHREAD_MUTEX_INITIALIZER;
static rkc_nvrtc_api_t rkc_api;
static bool rkc_api_loaded;

/* Kernels loaded so far, by cache key (process lifetime). */
typedef struct rkc_loaded {
  uint64_t key;
  int32_t device;
  const void *kernel;
  struct rkc_loaded *next;
} rkc_loaded_t;
static rkc_loaded_t *rkc_loaded_list;

static rk_status_t rkc_load_api(void) {
  if (rkc_api_loaded) return RK_OK;
  static const char *const names[] = {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"};
  void *h = NULL;
  for (size_t i = 0; i < 3 && !h; i++)
    h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
  if (!h) return rki_fail(RK_EUNSUPPORTED, "NVRTC not available (libnvrtc.so.13): %s", dlerror());
  void **slots[] = {(void **)&rkc_api.create,     (void **)&rkc_api.compile,
                    (void **)&rkc_api.log_size,   (void **)&rkc_api.log,
                    (void **)&rkc_api.cubin_size, (void **)&rkc_api.cubin,
                    (void **)&rkc_api.destroy,    (void **)&rkc_api.error_string};
  static const char *const syms[] = {
      "nvrtcCreateProgram", "nvrtcCompileProgram", "nvrtcGetProgramLogSize", "nvrtcGetProgramLog",
      "nvrtcGetCUBINSize",  "nvrtcGetCUBIN",       "nvrtcDestroyProgram",    "nvrtcGetErrorString"};
  for (size_t i = 0; i < 8; i++) {
    *slots[i] = dlsym(h, syms[i]);
    if (!*slots[i]) return rki_fail(RK_EUNSUPPORTED, "NVRTC lacks %s", syms[i]);
  }
  rkc_api_loaded = true;
  return RK_OK;
}

static uint64_t rkc_fnv(uint64_t h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h ^= (uint8_t)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

static char *rkc_program_text(const char *source, const char *entry) {
  static const char *const fmt =
      "#include \"rk_actor_loop.cuh\"\n#line 1 \"handler.cu\"\n%s\n"
      "#line 1 \"rk_entry.cu\"\n"
      "struct rkc_user_handler {\n"
      "  static __device__ int call(rk_dev_ctx_t *c, const rk_dev_msg_t *m) { return %s(c, m); }\n"
      "};\n"
      "extern \"C\" __global__ void rk_k_actor_user(rkc_actor_params_t p) {\n"
      "  rkc_actor_main<rkc_user_handler>(p);\n}\n";
  size_t n = strlen(fmt) + strlen(source) + strlen(entry) + 1;
  char *text = malloc(n);
  if (text) snprintf(text, n, fmt, source, entry);
  return text;
}

static void rkc_cache_path(char *out, size_t cap, uint64_t key) {
  const char *xdg = getenv("XDG_CACHE_HOME");
  const char *home = getenv("HOME");
  if (xdg && *xdg)
    snprintf(out, cap, "%s/ringkernel", xdg);
  else
    snprintf(out, cap, "%s/.cache/ringkernel", home && *home ? home : "/tmp");
  size_t len = strlen(out);
  snprintf(out + len, cap - len, "/handler-%016llx.cubin", (unsigned long long)key);
}

static void rkc_mkdirs(const char *path) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  for (char *p = dir + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir(dir, 0755);
    *p = '/';
  }
}

static char *rkc_read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long n = ftell(f);
    if (n > 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n))) {
      if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
      }
      *size = (size_t)n;
    }
  }
  fclose(f);
  return buf;
}

/* Writes through a temporary file and rename, so concurrent processes never read a
 * half-written cubin. A cache that cannot be written is not an error. */
static void rkc_write_cache(const char *path, const char *data, size_t size) {
  rkc_mkdirs(path);
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
  FILE *f = fopen(tmp, "wb");
  if (!f) return;
  bool ok = fwrite(data, 1, size, f) == size;
  ok = (fclose(f) == 0) && ok;
  if (ok) ok = rename(tmp, path) == 0;
  if (!ok) unlink(tmp);
}

static rk_status_t rkc_compile(const char *text, const char *entry, const char *arch_opt,
                               char **cubin, size_t *size) {
  rk_status_t st = rkc_load_api();
  if (st != RK_OK) return st;
  const char *names[8], *sources[8];
  int n = 0;
  for (size_t i = 0; i < rkc_embedded_count && n < 6; i++) {
    names[n] = rkc_embedded_names[i];
    sources[n++] = rkc_embedded_sources[i];
    if (strcmp(rkc_embedded_names[i], "rk_device.cuh") == 0) {
      names[n] = "ringkernel/rk_device.cuh";
      sources[n++] = rkc_embedded_sources[i];
    }
  }
  nvrtcProgram prog;
  nvrtcResult r = rkc_api.create(&prog, text, "rk_program.cu", n, sources, names);
  if (r != NVRTC_SUCCESS)
    return rki_fail(RK_ECOMPILE, "nvrtcCreateProgram: %s", rkc_api.error_string(r));
  const char *opts[] = {arch_opt, "-std=c++17", "-DRKC_NVRTC=1"};
  r = rkc_api.compile(prog, 3, opts);
  if (r != NVRTC_SUCCESS) {
    size_t ln = 0;
    rkc_api.log_size(prog, &ln);
    char *log = malloc(ln + 1);
    if (log) {
      log[0] = '\0';
      rkc_api.log(prog, log);
    }
    st = rki_fail(RK_ECOMPILE, "CUDA handler '%s' failed to compile (%s):\n%s", entry,
                  rkc_api.error_string(r), log ? log : "(no log)");
    free(log);
    rkc_api.destroy(&prog);
    return st;
  }
  rkc_api.cubin_size(prog, size);
  *cubin = malloc(*size);
  if (!*cubin)
    st = rki_fail(RK_ENOMEM, "NVRTC: out of host memory");
  else
    rkc_api.cubin(prog, *cubin);
  rkc_api.destroy(&prog);
  return st;
}

static rk_status_t rkc_check_entry(const char *source, const char *entry) {
  if (!source || !*source) return rki_fail(RK_EINVAL, "CUDA handler source is empty");
  if (!entry || !*entry) return rki_fail(RK_EINVAL, "CUDA handler entry name is empty");
  for (const char *p = entry; *p; p++)
    if (!(isalnum((unsigned char)*p) || *p == '_') || (p == entry && isdigit((unsigned char)*p)))
      return rki_fail(RK_EINVAL, "CUDA handler entry '%s': not a C identifier", entry);
  if (strlen(entry) > 128) return rki_fail(RK_EINVAL, "CUDA handler entry longer than 128");
  return RK_OK;
}

typedef struct rkc_load_call {
  const char *cubin;
  cudaLibrary_t lib;
  rk_status_t st;
} rkc_load_call_t;

static void rkc_load_library(void *ctx) {
  rkc_load_call_t *c = ctx;
  c->st = RKC_CHECK(cudaLibraryLoadData(&c->lib, c->cubin, NULL, NULL, 0, NULL, NULL, 0));
}

/* Loading a library waits until the device's work drains, which never happens while a
 * persistent actor runs (measured: the load hung with one actor running), so a new
 * handler is loaded only while no actor runs, and refused otherwise. */
static rk_status_t rkc_load(int32_t device, uint64_t key, const char *cubin, const void **kernel) {
  rkc_load_call_t call = {cubin, NULL, RK_OK};
  if (!rkc_pinned_run_idle(rkc_load_library, &call))
    return rki_fail(RK_ESTATE,
                    "CUDA-source handler: loading new GPU code waits for the device to go "
                    "idle, which it never does while GPU actors run; launch actors with new "
                    "CUDA source before the others (or after terminating them); once loaded, "
                    "identical source launches at any time");
  cudaLibrary_t lib = call.lib;
  rk_status_t st = call.st;
  cudaKernel_t k;
  if (st == RK_OK) st = RKC_CHECK(cudaLibraryGetKernel(&k, lib, "rk_k_actor_user"));
  if (st != RK_OK) return st;
  rkc_loaded_t *l = malloc(sizeof *l);
  if (!l) return rki_fail(RK_ENOMEM, "NVRTC: out of host memory");
  l->key = key;
  l->device = device;
  l->kernel = (const void *)k;
  l->next = rkc_loaded_list;
  rkc_loaded_list = l;
  *kernel = l->kernel;
  return RK_OK;
}

static rk_status_t rkc_kernel_locked(int32_t device, const char *source, const char *entry,
                                     const void **kernel_out) {
  struct cudaDeviceProp prop;
  rk_status_t st = RKC_CHECK(cudaGetDeviceProperties(&prop, device));
  if (st != RK_OK) return st;
  char arch[48];
  snprintf(arch, sizeof arch, "--gpu-architecture=sm_%d%d", prop.major, prop.minor);
  char *text = rkc_program_text(source, entry);
  if (!text) return rki_fail(RK_ENOMEM, "NVRTC: out of host memory");
  uint64_t key = rkc_fnv(1469598103934665603ull, text, strlen(text));
  key = rkc_fnv(key, arch, strlen(arch));
  for (size_t i = 0; i < rkc_embedded_count; i++)
    key = rkc_fnv(key, rkc_embedded_sources[i], strlen(rkc_embedded_sources[i]));
  for (rkc_loaded_t *l = rkc_loaded_list; l; l = l->next)
    if (l->key == key && l->device == device) {
      *kernel_out = l->kernel;
      free(text);
      return RK_OK;
    }
  char path[4096];
  rkc_cache_path(path, sizeof path, key);
  size_t size = 0;
  char *cubin = rkc_read_file(path, &size);
  if (!cubin) {
    rkc_range_push("rk.nvrtc");
    st = rkc_compile(text, entry, arch, &cubin, &size);
    rkc_range_pop();
    if (st == RK_OK) rkc_write_cache(path, cubin, size);
  }
  free(text);
  if (st == RK_OK) st = rkc_load(device, key, cubin, kernel_out);
  free(cubin);
  return st;
}

rk_status_t rkc_nvrtc_kernel(int32_t device, const char *source, const char *entry,
                             const void **kernel_out) {
  *kernel_out = NULL;
  rk_status_t st = rkc_check_entry(source, entry);
  if (st == RK_OK) st = rkc_use_device(device);
  if (st != RK_OK) return st;
  pthread_mutex_lock(&rkc_nvrtc_lock);
  st = rkc_kernel_locked(device, source, entry, kernel_out);
  pthread_mutex_unlock(&rkc_nvrtc_lock);
  return st;
}
