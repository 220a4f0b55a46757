import VolcanoCore

/// Padding of a 1-D convolution, as in `torch.nn.Conv1d`.
public enum Conv1dPadding: Sendable, Equatable {
    /// `p` zeros on both sides (`padding=p`).
    case symmetric(Int)
    /// Different amounts on each side.
    case asymmetric(left: Int, right: Int)
    /// Output length = input length (stride 1). Total padding `dilation·(k−1)`, the smaller
    /// half on the left: PyTorch's `padding='same'` (k = 32 pads 15 left, 16 right).
    case same
    /// No padding (`padding='valid'` / `padding=0`).
    case valid

    /// (left, right) zeros for a kernel of `kernel` taps and the given dilation.
    public func amounts(kernel: Int, dilation: Int) -> (left: Int, right: Int) {
        switch self {
        case .symmetric(let p): return (p, p)
        case .asymmetric(let l, let r): return (l, r)
        case .valid: return (0, 0)
        case .same:
            let total = dilation * (kernel - 1)
            return (total / 2, total - total / 2)
        }
    }
}

/// How ``Tape/conv1d(_:weight:bias:stride:padding:dilation:)`` computes a convolution.
public enum ConvolutionAlgorithm: Sendable, Equatable {
    /// ``TiledDFTConvolution`` for long kernels (stride 1, dilation 1, k ≥ 12, ≥ 8 channels in
    /// and out) where it needs fewer multiply-adds, ``DirectConvolution`` for the other stride-1
    /// convolutions of short rows (< 256 samples in and out), im2col + sgemm otherwise.
    case automatic
    /// Always im2col + sgemm (the reference the fast paths are tested against).
    case im2col
    /// ``DirectConvolution`` (sliding dot products from the input rows, no im2col) wherever it
    /// applies (stride 1, dilation 1): what `automatic` uses where tiled DFT does not pay.
    case direct
    /// ``TiledDFTConvolution`` wherever it applies (stride 1, dilation 1, 2 ≤ k ≤ 249), even when
    /// im2col would be cheaper: for tests and benchmarks of the fast path.
    case tiledDFT
}

/// Geometry of one conv1d call and its serial im2col / col2im kernels.
struct Conv1dGeometry {
    let cin, length, kernel, stride, dilation, padLeft, outLength: Int
    var rows: Int { cin * kernel }          // im2col rows (the GEMM's inner dimension)

    /// Output positions t whose input index t·stride + k·dilation − padLeft lies in [0, length).
    @inline(__always) func validRange(tap k: Int) -> (lo: Int, hi: Int) {
        let off = k * dilation - padLeft
        var lo = 0
        if off < 0 { lo = (-off + stride - 1) / stride }
        let lastSrc = length - 1 - off
        var hi = lastSrc < 0 ? 0 : lastSrc / stride + 1
        hi = Swift.min(hi, outLength)
        lo = Swift.min(lo, hi)
        return (lo, hi)
    }

    /// `cols[(ci·K + k), j·L' + t] = x[b0 + j, ci, t·s + k·d − pl]` (0 outside), samples b0..<b0+nb.
    func im2col(_ x: UnsafePointer<Float>, b0: Int, nb: Int, _ cols: UnsafeMutablePointer<Float>) {
        let n = nb * outLength
        for r in 0..<rows {
            let ci = r / kernel, k = r % kernel
            let (lo, hi) = validRange(tap: k)
            let off = k * dilation - padLeft
            for j in 0..<nb {
                let dst = cols + r * n + j * outLength
                let src = x + ((b0 + j) * cin + ci) * length
                if lo > 0 { fillZeros(dst, count: lo) }
                if stride == 1 {
                    if hi > lo { copyFloats(dst + lo, src + lo + off, count: hi - lo) }
                } else {
                    for t in lo..<hi { dst[t] = src[t * stride + off] }
                }
                if hi < outLength { fillZeros(dst + hi, count: outLength - hi) }
            }
        }
    }

