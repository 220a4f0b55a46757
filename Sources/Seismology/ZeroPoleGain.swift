import VolcanoCore

/// Zeros, poles and gain of a digital IIR design and SciPy's conversion to second-order
/// sections (`zpk2sos`, pairing 'nearest'). Internal: the public entry points are
/// `Butterworth` and `decimate`'s Chebyshev-II prefilter.

/// A complex number with NumPy's arithmetic (Smith-style division), for filter design only.
struct _Complex: Equatable {
    var re: Double
    var im: Double
    init(_ re: Double, _ im: Double = 0) { self.re = re; self.im = im }

    static func + (a: _Complex, b: _Complex) -> _Complex { _Complex(a.re + b.re, a.im + b.im) }
    static func - (a: _Complex, b: _Complex) -> _Complex { _Complex(a.re - b.re, a.im - b.im) }
    static prefix func - (a: _Complex) -> _Complex { _Complex(-a.re, -a.im) }
    static func * (a: _Complex, b: _Complex) -> _Complex {
        _Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
    }
    static func * (a: Double, b: _Complex) -> _Complex { _Complex(a * b.re, a * b.im) }
    /// NumPy's complex division.
    static func / (a: _Complex, b: _Complex) -> _Complex {
        let ar = abs(b.re), ai = abs(b.im)
        if ar >= ai {
            if ar == 0 && ai == 0 { return _Complex(a.re / ar, a.im / ai) }
            let rat = b.im / b.re
            let scl = 1.0 / (b.re + b.im * rat)
            return _Complex((a.re + a.im * rat) * scl, (a.im - a.re * rat) * scl)
        } else {
            let rat = b.re / b.im
            let scl = 1.0 / (b.im + b.re * rat)
            return _Complex((a.re * rat + a.im) * scl, (a.im * rat - a.re) * scl)
        }
    }
    var conjugate: _Complex { _Complex(re, -im) }
    var magnitude: Double { (re * re + im * im).squareRoot() }
    var isReal: Bool { im == 0 }

    /// Principal square root.
    var squareRoot: _Complex {
        if im == 0 {
            return re >= 0 ? _Complex(re.squareRoot(), im) : _Complex(0, (-re).squareRoot() * (im.sign == .minus ? -1 : 1))
        }
        let m = magnitude
        let t = ((abs(re) + m) / 2).squareRoot()
        if re >= 0 { return _Complex(t, im / (2 * t)) }
        return _Complex(abs(im) / (2 * t), im < 0 ? -t : t)
    }

    static func exp(_ z: _Complex) -> _Complex {
        let e = _exp(z.re)
        return _Complex(e * _cos(z.im), e * _sin(z.im))
    }
}


/// A digital filter as zeros, poles and gain.
struct _ZPK {
    var zeros: [_Complex]
    var poles: [_Complex]
    var gain: Double

    /// Bilinear transform with fs = 2 (SciPy `bilinear_zpk(z, p, k, fs=2)`), zeros at
    /// infinity go to −1.
    func bilinear() -> _ZPK {
        let fs2 = _Complex(4)
        let degree = poles.count - zeros.count
        var z = zeros.map { (fs2 + $0) / (fs2 - $0) }
        let p = poles.map { (fs2 + $0) / (fs2 - $0) }
        z += [_Complex](repeating: _Complex(-1), count: degree)
        var num = _Complex(1), den = _Complex(1)
        for v in zeros { num = num * (fs2 - v) }
        for v in poles { den = den * (fs2 - v) }
        return _ZPK(zeros: z, poles: p, gain: gain * (num / den).re)
    }

    /// Low-pass prototype → low-pass at `wo` (SciPy `lp2lp_zpk`).
    func lowpass(_ wo: Double) -> _ZPK {
        let degree = poles.count - zeros.count
        return _ZPK(zeros: zeros.map { wo * $0 }, poles: poles.map { wo * $0 },
                    gain: gain * _pow(wo, Double(degree)))
    }

    /// Low-pass prototype → high-pass at `wo` (SciPy `lp2hp_zpk`).
    func highpass(_ wo: Double) -> _ZPK {
        let degree = poles.count - zeros.count
        var z = zeros.map { _Complex(wo) / $0 }
        let p = poles.map { _Complex(wo) / $0 }
        z += [_Complex](repeating: _Complex(0), count: degree)
        var nz = _Complex(1), np = _Complex(1)
        for v in zeros { nz = nz * (-v) }
        for v in poles { np = np * (-v) }
        return _ZPK(zeros: z, poles: p, gain: gain * (nz / np).re)
    }

    /// Low-pass prototype → band-pass centred at `wo` with width `bw` (SciPy `lp2bp_zpk`).
    func bandpass(_ wo: Double, _ bw: Double) -> _ZPK {
        let degree = poles.count - zeros.count
        let zl = zeros.map { (bw / 2) * $0 }
        let pl = poles.map { (bw / 2) * $0 }
        let wo2 = _Complex(wo * wo)
        var z = zl.map { $0 + ($0 * $0 - wo2).squareRoot } + zl.map { $0 - ($0 * $0 - wo2).squareRoot }
        let p = pl.map { $0 + ($0 * $0 - wo2).squareRoot } + pl.map { $0 - ($0 * $0 - wo2).squareRoot }
        z += [_Complex](repeating: _Complex(0), count: degree)
        return _ZPK(zeros: z, poles: p, gain: gain * _pow(bw, Double(degree)))
    }

