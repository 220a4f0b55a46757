import VolcanoCore

/// Stride-1 convolution computed straight from the input rows, with no im2col matrix: the
/// kernel for encoders with short kernels and few channels (the Etna preset), where im2col and
/// the packing BLAS does on top of it moved more memory than the products needed.
///
/// A chunk of `nb` samples is laid out channel by channel as one long zero-padded row,
/// `xcat[ci, j·Lp + pl + s] = x[b0 + j, ci, s]` with `Lp = L' + K − 1`, so that output `t` of
/// sample `j` is the sliding dot product at position `p = j·Lp + t`:
/// `out[co, p] = Σ_ci Σ_k W[co, ci, k] · xcat[ci, p + k]`. The positions between samples
/// (`K − 1` per sample) are computed and dropped. The inner kernel keeps 8 output channels ×
/// 48 positions in twenty-four 16-float accumulators; each tap loads three vectors of the row
/// and broadcasts 8 weights (stored side by side), all fused multiply-adds (about 100 GFLOP/s
/// per core on the Etna shapes, where sgemm reaches 130 on large ones). The input gradient of a
/// stride-1 convolution is the same kernel on the output gradient with the flipped, transposed
/// weights; the weight gradient correlates the output gradient, transposed to position-major
/// order, with the row broadcast at 8 taps (vectors over 32 output channels).
///
/// Sums run over `ci`, then `k`, in the same order for every position, so outputs and input
/// gradients do not depend on the chunking or the thread count (the weight gradient adds the
/// chunks, and the workers' partial sums, in order).
struct DirectConvolution {
    let cin, cout, kernel, length, padLeft, outLength: Int
    /// Padded length of one sample in the concatenated row.
    var paddedLength: Int { outLength + kernel - 1 }

    /// The weights as the kernels read them: for each block of 8 output channels, the taps
    /// `(ci, k)` in order with the block's 8 weights side by side (one 32-byte line per tap, the
    /// block's 8 KB or so staying in L1 while it sweeps the positions), then each remaining
    /// channel's taps. From `W [C_out, C_in, K]`; with `transposedFlipped`, those of the input
    /// gradient (outputs `ci`, inputs `co`, tap `k` holding `W[co, ci, K−1−k]`).
    static func arrangedWeights(_ w: [Float], cout: Int, cin: Int, kernel K: Int, transposedFlipped: Bool) -> [Float] {
        let outputs = transposedFlipped ? cin : cout, taps = w.count / outputs
        let full = outputs / 8 * 8
        var out = [Float](repeating: 0, count: w.count)
        for co in 0..<cout {
            for ci in 0..<cin {
                for k in 0..<K {
                    let v = w[(co * cin + ci) * K + k]
                    let (o, t) = transposedFlipped ? (ci, co * K + (K - 1 - k)) : (co, ci * K + k)
                    out[o < full ? (o / 8 * taps + t) * 8 + o % 8 : full * taps + (o - full) * taps + t] = v
                }
            }
        }
        return out
    }

    /// Samples per chunk: the padded rows and the outputs of a chunk within about 1 MB.
    func samplesPerChunk(upTo n: Int) -> Int {
        Swift.max(1, Swift.min(n, (1 << 18) / Swift.max((cin + cout) * paddedLength, 1)))
    }

    /// Floats of scratch a chunk of `nb` samples needs: (row, outputs).
    func scratch(samples nb: Int) -> (row: Int, out: Int) {
        (cin * rowStride(nb), paddedOutputs * roundedPositions(nb))
    }

    /// Floats between the padded rows of two input channels (every position a kernel reads,
    /// plus a vector of slack).
    func rowStride(_ nb: Int) -> Int { roundedPositions(nb) + kernel - 1 + 32 }

    /// Output positions computed for `nb` samples, rounded up to whole 16-float vectors.
    func roundedPositions(_ nb: Int) -> Int {
        let used = (nb - 1) * paddedLength + outLength
        return (used + 15) / 16 * 16
    }

