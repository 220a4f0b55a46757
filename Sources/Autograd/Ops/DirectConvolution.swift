import Synchronization
import VolcanoCore

/// Stride-1 convolution computed straight from the input rows, with no im2col matrix: the
/// kernel for encoders with short kernels and few channels (the Etna preset), where im2col and
/// the packing BLAS does on top of it moved more memory than the products needed.
///
/// A chunk of `nb` samples is laid out channel by channel as one long row, each sample's values
/// after `Z` zeros: `xcat[ci, Z + j·S + s] = x[b0 + j, ci, s]`, `S = L + Z`, with `Z` the larger
/// padding (the zeros after one sample serve as the padding before the next), rounded up so that
/// `S` is a multiple of `2^levels`. Output `t` of
/// sample `j` is the sliding dot product at position `q = j·S + t` of the row read from its
/// `Z − pl`-th entry: `out[co, q] = Σ_ci Σ_k W[co, ci, k] · xcat[ci, Z − pl + q + k]`. The
/// positions between samples (`S − L'` per sample) are computed and dropped. The inner kernel
/// keeps a block of output channels × positions in accumulators (8 × 48 with AVX-512's 32
/// registers of 16 floats, 4 × 24 with AVX2's 16 of 8); each tap loads three vectors of the row
/// and broadcasts one weight per channel (the weights of 8 channels stored side by side), all
/// fused multiply-adds. With 8 or more inputs and an even kernel these sums are first split by
/// the fast FIR algorithm (``convolve(_:rowStride:positions:weights:taps:levels:out:outStride:scratch:bias:)``:
/// 9/16 of the multiply-adds for 8 taps). The input gradient of a stride-1 convolution is the
/// same kernel on the output gradient with the flipped, transposed weights. The weight gradient
/// sums, over the positions of the output-gradient rows (laid out as the outputs), each
/// position's gradient times the 8 row entries it met: a vector over 8 taps per input row and
/// output channel, 2 rows × 6 channels at a time (no transposes, no shuffles, no horizontal
/// sums); below a max pooling, over the non-zero entries only.
///
/// Sums run in the same order for every position (the split's path depends only on the position
/// modulo `2^levels`, the same for every sample), so outputs and input gradients do not depend
/// on the chunking or the thread count (the weight gradient adds the chunks, and the workers'
/// partial sums, in order).
struct DirectConvolution {
    let cin, cout, kernel, length, padLeft, outLength: Int
    /// Zeros before each sample in the row: enough for the padding on either side, and for the
    /// outputs of one sample (`L' = L + pl + pr − K + 1`) to end before the next one's start;
    /// then more, up to a sample stride that is a multiple of `2^levels`, so that each output goes
    /// through the same pieces of the split (and has the same bits) wherever its sample lies.
    var gap: Int {
        let pr = outLength + kernel - 1 - length - padLeft
        let least = Swift.max(0, padLeft, pr, padLeft + pr - (kernel - 1)), multiple = 1 << levels
        return (length + least + multiple - 1) / multiple * multiple - length
    }
    /// Positions from one sample to the next in the row.
    var sampleStride: Int { length + gap }

    /// Halvings of the kernel by the fast FIR split (see ``convolve(_:rowStride:positions:weights:taps:levels:out:outStride:scratch:bias:)``):
    /// 2 for kernels of 8, 12, 16… taps (9 products of a quarter of the taps on a quarter of the
    /// positions: 9/16 of the multiply-adds), 1 for 4, 6, 10… (3/4), 0 for odd kernels — and 0
    /// with fewer than 8 inputs, where the multiply-adds saved per output (3.5 per input for 8
    /// taps) cost less than splitting the rows and recombining the outputs (Etna's first block).
    var levels: Int { Self.levels(kernel, inputs: cin) }
    static func levels(_ K: Int, inputs: Int) -> Int {
        inputs < 8 ? 0 : K % 4 == 0 && K >= 8 ? 2 : K % 2 == 0 && K >= 4 ? 1 : 0
    }

