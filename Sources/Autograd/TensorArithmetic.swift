import VolcanoCore

// Elementwise arithmetic with NumPy broadcasting, and the reductions along axes.

/// Elements per parallel chunk of the elementwise loops (smaller loops stay serial).
let elementwiseGrain = 1 << 16

extension Tensor {
    /// The NumPy broadcast of two shapes (align trailing axes; extents must match or be 1).
    public static func broadcastShape(_ a: [Int], _ b: [Int], op: String = "broadcast") -> [Int] {
        let r = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            check(da == db || da == 1 || db == 1,
                  "\(op): shapes \(a) and \(b) cannot be broadcast together")
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Strides of `shape` viewed inside the broadcast shape `target` (0 along broadcast axes).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let st = Tensor.strides(of: shape)
        let off = target.count - shape.count
        return (0..<target.count).map { i in
            i < off ? 0 : (shape[i - off] == 1 && target[i] != 1 ? 0 : st[i - off])
        }
    }

    /// Elementwise `f(a, b)` over the broadcast of both shapes, for any closure (not for the
    /// hot loops: the closure is called per element; see the kernel overload).
    @inline(__always)
    static func zipBroadcast(_ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float) -> Tensor {
        withoutActuallyEscaping(f) { f in zipBroadcast(a, b, op: op, _ClosureBinary(f: f)) }
    }

