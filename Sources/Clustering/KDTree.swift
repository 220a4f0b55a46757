import CBLAS
import VolcanoCore

/// A kd-tree over n points in d dimensions (Float64) for exact nearest-neighbour searches.
///
/// A node splits its points at the median of its widest bounding-box side until at most
/// `leafSize` points remain (or all its points coincide). Points are stored in tree order:
/// "slot" t holds original point `order[t]`, and every node owns the contiguous slots
/// `start[v]..<end[v]`. Nodes are numbered breadth-first, so a parent precedes its children.
///
/// Distances are sums of squared coordinate differences in the order c = 0, 1, …, d − 1
/// (``squaredDistancesToColumns``), so equal distances between different pairs stay equal.
/// Each leaf keeps its points' coordinates transposed in one contiguous block padded to a
/// multiple of 8 points, so a leaf scan reads consecutive values in whole SIMD vectors.
struct KDTree: Sendable {
    /// The `hdbscan` package's kd-tree leaf size.
    static let defaultLeafSize = 40

    let count: Int
    let dimension: Int
    /// Original index of the point in slot t (n).
    let order: [Int]
    /// Slot of original point i (n), the inverse of `order`.
    let slot: [Int]
    /// Coordinates by slot, row-major (n × d).
    let rows: [Double]
    /// Coordinates in leaf blocks: the j-th point of leaf v (slot `start[v] + j`) has coordinate c
    /// at `blocks[blockStart[v] + c · w + j]`, w = the leaf size rounded up to a multiple of 8.
    let blocks: [Double]
    /// Offset of leaf v's block in `blocks` (nodes; 0 for inner nodes).
    let blockStart: [Int]
    /// Largest padded leaf size w.
    let widestLeaf: Int
    /// Slots of node v: `start[v]..<end[v]` (nodes).
    let start: [Int], end: [Int]
    /// First child of node v, the second is `child[v] + 1`; −1 for a leaf (nodes).
    let child: [Int]
    /// Bounding box of node v: `lower[v · d + c] … upper[v · d + c]` (nodes × d).
    let lower: [Double], upper: [Double]
    /// Bounding ball of node v: the mean of its points `center[v · d + c]` (nodes × d) and the
    /// largest distance of a point from it, `radius[v]` (nodes).
    let center: [Double], radius: [Double]
    /// Number m of principal axes of the points (up to 8; 0 if the eigen-decomposition fails):
    /// between well separated groups the distance lies mostly along them, where boxes in the
    /// coordinates see only a fraction of it.
    let axisCount: Int
    /// Projection of slot t onto axis k at `projection[t · m + k]` (n × m); the range of the
    /// projections in node v, `axisLower[v · m + k] … axisUpper[v · m + k]` (nodes × m).
    let projection: [Double], axisLower: [Double], axisUpper: [Double]
    /// Allowance for rounding in a projection (absolute, per axis).
    let axisSlack: Double

    var nodeCount: Int { start.count }

