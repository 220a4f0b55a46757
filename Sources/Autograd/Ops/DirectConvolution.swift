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
/// 32 positions in sixteen 16-float accumulators; each tap loads two vectors of the row and
/// broadcasts 8 weights (stored side by side), all fused multiply-adds. The input gradient of a stride-1 convolution
/// is the same kernel on the output gradient with the flipped, transposed weights; the weight
/// gradient correlates the output gradient, laid out the same way, with the shifted rows
/// (3 output channels × 8 taps of vector sums, reduced once per chunk).
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
        let positions = roundedPositions(nb)
        return (cin * (positions + kernel - 1 + 32), cout * positions)
    }

    /// Output positions computed for `nb` samples, rounded up to whole 16-float vectors.
    func roundedPositions(_ nb: Int) -> Int {
        let used = (nb - 1) * paddedLength + outLength
        return (used + 15) / 16 * 16
    }

    /// `y[b0 + j, co, t] = Σ W·x (+ bias[co])` for the samples `b0 ..< b0 + nb` of `x` (NCL).
    func run(_ x: UnsafePointer<Float>, b0: Int, nb: Int, weights wT: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
             into y: UnsafeMutablePointer<Float>, row: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let Lp = paddedLength, P = roundedPositions(nb)
        let rowStride = fillRows(x, b0: b0, nb: nb, row: row)
        let taps = cin * kernel
        var co = 0
        while co + 8 <= cout {
            let wb = wT + co * taps
            var p = 0
            while p + 32 <= P {
                Self.block8x32(row + p, rowStride: rowStride, weights: wb, weightStride: 8, cin: cin,
                               kernel: kernel, out: out + co * P + p, outStride: P)
                p += 32
            }
            if p < P {
                Self.block8x16(row + p, rowStride: rowStride, weights: wb, weightStride: 8, cin: cin,
                               kernel: kernel, out: out + co * P + p, outStride: P)
            }
            co += 8
        }
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

    /// Adds the weight gradient of the samples `b0 ..< b0 + nb` to `dw` (`[C_out, C_in, K]`):
    /// `dW[co, ci, k] += Σ_p gcat[co, p] · xcat[ci, p + k]`, with `gcat` the output gradient laid
    /// out like the outputs of ``run(_:b0:nb:weights:bias:into:row:out:)`` (zeros between samples).
    /// Each (co, k) sum runs over the positions in vectors of 16, reduced once per chunk.
    func addWeightGradient(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, b0: Int, nb: Int,
                           into dw: UnsafeMutablePointer<Float>, row: UnsafeMutablePointer<Float>,
                           gcat: UnsafeMutablePointer<Float>) {
        let Lp = paddedLength, P = roundedPositions(nb)
        let rowStride = fillRows(x, b0: b0, nb: nb, row: row)
        for co in 0..<cout {
            let d = gcat + co * P
            fillZeros(d, count: P)
            for j in 0..<nb { copyFloats(d + j * Lp, g + ((b0 + j) * cout + co) * outLength, count: outLength) }
        }
        let K = kernel
        for ci in 0..<cin {
            let xr = UnsafePointer(row + ci * rowStride)
            var co = 0
            while co < cout {
                let rows = Swift.min(3, cout - co)
                var k = 0
                while k + 8 <= K {
                    let (xk, gc, d) = (xr + k, UnsafePointer(gcat + co * P), dw + (co * cin + ci) * K + k)
                    switch rows {
                    case 3: Self.gradient8Taps(rows: 3, xk, gc, positions: P, gStride: P, dw: d, dwStride: cin * K)
                    case 2: Self.gradient8Taps(rows: 2, xk, gc, positions: P, gStride: P, dw: d, dwStride: cin * K)
                    default: Self.gradient8Taps(rows: 1, xk, gc, positions: P, gStride: P, dw: d, dwStride: cin * K)
                    }
                    k += 8
                }
                for c in co..<(co + rows) {
                    for kk in k..<K {
                        var a = V()
                        var p = 0
                        while p < P { a = a.addingProduct(Self.load(gcat + c * P + p), Self.load(xr + kk + p)); p += 16 }
                        dw[(c * cin + ci) * K + kk] += a.sum()
                    }
                }
                co += rows
            }
        }
    }

    /// The zero-padded rows of the samples `b0 ..< b0 + nb` (see the type's description); returns
    /// the row stride.
    @discardableResult
    func fillRows(_ x: UnsafePointer<Float>, b0: Int, nb: Int, row: UnsafeMutablePointer<Float>) -> Int {
        let Lp = paddedLength
        let rowStride = roundedPositions(nb) + kernel - 1 + 32
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

    /// `dw[c·dwStride + k] += Σ_p g[c, p] · x[p + k]` for `rows` (1, 2 or 3, a constant at every
    /// call, so that the unused accumulators vanish) output channels × 8 taps.
    @inline(__always)
    static func gradient8Taps(rows: Int, _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, positions P: Int,
                              gStride: Int, dw: UnsafeMutablePointer<Float>, dwStride: Int) {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
        var b0 = V(), b1 = V(), b2 = V(), b3 = V(), b4 = V(), b5 = V(), b6 = V(), b7 = V()
        var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V(), c6 = V(), c7 = V()
        var p = 0
        while p < P {
            let g0 = load(g + p)
            let g1 = rows > 1 ? load(g + gStride + p) : V(), g2 = rows > 2 ? load(g + 2 * gStride + p) : V()
            @inline(__always) func tap(_ k: Int, _ a: inout V, _ b: inout V, _ c: inout V) {
                let v = load(x + p + k)
                a = a.addingProduct(g0, v)
                if rows > 1 { b = b.addingProduct(g1, v) }
                if rows > 2 { c = c.addingProduct(g2, v) }
            }
            tap(0, &a0, &b0, &c0); tap(1, &a1, &b1, &c1); tap(2, &a2, &b2, &c2); tap(3, &a3, &b3, &c3)
            tap(4, &a4, &b4, &c4); tap(5, &a5, &b5, &c5); tap(6, &a6, &b6, &c6); tap(7, &a7, &b7, &c7)
            p += 16
        }
        @inline(__always) func add(_ d: UnsafeMutablePointer<Float>, _ v: (V, V, V, V, V, V, V, V)) {
            d[0] += v.0.sum(); d[1] += v.1.sum(); d[2] += v.2.sum(); d[3] += v.3.sum()
            d[4] += v.4.sum(); d[5] += v.5.sum(); d[6] += v.6.sum(); d[7] += v.7.sum()
        }
        add(dw, (a0, a1, a2, a3, a4, a5, a6, a7))
        if rows > 1 { add(dw + dwStride, (b0, b1, b2, b3, b4, b5, b6, b7)) }
        if rows > 2 { add(dw + 2 * dwStride, (c0, c1, c2, c3, c4, c5, c6, c7)) }
    }

    typealias V = SIMD16<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }

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
