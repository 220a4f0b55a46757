import Foundation
import Synchronization
import VolcanoCore

/// Approximate k-nearest-neighbour queries against reference points whose own kNN graph is
/// known — pynndescent's `query`, which umap-learn's `transform` uses on large maps: each query
/// falls down a random-projection tree of the reference points (built here, about
/// `n_reference · D · log₂(n_reference / k)` flops), its leaf seeds a best-first
/// walk over the reference graph (forward and reverse edges), and the walk stops when the
/// closest unexpanded point is farther than `(1 + epsilon)` × the current k-th squared distance
/// (pynndescent's bound on its reduced distance).
///
/// Cost about `n_queries · (points expanded · graph degree) · D` flops — a few hundred distances
/// per query instead of exact search's `n_reference`; recall@k is typically ≥ 0.97 on
/// embedding-like data (measured by the tests and `vssl-bench manifold`). The k found are
/// returned with exact float64 distances, ascending, like ``NearestNeighbors``. Deterministic
/// for a seed and independent of the thread count (each query is searched on its own).
public enum GraphSearch {
    /// The approximate `k` nearest `reference` points of each of `queries`.
    /// - Parameters:
    ///   - referenceNeighbors: the reference points' own neighbour lists, `reference.rows × width`
    ///     indices (e.g. the fit's kNN graph; an entry equal to its own row is ignored).
    ///   - k: neighbours per query, 1...reference.rows.
    ///   - epsilon: search breadth ≥ 0 (pynndescent's default 0.1); larger finds more of the true
    ///     neighbours for more distance evaluations.
    public static func neighbors(queries: FeatureMatrix, reference: FeatureMatrix, referenceNeighbors: [Int32], width: Int,
                                 k: Int, metric: DistanceMetric = .euclidean, seed: UInt64 = 42, epsilon: Float = 0.1,
                                 progress: ProgressHandler? = nil) -> NeighborGraph {
        let nq = queries.rows, nr = reference.rows, dim = queries.columns
        precondition(queries.columns == reference.columns,
                     "GraphSearch.neighbors: queries have \(queries.columns) columns, reference \(reference.columns)")
        precondition(k >= 1 && k <= nr, "GraphSearch.neighbors: k = \(k) needs 1...\(nr) reference points")
        precondition(referenceNeighbors.count == nr * width,
                     "GraphSearch.neighbors: \(referenceNeighbors.count) neighbour entries for \(nr) points × \(width)")
        let q = metric == .cosine ? NearestNeighbors._prepared(queries, .cosine).values : queries.values
        let r = metric == .cosine ? NearestNeighbors._prepared(reference, .cosine).values : reference.values
        let tree = r.withUnsafeBufferPointer {
            _RandomProjectionTree($0.baseAddress!, n: nr, dim: dim, leafSize: max(10, k), seed: seed, stream: 0x5EA7, routable: true)
        }
        let adjacency = _undirected(referenceNeighbors, width: width, count: nr)
        var candidates = [Int32](repeating: 0, count: nq * k)
        let bound = 1 + max(0, epsilon)
        let finished = Atomic<Int>(0)
        q.withUnsafeBufferPointer { qb in
        r.withUnsafeBufferPointer { rb in
        adjacency.start.withUnsafeBufferPointer { sb in
        adjacency.members.withUnsafeBufferPointer { mb in
        candidates.withUnsafeMutableBufferPointer { cb in
            let Q = UnsafeSendablePointer(UnsafeMutablePointer(mutating: qb.baseAddress!))
            let R = UnsafeSendablePointer(UnsafeMutablePointer(mutating: rb.baseAddress!))
            let S = UnsafeSendablePointer(UnsafeMutablePointer(mutating: sb.baseAddress!))
            let M = UnsafeSendablePointer(UnsafeMutablePointer(mutating: mb.baseAddress!))
            let C = UnsafeSendablePointer(cb.baseAddress!)
            var capacity = tree.leaves.map(\.count).max()! + k
            for u in 0..<nr { capacity = max(capacity, S.p[u + 1] - S.p[u]) }
            Parallel.forPieces(nq, pieces: min(nq / 64, 8 * Threads.count)) { _, rows in
                // Visited marks: the query's number + 1, so nothing is cleared between queries.
                let marks = UnsafeMutablePointer<UInt32>.allocate(capacity: nr)
                marks.initialize(repeating: 0, count: nr)
                // Points not seen before, scored together (their rows load in parallel), then kept and queued.
                let pending = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
                defer { marks.deallocate(); pending.deallocate(); scores.deallocate() }
                var best = [(d: Float, j: Int32)](repeating: (.infinity, -1), count: k)
                var queue = MinHeap<Float, Void>()  // unexpanded points by squared distance
                for i in rows {
                    let stamp = UInt32(truncatingIfNeeded: i + 1), x = Q.p + i * dim
                    for c in 0..<k { best[c] = (.infinity, -1) }
                    queue.removeAll()
                    var m = 0
                    for p in tree.leaf(of: x) { _note(tree.order[p], marks, stamp, pending, &m) }
                    if m < k {
                        var g = SeededGenerator(seed: seed, stream: UInt64(i))
                        var j = g.nextInt(below: nr)
                        while m < k { _note(Int32(j), marks, stamp, pending, &m); j = (j + 1) % nr }
                    }
                    while true {
                        for t in 0..<m { scores[t] = NNDescent._squared(x, R.p + Int(pending[t]) * dim, dim) }
                        for t in 0..<m { _consider(scores[t], pending[t], &best, &queue, bound: bound) }
                        guard let (d, u, _) = queue.pop(), d < bound * best[k - 1].d else { break }
                        m = 0
                        for e in S.p[Int(u)]..<S.p[Int(u) + 1] { _note(M.p[e], marks, stamp, pending, &m) }
                    }
                    for c in 0..<k { C.p[i * k + c] = best[c].j }
                }
                let done = finished.add(rows.count, ordering: .relaxed).newValue
                progress?(ProgressUpdate(stage: "nearest neighbours", completed: done, total: nq, unit: "points"))
            }
        }}}}}
        return NearestNeighbors._refined(queries: queries, reference: reference, candidates: candidates, kept: k, k: k,
                                         metric: metric)
    }

