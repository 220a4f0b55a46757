import CBLAS
import Synchronization
import VolcanoCore

/// Serialises the regions in which BLAS is switched to one thread, so that two tapes used
/// concurrently (for example by tests running in parallel) never interleave the switch and
/// the restore of the process-wide BLAS thread count.
private let serialBLASRegion = Mutex(())

/// Runs `body` on `workers` Dispatch threads with BLAS forced single-threaded, then restores
/// the BLAS thread count to ``Threads/count``.
///
/// The convolution kernels split the batch between workers themselves and call serial sgemm
/// on each share: no nested thread pools, no BLAS workers spin-yielding between calls, and
/// results that depend only on the thread count. With one worker BLAS keeps its threads.
/// Regions are mutually exclusive process-wide (see `serialBLASRegion`); BLAS calls made
/// elsewhere meanwhile simply run on one thread.
func withBatchWorkers(_ workers: Int, _ body: (Int) -> Void) {
    if workers <= 1 {
        body(0)
        return
    }
    serialBLASRegion.withLock { _ in
        vssl_blas_set_threads(1)
        Parallel.forEach(workers) { body($0) }
        vssl_blas_set_threads(Int32(Threads.count))
    }
}

/// Runs `body` (small BLAS calls between the parallel regions, e.g. transforming a kernel)
/// with BLAS on one thread, so that no BLAS worker is woken to spin beside the next region.
func withSerialBLAS<R>(_ body: () -> R) -> R {
    if Threads.count <= 1 { return body() }
    return serialBLASRegion.withLock { _ in
        vssl_blas_set_threads(1)
        defer { vssl_blas_set_threads(Int32(Threads.count)) }
        return body()
    }
}