    /// Adjoint of `im2col`: `dx[b0 + j, ci, t·s + k·d − pl] += dcols[(ci·K + k), j·L' + t]`.
    func col2im(_ dcols: UnsafePointer<Float>, b0: Int, nb: Int, _ dx: UnsafeMutablePointer<Float>) {
        let n = nb * outLength
        for r in 0..<rows {
            let ci = r / kernel, k = r % kernel
            let (lo, hi) = validRange(tap: k)
            let off = k * dilation - padLeft
            for j in 0..<nb {
                let src = dcols + r * n + j * outLength
                let dst = dx + ((b0 + j) * cin + ci) * length
                for t in lo..<hi { dst[t * stride + off] += src[t] }
            }
        }
    }
}

extension SIMD where Scalar == Float {
    /// The vector at `p` (no alignment needed).
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self { UnsafeRawPointer(p).loadUnaligned(as: Self.self) }
    /// Writes the vector at `p` (no alignment needed).
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self) }
}

/// `dst[0..<count] = src[0..<count]` in 16-float vectors: the rows copied here are 4–150 floats,
/// for which a `memmove` call costs more than the copy (it was a tenth of an Etna training step).
/// A run of 16 or more ends with one vector that overlaps the previous one (no scalar tail);
/// shorter runs go by 8, 4 and single floats. The regions must not overlap.
@inline(__always)
func copyFloats(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
    var i = 0
    if count >= 16 {
        while i + 16 <= count {
            SIMD16<Float>.load(src + i).store(dst + i)
            i &+= 16
        }
        if i < count { SIMD16<Float>.load(src + (count &- 16)).store(dst + (count &- 16)) }
        return
    }
    if i + 8 <= count { SIMD8<Float>.load(src + i).store(dst + i); i &+= 8 }
    if i + 4 <= count { SIMD4<Float>.load(src + i).store(dst + i); i &+= 4 }
    while i < count { dst[i] = src[i]; i &+= 1 }
}

/// `dst[0..<count] = 0` without a `memset` call (short runs, see ``copyFloats(_:_:count:)``).
@inline(__always)
func fillZeros(_ dst: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    if count >= 16 {
        while i + 16 <= count {
            SIMD16<Float>().store(dst + i)
            i &+= 16
        }
        if i < count { SIMD16<Float>().store(dst + (count &- 16)) }
        return
    }
    if i + 8 <= count { SIMD8<Float>().store(dst + i); i &+= 8 }
    if i + 4 <= count { SIMD4<Float>().store(dst + i); i &+= 4 }
    while i < count { dst[i] = 0; i &+= 1 }
}

/// `dst[j, c, 0..<len] = src[c, j·len ..< (j+1)·len] (+ bias[c])`: GEMM result [C, nb·len] to NCL.
@inline(__always)
private func scatterToNCL(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, channels: Int,
                         nb: Int, len: Int, bias: UnsafePointer<Float>?) {
    let n = nb * len
    for j in 0..<nb {
        for c in 0..<channels {
            let s = src + c * n + j * len, d = dst + (j * channels + c) * len
            if let bias {
                let add = bias[c]
                for t in 0..<len { d[t] = s[t] + add }
            } else {
                copyFloats(d, s, count: len)
            }
        }
    }
}

/// Calls `body(b0, nb)` for consecutive chunks of at most `size` samples covering `share`.
@inline(__always)
func forEachChunk(of share: Range<Int>, size: Int, _ body: (_ b0: Int, _ nb: Int) -> Void) {
    var b0 = share.lowerBound
    while b0 < share.upperBound {
        let nb = Swift.min(size, share.upperBound - b0)
        body(b0, nb)
        b0 += nb
    }
}

/// `p[0..<count] += value`, 16 at a time.
func addScalar(_ value: Float, to p: UnsafeMutablePointer<Float>, count: Int) {
    typealias V = SIMD16<Float>
    let v = V(repeating: value)
    var i = 0
    while i + 16 <= count { (V.load(p + i) + v).store(p + i); i &+= 16 }
    while i < count { p[i] += value; i &+= 1 }
}

