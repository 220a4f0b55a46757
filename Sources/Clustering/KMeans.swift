import CBLAS
import Foundation
import VolcanoCore

/// K-means clustering: greedy k-means++ seeding and Lloyd iterations, following
/// `sklearn.cluster.KMeans` (1.9, `algorithm="lloyd"`).
///
/// - The data are centred before clustering (centres get the mean back).
/// - k-means++ draws the first centre uniformly, then for each further centre draws
///   `2 + ⌊ln K⌋` candidates with probability ∝ squared distance to the closest chosen centre and
///   keeps the one that lowers the potential most.
/// - Lloyd alternates nearest-centre assignment (BLAS `‖c‖² − 2x·c`) and centre means; an empty
///   cluster is re-seeded with the point farthest from its centre. It stops when the labels no
///   longer change or the summed squared centre shift is at most
///   `tolerance × mean per-feature variance`; after a tolerance stop one more assignment makes
///   labels and centres consistent.
/// - With ``initCount`` > 1 the run with the lowest inertia wins.
///
/// Same seed and thread count → identical labels. If the data hold fewer distinct points than
/// K, k-means++ repeats a point and some clusters stay empty: the result then has fewer than K
/// distinct labels (scikit-learn warns in the same situation).
public struct KMeans: Sendable {
    /// Number of clusters K (1…n).
    public var clusterCount: Int
    /// Independent k-means++ starts (scikit-learn's `n_init`; its default "auto" means 1).
    public var initCount: Int
    /// Upper bound on Lloyd iterations per start (default 300).
    public var maxIterations: Int
    /// Relative tolerance on the centre shift (default 1e-4; 0 = run until labels are stable).
    public var tolerance: Double
    /// Seed of the k-means++ draws; start `r` uses stream `r`.
    public var seed: UInt64

    public init(clusterCount: Int, initCount: Int = 1, maxIterations: Int = 300, tolerance: Double = 1e-4, seed: UInt64 = 0) {
        self.clusterCount = clusterCount
        self.initCount = initCount
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.seed = seed
    }

    /// The outcome of a K-means fit.
    public struct Result: Sendable {
        /// Cluster of every point, 0..<K.
        public var labels: [Int]
        /// K × d row-major centres.
        public var centers: [Double]
        /// Sum of squared distances of the points to their centres.
        public var inertia: Double
        /// Lloyd iterations of the winning start.
        public var iterations: Int
    }

    /// Clusters n points of dimension d (row-major, Float64).
    /// - Throws: ``InputError`` when K < 1, K > n, or a value is not finite.
    public func fit(points: [Double], dimension: Int) throws -> Result {
        try validatePoints(points, dimension: dimension, what: "k-means input")
        let n = points.count / dimension
        guard clusterCount >= 1 else { throw InputError("k-means: the number of clusters must be at least 1, got \(clusterCount)") }
        guard clusterCount <= n else {
            throw InputError("k-means: asked for \(clusterCount) clusters but there are only \(n) points")
        }
        guard initCount >= 1, maxIterations >= 1, tolerance >= 0 else {
            throw InputError("k-means: initCount and maxIterations must be at least 1 and tolerance non-negative")
        }
        // BLAS on one thread throughout: its products here are thin (K columns), and waking BLAS's
        // own workers for each cost more than they saved (3592 × 20: 1.5 ms or 11–27 ms in one run);
        // the passes over the data are split between our threads instead.
        return SerialBLAS.run { fitValidated(points, dimension: dimension) }
    }

    /// Clusters Float32 points (converted to Float64).
    @_disfavoredOverload
    public func fit(points: [Float], dimension: Int) throws -> Result {
        try fit(points: points.map(Double.init), dimension: dimension)
    }

