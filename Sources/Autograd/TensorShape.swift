// Reshape, transpose, permute, slice, concat, stack and index-select on plain tensors.

extension Tensor {
    /// The same elements under a new shape; one extent may be `-1` (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            check(known > 0 && count % known == 0, "reshape: cannot reshape \(shape) to \(newShape)")
            s[i] = count / known
        }
        check(s.reduce(1, *) == count, "reshape: cannot reshape \(shape) to \(newShape)")
        var t = self
        t.shape = s
        return t
    }

    /// Reorders the axes: result axis `i` is input axis `order[i]` (as `torch.permute`).
    public func permuted(_ order: [Int]) -> Tensor {
        check(order.count == rank && Set(order) == Set(0..<rank),
              "permute: order \(order) is not a permutation of the axes of \(shape)")
        if order == Array(0..<rank) { return self }
        let outShape = order.map { shape[$0] }
        let st = strides
        let src = order.map { st[$0] }
        let r = rank
        if r <= 4 {
            // four nested loops over the output (unit axes in front), strides fixed outside them
            var e = [1, 1, 1, 1], st = [0, 0, 0, 0]
            for i in 0..<r { e[4 - r + i] = outShape[i]; st[4 - r + i] = src[i] }
            return Tensor(shape: outShape) { o in
                withUnsafeBufferPointer { p in
                    guard let p = p.baseAddress, var q = o.baseAddress else { return }
                    let (e0, e1, e2, e3) = (e[0], e[1], e[2], e[3]), (s0, s1, s2, s3) = (st[0], st[1], st[2], st[3])
                    for i0 in 0..<e0 {
                        for i1 in 0..<e1 {
                            for i2 in 0..<e2 {
                                let row = p + i0 * s0 + i1 * s1 + i2 * s2
                                if s3 == 1 {
                                    for i3 in 0..<e3 { q[i3] = row[i3] }
                                } else {
                                    for i3 in 0..<e3 { q[i3] = row[i3 * s3] }
                                }
                                q += e3
                            }
                        }
                    }
                }
            }
        }
        let inner = outShape[r - 1], si = src[r - 1]
        let outer = count / Swift.max(inner, 1)
        return Tensor(shape: outShape) { o in
            guard inner > 0 else { return }
            withUnsafeBufferPointer { p in
                var idx = [Int](repeating: 0, count: r)
                var off = 0
                for row in 0..<outer {
                    let base = row * inner
                    for j in 0..<inner { o[base + j] = p[off + j * si] }
                    var d = r - 2
                    while d >= 0 {
                        idx[d] += 1
                        off += src[d]
                        if idx[d] < outShape[d] { break }
                        off -= src[d] * outShape[d]
                        idx[d] = 0
                        d -= 1
                    }
                }
            }
        }
    }

    /// Swaps two axes (default: the last two, a matrix transpose).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        let x = axis(a, op: "transpose"), y = axis(b, op: "transpose")
        var order = Array(0..<rank)
        order.swapAt(x, y)
        return permuted(order)
    }

    /// Elements `range` along `axis` (as `x[..., start:end, ...]`).
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let a = self.axis(axis, op: "slice")
        check(range.lowerBound >= 0 && range.upperBound <= shape[a],
              "slice: range \(range) out of bounds for axis \(a) of shape \(shape)")
        let (outer, n, inner) = around(a)
        var s = shape
        s[a] = range.count
        let len = range.count * inner
        return Tensor(shape: s) { o in
            withUnsafeBufferPointer { p in
                for q in 0..<outer {
                    let src = (q * n + range.lowerBound) * inner
                    for j in 0..<len { o[q * len + j] = p[src + j] }
                }
            }
        }
    }

    /// Joins tensors along an existing `axis`; all other extents must agree.
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        check(!parts.isEmpty, "concat: no tensors")
        let a = parts[0].axis(axis, op: "concat")
        var s = parts[0].shape
        for p in parts.dropFirst() {
            var q = p.shape
            check(q.count == s.count, "concat: shapes \(parts[0].shape) and \(p.shape) differ in rank")
            q[a] = s[a]
            check(q == s, "concat: shapes \(parts[0].shape) and \(p.shape) differ off axis \(a)")
        }
        s[a] = parts.reduce(0) { $0 + $1.shape[a] }
        let outer = s[..<a].reduce(1, *), inner = s[(a + 1)...].reduce(1, *)
        let rowLen = s[a] * inner
        return Tensor(shape: s) { o in
            var start = 0
            for p in parts {
                let len = p.shape[a] * inner
                p.withUnsafeBufferPointer { pp in
                    for q in 0..<outer {
                        for j in 0..<len { o[q * rowLen + start + j] = pp[q * len + j] }
                    }
                }
                start += len
            }
        }
    }

    /// Stacks equally shaped tensors along a new `axis`.
    public static func stack(_ parts: [Tensor], axis: Int = 0) -> Tensor {
        check(!parts.isEmpty, "stack: no tensors")
        let s0 = parts[0].shape
        for p in parts { check(p.shape == s0, "stack: shapes \(s0) and \(p.shape) differ") }
        let a = axis < 0 ? axis + s0.count + 1 : axis
        check(a >= 0 && a <= s0.count, "stack: axis \(axis) out of range for shape \(s0)")
        var expanded = s0
        expanded.insert(1, at: a)
        return concat(parts.map { $0.reshaped(expanded) }, axis: a)
    }

    /// Picks `indices` along `axis` (as `torch.index_select`); indices may repeat.
    public func indexSelect(axis: Int, _ indices: [Int]) -> Tensor {
        let a = self.axis(axis, op: "indexSelect")
        let (outer, n, inner) = around(a)
        for i in indices {
            check(i >= 0 && i < n, "indexSelect: index \(i) out of range for axis \(a) of shape \(shape)")
        }
        var s = shape
        s[a] = indices.count
        let m = indices.count
        return Tensor(shape: s) { o in
            withUnsafeBufferPointer { p in
                for q in 0..<outer {
                    for (k, i) in indices.enumerated() {
                        let dst = (q * m + k) * inner, src = (q * n + i) * inner
                        for j in 0..<inner { o[dst + j] = p[src + j] }
                    }
                }
            }
        }
    }
}
