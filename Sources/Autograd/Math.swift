// Scalar libm functions (`_exp`, `_log`, `_tanh`, `_erf`) come from VolcanoCore's LibM.swift.

/// Σ p[0..<count] with eight SIMD lanes of partial sums (a fixed order, so reproducible;
/// vectorises where a single running sum cannot).
@inline(__always)
func sumOfElements(_ p: UnsafePointer<Float>, count: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= count {
        acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
        i += 8
    }
    var s = acc.sum()
    while i < count { s += p[i]; i += 1 }
    return s
}
