// ReLU: y = max(x, 0).  Backward: dx = g · [y > 0].

extension Tape {
    /// Rectified linear unit, elementwise.
    public func relu(_ x: Variable) -> Variable {
        let y = x.value.mapElements(_ReLUKernel())
        return record(y, [x]) { g in
            [Tensor.zipBroadcast(g, y, op: "relu", _ReLUGradient())]
        }
    }
}
