import Autograd
import NeuralNet
import VolcanoCore

/// SimCLR's projection head `g`: `Linear(C·T, hidden) → ReLU → Linear(hidden, output)` on the
/// flattened encoder features (`state_dict`: `net.0.*`, `net.2.*`).
public final class ProjectionHead: Module {
    public var isTraining = true
    let first: _LinearParameters
    let second: _LinearParameters
    public let inputSize: Int, hiddenSize: Int, outputSize: Int

    public init(inputSize: Int, hiddenSize: Int, outputSize: Int, generator: inout SeededGenerator) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.outputSize = outputSize
        first = _LinearParameters(inputSize, hiddenSize, generator: &generator)
        second = _LinearParameters(hiddenSize, outputSize, generator: &generator)
    }

    public var localParameters: [(name: String, parameter: Parameter)] { first.named("net.0") + second.named("net.2") }

    /// `[B, output]` from `[B, input]`.
    public func callAsFunction(_ h: Variable, on tape: Tape) -> Variable {
        second(tape.relu(first(h, on: tape)), on: tape)
    }
}

/// SimCLR for seismic events (Chen et al. 2020; the volcano paper's baseline): both views go
/// through the encoder and the projection head, NT-Xent (τ 0.2, cosine) pulls the two views of
/// each event together; noise segments, when given, pass through the same encoder and head and
/// enter every anchor's denominator as extra negatives (the Colima set-up).
/// Checkpoint prefixes: `encoder.` and `head.`.
public final class SimCLR: ContrastiveMethod {
    public let kind = ContrastiveMethodKind.simclr
    public let encoder: ConvEncoder
    public let head: ProjectionHead
    public var criterion: NTXentLoss

    /// - Parameters:
    ///   - projectionHidden: head width (default `C·T`); projectionOutput: embedding of the loss (128).
    public init(encoder: EncoderConfig, classCount: Int = 4, projectionHidden: Int? = nil, projectionOutput: Int = 128,
                temperature: Double = 0.2, generator: inout SeededGenerator) {
        self.encoder = ConvEncoder(encoder, classCount: classCount, generator: &generator)
        let f = encoder.featureSize
        head = ProjectionHead(inputSize: f, hiddenSize: projectionHidden ?? f, outputSize: projectionOutput, generator: &generator)
        criterion = NTXentLoss(temperature: temperature)
    }

    public var modules: [(prefix: String, module: any Module)] { [("encoder", encoder), ("head", head)] }

    public var trainableParameters: [Parameter] { encoder.featureParameters + head.parameters() }

    /// Both views (and the noise segments) go through the encoder and the head as
    /// ``Autograd/Tape/branches(_:inputs:_:)``: concurrent with two threads, the same bits with
    /// one. Each branch draws its dropout masks from a generator seeded from `generator`.
    public func loss(_ batch: ContrastiveBatch, on tape: Tape, generator: inout SeededGenerator) -> ContrastiveLossValue {
        let inputs = [batch.weak, batch.strong] + (batch.noise.map { [$0] } ?? [])
        let seeds = inputs.map { _ in generator.next() }
        let z = tape.branches(inputs.count) { i, t, _ in
            var g = SeededGenerator(seed: seeds[i])
            let f = encoder.features(t.constant(inputs[i]), on: t, generator: &g)
            return [head(t.reshape(f, [inputs[i].shape[0], encoder.config.featureSize]), on: t)]
        }
        let l = criterion(z[0][0], z[1][0], noise: z.count > 2 ? z[2][0] : nil, on: tape)
        return ContrastiveLossValue(total: l, parts: [("ntxent", Double(l.value.scalars[0]))])
    }
}