    /// `y[b0 + j, co, t] = Σ W·x (+ bias[co])` for the samples `b0 ..< b0 + nb` of `x` (NCL).
    /// The padded rows are built in `row`, where ``addWeightGradient(_:_:b0:nb:into:row:gt:rowsReady:)``
    /// can use them again.
    func run(_ x: UnsafePointer<Float>, b0: Int, nb: Int, weights wT: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
             into y: UnsafeMutablePointer<Float>, row: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let Lp = paddedLength, P = roundedPositions(nb)
        let rowStride = fillRows(x, b0: b0, nb: nb, row: row)
        let taps = cin * kernel
        // K as a constant for the common kernel sizes (Etna's 8), so that the tap loop unrolls
        @inline(__always) func blocks(_ K: Int) {
            var co = 0
            while co + 8 <= cout {
                let wb = wT + co * taps
                var p = 0
                while p + 48 <= P {
                    Self.block8x48(row + p, rowStride: rowStride, weights: wb, cin: cin, kernel: K,
                                   out: out + co * P + p, outStride: P)
                    p += 48
                }
                if p + 32 <= P {
                    Self.block8x32(row + p, rowStride: rowStride, weights: wb, weightStride: 8, cin: cin,
                                   kernel: K, out: out + co * P + p, outStride: P)
                    p += 32
                }
                if p < P {
                    Self.block8x16(row + p, rowStride: rowStride, weights: wb, weightStride: 8, cin: cin,
                                   kernel: K, out: out + co * P + p, outStride: P)
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
            Self.singleChannel(row, positions: P, rowStride: rowStride, weights: wT + co * taps, weightStride: 1, cin: cin,
                               kernel: kernel, out: out + co * P)
            co += 1
        }
        // keep the outputs of each sample, dropping the positions between samples
        for j in 0..<nb {
            for c in 0..<cout {
                let s = out + c * P + j * Lp, d = y + ((b0 + j) * cout + c) * outLength
                if let bias {
                    let add = bias[c]
                    for t in 0..<outLength { d[t] = s[t] + add }
                } else {
                    copyFloats(d, s, count: outLength)
                }
            }
        }
    }

    /// Output channels rounded up to whole vectors (the weight gradient's vector axis).
    var paddedOutputs: Int { (cout + 15) / 16 * 16 }

    /// Adds the weight gradient of the samples `b0 ..< b0 + nb` to `dw` (`[C_out, C_in, K]`):
    /// `dW[co, ci, k] += Σ_p g[p, co] · xcat[ci, p + k]`, with `g` the output gradient transposed
    /// to position-major `gt[p, co]` (positions as in the outputs of
    /// ``run(_:b0:nb:weights:bias:into:row:out:)``, zeros between samples). Vectors run over 32
    /// (or 16) output channels; each position broadcasts the row at up to 8 taps: the same shape
    /// of kernel as the forward pass, and the sums need no horizontal reduction.
    /// `rowsReady`: `row` still holds the padded rows the forward pass built for these samples.
    func addWeightGradient(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, b0: Int, nb: Int,
                           into dw: UnsafeMutablePointer<Float>, row: UnsafeMutablePointer<Float>,
                           gt: UnsafeMutablePointer<Float>, rowsReady: Bool) {
        let Lp = paddedLength, C = paddedOutputs
        let used = (nb - 1) * Lp + outLength
        let rowStride = rowsReady ? rowStride(nb) : fillRows(x, b0: b0, nb: nb, row: row)
        // gt[j·Lp + t, co] = g[b0 + j, co, t]; zeros between samples and in the padded channels
        for j in 0..<nb {
            let src = g + (b0 + j) * cout * outLength, dst = gt + j * Lp * C
            for t in 0..<outLength {
                let d = dst + t &* C
                var s = src + t
                for co in 0..<cout {
                    d[co] = s.pointee
                    s += outLength
                }
                if C > cout { fillZeros(d + cout, count: C &- cout) }
            }
            if j < nb - 1 { fillZeros(dst + outLength * C, count: (Lp - outLength) * C) }
        }
        let K = kernel
        for ci in 0..<cin {
            let xr = UnsafePointer(row + ci * rowStride)
            var co = 0
            while co < C {
                let vectors = C - co >= 32 ? 2 : 1
                var k = 0
                while k < K {
                    let taps = Swift.min(8, K - k)
                    let d = dw + (co * cin + ci) * K + k
                    // taps and vectors as constants: the unused accumulators vanish
                    @inline(__always) func run(_ n: Int) {
                        if vectors == 2 {
                            Self.gradientBlock(taps: n, vectors: 2, xr + k, UnsafePointer(gt + co), positions: used, gStride: C,
                                               dw: d, channels: cout - co, channelStride: cin * K)
                        } else {
                            Self.gradientBlock(taps: n, vectors: 1, xr + k, UnsafePointer(gt + co), positions: used, gStride: C,
                                               dw: d, channels: cout - co, channelStride: cin * K)
                        }
                    }
                    switch taps {
                    case 8: run(8)
                    case 7: run(7)
                    case 6: run(6)
                    case 5: run(5)
                    case 4: run(4)
                    case 3: run(3)
                    case 2: run(2)
                    default: run(1)
                    }
                    k += taps
                }
                co += 16 * vectors
            }
        }
    }

    /// `dw[c·channelStride + k] += Σ_p g[p·gStride + c] · x[p + k]` for `taps` (≤ 8) taps and
    /// `16·vectors` channels (the first `channels` of them kept).
    @inline(__always)
    static func gradientBlock(taps n: Int, vectors: Int, _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>,
                              positions P: Int, gStride: Int, dw: UnsafeMutablePointer<Float>, channels: Int,
                              channelStride: Int) {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
        var b0 = V(), b1 = V(), b2 = V(), b3 = V(), b4 = V(), b5 = V(), b6 = V(), b7 = V()
        var gp = g, xp = x
        for _ in 0..<P {
            let g0 = load(gp), g1 = vectors > 1 ? load(gp + 16) : V()
            @inline(__always) func tap(_ k: Int, _ a: inout V, _ b: inout V) {
                guard k < n else { return }
                let xv = V(repeating: xp[k])
                a = a.addingProduct(xv, g0)
                if vectors > 1 { b = b.addingProduct(xv, g1) }
            }
            tap(0, &a0, &b0); tap(1, &a1, &b1); tap(2, &a2, &b2); tap(3, &a3, &b3)
            tap(4, &a4, &b4); tap(5, &a5, &b5); tap(6, &a6, &b6); tap(7, &a7, &b7)
            gp += gStride
            xp += 1
        }
        @inline(__always) func add(_ k: Int, _ a: V, _ b: V) {
            guard k < n else { return }
            for c in 0..<Swift.min(16, channels) { dw[c * channelStride + k] += a[c] }
            if vectors > 1 { for c in 16..<Swift.min(32, channels) { dw[c * channelStride + k] += b[c - 16] } }
        }
        add(0, a0, b0); add(1, a1, b1); add(2, a2, b2); add(3, a3, b3)
        add(4, a4, b4); add(5, a5, b5); add(6, a6, b6); add(7, a7, b7)
    }

    /// The zero-padded rows of the samples `b0 ..< b0 + nb` (see the type's description); returns
    /// the row stride.
    @discardableResult
    func fillRows(_ x: UnsafePointer<Float>, b0: Int, nb: Int, row: UnsafeMutablePointer<Float>) -> Int {
        let Lp = paddedLength, rowStride = rowStride(nb)
        // input samples s reach an output when 0 ≤ s + pl < Lp (pl < 0 for the input gradient
        // of an over-padded convolution)
        let lo = Swift.max(0, -padLeft), hi = Swift.min(length, Lp - padLeft)
        for ci in 0..<cin {
            let r = row + ci * rowStride
            fillZeros(r, count: rowStride)
            guard hi > lo else { continue }
            for j in 0..<nb {
                copyFloats(r + j * Lp + padLeft + lo, x + ((b0 + j) * cin + ci) * length + lo, count: hi - lo)
            }
        }
        return rowStride
    }

    typealias V = SIMD16<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }

    /// 8 output channels × 48 positions: 24 accumulators, each broadcast weight feeding three
    /// fused multiply-adds (fewer instructions per product than 8 × 32).
    @inline(__always)
    static func block8x48(_ x: UnsafeMutablePointer<Float>, rowStride: Int, weights w: UnsafePointer<Float>,
                          cin: Int, kernel K: Int, out: UnsafeMutablePointer<Float>, outStride: Int) {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
        var b0 = V(), b1 = V(), b2 = V(), b3 = V(), b4 = V(), b5 = V(), b6 = V(), b7 = V()
        var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V(), c6 = V(), c7 = V()
        var xr = UnsafePointer(x), wk = w
        for _ in 0..<cin {
            for k in 0..<K {
                let x0 = load(xr + k), x1 = load(xr + k + 16), x2 = load(xr + k + 32)
                @inline(__always) func row(_ c: Int, _ a: inout V, _ b: inout V, _ d: inout V) {
                    let wv = V(repeating: wk[c])
                    a = a.addingProduct(x0, wv); b = b.addingProduct(x1, wv); d = d.addingProduct(x2, wv)
                }
                row(0, &a0, &b0, &c0); row(1, &a1, &b1, &c1); row(2, &a2, &b2, &c2); row(3, &a3, &b3, &c3)
                row(4, &a4, &b4, &c4); row(5, &a5, &b5, &c5); row(6, &a6, &b6, &c6); row(7, &a7, &b7, &c7)
                wk += 8
            }
            xr += rowStride
        }
        @inline(__always) func put(_ c: Int, _ a: V, _ b: V, _ d: V) {
            let o = out + c * outStride
            store(a, o); store(b, o + 16); store(d, o + 32)
        }
        put(0, a0, b0, c0); put(1, a1, b1, c1); put(2, a2, b2, c2); put(3, a3, b3, c3)
        put(4, a4, b4, c4); put(5, a5, b5, c5); put(6, a6, b6, c6); put(7, a7, b7, c7)
    }

    /// 8 output channels × 32 positions.
    @inline(__always)
    static func block8x32(_ x: UnsafeMutablePointer<Float>, rowStride: Int, weights w: UnsafePointer<Float>, weightStride ws: Int,
                          cin: Int, kernel K: Int, out: UnsafeMutablePointer<Float>, outStride: Int) {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
        var b0 = V(), b1 = V(), b2 = V(), b3 = V(), b4 = V(), b5 = V(), b6 = V(), b7 = V()
        // taps in (ci, k) order: the row of channel ci starts ci·rowStride further, its weights
        // K·ws further; one pointer each, advanced per tap
        var xr = UnsafePointer(x), wk = w
        for _ in 0..<cin {
            for k in 0..<K {
                let x0 = load(xr + k), x1 = load(xr + k + 16)
                let w0 = V(repeating: wk[0]), w1 = V(repeating: wk[1]), w2 = V(repeating: wk[2]), w3 = V(repeating: wk[3])
                a0 = a0.addingProduct(x0, w0); b0 = b0.addingProduct(x1, w0)
                a1 = a1.addingProduct(x0, w1); b1 = b1.addingProduct(x1, w1)
                a2 = a2.addingProduct(x0, w2); b2 = b2.addingProduct(x1, w2)
                a3 = a3.addingProduct(x0, w3); b3 = b3.addingProduct(x1, w3)
                let w4 = V(repeating: wk[4]), w5 = V(repeating: wk[5]), w6 = V(repeating: wk[6]), w7 = V(repeating: wk[7])
                a4 = a4.addingProduct(x0, w4); b4 = b4.addingProduct(x1, w4)
                a5 = a5.addingProduct(x0, w5); b5 = b5.addingProduct(x1, w5)
                a6 = a6.addingProduct(x0, w6); b6 = b6.addingProduct(x1, w6)
                a7 = a7.addingProduct(x0, w7); b7 = b7.addingProduct(x1, w7)
                wk += ws
            }
            xr += rowStride
        }
        let o = outStride
        store(a0, out); store(b0, out + 16)
        store(a1, out + o); store(b1, out + o + 16)
        store(a2, out + 2 * o); store(b2, out + 2 * o + 16)
        store(a3, out + 3 * o); store(b3, out + 3 * o + 16)
        store(a4, out + 4 * o); store(b4, out + 4 * o + 16)
        store(a5, out + 5 * o); store(b5, out + 5 * o + 16)
        store(a6, out + 6 * o); store(b6, out + 6 * o + 16)
        store(a7, out + 7 * o); store(b7, out + 7 * o + 16)
    }

    /// 8 output channels × 16 positions (the last block of a row).
    @inline(__always)
    static func block8x16(_ x: UnsafeMutablePointer<Float>, rowStride: Int, weights w: UnsafePointer<Float>, weightStride ws: Int,
                          cin: Int, kernel K: Int, out: UnsafeMutablePointer<Float>, outStride: Int) {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
        var xr = UnsafePointer(x), wr = w
        for _ in 0..<cin {
            for k in 0..<K {
                let x0 = load(xr + k)
                let wk = wr + k * ws
                a0 = a0.addingProduct(x0, V(repeating: wk[0])); a1 = a1.addingProduct(x0, V(repeating: wk[1]))
                a2 = a2.addingProduct(x0, V(repeating: wk[2])); a3 = a3.addingProduct(x0, V(repeating: wk[3]))
                a4 = a4.addingProduct(x0, V(repeating: wk[4])); a5 = a5.addingProduct(x0, V(repeating: wk[5]))
                a6 = a6.addingProduct(x0, V(repeating: wk[6])); a7 = a7.addingProduct(x0, V(repeating: wk[7]))
            }
            xr += rowStride
            wr += K * ws
        }
        let o = outStride
        store(a0, out); store(a1, out + o); store(a2, out + 2 * o); store(a3, out + 3 * o)
        store(a4, out + 4 * o); store(a5, out + 5 * o); store(a6, out + 6 * o); store(a7, out + 7 * o)
    }

    /// One output channel over all positions (channel counts that are not a multiple of 8).
    static func singleChannel(_ x: UnsafeMutablePointer<Float>, positions P: Int, rowStride: Int, weights w: UnsafePointer<Float>,
                              weightStride ws: Int, cin: Int, kernel K: Int, out: UnsafeMutablePointer<Float>) {
        var p = 0
        while p < P {
            var a = V()
            var xr = UnsafePointer(x + p), wr = w
            for _ in 0..<cin {
                for k in 0..<K { a = a.addingProduct(load(xr + k), V(repeating: wr[k * ws])) }
                xr += rowStride
                wr += K * ws
            }
            store(a, out + p)
            p += 16
        }
    }
}
