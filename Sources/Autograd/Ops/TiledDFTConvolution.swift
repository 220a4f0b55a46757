import Foundation
import VolcanoCore

/// The fast path of ``Tape/conv1d(_:weight:bias:stride:padding:dilation:)`` for long kernels
/// (stride 1, dilation 1): overlap-save convolution in the frequency domain of short tiles,
/// with every transform and every per-frequency product done as a BLAS sgemm.
///
/// The output is cut into tiles of `T` positions. A tile needs `n = T + K − 1` input samples
/// (its segment); on a length-`n` real DFT the correlation `y[t] = Σ_k w[k] x[t + k]` is
/// `Y_f = conj(W_f) · X_f` and the first `T` outputs of its inverse have no wrap-around. Per
/// frequency the channel sum is a complex matrix product `[C_out × C_in] · [C_in × tiles]`.
/// For the paper's Llaima blocks (k = 32, n = 64) this is 4–5× fewer multiply-adds than the
/// im2col product for forward and backward together (Lavin & Gray 2016 count the same
/// trade-off for Winograd/FFT convolutions; here the DFTs themselves are small GEMMs, so the
/// whole step stays on sgemm). Float32 rounding is of the same size as the direct product's
/// (≈ 4e-7 of the largest output, tested against Float64 sums).
///
/// Layouts (per worker, `cols = samples × tiles`, column `j·tiles + tile`):
/// - segments `[n][C_in][cols]`, spectra `[n][C][cols]` with the `n` real rows in packed slot
///   order: row 0 = bin 0, row 1 = bin n/2 (both real), rows 2s, 2s+1 = Re, Im of bin s.
///   Slot s of a spectrum is then one contiguous `[2C × cols]` matrix.
/// - backward: `dX_tile = IDFT(W_f · G_f)` is the full linear convolution of the tile's
///   gradient (length T) with the kernel (length K): n samples, overlap-added;
///   `dW_f = Σ_cols conj(G_f) · X_f` reuses the forward spectra, and one inverse at the end.
struct TiledDFTConvolution {
    let cin, cout, length, kernel, padLeft, outLength: Int
    /// DFT length n (even) and outputs per tile T = n − K + 1.
    let n, tile: Int
    var tiles: Int { (outLength + tile - 1) / tile }

    /// The cheapest DFT length for this geometry, or nil when the im2col product is cheaper
    /// (short kernels, one input channel, tiny outputs). Chosen from multiply-add counts of
    /// forward + backward, with the direct product given a 2× head start for its larger GEMMs.
    /// `whenCheaper: false` (``ConvolutionAlgorithm/tiledDFT``) skips that comparison and only
    /// needs 2 ≤ k ≤ 249 (a DFT length of at most 256 with tiles of 8 or more).
    static func plan(cin: Int, cout: Int, length: Int, kernel: Int, padLeft: Int, outLength: Int,
                     whenCheaper: Bool = true) -> TiledDFTConvolution? {
        if whenCheaper {
            guard kernel >= 12, cin >= 8, cout >= 8, outLength >= 8 else { return nil }
        } else {
            guard kernel >= 2, outLength >= 1 else { return nil }
        }
        let direct = Double(outLength * kernel) * Double(cin * cout) * 3
        var best: (cost: Double, n: Int)? = nil
        var n = 16
        while n <= 256 {
            defer { n += 16 }
            let t = n - kernel + 1
            guard t >= 8 else { continue }
            let tiles = Double((outLength + t - 1) / t)
            let (nd, td, ci, co) = (Double(n), Double(t), Double(cin), Double(cout))
            let forward = nd * nd * ci + 2 * nd * ci * co + nd * td * co
            let backward = nd * td * co + 2 * nd * ci * co + nd * nd * ci + 2 * nd * ci * co
            let cost = tiles * (forward + backward)
            if best == nil || cost < best!.cost { best = (cost, n) }
        }
        guard let best, !whenCheaper || best.cost * 2 < direct else { return nil }
        return TiledDFTConvolution(cin: cin, cout: cout, length: length, kernel: kernel, padLeft: padLeft,
                                   outLength: outLength, n: best.n, tile: best.n - kernel + 1)
    }

    // MARK: transform matrices (row-major, Float32, built in Float64)

