import CBLAS
import Foundation
import VolcanoCore

/// Silhouette coefficients (Rousseeuw 1987) with euclidean distance, computed in Float64 as
/// `sklearn.metrics.silhouette_samples` / `silhouette_score`.
///
/// For point i with cluster label L: `a` = mean distance to the other members of L,
/// `b` = the smallest mean distance to the members of another cluster, `s = (b − a) / max(a, b)`;
/// `s = 0` for a point alone in its cluster. Values lie in [−1, 1]; higher is better separated.
/// The noise label −1 counts as an ordinary cluster (as in scikit-learn).
///
/// Cost O(n² · d) time through BLAS in row blocks, O(n · block) memory: 20 000 points of 20-D
/// take well under a second; for 10⁵ points and more pass a subsample (as scikit-learn's
/// `sample_size`).
public enum Silhouette {
    /// Per-point silhouette coefficients, or `nil` when the score is undefined (fewer than 2 or
    /// more than n − 1 distinct labels — scikit-learn raises an error there).
    /// - Parameters:
    ///   - points: n × d row-major coordinates (Float64; convert Float32 embeddings first —
    ///     scikit-learn rounds float32 distances to float32, we do not).
    ///   - dimension: d ≥ 1.
    ///   - labels: n cluster labels.
    public static func samples<L: Hashable & Comparable>(points: [Double], dimension: Int, labels: [L]) -> [Double]? {
        let n = labels.count
        precondition(dimension > 0 && points.count == n * dimension,
                     "Silhouette: points hold \(points.count) values, expected \(n) × \(dimension)")
        let (codes, k) = Contingency.encode(labels)
        guard k >= 2 && k <= n - 1 else { return nil }
        var sizes = [Double](repeating: 0, count: k)
        for c in codes { sizes[c] += 1 }
        var norms = [Double](repeating: 0, count: n)
        points.withUnsafeBufferPointer { x in
            for i in 0..<n {
                var s = 0.0
                let row = x.baseAddress! + i * dimension
                for j in 0..<dimension { s += row[j] * row[j] }
                norms[i] = s
            }
        }
        var result = [Double](repeating: 0, count: n)
        let blockRows = Swift.max(1, Swift.min(256, (1 << 22) / Swift.max(1, n)))
        let blocks = (n + blockRows - 1) / blockRows
        points.withUnsafeBufferPointer { x in
            norms.withUnsafeBufferPointer { nrm in
                codes.withUnsafeBufferPointer { code in
                    result.withUnsafeMutableBufferPointer { out in
                        let outBase = out.baseAddress!
                        SerialBLAS.forRanges(blocks) { range in
                            var dist = [Double](repeating: 0, count: blockRows * n)
                            var sums = [Double](repeating: 0, count: k)
                            for blk in range {
                                let r0 = blk * blockRows, rows = Swift.min(blockRows, n - r0)
                                dist.withUnsafeMutableBufferPointer { d in
                                    vssl_dgemm(false, true, Int32(rows), Int32(n), Int32(dimension), -2,
                                               x.baseAddress! + r0 * dimension, Int32(dimension),
                                               x.baseAddress!, Int32(dimension), 0, d.baseAddress!, Int32(n))
                                    for r in 0..<rows {
                                        let i = r0 + r
                                        let row = d.baseAddress! + r * n
                                        for j in 0..<k { sums[j] = 0 }
                                        for j in 0..<n {
                                            var v = row[j] + nrm[i] + nrm[j]
                                            if v < 0 || j == i { v = 0 }
                                            sums[code[j]] += v.squareRoot()
                                        }
                                        let own = code[i]
                                        let denom = sizes[own] - 1
                                        let a = sums[own] / denom
                                        var b = Double.infinity
                                        for j in 0..<k where j != own { b = Swift.min(b, sums[j] / sizes[j]) }
                                        let s = (b - a) / Swift.max(a, b)
                                        outBase[i] = s.isFinite ? s : 0
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Mean silhouette coefficient over all points, or `nil` when undefined
    /// (see ``samples(points:dimension:labels:)``).
    public static func score<L: Hashable & Comparable>(points: [Double], dimension: Int, labels: [L]) -> Double? {
        guard let s = samples(points: points, dimension: dimension, labels: labels) else { return nil }
        return pairwiseSum(s) / Double(s.count)
    }
}