    /// Builds the tree over row-major n × d `points` (n ≥ 1).
    init(points: [Double], dimension d: Int, leafSize: Int = KDTree.defaultLeafSize) {
        let n = points.count / d
        precondition(n >= 1 && leafSize >= 1, "KDTree: needs at least one point and a positive leaf size")
        var order = Array(0..<n)
        var start = [0], end = [n], child = [Int](), lower = [Double](), upper = [Double]()
        var mn = [Double](repeating: 0, count: d), mx = [Double](repeating: 0, count: d)
        var v = 0
        while v < start.count {
            let lo = start[v], hi = end[v]
            points.withUnsafeBufferPointer { pb in order.withUnsafeBufferPointer { ob in
                let x = pb.baseAddress!, o = ob.baseAddress!
                for c in 0..<d { mn[c] = .infinity; mx[c] = -.infinity }
                for t in lo..<hi {
                    let row = x + o[t] * d
                    for c in 0..<d { mn[c] = Swift.min(mn[c], row[c]); mx[c] = Swift.max(mx[c], row[c]) }
                }
            }}
            lower += mn; upper += mx
            var widest = 0, spread = 0.0
            for c in 0..<d where mx[c] - mn[c] > spread { spread = mx[c] - mn[c]; widest = c }
            if hi - lo <= leafSize || spread == 0 {
                child.append(-1)
            } else {
                let mid = (lo + hi) / 2
                points.withUnsafeBufferPointer { pb in
                    let x = pb.baseAddress! + widest
                    Self.select(&order, lo..<hi, nth: mid) { x[$0 * d] }
                }
                child.append(start.count)
                start += [lo, mid]; end += [mid, hi]
            }
            v += 1
        }
        let nodes = start.count
        var slot = [Int](repeating: 0, count: n), rows = [Double](repeating: 0, count: n * d)
        for t in 0..<n {
            slot[order[t]] = t
            rows.withUnsafeMutableBufferPointer { rb in points.withUnsafeBufferPointer { pb in
                (rb.baseAddress! + t * d).update(from: pb.baseAddress! + order[t] * d, count: d)
            }}
        }
        var blockStart = [Int](repeating: 0, count: nodes), offset = 0, widestLeaf = 0
        for v in 0..<nodes where child[v] < 0 {
            blockStart[v] = offset
            offset += Self.padded(end[v] - start[v]) * d
            widestLeaf = Swift.max(widestLeaf, Self.padded(end[v] - start[v]))
        }
        var blocks = [Double](repeating: 0, count: offset)
        for v in 0..<nodes where child[v] < 0 {
            let s = start[v], w = Self.padded(end[v] - s)
            for t in s..<end[v] { for c in 0..<d { blocks[blockStart[v] + c * w + (t - s)] = rows[t * d + c] } }
        }
        // balls: centres, then the largest distance of a point from its node's centre
        var center = [Double](repeating: 0, count: nodes * d), radius = [Double](repeating: 0, count: nodes)
        rows.withUnsafeBufferPointer { rb in center.withUnsafeMutableBufferPointer { cb in
            let x = rb.baseAddress!, ce = cb.baseAddress!
            for v in 0..<nodes {
                let lo = start[v], hi = end[v], cv = ce + v * d
                for t in lo..<hi { for c in 0..<d { cv[c] += x[t * d + c] } }
                for c in 0..<d { cv[c] /= Double(hi - lo) }
                var r = 0.0
                for t in lo..<hi {
                    var s = 0.0
                    for c in 0..<d { let z = x[t * d + c] - cv[c]; s += z * z }
                    r = Swift.max(r, s)
                }
                radius[v] = r.squareRoot()
            }
        }}
        // principal axes: the top eigenvectors of the covariance
        var centered = rows, norm = 0.0
        for c in 0..<d {
            var mean = 0.0
            for t in 0..<n { mean += rows[t * d + c] }
            mean /= Double(n)
            for t in 0..<n { centered[t * d + c] -= mean }
        }
        for t in 0..<n {
            var s = 0.0
            for c in 0..<d { s += rows[t * d + c] * rows[t * d + c] }
            norm = Swift.max(norm, s.squareRoot())
        }
        var cov = [Double](repeating: 0, count: d * d), eigenvalues = [Double](repeating: 0, count: d)
        vssl_dgemm(true, false, Int32(d), Int32(d), Int32(n), 1, centered, Int32(d), centered, Int32(d), 0, &cov, Int32(d))
        let m = vssl_dsyevd(Int32(d), &cov, Int32(d), &eigenvalues) == 0 ? Swift.min(d, 8) : 0
        var axes = [Double](repeating: 0, count: m * d)
        for k in 0..<m { for c in 0..<d { axes[k * d + c] = cov[c * d + (d - 1 - k)] } }
        var projection = [Double](repeating: 0, count: n * m)
        if m > 0 {
            vssl_dgemm(false, true, Int32(n), Int32(m), Int32(d), 1, rows, Int32(d), axes, Int32(d), 0, &projection, Int32(m))
        }
        var axisLower = [Double](repeating: .infinity, count: nodes * m)
        var axisUpper = [Double](repeating: -.infinity, count: nodes * m)
        for v in stride(from: nodes - 1, through: 0, by: -1) {
            let c1 = child[v]
            for k in 0..<m {
                if c1 >= 0 {
                    axisLower[v * m + k] = Swift.min(axisLower[c1 * m + k], axisLower[(c1 + 1) * m + k])
                    axisUpper[v * m + k] = Swift.max(axisUpper[c1 * m + k], axisUpper[(c1 + 1) * m + k])
                } else {
                    for t in start[v]..<end[v] {
                        axisLower[v * m + k] = Swift.min(axisLower[v * m + k], projection[t * m + k])
                        axisUpper[v * m + k] = Swift.max(axisUpper[v * m + k], projection[t * m + k])
                    }
                }
            }
        }
        (self.count, self.dimension, self.order, self.slot) = (n, d, order, slot)
        (self.rows, self.blocks, self.blockStart, self.widestLeaf) = (rows, blocks, blockStart, widestLeaf)
        (self.start, self.end, self.child, self.lower, self.upper) = (start, end, child, lower, upper)
        (self.center, self.radius) = (center, radius)
        (self.axisCount, self.projection, self.axisLower, self.axisUpper) = (m, projection, axisLower, axisUpper)
        // a projection is off by at most (d + 2)ε‖x‖ in any summation order
        self.axisSlack = 4 * Double(d + 2) * Double.ulpOfOne * norm
    }

