import CBLAS
import Foundation
import VolcanoCore

/// Spectral clustering (Ng, Jordan & Weiss 2001; von Luxburg 2007) as
/// `sklearn.cluster.SpectralClustering(assign_labels="kmeans")`.
///
/// 1. Affinity `W` between points: RBF `exp(−γ‖x_i − x_j‖²)` (scikit-learn's default, γ = 1 —
///    not scaled to the data) or the symmetrised k-nearest-neighbour graph
///    `½(A + Aᵀ)` with A the 0/1 kNN connectivity including the point itself.
/// 2. Symmetric normalised Laplacian `L = I − D^{-1/2} W D^{-1/2}` (degrees without the
///    diagonal; isolated points get degree 1, as scipy's `laplacian(normed=True)`).
/// 3. The K smallest eigenvectors of L, divided by `sqrt(degree)` and sign-normalised
///    (largest |entry| positive), are the spectral embedding (n × K, the constant vector kept).
/// 4. K-means with ``initCount`` k-means++ starts on the embedding gives the labels.
///
/// **Eigen-solver.** For n ≤ ``denseLimit`` LAPACK `dsyevr` on the dense matrix; above it a
/// Chebyshev-filtered block subspace iteration (Zhou & Saad 2007) on the sparse matrix
/// `D^{-1/2} W D^{-1/2}` with block size `2K + 8` and Rayleigh–Ritz steps. A block method
/// finds repeated eigenvalues (a disconnected affinity graph has eigenvalue 0 once per
/// component) where a single-vector Lanczos stalls, and it stops after a fixed number of
/// iterations in any case (see ``Result/converged``). When the graph splits into at least K
/// components of two or more points (well separated clusters under the unscaled RBF — the
/// usual case on a UMAP map), the eigenvectors are known exactly (`sqrt(degree)` on a
/// component) and no iteration is needed.
///
/// **Sparsity.** RBF affinities below ``affinityFloor`` (1e-12) are dropped: a point's
/// degree changes by less than n·1e-12. If more than ``maxAffinityEntries`` remain, each point
/// keeps only its largest `maxAffinityEntries / n` affinities (then symmetrised) — this only
/// happens for very large n (≈ 30 000 points and more in one dense blob) where scikit-learn's
/// dense n × n affinity no longer fits in memory.
public struct SpectralClustering: Sendable {
    /// How the affinity between two points is computed.
    public enum Affinity: Sendable, Equatable {
        /// `exp(−gamma · ‖x_i − x_j‖²)`; gamma > 0 in 1/(input units)², scikit-learn's default 1.
        case rbf(gamma: Double)
        /// Symmetrised connectivity of the `count` nearest neighbours (the point itself included,
        /// scikit-learn's `n_neighbors`, default 10).
        case nearestNeighbors(count: Int)
    }

    /// Which eigen-solver to use.
    public enum Solver: Sendable, Equatable {
        /// Dense LAPACK up to ``SpectralClustering/denseLimit`` points, iterative above.
        case automatic
        /// LAPACK `dsyevr` on the dense n × n matrix (O(n³) time, O(n²) memory).
        case dense
        /// Chebyshev-filtered block subspace iteration on the sparse matrix.
        case iterative
    }

    /// Number of clusters K (and eigenvectors), 1…n.
    public var clusterCount: Int
    /// Affinity between points (default RBF with γ = 1, as scikit-learn).
    public var affinity: Affinity
    /// k-means++ starts for the label assignment (scikit-learn's default 10).
    public var initCount: Int
    /// Seed for the subspace start and k-means.
    public var seed: UInt64
    /// Eigen-solver choice.
    public var solver: Solver
    /// Largest n for which ``Solver/automatic`` uses the dense solver.
    public var denseLimit: Int = 2000
    /// RBF affinities below this are treated as 0.
    public var affinityFloor: Double = 1e-12
    /// Upper bound on stored affinity entries (default 2²⁷ ≈ 1.6 GB).
    public var maxAffinityEntries: Int = 1 << 27

