import CBLAS
import Foundation
import VolcanoCore

/// The value and gradients of one NT-Xent evaluation.
public struct NTXentResult: Sendable {
    /// Mean loss over the `2B` anchors.
    public var loss: Double
    /// ∂loss/∂zis, `[B, D]`.
    public var gradZis: [Float]
    /// ∂loss/∂zjs, `[B, D]`.
    public var gradZjs: [Float]
    /// ∂loss/∂noise, `[M, D]` (empty without noise negatives).
    public var gradNoise: [Float]
}

/// NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR (Chen et al. 2020) and
/// of TS-TCC's contextual contrasting, with optional extra negatives from noise segments
/// (the volcano paper's Colima set-up).
///
/// For the `2B` representations `r = [zjs; zis]` (TS-TCC's order) with cosine similarity
/// `s(a, k)`, anchor `a`'s positive `a⁺` is the other view of the same event and
/// ```
/// ℓ_a = −log( exp(s(a,a⁺)/τ) / ( Σ_{k≠a} exp(s(a,k)/τ) + Σ_m exp(s(a,n_m)/τ) ) ),   loss = mean_a ℓ_a
/// ```
/// The `M` noise rows `n_m` enter **every** anchor's denominator but are never anchors
/// themselves; their gradients flow back like the others'. Cosine similarity uses
/// `x / max(‖x‖, 1e-8)`, as PyTorch's `F.normalize(eps=1e-8)`.
///
/// τ: 0.2 in TS-TCC and the paper (sensible 0.05–1; lower is sharper). Batch `B ≥ 2`.
public struct NTXentLoss: Sendable, Equatable {
    /// Temperature τ.
    public var temperature: Double
    /// Cosine similarity (true, always used in practice) or raw dot products.
    public var cosineSimilarity: Bool

    public init(temperature: Double = 0.2, cosineSimilarity: Bool = true) {
        precondition(temperature > 0, "NTXentLoss: temperature must be positive, got \(temperature)")
        self.temperature = temperature
        self.cosineSimilarity = cosineSimilarity
    }

