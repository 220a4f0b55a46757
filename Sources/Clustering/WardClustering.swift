import CBLAS
import Foundation
import VolcanoCore

/// Agglomerative clustering with Ward linkage (scikit-learn's
/// `AgglomerativeClustering(linkage="ward")`, scipy's `hierarchy.ward`), with the full dendrogram.
///
/// The tree is built with the nearest-neighbour chain algorithm (O(n²) time), exact for Ward
/// because Ward's distance is reducible. Two memory modes give the same tree (up to ties):
/// - **centroid** (default): only cluster sizes and centroids are kept (O(n·d) memory) and
///   Ward's distance `2|A||B|/(|A|+|B|)·‖μ_A − μ_B‖²` is recomputed on the fly in contiguous,
///   vectorised, parallel scans. 100 000 points of 20-D need about 20 MB, where scipy and
///   scikit-learn need a 40 GB distance matrix. For low-dimensional inputs (UMAP maps) it is
///   also the faster mode (measured 2–3× faster than the matrix mode at 6 000–20 000 points).
/// - **matrix** (when n(n−1)/2 Float64 distances fit in ``memoryBudget``, which is 0 by
///   default): Lance–Williams updates on the condensed squared-distance matrix, exactly scipy's
///   algorithm — 20 000 points need 1.6 GB. Cheaper than the centroid mode only for
///   high-dimensional inputs (d in the hundreds).
///
/// Merge heights are Ward distances `sqrt(2|A||B|/(|A|+|B|))·‖μ_A − μ_B‖` as in scipy.
/// Duplicate points merge at height 0. Labels are cut as scikit-learn's `_hc_cut`.
public struct WardClustering: Sendable {
    /// Number of clusters K for ``Result/labels`` (1…n).
    public var clusterCount: Int
    /// Bytes the matrix mode may use for the condensed distance matrix (default 0: always the
    /// centroid mode); when n(n−1)/2 × 8 bytes fit, the matrix mode is used.
    public var memoryBudget: Int

    public init(clusterCount: Int, memoryBudget: Int = 0) {
        self.clusterCount = clusterCount
        self.memoryBudget = memoryBudget
    }

    /// The outcome of a Ward fit.
    public struct Result: Sendable {
        /// Cluster of every point, 0..<K.
        public var labels: [Int]
        /// The full hierarchy (n − 1 merges).
        public var dendrogram: Dendrogram
    }

    /// Builds the Ward tree of n points (row-major n × d, Float64) and cuts it into K clusters.
    /// - Throws: ``InputError`` when K < 1, K > n, or a value is not finite.
    public func fit(points: [Double], dimension: Int) throws -> Result {
        try validatePoints(points, dimension: dimension, what: "Ward clustering input")
        let n = points.count / dimension
        guard clusterCount >= 1 else { throw InputError("Ward clustering: the number of clusters must be at least 1, got \(clusterCount)") }
        guard clusterCount <= n else {
            throw InputError("Ward clustering: asked for \(clusterCount) clusters but there are only \(n) points")
        }
        let tree = dendrogram(points, dimension: dimension)
        return Result(labels: tree.cut(clusterCount: clusterCount), dendrogram: tree)
    }

    /// Clusters Float32 points (converted to Float64).
    @_disfavoredOverload
    public func fit(points: [Float], dimension: Int) throws -> Result {
        try fit(points: points.map(Double.init), dimension: dimension)
    }

    /// The full Ward dendrogram of validated points.
    func dendrogram(_ points: [Double], dimension d: Int) -> Dendrogram {
        let n = points.count / d
        if n <= 1 { return Dendrogram(leafCount: n, slotMerges: []) }
        let condensedBytes = n * (n - 1) / 2 * MemoryLayout<Double>.size
        let merges = condensedBytes <= memoryBudget
            ? Self.matrixChain(points, dimension: d) : Self.centroidChain(points, dimension: d)
        return Dendrogram(leafCount: n, slotMerges: merges)
    }

    /// Whether ``dendrogram(_:dimension:)`` would use the O(n²)-memory matrix mode.
    public func usesMatrixMode(pointCount n: Int) -> Bool {
        n * (n - 1) / 2 * MemoryLayout<Double>.size <= memoryBudget
    }

    // MARK: - matrix mode

