import Autograd

/// A trainable tensor of a ``Module`` (PyTorch's `nn.Parameter`) with its accumulated gradient.
///
/// Layers call ``variable(on:)`` inside their forward pass to put the parameter on the
/// caller's ``Tape`` (once per tape: a layer applied twice in one step, such as an encoder
/// run on both augmented views, shares one leaf and accumulates both gradients). After
/// `tape.backward(loss, accumulatingInto:)` the gradient is in ``gradient``, where the
/// optimizers read it, as PyTorch's `param.grad`.
public final class Parameter {
    /// The current value.
    public var value: Tensor
    /// The accumulated gradient (same shape as ``value``), or nil when none has flowed
    /// since the last ``zeroGradient()``; optimizers skip parameters without a gradient.
    public var gradient: Tensor?
    /// `false` freezes the parameter: it enters tapes as a constant and gets no gradient
    /// (PyTorch's `requires_grad_(False)`).
    public var requiresGradient: Bool

    /// A parameter holding `value`.
    public init(_ value: Tensor, requiresGradient: Bool = true) {
        self.value = value
        self.requiresGradient = requiresGradient
    }

    /// Shape of ``value``.
    public var shape: [Int] { value.shape }

    /// The parameter as a variable of `tape`: a gradient leaf on a recording tape (the same
    /// handle for every use on that tape), a constant on an inference tape or when frozen.
    public func variable(on tape: Tape) -> Variable {
        requiresGradient ? tape.leaf(for: self, value: value) : tape.constant(value)
    }

    /// Adds this parameter's gradient from a backward pass of `tape` to ``gradient``.
    /// Does nothing if the parameter was not used on `tape` or no gradient reached it.
    public func accumulateGradient(_ gradients: Gradients, from tape: Tape) {
        guard let v = tape.leaf(of: self), let g = gradients[v] else { return }
        check(g.shape == value.shape,
                     "Parameter.accumulateGradient: gradient shape \(g.shape) differs from parameter shape \(value.shape)")
        if gradient == nil { gradient = g } else { gradient! += g }
    }

    /// Forgets the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGradient() { gradient = nil }
}

/// A non-trainable state tensor of a ``Module`` (PyTorch's registered buffers), e.g.
/// BatchNorm's `running_mean`, `running_var` and `num_batches_tracked`.
public final class Buffer {
    /// The current value (integer buffers hold whole numbers).
    public var value: Tensor
    /// Whether the buffer is an integer counter, saved as int64 in checkpoints
    /// (PyTorch's `num_batches_tracked`).
    public let isInteger: Bool

    /// A buffer holding `value`.
    public init(_ value: Tensor, isInteger: Bool = false) {
        self.value = value
        self.isInteger = isInteger
    }
}
