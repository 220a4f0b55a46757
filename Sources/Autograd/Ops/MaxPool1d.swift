import VolcanoCore

extension Tape {
    /// 1-D max pooling (as `torch.nn.functional.max_pool1d`, floor mode), optionally followed
    /// by ReLU in the same pass.
    ///
    /// - Parameters:
    ///   - x: `[B, C, L]`.
    ///   - kernel: window size (≥ 1).
    ///   - stride: step between windows (default: `kernel`).
    ///   - padding: implicit −∞ on both ends (≤ kernel / 2, as PyTorch requires).
    ///   - relu: apply ``relu(_:)`` to the result (the paper's block: pool → ReLU); bit for bit
    ///     `relu(maxPool1d(x))`, without the second pass over the data and its tape entry.
    /// - Returns: `[B, C, L']` with `L' = ⌊(L + 2p − k) / s⌋ + 1`.
    ///
    /// Backward routes each output gradient to the (first) maximal input of its window (with
    /// `relu`, only where the output is positive).
    public func maxPool1d(_ x: Variable, kernel: Int, stride: Int? = nil, padding: Int = 0, relu: Bool = false) -> Variable {
        let s = stride ?? kernel
        check(x.shape.count == 3, "maxPool1d: input must be [B, C, L], got \(x.shape)")
        let (B, C, L) = (x.shape[0], x.shape[1], x.shape[2])
        let rows = B * C
        let pool = MaxPoolRows(input: x.shape, kernel: kernel, stride: s, padding: padding, relu: relu)
        let lout = pool.outLength
        // argmax[row, t] = input position of the window maximum (Int32), kept only for backward
        let keepIndex = isRecording && x.requiresGradient
        var argmax = [Int32](repeating: 0, count: keepIndex ? rows * lout : 0)
        let xv = x.value
        let y = Tensor(shape: [B, C, lout]) { yo in
            xv.withUnsafeBufferPointer { px in
                argmax.withUnsafeMutableBufferPointer { pa in
                    // an empty array may still hand out a (shared, read-only) base address
                    let px = px.baseAddress!, yo = yo.baseAddress!, pa = keepIndex ? pa.baseAddress : nil
                    Parallel.forRanges(rows, minChunk: 16) { rr in
                        let scratch = pool.allocateScratch()
                        defer { scratch.deallocate() }
                        for r in rr {
                            pool.forward(px + r &* L, into: yo + r &* lout, argmax: pa.map { $0 + r &* lout }, scratch: scratch)
                        }
                    }
                }
            }
        }
        let shapeX = x.shape
        return record(y, [x]) { g in [pool.inputGradient(g, output: y, argmax: argmax, shape: shapeX)] }
    }
}

/// The row kernels of a 1-D max pooling (floor mode, −∞ padding, optional ReLU after), shared
/// by ``Tape/maxPool1d(_:kernel:stride:padding:relu:)`` and the pooling stage of the fused
/// convolution (``Tape/conv1dMaxPool(_:weight:bias:padding:poolKernel:poolStride:poolPadding:relu:)``).
struct MaxPoolRows: Sendable {
    let length, kernel, stride, padding, outLength: Int
    let relu: Bool
    /// Outputs whose window lies wholly inside the row: `innerStart ..< innerEnd` (no clamping).
    let innerStart, innerEnd: Int

    /// The pooling of rows of an input of `shape` `[B, C, L]`; stops with a message for invalid
    /// settings or rows shorter than a window.
    init(input shape: [Int], kernel: Int, stride s: Int, padding: Int, relu: Bool) {
        check(kernel >= 1 && s >= 1 && padding >= 0 && padding <= kernel / 2,
              "maxPool1d: kernel \(kernel), stride \(s), padding \(padding) invalid (padding ≤ kernel/2)")
        let L = shape[2]
        check(L + 2 * padding >= kernel,
              "maxPool1d: padded length \(L + 2 * padding) of input \(shape) is shorter than kernel \(kernel)")
        self.init(length: L, kernel: kernel, stride: s, padding: padding, relu: relu)
    }

    init(length L: Int, kernel: Int, stride s: Int, padding: Int, relu: Bool) {
        (length, self.kernel, stride, self.padding, self.relu) = (L, kernel, s, padding, relu)
        outLength = (L + 2 * padding - kernel) / s + 1
        innerStart = Swift.min(outLength, (padding + s - 1) / s)
        innerEnd = Swift.max(innerStart, Swift.min(outLength, L + padding >= kernel ? (L + padding - kernel) / s + 1 : 0))
    }

