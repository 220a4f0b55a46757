import CBLAS
import Foundation
import VolcanoCore

/// Extreme eigenpairs of a large symmetric operator by the Lanczos method with full
/// re-orthogonalisation, in float64 — the eigen-solver behind UMAP's spectral initialisation,
/// reusable for spectral clustering.
///
/// The operator is given only through `multiply(x, y)` (y ← A x, both length n), so sparse
/// graphs, dense matrices (via BLAS) and implicit operators all fit. The Krylov basis grows until
/// every wanted Ritz pair has residual ≤ `tolerance · max(1, |λ|)` or `maxBasis` vectors are used;
/// it then returns the best Ritz pairs it has (``Result/converged`` tells which). It never hangs:
/// the cost is bounded by `maxBasis` products and O(n · maxBasis²) flops, memory n · maxBasis
/// doubles. A breakdown (an invariant subspace, e.g. a disconnected graph) restarts with a fresh
/// random vector orthogonal to the basis, so repeated eigenvalues are found too.
///
/// For the k smallest eigenvalues of a normalised Laplacian L = I − D^{-1/2} W D^{-1/2}
/// ask for the largest of D^{-1/2} W D^{-1/2} (same vectors, λ_L = 1 − λ).
public enum LanczosEigensolver {
    /// Eigenpairs found by ``largest(count:size:seed:tolerance:maxBasis:multiply:)``.
    public struct Result: Sendable {
        /// Eigenvalues, descending.
        public var values: [Double]
        /// `size × count` eigenvectors as columns (row-major: element (i, c) at `i * count + c`), unit length.
        public var vectors: [Double]
        /// Whether every pair met the tolerance within `maxBasis` steps.
        public var converged: Bool
        /// Lanczos steps taken (operator products).
        public var steps: Int
    }