    /// The weights as the kernels read them. The kernel `W [outputs, inputs, K]` is first split
    /// `levels` times into its even taps `H₀`, odd taps `H₁` and their sum `H₀ + H₁` (depth first),
    /// then each piece is stored for the register blocks: for each block of 8 outputs, the taps
    /// `(input, k)` in order with the block's 8 weights side by side (one 32-byte line per tap, the
    /// block's few KB staying in L1 while it sweeps the positions), then each remaining output's
    /// taps. From `W [C_out, C_in, K]`; with `transposedFlipped`, those of the input gradient
    /// (outputs `ci`, inputs `co`, tap `k` holding `W[co, ci, K−1−k]`).
    static func arrangedWeights(_ w: [Float], cout: Int, cin: Int, kernel K: Int, transposedFlipped: Bool) -> [Float] {
        let outputs = transposedFlipped ? cin : cout, inputs = transposedFlipped ? cout : cin, rows = outputs * inputs
        let levels = levels(K, inputs: inputs), leafTaps = K >> levels
        // the pieces of each level in `work`, one level after the other (level ℓ: 3^ℓ pieces of
        // K >> ℓ taps)
        var pieceCount = 1, workSize = w.count
        for level in 0..<levels { pieceCount *= 3; workSize += pieceCount * rows * (K >> (level + 1)) }
        let size = pieceCount * rows * leafTaps, full = outputs / 8 * 8, stride = inputs * leafTaps
        var work = [Float](repeating: 0, count: workSize)
        return [Float](unsafeUninitializedCapacity: size) { out, n in
            n = size
            work.withUnsafeMutableBufferPointer { work in
                var current = work.baseAddress!, next = current + w.count
                w.withUnsafeBufferPointer { w in
                    for o in 0..<outputs { for a in 0..<inputs { for k in 0..<K {
                        current[(o &* inputs &+ a) &* K &+ k] = transposedFlipped ? w[(a &* cin &+ o) &* K &+ (K &- 1 &- k)]
                            : w[(o &* cin &+ a) &* K &+ k]
                    } } }
                }
                var taps = K, pieces = 1
                for _ in 0..<levels {
                    let half = taps / 2
                    for piece in 0..<pieces {
                        let p = current + piece * rows * taps
                        let even = next + 3 * piece * rows * half, odd = even + rows * half, sum = odd + rows * half
                        for r in 0..<rows {
                            for j in 0..<half {
                                let e = p[r &* taps &+ 2 &* j], o = p[r &* taps &+ 2 &* j &+ 1]
                                even[r &* half &+ j] = e
                                odd[r &* half &+ j] = o
                                sum[r &* half &+ j] = e + o
                            }
                        }
                    }
                    current = next
                    next += 3 * pieces * rows * half
                    taps = half
                    pieces *= 3
                }
                for piece in 0..<pieceCount {
                    let p = current + piece * rows * leafTaps, d = out.baseAddress! + piece * rows * leafTaps
                    for o in 0..<outputs {
                        // groups of 8 outputs side by side at each tap; then each remaining output's taps
                        let (base, step) = o < full ? ((o &- o % 8) &* stride &+ o % 8, 8) : (full &* stride &+ (o &- full) &* stride, 1)
                        for t in 0..<stride { d[base &+ t &* step] = p[o &* stride &+ t] }
                    }
                }
            }
        }
    }

    /// ``arrangedWeights(_:cout:cin:kernel:transposedFlipped:)``, reusing the last arrangement of
    /// the same shape while the weights are the same bits (an encoder embedding batch after batch
    /// arranged the same weights for every piece of every batch: 4 % of the Etna embedding). The
    /// cache holds a reference to the weights it arranged, so an array that still shares that
    /// storage cannot have changed (copy-on-write); any other is compared byte for byte.
    static func arrangedWeightsReusing(_ w: [Float], cout: Int, cin: Int, kernel K: Int, transposedFlipped: Bool) -> [Float] {
        let key = ArrangementKey(cout: cout, cin: cin, kernel: K, transposedFlipped: transposedFlipped)
        if let hit = arrangements.withLock({ $0[key] }) {
            let same = hit.weights.withUnsafeBytes { a in
                w.withUnsafeBytes { b in a.count == b.count && (a.baseAddress == b.baseAddress || a.elementsEqual(b)) }
            }
            if same { return hit.arranged }
        }
        let arranged = arrangedWeights(w, cout: cout, cin: cin, kernel: K, transposedFlipped: transposedFlipped)
        arrangements.withLock { cache in
            if cache.count >= 32 { cache.removeAll() }
            cache[key] = (w, arranged)
        }
        return arranged
    }

    struct ArrangementKey: Hashable {
        let cout, cin, kernel: Int
        let transposedFlipped: Bool
    }
    private static let arrangements = Mutex<[ArrangementKey: (weights: [Float], arranged: [Float])]>([:])

    /// Samples per chunk: the rows and the outputs of a chunk within about 128 KB, give or take a
    /// quarter for the count that wastes the fewest positions in the kernels' whole vectors (Etna's
    /// third block: 19 samples, 84 % of the computed positions used, against 75 % for 17).
    func samplesPerChunk(upTo n: Int) -> Int {
        let fit = Swift.max(1, Swift.min(n, (1 << 15) / Swift.max((cin + cout) * sampleStride, 1)))
        guard fit < n else { return fit }
        // positions the kernels compute for nb samples: whole vectors at the split's deepest level
        func computed(_ nb: Int) -> Int {
            var h = usedPositions(nb)
            for _ in 0..<levels { h = h / 2 + 1 }
            return ((h + 15) / 16 * 16) << levels
        }
        // the largest count with the highest share of used positions (nb / computed, compared exactly)
        var best = fit
        for nb in Swift.max(1, fit * 3 / 4)...Swift.min(n, fit * 5 / 4) where nb * computed(best) >= best * computed(nb) {
            best = nb
        }
        return best
    }

    /// Floats of scratch a chunk of `nb` samples needs: (rows, outputs or output-gradient rows).
    func scratch(samples nb: Int) -> (row: Int, out: Int) {
        (cin * rowStride(nb), cout * roundedPositions(nb) + splitScratch(positions: usedPositions(nb), taps: kernel, levels: levels))
    }

    /// Floats between the rows of two input channels: every entry a kernel reads (`Z − pl` before
    /// the first position, then what the outputs read, and up to 7 more that the weight gradient's
    /// 8-tap vectors read past the last tap; the two-level split's 32-float loads read one).
    func rowStride(_ nb: Int) -> Int {
        let read = Swift.max(Self.readLength(positions: usedPositions(nb), taps: kernel, levels: levels), roundedPositions(nb) + kernel - 1)
        return (gap - padLeft + read + 7 + 15) / 16 * 16
    }

    /// Entries of each input row that ``convolve(_:rowStride:positions:weights:taps:levels:out:outStride:scratch:bias:)``
    /// reads for `n` outputs: the whole vectors of outputs plus `K − 1` without a split; with one,
    /// the `2c + 1` entries whose even, odd and summed halves give the `c` entries of each piece.
    static func readLength(positions n: Int, taps K: Int, levels: Int) -> Int {
        levels == 0 ? (n + 15) / 16 * 16 + K - 1 : 2 * readLength(positions: n / 2 + 1, taps: K / 2, levels: levels - 1) + 1
    }

