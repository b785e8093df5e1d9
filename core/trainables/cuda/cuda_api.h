#pragma once
// The C interface of libtunelab_cuda.so, the optional CUDA code of the built-in trainables. The library is
// built when CMake finds a CUDA compiler and toolkit (TUNELAB_CUDA) and loaded with dlopen at run time
// (core/trainables/cuda_lib.h), so nothing else links CUDA and a build without it runs everywhere.
// Every function returns 0 on success, else non-zero with a message in err (err_size bytes, NUL-terminated).
#ifdef __cplusplus
extern "C" {
#endif

typedef struct tl_mlp_cuda tl_mlp_cuda;
typedef struct tl_gpu_load tl_gpu_load;

// Number of CUDA devices this process sees (0 when none or no driver).
typedef int (*tl_cuda_device_count_fn)(void);
// Name of device 0.
typedef int (*tl_cuda_device_name_fn)(char* name, int size);

// A one-hidden-layer MLP trainer on device 0 holding the training set: x is inputs x n (column-major), labels n.
typedef int (*tl_mlp_cuda_create_fn)(int inputs, int hidden, int classes, const float* x, const int* labels, int n,
                                     tl_mlp_cuda** out, char* err, int err_size);
typedef void (*tl_mlp_cuda_destroy_fn)(tl_mlp_cuda* m);
// One epoch of minibatch SGD with momentum and L2 decay, in the order given (n indices), batches of `batch`.
// params: w1 (hidden x inputs), b1, w2 (classes x hidden), b2, then the four momentum buffers in the same shapes,
// all column-major host arrays, read before and written back after the epoch. masks: hidden x n inverted-dropout
// multipliers, column k for the k-th sample of the order (null: no dropout). loss_sum gets the summed
// cross-entropy of the epoch.
typedef int (*tl_mlp_cuda_train_epoch_fn)(tl_mlp_cuda* m, float* const params[8], const int* order, int batch,
                                          const float* masks, float lr, float momentum, float weight_decay,
                                          double* loss_sum, char* err, int err_size);

// Holds memory_mb of device memory (written, so it is really used) until tl_gpu_load_end.
typedef int (*tl_gpu_load_begin_fn)(double memory_mb, tl_gpu_load** out, char* err, int err_size);
// Keeps the device busy for `utilization` (0..1) of each 100 ms for `seconds`.
typedef int (*tl_gpu_load_run_fn)(tl_gpu_load* g, double utilization, double seconds, char* err, int err_size);
typedef void (*tl_gpu_load_end_fn)(tl_gpu_load* g);

#ifdef __cplusplus
}
#endif
