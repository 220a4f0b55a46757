import Dispatch
import VolcanoCore

/// Runs `body` on `workers` Dispatch threads with BLAS forced single-threaded, then restores
/// the BLAS thread count to ``Threads/count``.
///
/// The convolution kernels split the batch between workers themselves and call serial sgemm
/// on each share: no nested thread pools, no BLAS workers spin-yielding between calls, and
/// results that depend only on the thread count. With one worker BLAS keeps its threads.
/// Regions are mutually exclusive process-wide (``SerialBLAS``).
func withBatchWorkers(_ workers: Int, _ body: (Int) -> Void) {
    if workers <= 1 {
        body(0)
        return
    }
    SerialBLAS.run { Parallel.forEach(workers) { body($0) } }
}

/// Runs `body` (small BLAS calls between the parallel regions, e.g. transforming a kernel)
/// with BLAS on one thread, so that no BLAS worker is woken to spin beside the next region.
func withSerialBLAS<R>(_ body: () -> R) -> R {
    if Threads.count <= 1 { return body() }
    return SerialBLAS.run(body)
}

/// Runs `jobs` independent pieces of work, `body(0)` … `body(jobs − 1)`, handed out one at a
/// time to ``Threads/count`` threads, with BLAS on one thread and `threadsEach` threads for the
/// parallel loops inside a piece (one by default; with one thread overall the pieces run one
/// after the other).
///
/// One parallel region for the whole computation instead of one per operation: the many short
/// regions of small networks spent their time waking threads, and on a shared machine each of
/// them waited for whichever core the hypervisor had just taken away; here such a core delays one
/// piece while the other threads take the rest. With `threadsEach` 1 a piece's result depends
/// only on the piece, not on the thread count. Pieces must write disjoint memory.
public func forEachIndependently(_ jobs: Int, threadsEach: Int = 1, _ body: (Int) -> Void) {
    guard jobs > 0 else { return }
    let inner = Swift.max(1, Swift.min(threadsEach, Threads.count))
    if Threads.count <= 1 || jobs == 1 {
        Threads.withCount(inner) { for j in 0..<jobs { body(j) } }
        return
    }
    SerialBLAS.run {
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: jobs) { j in
                SerialBLAS.insideRegion { Threads.withCount(inner) { box.value(j) } }
            }
        }
    }
}
