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

    /// Scratch for ``forward(_:into:argmax:scratch:)`` (the caller deallocates it).
    func allocateScratch() -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer.allocate(byteCount: 8 * (length + 8), alignment: 64)
    }

    /// `dst[t] = max over window t of src` (then ReLU if asked), and the position of the (first)
    /// maximum in `argmax` when given.
    @inline(__always)
    func forward(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, argmax am: UnsafeMutablePointer<Int32>?,
                 scratch: UnsafeMutableRawPointer) {
        let L = length, s = stride, kernel = self.kernel, padding = self.padding, relu = self.relu
        let scratchBest = scratch.bindMemory(to: Float.self, capacity: L + 8)
        let scratchIndex = (scratch + 4 * (L + 8)).bindMemory(to: Int32.self, capacity: L + 8)
        @inline(__always) func finish(_ v: Float) -> Float { relu ? (v > 0 ? v : 0) : v }
        // One window lo..<hi (the −∞ padding never wins): one pass of selects
        // (no branches to mispredict); strict > keeps the first index holding
        // the maximum, as PyTorch. A NaN (or ∞ − ∞) makes the sum NaN: the
        // output is then the window's first NaN, as in PyTorch.
        @inline(__always) func pool(_ t: Int, _ lo: Int, _ hi: Int) {
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
            dst[t] = finish(best)
            if let am { am[t] = Int32(truncatingIfNeeded: bi &+ lo) }
        }
        // windows at the row's ends, clamped to it
        @inline(__always) func poolClamped(_ ts: Range<Int>) {
            for t in ts {
                let start = t &* s &- padding
                pool(t, Swift.max(start, 0), Swift.min(start &+ kernel, L))
            }
        }
        poolClamped(0..<innerStart)
        // inner windows; the common sizes as constants, so that the window
        // loop unrolls (Etna's pools are 3 wide)
        @inline(__always) func inner(_ width: Int) {
            var lo = innerStart &* s &- padding
            var t = innerStart
            // vectors of 8 window starts, every start (not only every s-th) in
            // one pass of loads and selects, the outputs then picked out; a
            // NaN anywhere leaves those windows to the scalar pass
            let span = innerEnd > innerStart ? (innerEnd &- innerStart &- 1) &* s &+ 1 : 0
            if span >= 8 {
                typealias V = SIMD8<Float>
                let w = src + lo, vectorEnd = span / 8 * 8
                var nan = SIMDMask<SIMD8<Int32>>()
                // (the positions of the maxima only where backward needs them)
                @inline(__always) func scan(_ withIndex: Bool) {
                    var base = 0
                    while base < vectorEnd {
                        var best = V.load(w + base), bi = SIMD8<Int32>(), check = best
                        for j in 1..<width {
                            let v = V.load(w + (base &+ j))
                            let wins = v .> best
                            best.replace(with: v, where: wins)
                            if withIndex { bi.replace(with: Int32(truncatingIfNeeded: j), where: wins) }
                            check += v
                        }
                        nan .|= check .!= check
                        best.store(scratchBest + base)
                        if withIndex {
                            UnsafeMutableRawPointer(scratchIndex + base).storeBytes(of: bi, as: SIMD8<Int32>.self)
                        }
                        base &+= 8
                    }
                }
                if am != nil { scan(true) } else { scan(false) }
                if !any(nan) {
                    let picked = (vectorEnd &+ s &- 1) / s
                    let d = dst + t, first = Int32(truncatingIfNeeded: lo)
                    for n in 0..<picked { d[n] = finish(scratchBest[n &* s]) }
                    if let am {
                        let a = am + t
                        for n in 0..<picked {
                            a[n] = scratchIndex[n &* s] &+ first &+ Int32(truncatingIfNeeded: n &* s)
                        }
                    }
                    t &+= picked
                    lo &+= picked &* s
                }
            }
            while t < innerEnd {
                pool(t, lo, lo &+ width)
                lo &+= s
                t &+= 1
            }
        }
        switch kernel {
        case 2: inner(2)
        case 3: inner(3)
        case 4: inner(4)
        default: inner(kernel)
        }
        poolClamped(innerEnd..<outLength)
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
