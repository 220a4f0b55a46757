/// The one random generator of VolcanoSSL: xoshiro256** seeded through SplitMix64.
///
/// Every stochastic step (weight initialisation, augmentations, shuffling, the synthetic
/// volcano, UMAP's negative sampling, k-means++) draws from a `SeededGenerator`, so that
/// the same seed and thread count give bit-identical results. Parallel work derives one
/// independent stream per task with ``SeededGenerator/init(seed:stream:)`` rather than
/// sharing a generator between threads.
///
/// Reference: Blackman & Vigna, "Scrambled linear pseudorandom number generators" (2021).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    // Internal (not private) so that `next()` can be inlined into other modules' hot loops
    // (UMAP's negative sampling, dropout masks): an opaque call per draw made the caller spill
    // its vector registers around it.
    @usableFromInline var s0, s1, s2, s3: UInt64
    /// A second standard-normal draw kept from the last Box–Muller pair.
    private var spareGaussian: Double?

    /// A generator for `seed`; `stream` selects an independent sub-sequence
    /// (for example one per worker thread or per event).
    public init(seed: UInt64, stream: UInt64 = 0) {
        var sm = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        func next() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = next(); s1 = next(); s2 = next(); s3 = next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    @inlinable @inline(__always)
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The four state words, for code that steps several generators in the lanes of a vector
    /// (UMAP's negative sampling: ``SeededGenerator/_next(_:_:_:_:)`` is `next()` lane by lane).
    @inlinable public var _state: SIMD4<UInt64> {
        get { SIMD4(s0, s1, s2, s3) }
        set { s0 = newValue[0]; s1 = newValue[1]; s2 = newValue[2]; s3 = newValue[3] }
    }

    /// `next()` of eight generators whose state words are the lanes of `s0`…`s3`.
    @inlinable @inline(__always)
    public static func _next(_ s0: inout SIMD8<UInt64>, _ s1: inout SIMD8<UInt64>, _ s2: inout SIMD8<UInt64>,
                             _ s3: inout SIMD8<UInt64>) -> SIMD8<UInt64> {
        let x = s1 &* 5
        let result = ((x &<< 7) | (x &>> 57)) &* 9
        let t = s1 &<< 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 &<< 45) | (s3 &>> 19)
        return result
    }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [0, 1) with 24 random bits.
    @inlinable
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1.0p-24
    }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * nextDouble()
    }

    /// Uniform integer in 0..<n (Lemire's unbiased method via the standard library).
    public mutating func nextInt(below n: Int) -> Int {
        precondition(n > 0, "SeededGenerator.nextInt(below:): n must be positive, got \(n)")
        return Int.random(in: 0..<n, using: &self)
    }

    /// Standard normal draw (Box–Muller, both values used).
    public mutating func nextGaussian() -> Double {
        if let g = spareGaussian {
            spareGaussian = nil
            return g
        }
        var u1 = nextDouble()
        while u1 <= .leastNormalMagnitude { u1 = nextDouble() }
        let u2 = nextDouble()
        let r = (-2 * _log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        spareGaussian = r * _sin(theta)
        return r * _cos(theta)
    }

    /// Normal draw with the given mean and standard deviation.
    public mutating func gaussian(mean: Double = 0, std: Double = 1) -> Double {
        mean + std * nextGaussian()
    }

    /// A random permutation of 0..<n (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) {
                let j = nextInt(below: i + 1)
                p.swapAt(i, j)
            }
        }
        return p
    }
}