    public init(clusterCount: Int, affinity: Affinity = .rbf(gamma: 1), initCount: Int = 10, seed: UInt64 = 0,
                solver: Solver = .automatic) {
        self.clusterCount = clusterCount
        self.affinity = affinity
        self.initCount = initCount
        self.seed = seed
        self.solver = solver
    }

    /// The outcome of a spectral clustering fit.
    public struct Result: Sendable {
        /// Cluster of every point, 0..<K.
        public var labels: [Int]
        /// Spectral embedding, n × K row-major (random-walk eigenvectors, sign-normalised).
        public var embedding: [Double]
        /// The K smallest eigenvalues of the normalised Laplacian, ascending (0…2).
        public var eigenvalues: [Double]
        /// False if the iterative solver hit its iteration limit before the residuals fell
        /// below tolerance (the result is then the best subspace found).
        public var converged: Bool
        /// Connected components of the affinity graph (> 1: scikit-learn warns
        /// "Graph is not fully connected"; the clustering still proceeds).
        public var componentCount: Int
    }

    /// Clusters n points (row-major n × d, Float64).
    /// - Throws: ``InputError`` for K < 1, K > n, a non-finite value, γ ≤ 0, or a neighbour
    ///   count outside 1…n.
    public func fit(points: [Double], dimension: Int) throws -> Result {
        try validatePoints(points, dimension: dimension, what: "spectral clustering input")
        let n = points.count / dimension
        guard clusterCount >= 1 else { throw InputError("spectral clustering: the number of clusters must be at least 1, got \(clusterCount)") }
        guard clusterCount <= n else {
            throw InputError("spectral clustering: asked for \(clusterCount) clusters but there are only \(n) points")
        }
        switch affinity {
        case .rbf(let gamma):
            guard gamma > 0 && gamma.isFinite else { throw InputError("spectral clustering: gamma must be positive, got \(gamma)") }
        case .nearestNeighbors(let k):
            guard k >= 1 && k <= n else { throw InputError("spectral clustering: neighbour count must lie in 1…\(n), got \(k)") }
        }
        let graph = affinityGraph(points, dimension: dimension)
        let k = clusterCount
        // normalisation
        var dd = [Double](repeating: 1, count: n)
        for i in 0..<n {
            var s = 0.0
            for e in graph.rowStart[i]..<graph.rowStart[i + 1] { s += graph.values[e] }
            dd[i] = s > 0 ? s.squareRoot() : 1
        }
        var normalized = graph
        for i in 0..<n {
            for e in graph.rowStart[i]..<graph.rowStart[i + 1] {
                normalized.values[e] = graph.values[e] / (dd[i] * dd[graph.columns[e]])
            }
        }
        let useDense = solver == .dense || (solver == .automatic && n <= denseLimit)
        let components = graph.components()
        var (vectors, mEigen, converged): ([Double], [Double], Bool)
        if !useDense, let exact = Self.componentEigenvectors(components, dd: dd, k: k) {
            (vectors, mEigen, converged) = (exact, [Double](repeating: 1, count: k), true)
        } else {
            (vectors, mEigen, converged) = useDense
                ? Self.denseTopEigenvectors(normalized, k: k)
                : Self.iterativeTopEigenvectors(normalized, k: k, seed: seed)
        }
        // random-walk vectors and deterministic signs
        for c in 0..<k {
            var maxAbs = -1.0, sign = 1.0
            for i in 0..<n {
                vectors[i * k + c] /= dd[i]
                let v = vectors[i * k + c]
                if Swift.abs(v) > maxAbs { maxAbs = Swift.abs(v); sign = v < 0 ? -1 : 1 }
            }
            if sign < 0 { for i in 0..<n { vectors[i * k + c] = -vectors[i * k + c] } }
        }
        let km = KMeans(clusterCount: k, initCount: initCount, seed: seed)
        let labels = km.fitValidated(vectors, dimension: k).labels
        return Result(labels: labels, embedding: vectors, eigenvalues: mEigen.map { 1 - $0 },
                      converged: converged, componentCount: components.count)
    }

