import CBLAS
import Foundation
import VolcanoCore

/// Checks a row-major n × d point matrix that came from a user (an embedding file):
/// the shape must match and every value must be finite.
/// Throws ``InputError`` naming the first bad row.
func validatePoints(_ points: [Double], dimension: Int, what: String) throws {
    guard dimension > 0 else { throw InputError("\(what): points need at least one dimension") }
    guard points.count % dimension == 0 else {
        throw InputError("\(what): \(points.count) values do not form rows of \(dimension)")
    }
    for (i, v) in points.enumerated() where !v.isFinite {
        throw InputError("\(what): row \(i / dimension) contains a non-finite value (\(v)); expected finite coordinates")
    }
}

/// Squared euclidean norms of the n rows of a row-major n × d matrix.
func rowSquaredNorms(_ x: UnsafePointer<Double>, rows n: Int, dimension d: Int) -> [Double] {
    var out = [Double](repeating: 0, count: n)
    for i in 0..<n {
        let row = x + i * d
        var s = 0.0
        for j in 0..<d { s += row[j] * row[j] }
        out[i] = s
    }
    return out
}

/// `out[t] = ‖p − x_t‖²` for the entries `t` in `range` of a transposed table (coordinate c of entry
/// t at `table[c · stride + t]`): 32 (then 16, 8) entries at a time with their sums kept in registers over the
/// d coordinates. Per entry the operations are those of the scalar loop over c = 0, 1, …, so the
/// sums are the same bits. The leaf scans of the kd-tree and the nearest-point scans of Ward's chain.
@inline(__always)
func squaredDistancesToColumns(_ p: UnsafePointer<Double>, _ table: UnsafePointer<Double>, stride n: Int,
                               dimension d: Int, _ range: Range<Int>, into out: UnsafeMutablePointer<Double>) {
    typealias V = SIMD8<Double>
    var t0 = range.lowerBound
    while t0 + 32 <= range.upperBound {  // four independent sums hide the addition latency
        let x = table + t0
        var a0 = V.zero, a1 = V.zero, a2 = V.zero, a3 = V.zero
        for c in 0..<d {
            let row = UnsafeRawPointer(x + c * n), pc = V(repeating: p[c])
            let z0 = pc - row.loadUnaligned(as: V.self), z1 = pc - row.loadUnaligned(fromByteOffset: 64, as: V.self)
            let z2 = pc - row.loadUnaligned(fromByteOffset: 128, as: V.self), z3 = pc - row.loadUnaligned(fromByteOffset: 192, as: V.self)
            a0 += z0 * z0; a1 += z1 * z1; a2 += z2 * z2; a3 += z3 * z3  // 0 + z² = z² exactly
        }
        let o = UnsafeMutableRawPointer(out + t0)
        o.storeBytes(of: a0, as: V.self); o.storeBytes(of: a1, toByteOffset: 64, as: V.self)
        o.storeBytes(of: a2, toByteOffset: 128, as: V.self); o.storeBytes(of: a3, toByteOffset: 192, as: V.self)
        t0 += 32
    }
    while t0 + 16 <= range.upperBound {
        var z0 = V(repeating: p[0]) - UnsafeRawPointer(table + t0).loadUnaligned(as: V.self)
        var z1 = V(repeating: p[0]) - UnsafeRawPointer(table + t0 + 8).loadUnaligned(as: V.self)
        var a0 = z0 * z0, a1 = z1 * z1
        var c = 1
        while c < d {
            let row = table + c * n, pc = V(repeating: p[c])
            z0 = pc - UnsafeRawPointer(row + t0).loadUnaligned(as: V.self)
            z1 = pc - UnsafeRawPointer(row + t0 + 8).loadUnaligned(as: V.self)
            a0 += z0 * z0; a1 += z1 * z1
            c += 1
        }
        UnsafeMutableRawPointer(out + t0).storeBytes(of: a0, as: V.self)
        UnsafeMutableRawPointer(out + t0 + 8).storeBytes(of: a1, as: V.self)
        t0 += 16
    }
    if t0 + 8 <= range.upperBound {
        var z = V(repeating: p[0]) - UnsafeRawPointer(table + t0).loadUnaligned(as: V.self)
        var a = z * z
        var c = 1
        while c < d {
            z = V(repeating: p[c]) - UnsafeRawPointer(table + c * n + t0).loadUnaligned(as: V.self)
            a += z * z
            c += 1
        }
        UnsafeMutableRawPointer(out + t0).storeBytes(of: a, as: V.self)
        t0 += 8
    }
    for t in t0..<range.upperBound {
        var v = p[0] - table[t]
        var sum = v * v
        for c in 1..<Swift.max(1, d) { v = p[c] - table[c * n + t]; sum += v * v }
        out[t] = sum
    }
}

