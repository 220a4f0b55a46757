#include "CBLAS.h"
#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#if defined(__APPLE__)
#define ACCELERATE_NEW_LAPACK 1
#include <Accelerate/Accelerate.h>

void vssl_blas_set_threads(int n) { (void)n; }
const char *vssl_blas_name(void) { return "Accelerate"; }
const char *vssl_blas_core_name(void) { return "Accelerate"; }
const char *vssl_cpu_openblas_core(void) { return NULL; }
void vssl_malloc_keep_freed(long mmap_bytes, long trim_bytes, long pad_bytes) {
    (void)mmap_bytes; (void)trim_bytes; (void)pad_bytes;
}

int vssl_dsyevd(int n, double *A, int lda, double *w) {
    // LAPACK is column-major; a symmetric matrix is its own transpose, and the
    // eigenvectors come back as rows of the column-major result = columns after
    // a transpose, which we do in place.
    __LAPACK_int nn = n, ld = lda, info = 0, lwork = -1, liwork = -1, iwq = 0;
    double wq = 0;
    char jobz = 'V', uplo = 'U';
    dsyevd_(&jobz, &uplo, &nn, A, &ld, w, &wq, &lwork, &iwq, &liwork, &info);
    if (info != 0) return (int)info;
    lwork = (__LAPACK_int)wq; liwork = iwq;
    double *work = malloc(sizeof(double) * (size_t)lwork);
    __LAPACK_int *iwork = malloc(sizeof(__LAPACK_int) * (size_t)liwork);
    dsyevd_(&jobz, &uplo, &nn, A, &ld, w, work, &lwork, iwork, &liwork, &info);
    free(work); free(iwork);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double t = A[i * lda + j]; A[i * lda + j] = A[j * lda + i]; A[j * lda + i] = t;
        }
    return (int)info;
}

int vssl_dsyevr(int n, double *A, int lda, int il, int iu, double *w, double *Z, int ldz) {
    __LAPACK_int nn = n, ld = lda, ilv = il, iuv = iu, m = 0, info = 0, lwork = -1, liwork = -1, iwq = 0;
    int k = iu - il + 1;
    double vl = 0, vu = 0, abstol = 0, wq = 0;
    char jobz = 'V', range = 'I', uplo = 'U';
    __LAPACK_int ldzc = n;
    double *zc = malloc(sizeof(double) * (size_t)n * (size_t)k);
    double *wall = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    __LAPACK_int *isuppz = malloc(sizeof(__LAPACK_int) * 2 * (size_t)(n > 0 ? n : 1));
    dsyevr_(&jobz, &range, &uplo, &nn, A, &ld, &vl, &vu, &ilv, &iuv, &abstol, &m, wall, zc, &ldzc,
            isuppz, &wq, &lwork, &iwq, &liwork, &info);
    if (info == 0) {
        lwork = (__LAPACK_int)wq; liwork = iwq;
        double *work = malloc(sizeof(double) * (size_t)lwork);
        __LAPACK_int *iwork = malloc(sizeof(__LAPACK_int) * (size_t)liwork);
        dsyevr_(&jobz, &range, &uplo, &nn, A, &ld, &vl, &vu, &ilv, &iuv, &abstol, &m, wall, zc, &ldzc,
                isuppz, work, &lwork, iwork, &liwork, &info);
        free(work); free(iwork);
        for (int i = 0; i < k && i < n; i++) w[i] = wall[i];
        for (int c = 0; c < k; c++)
            for (int r = 0; r < n; r++) Z[r * ldz + c] = zc[c * n + r];
    }
    free(zc); free(wall); free(isuppz);
    return (int)info;
}
#else
#include <cblas.h>
#include <lapacke.h>

extern void openblas_set_num_threads(int);
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);

void vssl_blas_set_threads(int n) { openblas_set_num_threads(n); }
const char *vssl_blas_name(void) { return openblas_get_config(); }
const char *vssl_blas_core_name(void) { return openblas_get_corename(); }

void vssl_malloc_keep_freed(long mmap_bytes, long trim_bytes, long pad_bytes) {
#if defined(__GLIBC__)
    if (mmap_bytes >= 0) mallopt(M_MMAP_THRESHOLD, (int)mmap_bytes);
    if (trim_bytes >= 0) mallopt(M_TRIM_THRESHOLD, (int)trim_bytes);
    if (pad_bytes >= 0) mallopt(M_TOP_PAD, (int)pad_bytes);
#else
    (void)mmap_bytes; (void)trim_bytes; (void)pad_bytes;
#endif
}

const char *vssl_cpu_openblas_core(void) {
    switch (vssl_cpu_vector_level()) {
    case 2: return "SkylakeX";
    case 1: return "Haswell";
    default: return NULL;
    }
}

int vssl_dsyevd(int n, double *A, int lda, double *w) {
    return (int)LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', n, A, lda, w);
}

int vssl_dsyevr(int n, double *A, int lda, int il, int iu, double *w, double *Z, int ldz) {
    lapack_int m = 0;
    int k = iu - il + 1;
    // LAPACK may write up to n eigenvalues into its w: give it room, copy the k asked for.
    double *wall = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    lapack_int *isuppz = malloc(sizeof(lapack_int) * 2 * (size_t)(n > 0 ? n : 1));
    int info = (int)LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', n, A, lda, 0.0, 0.0, il, iu, 0.0,
                                   &m, wall, Z, ldz, isuppz);
    for (int i = 0; i < k && i < n; i++) w[i] = wall[i];
    free(wall);
    free(isuppz);
    return info;
}
#endif

void vssl_sgemm(bool transA, bool transB, int M, int N, int K, float alpha,
                const float *A, int lda, const float *B, int ldb, float beta,
                float *C, int ldc) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void vssl_dgemm(bool transA, bool transB, int M, int N, int K, double alpha,
                const double *A, int lda, const double *B, int ldb, double beta,
                double *C, int ldc) {
    cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void vssl_dsyrk_upper(int N, int K, double alpha, const double *A, int lda, double beta, double *C, int ldc) {
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, N, K, alpha, A, lda, beta, C, ldc);
}

void vssl_sgemv(bool transA, int M, int N, float alpha, const float *A, int lda,
                const float *x, float beta, float *y) {
    cblas_sgemv(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, M, N, alpha, A, lda, x, 1, beta, y, 1);
}

int vssl_cpu_vector_level(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi") &&
          __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt")))
        return 0;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        return 2;
    return 1;
#else
    return 0;
#endif
}
