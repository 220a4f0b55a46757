import VolcanoCore

/// Stride-1 convolution computed straight from the input rows, with no im2col matrix: the
/// kernel for encoders with short kernels and few channels (the Etna preset), where im2col and
/// the packing BLAS does on top of it moved more memory than the products needed.
///
/// A chunk of `nb` samples is laid out channel by channel as one long row, each sample's values
/// after `Z` zeros: `xcat[ci, Z + j·S + s] = x[b0 + j, ci, s]`, `S = L + Z`, with `Z` the larger
/// padding (the zeros after one sample serve as the padding before the next). Output `t` of
/// sample `j` is the sliding dot product at position `q = j·S + t` of the row read from its
/// `Z − pl`-th entry: `out[co, q] = Σ_ci Σ_k W[co, ci, k] · xcat[ci, Z − pl + q + k]`. The
/// positions between samples (`S − L'` per sample) are computed and dropped. The inner kernel
/// keeps a block of output channels × positions in accumulators (8 × 48 with AVX-512's 32
/// registers of 16 floats, 4 × 24 with AVX2's 16 of 8); each tap loads three vectors of the row
/// and broadcasts one weight per channel (the weights of 8 channels stored side by side), all
/// fused multiply-adds. The input gradient of a stride-1 convolution is the same kernel on the
/// output gradient with the flipped, transposed weights. The weight gradient sums, over the
/// positions of the output-gradient rows (laid out as the outputs), each position's gradient
/// times the 8 row entries it met: a vector over 8 taps per input row and output channel, 2 rows
/// × 6 channels at a time (no transposes, no shuffles, no horizontal sums).
///
/// Sums run over `ci`, then `k`, in the same order for every position, so outputs and input
/// gradients do not depend on the chunking or the thread count (the weight gradient adds the
/// chunks, and the workers' partial sums, in order).
struct DirectConvolution {
    let cin, cout, kernel, length, padLeft, outLength: Int
    /// Zeros before each sample in the row: enough for the padding on either side, and for the
    /// outputs of one sample (`L' = L + pl + pr − K + 1`) to end before the next one's start.
    var gap: Int {
        let pr = outLength + kernel - 1 - length - padLeft
        return Swift.max(0, padLeft, pr, padLeft + pr - (kernel - 1))
    }
    /// Positions from one sample to the next in the row.
    var sampleStride: Int { length + gap }

    /// The weights as the kernels read them: for each block of 8 output channels, the taps
    /// `(ci, k)` in order with the block's 8 weights side by side (one 32-byte line per tap, the
    /// block's 8 KB or so staying in L1 while it sweeps the positions), then each remaining
    /// channel's taps. From `W [C_out, C_in, K]`; with `transposedFlipped`, those of the input
    /// gradient (outputs `ci`, inputs `co`, tap `k` holding `W[co, ci, K−1−k]`).
    static func arrangedWeights(_ w: [Float], cout: Int, cin: Int, kernel K: Int, transposedFlipped: Bool) -> [Float] {
        let outputs = transposedFlipped ? cin : cout, inputs = transposedFlipped ? cout : cin, taps = inputs * K
        let full = outputs / 8 * 8
        return [Float](unsafeUninitializedCapacity: w.count) { out, n in
            n = w.count
            w.withUnsafeBufferPointer { w in
                let w = w.baseAddress!, out = out.baseAddress!
                // output o's weight at tap (a, k): W[o, a, k], or W[a, o, K − 1 − k] transposed
                @inline(__always) func weight(_ o: Int, _ a: Int, _ k: Int) -> Float {
                    transposedFlipped ? w[(a &* cin &+ o) &* K &+ (K &- 1 &- k)] : w[(o &* cin &+ a) &* K &+ k]
                }
                for o in 0..<outputs {
                    // groups of 8 outputs side by side at each tap; then each remaining output's taps
                    let (base, step) = o < full ? ((o &- o % 8) &* taps &+ o % 8, 8) : (full &* taps &+ (o &- full) &* taps, 1)
                    var d = out + base
                    for a in 0..<inputs {
                        for k in 0..<K {
                            d.pointee = weight(o, a, k)
                            d += step
                        }
                    }
                }
            }
        }
    }

    /// Samples per chunk: the rows and the outputs of a chunk within about 1 MB.
    func samplesPerChunk(upTo n: Int) -> Int {
        Swift.max(1, Swift.min(n, (1 << 18) / Swift.max((cin + cout) * sampleStride, 1)))
    }