    /// Clusters Float32 points (converted to Float64).
    @_disfavoredOverload
    public func fit(points: [Float], dimension: Int) throws -> Result {
        try fit(points: points.map(Double.init), dimension: dimension)
    }

    // MARK: - affinity

    func affinityGraph(_ points: [Double], dimension d: Int) -> SparseSymmetric {
        let n = points.count / d
        switch affinity {
        case .nearestNeighbors(let count):
            var rows = [[(Int, Double)]](repeating: [], count: n)
            if count > 1 {
                let kk = Swift.min(count - 1, n - 1)
                let nn = exactNeighbors(points, dimension: d, k: kk)
                for i in 0..<n {
                    rows[i] = (0..<kk).map { (nn.indices[i * kk + $0], 0.5) }.sorted { $0.0 < $1.0 }
                }
            }
            return SparseSymmetric(n: n, rows: rows, mergingWithTranspose: +)
        case .rbf(let gamma):
            let perRowCap = Swift.max(1, maxAffinityEntries / Swift.max(1, n))
            let cutoff = -Foundation.log(affinityFloor) / gamma * (1 + 1e-12)
            var rows = [[(Int, Double)]](repeating: [], count: n)
            points.withUnsafeBufferPointer { xb in
                let x = xb.baseAddress!
                let norms = rowSquaredNorms(x, rows: n, dimension: d)
                let blockRows = Swift.max(1, Swift.min(256, (1 << 22) / n))
                let blocks = (n + blockRows - 1) / blockRows
                rows.withUnsafeMutableBufferPointer { rb in
                    let rp = rb.baseAddress!
                    SerialBLAS.forRanges(blocks) { range in
                        var g = [Double](repeating: 0, count: blockRows * n)
                        var kept = [(Int, Double)]()
                        for blk in range {
                            let r0 = blk * blockRows, count = Swift.min(blockRows, n - r0)
                            g.withUnsafeMutableBufferPointer { gb in
                                vssl_dgemm(false, true, Int32(count), Int32(n), Int32(d), -2, x + r0 * d, Int32(d),
                                           x, Int32(d), 0, gb.baseAddress!, Int32(n))
                                for r in 0..<count {
                                    let i = r0 + r
                                    let row = gb.baseAddress! + r * n
                                    kept.removeAll(keepingCapacity: true)
                                    for j in 0..<n where j != i {
                                        let sq = Swift.max(0, row[j] + norms[i] + norms[j])
                                        if sq > cutoff { continue }
                                        let w = Foundation.exp(-gamma * sq)
                                        if w >= affinityFloor { kept.append((j, w)) }
                                    }
                                    if kept.count > perRowCap {
                                        selectLargest(&kept, perRowCap)
                                        kept.sort { $0.0 < $1.0 }
                                    }
                                    // a fresh, exactly sized row: the scratch buffer keeps its (large)
                                    // capacity and must not be shared with the stored row
                                    var stored = [(Int, Double)]()
                                    stored.reserveCapacity(kept.count)
                                    stored.append(contentsOf: kept)
                                    rp[i] = stored
                                }
                            }
                        }
                    }
                }
            }
            // W is symmetric up to rounding at the floor; per-row capping breaks symmetry, so
            // the stored matrix is max(W, Wᵀ) on the union of the patterns.
            return SparseSymmetric(n: n, rows: rows, mergingWithTranspose: Swift.max)
        }
    }

    // MARK: - eigen-solvers (largest eigenpairs of the normalised affinity M)

