import Autograd

/// Batch normalisation over `[B, C]` or `[B, C, L]` (PyTorch's `nn.BatchNorm1d`; Ioffe &
/// Szegedy, "Batch Normalization", ICML 2015).
///
/// Training mode normalises each channel with the batch mean and biased batch variance and
/// updates the running statistics: `running = (1 − momentum)·running + momentum·batch`, with
/// the *unbiased* variance for `running_var`; `num_batches_tracked` counts the updates.
/// Evaluation mode normalises with the running statistics. Parameters `weight` (γ, init 1) and
/// `bias` (β, init 0), `[C]`; buffers `running_mean` (0), `running_var` (1), `num_batches_tracked`.
public final class BatchNorm1d: Layer {
    /// γ `[C]`, `state_dict` name `weight`.
    public let weight: Parameter
    /// β `[C]`, `state_dict` name `bias`.
    public let bias: Parameter
    /// `running_mean` `[C]`, used in evaluation mode.
    public let runningMean: Buffer
    /// `running_var` `[C]` (unbiased), used in evaluation mode.
    public let runningVariance: Buffer
    /// `num_batches_tracked`: training batches seen (an int64 scalar in checkpoints).
    public let batchesTracked: Buffer
    /// Weight of each new batch in the running statistics (PyTorch default 0.1).
    public let momentum: Float
    /// Added to the variance (default 1e-5).
    public let eps: Float
    public var isTraining = true

    /// - Parameters:
    ///   - features: the channel count C.
    ///   - momentum: running-statistics update weight in (0, 1].
    ///   - eps: variance guard.
    public init(features: Int, momentum: Float = 0.1, eps: Float = 1e-5) {
        check(features >= 1, "BatchNorm1d: features must be ≥ 1, got \(features)")
        check(momentum > 0 && momentum <= 1, "BatchNorm1d: momentum must be in (0, 1], got \(momentum)")
        weight = Parameter(Tensor.ones([features]))
        bias = Parameter(Tensor.zeros([features]))
        runningMean = Buffer(Tensor.zeros([features]))
        runningVariance = Buffer(Tensor.ones([features]))
        batchesTracked = Buffer(Tensor(scalar: 0), isInteger: true)
        self.momentum = momentum
        self.eps = eps
    }

    public var localParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }
    public var localBuffers: [(name: String, buffer: Buffer)] {
        [("running_mean", runningMean), ("running_var", runningVariance), ("num_batches_tracked", batchesTracked)]
    }

    /// Normalises `input`; in training mode also updates the running statistics (also on an
    /// inference tape, as PyTorch does under `no_grad` in train mode).
    public func callAsFunction(_ input: Variable, on tape: Tape) -> Variable {
        normalize(input, training: isTraining, on: tape)
    }

    /// ``callAsFunction(_:on:)`` in the mode `training` rather than ``isTraining`` (for a layer
    /// whose owner keeps the mode, and for branches that must not write shared state). The
    /// running statistics change through ``Autograd/Tape/sideEffect(_:)``: in order, also when
    /// the layer runs in concurrent branches.
    public func normalize(_ input: Variable, training: Bool, on tape: Tape) -> Variable {
        let r = tape.batchNorm1d(input, weight: weight.variable(on: tape), bias: bias.variable(on: tape),
                                 runningMean: runningMean.value, runningVariance: runningVariance.value,
                                 training: training, momentum: momentum, eps: eps)
        if training {
            tape.sideEffect { [self] in
                (runningMean.value, runningVariance.value) = r.runningStatistics(updating: runningMean.value,
                                                                                 runningVariance.value)
                batchesTracked.value = Tensor(scalar: batchesTracked.value.scalar + 1)
            }
        }
        return r.output
    }
}