    static func matrixChain(_ points: [Double], dimension d: Int) -> [(a: Int, b: Int, height: Double)] {
        let n = points.count / d
        let m = n * (n - 1) / 2
        let dist = UnsafeMutablePointer<Double>.allocate(capacity: m)
        defer { dist.deallocate() }
        // rowStart[i] = offset of (i, i+1) in the condensed matrix
        var rowStart = [Int](repeating: 0, count: n)
        for i in 0..<n { rowStart[i] = n * i - i * (i + 1) / 2 - i - 1 }
        squaredDistancesCondensed(points, dimension: d, into: dist, rowStart: rowStart)
        var size = [Int](repeating: 1, count: n)
        var merges = [(a: Int, b: Int, height: Double)]()
        merges.reserveCapacity(n - 1)
        var chain = [Int]()
        chain.reserveCapacity(n)
        // active slots in increasing order, with lazy removal
        var next = Array(1...n)  // next active slot after i (n = end)
        var prev = Array(-1..<(n - 1))
        var first = 0
        func remove(_ i: Int) {
            if prev[i] >= 0 { next[prev[i]] = next[i] } else { first = next[i] }
            if next[i] < n { prev[next[i]] = prev[i] }
        }
        rowStart.withUnsafeBufferPointer { rsb in
            let rs = rsb.baseAddress!
            @inline(__always) func at(_ i: Int, _ j: Int) -> Int { i < j ? rs[i] + j : rs[j] + i }
            while merges.count < n - 1 {
                if chain.isEmpty { chain.append(first) }
                var x = 0, y = 0
                var best = Double.infinity
                while true {
                    x = chain[chain.count - 1]
                    if chain.count >= 2 {
                        y = chain[chain.count - 2]
                        best = dist[at(x, y)]
                    } else {
                        best = .infinity
                    }
                    var i = first
                    while i < x {
                        let v = dist[rs[i] + x]
                        if v < best { best = v; y = i }
                        i = next[i]
                    }
                    if i == x { i = next[i] }
                    let base = rs[x]
                    while i < n {
                        let v = dist[base + i]
                        if v < best { best = v; y = i }
                        i = next[i]
                    }
                    if chain.count >= 2 && y == chain[chain.count - 2] { break }
                    chain.append(y)
                }
                chain.removeLast(2)
                if x > y { swap(&x, &y) }
                let nx = Double(size[x]), ny = Double(size[y])
                merges.append((x, y, best.squareRoot()))
                // merge x into y; Lance–Williams on squared Ward distances (dist holds squares)
                remove(x)
                size[y] = size[x] + size[y]
                size[x] = 0
                var i = first
                while i < n {
                    if i != y {
                        let ni = Double(size[i])
                        let ix = at(i, x), iy = at(i, y)
                        dist[iy] = ((ni + nx) * dist[ix] + (ni + ny) * dist[iy] - ni * best) / (nx + ny + ni)
                    }
                    i = next[i]
                }
            }
        }
        return merges
    }