    /// Floats of scratch the split needs below `n` outputs: one set of half rows at a time, the
    /// three half outputs, and what the next level needs.
    func splitScratch(positions n: Int, taps K: Int, levels: Int) -> Int {
        guard levels > 0 else { return 0 }
        let h = n / 2 + 1, c = Self.readLength(positions: h, taps: K / 2, levels: levels - 1)
        let nested = cin * ((c + 15) / 16 * 16) + 3 * cout * ((h + 15) / 16 * 16) + splitScratch(positions: h, taps: K / 2, levels: levels - 1)
        guard levels == 2 else { return nested }
        let q = quarterGeometry(positions: n, taps: K)
        return Swift.max(nested, q.scratch)
    }

    /// The layout of ``splitTwice(_:rowStride:positions:weights:taps:out:outStride:scratch:bias:)``
    /// for `n` outputs of `K` taps: leaves of `h` positions and `K/4` taps reading `c` entries of
    /// rows `rowStride` apart (nine sets of `cin` rows, `rowSet` apart), writing 8 channels'
    /// outputs `outStride` apart (nine sets, `outSet` apart), then three half-rate rows of
    /// `halfStride`; `scratch` floats in all. Each set is padded by one cache line: sets a
    /// multiple of 4 KB apart would map the nine streams to the same cache sets.
    func quarterGeometry(positions n: Int, taps K: Int)
        -> (h: Int, c: Int, rowStride: Int, outStride: Int, rowSet: Int, outSet: Int, halfStride: Int, scratch: Int) {
        let h = (n / 2 + 1) / 2 + 1, c = Self.readLength(positions: h, taps: K / 4, levels: 0)
        let rowStride = (c + 15) / 16 * 16, outStride = (h + 15) / 16 * 16, halfStride = (n / 2 + 1 + 15) / 16 * 16
        let rowSet = cin * rowStride + 16, outSet = 8 * outStride + 16
        return (h, c, rowStride, outStride, rowSet, outSet, halfStride, 9 * (rowSet + outSet) + 3 * halfStride)
    }

    /// Positions of the outputs of `nb` samples (those between samples included).
    func usedPositions(_ nb: Int) -> Int { (nb - 1) * sampleStride + outLength }

    /// Output positions computed for `nb` samples, rounded up to whole 16-float vectors.
    func roundedPositions(_ nb: Int) -> Int { (usedPositions(nb) + 15) / 16 * 16 }

    /// `y[b0 + j, co, t] = Σ W·x (+ bias[co])` for the samples `b0 ..< b0 + nb` of `x` (NCL).
    /// The padded rows are built in `row`, where ``addWeightGradient(_:_:b0:nb:into:row:gcat:rowsReady:sparse:)``
    /// can use them again.
    ///
    /// With `pool`, `y` receives each output row max-pooled (`[B, C_out, L_p]`) and `argmax` (when
    /// given) the positions of the maxima, as ``Tape/maxPool1d(_:kernel:stride:padding:relu:)``
    /// would from the outputs (the bias is added first, so that ties resolve as there); `scratch`
    /// from ``MaxPoolRows/allocateScratch(positions:)`` for `nb · sampleStride` positions.
    func run(_ x: UnsafePointer<Float>, b0: Int, nb: Int, weights wT: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
             into y: UnsafeMutablePointer<Float>, row: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
             pool: (rows: MaxPoolRows, argmax: UnsafeMutablePointer<Int32>?, scratch: UnsafeMutableRawPointer)? = nil) {
        let S = sampleStride, P = roundedPositions(nb)
        let rowStride = fillRows(x, b0: b0, nb: nb, row: row)
        // (the split adds the bias as it recombines the outputs)
        let bias = convolve(row + gap - padLeft, rowStride: rowStride, positions: usedPositions(nb), weights: wT, taps: kernel,
                            levels: levels, out: out, outStride: P, scratch: out + cout * P, bias: bias) ? nil : bias
        if let pool {
            // each channel's run of nb samples at once (the positions between them included)
            let lp = pool.rows.outLength, used = usedPositions(nb)
            for c in 0..<cout {
                let src = out + c * P, at = (b0 * cout + c) * lp
                if let bias { addScalar(bias[c], to: src, count: used) }
                pool.rows.forward(samples: nb, src, sampleStride: S, into: y + at, outputStride: cout * lp,
                                  argmax: pool.argmax.map { $0 + at }, scratch: pool.scratch)
            }
            return
        }
        // keep the outputs of each sample, dropping the positions between samples
        for j in 0..<nb {
            for c in 0..<cout {
                let s = out + c * P + j * S, d = y + ((b0 + j) * cout + c) * outLength
                if let bias {
                    let add = bias[c]
                    for t in 0..<outLength { d[t] = s[t] + add }
                } else {
                    copyFloats(d, s, count: outLength)
                }
            }
        }
    }

