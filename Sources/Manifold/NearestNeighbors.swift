import CBLAS
import Foundation
import Synchronization
import VolcanoCore

/// The dissimilarity between two feature vectors.
public enum DistanceMetric: String, Sendable, Codable, CaseIterable {
    /// `‖x − y‖₂` (as umap-learn's and scikit-learn's "euclidean").
    case euclidean
    /// `1 − x·y / (‖x‖ ‖y‖)`, in [0, 2]. Two all-zero vectors are at distance 0, an all-zero
    /// vector and any other at distance 1 (umap-learn's convention).
    case cosine
}

/// The k nearest neighbours of a set of query points: row `i` lists `k` neighbour indices
/// and distances in ascending distance order (ties: lower index first, like a stable argsort).
///
/// When the queries are the reference points themselves and `includeSelf` was true, column 0
/// is the point itself at distance 0 (unless an exact duplicate with a lower index precedes it),
/// which is the convention of umap-learn's `n_neighbors`.
public struct NeighborGraph: Sendable, Equatable {
    /// Number of query points (rows).
    public let pointCount: Int
    /// Neighbours per query point (columns).
    public let k: Int
    /// `pointCount × k` neighbour indices into the reference points, row-major.
    public var indices: [Int32]
    /// `pointCount × k` distances (in the graph's metric), row-major, ascending per row.
    public var distances: [Float]

    public init(pointCount: Int, k: Int, indices: [Int32], distances: [Float]) {
        precondition(indices.count == pointCount * k && distances.count == pointCount * k,
                     "NeighborGraph: \(indices.count) indices / \(distances.count) distances do not fit \(pointCount) × \(k)")
        self.pointCount = pointCount
        self.k = k
        self.indices = indices
        self.distances = distances
    }

    /// The `j`-th nearest neighbour of query `i`.
    public func neighbor(_ i: Int, _ j: Int) -> Int { Int(indices[i * k + j]) }
    /// The distance from query `i` to its `j`-th nearest neighbour.
    public func distance(_ i: Int, _ j: Int) -> Float { distances[i * k + j] }

    /// Fraction of this graph's neighbour sets found in `exact` (recall@k, in [0, 1]); the usual
    /// quality figure of an approximate method. Both graphs must have the same shape.
    public func recall(against exact: NeighborGraph) -> Double {
        precondition(exact.pointCount == pointCount && exact.k == k,
                     "NeighborGraph.recall: shapes \(pointCount)×\(k) and \(exact.pointCount)×\(exact.k) differ")
        guard pointCount > 0, k > 0 else { return 1 }
        var hits = 0
        for i in 0..<pointCount {
            let truth = Set(exact.indices[(i * k)..<((i + 1) * k)])
            for j in 0..<k where truth.contains(indices[i * k + j]) { hits += 1 }
        }
        return Double(hits) / Double(pointCount * k)
    }
}

/// Exact k-nearest-neighbour search, blocked on BLAS: distances come from
/// `‖x‖² + ‖y‖² − 2 x·y` tiles (one `sgemm` per tile), the best candidates of each row are
/// kept in a small sorted list, and the final k distances are recomputed directly in float64
/// so that they are exact (no cancellation error). Cost O(n_q · n_r · D) flops, memory
/// O(threads · tile + n_q · k); parallel over blocks of query rows with ``Threads/count`` threads,
/// each with its own tile and serial sgemm.
/// Deterministic: results do not depend on the thread count.
///
/// For n above ~50 000 points see ``NNDescent`` (approximate, far fewer distance evaluations).
public enum NearestNeighbors {
    /// The k nearest points of `data` to each of its own points.
    /// - Parameters:
    ///   - data: n points.
    ///   - k: neighbours per point, 1...n (counting the point itself when `includeSelf`).
    ///   - metric: euclidean or cosine.
    ///   - includeSelf: true → each point is its own first neighbour (umap-learn's convention);
    ///     false → only other points (scikit-learn's `kneighbors()` without arguments, HDBSCAN core distances).
    ///   - progress: called once per block of query rows.
    public static func exact(_ data: FeatureMatrix, k: Int, metric: DistanceMetric = .euclidean,
                             includeSelf: Bool = true, progress: ProgressHandler? = nil) -> NeighborGraph {
        precondition(k >= 1 && k <= data.rows - (includeSelf ? 0 : 1),
                     "NearestNeighbors.exact: k = \(k) needs 1...\(data.rows - (includeSelf ? 0 : 1)) for \(data.rows) points")
        return search(queries: data, reference: data, k: k, metric: metric, excludeSelf: !includeSelf, progress: progress)
    }