    /// The `count` algebraically largest eigenpairs of a symmetric operator of size `size`.
    /// - Parameters:
    ///   - count: wanted pairs, 1...size.
    ///   - seed: seeds the start vector (and restarts); same seed → same result.
    ///   - tolerance: relative residual target (1e-8 gives vectors accurate to ~1e-8 / eigengap).
    ///   - maxBasis: largest Krylov basis (default `min(size, max(300, 20·count))`).
    ///   - verifyMultiplicity: after convergence, restart once from a fresh vector orthogonal to the
    ///     basis and converge again, so that a second copy of a repeated eigenvalue (which a single
    ///     Krylov sequence cannot see) is found; costs about twice the steps.
    ///   - multiply: y ← A x for vectors of length `size`; must be symmetric.
    public static func largest(count: Int, size n: Int, seed: UInt64, tolerance: Double = 1e-8, maxBasis: Int? = nil,
                               verifyMultiplicity: Bool = true,
                               multiply: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void) -> Result {
        precondition(count >= 1 && count <= n, "LanczosEigensolver.largest: count \(count) needs 1...\(n)")
        let mMax = min(n, max(count, maxBasis ?? max(300, 20 * count)))
        var rng = SeededGenerator(seed: seed, stream: 0x1A9C_2057)
        var basis = [Double](repeating: 0, count: n * mMax)
        var alpha: [Double] = [], beta: [Double] = []
        var w = [Double](repeating: 0, count: n)
        var h = [Double](repeating: 0, count: mMax)
        // After a forced restart at vector r (the residual w_r dropped so that a fresh
        // direction can reveal a second copy of a converged eigenvalue), later vectors still
        // couple to the earlier block through v_iᵀ A v_j (i ≤ r < j); those entries complete
        // the projection VᵀAV, and ‖w_r‖ enters every residual bound.
        var restarts: [(index: Int, dropped: Double)] = []
        var couplings: [(i: Int, j: Int, value: Double)] = []
        var coefficients = [Double](repeating: 0, count: mMax)
        var steps = 0
        var nextCheck = min(mMax, 2 * count + 10)
        var ritz: (values: [Double], s: [Double], m: Int, converged: Bool)? = nil
        var restarted = !verifyMultiplicity, forceFresh = false

        basis.withUnsafeMutableBufferPointer { V in
            w.withUnsafeMutableBufferPointer { W in
                h.withUnsafeMutableBufferPointer { H in
                    let v = V.baseAddress!, wp = W.baseAddress!, hp = H.baseAddress!
                    // Orthogonalises w against the first m basis vectors (classical Gram–Schmidt),
                    // a second time only when the first pass removed most of w (‖w‖ fell below
                    // ‖w₀‖/√2: Daniel, Gragg, Kaufman & Stewart 1976); returns ‖w‖.
                    // The basis (n · m doubles, beyond the caches for large graphs) is read twice
                    // per pass: memory-bound, so both products are plain streaming loops split
                    // between threads, each dot product and each row on one thread (the same bits
                    // for every thread count).
                    func orthogonalise(_ m: Int) -> Double {
                        guard m > 0 else { return norm2() }
                        for i in 0..<m { coefficients[i] = 0 }
                        let basis = UnsafeSendablePointer(v), residual = UnsafeSendablePointer(wp)
                        let projection = UnsafeSendablePointer(hp)
                        var before = norm2()
                        for _ in 0..<2 {
                            // h = Vᵀ w
                            Parallel.forRanges(m, minChunk: max(1, 65_536 / n)) { vectors in
                                for i in vectors { projection.p[i] = _dot(basis.p + i * n, residual.p, n) }
                            }
                            // w −= V h
                            Parallel.forRanges(n, minChunk: 4096) { rows in
                                _subtractCombination(basis.p, count: m, stride: n, coefficients: projection.p,
                                                     from: residual.p, rows: rows)
                            }
                            for i in 0..<m { coefficients[i] += hp[i] }
                            let after = norm2()
                            if after * after > 0.5 * before * before { return after }
                            before = after
                        }
                        return before
                    }
                    func norm2() -> Double {
                        var s = 0.0
                        for i in 0..<n { s += wp[i] * wp[i] }
                        return s.squareRoot()
                    }
                    // A fresh random unit vector orthogonal to the first m basis vectors, stored as vector m.
                    func freshVector(_ m: Int) -> Bool {
                        for _ in 0..<5 {
                            for i in 0..<n { wp[i] = rng.uniform(-1, 1) }
                            let norm = orthogonalise(m)
                            if norm > 1e-8 {
                                for i in 0..<n { v[m * n + i] = wp[i] / norm }
                                return true
                            }
                        }
                        return false
                    }
                    guard freshVector(0) else { return }
                    var j = 0
                    while j < mMax {
                        multiply(v + j * n, wp)
                        steps += 1
                        var a = 0.0
                        for i in 0..<n { a += wp[i] * v[j * n + i] }
                        alpha.append(a)
                        // The three-term recurrence first, so that the full re-orthogonalisation
                        // removes only rounding residue (one pass, not two).
                        let b = j > 0 ? beta[j - 1] : 0
                        let current = UnsafeSendablePointer(v + j * n), previous = UnsafeSendablePointer(v + max(0, j - 1) * n)
                        let residual = UnsafeSendablePointer(wp)
                        Parallel.forRanges(n, minChunk: 4096) { rows in
                            for i in rows { residual.p[i] -= a * current.p[i] + b * previous.p[i] }
                        }
                        let norm = orthogonalise(j + 1)
                        if let last = restarts.last?.index {
                            for i in 0...last { couplings.append((i, j, coefficients[i])) }
                        }
                        let m = j + 1
                        if m == nextCheck || m == mMax {
                            let r = projectedEigen(alpha, beta, couplings, count: count)
                            var ok = true
                            for c in 0..<count {
                                var resid = abs(norm * r.s[(m - 1) * count + c])
                                for (index, dropped) in restarts { resid += dropped * abs(r.s[index * count + c]) }
                                if resid > tolerance * max(1, abs(r.values[c])) { ok = false; break }
                            }
                            ritz = (r.values, r.s, m, ok)
                            if m == mMax { return }
                            if ok {
                                if restarted { return }
                                restarted = true
                                forceFresh = true
                                nextCheck = min(mMax, m + 2 * count + 10)
                            } else {
                                nextCheck = min(mMax, m + 10)
                            }
                        }
                        if m == mMax { return }
                        if norm > 1e-10 && !forceFresh {
                            for i in 0..<n { v[m * n + i] = wp[i] / norm }
                            beta.append(norm)
                        } else {
                            if forceFresh { restarts.append((j, norm)) }
                            forceFresh = false
                            // Invariant subspace: continue in a fresh direction (T splits into blocks).
                            guard freshVector(m) else { return }
                            beta.append(0)
                        }
                        j += 1
                    }
                }
            }
        }
        guard let r = ritz else {
            // Degenerate operator (n tiny or zero): identity vectors.
            var vec = [Double](repeating: 0, count: n * count)
            for c in 0..<count { vec[c * count + c] = 1 }
            return Result(values: [Double](repeating: 0, count: count), vectors: vec, converged: false, steps: steps)
        }
        // Ritz vectors X = Vᵀ S (n × count).
        var vectors = [Double](repeating: 0, count: n * count)
        basis.withUnsafeBufferPointer { V in
            r.s.withUnsafeBufferPointer { S in
                vectors.withUnsafeMutableBufferPointer { X in
                    vssl_dgemm(true, false, Int32(n), Int32(count), Int32(r.m), 1, V.baseAddress!, Int32(n),
                               S.baseAddress!, Int32(count), 0, X.baseAddress!, Int32(count))
                }
            }
        }
        for c in 0..<count {
            var s = 0.0
            for i in 0..<n { s += vectors[i * count + c] * vectors[i * count + c] }
            let inv = s > 0 ? 1 / s.squareRoot() : 0
            for i in 0..<n { vectors[i * count + c] *= inv }
        }
        return Result(values: r.values, vectors: vectors, converged: r.converged, steps: steps)
    }