    /// `out[o·outStride + q] = Σ_i Σ_k W[o, i, k] · x[i·rowStride + q + k]` for `q < n` (and up to the
    /// next whole vector), `W` being `weights` as ``arrangedWeights(_:cout:cin:kernel:transposedFlipped:)``
    /// stores them.
    ///
    /// With `levels > 0`, the fast FIR split (Mou & Duhamel 1991; Parhi, *VLSI Digital Signal
    /// Processing Systems*, §9.2 — Karatsuba's trick on the taps): with the even and odd entries of
    /// the rows `X₀[m] = x[2m]`, `X₁[m] = x[2m + 1]` and the even and odd taps `H₀`, `H₁`,
    /// `P = H₀ ⋆ X₀`, `Q = H₁ ⋆ X₁` and `R = (H₀ + H₁) ⋆ (X₁ + X₀[· + 1])` give
    /// `out[2m] = P[m] + Q[m]` and `out[2m + 1] = R[m] − P[m + 1] − Q[m]`: three convolutions of
    /// half the taps on half the positions instead of one (3/4 of the multiply-adds; each of them
    /// split again at the next level). Only sums and differences are added, so the rounding stays
    /// that of a direct sum to within a few units in the last place.
    /// With `bias`, the recombination of a split adds `bias[o]` to each output (the same bits as
    /// adding it afterwards); returns whether it did. `_onePass: false` runs two split levels nested
    /// (tests compare it with ``splitTwice(_:rowStride:positions:weights:taps:out:outStride:scratch:bias:)``).
    @discardableResult
    func convolve(_ x: UnsafePointer<Float>, rowStride: Int, positions n: Int, weights w: UnsafePointer<Float>, taps K: Int,
                  levels: Int, out: UnsafeMutablePointer<Float>, outStride: Int, scratch: UnsafeMutablePointer<Float>,
                  bias: UnsafePointer<Float>? = nil, _onePass: Bool = true) -> Bool {
        guard levels > 0 else {
            leaf(x, rowStride: rowStride, positions: (n + 15) / 16 * 16, weights: w, taps: K, out: out, outStride: outStride)
            return false
        }
        if levels == 2 && n >= 32 && _onePass {
            splitTwice(x, rowStride: rowStride, positions: n, weights: w, taps: K, out: out, outStride: outStride,
                       scratch: scratch, bias: bias)
            return bias != nil
        }
        let h = n / 2 + 1, half = K / 2
        let c = Self.readLength(positions: h, taps: half, levels: levels - 1)
        let childStride = (c + 15) / 16 * 16, childOut = (h + 15) / 16 * 16
        let rows = scratch, outs = scratch + cin * childStride, deeper = outs + 3 * cout * childOut
        var pieceWeights = cout * cin * (K >> levels)
        for _ in 1..<levels { pieceWeights *= 3 }
        typealias E = SIMD8<Float>
        typealias D = SIMD16<Float>
        // (c ≥ 8 always: the leaf reads a whole vector of positions; the last vector of each row
        // overlaps the one before it instead of a scalar tail; nothing past c is read below)
        for piece in 0..<3 {
            // (one loop per piece: the piece is a constant inside it)
            @inline(__always) func split(_ half: (_ src: UnsafePointer<Float>, _ m: Int) -> E) {
                for i in 0..<cin {
                    let src = x + i * rowStride, dst = rows + i * childStride
                    var m = 0
                    while m &+ 8 <= c { half(src, m).store(dst + m); m &+= 8 }
                    if m < c { half(src, c &- 8).store(dst + (c &- 8)) }
                }
            }
            switch piece {
            case 0: split { src, m in D.load(src + 2 &* m).evenHalf }
            case 1: split { src, m in D.load(src + 2 &* m).oddHalf }
            default: split { src, m in D.load(src + 2 &* m).oddHalf + D.load(src + (2 &* m &+ 2)).evenHalf }
            }
            convolve(rows, rowStride: childStride, positions: h, weights: w + piece * pieceWeights, taps: half,
                     levels: levels - 1, out: outs + piece * cout * childOut, outStride: childOut, scratch: deeper)
        }
        for o in 0..<cout {
            Self.recombine(outs + o * childOut, outs + (cout + o) * childOut, outs + (2 * cout + o) * childOut, positions: n,
                           into: out + o * outStride, bias: bias?[o])
        }
        return bias != nil
    }

    /// One output row of a split from its three half-rate pieces: `d[2m] = P[m] + Q[m]`,
    /// `d[2m + 1] = R[m] − P[m + 1] − Q[m]` (+ `bias`) for the `n` outputs, 8 pairs at a time (the
    /// last 8 overlapping the ones before).
    @inline(__always)
    static func recombine(_ p: UnsafePointer<Float>, _ q: UnsafePointer<Float>, _ r: UnsafePointer<Float>, positions n: Int,
                          into d: UnsafeMutablePointer<Float>, bias: Float?) {
        typealias E = SIMD8<Float>
        typealias D = SIMD16<Float>
        let pairs = n / 2, pairEnd = pairs / 8 * 8
        @inline(__always) func run(_ withBias: Bool) {
            let b = bias ?? 0, bv = E(repeating: b)
            @inline(__always) func pairsAt(_ m: Int) {
                let pm = E.load(p + m), qm = E.load(q + m)
                var v = D()
                v.evenHalf = withBias ? pm + qm + bv : pm + qm
                v.oddHalf = withBias ? E.load(r + m) - E.load(p + (m &+ 1)) - qm + bv : E.load(r + m) - E.load(p + (m &+ 1)) - qm
                v.store(d + 2 &* m)
            }
            var m = 0
            while m < pairEnd { pairsAt(m); m &+= 8 }
            if pairs >= 8 {
                if m < pairs { pairsAt(pairs &- 8) }
            } else {
                while m < pairs {
                    d[2 &* m] = withBias ? p[m] + q[m] + b : p[m] + q[m]
                    d[2 &* m &+ 1] = withBias ? r[m] - p[m &+ 1] - q[m] + b : r[m] - p[m &+ 1] - q[m]
                    m &+= 1
                }
            }
            if n % 2 == 1 { d[n - 1] = withBias ? p[pairs] + q[pairs] + b : p[pairs] + q[pairs] }
        }
        if bias != nil { run(true) } else { run(false) }
    }