    /// The k nearest `reference` points of every point of `queries` (e.g. new events against a
    /// fitted map's training events). Both must have the same number of columns; 1 ≤ k ≤ reference.rows.
    public static func exact(queries: FeatureMatrix, reference: FeatureMatrix, k: Int,
                             metric: DistanceMetric = .euclidean, progress: ProgressHandler? = nil) -> NeighborGraph {
        precondition(queries.columns == reference.columns,
                     "NearestNeighbors.exact: queries have \(queries.columns) columns, reference \(reference.columns)")
        precondition(k >= 1 && k <= reference.rows,
                     "NearestNeighbors.exact: k = \(k) needs 1...\(reference.rows) reference points")
        return search(queries: queries, reference: reference, k: k, metric: metric, excludeSelf: false, progress: progress)
    }

    /// The distance between two vectors of length `d`, accumulated in float64.
    @inline(__always)
    static func _distance(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ d: Int, _ metric: DistanceMetric) -> Float {
        switch metric {
        case .euclidean:
            var s = 0.0
            for c in 0..<d { let t = Double(x[c]) - Double(y[c]); s += t * t }
            return Float(s.squareRoot())
        case .cosine:
            var xy = 0.0, xx = 0.0, yy = 0.0
            for c in 0..<d {
                let a = Double(x[c]), b = Double(y[c])
                xy += a * b; xx += a * a; yy += b * b
            }
            if xx == 0 && yy == 0 { return 0 }
            if xx == 0 || yy == 0 { return 1 }
            return Float(max(0, 1 - xy / (xx * yy).squareRoot()))
        }
    }

    /// Squared row norms (euclidean) or unit-normalised copies (cosine) used by the BLAS tiles.
    static func _prepared(_ m: FeatureMatrix, _ metric: DistanceMetric) -> (values: [Float], norms: [Float]) {
        let n = m.rows, d = m.columns
        var norms = [Float](repeating: 0, count: n)
        var values = m.values
        values.withUnsafeMutableBufferPointer { v in
            norms.withUnsafeMutableBufferPointer { nb in
                for r in 0..<n {
                    let p = v.baseAddress! + r * d
                    var s = 0.0
                    for c in 0..<d { s += Double(p[c]) * Double(p[c]) }
                    switch metric {
                    case .euclidean:
                        nb[r] = Float(s)
                    case .cosine:
                        let inv = s > 0 ? Float(1 / s.squareRoot()) : 0
                        for c in 0..<d { p[c] *= inv }
                        nb[r] = s > 0 ? 1 : 0
                    }
                }
            }
        }
        return (values, norms)
    }

    /// Merges one row of a distance tile into a query's sorted list of the `kept` best
    /// (distance, index): 16 columns at a time are compared with the current worst first, so
    /// the common case (nothing closer) costs one vector compare; candidates are then inserted
    /// in column order exactly as a one-by-one scan would. `skip` = a column to ignore (−1: none).
    @inline(__always)
    static func _scan(_ row: UnsafePointer<Float>, count: Int, firstColumn: Int, queryNorm qi: Float,
                      referenceNorms rn: UnsafePointer<Float>, metric: DistanceMetric, skip: Int,
                      distances dl: UnsafeMutablePointer<Float>, indices il: UnsafeMutablePointer<Int32>, kept kk: Int) {
        typealias V = SIMD16<Float>
        @inline(__always) func distance(_ lj: Int) -> Float {
            switch metric {
            case .euclidean: return max(0, qi + rn[firstColumn + lj] - 2 * row[lj])
            case .cosine: return 1 - row[lj]
            }
        }
        var worst = dl[kk - 1]
        func consider(_ lj: Int) {
            let dist = distance(lj)
            guard dist < worst, firstColumn + lj != skip else { return }
            var p = kk - 1
            while p > 0 && dl[p - 1] > dist {
                dl[p] = dl[p - 1]; il[p] = il[p - 1]; p -= 1
            }
            dl[p] = dist; il[p] = Int32(firstColumn + lj)
            worst = dl[kk - 1]
        }
        var lj = 0
        while lj + 16 <= count {
            let g = UnsafeRawPointer(row + lj).loadUnaligned(as: V.self)
            let dist: V
            switch metric {
            case .euclidean:
                let norms = UnsafeRawPointer(rn + firstColumn + lj).loadUnaligned(as: V.self)
                let raw = (V(repeating: qi) + norms) - 2 * g
                dist = raw.replacing(with: 0, where: raw .< 0)
            case .cosine:
                dist = 1 - g
            }
            if any(dist .< V(repeating: worst)) {
                for t in lj..<(lj + 16) { consider(t) }
            }
            lj += 16
        }
        while lj < count { consider(lj); lj += 1 }
    }

    static let _queryBlock = 256
    static let _referenceBlock = 2048

