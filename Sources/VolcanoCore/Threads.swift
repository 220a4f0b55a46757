import CBLAS
import Dispatch
import Foundation
import Synchronization

/// The single thread-count setting that BLAS and every parallel loop honour.
///
/// Default: all cores, or the value of the environment variable `VOLCANO_SSL_THREADS`.
/// Parallel loops run on Dispatch's worker pool, which blocks instead of spinning, so a
/// second busy process slows VolcanoSSL gracefully rather than collapsing it.
public enum Threads {
    private static let storage = Atomic<Int>(Threads.initialCount())

    private static func initialCount() -> Int {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let n: Int
        if let s = ProcessInfo.processInfo.environment["VOLCANO_SSL_THREADS"], let v = Int(s), v > 0 {
            n = v
        } else {
            n = max(1, cores)
        }
        vssl_blas_set_threads(Int32(n))
        return n
    }

    /// A thread count for the current task only (see ``withCount(_:_:)``).
    @TaskLocal private static var taskCount: Int?

    /// Number of threads used by parallel loops (and BLAS, unless a task-local count is set).
    public static var count: Int {
        get { taskCount ?? storage.load(ordering: .relaxed) }
    }

    /// Runs `body` with `n` threads for the parallel loops it starts from this task, leaving
    /// the process-wide setting (and so concurrently running work) untouched. BLAS keeps the
    /// process setting: its products do not depend on the thread count.
    /// Used by tests that compare thread counts while other tests run in parallel.
    public static func withCount<R>(_ n: Int, _ body: () throws -> R) rethrows -> R {
        precondition(n >= 1, "Threads.withCount: thread count must be at least 1, got \(n)")
        return try $taskCount.withValue(n) { try body() }
    }

    /// Changes the thread count for BLAS and for parallel loops.
    public static func set(_ n: Int) {
        precondition(n >= 1, "Threads.set: thread count must be at least 1, got \(n)")
        storage.store(n, ordering: .relaxed)
        vssl_blas_set_threads(Int32(n))
    }

    /// The BLAS library in use.
    public static var blasName: String { String(cString: vssl_blas_name()) }
}

/// Parallel loops over index ranges, split into at most ``Threads/count`` contiguous chunks.
///
/// The split depends only on `count` and the thread setting, so results that are combined
/// per chunk in chunk order are reproducible for a given thread count.
public enum Parallel {
    /// Calls `body` on contiguous sub-ranges that cover `0..<count`, in parallel.
    /// `minChunk` keeps tiny loops serial (no point waking a thread for ten items).
    public static func forRanges(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = chunkCount(count, minChunk: minChunk)
        if chunks == 1 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                box.value(range(chunk: c, of: chunks, count: count))
            }
        }
    }

    /// Calls `body(i)` for every i in `0..<count`, in parallel chunks.
    public static func forEach(_ count: Int, minChunk: Int = 1, _ body: (Int) -> Void) {
        forRanges(count, minChunk: minChunk) { r in
            for i in r { body(i) }
        }
    }

    /// Calls `body(piece, range)` for each of `pieces` (at most 64) near-equal contiguous ranges of
    /// 0..<count on at most ``Threads/count`` threads. Each thread runs its own contiguous share of
    /// the pieces in order (as ``forRanges(_:minChunk:_:)`` would, with the same cache locality),
    /// then takes over the pieces other threads have not started, from the far end of their
    /// shares: a thread the machine stalls holds up the whole by about one piece instead of by
    /// its share. The pieces must be independent (which thread runs a piece may vary).
    public static func forPieces(_ count: Int, pieces: Int, _ body: (Int, Range<Int>) -> Void) {
        let pieces = max(1, min(pieces, count, 64))
        let workers = min(Threads.count, pieces)
        if workers <= 1 {
            for c in 0..<pieces { body(c, range(chunk: c, of: pieces, count: count)) }
            return
        }
        let claimed = Atomic<UInt64>(0)  // bit c: piece c started
        forRanges(workers) { me in
            let w = me.lowerBound
            func run(_ c: Int) {
                let bit = UInt64(1) << UInt64(c)
                if claimed.bitwiseOr(bit, ordering: .relaxed).oldValue & bit == 0 {
                    body(c, range(chunk: c, of: pieces, count: count))
                }
            }
            for c in range(chunk: w, of: workers, count: pieces) { run(c) }
            for other in 1..<workers {
                for c in range(chunk: (w + other) % workers, of: workers, count: pieces).reversed() { run(c) }
            }
        }
    }

    /// Number of chunks `forRanges` will use.
    public static func chunkCount(_ count: Int, minChunk: Int = 1) -> Int {
        max(1, min(Threads.count, count / max(1, minChunk)))
    }

    /// The `c`-th of `chunks` near-equal contiguous ranges covering 0..<count.
    public static func range(chunk c: Int, of chunks: Int, count: Int) -> Range<Int> {
        let base = count / chunks, extra = count % chunks
        let start = c * base + min(c, extra)
        return start..<(start + base + (c < extra ? 1 : 0))
    }

    /// The chunk whose ``range(chunk:of:count:)`` contains index `i` (0 ≤ i < count).
    public static func chunk(containing i: Int, of chunks: Int, count: Int) -> Int {
        let base = count / chunks, extra = count % chunks
        return i < extra * (base + 1) ? i / (base + 1) : extra + (i - extra * (base + 1)) / base
    }
}

/// Regions in which BLAS runs on one thread because our own threads already split the work
/// (each calling serial BLAS on its share): no nested thread pools, no BLAS workers
/// spin-yielding beside ours.
public enum SerialBLAS {
    /// Serialises the regions, so that two callers running concurrently (for example tests
    /// in parallel) never interleave the switch and the restore of the process-wide BLAS
    /// thread count. BLAS calls made elsewhere meanwhile simply run on one thread.
    private static let region = Mutex(())
    /// Set inside a region (and by ``insideRegion(_:)`` on the region's worker threads): a
    /// nested region then just runs its body, BLAS being on one thread already.
    @TaskLocal private static var isInside = false

    /// Runs `body` with BLAS on one thread, then restores it to ``Threads/count``.
    public static func run<R>(_ body: () -> R) -> R {
        if isInside { return body() }
        var result: R?
        region.withLock { _ in
            vssl_blas_set_threads(1)
            defer { vssl_blas_set_threads(Int32(Threads.count)) }
            result = insideRegion(body)
        }
        return result!
    }

    /// ``Parallel/forRanges(_:minChunk:_:)`` for chunks that each call BLAS on their share (blocks
    /// of a distance matrix): inside a region, so that every call runs on one thread — no nested
    /// thread pools, and the same bits whatever the thread count or another region running
    /// meanwhile (multi-threaded BLAS rounds differently on some CPUs).
    public static func forRanges(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        run { Parallel.forRanges(count, minChunk: minChunk, body) }
    }

    /// Runs `body`, work handed to another thread by a region's body, as part of that region.
    public static func insideRegion<R>(_ body: () -> R) -> R { $isInside.withValue(true, operation: body) }
}

/// Carries a value (a buffer, a non-escaping closure) into `Parallel` / Dispatch workers.
/// Safe only because the parallel loops wait for every chunk before returning and each chunk
/// writes disjoint memory by contract.
public struct UnsafeSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

/// A raw pointer handed to parallel chunks that write disjoint parts of it.
public struct UnsafeSendablePointer<T>: @unchecked Sendable {
    public let p: UnsafeMutablePointer<T>
    public init(_ p: UnsafeMutablePointer<T>) { self.p = p }
}