    /// `[n × n]`: spectrum rows (packed slot order) from n samples.
    var forwardMatrix: [Float] {
        var d = [Float](repeating: 0, count: n * n)
        for j in 0..<n {
            d[j] = 1
            d[n + j] = j % 2 == 0 ? 1 : -1
            for s in 1..<(n / 2) {
                let a = 2 * Double.pi * Double((s * j) % n) / Double(n)
                d[2 * s * n + j] = Float(cos(a))
                d[(2 * s + 1) * n + j] = Float(-sin(a))
            }
        }
        return d
    }

    /// `[n × n]`: n samples (rows) from spectrum rows; the first rows give a tile's outputs.
    var inverseMatrix: [Float] {
        var d = [Float](repeating: 0, count: n * n)
        let inv = 1 / Double(n)
        for t in 0..<n {
            d[t * n] = Float(inv)
            d[t * n + 1] = Float(t % 2 == 0 ? inv : -inv)
            for s in 1..<(n / 2) {
                let a = 2 * Double.pi * Double((s * t) % n) / Double(n)
                d[t * n + 2 * s] = Float(2 * inv * cos(a))
                d[t * n + 2 * s + 1] = Float(-2 * inv * sin(a))
            }
        }
        return d
    }

    /// Spectra of the kernels, `[n][C_out][C_in]` (the kernel zero-padded to n).
    func weightSpectra(_ w: UnsafePointer<Float>, dft: UnsafePointer<Float>) -> [Float] {
        let pairs = cout * cin
        var wt = [Float](repeating: 0, count: kernel * pairs)       // [K][C_out·C_in]
        for p in 0..<pairs { for k in 0..<kernel { wt[k * pairs + p] = w[p * kernel + k] } }
        var wf = [Float](repeating: 0, count: n * pairs)
        wt.withUnsafeBufferPointer { pwt in
            wf.withUnsafeMutableBufferPointer { pwf in
                sgemm(false, false, n, pairs, kernel, dft, n, pwt.baseAddress!, pairs, pwf.baseAddress!, pairs)
            }
        }
        return wf
    }

    /// Real forms of the per-slot complex products, `[n/2 − 1][2·rows × 2·inner]` for slots 1…:
    /// forward `conj(W)` (rows C_out, inner C_in): `[[Wr, Wi], [−Wi, Wr]]`;
    /// input gradient `Wᵀ` (rows C_in, inner C_out): `[[Wrᵀ, −Wiᵀ], [Wiᵀ, Wrᵀ]]`.
    func slotMatrices(_ wf: [Float], transposed: Bool) -> [Float] {
        let (rows, inner) = transposed ? (cin, cout) : (cout, cin)
        let block = 4 * rows * inner, pairs = cout * cin
        var m = [Float](repeating: 0, count: (n / 2 - 1) * block)
        for s in 1..<(n / 2) {
            let base = (s - 1) * block, re = 2 * s * pairs, im = (2 * s + 1) * pairs
            for r in 0..<rows {
                for c in 0..<inner {
                    let (co, ci) = transposed ? (c, r) : (r, c)
                    let wr = wf[re + co * cin + ci], wi = wf[im + co * cin + ci]
                    let s12: Float = transposed ? -wi : wi
                    m[base + r * 2 * inner + c] = wr                        // top left
                    m[base + r * 2 * inner + inner + c] = s12               // top right
                    m[base + (rows + r) * 2 * inner + c] = -s12             // bottom left
                    m[base + (rows + r) * 2 * inner + inner + c] = wr       // bottom right
                }
            }
        }
        return m
    }

    /// `spec_out[slot] = M_slot · spec_in[slot]` for every slot: slot 0 as two real products
    /// with `W0`, `W_{n/2}` (`[C_out × C_in]`, transposed for the input gradient).
    func slotProducts(_ specIn: UnsafePointer<Float>, inner: Int, _ specOut: UnsafeMutablePointer<Float>, rows: Int,
                      cols: Int, wf: UnsafePointer<Float>, slots: UnsafePointer<Float>, transposed: Bool) {
        let pairs = cout * cin
        for r in 0..<2 {
            sgemm(transposed, false, rows, cols, inner, wf + r * pairs, transposed ? cin : inner,
                  specIn + r * inner * cols, cols, specOut + r * rows * cols, cols)
        }
        for s in 1..<(n / 2) {
            sgemm(false, false, 2 * rows, cols, 2 * inner, slots + (s - 1) * 4 * rows * inner, 2 * inner,
                  specIn + 2 * s * inner * cols, cols, specOut + 2 * s * rows * cols, cols)
        }
    }

