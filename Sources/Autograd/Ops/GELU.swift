import VolcanoCore

// GELU, exact erf form:  y = x·Φ(x) = ½x(1 + erf(x/√2)).  Backward: dx = g·(Φ(x) + x·φ(x)).

extension Tape {
    /// GELU, exact erf form (PyTorch's default `approximate='none'`), elementwise.
    public func gelu(_ x: Variable) -> Variable {
        let xv = x.value
        let y = xv.mapElements { 0.5 * $0 * (1 + _erf($0 * 0.70710678118654752)) }
        return record(y, [x]) { g in
            [Tensor.zipBroadcast(g, xv, op: "gelu") { gi, v in
                let cdf = 0.5 * (1 + _erf(v * 0.70710678118654752))
                let pdf = 0.39894228040143268 * _exp(-0.5 * v * v)
                return gi * (cdf + v * pdf)
            }]
        }
    }
}