    /// Floats of scratch a chunk of `nb` samples needs: (rows, outputs or output-gradient rows).
    func scratch(samples nb: Int) -> (row: Int, out: Int) {
        (cin * rowStride(nb), cout * roundedPositions(nb))
    }

    /// Floats between the rows of two input channels: every entry a kernel reads (`Z − pl` before
    /// the first position, `K − 1` after the last, and up to 7 more that the weight gradient's
    /// 8-tap vectors read past the last tap).
    func rowStride(_ nb: Int) -> Int { (gap - padLeft + roundedPositions(nb) + kernel - 1 + 7 + 15) / 16 * 16 }

    /// Positions of the outputs of `nb` samples (those between samples included).
    func usedPositions(_ nb: Int) -> Int { (nb - 1) * sampleStride + outLength }

    /// Output positions computed for `nb` samples, rounded up to whole 16-float vectors.
    func roundedPositions(_ nb: Int) -> Int { (usedPositions(nb) + 15) / 16 * 16 }

    /// `y[b0 + j, co, t] = Σ W·x (+ bias[co])` for the samples `b0 ..< b0 + nb` of `x` (NCL).
    /// The padded rows are built in `row`, where ``addWeightGradient(_:_:b0:nb:into:row:gcat:rowsReady:)``
    /// can use them again.
    func run(_ x: UnsafePointer<Float>, b0: Int, nb: Int, weights wT: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
             into y: UnsafeMutablePointer<Float>, row: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let S = sampleStride, P = roundedPositions(nb)
        let rowStride = fillRows(x, b0: b0, nb: nb, row: row)
        let first = UnsafePointer(row + gap - padLeft)   // the entry position 0 reads at tap 0
        let taps = cin * kernel
        // K as a constant for the common kernel sizes (Etna's 8), so that the tap loop unrolls
        @inline(__always) func blocks(_ K: Int) {
            let W = V.scalarCount
            var co = 0
            while co + 8 <= cout {
                let wb = wT + co * taps
                // the group's 8 channels in sub-blocks of blockChannels, each sweeping the positions
                // three vectors at a time (P is a whole number of 16-float vectors)
                var c = 0
                while c < 8 {
                    let o = out + (co + c) * P
                    var p = 0
                    while p < P {
                        let nv = Swift.min(3, (P - p) / W)
                        switch nv {
                        case 3: Self.block(vectors: 3, first + p, rowStride: rowStride, weights: wb + c, cin: cin, kernel: K,
                                           out: o + p, outStride: P)
                        case 2: Self.block(vectors: 2, first + p, rowStride: rowStride, weights: wb + c, cin: cin, kernel: K,
                                           out: o + p, outStride: P)
                        default: Self.block(vectors: 1, first + p, rowStride: rowStride, weights: wb + c, cin: cin, kernel: K,
                                            out: o + p, outStride: P)
                        }
                        p += nv * W
                    }
                    c += Self.blockChannels
                }
                co += 8
            }
        }
        switch kernel {
        case 8: blocks(8)
        case 5: blocks(5)
        case 3: blocks(3)
        default: blocks(kernel)
        }
        var co = cout / 8 * 8
        while co < cout {
            Self.singleChannel(first, positions: P, rowStride: rowStride, weights: wT + co * taps, cin: cin, kernel: kernel,
                               out: out + co * P)
            co += 1
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

    /// Adds the weight gradient of the samples `b0 ..< b0 + nb` to `dw` (`[C_out, C_in, K]`):
    /// `dW[co, ci, k] += Σ_q gcat[co, q] · xcat[ci, Z − pl + q + k]`, with `gcat` the output
    /// gradient laid out as the outputs of ``run(_:b0:nb:weights:bias:into:row:out:)`` (zeros
    /// between samples). `rowsReady`: `row` still holds the rows the forward pass built for these
    /// samples.
    func addWeightGradient(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, b0: Int, nb: Int,
                           into dw: UnsafeMutablePointer<Float>, row: UnsafeMutablePointer<Float>,
                           gcat: UnsafeMutablePointer<Float>, rowsReady: Bool) {
        let S = sampleStride, P = roundedPositions(nb), K = kernel
        let rowStride = rowsReady ? rowStride(nb) : fillRows(x, b0: b0, nb: nb, row: row)
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