    /// Two levels of the split of ``convolve(_:rowStride:positions:weights:taps:levels:out:outStride:scratch:bias:)``
    /// with less traffic: the nine quarter-rate rows in one pass straight from the four phases
    /// `x[4m + r]` of each input row (no half-rate rows in between), and the outputs 8 channels
    /// at a time, recombined through their half-rate outputs while the nine leaf outputs are in
    /// the L1 cache. Every value is the same sum, in the same order, as through the two nested
    /// levels (the same bits). With the half-rate pieces
    /// `A ∈ {even, odd, sum}` split again into `B`, the rows are
    /// `(A, B) = (0, 0): x[4m]`, `(0, 1): x[4m+2]`, `(0, 2): x[4m+2] + x[4m+4]`, `(1, 0): x[4m+1]`,
    /// `(1, 1): x[4m+3]`, `(1, 2): x[4m+3] + x[4m+5]`, `(2, 0): x[4m+1] + x[4m+2]`,
    /// `(2, 1): x[4m+3] + x[4m+4]`, `(2, 2): (x[4m+3] + x[4m+4]) + (x[4m+5] + x[4m+6])`.
    /// Needs `n ≥ 32` (whole vectors of 8 quarter positions) and one readable float past each
    /// row's `readLength` (dropped).
    private func splitTwice(_ x: UnsafePointer<Float>, rowStride: Int, positions n: Int, weights w: UnsafePointer<Float>, taps K: Int,
                            out: UnsafeMutablePointer<Float>, outStride: Int, scratch: UnsafeMutablePointer<Float>,
                            bias: UnsafePointer<Float>?) {
        typealias Q = SIMD32<Float>
        let g = quarterGeometry(positions: n, taps: K)
        let rowSet = g.rowSet, outSet = g.outSet
        let rows = scratch, outs = scratch + 9 * rowSet
        // the nine row sets, 8 quarter positions at a time (the last 8 overlapping)
        for i in 0..<cin {
            let src = x + i * rowStride, dst = rows + i * g.rowStride
            @inline(__always) func at(_ m: Int) {
                let here = UnsafeRawPointer(src + 4 &* m).loadUnaligned(as: Q.self)
                let next = UnsafeRawPointer(src + (4 &* m &+ 4)).loadUnaligned(as: Q.self)
                let e = here.evenHalf, o = here.oddHalf, en = next.evenHalf, on = next.oddHalf
                let q0 = e.evenHalf, q2 = e.oddHalf, q1 = o.evenHalf, q3 = o.oddHalf
                let q0n = en.evenHalf, q2n = en.oddHalf, q1n = on.evenHalf
                let s34 = q3 + q0n
                q0.store(dst + m)
                q2.store(dst + (rowSet &+ m))
                (q2 + q0n).store(dst + (2 &* rowSet &+ m))
                q1.store(dst + (3 &* rowSet &+ m))
                q3.store(dst + (4 &* rowSet &+ m))
                (q3 + q1n).store(dst + (5 &* rowSet &+ m))
                (q1 + q2).store(dst + (6 &* rowSet &+ m))
                s34.store(dst + (7 &* rowSet &+ m))
                (s34 + (q1n + q2n)).store(dst + (8 &* rowSet &+ m))
            }
            var m = 0
            while m &+ 8 <= g.c { at(m); m &+= 8 }
            if m < g.c { at(g.c &- 8) }
        }
        // Eight output channels at a time: their nine leaf outputs (27 KB for 96 positions) are
        // recombined while they are still in the L1 cache.
        let positions = (g.h + 15) / 16 * 16, leafWeights = cout * cin * (K / 4), channelWeights = cin * (K / 4)
        // then, as the nested levels: the half-rate outputs u_A (h₁ positions) of each channel from
        // its leaves, and the outputs from those
        let h1 = n / 2 + 1, half = g.halfStride, u = outs + 9 * outSet
        var co = 0
        while co < cout {
            let channels = co..<Swift.min(co + 8, cout)
            for piece in 0..<9 {
                leaf(rows + piece * rowSet, rowStride: g.rowStride, positions: positions,
                     weights: w + piece * leafWeights + co * channelWeights, taps: K / 4,
                     out: outs + piece * outSet, outStride: g.outStride, outputs: channels.count)
            }
            for o in channels {
                let leaves = outs + (o - co) * g.outStride
                for a in 0..<3 {
                    let p = leaves + 3 * a * outSet
                    Self.recombine(p, p + outSet, p + 2 * outSet, positions: h1, into: u + a * half, bias: nil)
                }
                Self.recombine(u, u + half, u + 2 * half, positions: n, into: out + o * outStride, bias: bias?[o])
            }
            co += 8
        }
    }

