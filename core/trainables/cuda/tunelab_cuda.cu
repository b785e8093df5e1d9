// libtunelab_cuda.so: the CUDA path of digits_mlp (cuBLAS GEMMs plus small kernels) and the gpu_load kernel.
// The interface is cuda_api.h; the host side lives in core/trainables/digits_mlp_cuda.cpp and gpu_load.cpp.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>
#include <vector>

#include "core/trainables/cuda/cuda_api.h"

#define TL_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

bool fail(char* err, int size, const char* what, const char* detail) {
  if (err && size > 0) std::snprintf(err, static_cast<size_t>(size), "%s: %s", what, detail);
  return false;
}

bool check(cudaError_t e, char* err, int size, const char* what) {
  return e == cudaSuccess || fail(err, size, what, cudaGetErrorString(e));
}

bool check(cublasStatus_t s, char* err, int size, const char* what) {
  if (s == CUBLAS_STATUS_SUCCESS) return true;
  char code[32];
  std::snprintf(code, sizeof code, "cuBLAS status %d", static_cast<int>(s));
  return fail(err, size, what, code);
}

constexpr int kThreads = 256;
int blocks(long long n) { return static_cast<int>((n + kThreads - 1) / kThreads); }

// xb (inputs x b) and yb take the samples order[0..b) of x and labels.
__global__ void gather(const float* x, const int* labels, int inputs, const int* order, int b, float* xb, int* yb) {
  const long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<long long>(inputs) * b) return;
  const int col = static_cast<int>(i / inputs), row = static_cast<int>(i % inputs);
  const int src = order[col];
  xb[i] = x[static_cast<long long>(src) * inputs + row];
  if (row == 0) yb[col] = labels[src];
}

// z += bias (per row); h = relu(z) * mask.
__global__ void bias_relu_dropout(float* z, const float* bias, const float* mask, int rows, int cols, float* h) {
  const long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<long long>(rows) * cols) return;
  const float v = z[i] + bias[i % rows];
  z[i] = v;
  const float r = v > 0.0f ? v : 0.0f;
  h[i] = mask ? r * mask[i] : r;
}

// Per column: adds the bias, accumulates the cross-entropy, and leaves (softmax - onehot) / b: the gradient.
__global__ void softmax_ce_grad(float* p, const float* bias, const int* labels, int classes, int b, double* loss) {
  const int col = blockIdx.x * blockDim.x + threadIdx.x;
  if (col >= b) return;
  float* z = p + static_cast<long long>(col) * classes;
  float mx = -INFINITY;
  for (int c = 0; c < classes; ++c) {
    z[c] += bias[c];
    mx = fmaxf(mx, z[c]);
  }
  const int y = labels[col];
  const float label_logit = z[y] - mx;
  float sum = 0;
  for (int c = 0; c < classes; ++c) {
    z[c] = expf(z[c] - mx);
    sum += z[c];
  }
  atomicAdd(loss, log(static_cast<double>(sum)) - static_cast<double>(label_logit));
  const float inv_b = 1.0f / static_cast<float>(b);
  for (int c = 0; c < classes; ++c) z[c] = (z[c] / sum - (c == y ? 1.0f : 0.0f)) * inv_b;
}

// dh *= mask * (z > 0).
__global__ void relu_dropout_back(float* dh, const float* z, const float* mask, long long n) {
  const long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  float g = z[i] > 0.0f ? dh[i] : 0.0f;
  if (mask) g *= mask[i];
  dh[i] = g;
}

__global__ void row_sums(const float* m, int rows, int cols, float* out) {
  const int r = blockIdx.x * blockDim.x + threadIdx.x;
  if (r >= rows) return;
  float s = 0;
  for (int c = 0; c < cols; ++c) s += m[static_cast<long long>(c) * rows + r];
  out[r] = s;
}

// v = momentum * v + g + wd * w; w -= lr * v.
__global__ void sgd_momentum(float* w, float* v, const float* g, long long n, float lr, float momentum, float wd) {
  const long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const float nv = momentum * v[i] + g[i] + wd * w[i];
  v[i] = nv;
  w[i] -= lr * nv;
}

__global__ void spin(long long ns) {
  unsigned long long start, now;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
  do {
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
  } while (static_cast<long long>(now - start) < ns);
}

template <typename T>
struct DeviceArray {
  T* p = nullptr;
  long long n = 0;
  bool alloc(long long count, char* err, int size) {
    n = count;
    return check(cudaMalloc(&p, sizeof(T) * static_cast<size_t>(std::max<long long>(count, 1))), err, size, "cudaMalloc");
  }
  void reset() {
    if (p) cudaFree(p);
    p = nullptr;
    n = 0;
  }
  DeviceArray() = default;
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  ~DeviceArray() { reset(); }
};

}  // namespace

struct tl_mlp_cuda {
  int inputs = 0, hidden = 0, classes = 0, n = 0;
  cublasHandle_t blas = nullptr;
  DeviceArray<float> x;
  DeviceArray<int> labels, order, yb;
  DeviceArray<float> params[8];  // w1, b1, w2, b2, v_w1, v_b1, v_w2, v_b2
  DeviceArray<float> masks, xb, z1, h, p, dh, g_w1, g_b1, g_w2, g_b2;
  DeviceArray<double> loss;
  int batch_capacity = 0;
  ~tl_mlp_cuda() {
    if (blas) cublasDestroy(blas);
  }
};