/// Exact k nearest other points of every point (self excluded, ties by lower index), by blocked
/// BLAS distances ‖x‖² + ‖y‖² − 2x·y. Returns n × k indices and squared distances (≥ 0).
func exactNeighbors(_ points: [Double], dimension d: Int, k: Int) -> (indices: [Int], squaredDistances: [Double]) {
    let n = points.count / d
    precondition(k >= 1 && k < n, "exactNeighbors: k = \(k) must lie in 1..<\(n)")
    var indices = [Int](repeating: 0, count: n * k)
    var dists = [Double](repeating: 0, count: n * k)
    points.withUnsafeBufferPointer { xb in
        let x = xb.baseAddress!
        let norms = rowSquaredNorms(x, rows: n, dimension: d)
        let blockRows = Swift.max(1, Swift.min(256, (1 << 22) / n))
        let blocks = (n + blockRows - 1) / blockRows
        indices.withUnsafeMutableBufferPointer { ib in
            dists.withUnsafeMutableBufferPointer { db in
                norms.withUnsafeBufferPointer { nb in
                let ip = ib.baseAddress!, dp = db.baseAddress!, nrm = nb.baseAddress!
                SerialBLAS.forRanges(blocks) { range in
                    var block = [Double](repeating: 0, count: blockRows * n)
                    var heapD = [Double](repeating: 0, count: k)
                    var heapI = [Int](repeating: 0, count: k)
                    for blk in range {
                        let r0 = blk * blockRows, rows = Swift.min(blockRows, n - r0)
                        block.withUnsafeMutableBufferPointer { bb in
                        heapD.withUnsafeMutableBufferPointer { hdb in
                        heapI.withUnsafeMutableBufferPointer { hib in
                            let g = bb.baseAddress!, hd = hdb.baseAddress!, hi = hib.baseAddress!
                            vssl_dgemm(false, true, Int32(rows), Int32(n), Int32(d), -2, x + r0 * d, Int32(d),
                                       x, Int32(d), 0, g, Int32(n))
                            for r in 0..<rows {
                                let i = r0 + r
                                let row = g + r * n, ni = nrm[i]
                                // sorted insertion list of the k best (distance, index); the scan
                                // only branches for candidates below the current k-th best
                                var count = 0, worst = Double.infinity
                                for j in 0..<n {
                                    var v = row[j] + ni + nrm[j]
                                    if v < 0 { v = 0 }
                                    if !(v < worst) || j == i { continue }
                                    var pos = count < k ? count : k - 1
                                    while pos > 0 && hd[pos - 1] > v {
                                        hd[pos] = hd[pos - 1]; hi[pos] = hi[pos - 1]; pos -= 1
                                    }
                                    hd[pos] = v; hi[pos] = j
                                    if count < k { count += 1 }
                                    if count == k { worst = hd[k - 1] }
                                }
                                for t in 0..<k { ip[i * k + t] = hi[t]; dp[i * k + t] = hd[t] }
                            }
                        }}}
                    }
                }
                }
            }
        }
    }
    return (indices, dists)
}