    /// Loss and gradients for `zis`, `zjs` (`[B, D]` each) and optional `noise` (`[M, D]`).
    public func evaluate(zis: UnsafeBufferPointer<Float>, zjs: UnsafeBufferPointer<Float>,
                         noise: UnsafeBufferPointer<Float>? = nil,
                         batch B: Int, noiseCount M: Int = 0, dimension D: Int) -> NTXentResult {
        precondition(B >= 1 && zis.count == B * D && zjs.count == B * D,
                     "NTXentLoss: zis \(zis.count) and zjs \(zjs.count) values, expected [\(B), \(D)]")
        precondition(M == 0 || (noise?.count ?? 0) == M * D,
                     "NTXentLoss: noise has \(noise?.count ?? 0) values, expected [\(M), \(D)]")
        let n2 = 2 * B
        let rows = n2 + M
        // Rows 0..<B: zjs, B..<2B: zis, 2B..<2B+M: noise (as Double).
        var r = [Double](repeating: 0, count: rows * D)
        for i in 0..<(B * D) {
            r[i] = Double(zjs[i])
            r[B * D + i] = Double(zis[i])
        }
        if M > 0, let noise { for i in 0..<(M * D) { r[n2 * D + i] = Double(noise[i]) } }
        // Normalise.
        var norms = [Double](repeating: 1, count: rows)
        var u = r
        if cosineSimilarity {
            for a in 0..<rows {
                var s = 0.0
                for d in 0..<D { s += r[a * D + d] * r[a * D + d] }
                let n = max(s.squareRoot(), 1e-8)
                norms[a] = n
                for d in 0..<D { u[a * D + d] = r[a * D + d] / n }
            }
        }
        // Similarities of anchors (rows < 2B) with every row: S = U_anchors · Uᵀ, [2B × rows]; its
        // anchor block is symmetric (one triangle computed, then mirrored).
        var sim = [Double](repeating: 0, count: n2 * rows)
        vssl_dsyrk_upper(Int32(n2), Int32(D), 1, u, Int32(D), 0, &sim, Int32(rows))
        forEachTile(n2) { a, k in if k < a { sim[a * rows + k] = sim[k * rows + a] } }
        if M > 0 {
            u.withUnsafeBufferPointer { pu in
                sim.withUnsafeMutableBufferPointer { ps in
                    vssl_dgemm(false, true, Int32(n2), Int32(M), Int32(D), 1, pu.baseAddress!, Int32(D),
                               pu.baseAddress! + n2 * D, Int32(D), 0, ps.baseAddress! + n2, Int32(rows))
                }
            }
        }
        let invT = 1 / temperature
        // g[a, k] = ∂loss/∂s(a, k); the diagonal (k = a) is not a candidate and stays 0. The
        // anchors are independent: shared among the threads, their losses summed in order.
        var g = [Double](repeating: 0, count: n2 * rows)
        var anchorLoss = [Double](repeating: 0, count: n2)
        sim.withUnsafeBufferPointer { sp in
            g.withUnsafeMutableBufferPointer { gp in
                anchorLoss.withUnsafeMutableBufferPointer { lp in
                    let sim = sp.baseAddress!, g = gp.baseAddress!, anchorLoss = lp.baseAddress!
                    Parallel.forRanges(n2, minChunk: 32) { anchors in
                        for a in anchors {
                            let pos = (a + B) % n2
                            let row = a * rows
                            var mx = -Double.infinity
                            for k in 0..<rows where k != a { mx = max(mx, sim[row + k] * invT) }
                            var z = 0.0
                            for k in 0..<rows where k != a {
                                let e = Foundation.exp(sim[row + k] * invT - mx)
                                g[row + k] = e
                                z += e
                            }
                            anchorLoss[a] = mx + Foundation.log(z) - sim[row + pos] * invT
                            let scale = invT / Double(n2)
                            for k in 0..<rows where k != a { g[row + k] = (g[row + k] / z - (k == pos ? 1 : 0)) * scale }
                        }
                    }
                }
            }
        }
        var loss = 0.0
        for l in anchorLoss { loss += l }
        loss /= Double(n2)
        // ∂/∂u: anchors get G·U (their role as rows of S), every row gets Gᵀ·U_anchors (as columns).
        // As the similarities, by blocks: the anchors' square block once as (G_a + G_aᵀ)·U_a, then
        // the noise columns G_n·U_n for the anchors and G_nᵀ·U_a for the noise rows.
        var du = [Double](repeating: 0, count: rows * D)
        var h = [Double](repeating: 0, count: n2 * n2)
        forEachTile(n2) { a, k in h[a * n2 + k] = g[a * rows + k] + g[k * rows + a] }
        vssl_dgemm(false, false, Int32(n2), Int32(D), Int32(n2), 1, h, Int32(n2), u, Int32(D), 0, &du, Int32(D))
        if M > 0 {
            g.withUnsafeBufferPointer { pg in
                u.withUnsafeBufferPointer { pu in
                    du.withUnsafeMutableBufferPointer { pd in
                        let gn = pg.baseAddress! + n2, un = pu.baseAddress! + n2 * D
                        vssl_dgemm(false, false, Int32(n2), Int32(D), Int32(M), 1, gn, Int32(rows), un, Int32(D), 1,
                                   pd.baseAddress!, Int32(D))
                        vssl_dgemm(true, false, Int32(M), Int32(D), Int32(n2), 1, gn, Int32(rows), pu.baseAddress!, Int32(D), 0,
                                   pd.baseAddress! + n2 * D, Int32(D))
                    }
                }
            }
        }
        // Through the normalisation: dr = (du − u (u·du)) / ‖r‖ (or du / eps when clamped).
        var dr = du
        if cosineSimilarity {
            for a in 0..<rows {
                let n = norms[a]
                if n > 1e-8 {
                    var dot = 0.0
                    for d in 0..<D { dot += u[a * D + d] * du[a * D + d] }
                    for d in 0..<D { dr[a * D + d] = (du[a * D + d] - u[a * D + d] * dot) / n }
                } else {
                    for d in 0..<D { dr[a * D + d] = du[a * D + d] / n }
                }
            }
        }
        let gj = dr[0..<(B * D)].map { Float($0) }
        let gi = dr[(B * D)..<(n2 * D)].map { Float($0) }
        let gn = dr[(n2 * D)..<(rows * D)].map { Float($0) }
        return NTXentResult(loss: loss, gradZis: gi, gradZjs: gj, gradNoise: gn)
    }

    /// Convenience over arrays: `zis`, `zjs` `[B, D]`, `noise` `[M, D]` (may be empty).
    public func evaluate(zis: [Float], zjs: [Float], noise: [Float] = [], batch: Int, dimension: Int) -> NTXentResult {
        let M = noise.count / max(dimension, 1)
        return zis.withUnsafeBufferPointer { a in
            zjs.withUnsafeBufferPointer { b in
                noise.withUnsafeBufferPointer { n in
                    evaluate(zis: a, zjs: b, noise: M > 0 ? n : nil, batch: batch, noiseCount: M, dimension: dimension)
                }
            }
        }
    }
}

/// Calls `body(a, k)` for every `a, k < n` in 16 × 16 tiles, so that reading the transposed
/// element stays within a few cache lines.
@inline(__always)
private func forEachTile(_ n: Int, _ body: (Int, Int) -> Void) {
    for a0 in stride(from: 0, to: n, by: 16) {
        for k0 in stride(from: 0, to: n, by: 16) {
            for a in a0..<Swift.min(a0 + 16, n) { for k in k0..<Swift.min(k0 + 16, n) { body(a, k) } }
        }
    }
}