TL_EXPORT int tl_cuda_device_count(void) {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess ? n : 0;
}

TL_EXPORT int tl_cuda_device_name(char* name, int size) {
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) return 1;
  std::snprintf(name, static_cast<size_t>(size), "%s", prop.name);
  return 0;
}

TL_EXPORT int tl_mlp_cuda_create(int inputs, int hidden, int classes, const float* x, const int* labels, int n,
                                 tl_mlp_cuda** out, char* err, int err_size) {
  auto* m = new tl_mlp_cuda();
  m->inputs = inputs, m->hidden = hidden, m->classes = classes, m->n = n;
  const long long sizes[8] = {1LL * hidden * inputs, hidden, 1LL * classes * hidden, classes,
                              1LL * hidden * inputs, hidden, 1LL * classes * hidden, classes};
  bool ok = check(cudaSetDevice(0), err, err_size, "cudaSetDevice") &&
            check(cublasCreate(&m->blas), err, err_size, "cublasCreate") &&
            m->x.alloc(1LL * inputs * n, err, err_size) && m->labels.alloc(n, err, err_size) &&
            m->order.alloc(n, err, err_size) && m->loss.alloc(1, err, err_size) &&
            m->g_w1.alloc(sizes[0], err, err_size) && m->g_b1.alloc(hidden, err, err_size) &&
            m->g_w2.alloc(sizes[2], err, err_size) && m->g_b2.alloc(classes, err, err_size);
  for (int i = 0; ok && i < 8; ++i) ok = m->params[i].alloc(sizes[i], err, err_size);
  ok = ok && check(cudaMemcpy(m->x.p, x, sizeof(float) * static_cast<size_t>(m->x.n), cudaMemcpyHostToDevice), err, err_size, "upload x") &&
       check(cudaMemcpy(m->labels.p, labels, sizeof(int) * static_cast<size_t>(n), cudaMemcpyHostToDevice), err, err_size, "upload labels");
  if (!ok) {
    delete m;
    return 1;
  }
  *out = m;
  return 0;
}

TL_EXPORT void tl_mlp_cuda_destroy(tl_mlp_cuda* m) { delete m; }