    /// The direct sums of ``convolve(_:rowStride:positions:weights:taps:levels:out:outStride:scratch:bias:)``
    /// over `P` positions (a whole number of 16-float vectors).
    /// `outputs`: the first `outputs` channels of those `weights` hold (all of them by default).
    func leaf(_ first: UnsafePointer<Float>, rowStride: Int, positions P: Int, weights wT: UnsafePointer<Float>, taps K: Int,
              out: UnsafeMutablePointer<Float>, outStride: Int, outputs: Int? = nil) {
        let taps = cin * K, cout = outputs ?? self.cout
        // K as a constant for the common kernel sizes, so that the tap loop unrolls
        @inline(__always) func blocks(_ K: Int) {
            let W = V.scalarCount
            var co = 0
            while co + 8 <= cout {
                let wb = wT + co * taps
                // the group's 8 channels in sub-blocks of blockChannels, each sweeping the positions
                // three vectors at a time
                var c = 0
                while c < 8 {
                    let o = out + (co + c) * outStride
                    var p = 0
                    while p < P {
                        let nv = Swift.min(3, (P - p) / W)
                        switch nv {
                        case 3: Self.block(vectors: 3, first + p, rowStride: rowStride, weights: wb + c, cin: cin, kernel: K,
                                           out: o + p, outStride: outStride)
                        case 2: Self.block(vectors: 2, first + p, rowStride: rowStride, weights: wb + c, cin: cin, kernel: K,
                                           out: o + p, outStride: outStride)
                        default: Self.block(vectors: 1, first + p, rowStride: rowStride, weights: wb + c, cin: cin, kernel: K,
                                            out: o + p, outStride: outStride)
                        }
                        p += nv * W
                    }
                    c += Self.blockChannels
                }
                co += 8
            }
        }
        switch K {
        case 8: blocks(8)
        case 5: blocks(5)
        case 4: blocks(4)
        case 3: blocks(3)
        case 2: blocks(2)
        default: blocks(K)
        }
        var co = cout / 8 * 8
        while co < cout {
            Self.singleChannel(first, positions: P, rowStride: rowStride, weights: wT + co * taps, cin: cin, kernel: K,
                               out: out + co * outStride)
            co += 1
        }
    }

    /// Adds the weight gradient of the samples `b0 ..< b0 + nb` to `dw` (`[C_out, C_in, K]`):
    /// `dW[co, ci, k] += Σ_q gcat[co, q] · xcat[ci, Z − pl + q + k]`, with `gcat` the output
    /// gradient laid out as the outputs of ``run(_:b0:nb:weights:bias:into:row:out:)`` (zeros
    /// between samples). `rowsReady`: `row` still holds the rows the forward pass built for these
    /// samples.
    ///
    /// With `sparse` (an output gradient mostly zeros, as below a max pooling: one entry in three
    /// at most, fewer after a ReLU), only the non-zero entries are visited: for each output
    /// channel, each entry's value times the 8 row entries it met, added into a vector over 8 taps
    /// per input row (16 rows at a time with AVX-512's 32 registers, 12 with AVX2's 16); the
    /// multiply-adds drop with the density.
    func addWeightGradient(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, b0: Int, nb: Int,
                           into dw: UnsafeMutablePointer<Float>, row: UnsafeMutablePointer<Float>,
                           gcat: UnsafeMutablePointer<Float>, rowsReady: Bool, sparse: Bool = false,
                           pooled: PooledGradient? = nil) {
        let S = sampleStride, P = roundedPositions(nb), K = kernel
        let rowStride = rowsReady ? rowStride(nb) : fillRows(x, b0: b0, nb: nb, row: row)
        if sparse {
            addSparseWeightGradient(g, b0: b0, nb: nb, into: dw, first: row + gap - padLeft, rowStride: rowStride, scratch: gcat,
                                    pooled: pooled)
            return
        }
        for co in 0..<cout {
            let dst = gcat + co * P
            for j in 0..<nb {
                let d = dst + j * S
                copyFloats(d, g + ((b0 + j) * cout + co) * outLength, count: outLength)
                fillZeros(d + outLength, count: (j < nb - 1 ? S : P - j * S) - outLength)
            }
        }
        let first = UnsafePointer(row + gap - padLeft), used = usedPositions(nb)
        var ci = 0
        while ci < cin {
            let rows = Swift.min(2, cin - ci)
            var co = 0
            while co < cout {
                let left = cout - co, channels = left >= 6 ? 6 : left >= 4 ? 4 : left
                var k = 0
                while k < K {
                    let xr = first + ci * rowStride + k, gr = UnsafePointer(gcat + co * P)
                    let d = dw + (co * cin + ci) * K + k, taps = Swift.min(8, K - k)
                    // rows and channels as constants: the unused accumulators vanish
                    @inline(__always) func run(_ r: Int, _ c: Int) {
                        Self.gradientBlock(rows: r, channels: c, taps: taps, xr, rowStride: rowStride, gr, positions: used, gStride: P,
                                           dw: d, rowStep: K, channelStride: cin * K)
                    }
                    @inline(__always) func run(_ r: Int) {
                        switch channels {
                        case 6: run(r, 6)
                        case 4: run(r, 4)
                        case 3: run(r, 3)
                        case 2: run(r, 2)
                        default: run(r, 1)
                        }
                    }
                    if rows == 2 { run(2) } else { run(1) }
                    k += 8
                }
                co += channels
            }
            ci += rows
        }
    }

    /// The gradient below a max pooling with disjoint windows (stride ≥ kernel), as the pooling
    /// saw it: the pooled outputs' gradient and values and the positions of the windows' maxima
    /// (`[B, C_out, L_p]` each). The convolution outputs' gradient is zero except at those
    /// maxima (with ReLU, only where the pooled output is positive).
    struct PooledGradient {
        let gradient, output: UnsafePointer<Float>
        let argmax: UnsafePointer<Int32>
        let outLength: Int
        let relu: Bool
    }

    #if VSSL_BUILT_FOR_AVX512
    static let sparseRows = 16
    #else
    static let sparseRows = 12
    #endif

