/// A learning rate per epoch: constant, step decay (`torch.optim.lr_scheduler.StepLR`) or
/// cosine annealing (`CosineAnnealingLR`, Loshchilov & Hutter, "SGDR: Stochastic Gradient
/// Descent with Warm Restarts", ICLR 2017).
///
/// Set `optimizer.learningRate = schedule.learningRate(epoch: e)` at the start of epoch `e`
/// (0-based); the values equal those PyTorch's schedulers give when stepped once per epoch.
public enum LearningRateSchedule: Sendable, Equatable {
    /// The same rate every epoch (the TS-TCC self-supervised setting).
    case constant(Double)
    /// `base · gamma^⌊epoch / stepSize⌋`: multiply by `gamma` (e.g. 0.1–0.5) every `stepSize` epochs.
    case step(base: Double, stepSize: Int, gamma: Double)
    /// `minimum + (base − minimum)(1 + cos(π · epoch / period)) / 2`: from `base` down to
    /// `minimum` over `period` epochs (usually the number of epochs), back up after that.
    case cosine(base: Double, period: Int, minimum: Double = 0)

    /// The rate for 0-based `epoch`.
    public func learningRate(epoch: Int) -> Double {
        check(epoch >= 0, "LearningRateSchedule: epoch must be non-negative, got \(epoch)")
        switch self {
        case .constant(let lr):
            return lr
        case let .step(base, stepSize, gamma):
            check(stepSize > 0, "LearningRateSchedule.step: stepSize must be positive, got \(stepSize)")
            return base * _power(gamma, epoch / stepSize)
        case let .cosine(base, period, minimum):
            check(period > 0, "LearningRateSchedule.cosine: period must be positive, got \(period)")
            return minimum + (base - minimum) * (1 + _cos(Double.pi * Double(epoch) / Double(period))) / 2
        }
    }
}

/// `x^n` by repeated multiplication (what PyTorch's StepLR accumulates).
func _power(_ x: Double, _ n: Int) -> Double {
    var r = 1.0
    for _ in 0..<n { r *= x }
    return r
}