TL_EXPORT int tl_mlp_cuda_train_epoch(tl_mlp_cuda* m, float* const params[8], const int* order, int batch,
                                      const float* masks, float lr, float momentum, float weight_decay,
                                      double* loss_sum, char* err, int err_size) {
  const int H = m->hidden, I = m->inputs, C = m->classes, N = m->n;
  batch = std::max(1, std::min(batch, N));
  if (batch > m->batch_capacity) {
    m->xb.reset(), m->z1.reset(), m->h.reset(), m->p.reset(), m->dh.reset(), m->yb.reset();
    if (!(m->xb.alloc(1LL * I * batch, err, err_size) && m->z1.alloc(1LL * H * batch, err, err_size) &&
          m->h.alloc(1LL * H * batch, err, err_size) && m->p.alloc(1LL * C * batch, err, err_size) &&
          m->dh.alloc(1LL * H * batch, err, err_size) && m->yb.alloc(batch, err, err_size)))
      return 1;
    m->batch_capacity = batch;
  }
  if (masks && m->masks.n != 1LL * H * N) {
    m->masks.reset();
    if (!m->masks.alloc(1LL * H * N, err, err_size)) return 1;
  }
  for (int i = 0; i < 8; ++i) {
    if (!check(cudaMemcpy(m->params[i].p, params[i], sizeof(float) * static_cast<size_t>(m->params[i].n), cudaMemcpyHostToDevice),
               err, err_size, "upload parameters"))
      return 1;
  }
  if (!check(cudaMemcpy(m->order.p, order, sizeof(int) * static_cast<size_t>(N), cudaMemcpyHostToDevice), err, err_size, "upload order") ||
      (masks && !check(cudaMemcpy(m->masks.p, masks, sizeof(float) * static_cast<size_t>(m->masks.n), cudaMemcpyHostToDevice),
                       err, err_size, "upload masks")) ||
      !check(cudaMemset(m->loss.p, 0, sizeof(double)), err, err_size, "cudaMemset"))
    return 1;
  float *w1 = m->params[0].p, *b1 = m->params[1].p, *w2 = m->params[2].p, *b2 = m->params[3].p;
  const float one = 1.0f, zero = 0.0f;
  for (int begin = 0; begin < N; begin += batch) {
    const int b = std::min(batch, N - begin);
    const float* mask = masks ? m->masks.p + 1LL * begin * H : nullptr;
    gather<<<blocks(1LL * I * b), kThreads>>>(m->x.p, m->labels.p, I, m->order.p + begin, b, m->xb.p, m->yb.p);
    // Forward: z1 = W1 xb (+ b1), h = relu(z1) * mask, p = W2 h (+ b2).
    if (!check(cublasSgemm(m->blas, CUBLAS_OP_N, CUBLAS_OP_N, H, b, I, &one, w1, H, m->xb.p, I, &zero, m->z1.p, H), err, err_size, "W1 x"))
      return 1;
    bias_relu_dropout<<<blocks(1LL * H * b), kThreads>>>(m->z1.p, b1, mask, H, b, m->h.p);
    if (!check(cublasSgemm(m->blas, CUBLAS_OP_N, CUBLAS_OP_N, C, b, H, &one, w2, C, m->h.p, H, &zero, m->p.p, C), err, err_size, "W2 h"))
      return 1;
    softmax_ce_grad<<<blocks(b), kThreads>>>(m->p.p, b2, m->yb.p, C, b, m->loss.p);
    // Backward: dh = W2^T dz2 masked; gradients of W2, b2, W1, b1.
    if (!check(cublasSgemm(m->blas, CUBLAS_OP_T, CUBLAS_OP_N, H, b, C, &one, w2, C, m->p.p, C, &zero, m->dh.p, H), err, err_size, "W2^T dz2") ||
        !check(cublasSgemm(m->blas, CUBLAS_OP_N, CUBLAS_OP_T, C, H, b, &one, m->p.p, C, m->h.p, H, &zero, m->g_w2.p, C), err, err_size, "dz2 h^T"))
      return 1;
    relu_dropout_back<<<blocks(1LL * H * b), kThreads>>>(m->dh.p, m->z1.p, mask, 1LL * H * b);
    if (!check(cublasSgemm(m->blas, CUBLAS_OP_N, CUBLAS_OP_T, H, I, b, &one, m->dh.p, H, m->xb.p, I, &zero, m->g_w1.p, H), err, err_size, "dh x^T"))
      return 1;
    row_sums<<<blocks(C), kThreads>>>(m->p.p, C, b, m->g_b2.p);
    row_sums<<<blocks(H), kThreads>>>(m->dh.p, H, b, m->g_b1.p);
    sgd_momentum<<<blocks(m->params[2].n), kThreads>>>(w2, m->params[6].p, m->g_w2.p, m->params[2].n, lr, momentum, weight_decay);
    sgd_momentum<<<blocks(C), kThreads>>>(b2, m->params[7].p, m->g_b2.p, C, lr, momentum, 0.0f);
    sgd_momentum<<<blocks(m->params[0].n), kThreads>>>(w1, m->params[4].p, m->g_w1.p, m->params[0].n, lr, momentum, weight_decay);
    sgd_momentum<<<blocks(H), kThreads>>>(b1, m->params[5].p, m->g_b1.p, H, lr, momentum, 0.0f);
    if (!check(cudaGetLastError(), err, err_size, "kernel launch")) return 1;
  }
  for (int i = 0; i < 8; ++i) {
    if (!check(cudaMemcpy(params[i], m->params[i].p, sizeof(float) * static_cast<size_t>(m->params[i].n), cudaMemcpyDeviceToHost),
               err, err_size, "download parameters"))
      return 1;
  }
  return check(cudaMemcpy(loss_sum, m->loss.p, sizeof(double), cudaMemcpyDeviceToHost), err, err_size, "download loss") ? 0 : 1;
}

struct tl_gpu_load {
  void* memory = nullptr;
  int sms = 1;
  ~tl_gpu_load() {
    if (memory) cudaFree(memory);
  }
};

TL_EXPORT int tl_gpu_load_begin(double memory_mb, tl_gpu_load** out, char* err, int err_size) {
  auto* g = new tl_gpu_load();
  const auto bytes = static_cast<size_t>(std::max(0.0, memory_mb) * 1024.0 * 1024.0);
  bool ok = check(cudaSetDevice(0), err, err_size, "cudaSetDevice") &&
            check(cudaDeviceGetAttribute(&g->sms, cudaDevAttrMultiProcessorCount, 0), err, err_size, "device attribute");
  if (ok && bytes > 0) {
    ok = check(cudaMalloc(&g->memory, bytes), err, err_size, "cudaMalloc") &&
         check(cudaMemset(g->memory, 1, bytes), err, err_size, "cudaMemset") &&
         check(cudaDeviceSynchronize(), err, err_size, "cudaDeviceSynchronize");
  }
  if (!ok) {
    delete g;
    return 1;
  }
  *out = g;
  return 0;
}

TL_EXPORT int tl_gpu_load_run(tl_gpu_load* g, double utilization, double seconds, char* err, int err_size) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  const double duty = std::clamp(utilization, 0.0, 1.0);
  constexpr double kPeriodS = 0.1;
  while (Clock::now() < end) {
    const auto period_start = Clock::now();
    if (duty > 0) {
      spin<<<g->sms, 32>>>(static_cast<long long>(duty * kPeriodS * 1e9));
      if (!check(cudaDeviceSynchronize(), err, err_size, "gpu_load kernel")) return 1;
    }
    const Clock::time_point next = period_start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(kPeriodS));
    std::this_thread::sleep_until(std::min(end, next));
  }
  return 0;
}

TL_EXPORT void tl_gpu_load_end(tl_gpu_load* g) { delete g; }