    /// The `sparse` path of ``addWeightGradient(_:_:b0:nb:into:row:gcat:rowsReady:sparse:)``;
    /// `scratch` holds a channel's non-zero entries (2 · nb · L' floats).
    func addSparseWeightGradient(_ g: UnsafePointer<Float>, b0: Int, nb: Int, into dw: UnsafeMutablePointer<Float>,
                                 first: UnsafeMutablePointer<Float>, rowStride: Int, scratch: UnsafeMutablePointer<Float>,
                                 pooled: PooledGradient? = nil) {
        typealias T = SIMD8<Float>
        let S = sampleStride, K = kernel, L = outLength
        let values = scratch, positions = UnsafeMutableRawPointer(scratch + nb * L).assumingMemoryBound(to: Int32.self)
        for co in 0..<cout {
            // the channel's non-zero entries, in position order (no branches: every entry is
            // written, the count moves on past the non-zero ones)
            var count = 0
            if let pooled {
                // below disjoint pooling windows: only the windows' maxima can be non-zero, in
                // window order (a third of the entries to look at for Etna's pools; the same list)
                let lp = pooled.outLength
                for j in 0..<nb {
                    let at = ((b0 + j) * cout + co) * lp, q = Int32(truncatingIfNeeded: j &* S)
                    let gp = pooled.gradient + at, yp = pooled.output + at, ap = pooled.argmax + at
                    for t in 0..<lp {
                        let v: Float = pooled.relu && !(yp[t] > 0) ? 0 : gp[t]
                        values[count] = v
                        positions[count] = q &+ ap[t]
                        count &+= v != 0 ? 1 : 0
                    }
                }
            } else {
                for j in 0..<nb {
                    var src = g + ((b0 + j) * cout + co) * L
                    var q = Int32(truncatingIfNeeded: j &* S)
                    for _ in 0..<L {
                        let v = src.pointee
                        values[count] = v
                        positions[count] = q
                        count &+= v != 0 ? 1 : 0
                        src += 1
                        q &+= 1
                    }
                }
            }
            if count == 0 { continue }
            var k0 = 0
            while k0 < K {
                let taps = Swift.min(8, K - k0)
                var ci = 0
                while ci < cin {
                    let rows = Swift.min(Self.sparseRows, cin - ci)
                    let x = UnsafePointer(first + ci * rowStride + k0)
                    let d = dw + (co * cin + ci) * K + k0
                    @inline(__always) func block(_ nr: Int) {
                        var a = (T(), T(), T(), T(), T(), T(), T(), T(), T(), T(), T(), T(), T(), T(), T(), T())
                        for e in 0..<count {
                            let v = T(repeating: values[e]), xp = x + Int(positions[e])
                            @inline(__always) func fma(_ r: Int, _ acc: inout T) {
                                if r < nr { acc = acc.addingProduct(T.load(xp + r * rowStride), v) }
                            }
                            fma(0, &a.0); fma(1, &a.1); fma(2, &a.2); fma(3, &a.3)
                            fma(4, &a.4); fma(5, &a.5); fma(6, &a.6); fma(7, &a.7)
                            fma(8, &a.8); fma(9, &a.9); fma(10, &a.10); fma(11, &a.11)
                            fma(12, &a.12); fma(13, &a.13); fma(14, &a.14); fma(15, &a.15)
                        }
                        @inline(__always) func add(_ r: Int, _ acc: T) {
                            guard r < nr else { return }
                            let o = d + r * K
                            if taps == 8 { (T.load(o) + acc).store(o) } else { for k in 0..<taps { o[k] += acc[k] } }
                        }
                        add(0, a.0); add(1, a.1); add(2, a.2); add(3, a.3); add(4, a.4); add(5, a.5); add(6, a.6); add(7, a.7)
                        add(8, a.8); add(9, a.9); add(10, a.10); add(11, a.11); add(12, a.12); add(13, a.13); add(14, a.14); add(15, a.15)
                    }
                    switch rows {
                    case Self.sparseRows: block(Self.sparseRows)
                    case 8: block(8)
                    case 4: block(4)
                    default: block(rows)
                    }
                    ci += rows
                }
                k0 += 8
            }
        }
    }

    /// `dw[r·rowStep + c·channelStride + k] += Σ_q g[c·gStride + q] · x[r·rowStride + q + k]` for
    /// `rows` (≤ 2) input rows, `channels` (≤ 6) rows of `g` and the taps `k < taps` (≤ 8): a
    /// vector over 8 taps per row and channel, each position loading each row once
    /// (`x[q ..< q + 8]`) and broadcasting each channel's gradient to both rows.
    @inline(__always)
    static func gradientBlock(rows nr: Int, channels nc: Int, taps: Int, _ x: UnsafePointer<Float>, rowStride: Int,
                              _ g: UnsafePointer<Float>, positions: Int, gStride: Int, dw: UnsafeMutablePointer<Float>,
                              rowStep: Int, channelStride: Int) {
        typealias T = SIMD8<Float>
        var a0 = T(), a1 = T(), a2 = T(), a3 = T(), a4 = T(), a5 = T()
        var b0 = T(), b1 = T(), b2 = T(), b3 = T(), b4 = T(), b5 = T()
        var xp = x, gp = g
        for _ in 0..<positions {
            let x0 = T.load(xp), x1 = nr > 1 ? T.load(xp + rowStride) : T()
            @inline(__always) func channel(_ c: Int, _ a: inout T, _ b: inout T) {
                guard c < nc else { return }
                let gv = T(repeating: gp[c * gStride])
                a = a.addingProduct(x0, gv)
                if nr > 1 { b = b.addingProduct(x1, gv) }
            }
            channel(0, &a0, &b0); channel(1, &a1, &b1); channel(2, &a2, &b2)
            channel(3, &a3, &b3); channel(4, &a4, &b4); channel(5, &a5, &b5)
            xp += 1
            gp += 1
        }
        @inline(__always) func add(_ c: Int, _ a: T, _ b: T) {
            guard c < nc else { return }
            @inline(__always) func add(_ v: T, _ d: UnsafeMutablePointer<Float>) {
                if taps == 8 {
                    (T.load(d) + v).store(d)
                } else {
                    for k in 0..<taps { d[k] += v[k] }
                }
            }
            add(a, dw + c * channelStride)
            if nr > 1 { add(b, dw + c * channelStride + rowStep) }
        }
        add(0, a0, b0); add(1, a1, b1); add(2, a2, b2); add(3, a3, b3); add(4, a4, b4); add(5, a5, b5)
    }