    /// Elementwise `f(a, b)` over the broadcast of both shapes. The loops are compiled for the
    /// kernel type, so the arithmetic kernels run as vector loops.
    @inline(__always)
    static func zipBroadcast<F: _BinaryKernel>(_ a: Tensor, _ b: Tensor, op: String, _ f: F) -> Tensor {
        if a.shape == b.shape {
            return Tensor(shape: a.shape) { o in
                guard let po = o.baseAddress else { return }
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        let pa = pa.baseAddress!, pb = pb.baseAddress!
                        Parallel.forRanges(o.count, minChunk: elementwiseGrain) { r in
                            for i in r { po[i] = f(pa[i], pb[i]) }
                        }
                    }
                }
            }
        }
        let shape = broadcastShape(a.shape, b.shape, op: op)
        if b.count == 1 && shape == a.shape {
            let s = b.scalars[0]
            return Tensor(shape: shape) { o in
                a.withUnsafeBufferPointer { pa in
                    let pa = pa.baseAddress!, po = o.baseAddress!
                    for i in 0..<o.count { po[i] = f(pa[i], s) }
                }
            }
        }
        if a.count == 1 && shape == b.shape {
            let s = a.scalars[0]
            return Tensor(shape: shape) { o in
                b.withUnsafeBufferPointer { pb in
                    let pb = pb.baseAddress!, po = o.baseAddress!
                    for i in 0..<o.count { po[i] = f(s, pb[i]) }
                }
            }
        }
        let sa = broadcastStrides(a.shape, to: shape), sb = broadcastStrides(b.shape, to: shape)
        let r = shape.count
        let inner = shape[r - 1], ia = sa[r - 1], ib = sb[r - 1]
        let outer = shape.reduce(1, *) / Swift.max(inner, 1)
        return Tensor(shape: shape) { o in
            guard inner > 0 else { return }
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    let pa = pa.baseAddress!, pb = pb.baseAddress!, po = o.baseAddress!
                    var idx = [Int](repeating: 0, count: r)
                    var offA = 0, offB = 0
                    for row in 0..<outer {
                        let dst = po + row * inner, ra = pa + offA, rb = pb + offB
                        if ia == 1 && ib == 1 {
                            for j in 0..<inner { dst[j] = f(ra[j], rb[j]) }
                        } else if ia == 1 && ib == 0 {
                            let v = rb[0]
                            for j in 0..<inner { dst[j] = f(ra[j], v) }
                        } else if ia == 0 && ib == 1 {
                            let v = ra[0]
                            for j in 0..<inner { dst[j] = f(v, rb[j]) }
                        } else {
                            for j in 0..<inner { dst[j] = f(ra[j * ia], rb[j * ib]) }
                        }
                        // advance the multi-index over the outer axes
                        var d = r - 2
                        while d >= 0 {
                            idx[d] += 1
                            offA += sa[d]; offB += sb[d]
                            if idx[d] < shape[d] { break }
                            offA -= sa[d] * shape[d]; offB -= sb[d] * shape[d]
                            idx[d] = 0
                            d -= 1
                        }
                    }
                }
            }
        }
    }

    /// Elementwise `f(x)` for any closure (called per element; see the kernel overload).
    @inline(__always)
    func mapElements(_ f: (Float) -> Float) -> Tensor {
        withoutActuallyEscaping(f) { f in mapElements(_ClosureUnary(f: f)) }
    }

    /// Elementwise `f(x)`, the loop compiled for the kernel type.
    @inline(__always)
    func mapElements<F: _UnaryKernel>(_ f: F) -> Tensor {
        Tensor(shape: shape) { o in
            guard let po = o.baseAddress else { return }
            withUnsafeBufferPointer { p in
                let p = p.baseAddress!
                Parallel.forRanges(o.count, minChunk: elementwiseGrain) { r in
                    for i in r { po[i] = f(p[i]) }
                }
            }
        }
    }

    /// Elementwise `f(x)` for any closure (convenience; not for hot loops).
    public func map(_ f: (Float) -> Float) -> Tensor { mapElements(f) }

    public static func + (a: Tensor, b: Tensor) -> Tensor { zipBroadcast(a, b, op: "add", _Add()) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { zipBroadcast(a, b, op: "sub", _Subtract()) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { zipBroadcast(a, b, op: "mul", _Multiply()) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { zipBroadcast(a, b, op: "div", _Divide()) }
    public static func + (a: Tensor, s: Float) -> Tensor { a.mapElements(_OffsetKernel(offset: s)) }
    public static func - (a: Tensor, s: Float) -> Tensor { a.mapElements(_OffsetKernel(offset: -s)) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.mapElements(_ScaleKernel(scale: s)) }
    public static func / (a: Tensor, s: Float) -> Tensor { a.mapElements { $0 / s } }
    public static func * (s: Float, a: Tensor) -> Tensor { a.mapElements(_ScaleKernel(scale: s)) }
    public static prefix func - (a: Tensor) -> Tensor { a.mapElements(_ScaleKernel(scale: -1)) }

    /// `self += other` in place; shapes must be equal.
    public static func += (a: inout Tensor, b: Tensor) {
        check(a.shape == b.shape, "add (in place): shapes \(a.shape) and \(b.shape) differ")
        b.withUnsafeBufferPointer { pb in
            a.withUnsafeMutableBufferPointer { pa in
                for i in 0..<pa.count { pa[i] += pb[i] }
            }
        }
    }

    // MARK: Reductions

    /// (outer, n, inner) factorisation of the shape around one axis.
    func around(_ axis: Int) -> (outer: Int, n: Int, inner: Int) {
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        return (outer, shape[axis], inner)
    }

    /// Shape after reducing `axes` (kept as 1 or removed).
    func reducedShape(_ axes: Set<Int>, keepDims: Bool) -> [Int] {
        var s: [Int] = []
        for (i, n) in shape.enumerated() {
            if axes.contains(i) { if keepDims { s.append(1) } } else { s.append(n) }
        }
        return s
    }

    /// Reduce one axis (kept as extent 1) with `initial` and `combine`.
    @inline(__always)
    func reduceAxis<F: _BinaryKernel>(_ axis: Int, initial: Float, _ combine: F) -> Tensor {
        let (outer, n, inner) = around(axis)
        var s = shape
        s[axis] = 1
        return Tensor(shape: s) { o in
            withUnsafeBufferPointer { p in
                let p = p.baseAddress!, o = o.baseAddress!
                for i in 0..<(outer * inner) { o[i] = initial }
                for a in 0..<outer {
                    let dst = o + a * inner
                    for k in 0..<n {
                        let src = p + (a * n + k) * inner
                        for j in 0..<inner { dst[j] = combine(dst[j], src[j]) }
                    }
                }
            }
        }
    }

    func normalizedAxes(_ axes: [Int]?, op: String) -> [Int] {
        guard let axes else { return Array(0..<rank) }
        return Array(Set(axes.map { axis($0, op: op) })).sorted()
    }

    /// Sum over `axes` (all axes when `nil`). Negative axes count from the end.
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = normalizedAxes(axes, op: "sum")
        var t = self
        for a in ax { t = t.reduceAxis(a, initial: 0, _Add()) }
        return t.reshaped(reducedShape(Set(ax), keepDims: keepDims))
    }

    /// Mean over `axes` (all axes when `nil`).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = normalizedAxes(axes, op: "mean")
        let n = ax.reduce(1) { $0 * shape[$1] }
        return sum(axes: ax, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }

    /// Maximum over `axes` (all axes when `nil`).
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = normalizedAxes(axes, op: "max")
        var t = self
        for a in ax { t = t.reduceAxis(a, initial: -.infinity, _Maximum()) }
        return t.reshaped(reducedShape(Set(ax), keepDims: keepDims))
    }

    /// Variance over `axes`; `unbiased` divides by n − 1 (as `torch.var` default), else by n.
    public func variance(axes: [Int]? = nil, unbiased: Bool = false, keepDims: Bool = false) -> Tensor {
        let ax = normalizedAxes(axes, op: "variance")
        let n = ax.reduce(1) { $0 * shape[$1] }
        let m = mean(axes: ax, keepDims: true)
        let d = self - m
        let ss = (d * d).sum(axes: ax, keepDims: keepDims)
        return ss * (1 / Float(Swift.max(unbiased ? n - 1 : n, 1)))
    }

    /// Index of the largest element along `axis` (first one on ties), one per remaining
    /// position in row-major order; the result has the shape with `axis` removed.
    public func argmax(axis: Int) -> [Int] {
        let a = self.axis(axis, op: "argmax")
        let (outer, n, inner) = around(a)
        var out = [Int](repeating: 0, count: outer * inner)
        withUnsafeBufferPointer { p in
            for o in 0..<outer {
                for j in 0..<inner {
                    var best = -Float.infinity, bi = 0
                    for k in 0..<n {
                        let v = p[(o * n + k) * inner + j]
                        if k == 0 || v > best { best = v; bi = k }
                    }
                    out[o * inner + j] = bi
                }
            }
        }
        return out
    }

    /// Sums a broadcast result back to `target` (the adjoint of broadcasting `target` up to this shape).
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let off = rank - target.count
        check(off >= 0, "sumToShape: cannot reduce \(shape) to \(target)")
        var axes: [Int] = Array(0..<off)
        for i in 0..<target.count where target[i] == 1 && shape[i + off] != 1 { axes.append(i + off) }
        var t = self
        for a in axes { t = t.reduceAxis(a, initial: 0, _Add()) }
        return t.reshaped(target)
    }
}

