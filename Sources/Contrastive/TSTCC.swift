import Autograd
import NeuralNet
import VolcanoCore

/// TS-TCC (Eldele et al., IJCAI 2021) as the volcano paper uses it.
///
/// One step, exactly as the official code: features of both views `f1 = enc(weak)`,
/// `f2 = enc(strong)` (`[B, C, T]`), L2-normalised over channels at each step; temporal
/// contrasting in both directions (`TC(f1, f2)` and `TC(f2, f1)`, each with its own split point)
/// and contextual contrasting = NT-Xent (τ 0.2, cosine) between the two projected contexts:
/// `loss = λ1 (L_TC(1→2) + L_TC(2→1)) + λ2 NT-Xent(c1, c2)`, λ1 = 1, λ2 = 0.7.
/// Checkpoint prefixes: `encoder.` and `tc.` (TS-TCC's `model` and `temporal_contr_model`).
public final class TSTCC: ContrastiveMethod {
    public let kind = ContrastiveMethodKind.tstcc
    public let encoder: ConvEncoder
    public let temporal: TemporalContrasting
    /// Contextual-contrasting loss.
    public var contextual: NTXentLoss
    public var lambdaTemporal: Double
    public var lambdaContextual: Double
    /// Fixed split points (t12, t21) for reproducing reference values; nil draws them.
    public var fixedSplitPoints: (Int, Int)?

    public init(encoder: EncoderConfig, temporal: TemporalContrastingConfig, classCount: Int = 4,
                temperature: Double = 0.2, lambdaTemporal: Double = 1, lambdaContextual: Double = 0.7,
                generator: inout SeededGenerator) {
        precondition(encoder.outputSteps > temporal.timesteps,
                     "TSTCC: encoder gives \(encoder.outputSteps) steps, cannot predict \(temporal.timesteps)")
        self.encoder = ConvEncoder(encoder, classCount: classCount, generator: &generator)
        self.temporal = TemporalContrasting(channels: encoder.outputChannels, config: temporal, generator: &generator)
        self.contextual = NTXentLoss(temperature: temperature)
        self.lambdaTemporal = lambdaTemporal
        self.lambdaContextual = lambdaContextual
    }

    public var modules: [(prefix: String, module: any Module)] { [("encoder", encoder), ("tc", temporal)] }

    public var trainableParameters: [Parameter] { encoder.featureParameters + temporal.parameters() }

    public func loss(_ batch: ContrastiveBatch, on tape: Tape, generator: inout SeededGenerator) -> ContrastiveLossValue {
        let r = losses(batch, on: tape, generator: &generator)
        return ContrastiveLossValue(total: r.total, parts: [
            ("temporal", Double(r.temporal12.value.scalars[0] + r.temporal21.value.scalars[0])),
            ("contextual", Double(r.contextual.value.scalars[0])),
        ])
    }

    /// The loss and every part of it (for parity checks).
    ///
    /// The two views go through the encoder as two ``Autograd/Tape/branches(_:inputs:_:)``, and
    /// so do the two directions of temporal contrasting: concurrent with two threads, the same
    /// bits with one. Each branch draws its dropout masks from a generator seeded from
    /// `generator`.
    public func losses(_ batch: ContrastiveBatch, on tape: Tape, generator: inout SeededGenerator)
        -> (total: Variable, temporal12: Variable, temporal21: Variable, contextual: Variable, features1: Variable,
            projection1: Variable, projection2: Variable) {
        let views = [batch.weak, batch.strong]
        let viewSeeds = [generator.next(), generator.next()]
        let encoded = tape.branches(2) { i, t, _ in
            var g = SeededGenerator(seed: viewSeeds[i])
            let f = encoder.features(t.constant(views[i]), on: t, generator: &g)
            return [f, t.l2Normalize(f, axis: 1)]
        }
        let T = encoded[0][0].shape[2]
        let t12 = fixedSplitPoints?.0 ?? temporal.splitPoint(steps: T, using: &generator)
        let t21 = fixedSplitPoints?.1 ?? temporal.splitPoint(steps: T, using: &generator)
        let contrastSeeds = [generator.next(), generator.next()]
        // branch 0: the weak view's past predicts the strong view's future (TC 1→2); branch 1 the reverse
        let temporalParts = tape.branches(2, inputs: [encoded[0][1], encoded[1][1]]) { i, t, n in
            var g = SeededGenerator(seed: contrastSeeds[i])
            let (loss, context) = temporal(n[i], n[1 - i], splitPoint: i == 0 ? t12 : t21, on: t, generator: &g)
            return [loss, context]
        }
        let (l1, c1) = (temporalParts[0][0], temporalParts[0][1])
        let (l2, c2) = (temporalParts[1][0], temporalParts[1][1])
        let lc = contextual(c1, c2, on: tape)
        let total = tape.add(tape.scale(tape.add(l1, l2), Float(lambdaTemporal)), tape.scale(lc, Float(lambdaContextual)))
        return (total, l1, l2, lc, encoded[0][0], c1, c2)
    }
}