    /// Forward and reverse edges of a directed neighbour graph (`count × width` entries, self
    /// entries dropped), each point's forward edges first.
    static func _undirected(_ lists: [Int32], width: Int, count n: Int) -> NNDescent._Lists {
        var degree = [Int](repeating: 0, count: n + 1)
        for u in 0..<n {
            for c in 0..<width {
                let v = Int(lists[u * width + c])
                if v != u { degree[u + 1] += 1; degree[v + 1] += 1 }
            }
        }
        for u in 0..<n { degree[u + 1] += degree[u] }
        var fill = degree
        var members = [Int32](repeating: 0, count: degree[n])
        for u in 0..<n {
            for c in 0..<width where Int(lists[u * width + c]) != u {
                members[fill[u]] = lists[u * width + c]; fill[u] += 1
            }
        }
        for u in 0..<n {
            for c in 0..<width {
                let v = Int(lists[u * width + c])
                if v != u { members[fill[v]] = Int32(u); fill[v] += 1 }
            }
        }
        return NNDescent._Lists(start: degree, members: members)
    }

    /// Appends j to `pending` unless already marked with `stamp` (then marks it).
    @inline(__always)
    static func _note(_ j: Int32, _ marks: UnsafeMutablePointer<UInt32>, _ stamp: UInt32,
                      _ pending: UnsafeMutablePointer<Int32>, _ m: inout Int) {
        guard marks[Int(j)] != stamp else { return }
        marks[Int(j)] = stamp
        pending[m] = j
        m += 1
    }

    /// Keeps j (squared distance d) if among the k best; queues it for expansion if within the bound.
    @inline(__always)
    static func _consider(_ d: Float, _ j: Int32, _ best: inout [(d: Float, j: Int32)], _ queue: inout MinHeap<Float, Void>,
                          bound: Float) {
        let k = best.count
        guard d < bound * best[k - 1].d else { return }
        queue.push(d, Int(j), ())
        guard d < best[k - 1].d || (d == best[k - 1].d && j < best[k - 1].j) else { return }
        var p = k - 1
        while p > 0 && (best[p - 1].d > d || (best[p - 1].d == d && best[p - 1].j > j)) {
            best[p] = best[p - 1]; p -= 1
        }
        best[p] = (d, j)
    }
}