/// The number of non-zero entries (16 at a time).
func nonZeroCount(_ v: UnsafeBufferPointer<Float>) -> Int {
    typealias V = SIMD16<Float>
    var counts = SIMD16<Int32>(), i = 0
    let p = v.baseAddress!, n = v.count, one = SIMD16<Int32>(repeating: 1)
    while i + 16 <= n {
        counts &+= SIMD16<Int32>().replacing(with: one, where: V.load(p + i) .!= 0)
        i &+= 16
    }
    var total = Int(counts.wrappedSum())
    while i < n { total &+= p[i] != 0 ? 1 : 0; i &+= 1 }
    return total
}

/// Σ over batch and length of an NCL tensor: `[B, C, L] → [C]` (the bias gradient).
func channelSums(_ g: Tensor) -> Tensor {
    let (B, C, L) = (g.shape[0], g.shape[1], g.shape[2])
    return Tensor(shape: [C]) { o in
        g.withUnsafeBufferPointer { pg in
            let pg = pg.baseAddress, po = o.baseAddress
            Parallel.forRanges(C) { cr in
                for c in cr {
                    var s = 0.0
                    for b in 0..<B {
                        let row = pg! + (b * C + c) * L
                        s += Double(sumOfElements(row, count: L))
                    }
                    po![c] = Float(s)
                }
            }
        }
    }
}

