import Autograd
import NeuralNet
import VolcanoCore

/// TS-TCC's temporal contrasting module (`TC`): a transformer summarises the past of one view,
/// per-step linear maps `W_k` predict the next `K` steps of the *other* view, and a projection
/// head maps the context to the space of the contextual (NT-Xent) loss.
///
/// `forward(fA, fB)`: with features `[B, C, T]` already L2-normalised over `C`, one split point
/// `t` uniform in `0 ..< T − K` is drawn for the whole batch; the context
/// `c_t = SeqTransformer(zA[0 … t])` predicts `W_k(c_t)` for `zB[t + k]`, `k = 1 … K`, scored
/// by the row-wise InfoNCE of `_temporalNCE`; the projection is
/// `Linear(H, C/2) → BatchNorm1d → ReLU → Linear(C/2, C/4)`.
/// `state_dict` names as TS-TCC: `Wk.<k>.*`, `projection_head.{0,1,3}.*`, `seq_transformer.*`.
public final class TemporalContrasting: Module {
    public let config: TemporalContrastingConfig
    /// Encoder output channels `C`.
    public let channels: Int
    public var isTraining = true

    let predictors: [_LinearParameters]
    let projection1: _LinearParameters
    let projectionNorm: BatchNorm1d
    let projection2: _LinearParameters
    public let transformer: SeqTransformer

    public init(channels: Int, config: TemporalContrastingConfig, generator: inout SeededGenerator) {
        precondition(channels >= 4, "TemporalContrasting: needs at least 4 channels, got \(channels)")
        self.channels = channels
        self.config = config
        let H = config.hidden
        predictors = (0..<config.timesteps).map { _ in _LinearParameters(H, channels, generator: &generator) }
        projection1 = _LinearParameters(H, channels / 2, generator: &generator)
        projectionNorm = BatchNorm1d(features: channels / 2)
        projection2 = _LinearParameters(channels / 2, channels / 4, generator: &generator)
        transformer = SeqTransformer(inputSize: channels, config: config, generator: &generator)
    }

    public var localParameters: [(name: String, parameter: Parameter)] {
        var out = [(name: String, parameter: Parameter)]()
        for (k, w) in predictors.enumerated() { out += w.named("Wk.\(k)") }
        out += projection1.named("projection_head.0")
        out += projectionNorm.named("projection_head.1")
        out += projection2.named("projection_head.3")
        return out
    }

    public var localBuffers: [(name: String, buffer: Buffer)] { projectionNorm.buffers("projection_head.1") }

    public var children: [(name: String, module: any Module)] { [("seq_transformer", transformer)] }

    /// Draws the split point `t` uniformly in `0 ..< T − K`.
    public func splitPoint(steps T: Int, using generator: inout SeededGenerator) -> Int {
        precondition(T > config.timesteps, "TemporalContrasting: \(T) steps cannot predict \(config.timesteps) future steps")
        return generator.nextInt(below: T - config.timesteps)
    }

    /// The temporal contrastive loss (scalar) and the projected context `[B, C/4]` for
    /// normalised features `fA` (context view) and `fB` (predicted view), both `[B, C, T]`.
    public func callAsFunction(_ fA: Variable, _ fB: Variable, splitPoint t: Int, on tape: Tape,
                               generator: inout SeededGenerator) -> (loss: Variable, projection: Variable) {
        precondition(fA.shape == fB.shape && fA.shape.count == 3 && fA.shape[1] == channels,
                     "TemporalContrasting: views \(fA.shape) and \(fB.shape), expected [B, \(channels), T]")
        let T = fA.shape[2], K = config.timesteps
        precondition(t >= 0 && t + K < T, "TemporalContrasting: split point \(t) out of 0..<\(T - K)")
        let seq = tape.slice(tape.permute(fA, [0, 2, 1]), axis: 1, 0..<(t + 1))       // [B, t+1, C]
        let c = transformer.context(seq, on: tape, generator: &generator)               // [B, H]
        let predictions = tape.stack(predictors.map { $0(c, on: tape) }, axis: 0)       // [K, B, C]
        let loss = tape._temporalContrastiveLoss(features: fB, predictions: predictions, splitPoint: t)
        var z = projection1(c, on: tape)
        z = tape.relu(projectionNorm.normalize(z, training: isTraining, on: tape))
        return (loss, projection2(z, on: tape))
    }
}