    /// Second-order sections `[b0, b1, b2, 1, a1, a2]` per section, flattened (SciPy
    /// `zpk2sos(z, p, k, pairing='nearest')`).
    func secondOrderSections() -> [Double] {
        var z = zeros, p = poles
        if z.isEmpty && p.isEmpty { return [gain, 0, 0, 1, 0, 0] }
        if z.count < p.count { z += [_Complex](repeating: _Complex(0), count: p.count - z.count) }
        if p.count < z.count { p += [_Complex](repeating: _Complex(0), count: z.count - p.count) }
        let nSections = (p.count + 1) / 2
        if p.count % 2 == 1 { p.append(_Complex(0)); z.append(_Complex(0)) }
        z = _cplxreal(z)
        p = _cplxreal(p)
        func worst(_ v: [_Complex], _ idx: [Int]) -> Int {
            var best = idx[0], bestD = Double.infinity
            for i in idx {
                let d = abs(1 - v[i].magnitude)
                if d < bestD { bestD = d; best = i }
            }
            return best
        }
        func nearest(_ v: [_Complex], _ to: _Complex, _ which: Int) -> Int {
            // which: 0 any, 1 real, 2 complex; first by distance (stable).
            let order = v.indices.sorted { (v[$0] - to).magnitude < (v[$1] - to).magnitude }
            for i in order {
                if which == 0 || (which == 1 && v[i].isReal) || (which == 2 && !v[i].isReal) { return i }
            }
            preconditionFailure("zpk2sos: no zero of the requested kind")
        }
        var sos = [Double](repeating: 0, count: 6 * nSections)
        func put(_ si: Int, _ zs: [_Complex], _ ps: [_Complex]) {
            let b = _poly(zs), a = _poly(ps)
            for (j, v) in b.enumerated() { sos[6 * si + 3 - b.count + j] = v }
            for (j, v) in a.enumerated() { sos[6 * si + 6 - a.count + j] = v }
        }
        for si in stride(from: nSections - 1, through: 0, by: -1) {
            let i1 = worst(p, Array(p.indices))
            let p1 = p.remove(at: i1)
            let realPoles = p.filter { $0.isReal }.count
            if p1.isReal && realPoles == 0 {
                let zi = nearest(z, p1, 1)
                let z1 = z.remove(at: zi)
                put(si, [z1, _Complex(0)], [p1, _Complex(0)])
            } else if p.count + 1 == z.count && !p1.isReal && realPoles == 1
                        && z.filter({ $0.isReal }).count == 1 {
                let zi = nearest(z, p1, 2)
                let z1 = z.remove(at: zi)
                put(si, [z1, z1.conjugate], [p1, p1.conjugate])
            } else {
                let p2: _Complex
                if p1.isReal {
                    let idx = p.indices.filter { p[$0].isReal }
                    p2 = p.remove(at: worst(p, idx))
                } else {
                    p2 = p1.conjugate
                }
                if !z.isEmpty {
                    let z1 = z.remove(at: nearest(z, p1, 0))
                    if !z1.isReal {
                        put(si, [z1, z1.conjugate], [p1, p2])
                    } else if !z.isEmpty {
                        let z2 = z.remove(at: nearest(z, p1, 1))
                        put(si, [z1, z2], [p1, p2])
                    } else {
                        put(si, [z1], [p1, p2])
                    }
                } else {
                    put(si, [], [p1, p2])
                }
            }
        }
        for j in 0..<3 { sos[j] *= gain }
        return sos
    }
}


/// Real coefficients of the monic polynomial with the given roots (NumPy `poly`, real part).
func _poly(_ roots: [_Complex]) -> [Double] {
    var a = [_Complex(1)]
    for r in roots {
        var next = [_Complex](repeating: _Complex(0), count: a.count + 1)
        for i in 0..<a.count {
            next[i] = next[i] + a[i]
            next[i + 1] = next[i + 1] + a[i] * (-r)
        }
        // NumPy's convolve sums a[i]·v[j] in order; with v = [1, −r] each output is
        // a[k] + a[k−1]·(−r), same as above up to the order of two terms.
        a = next
    }
    return a.map { $0.re }
}

/// SciPy `_cplxreal`: complex values (one of each conjugate pair, positive imaginary part,
/// sorted by real part) followed by the real values (sorted).
func _cplxreal(_ v: [_Complex]) -> [_Complex] {
    let tol = 100 * Double.ulpOfOne
    let sorted = v.sorted { ($0.re, abs($0.im)) < ($1.re, abs($1.im)) }
    var reals: [_Complex] = [], pos: [_Complex] = [], neg: [_Complex] = []
    for z in sorted {
        if abs(z.im) <= tol * z.magnitude { reals.append(_Complex(z.re)) }
        else if z.im > 0 { pos.append(z) } else { neg.append(z) }
    }
    precondition(pos.count == neg.count, "zpk2sos: complex value without conjugate")
    var pairs: [_Complex] = []
    for (a, b) in zip(pos, neg) { pairs.append(_Complex((a.re + b.re) / 2, (a.im - b.im) / 2)) }
    return pairs + reals
}