    /// Forward for samples `b0..<b0+nb`: segments → spectra `xf` (kept for the backward pass)
    /// → products → outputs, written to `y` (NCL) with the bias.
    func forward(x: UnsafePointer<Float>, b0: Int, nb: Int, dft: UnsafePointer<Float>, inv: UnsafePointer<Float>,
                 wf: UnsafePointer<Float>, slots: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 xf: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let tl = tiles, cols = nb * tl
        // segments [n][C_in][cols]: seg[m, ci, j·tiles + q] = x[b0 + j, ci, q·T + m − pl]
        let seg = scratch
        for m in 0..<n {
            for ci in 0..<cin {
                let row = seg + (m * cin + ci) * cols
                for j in 0..<nb {
                    let src = x + ((b0 + j) * cin + ci) * length, dst = row + j * tl
                    var i = m - padLeft
                    for q in 0..<tl {
                        dst[q] = i >= 0 && i < length ? src[i] : 0
                        i += tile
                    }
                }
            }
        }
        sgemm(false, false, n, cin * cols, n, dft, n, seg, cin * cols, xf, cin * cols)
        let yf = scratch                                                // [n][C_out][cols]
        slotProducts(xf, inner: cin, yf, rows: cout, cols: cols, wf: wf, slots: slots, transposed: false)
        let yt = scratch + n * cout * cols                              // [T][C_out][cols]
        sgemm(false, false, tile, cout * cols, n, inv, n, yf, cout * cols, yt, cout * cols)
        for j in 0..<nb {
            for co in 0..<cout {
                let dst = y + ((b0 + j) * cout + co) * outLength
                let add = bias?[co] ?? 0
                for t in 0..<tile {
                    let src = yt + (t * cout + co) * cols + j * tl
                    var o = t, q = 0
                    while o < outLength {
                        dst[o] = src[q] + add
                        o += tile
                        q += 1
                    }
                }
            }
        }
    }

    /// Backward for samples `b0..<b0+nb`: the output gradient's tile spectra, then the input
    /// gradient (overlap-added into `dx`, which must start at zero) and/or the weight-spectrum
    /// gradient `[2C_out × 2C_in]` per slot, accumulated into `dwSlots` (`beta` 0 or 1).
    func backward(g: UnsafePointer<Float>, b0: Int, nb: Int, dft: UnsafePointer<Float>, inv: UnsafePointer<Float>,
                  wf: UnsafePointer<Float>, slotsT: UnsafePointer<Float>, xf: UnsafePointer<Float>,
                  scratch: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                  dwSlots: UnsafeMutablePointer<Float>?, beta: Float) {
        let tl = tiles, cols = nb * tl
        // gradient tiles [T][C_out][cols]: gt[t, co, j·tiles + q] = g[b0 + j, co, q·T + t]
        let gt = scratch, gf = scratch + tile * cout * cols
        for t in 0..<tile {
            for co in 0..<cout {
                let row = gt + (t * cout + co) * cols
                for j in 0..<nb {
                    let src = g + ((b0 + j) * cout + co) * outLength, dst = row + j * tl
                    var o = t
                    for q in 0..<tl {
                        dst[q] = o < outLength ? src[o] : 0
                        o += tile
                    }
                }
            }
        }
        sgemm(false, false, n, cout * cols, tile, dft, n, gt, cout * cols, gf, cout * cols)
        if let dwSlots {
            // P_slot[2C_out × 2C_in] (+)= G_slot · X_slotᵀ, contraction over the columns
            let block = 4 * cout * cin
            for s in 0..<(n / 2) {
                sgemm(false, true, 2 * cout, 2 * cin, cols, gf + 2 * s * cout * cols, cols,
                      xf + 2 * s * cin * cols, cols, beta: beta, dwSlots + s * block, 2 * cin)
            }
        }
        if let dx {
            let dxf = gf + n * cout * cols                              // [n][C_in][cols]
            let dxt = dxf + n * cin * cols                              // [n][C_in][cols]
            slotProducts(gf, inner: cout, dxf, rows: cin, cols: cols, wf: wf, slots: slotsT, transposed: true)
            sgemm(false, false, n, cin * cols, n, inv, n, dxf, cin * cols, dxt, cin * cols)
            for j in 0..<nb {
                for ci in 0..<cin {
                    let dst = dx + ((b0 + j) * cin + ci) * length
                    for m in 0..<n {
                        let src = dxt + (m * cin + ci) * cols + j * tl
                        var i = m - padLeft
                        for q in 0..<tl {
                            if i >= 0 && i < length { dst[i] += src[q] }
                            i += tile
                        }
                    }
                }
            }
        }
    }

