import VolcanoCore

// Hyperbolic tangent:  y = tanh(x).  Backward: dx = g·(1 − y²).

extension Tape {
    /// Hyperbolic tangent, elementwise.
    public func tanh(_ x: Variable) -> Variable {
        let y = x.value.mapElements { _tanh($0) }
        return record(y, [x]) { g in [Tensor.zipBroadcast(g, y, op: "tanh") { $0 * (1 - $1 * $1) }] }
    }
}