    /// A leaf size rounded up to whole SIMD vectors of 8.
    static func padded(_ m: Int) -> Int { (m + 7) & ~7
    }

    /// Reorders `a[range]` so that `a[nth]` has the key it would have after sorting by `key`,
    /// no key before it larger and none after it smaller (Hoare's selection).
    private static func select(_ a: inout [Int], _ range: Range<Int>, nth: Int, key: (Int) -> Double) {
        var l = range.lowerBound, r = range.upperBound - 1
        while l < r {
            let pivot = key(a[l + (r - l) / 2])
            var i = l, j = r
            while i <= j {
                while key(a[i]) < pivot { i += 1 }
                while key(a[j]) > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if nth <= j { r = j } else if nth >= i { l = i } else { return }
        }
    }

    /// Squared gap between boxes A and B (d values each; a point is a box with lower = upper):
    /// per coordinate the gap between the intervals (0 where they overlap), squared and summed
    /// in SIMD lanes, then shrunk by 4dε so that the other summation order never lifts it above
    /// the computed squared distance between a point in A and a point in B.
    @inline(__always)
    static func squaredGap(_ lowerA: UnsafePointer<Double>, _ upperA: UnsafePointer<Double>,
                           _ lowerB: UnsafePointer<Double>, _ upperB: UnsafePointer<Double>, dimension d: Int,
                           slack: Double = 0) -> Double {
        typealias V = SIMD8<Double>
        var acc = V.zero
        var c = 0
        while c + 8 <= d {
            let la = UnsafeRawPointer(lowerA + c).loadUnaligned(as: V.self)
            let ua = UnsafeRawPointer(upperA + c).loadUnaligned(as: V.self)
            let lb = UnsafeRawPointer(lowerB + c).loadUnaligned(as: V.self)
            let ub = UnsafeRawPointer(upperB + c).loadUnaligned(as: V.self)
            let g = positivePart(lb - ua - V(repeating: slack)) + positivePart(la - ub - V(repeating: slack))  // one term is 0
            acc += g * g
            c += 8
        }
        var s = acc.sum()
        while c < d {
            let g = Swift.max(lowerB[c] - upperA[c] - slack, 0) + Swift.max(lowerA[c] - upperB[c] - slack, 0)
            s += g * g
            c += 1
        }
        return s * (1 - 4 * Double(d) * Double.ulpOfOne)
    }

    /// `max(v, 0)` lane-wise, by clearing the lanes whose sign bit is set (no mask registers).
    @inline(__always)
    private static func positivePart(_ v: SIMD8<Double>) -> SIMD8<Double> {
        let bits = unsafeBitCast(v, to: SIMD8<Int64>.self)
        return unsafeBitCast(bits & ~(bits &>> 63), to: SIMD8<Double>.self)
    }

    /// The k nearest other points of every point (1 ≤ k < n), ascending by (squared distance,
    /// original index): n × k original indices and squared distances, row i for point i.
    ///
    /// The points of a leaf search together: one descent, nearer child first, skipping nodes
    /// whose gap to the leaf's box exceeds the k-th distance of every point in the leaf; at a
    /// leaf, a point whose own gap to it exceeds its k-th distance skips it.
    func nearestNeighbors(k: Int) -> (indices: [Int], squaredDistances: [Double]) {
        let n = count, d = dimension, wide = widestLeaf
        precondition(k >= 1 && k < n, "KDTree.nearestNeighbors: k = \(k) must lie in 1..<\(n)")
        var indices = [Int](repeating: 0, count: n * k)
        var dists = [Double](repeating: 0, count: n * k)
        let leaves = (0..<nodeCount).filter { child[$0] < 0 }
        indices.withUnsafeMutableBufferPointer { ib in dists.withUnsafeMutableBufferPointer { db in
        withPointers { tp in
            let ip = ib.baseAddress!, dp = db.baseAddress!
            Parallel.forRanges(leaves.count) { range in
                var scratch = [Double](repeating: 0, count: wide)
                var bestD = [Double](repeating: 0, count: wide * k), bestI = [Int](repeating: 0, count: wide * k)
                var found = [Int](repeating: 0, count: wide), worst = [Double](repeating: 0, count: wide)
                var stack = [(node: Int, bound: Double)]()
                scratch.withUnsafeMutableBufferPointer { sb in bestD.withUnsafeMutableBufferPointer { bdb in
                bestI.withUnsafeMutableBufferPointer { bib in found.withUnsafeMutableBufferPointer { fb in
                worst.withUnsafeMutableBufferPointer { wb in
                    let acc = sb.baseAddress!, bd = bdb.baseAddress!, bi = bib.baseAddress!
                    let fnd = fb.baseAddress!, wst = wb.baseAddress!
                    for leaf in leaves[range] {
                        let lo = tp.start[leaf], m = tp.end[leaf] - lo
                        for j in 0..<m { fnd[j] = 0; wst[j] = .infinity }
                        var reach = Double.infinity  // the largest k-th distance in the leaf
                        stack.append((0, 0))
                        while let (v, bound) = stack.popLast() {
                            if bound > reach { continue }
                            let c1 = tp.child[v]
                            if c1 >= 0 {
                                let b1 = tp.gap(leaf, c1), b2 = tp.gap(leaf, c1 + 1)
                                let (near, far) = b1 <= b2 ? ((c1, b1), (c1 + 1, b2)) : ((c1 + 1, b2), (c1, b1))
                                if far.1 <= reach { stack.append(far) }
                                if near.1 <= reach { stack.append(near) }
                                continue
                            }
                            let rs = tp.start[v], rm = tp.end[v] - rs
                            reach = 0
                            for j in 0..<m {
                                var w = wst[j], f = fnd[j]
                                let p = tp.rows + (lo + j) * d
                                if f == k && tp.gap(p, v) > w { reach = Swift.max(reach, w); continue }
                                tp.leafDistances(p, v, into: acc)
                                let row = acc, hd = bd + j * k, hi = bi + j * k
                                for r in 0..<rm where row[r] <= w && rs + r != lo + j {
                                    let dd = row[r], i = tp.order[rs + r]
                                    if f == k && dd == w && i > hi[k - 1] { continue }
                                    var pos = f < k ? f : k - 1
                                    while pos > 0 && (hd[pos - 1] > dd || (hd[pos - 1] == dd && hi[pos - 1] > i)) {
                                        hd[pos] = hd[pos - 1]; hi[pos] = hi[pos - 1]; pos -= 1
                                    }
                                    hd[pos] = dd; hi[pos] = i
                                    if f < k { f += 1 }
                                    if f == k { w = hd[k - 1] }
                                }
                                wst[j] = w; fnd[j] = f
                                reach = Swift.max(reach, w)
                            }
                        }
                        for j in 0..<m {
                            let i = tp.order[lo + j]
                            for t in 0..<k { ip[i * k + t] = bi[j * k + t]; dp[i * k + t] = bd[j * k + t] }
                        }
                    }
                }}}}}
            }
        }
        }}
        return (indices, dists)
    }

    /// Base addresses of the tree's arrays for the search loops.
    struct Pointers {
        let rows, blocks, lower, upper, center, radius, projection, axisLower, axisUpper: UnsafePointer<Double>
        let axisCount: Int, axisSlack: Double
        let order, start, end, child, blockStart: UnsafePointer<Int>
        let dimension: Int

        /// Squared distance from `p` to the box of node `v`.
        /// `out[j] = ‖p − x‖²` for the j-th point x of leaf v (slot `start[v] + j`); fills the
        /// padded leaf size (`widestLeaf` values at most).
        @inline(__always)
        func leafDistances(_ p: UnsafePointer<Double>, _ v: Int, into out: UnsafeMutablePointer<Double>) {
            let w = KDTree.padded(end[v] - start[v])
            squaredDistancesToColumns(p, blocks + blockStart[v], stride: w, dimension: dimension, 0..<w, into: out)
        }

        /// Squared gap between point p and the box of node b.
        @inline(__always)
        func gap(_ p: UnsafePointer<Double>, _ b: Int) -> Double {
            KDTree.squaredGap(p, p, lower + b * dimension, upper + b * dimension, dimension: dimension)
        }

        /// A lower bound of the distance between a point within `r` of `x` and a point of node b,
        /// by the triangle inequality through the balls, less a margin for rounding.
        @inline(__always)
        func ballGap(_ x: UnsafePointer<Double>, _ r: Double, _ b: Int) -> Double {
            let between = KDTree.squaredGap(x, x, center + b * dimension, center + b * dimension,
                                            dimension: dimension).squareRoot()
            let rb = radius[b]
            return between - r - rb - (between + r + rb) * 16 * Double(dimension + 2) * Double.ulpOfOne
        }

        /// A lower bound of the distance between points of nodes a and b: the larger of the
        /// box gap and the ball gap.
        @inline(__always)
        func separation(_ a: Int, _ b: Int) -> Double {
            Swift.max(Swift.max(gap(a, b).squareRoot(), ballGap(center + a * dimension, radius[a], b)),
                      axisGap(axisLower + a * axisCount, axisUpper + a * axisCount, b))
        }

        /// A lower bound of the distance between a point whose projections lie in
        /// `lowerA … upperA` (m values each) and a point of node b, from the principal axes.
        @inline(__always)
        func axisGap(_ lowerA: UnsafePointer<Double>, _ upperA: UnsafePointer<Double>, _ b: Int) -> Double {
            let m = axisCount
            let s = KDTree.squaredGap(lowerA, upperA, axisLower + b * m, axisUpper + b * m, dimension: m, slack: axisSlack)
            return s.squareRoot() * (1 - 1e-10)  // the axes are orthonormal only to rounding
        }

        /// Squared gap between the boxes of nodes a and b (a lower bound of their points' squared distances).
        @inline(__always)
        func gap(_ a: Int, _ b: Int) -> Double {
            KDTree.squaredGap(lower + a * dimension, upper + a * dimension, lower + b * dimension, upper + b * dimension,
                              dimension: dimension)
        }
    }

    /// Calls `body` with the base addresses of the tree's arrays (valid only inside `body`).
    func withPointers<R>(_ body: (Pointers) -> R) -> R {
        rows.withUnsafeBufferPointer { r in blocks.withUnsafeBufferPointer { c in
        lower.withUnsafeBufferPointer { lo in upper.withUnsafeBufferPointer { up in
        center.withUnsafeBufferPointer { ce in radius.withUnsafeBufferPointer { ra in
        projection.withUnsafeBufferPointer { pr in axisLower.withUnsafeBufferPointer { al in axisUpper.withUnsafeBufferPointer { au in
        order.withUnsafeBufferPointer { o in start.withUnsafeBufferPointer { s in
        end.withUnsafeBufferPointer { e in child.withUnsafeBufferPointer { ch in blockStart.withUnsafeBufferPointer { bs in
            body(Pointers(rows: r.baseAddress!, blocks: c.baseAddress!, lower: lo.baseAddress!, upper: up.baseAddress!,
                          center: ce.baseAddress!, radius: ra.baseAddress!, projection: pr.baseAddress!,
                          axisLower: al.baseAddress!, axisUpper: au.baseAddress!, axisCount: axisCount, axisSlack: axisSlack,
                          order: o.baseAddress!, start: s.baseAddress!, end: e.baseAddress!, child: ch.baseAddress!,
                          blockStart: bs.baseAddress!,
                          dimension: dimension))
        }}}}}}}}}}}}}}
    }
}
