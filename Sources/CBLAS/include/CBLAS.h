// CBLAS: the one place VolcanoSSL touches BLAS and LAPACK.
// Accelerate on macOS, OpenBLAS + LAPACKE on Linux. Row-major everywhere.
#ifndef VSSL_CBLAS_H
#define VSSL_CBLAS_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/// C[M,N] = alpha * op(A) * op(B) + beta * C, row-major, float32.
void vssl_sgemm(bool transA, bool transB, int M, int N, int K, float alpha,
                const float *A, int lda, const float *B, int ldb, float beta,
                float *C, int ldc);
/// Same in float64.
void vssl_dgemm(bool transA, bool transB, int M, int N, int K, double alpha,
                const double *A, int lda, const double *B, int ldb, double beta,
                double *C, int ldc);
/// The upper triangle of C[N,N] = alpha * A Aᵀ + beta * C for A[N,K], row-major, float64.
void vssl_dsyrk_upper(int N, int K, double alpha, const double *A, int lda, double beta, double *C, int ldc);
/// y[M or N] = alpha * op(A) x + beta * y, row-major, float32.
void vssl_sgemv(bool transA, int M, int N, float alpha, const float *A, int lda,
                const float *x, float beta, float *y);
/// Symmetric eigen-decomposition (divide and conquer), row-major float64.
/// On return A holds the eigenvectors as columns, w the eigenvalues ascending.
/// Returns LAPACK's info (0 = success).
int vssl_dsyevd(int n, double *A, int lda, double *w);
/// Selected eigenpairs il...iu (1-based, ascending) of a symmetric float64 matrix.
/// w receives the iu-il+1 eigenvalues (the shim gives LAPACK its own n-long buffer);
/// Z is n x (iu-il+1) row-major, eigenvectors as columns. Returns LAPACK's info.
int vssl_dsyevr(int n, double *A, int lda, int il, int iu, double *w, double *Z, int ldz);
/// Sets the number of BLAS threads (no-op where the BLAS has no such control).
void vssl_blas_set_threads(int n);
/// Name of the BLAS library in use ("OpenBLAS ...", "Accelerate").
const char *vssl_blas_name(void);
/// OpenBLAS's kernel set in use ("Haswell", "SkylakeX", "Prescott", ...); "Accelerate" on macOS.
const char *vssl_blas_core_name(void);
/// The newest OpenBLAS kernel set this CPU can run ("SkylakeX" at vector level 2, "Haswell" at
/// level 1 of `vssl_cpu_vector_level`), or NULL (other CPUs, macOS).
const char *vssl_cpu_openblas_core(void);
/// The vector instructions this CPU runs: 2 = AVX-512 (F, CD, BW, DQ, VL) and the AVX2 set,
/// 1 = AVX2, FMA, BMI1/2, POPCNT, 0 = neither (or not x86-64).
int vssl_cpu_vector_level(void);
/// glibc only: keeps freed memory mapped for reuse (mmap threshold `mmap_bytes`, trim
/// threshold `trim_bytes`, top pad `pad_bytes`; a value < 0 leaves that setting alone).
/// A no-op elsewhere.
void vssl_malloc_keep_freed(long mmap_bytes, long trim_bytes, long pad_bytes);

#ifdef __cplusplus
}
#endif
#endif