    /// Floats of scratch the forward / backward of `nb` samples need, and of kept spectra.
    func scratchCount(samples nb: Int) -> Int {
        let cols = nb * tiles
        return Swift.max(n * Swift.max(cin, cout) * cols + tile * cout * cols,
                         tile * cout * cols + n * cout * cols + n * cin * cols + n * cin * cols)
    }
    func spectraCount(samples nb: Int) -> Int { n * cin * nb * tiles }

    /// The weight gradient `[C_out, C_in, K]` from the summed slot products.
    func weightGradient(_ p: UnsafePointer<Float>, inv: UnsafePointer<Float>) -> [Float] {
        let pairs = cout * cin, block = 4 * pairs, w2 = 2 * cin
        var dwf = [Float](repeating: 0, count: n * pairs)               // [n][C_out][C_in]
        for co in 0..<cout {
            for ci in 0..<cin {
                let i = co * cin + ci
                dwf[i] = p[co * w2 + ci]                                 // bin 0: G0 X0ᵀ
                dwf[pairs + i] = p[(cout + co) * w2 + cin + ci]          // bin n/2
                for s in 1..<(n / 2) {
                    let b = p + s * block
                    let p00 = b[co * w2 + ci], p01 = b[co * w2 + cin + ci]
                    let p10 = b[(cout + co) * w2 + ci], p11 = b[(cout + co) * w2 + cin + ci]
                    dwf[2 * s * pairs + i] = p00 + p11
                    dwf[(2 * s + 1) * pairs + i] = p01 - p10
                }
            }
        }
        var dwk = [Float](repeating: 0, count: kernel * pairs)          // [K][C_out·C_in]
        dwf.withUnsafeBufferPointer { pf in
            dwk.withUnsafeMutableBufferPointer { pk in
                sgemm(false, false, kernel, pairs, n, inv, n, pf.baseAddress!, pairs, pk.baseAddress!, pairs)
            }
        }
        var dw = [Float](repeating: 0, count: kernel * pairs)
        for q in 0..<pairs { for k in 0..<kernel { dw[q * kernel + k] = dwk[k * pairs + q] } }
        return dw
    }
}