    /// Condensed squared euclidean distances (i < j) through BLAS in row blocks.
    static func squaredDistancesCondensed(_ points: [Double], dimension d: Int, into dist: UnsafeMutablePointer<Double>, rowStart: [Int]) {
        let n = points.count / d
        points.withUnsafeBufferPointer { xb in
            let x = xb.baseAddress!
            let norms = rowSquaredNorms(x, rows: n, dimension: d)
            let blockRows = Swift.max(1, Swift.min(128, (1 << 21) / n))
            let blocks = (n + blockRows - 1) / blockRows
            SerialBLAS.forRanges(blocks) { range in
                var g = [Double](repeating: 0, count: blockRows * n)
                for blk in range {
                    let r0 = blk * blockRows, rows = Swift.min(blockRows, n - r0)
                    let cols = n - r0
                    // only columns ≥ r0 are needed
                    g.withUnsafeMutableBufferPointer { gb in
                        vssl_dgemm(false, true, Int32(rows), Int32(cols), Int32(d), -2, x + r0 * d, Int32(d),
                                   x + r0 * d, Int32(d), 0, gb.baseAddress!, Int32(cols))
                        for r in 0..<rows {
                            let i = r0 + r
                            if i + 1 >= n { continue }
                            let out = dist + rowStart[i]
                            let row = gb.baseAddress! + r * cols - r0
                            for j in (i + 1)..<n {
                                let v = row[j] + norms[i] + norms[j]
                                out[j] = v > 0 ? v : 0
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: - centroid mode

    static func centroidChain(_ points: [Double], dimension d: Int) -> [(a: Int, b: Int, height: Double)] {
        let n = points.count / d
        // Cluster slots keep the id of one of their points (as in the matrix mode). Centroids
        // live in a compacted, transposed (d × m) table in increasing slot order so that the
        // nearest-cluster scan vectorises; dead slots stay in the table (skipped) until half of
        // it is dead, then the table is rebuilt.
        var slotOf = Array(0..<n)          // table column → slot
        var column = Array(0..<n)          // slot → table column
        var table = [Double](repeating: 0, count: d * n)
        for i in 0..<n { for c in 0..<d { table[c * n + i] = points[i * d + c] } }
        var size = [Double](repeating: 1, count: n)   // by table column
        var alive = [Bool](repeating: true, count: n) // by table column
        var m = n, dead = 0
        var merges = [(a: Int, b: Int, height: Double)]()
        merges.reserveCapacity(n - 1)
        var chain = [Int]()
        let chunks = Swift.max(1, Threads.count)
        var partBest = [(Double, Int)](repeating: (.infinity, -1), count: chunks)
        var acc = [Double](repeating: 0, count: n)
        var cx = [Double](repeating: 0, count: d)
        func ward(_ a: Int, _ b: Int) -> Double {
            let ca = column[a], cb = column[b]
            var s = 0.0
            for c in 0..<d { let v = table[c * n + ca] - table[c * n + cb]; s += v * v }
            return 2 * size[ca] * size[cb] / (size[ca] + size[cb]) * s
        }
        while merges.count < n - 1 {
            if dead * 2 > m {
                var w = 0
                for t in 0..<m where alive[t] {
                    if w != t {
                        for c in 0..<d { table[c * n + w] = table[c * n + t] }
                        size[w] = size[t]; alive[w] = true; slotOf[w] = slotOf[t]
                    }
                    column[slotOf[w]] = w
                    w += 1
                }
                for t in w..<m { alive[t] = false }
                m = w
                dead = 0
            }
            if chain.isEmpty { chain.append(slotOf[(0..<m).first { alive[$0] }!]) }
            var x = 0, y = 0
            var best = Double.infinity
            while true {
                x = chain[chain.count - 1]
                if chain.count >= 2 { y = chain[chain.count - 2]; best = ward(x, y) } else { best = .infinity; y = -1 }
                let colX = column[x]
                for c in 0..<d { cx[c] = table[c * n + colX] }
                let count = m
                let parts = count >= 4096 ? chunks : 1
                let sx = size[colX]
                table.withUnsafeBufferPointer { tb in
                    size.withUnsafeBufferPointer { sb in
                        alive.withUnsafeBufferPointer { lb in
                            acc.withUnsafeMutableBufferPointer { ab in
                                cx.withUnsafeBufferPointer { xb in
                                    partBest.withUnsafeMutableBufferPointer { pb in
                                        let tp = tb.baseAddress!, sp = sb.baseAddress!, lp = lb.baseAddress!
                                        let ap = ab.baseAddress!, xp = xb.baseAddress!, out = pb.baseAddress!
                                        let body: (Int) -> Void = { part in
                                            let r = Parallel.range(chunk: part, of: parts, count: count)
                                            let lo = r.lowerBound, hi = r.upperBound
                                            squaredDistancesToColumns(xp, tp, stride: n, dimension: d, lo..<hi, into: ap)
                                            var bd = Double.infinity, bi = -1
                                            for t in lo..<hi where lp[t] && t != colX {
                                                let w = 2 * sx * sp[t] / (sx + sp[t]) * ap[t]
                                                if w < bd { bd = w; bi = t }
                                            }
                                            out[part] = (bd, bi)
                                        }
                                        if parts == 1 { body(0) } else {
                                            let box = UnsafeSendable(body)
                                            DispatchQueue.concurrentPerform(iterations: parts) { box.value($0) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                for part in 0..<parts {
                    let (bd, bi) = partBest[part]
                    if bi >= 0 && bd < best { best = bd; y = slotOf[bi] }
                }
                if chain.count >= 2 && y == chain[chain.count - 2] { break }
                chain.append(y)
            }
            chain.removeLast(2)
            if x > y { swap(&x, &y) }
            merges.append((x, y, best.squareRoot()))
            let colA = column[x], colB = column[y]
            let nx = size[colA], ny = size[colB]
            for c in 0..<d {
                table[c * n + colB] = (nx * table[c * n + colA] + ny * table[c * n + colB]) / (nx + ny)
            }
            size[colB] = nx + ny
            size[colA] = 0
            alive[colA] = false
            dead += 1
        }
        return merges
    }
}