    func fitValidated(_ input: [Double], dimension d: Int) -> Result {
        let n = input.count / d
        let k = clusterCount
        // Centre the data: the mean, then the centred copy with the per-feature sums of squares and
        // the row norms in one pass. Both passes run over fixed blocks of rows whose partial sums are
        // added in block order: the same bits for every thread count.
        let blocks = (n + Self.blockRows - 1) / Self.blockRows
        var partial = [Double](repeating: 0, count: blocks * d)
        var x = [Double](unsafeUninitializedCapacity: n * d) { _, count in count = n * d }  // every value written below
        var norms = [Double](repeating: 0, count: n)
        var mean = [Double](repeating: 0, count: d)
        input.withUnsafeBufferPointer { ib in
            partial.withUnsafeMutableBufferPointer { pb in
                let source = UnsafeSendablePointer(UnsafeMutablePointer(mutating: ib.baseAddress!))
                let sums = UnsafeSendablePointer(pb.baseAddress!)
                Parallel.forRanges(blocks) { range in
                    for blk in range {
                        let acc = sums.p + blk * d
                        for i in blk * Self.blockRows..<Swift.min(n, (blk + 1) * Self.blockRows) {
                            for j in 0..<d { acc[j] += source.p[i * d + j] }
                        }
                    }
                }
            }
        }
        for blk in 0..<blocks { for j in 0..<d { mean[j] += partial[blk * d + j] } }
        for j in 0..<d { mean[j] /= Double(n) }
        for t in 0..<partial.count { partial[t] = 0 }
        input.withUnsafeBufferPointer { ib in
        x.withUnsafeMutableBufferPointer { xb in
        norms.withUnsafeMutableBufferPointer { nb in
        partial.withUnsafeMutableBufferPointer { pb in
        mean.withUnsafeBufferPointer { mb in
            let source = UnsafeSendablePointer(UnsafeMutablePointer(mutating: ib.baseAddress!))
            let centred = UnsafeSendablePointer(xb.baseAddress!), rowNorms = UnsafeSendablePointer(nb.baseAddress!)
            let squares = UnsafeSendablePointer(pb.baseAddress!), m = UnsafeSendablePointer(UnsafeMutablePointer(mutating: mb.baseAddress!))
            Parallel.forRanges(blocks) { range in
                for blk in range {
                    let q = squares.p + blk * d
                    for i in blk * Self.blockRows..<Swift.min(n, (blk + 1) * Self.blockRows) {
                        var s = 0.0
                        for j in 0..<d {
                            let v = source.p[i * d + j] - m.p[j]
                            centred.p[i * d + j] = v
                            q[j] += v * v
                            s += v * v
                        }
                        rowNorms.p[i] = s
                    }
                }
            }
        }}}}}
        var variance = 0.0
        for j in 0..<d {
            var column = 0.0
            for blk in 0..<blocks { column += partial[blk * d + j] }
            variance += column / Double(n)
        }
        let tolAbs = variance / Double(d) * tolerance
        var best: Result?
        for run in 0..<initCount {
            var rng = SeededGenerator(seed: seed, stream: UInt64(run))
            let centers = kMeansPlusPlus(x, norms: norms, dimension: d, k: k, rng: &rng)
            let r = lloyd(x, norms: norms, dimension: d, centers: centers, tolAbs: tolAbs)
            if best == nil || r.inertia < best!.inertia { best = r }
        }
        var result = best!
        for c in 0..<k { for j in 0..<d { result.centers[c * d + j] += mean[j] } }
        return result
    }