extension Tape {
    /// ``conv1d(_:weight:bias:stride:padding:dilation:)`` through ``TiledDFTConvolution``: the
    /// batch split between workers as in the direct path, each worker's share in sub-chunks
    /// of about 1024 tile columns; the forward spectra are kept for the backward pass only
    /// when a gradient will be asked for.
    func tiledDFTConv1d(_ x: Variable, weight: Variable, bias: Variable?, plan: TiledDFTConvolution) -> Variable {
        let (B, cin, L) = (x.shape[0], plan.cin, plan.length)
        let (cout, K, lout) = (plan.cout, plan.kernel, plan.outLength)
        let ws = workspace
        let xv = x.value, wv = weight.value, bv = bias?.value
        let needX = x.requiresGradient, needW = weight.requiresGradient, needB = bias?.requiresGradient ?? false
        let keep = isRecording && (needX || needW || needB)
        let workers = Swift.max(1, Swift.min(Threads.count, B))
        let tiles = plan.tiles
        let sub = Swift.max(1, Swift.min((B + workers - 1) / workers, 1024 / tiles))
        let dft = plan.forwardMatrix, inv = plan.inverseMatrix
        let wf = withSerialBLAS {
            wv.withUnsafeBufferPointer { pw in
                dft.withUnsafeBufferPointer { plan.weightSpectra(pw.baseAddress!, dft: $0.baseAddress!) }
            }
        }
        let slots = plan.slotMatrices(wf, transposed: false)
        let scratchCount = plan.scratchCount(samples: sub)
        // forward spectra of every sample, [n][C_in][cols] per sub-chunk, at n·C_in·tiles·b0
        var spectra = [Float](repeating: 0, count: keep ? plan.spectraCount(samples: B) : 0)
        let transient = keep ? nil : ws.buffer(64 + 4 * workers, count: plan.spectraCount(samples: B))
        let biasScalars = bv?.scalars ?? []
        let y = Tensor(shape: [B, cout, lout]) { yo in
            let scratch = (0..<workers).map { ws.buffer(64 + 4 * $0, count: scratchCount) }
            spectra.withUnsafeMutableBufferPointer { psp in
                let kept = transient ?? psp.baseAddress!
                xv.withUnsafeBufferPointer { px in
                    dft.withUnsafeBufferPointer { pd in
                        inv.withUnsafeBufferPointer { pi in
                            wf.withUnsafeBufferPointer { pwf in
                                slots.withUnsafeBufferPointer { ps in
                                    biasScalars.withUnsafeBufferPointer { pb in
                                        withBatchWorkers(workers) { p in
                                            let share = Parallel.range(chunk: p, of: workers, count: B)
                                            forEachChunk(of: share, size: sub) { b0, nb in
                                                plan.forward(x: px.baseAddress!, b0: b0, nb: nb, dft: pd.baseAddress!,
                                                             inv: pi.baseAddress!, wf: pwf.baseAddress!,
                                                             slots: ps.baseAddress!, bias: bv == nil ? nil : pb.baseAddress,
                                                             xf: kept + plan.spectraCount(samples: b0),
                                                             scratch: scratch[p], y: yo.baseAddress!)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var inputs = [x, weight]
        if let bias { inputs.append(bias) }
        guard keep else { return constant(y) }
        let xspectra = spectra
        return record(y, inputs) { g in
            let db: Tensor? = needB ? channelSums(g) : nil
            let slotsT = needX ? plan.slotMatrices(wf, transposed: true) : []
            let pCount = (plan.n / 2) * 4 * cout * cin
            let scratch = (0..<workers).map { ws.buffer(64 + 4 * $0, count: scratchCount) }
            let partials = (0..<workers).map { ws.buffer(64 + 4 * $0 + 1, count: pCount) }
            var dxs = needX ? Tensor.zeros([B, cin, L]) : Tensor.zeros([0])
            dxs.withUnsafeMutableBufferPointer { pdx in
                g.withUnsafeBufferPointer { pg in
                    xspectra.withUnsafeBufferPointer { pxf in
                        dft.withUnsafeBufferPointer { pd in
                            inv.withUnsafeBufferPointer { pi in
                                wf.withUnsafeBufferPointer { pwf in
                                    slotsT.withUnsafeBufferPointer { pst in
                                        withBatchWorkers(workers) { p in
                                            let share = Parallel.range(chunk: p, of: workers, count: B)
                                            if share.isEmpty { partials[p].update(repeating: 0, count: pCount) }
                                            forEachChunk(of: share, size: sub) { b0, nb in
                                                plan.backward(g: pg.baseAddress!, b0: b0, nb: nb, dft: pd.baseAddress!,
                                                              inv: pi.baseAddress!, wf: pwf.baseAddress!,
                                                              slotsT: needX ? pst.baseAddress! : pd.baseAddress!,
                                                              xf: pxf.baseAddress! + plan.spectraCount(samples: b0),
                                                              scratch: scratch[p], dx: needX ? pdx.baseAddress! : nil,
                                                              dwSlots: needW ? partials[p] : nil,
                                                              beta: b0 == share.lowerBound ? 0 : 1)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            var dw: Tensor? = nil
            if needW {
                // partial sums added in worker order (reproducible for a given thread count)
                let total = partials[0]
                for p in 1..<workers {
                    let part = partials[p]
                    for i in 0..<pCount { total[i] += part[i] }
                }
                dw = withSerialBLAS {
                    inv.withUnsafeBufferPointer { pi in
                        Tensor(shape: [cout, cin, K], scalars: plan.weightGradient(total, inv: pi.baseAddress!))
                    }
                }
            }
            var out: [Tensor?] = [needX ? dxs : nil, dw]
            if bv != nil { out.append(db) }
            return out
        }
    }
}