    static func search(queries: FeatureMatrix, reference: FeatureMatrix, k: Int, metric: DistanceMetric,
                       excludeSelf: Bool, progress: ProgressHandler?) -> NeighborGraph {
        let nq = queries.rows, nr = reference.rows, d = queries.columns
        // A few spare candidates absorb float32 rounding in the tile distances.
        let available = nr - (excludeSelf ? 1 : 0)
        let kk = min(available, k + 4)
        let q = _prepared(queries, metric)
        let r = excludeSelf ? q : _prepared(reference, metric)
        var candD = [Float](repeating: .infinity, count: nq * kk)
        var candI = [Int32](repeating: -1, count: nq * kk)
        let qb = _queryBlock, rb = _referenceBlock
        let blocks = (nq + qb - 1) / qb
        let finished = Atomic<Int>(0)
        q.values.withUnsafeBufferPointer { qv in
        r.values.withUnsafeBufferPointer { rv in
        q.norms.withUnsafeBufferPointer { qn in
        r.norms.withUnsafeBufferPointer { rn in
        candD.withUnsafeMutableBufferPointer { cd in
        candI.withUnsafeMutableBufferPointer { ci in
            let cdp = UnsafeSendablePointer(cd.baseAddress!), cip = UnsafeSendablePointer(ci.baseAddress!)
            let qvp = UnsafeSendablePointer(UnsafeMutablePointer(mutating: qv.baseAddress!))
            let rvp = UnsafeSendablePointer(UnsafeMutablePointer(mutating: rv.baseAddress!))
            let qnp = UnsafeSendablePointer(UnsafeMutablePointer(mutating: qn.baseAddress!))
            let rnp = UnsafeSendablePointer(UnsafeMutablePointer(mutating: rn.baseAddress!))
            // Each thread takes whole blocks of query rows with its own tile and serial sgemm:
            // one parallel region for the search, not one per tile.
            let scanBlocks = { (range: Range<Int>) in
                var tile = [Float](repeating: 0, count: qb * rb)
                tile.withUnsafeMutableBufferPointer { tb in
                    let tp = tb.baseAddress!
                    for b in range {
                        let q0 = b * qb, qc = min(qb, nq - q0)
                        var r0 = 0
                        while r0 < nr {
                            let rc = min(rb, nr - r0)
                            vssl_sgemm(false, true, Int32(qc), Int32(rc), Int32(d), 1,
                                       qvp.p + q0 * d, Int32(d), rvp.p + r0 * d, Int32(d), 0, tp, Int32(rc))
                            for li in 0..<qc {
                                let i = q0 + li
                                _scan(tp + li * rc, count: rc, firstColumn: r0, queryNorm: qnp.p[i], referenceNorms: rnp.p,
                                      metric: metric, skip: excludeSelf ? i : -1,
                                      distances: cdp.p + i * kk, indices: cip.p + i * kk, kept: kk)
                            }
                            r0 += rc
                        }
                        let done = finished.add(qc, ordering: .relaxed).newValue
                        progress?(ProgressUpdate(stage: "nearest neighbours", completed: done, total: nq, unit: "points"))
                    }
                }
            }
            let chunks = Parallel.chunkCount(blocks)
            if chunks == 1 {
                scanBlocks(0..<blocks)
            } else {
                SerialBLAS.forRanges(blocks) { scanBlocks($0) }
            }
        }}}}}}
        return _refined(queries: queries, reference: reference, candidates: candI, kept: kk, k: k, metric: metric)
    }

    /// The `k` nearest of each query's `kept` candidates (`candidates`, nq × kept reference
    /// indices, approximately ordered): distances recomputed directly in float64, then a stable
    /// sort by (distance, index).
    static func _refined(queries: FeatureMatrix, reference: FeatureMatrix, candidates candI: [Int32], kept kk: Int,
                         k: Int, metric: DistanceMetric) -> NeighborGraph {
        let nq = queries.rows, d = queries.columns
        var outD = [Float](repeating: 0, count: nq * k)
        var outI = [Int32](repeating: 0, count: nq * k)
        queries.values.withUnsafeBufferPointer { qv in
        reference.values.withUnsafeBufferPointer { rv in
        candI.withUnsafeBufferPointer { ci in
        outD.withUnsafeMutableBufferPointer { od in
        outI.withUnsafeMutableBufferPointer { oi in
            let odp = UnsafeSendablePointer(od.baseAddress!), oip = UnsafeSendablePointer(oi.baseAddress!)
            let qvp = UnsafeSendablePointer(UnsafeMutablePointer(mutating: qv.baseAddress!))
            let rvp = UnsafeSendablePointer(UnsafeMutablePointer(mutating: rv.baseAddress!))
            let cip = UnsafeSendablePointer(UnsafeMutablePointer(mutating: ci.baseAddress!))
            Parallel.forRanges(nq, minChunk: 64) { rows in
                var pairs = [(Float, Int32)](repeating: (0, 0), count: kk)
                for i in rows {
                    for c in 0..<kk {
                        let j = cip.p[i * kk + c]
                        pairs[c] = (_distance(qvp.p + i * d, rvp.p + Int(j) * d, d, metric), j)
                    }
                    pairs.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
                    for c in 0..<k {
                        odp.p[i * k + c] = pairs[c].0
                        oip.p[i * k + c] = pairs[c].1
                    }
                }
            }
        }}}}}
        return NeighborGraph(pointCount: nq, k: k, indices: outI, distances: outD)
    }
}