    /// All eigenpairs of a dense symmetric matrix (row-major n × n, float64), eigenvalues
    /// ascending and eigenvectors as columns (LAPACK `dsyevd`). For small problems (n ≲ 2000).
    public static func dense(_ matrix: [Double], size n: Int) -> (values: [Double], vectors: [Double]) {
        precondition(matrix.count == n * n, "LanczosEigensolver.dense: \(matrix.count) values for \(n) × \(n)")
        var a = matrix
        var values = [Double](repeating: 0, count: n)
        let info = a.withUnsafeMutableBufferPointer { ap in
            values.withUnsafeMutableBufferPointer { wp in vssl_dsyevd(Int32(n), ap.baseAddress!, Int32(n), wp.baseAddress!) }
        }
        precondition(info == 0, "LanczosEigensolver.dense: dsyevd failed with info \(info)")
        return (values, a)
    }

    /// The `count` largest eigenpairs of the m × m projection: tridiagonal (alpha, beta) plus
    /// the symmetric `couplings` left by forced restarts; values descending, `s` = m × count
    /// eigenvectors (row-major).
    static func projectedEigen(_ alpha: [Double], _ beta: [Double], _ couplings: [(i: Int, j: Int, value: Double)],
                               count: Int) -> (values: [Double], s: [Double]) {
        let m = alpha.count
        var t = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            t[i * m + i] = alpha[i]
            if i + 1 < m { t[i * m + i + 1] = beta[i]; t[(i + 1) * m + i] = beta[i] }
        }
        for (i, j, value) in couplings where j < m {
            t[i * m + j] = value
            t[j * m + i] = value
        }
        let (values, vectors) = dense(t, size: m)
        let c = min(count, m)
        var outValues = [Double](repeating: 0, count: count)
        var s = [Double](repeating: 0, count: m * count)
        for q in 0..<c {
            let col = m - 1 - q
            outValues[q] = values[col]
            for i in 0..<m { s[i * count + q] = vectors[i * m + col] }
        }
        return (outValues, s)
    }

    /// `xᵀy` for length-n vectors, in eight interleaved partial sums (a fixed order).
    @inline(__always)
    static func _dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ n: Int) -> Double {
        typealias V = SIMD8<Double>
        var a0 = V(), a1 = V()
        var i = 0
        while i + 16 <= n {
            a0 += UnsafeRawPointer(x + i).loadUnaligned(as: V.self) * UnsafeRawPointer(y + i).loadUnaligned(as: V.self)
            a1 += UnsafeRawPointer(x + i + 8).loadUnaligned(as: V.self) * UnsafeRawPointer(y + i + 8).loadUnaligned(as: V.self)
            i += 16
        }
        var s = (a0 + a1).sum()
        while i < n { s += x[i] * y[i]; i += 1 }
        return s
    }

    /// `w[r] −= Σ_i h_i · V[i][r]` for r in `rows`, four basis vectors per sweep over the rows.
    @inline(__always)
    static func _subtractCombination(_ basis: UnsafePointer<Double>, count m: Int, stride n: Int,
                                     coefficients h: UnsafePointer<Double>, from w: UnsafeMutablePointer<Double>,
                                     rows: Range<Int>) {
        var i = 0
        while i + 4 <= m {
            let c0 = h[i], c1 = h[i + 1], c2 = h[i + 2], c3 = h[i + 3]
            let v0 = basis + i * n, v1 = v0 + n, v2 = v1 + n, v3 = v2 + n
            for r in rows { w[r] = w[r] - c0 * v0[r] - c1 * v1[r] - c2 * v2[r] - c3 * v3[r] }
            i += 4
        }
        while i < m {
            let c = h[i], vi = basis + i * n
            for r in rows { w[r] -= c * vi[r] }
            i += 1
        }
    }

}