// MARK: Kernels

/// A function of two floats that the elementwise loops are compiled for (one specialisation per
/// kernel type), so that the loop body is the arithmetic itself, not a call per element.
protocol _BinaryKernel { func callAsFunction(_ a: Float, _ b: Float) -> Float }
/// A function of one float, as ``_BinaryKernel``.
protocol _UnaryKernel { func callAsFunction(_ x: Float) -> Float }

struct _Add: _BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
struct _Subtract: _BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
struct _Multiply: _BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
struct _Divide: _BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
struct _Maximum: _BinaryKernel {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { Swift.max(a, b) }
}
/// `g` where `y > 0`, else 0: ReLU's backward from its output.
struct _ReLUGradient: _BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { y > 0 ? g : 0 }
}
/// `x · scale`.
struct _ScaleKernel: _UnaryKernel {
    let scale: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x * scale }
}
/// `x + offset`.
struct _OffsetKernel: _UnaryKernel {
    let offset: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x + offset }
}
/// `max(x, 0)`.
struct _ReLUKernel: _UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : 0 } }

/// Any closure as a kernel (called per element).
struct _ClosureBinary: _BinaryKernel {
    let f: (Float, Float) -> Float
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { f(a, b) }
}
/// Any closure as a kernel (called per element).
struct _ClosureUnary: _UnaryKernel {
    let f: (Float) -> Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { f(x) }
}