extension Tape {
    /// 1-D convolution (cross-correlation, as `torch.nn.functional.conv1d`, groups = 1).
    ///
    /// - Parameters:
    ///   - x: input `[B, C_in, L]`.
    ///   - weight: `[C_out, C_in, K]`.
    ///   - bias: optional `[C_out]`.
    ///   - stride: step between output positions (≥ 1).
    ///   - padding: zeros added at the ends (see ``Conv1dPadding``; `.same` needs stride 1).
    ///   - dilation: spacing between kernel taps (≥ 1).
    /// - Returns: `[B, C_out, L']` with `L' = ⌊(L + pl + pr − d·(K−1) − 1) / s⌋ + 1`.
    ///
    /// The batch is split between ``Threads/count`` workers; each runs im2col and serial sgemm
    /// on sub-chunks of its samples. Forward `Y = W·cols`. Backward `dW = Σ G·colsᵀ` (columns
    /// rebuilt, partial sums added in worker order) and, for stride 1, `dX` as the transposed
    /// convolution `W̃·im2col(G)` with the flipped kernel (one GEMM with inner dimension
    /// C_out·K, no scatter-add); for stride > 1 `dcols = Wᵀ·G` then col2im. The input
    /// gradient is skipped when `x` needs none (the first layer).
    public func conv1d(_ x: Variable, weight: Variable, bias: Variable? = nil, stride: Int = 1,
                       padding: Conv1dPadding = .valid, dilation: Int = 1) -> Variable {
        _conv1d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, pool: nil)
    }

    /// `maxPool1d(conv1d(x, weight:bias:padding:), kernel: poolKernel, stride: poolStride,
    /// padding: poolPadding, relu: relu)` in one operation (the paper's encoder block), with the
    /// same values and gradients. Where the convolution takes the ``DirectConvolution`` path
    /// (Etna's blocks), each chunk of samples is pooled while its convolution outputs are still
    /// in cache and the full-length outputs are never stored; elsewhere it is the two operations.
    public func conv1dMaxPool(_ x: Variable, weight: Variable, bias: Variable? = nil, padding: Conv1dPadding = .valid,
                              poolKernel: Int, poolStride: Int? = nil, poolPadding: Int = 0, relu: Bool = false) -> Variable {
        _conv1d(x, weight: weight, bias: bias, stride: 1, padding: padding, dilation: 1,
                pool: (poolKernel, poolStride ?? poolKernel, poolPadding, relu))
    }

    func _conv1d(_ x: Variable, weight: Variable, bias: Variable?, stride: Int, padding: Conv1dPadding, dilation: Int,
                 pool poolSetting: (kernel: Int, stride: Int, padding: Int, relu: Bool)?) -> Variable {
        check(x.shape.count == 3 && weight.shape.count == 3 && x.shape[1] == weight.shape[1],
              "conv1d: input \(x.shape) and weight \(weight.shape) do not match ([B, C_in, L] and [C_out, C_in, K])")
        check(stride >= 1 && dilation >= 1, "conv1d: stride \(stride) and dilation \(dilation) must be ≥ 1")
        check(padding != .same || stride == 1, "conv1d: padding 'same' needs stride 1, got \(stride)")
        if let bias {
            check(bias.shape == [weight.shape[0]], "conv1d: bias \(bias.shape) does not match weight \(weight.shape)")
        }
        let (B, cin, L) = (x.shape[0], x.shape[1], x.shape[2])
        let (cout, K) = (weight.shape[0], weight.shape[2])
        let (pl, pr) = padding.amounts(kernel: K, dilation: dilation)
        let span = dilation * (K - 1) + 1
        check(L + pl + pr >= span,
              "conv1d: padded input length \(L + pl + pr) (shape \(x.shape)) is shorter than the kernel span \(span)")
        let lout = (L + pl + pr - span) / stride + 1
        let plan = stride == 1 && dilation == 1 && convolutionAlgorithm != .im2col && convolutionAlgorithm != .direct
            ? TiledDFTConvolution.plan(cin: cin, cout: weight.shape[0], length: L, kernel: K, padLeft: pl,
                                       outLength: lout, whenCheaper: convolutionAlgorithm == .automatic) : nil
        // the direct kernels of the forward pass and (stride 1) of the input gradient
        // (automatic: for rows shorter than 256 outputs, where im2col's per-row copies and the
        // packing of thin GEMM operands cost more than the products; Etna's three blocks)
        let useDirect = plan == nil && stride == 1 && dilation == 1
            && (convolutionAlgorithm == .direct || (convolutionAlgorithm != .im2col && Swift.max(lout, L) < 256))
        // pooling fused only into the direct path; elsewhere the two operations
        if let p = poolSetting, !useDirect {
            return maxPool1d(_conv1d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, pool: nil),
                             kernel: p.kernel, stride: p.stride, padding: p.padding, relu: p.relu)
        }
        let pool = poolSetting.map {
            MaxPoolRows(input: [B, cout, lout], kernel: $0.kernel, stride: $0.stride, padding: $0.padding, relu: $0.relu)
        }
        if let plan { return tiledDFTConv1d(x, weight: weight, bias: bias, plan: plan) }
        let geo = Conv1dGeometry(cin: cin, length: L, kernel: K, stride: stride, dilation: dilation,
                                 padLeft: pl, outLength: lout)
        // backward geometry for stride 1: correlate G [B, C_out, L'] with the flipped kernel
        let tgeo = Conv1dGeometry(cin: cout, length: lout, kernel: K, stride: 1, dilation: dilation,
                                  padLeft: dilation * (K - 1) - pl, outLength: L)
        let ws = workspace
        let xv = x.value, wv = weight.value, bv = bias?.value
        let needX = x.requiresGradient, needW = weight.requiresGradient, needB = bias?.requiresGradient ?? false
        let workers = Swift.max(1, Swift.min(Threads.count, B))
        let perWorker = (B + workers - 1) / Swift.max(workers, 1)
        // samples per sub-chunk: columns near 1 M floats (4 MB, cache-friendly; measured faster
        // than larger chunks) but at least 512 GEMM columns
        func samplesPerChunk(rows: Int, len: Int) -> Int {
            let fit = (1 << 20) / Swift.max(rows * len, 1), wide = (512 + len - 1) / Swift.max(len, 1)
            return Swift.max(1, Swift.min(perWorker, Swift.max(fit, wide)))
        }
        let subF = samplesPerChunk(rows: geo.rows, len: lout)
        let subX = samplesPerChunk(rows: tgeo.rows, len: L)
        var colsCount = Swift.max(geo.rows * lout * subF, needX && stride == 1 ? tgeo.rows * L * subX : 0)
        let direct = useDirect ? DirectConvolution(cin: cin, cout: cout, kernel: K, length: L, padLeft: pl, outLength: lout) : nil
        let directX = useDirect && needX
            ? DirectConvolution(cin: cout, cout: cin, kernel: K, length: lout, padLeft: K - 1 - pl, outLength: L) : nil
        let chunkF = direct?.samplesPerChunk(upTo: perWorker) ?? 0, chunkX = directX?.samplesPerChunk(upTo: perWorker) ?? 0
        let scratchF = direct?.scratch(samples: chunkF) ?? (row: 0, out: 0), scratchX = directX?.scratch(samples: chunkX) ?? (row: 0, out: 0)
        colsCount = Swift.max(colsCount, scratchF.row, scratchX.row)

        // Forward, per sub-chunk: Y2[C_out, nb·L'] = W[C_out, C_in·K] · cols[C_in·K, nb·L'] → y (NCL) + bias.
        // With one sample per chunk the product is written straight into y.
        let biasScalars = bv?.scalars ?? []
        // The forward pass's padded rows, kept for the weight gradient: worker p's m-th chunk at
        // (p·chunksPerWorker + m)·scratchF.row.
        let chunksPerWorker = chunkF > 0 ? (perWorker + chunkF - 1) / chunkF : 0
        let keepRows = direct != nil && needW && isRecording
        var keptRows = [Float](unsafeUninitializedCapacity: keepRows ? workers * chunksPerWorker * scratchF.row : 0) { _, n in
            n = keepRows ? workers * chunksPerWorker * scratchF.row : 0
        }
        // The fused pooling (direct path only): pooled outputs [B, C_out, L_p] and, for backward,
        // the position of each window's maximum.
        let keepArgmax = pool != nil && isRecording && (needX || needW || needB)
        var argmax = [Int32](repeating: 0, count: keepArgmax ? B * cout * pool!.outLength : 0)
        let y = Tensor(shape: [B, cout, pool?.outLength ?? lout]) { yo in
            let buffers = (0..<workers).map { p in
                (ws.buffer(4 * p, count: colsCount), ws.buffer(4 * p + 1, count: Swift.max(cout * subF * lout, scratchF.out)))
            }
            let arranged = direct.map { _ in
                DirectConvolution.arrangedWeightsReusing(wv.scalars, cout: cout, cin: cin, kernel: K, transposedFlipped: false)
            } ?? []
            xv.withUnsafeBufferPointer { px in
                wv.withUnsafeBufferPointer { pw in
                    biasScalars.withUnsafeBufferPointer { pbias in
                      arranged.withUnsafeBufferPointer { pa in
                      keptRows.withUnsafeMutableBufferPointer { pk in
                      argmax.withUnsafeMutableBufferPointer { pam in
                        let bp = bv == nil ? nil : pbias.baseAddress
                        let am = keepArgmax ? pam.baseAddress : nil
                        withBatchWorkers(workers) { p in
                            let (cols, y2) = buffers[p]
                            let share = Parallel.range(chunk: p, of: workers, count: B)
                            if let direct {
                                let poolScratch = pool?.allocateScratch(positions: chunkF * direct.sampleStride)
                                defer { poolScratch?.deallocate() }
                                forEachChunk(of: share, size: chunkF) { b0, nb in
                                    let m = (b0 - share.lowerBound) / chunkF
                                    let row = keepRows ? pk.baseAddress! + (p * chunksPerWorker + m) * scratchF.row : cols
                                    direct.run(px.baseAddress!, b0: b0, nb: nb, weights: pa.baseAddress!, bias: bp,
                                               into: yo.baseAddress!, row: row, out: y2,
                                               pool: pool.map { ($0, am, poolScratch!) })
                                }
                                return
                            }
                            forEachChunk(of: share, size: subF) { b0, nb in
                                let n = nb * lout
                                let dst = yo.baseAddress! + b0 * cout * lout
                                geo.im2col(px.baseAddress!, b0: b0, nb: nb, cols)
                                if nb == 1 {
                                    sgemm(false, false, cout, n, geo.rows, pw.baseAddress!, geo.rows, cols, n, dst, n)
                                    if let bp {
                                        for co in 0..<cout {
                                            let add = bp[co], d = dst + co * lout
                                            for t in 0..<lout { d[t] += add }
                                        }
                                    }
                                } else {
                                    sgemm(false, false, cout, n, geo.rows, pw.baseAddress!, geo.rows, cols, n, y2, n)
                                    scatterToNCL(y2, dst, channels: cout, nb: nb, len: lout, bias: bp)
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
        let forwardRows = keptRows
        return record(y, inputs) { gOut in
            // with the pooling: the gradient of the convolution outputs, as maxPool1d's backward
            let g = pool?.inputGradient(gOut, output: y, argmax: argmax, shape: [B, cout, lout]) ?? gOut
            var dx: Tensor? = nil
            var dw: Tensor? = nil
            let db: Tensor? = needB ? channelSums(g) : nil                          // [C_out]
            let dwSize = cout * cin * K
            let buffers = (0..<workers).map { p in
                (ws.buffer(4 * p, count: colsCount), ws.buffer(4 * p + 1, count: Swift.max(cout * Swift.max(subF, subX) * lout, scratchF.out)),
                 ws.buffer(4 * p + 2, count: Swift.max(cin * subX * L, scratchX.out)), ws.buffer(4 * p + 3, count: dwSize))
            }
            if needW {
                // dW_p[C_out, C_in·K] = Σ_chunks G2 · colsᵀ per worker, G2[co, j·L' + t] = g[b0 + j, co, t]
                // (the direct path visits only the non-zero entries of a gradient at most half full,
                // as below a max pooling with stride ≥ 2, which needs no count)
                let sparse = direct != nil && cout >= 2 && cin >= 8
                    && (pool.map { $0.stride >= 2 } ?? g.withUnsafeBufferPointer { 2 * nonZeroCount($0) <= $0.count })
                // below disjoint pooling windows, the non-zero entries come straight from the maxima
                let disjoint = pool.map { $0.stride >= $0.kernel } ?? false
                g.withUnsafeBufferPointer { pg in
                    xv.withUnsafeBufferPointer { px in
                    gOut.withUnsafeBufferPointer { pgo in
                    y.withUnsafeBufferPointer { py in
                    argmax.withUnsafeBufferPointer { pam in
                        let pooled = disjoint && sparse
                            ? DirectConvolution.PooledGradient(gradient: pgo.baseAddress!, output: py.baseAddress!, argmax: pam.baseAddress!,
                                                               outLength: pool!.outLength, relu: pool!.relu)
                            : nil
                        withBatchWorkers(workers) { p in
                            let (cols, g2, _, dwp) = buffers[p]
                            let share = Parallel.range(chunk: p, of: workers, count: B)
                            if let direct {
                                dwp.update(repeating: 0, count: dwSize)
                                forwardRows.withUnsafeBufferPointer { pk in
                                    forEachChunk(of: share, size: chunkF) { b0, nb in
                                        let m = (b0 - share.lowerBound) / chunkF
                                        let row = keepRows ? UnsafeMutablePointer(mutating: pk.baseAddress!)
                                            + (p * chunksPerWorker + m) * scratchF.row : cols
                                        direct.addWeightGradient(px.baseAddress!, pg.baseAddress!, b0: b0, nb: nb, into: dwp,
                                                                 row: row, gcat: g2, rowsReady: keepRows, sparse: sparse, pooled: pooled)
                                    }
                                }
                                return
                            }
                            if share.isEmpty { dwp.update(repeating: 0, count: dwSize) }
                            forEachChunk(of: share, size: subF) { b0, nb in
                                let n = nb * lout
                                let gChunk = pg.baseAddress! + b0 * cout * lout
                                var gm = UnsafePointer(gChunk)
                                if nb > 1 {
                                    for j in 0..<nb {
                                        for co in 0..<cout {
                                            copyFloats(g2 + co * n + j * lout, gChunk + (j * cout + co) * lout, count: lout)
                                        }
                                    }
                                    gm = UnsafePointer(g2)
                                }
                                geo.im2col(px.baseAddress!, b0: b0, nb: nb, cols)
                                sgemm(false, true, cout, geo.rows, n, gm, n, cols, n,
                                      beta: b0 == share.lowerBound ? 0 : 1, dwp, geo.rows)
                            }
                        }
                    }}}
                    }
                }
                // partial sums added in worker order (reproducible for a given thread count)
                dw = Tensor(shape: [cout, cin, K]) { o in
                    o.baseAddress!.update(from: buffers[0].3, count: dwSize)
                    for p in 1..<Swift.max(workers, 1) {
                        let part = buffers[p].3
                        for i in 0..<dwSize { o[i] += part[i] }
                    }
                }
            }
            if needX && stride == 1 {
                // dX[C_in, nb·L] = W̃[C_in, C_out·K] · im2col(G)[C_out·K, nb·L], with the flipped,
                // transposed kernel W̃[ci, co·K + k'] = W[co, ci, K−1−k']
                // (the direct kernel reads the same weights in its own order)
                let wf = directX != nil
                    ? DirectConvolution.arrangedWeightsReusing(wv.scalars, cout: cout, cin: cin, kernel: K, transposedFlipped: true)
                    : [Float](unsafeUninitializedCapacity: cin * cout * K) { o, n in
                        for co in 0..<cout { for ci in 0..<cin { for k in 0..<K {
                            o[ci * cout * K + co * K + (K - 1 - k)] = wv.scalars[(co * cin + ci) * K + k]
                        } } }
                        n = cin * cout * K
                    }
                dx = Tensor(shape: [B, cin, L]) { pdx in
                    g.withUnsafeBufferPointer { pg in
                        wf.withUnsafeBufferPointer { pwf in
                            withBatchWorkers(workers) { p in
                                let (cols, _, dxb, _) = buffers[p]
                                let share = Parallel.range(chunk: p, of: workers, count: B)
                                if let directX {
                                    forEachChunk(of: share, size: chunkX) { b0, nb in
                                        directX.run(pg.baseAddress!, b0: b0, nb: nb, weights: pwf.baseAddress!, bias: nil,
                                                    into: pdx.baseAddress!, row: cols, out: dxb)
                                    }
                                    return
                                }
                                forEachChunk(of: share, size: subX) { b0, nb in
                                    let n = nb * L
                                    let dst = pdx.baseAddress! + b0 * cin * L
                                    tgeo.im2col(pg.baseAddress!, b0: b0, nb: nb, cols)
                                    sgemm(false, false, cin, n, tgeo.rows, pwf.baseAddress!, tgeo.rows, cols, n,
                                          nb == 1 ? dst : dxb, n)
                                    if nb > 1 { scatterToNCL(dxb, dst, channels: cin, nb: nb, len: L, bias: nil) }
                                }
                            }
                        }
                    }
                }
            } else if needX {
                // stride > 1: dcols[C_in·K, nb·L'] = Wᵀ · G2, then col2im (scatter-add)
                var dxs = Tensor.zeros([B, cin, L])
                dxs.withUnsafeMutableBufferPointer { pdx in
                    g.withUnsafeBufferPointer { pg in
                        wv.withUnsafeBufferPointer { pw in
                            withBatchWorkers(workers) { p in
                                let (cols, g2, _, _) = buffers[p]
                                let share = Parallel.range(chunk: p, of: workers, count: B)
                                forEachChunk(of: share, size: subF) { b0, nb in
                                    let n = nb * lout
                                    let gChunk = pg.baseAddress! + b0 * cout * lout
                                    for j in 0..<nb {
                                        for co in 0..<cout {
                                            copyFloats(g2 + co * n + j * lout, gChunk + (j * cout + co) * lout, count: lout)
                                        }
                                    }
                                    sgemm(true, false, geo.rows, n, cout, pw.baseAddress!, geo.rows, g2, n, cols, n)
                                    geo.col2im(cols, b0: b0, nb: nb, pdx.baseAddress!)
                                }
                            }
                        }
                    }
                }
                dx = dxs
            }
            var out: [Tensor?] = [dx, dw]
            if bv != nil { out.append(db) }
            return out
        }
    }
}