    /// Returns the k largest eigenpairs of M: vectors n × k (column c ↔ values[c], descending
    /// order of eigenvalue), values descending.
    static func denseTopEigenvectors(_ m: SparseSymmetric, k: Int) -> ([Double], [Double], Bool) {
        let n = m.n
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for e in m.rowStart[i]..<m.rowStart[i + 1] { a[i * n + m.columns[e]] = m.values[e] } }
        var w = [Double](repeating: 0, count: n)  // LAPACK writes up to n eigenvalues into w
        var z = [Double](repeating: 0, count: n * k)
        let info = vssl_dsyevr(Int32(n), &a, Int32(n), Int32(n - k + 1), Int32(n), &w, &z, Int32(k))
        precondition(info == 0, "SpectralClustering: LAPACK dsyevr failed with info \(info)")
        // ascending → descending
        var vectors = [Double](repeating: 0, count: n * k)
        for i in 0..<n { for c in 0..<k { vectors[i * k + c] = z[i * k + (k - 1 - c)] } }
        return (vectors, Array(w[0..<k].reversed()), true)
    }

    static func iterativeTopEigenvectors(_ m: SparseSymmetric, k: Int, seed: UInt64,
                                         tolerance: Double = 1e-8, maxIterations: Int = 400) -> ([Double], [Double], Bool) {
        let n = m.n
        let b = Swift.min(n, 2 * k + 8)
        if b >= n || n <= 64 { return denseTopEigenvectors(m, k: k) }
        var rng = SeededGenerator(seed: seed, stream: 0x5EC7)
        var v = [Double](repeating: 0, count: n * b)
        for i in 0..<(n * b) { v[i] = rng.nextGaussian() }
        orthonormalizeColumns(&v, rows: n, cols: b, rng: &rng)
        var mv = [Double](repeating: 0, count: n * b)
        var theta = [Double](repeating: 0, count: b)
        var converged = false
        let degree = 12
        for _ in 0..<maxIterations {
            // Rayleigh–Ritz
            m.multiply(v, cols: b, into: &mv)
            var h = [Double](repeating: 0, count: b * b)
            vssl_dgemm(true, false, Int32(b), Int32(b), Int32(n), 1, v, Int32(b), mv, Int32(b), 0, &h, Int32(b))
            for i in 0..<b { for j in (i + 1)..<b { let s = (h[i * b + j] + h[j * b + i]) / 2; h[i * b + j] = s; h[j * b + i] = s } }
            let info = vssl_dsyevd(Int32(b), &h, Int32(b), &theta)
            precondition(info == 0, "SpectralClustering: LAPACK dsyevd failed with info \(info)")
            var nv = [Double](repeating: 0, count: n * b)
            var nmv = [Double](repeating: 0, count: n * b)
            vssl_dgemm(false, false, Int32(n), Int32(b), Int32(b), 1, v, Int32(b), h, Int32(b), 0, &nv, Int32(b))
            vssl_dgemm(false, false, Int32(n), Int32(b), Int32(b), 1, mv, Int32(b), h, Int32(b), 0, &nmv, Int32(b))
            v = nv; mv = nmv
            // residuals of the k largest Ritz pairs (columns b-k..<b)
            var worst = 0.0
            for c in (b - k)..<b {
                var r = 0.0
                for i in 0..<n { let t = mv[i * b + c] - theta[c] * v[i * b + c]; r += t * t }
                worst = Swift.max(worst, r.squareRoot())
            }
            if worst <= tolerance { converged = true; break }
            // Chebyshev filter damping [−1, a], a = largest unwanted Ritz value
            let lower = -1.0
            let a = Swift.min(theta[b - k - 1], 1 - 1e-3)
            let e = (a - lower) / 2, c0 = (a + lower) / 2
            var y0 = v
            var y1 = [Double](repeating: 0, count: n * b)
            m.multiply(y0, cols: b, into: &y1)
            for i in 0..<(n * b) { y1[i] = (y1[i] - c0 * y0[i]) / e }
            var y2 = [Double](repeating: 0, count: n * b)
            for _ in 2...degree {
                m.multiply(y1, cols: b, into: &y2)
                for i in 0..<(n * b) { y2[i] = 2 * (y2[i] - c0 * y1[i]) / e - y0[i] }
                swap(&y0, &y1)
                swap(&y1, &y2)
            }
            v = y1
            orthonormalizeColumns(&v, rows: n, cols: b, rng: &rng)
        }
        var vectors = [Double](repeating: 0, count: n * k)
        for i in 0..<n { for c in 0..<k { vectors[i * k + c] = v[i * b + (b - 1 - c)] } }
        let values = (0..<k).map { theta[b - 1 - $0] }
        return (vectors, values, converged)
    }

    /// When the affinity graph has at least k components of two or more points, eigenvalue 1 of
    /// the normalised affinity has (at least) that multiplicity and its eigenvectors are known
    /// exactly: `sqrt(degree)` on one component, 0 elsewhere. Returns those of the k largest
    /// components (ties: lowest first point), n × k — ARPACK would return an arbitrary basis of
    /// the same eigenspace. `nil` if there are fewer such components than k.
    static func componentEigenvectors(_ components: [[Int]], dd: [Double], k: Int) -> [Double]? {
        let big = components.filter { $0.count >= 2 }
        guard big.count >= k else { return nil }
        let chosen = big.enumerated().sorted { $0.element.count > $1.element.count || ($0.element.count == $1.element.count && $0.offset < $1.offset) }.prefix(k)
        let n = dd.count
        var vectors = [Double](repeating: 0, count: n * k)
        for (c, comp) in chosen.map(\.element).enumerated() {
            var norm = 0.0
            for i in comp { norm += dd[i] * dd[i] }
            norm = norm.squareRoot()
            for i in comp { vectors[i * k + c] = dd[i] / norm }
        }
        return vectors
    }

    /// Modified Gram–Schmidt, twice; collapsed columns are replaced by random ones.
    static func orthonormalizeColumns(_ v: inout [Double], rows n: Int, cols b: Int, rng: inout SeededGenerator) {
        var col = [Double](repeating: 0, count: n)
        var basis = [[Double]]()
        basis.reserveCapacity(b)
        for c in 0..<b {
            for i in 0..<n { col[i] = v[i * b + c] }
            var attempts = 0
            while true {
                let before = col.reduce(0) { $0 + $1 * $1 }.squareRoot()
                for _ in 0..<2 {
                    for q in basis {
                        var dot = 0.0
                        for i in 0..<n { dot += q[i] * col[i] }
                        for i in 0..<n { col[i] -= dot * q[i] }
                    }
                }
                let norm = col.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm > 1e-10 * Swift.max(before, 1e-300) && norm > 0 {
                    for i in 0..<n { col[i] /= norm }
                    break
                }
                attempts += 1
                precondition(attempts < 50, "SpectralClustering: could not complete an orthonormal basis")
                for i in 0..<n { col[i] = rng.nextGaussian() }
            }
            basis.append(col)
            for i in 0..<n { v[i * b + c] = col[i] }
        }
    }
}