    /// Scratch for ``forward(_:into:argmax:scratch:)`` on rows of `positions` values (the row
    /// length by default; a chunk's run for ``forward(samples:_:sampleStride:into:outputStride:argmax:scratch:)``).
    /// The caller deallocates it.
    func allocateScratch(positions: Int? = nil) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer.allocate(byteCount: 8 * ((positions ?? length) + 16), alignment: 64)
    }

    /// `dst[t] = max over window t of src` (then ReLU if asked), and the position of the (first)
    /// maximum in `argmax` when given.
    @inline(__always)
    func forward(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, argmax am: UnsafeMutablePointer<Int32>?,
                 scratch: UnsafeMutableRawPointer) {
        clamped(src, into: dst, argmax: am, 0..<innerStart)
        let span = innerEnd > innerStart ? (innerEnd &- innerStart &- 1) &* stride &+ 1 : 0
        let lo = innerStart &* stride &- padding
        if span >= ScanVector.scalarCount && scan(src + lo, span: span, withIndex: am != nil, scratch: scratch) {
            pick(scratch, span: span, offset: 0, windows: innerStart..<innerEnd, into: dst, argmax: am)
        } else {
            clamped(src, into: dst, argmax: am, innerStart..<innerEnd)
        }
        clamped(src, into: dst, argmax: am, innerEnd..<outLength)
    }

    /// ``forward(_:into:argmax:scratch:)`` of `count` rows that lie `sampleStride` apart in `src`
    /// (the outputs of a chunk of samples with the positions between them, as the direct
    /// convolution leaves them), row `j` into `dst + j·outputStride` (and `argmax + j·outputStride`):
    /// the same values, with the windows of all the rows scanned in one vector pass over the run
    /// (the per-row passes of short rows were mostly loop overhead). The `padding` positions after
    /// each row but the last and before each row but the first are overwritten with copies of the
    /// row's end values, so that the clamped windows at the rows' ends are ordinary windows of the
    /// run (a copy before the row wins only where the row's first value does: its position is
    /// then taken as 0). Falls back to row by row on a NaN or infinity anywhere in the run, or
    /// when the rows are less than `2·padding` apart.
    @inline(__always)
    func forward(samples count: Int, _ src: UnsafeMutablePointer<Float>, sampleStride S: Int, into dst: UnsafeMutablePointer<Float>,
                 outputStride: Int, argmax am: UnsafeMutablePointer<Int32>?, scratch: UnsafeMutableRawPointer) {
        let L = length, p = padding, lout = outLength
        let lo = innerStart &* stride &- p
        let span = innerEnd > innerStart ? (count &- 1) &* S &+ (innerEnd &- innerStart &- 1) &* stride &+ 1 : 0
        func rowByRow() {
            for j in 0..<count {
                forward(src + j &* S, into: dst + j &* outputStride, argmax: am.map { $0 + j &* outputStride }, scratch: scratch)
            }
        }
        guard count > 1, S - L >= 2 * p, span >= ScanVector.scalarCount else { return rowByRow() }
        for j in 0..<(count &- 1) {
            let end = src + (j &* S &+ L), next = src + (j &+ 1) &* S
            for i in 0..<p { end[i] = end[-1]; next[i &- p] = next[0] }
        }
        guard scan(src + lo, span: span, withIndex: am != nil, scratch: scratch) else { return rowByRow() }
        for j in 0..<count {
            let d = dst + j &* outputStride, a = am.map { $0 + j &* outputStride }
            // windows first ..< last from the scan; the first row's left end and the last row's
            // right end clamped as usual
            let first = j == 0 ? innerStart : 0, last = j == count &- 1 ? innerEnd : lout
            if j == 0 { clamped(src, into: d, argmax: a, 0..<innerStart) }
            pick(scratch, span: span, offset: j &* S &+ first &* stride &- p &- lo, windows: first..<last, into: d, argmax: a)
            if j == count &- 1 { clamped(src + j &* S, into: d, argmax: a, innerEnd..<lout) }
        }
    }

    /// The outputs of windows `ts`, each clamped to the row (the −∞ padding never wins): one
    /// pass of selects per window (no branches to mispredict); strict > keeps the first index
    /// holding the maximum, as PyTorch. A NaN (or ∞ − ∞) makes the sum NaN: the output is then
    /// the window's first NaN, as in PyTorch.
    @inline(__always)
    private func clamped(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, argmax am: UnsafeMutablePointer<Int32>?,
                         _ ts: Range<Int>) {
        for t in ts {
            let start = t &* stride &- padding
            let lo = Swift.max(start, 0), hi = Swift.min(start &+ kernel, length)
            let w = src + lo, n = hi &- lo
            var best = w[0], check = w[0], bi = 0
            var i = 1
            while i < n {
                let v = w[i]
                let wins = v > best
                best = wins ? v : best
                bi = wins ? i : bi
                check += v
                i &+= 1
            }
            if check.isNaN, let k = (0..<n).first(where: { w[$0].isNaN }) { best = w[k]; bi = k }
            dst[t] = relu ? (best > 0 ? best : 0) : best
            if let am { am[t] = Int32(truncatingIfNeeded: bi &+ lo) }
        }
    }

    #if VSSL_BUILT_FOR_AVX512
    typealias ScanVector = SIMD16<Float>
    typealias ScanIndex = SIMD16<Int32>
    #else
    typealias ScanVector = SIMD8<Float>
    typealias ScanIndex = SIMD8<Int32>
    #endif

    /// The maximum of the window starting at each of `w[0 ..< span]` (every start, not only every
    /// stride-th) and its offset in the window, into `scratch` (a vector at a time, the last one
    /// overlapping the one before); the common widths as constants, so that the window loop
    /// unrolls (Etna's pools are 3 wide). False (and nothing usable) if an entry read is not
    /// finite: every entry but the last `width − 1` starts a window, whose maximum is then NaN
    /// (a NaN) or infinite, caught as `m − m ≠ 0`; the last ones are looked at one by one.
    @inline(__always)
    private func scan(_ w: UnsafePointer<Float>, span: Int, withIndex: Bool, scratch: UnsafeMutableRawPointer) -> Bool {
        typealias V = ScanVector
        let lanes = V.scalarCount
        let best = scratch.bindMemory(to: Float.self, capacity: span + 16)
        // (the offsets' bits stored as floats, so that the pick shuffles them as it does the maxima)
        let index = (scratch + 4 * (span + 16)).bindMemory(to: Float.self, capacity: span + 16)
        @inline(__always) func run(_ width: Int, _ withIndex: Bool) -> V {
            @inline(__always) func at(_ base: Int) -> V {
                var m = V.load(w + base), bi = ScanIndex()
                let first = m
                for j in 1..<width {
                    let v = V.load(w + (base &+ j))
                    let wins = v .> m
                    m.replace(with: v, where: wins)
                    if withIndex { bi.replace(with: Int32(truncatingIfNeeded: j), where: wins) }
                }
                m.store(best + base)
                if withIndex { unsafeBitCast(bi, to: V.self).store(index + base) }
                return first - first
            }
            var base = 0, bad = V()
            while base &+ lanes <= span { bad += at(base); base &+= lanes }
            if base < span { bad += at(span &- lanes) }
            return bad
        }
        @inline(__always) func run(_ width: Int) -> V { withIndex ? run(width, true) : run(width, false) }
        let bad: V
        switch kernel {
        case 2: bad = run(2)
        case 3: bad = run(3)
        case 4: bad = run(4)
        default: bad = run(kernel)
        }
        var finite = true
        for i in 0..<lanes { finite = finite && bad[i] == 0 }
        for i in span..<(span &+ kernel &- 1) { finite = finite && w[i].isFinite }
        return finite
    }

    /// Windows `ts` of one row from a ``scan(_:span:withIndex:scratch:)`` of `span` starts: window
    /// `ts.lowerBound` starts `offset` starts into the scan, the others every `stride` after it.
    /// A maximum found before the row's start (a copy of its first value) is at position 0.
    @inline(__always)
    private func pick(_ scratch: UnsafeMutableRawPointer, span: Int, offset: Int, windows ts: Range<Int>,
                      into dst: UnsafeMutablePointer<Float>, argmax am: UnsafeMutablePointer<Int32>?) {
        let best = scratch.assumingMemoryBound(to: Float.self) + offset
        let index = (scratch + 4 * (span + 16)).assumingMemoryBound(to: Float.self) + offset
        let s = stride, n = ts.count, d = dst + ts.lowerBound, relu = self.relu
        let start = ts.lowerBound &* s &- padding   // the first window's start in the row
        var k = 0
        if s == 3 && n >= 16 {
            // 16 windows from 48 starts: two two-source shuffles instead of 16 scalar loads
            typealias V = SIMD16<Float>
            typealias I = SIMD16<Int32>
            let steps = I(0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45)
            @inline(__always) func at(_ k: Int) {
                let b = best + 3 &* k
                let x = V(b[0], b[3], b[6], b[9], b[12], b[15], b[18], b[21], b[24], b[27], b[30], b[33], b[36], b[39], b[42], b[45])
                (relu ? x.replacing(with: 0, where: .!(x .> 0)) : x).store(d + k)
                if let am {
                    // (the same shuffles on the offsets' bits; negatives cleared by their sign)
                    let i = index + 3 &* k
                    let bits = V(i[0], i[3], i[6], i[9], i[12], i[15], i[18], i[21], i[24], i[27], i[30], i[33], i[36], i[39], i[42], i[45])
                    let v = unsafeBitCast(bits, to: I.self) &+ steps &+ Int32(truncatingIfNeeded: start &+ 3 &* k)
                    UnsafeMutableRawPointer(am + (ts.lowerBound &+ k)).storeBytes(of: unsafeBitCast(v & ~(v &>> 31), to: V.self), as: V.self)
                }
            }
            while k &+ 16 <= n { at(k); k &+= 16 }
            if k < n { at(n &- 16) }
            return
        }
        for k in 0..<n { let v = best[k &* s]; d[k] = relu ? (v > 0 ? v : 0) : v }
        if let am {
            let a = am + ts.lowerBound
            for k in 0..<n { a[k] = Swift.max(0, Int32(bitPattern: index[k &* s].bitPattern) &+ Int32(truncatingIfNeeded: start &+ k &* s)) }
        }
    }

    /// The input gradient (`shape`, `[B, C, L]`) from the output gradient `g`, the outputs and
    /// the positions of the maxima (`[B, C, L']` each), row by row with ``backward(_:output:argmax:into:)``.
    func inputGradient(_ g: Tensor, output y: Tensor, argmax: [Int32], shape: [Int]) -> Tensor {
        let lout = outLength, L = length
        return Tensor(shape: shape) { dx in
            g.withUnsafeBufferPointer { pg in
                y.withUnsafeBufferPointer { py in
                    argmax.withUnsafeBufferPointer { pa in
                        let dx = dx.baseAddress!, pg = pg.baseAddress!, py = py.baseAddress!, pa = pa.baseAddress!
                        Parallel.forRanges(shape[0] * shape[1], minChunk: 16) { rr in
                            for r in rr { backward(pg + r * lout, output: py + r * lout, argmax: pa + r * lout, into: dx + r * L) }
                        }
                    }
                }
            }
        }
    }

    /// The input gradient of one row: each output's gradient `g[t]` at the position of its window's
    /// maximum (with ReLU, only where the output `y[t]` is positive), zeros elsewhere.
    @inline(__always)
    func backward(_ g: UnsafePointer<Float>, output y: UnsafePointer<Float>, argmax am: UnsafePointer<Int32>,
                  into d: UnsafeMutablePointer<Float>) {
        let relu = self.relu
        fillZeros(d, count: length)
        // no branch on the sign (half the outputs are zero, unpredictably);
        // windows that do not overlap never share a maximum, so their
        // gradients are stored, not added (no load waiting on the store before)
        if stride >= kernel {
            if relu {
                // the masked gradients first (16 at a time), then stored at the maxima
                withUnsafeTemporaryAllocation(of: Float.self, capacity: outLength + 16) { v in
                    let v = v.baseAddress!
                    typealias V = SIMD16<Float>
                    var t = 0
                    while t + 16 <= outLength {
                        V().replacing(with: V.load(g + t), where: V.load(y + t) .> 0).store(v + t)
                        t &+= 16
                    }
                    while t < outLength { v[t] = y[t] > 0 ? g[t] : 0; t &+= 1 }
                    for t in 0..<outLength { d[Int(am[t])] = v[t] }
                }
            } else {
                for t in 0..<outLength { d[Int(am[t])] = g[t] }
            }
        } else {
            for t in 0..<outLength { d[Int(am[t])] += relu && !(y[t] > 0) ? 0 : g[t] }
        }
    }
}