    /// Greedy k-means++ seeding; returns K × d centres.
    func kMeansPlusPlus(_ x: [Double], norms: [Double], dimension d: Int, k: Int, rng: inout SeededGenerator) -> [Double] {
        let n = norms.count
        let trials = 2 + Int(Foundation.log(Double(k)))
        var centers = [Double](repeating: 0, count: k * d)
        let first = rng.nextInt(below: n)
        for j in 0..<d { centers[j] = x[first * d + j] }
        var closest = squaredDistances(x, norms: norms, dimension: d, to: [first])
        var potential = closest.reduce(0, +)
        var cumulative = [Double](repeating: 0, count: n)
        for c in 1..<Swift.max(1, k) where c < k {
            var s = 0.0
            for i in 0..<n { s += closest[i]; cumulative[i] = s }
            var candidates = [Int]()
            for _ in 0..<trials {
                let value = rng.nextDouble() * potential
                // first index with cumulative >= value (numpy searchsorted, side="left")
                var lo = 0, hi = n
                while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] < value { lo = mid + 1 } else { hi = mid } }
                candidates.append(Swift.min(lo, n - 1))
            }
            let dc = squaredDistances(x, norms: norms, dimension: d, to: candidates)
            var bestTrial = 0, bestPot = Double.infinity
            for t in 0..<trials {
                var pot = 0.0
                for i in 0..<n { pot += Swift.min(closest[i], dc[t * n + i]) }
                if pot < bestPot { bestPot = pot; bestTrial = t }
            }
            for i in 0..<n { closest[i] = Swift.min(closest[i], dc[bestTrial * n + i]) }
            potential = bestPot
            let chosen = candidates[bestTrial]
            for j in 0..<d { centers[c * d + j] = x[chosen * d + j] }
        }
        return centers
    }

    /// Squared distances from the given rows of x to all points: rows.count × n, in fixed blocks of
    /// points split between threads (each through serial BLAS).
    func squaredDistances(_ x: [Double], norms: [Double], dimension d: Int, to rows: [Int]) -> [Double] {
        let n = norms.count, m = rows.count
        var sel = [Double](repeating: 0, count: m * d)
        for (t, r) in rows.enumerated() { for j in 0..<d { sel[t * d + j] = x[r * d + j] } }
        var out = [Double](repeating: 0, count: m * n)
        let blocks = (n + Self.blockRows - 1) / Self.blockRows
        out.withUnsafeMutableBufferPointer { ob in
            let o = UnsafeSendablePointer(ob.baseAddress!)
            Parallel.forRanges(blocks) { range in
                for blk in range {
                    let c0 = blk * Self.blockRows, cols = Swift.min(Self.blockRows, n - c0)
                    x.withUnsafeBufferPointer { xb in
                        vssl_dgemm(false, true, Int32(m), Int32(cols), Int32(d), -2, sel, Int32(d), xb.baseAddress! + c0 * d,
                                   Int32(d), 0, o.p + c0, Int32(n))
                    }
                    for t in 0..<m {
                        let row = o.p + t * n, rn = norms[rows[t]]
                        for i in c0..<(c0 + cols) { row[i] = Swift.max(0, row[i] + rn + norms[i]) }
                    }
                }
            }
        }
        return out
    }

    /// Lloyd iterations from the given centres (centred data).
    func lloyd(_ x: [Double], norms: [Double], dimension d: Int, centers start: [Double], tolAbs: Double) -> Result {
        let n = norms.count, k = clusterCount
        var centers = start
        var labels = [Int](repeating: -1, count: n)
        var iterations = 0
        var strict = false
        for it in 0..<maxIterations {
            iterations = it + 1
            var (sums, weights, changed) = assignAndSum(x, norms: norms, dimension: d, centers: centers, labels: &labels)
            relocateEmptyClusters(x, dimension: d, centers: centers, labels: labels, sums: &sums, weights: &weights)
            var shift = 0.0
            for c in 0..<k {
                for j in 0..<d {
                    let v = weights[c] > 0 ? sums[c * d + j] / weights[c] : centers[c * d + j]
                    let delta = v - centers[c * d + j]
                    shift += delta * delta
                    sums[c * d + j] = v
                }
            }
            centers = sums
            if !changed { strict = true; break }
            if shift <= tolAbs { break }
        }
        if !strict { _ = assignAndSum(x, norms: norms, dimension: d, centers: centers, labels: &labels) }
        // inertia over the same fixed blocks, added in block order
        let blocks = (n + Self.blockRows - 1) / Self.blockRows
        var partial = [Double](repeating: 0, count: blocks)
        x.withUnsafeBufferPointer { xb in
        centers.withUnsafeBufferPointer { cb in
        labels.withUnsafeBufferPointer { lb in
        partial.withUnsafeMutableBufferPointer { pb in
            let p = UnsafeSendablePointer(UnsafeMutablePointer(mutating: xb.baseAddress!))
            let cc = UnsafeSendablePointer(UnsafeMutablePointer(mutating: cb.baseAddress!))
            let l = UnsafeSendablePointer(UnsafeMutablePointer(mutating: lb.baseAddress!)), out = UnsafeSendablePointer(pb.baseAddress!)
            Parallel.forRanges(blocks) { range in
                for blk in range {
                    var total = 0.0
                    for i in blk * Self.blockRows..<Swift.min(n, (blk + 1) * Self.blockRows) {
                        let row = p.p + i * d, center = cc.p + l.p[i] * d
                        var s = 0.0
                        for j in 0..<d { let v = row[j] - center[j]; s += v * v }
                        total += s
                    }
                    out.p[blk] = total
                }
            }
        }}}}
        let inertia = partial.reduce(0, +)
        return Result(labels: labels, centers: centers, inertia: inertia, iterations: iterations)
    }

    /// Empty clusters take the points farthest from their current centre (largest first).
    func relocateEmptyClusters(_ x: [Double], dimension d: Int, centers: [Double], labels: [Int],
                               sums: inout [Double], weights: inout [Double]) {
        let empty = (0..<clusterCount).filter { weights[$0] == 0 }
        if empty.isEmpty { return }
        let n = labels.count
        var far = [(Double, Int)]()
        far.reserveCapacity(n)
        for i in 0..<n {
            var s = 0.0
            let c = labels[i]
            for j in 0..<d { let v = x[i * d + j] - centers[c * d + j]; s += v * v }
            far.append((s, i))
        }
        far.sort { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        for (t, c) in empty.enumerated() {
            let p = far[t].1
            let old = labels[p]
            for j in 0..<d {
                sums[old * d + j] -= x[p * d + j]
                sums[c * d + j] = x[p * d + j]
            }
            weights[c] = 1
            weights[old] -= 1
        }
    }

    /// Rows per block of the passes over the data (fixed, so results do not depend on the thread count).
    static let blockRows = 4096

    /// Nearest-centre labels (in place) with the per-cluster coordinate sums and counts of the new
    /// labels, and whether any label changed: one pass over the data in fixed blocks (inside
    /// ``fit(points:dimension:)``'s serial-BLAS region), block sums added in block order.
    func assignAndSum(_ x: [Double], norms: [Double], dimension d: Int, centers: [Double],
                      labels: inout [Int]) -> (sums: [Double], weights: [Double], changed: Bool) {
        let n = norms.count, k = clusterCount, rowsPerBlock = Self.blockRows
        var cn = [Double](repeating: 0, count: k)
        for c in 0..<k { var s = 0.0; for j in 0..<d { s += centers[c * d + j] * centers[c * d + j] }; cn[c] = s }
        let blocks = (n + rowsPerBlock - 1) / rowsPerBlock
        var blockSums = [Double](repeating: 0, count: blocks * k * d)
        var blockCounts = [Double](repeating: 0, count: blocks * k)
        var blockChanged = [Bool](repeating: false, count: blocks)
        x.withUnsafeBufferPointer { xb in
        centers.withUnsafeBufferPointer { cb in
        cn.withUnsafeBufferPointer { cnb in
        labels.withUnsafeMutableBufferPointer { lb in
        blockSums.withUnsafeMutableBufferPointer { sb in
        blockCounts.withUnsafeMutableBufferPointer { wb in
        blockChanged.withUnsafeMutableBufferPointer { chb in
            let p = UnsafeSendablePointer(UnsafeMutablePointer(mutating: xb.baseAddress!))
            let cp = UnsafeSendablePointer(UnsafeMutablePointer(mutating: cb.baseAddress!))
            let norm = UnsafeSendablePointer(UnsafeMutablePointer(mutating: cnb.baseAddress!))
            let lp = UnsafeSendablePointer(lb.baseAddress!), sp = UnsafeSendablePointer(sb.baseAddress!)
            let wp = UnsafeSendablePointer(wb.baseAddress!), ch = UnsafeSendablePointer(chb.baseAddress!)
            let work = { (range: Range<Int>) in
                var g = [Double](repeating: 0, count: rowsPerBlock * k)
                g.withUnsafeMutableBufferPointer { gb in
                    let gp = gb.baseAddress!
                    for blk in range {
                        let r0 = blk * rowsPerBlock, rows = Swift.min(rowsPerBlock, n - r0)
                        vssl_dgemm(false, true, Int32(rows), Int32(k), Int32(d), -2, p.p + r0 * d, Int32(d),
                                   cp.p, Int32(d), 0, gp, Int32(k))
                        let acc = sp.p + blk * k * d, counts = wp.p + blk * k
                        var changed = false
                        for r in 0..<rows {
                            var best = 0, bestD = Double.infinity
                            for c in 0..<k {
                                let v = gp[r * k + c] + norm.p[c]
                                if v < bestD { bestD = v; best = c }
                            }
                            if lp.p[r0 + r] != best { changed = true; lp.p[r0 + r] = best }
                            counts[best] += 1
                            let row = p.p + (r0 + r) * d, sum = acc + best * d
                            for j in 0..<d { sum[j] += row[j] }
                        }
                        ch.p[blk] = changed
                    }
                }
            }
            Parallel.forRanges(blocks) { work($0) }
        }}}}}}}
        var sums = [Double](repeating: 0, count: k * d), weights = [Double](repeating: 0, count: k)
        for blk in 0..<blocks {
            for t in 0..<(k * d) { sums[t] += blockSums[blk * k * d + t] }
            for c in 0..<k { weights[c] += blockCounts[blk * k + c] }
        }
        return (sums, weights, blockChanged.contains(true))
    }
}