/// Moves the `m` entries with the largest weights to the front of `a` and drops the rest
/// (quickselect; ties resolved by lower column).
func selectLargest(_ a: inout [(Int, Double)], _ m: Int) {
    func before(_ x: (Int, Double), _ y: (Int, Double)) -> Bool { x.1 > y.1 || (x.1 == y.1 && x.0 < y.0) }
    var lo = 0, hi = a.count - 1
    while lo < hi {
        let pivot = a[(lo + hi) / 2]
        var i = lo, j = hi
        while i <= j {
            while before(a[i], pivot) { i += 1 }
            while before(pivot, a[j]) { j -= 1 }
            if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
        }
        if m - 1 <= j { hi = j } else if m - 1 >= i { lo = i } else { break }
    }
    a.removeLast(a.count - m)
}

/// A symmetric sparse matrix in compressed rows (no diagonal), for affinity graphs.
struct SparseSymmetric: Sendable {
    let n: Int
    var rowStart: [Int]
    var columns: [Int]
    var values: [Double]

    /// From rows sorted by column (no diagonal): stores `combine(W_ij, W_ji)` on the union of
    /// the two patterns, a missing entry counting as 0 (`+` gives W + Wᵀ, `max` the larger).
    /// O(nnz) through a counting-sort transpose.
    init(n: Int, rows: [[(Int, Double)]], mergingWithTranspose combine: (Double, Double) -> Double) {
        self.n = n
        // transpose: column counts, then fill (rows visited in order → transposed rows sorted)
        var tStart = [Int](repeating: 0, count: n + 1)
        for r in rows { for (j, _) in r { tStart[j + 1] += 1 } }
        for i in 0..<n { tStart[i + 1] += tStart[i] }
        var fill = tStart
        var tCols = [Int](repeating: 0, count: tStart[n]), tVals = [Double](repeating: 0, count: tStart[n])
        for (i, r) in rows.enumerated() {
            for (j, w) in r { tCols[fill[j]] = i; tVals[fill[j]] = w; fill[j] += 1 }
        }
        var start = [0], cols = [Int](), vals = [Double]()
        cols.reserveCapacity(tStart[n] * 2); vals.reserveCapacity(tStart[n] * 2)
        for i in 0..<n {
            let a = rows[i]
            var p = 0, q = tStart[i]
            let qEnd = tStart[i + 1]
            while p < a.count || q < qEnd {
                if q >= qEnd || (p < a.count && a[p].0 < tCols[q]) {
                    if a[p].0 != i { cols.append(a[p].0); vals.append(combine(a[p].1, 0)) }
                    p += 1
                } else if p >= a.count || tCols[q] < a[p].0 {
                    if tCols[q] != i { cols.append(tCols[q]); vals.append(combine(0, tVals[q])) }
                    q += 1
                } else {
                    if a[p].0 != i { cols.append(a[p].0); vals.append(combine(a[p].1, tVals[q])) }
                    p += 1; q += 1
                }
            }
            start.append(cols.count)
        }
        rowStart = start; columns = cols; values = vals
    }