    /// The rows of the samples `b0 ..< b0 + nb` (see the type's description); returns the row
    /// stride.
    @discardableResult
    func fillRows(_ x: UnsafePointer<Float>, b0: Int, nb: Int, row: UnsafeMutablePointer<Float>) -> Int {
        let S = sampleStride, Z = gap, rowStride = rowStride(nb)
        for ci in 0..<cin {
            let r = row + ci * rowStride
            var filled = 0   // zeros before each sample, its values, zeros after the last
            for j in 0..<nb {
                let at = Z + j * S
                fillZeros(r + filled, count: at - filled)
                copyFloats(r + at, x + ((b0 + j) * cin + ci) * length, count: length)
                filled = at + length
            }
            fillZeros(r + filled, count: rowStride - filled)
        }
        return rowStride
    }

    #if VSSL_BUILT_FOR_AVX512
    /// 32 registers of 16 floats: forward blocks of 8 channels × 48 positions (24 accumulators).
    typealias V = SIMD16<Float>
    static let blockChannels = 8
    #else
    /// 16 registers of 8 floats (AVX2; NEON's 32 of 4 hold as much): forward blocks of 4 channels ×
    /// 24 positions (12 accumulators, 3 row loads and 4 broadcasts per tap). Larger blocks spill
    /// the accumulators to the stack.
    typealias V = SIMD8<Float>
    static let blockChannels = 4
    #endif

    /// `blockChannels` output channels (of a group of 8 whose weights lie side by side) ×
    /// `vectors` (≤ 3) vectors of positions: each tap loads the row once per vector and broadcasts
    /// each channel's weight to feed `vectors` fused multiply-adds.
    @inline(__always)
    static func block(vectors nv: Int, _ x: UnsafePointer<Float>, rowStride: Int, weights w: UnsafePointer<Float>,
                      cin: Int, kernel K: Int, out: UnsafeMutablePointer<Float>, outStride: Int) {
        let cb = blockChannels, W = V.scalarCount
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
        var b0 = V(), b1 = V(), b2 = V(), b3 = V(), b4 = V(), b5 = V(), b6 = V(), b7 = V()
        var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V(), c6 = V(), c7 = V()
        var xr = x, wk = w
        for _ in 0..<cin {
            for k in 0..<K {
                let x0 = V.load(xr + k), x1 = nv > 1 ? V.load(xr + k + W) : V(), x2 = nv > 2 ? V.load(xr + k + 2 * W) : V()
                // channels and vectors are constants here: the unused accumulators vanish
                @inline(__always) func row(_ c: Int, _ a: inout V, _ b: inout V, _ d: inout V) {
                    guard c < cb else { return }
                    let wv = V(repeating: wk[c])
                    a = a.addingProduct(x0, wv)
                    if nv > 1 { b = b.addingProduct(x1, wv) }
                    if nv > 2 { d = d.addingProduct(x2, wv) }
                }
                row(0, &a0, &b0, &c0); row(1, &a1, &b1, &c1); row(2, &a2, &b2, &c2); row(3, &a3, &b3, &c3)
                row(4, &a4, &b4, &c4); row(5, &a5, &b5, &c5); row(6, &a6, &b6, &c6); row(7, &a7, &b7, &c7)
                wk += 8
            }
            xr += rowStride
        }
        @inline(__always) func put(_ c: Int, _ a: V, _ b: V, _ d: V) {
            guard c < cb else { return }
            let o = out + c * outStride
            a.store(o)
            if nv > 1 { b.store(o + W) }
            if nv > 2 { d.store(o + 2 * W) }
        }
        put(0, a0, b0, c0); put(1, a1, b1, c1); put(2, a2, b2, c2); put(3, a3, b3, c3)
        put(4, a4, b4, c4); put(5, a5, b5, c5); put(6, a6, b6, c6); put(7, a7, b7, c7)
    }

    /// One output channel over all positions (channel counts that are not a multiple of 8).
    static func singleChannel(_ x: UnsafePointer<Float>, positions P: Int, rowStride: Int, weights w: UnsafePointer<Float>,
                              cin: Int, kernel K: Int, out: UnsafeMutablePointer<Float>) {
        var p = 0
        while p < P {
            var a = V()
            var xr = x + p, wr = w
            for _ in 0..<cin {
                for k in 0..<K { a = a.addingProduct(V.load(xr + k), V(repeating: wr[k])) }
                xr += rowStride
                wr += K
            }
            a.store(out + p)
            p += V.scalarCount
        }
    }
}