    /// Y = W · X for X n × cols row-major (parallel over rows).
    func multiply(_ x: [Double], cols b: Int, into y: inout [Double]) {
        rowStart.withUnsafeBufferPointer { rs in
            columns.withUnsafeBufferPointer { cs in
                values.withUnsafeBufferPointer { vs in
                    x.withUnsafeBufferPointer { xb in
                        y.withUnsafeMutableBufferPointer { yb in
                            let xp = xb.baseAddress!, yp = yb.baseAddress!
                            Parallel.forRanges(n, minChunk: 256) { range in
                                for i in range {
                                    let out = yp + i * b
                                    for c in 0..<b { out[c] = 0 }
                                    for e in rs[i]..<rs[i + 1] {
                                        let w = vs[e]
                                        let src = xp + cs[e] * b
                                        for c in 0..<b { out[c] += w * src[c] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Connected components (union–find over the stored entries), each a sorted list of
    /// points, ordered by their first point.
    func components() -> [[Int]] {
        var parent = Array(0..<n)
        func find(_ x: Int) -> Int { var r = x; while parent[r] != r { parent[r] = parent[parent[r]]; r = parent[r] }; return r }
        for i in 0..<n { for e in rowStart[i]..<rowStart[i + 1] { let a = find(i), b = find(columns[e]); if a != b { parent[a] = b } } }
        var index = [Int: Int]()
        var out = [[Int]]()
        for i in 0..<n {
            let r = find(i)
            if let c = index[r] { out[c].append(i) } else { index[r] = out.count; out.append([i]) }
        }
        return out
    }
}
