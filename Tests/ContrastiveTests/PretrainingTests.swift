import Foundation
import NeuralNet
import Testing
import TestSupport
import VolcanoCore
import VolcanoData
@testable import Contrastive

@Suite(.serialized) struct PretrainingTests {
    static let dataset = SyntheticEvents.dataset(perClass: 24, length: 240, seed: 11)

    static func training(epochs: Int, method: String) -> TrainingConfig {
        TrainingConfig(batchSize: 16, epochs: epochs, learningRate: 2e-3, views: .paper(), seed: 5)
    }

    static func run(_ method: String, epochs: Int, into dir: URL, resume: Bool = false,
                    stopAfter: Int? = nil, schedule: ViewSchedule = .fixedOnce) throws -> [EpochRecord] {
        var t = training(epochs: epochs, method: method)
        t.viewSchedule = schedule
        let cfg = SyntheticEvents.modelConfig(method: method, training: t, dataset: dataset)
        let data = try PretrainingData.prepare(dataset, file: "synthetic", encoder: cfg.encoder, preset: "test",
                                               batchSize: 16, validationFraction: 0.1, seed: 5)
        let trainer = Pretraining(method: cfg.makeMethod(), modelConfig: cfg)
        let counter = Counter()
        return try trainer.run(data, output: dir, resume: resume, shouldStop: stopAfter.map { n in { counter.tick() > n } })
    }

    final class Counter: @unchecked Sendable {
        var n = 0
        func tick() -> Int { n += 1; return n }
    }

    @Test(arguments: ["tstcc", "simclr"])
    func sameSeedGivesBitIdenticalCheckpointsAndEmbeddings(method: String) throws {
        let a = Fixtures.temporaryDirectory(), b = Fixtures.temporaryDirectory()
        let ha = try Self.run(method, epochs: 2, into: a.appendingPathComponent("m"))
        _ = try Self.run(method, epochs: 2, into: b.appendingPathComponent("m"))
        #expect(ha.count == 2 && ha.allSatisfy { $0.trainLoss.isFinite && $0.validationLoss.isFinite })
        let wa = try Data(contentsOf: a.appendingPathComponent("m/model.safetensors"))
        let wb = try Data(contentsOf: b.appendingPathComponent("m/model.safetensors"))
        #expect(wa == wb, "checkpoints differ")
        let (ea, _) = try ModelFolder.loadEncoder(a.appendingPathComponent("m"))
        let (eb, _) = try ModelFolder.loadEncoder(b.appendingPathComponent("m"))
        let x = Self.dataset.waveforms
        let za = Embedding.compute(encoder: ea, waveforms: x, count: Self.dataset.count, batchSize: 32)
        let zb = Embedding.compute(encoder: eb, waveforms: x, count: Self.dataset.count, batchSize: 32)
        #expect(za.count == Self.dataset.count * SyntheticEvents.encoder.featureSize)
        #expect(za == zb, "embeddings differ")
        let history = try String(contentsOf: a.appendingPathComponent("m/history.csv"), encoding: .utf8)
        #expect(history.split(separator: "\n").count == 3)
        #expect(history.hasPrefix("epoch,train_loss,"))
    }

    @Test func embeddingsAreTheSameBitsForEveryThreadCountAndBatchSize() {
        var g = SeededGenerator(seed: 11)
        let encoder = ConvEncoder(SyntheticEvents.encoder, generator: &g)
        let x = Self.dataset.waveforms, n = Self.dataset.count
        let reference = Threads.withCount(1) { Embedding.compute(encoder: encoder, waveforms: x, count: n, batchSize: 256) }
        #expect(reference.count == n * SyntheticEvents.encoder.featureSize && reference.allSatisfy(\.isFinite))
        for (threads, batch) in [(2, 256), (2, 32), (2, 50), (3, 7)] {
            let z = Threads.withCount(threads) { Embedding.compute(encoder: encoder, waveforms: x, count: n, batchSize: batch) }
            #expect(z == reference, "\(threads) threads, batch \(batch)")
        }
    }

    @Test func killedRunResumesToTheSameWeights() throws {
        let full = Fixtures.temporaryDirectory().appendingPathComponent("m")
        let cut = Fixtures.temporaryDirectory().appendingPathComponent("m")
        _ = try Self.run("tstcc", epochs: 3, into: full)
        let data = try PretrainingData.prepare(Self.dataset, file: "synthetic", encoder: SyntheticEvents.encoder, preset: "test",
                                               batchSize: 16, validationFraction: 0.1, seed: 5)
        let steps = data.trainCount / 16
        #expect(steps >= 2)
        // Stop in the middle of epoch 2.
        #expect(throws: TrainingError.self) { try Self.run("tstcc", epochs: 3, into: cut, stopAfter: steps + 1) }
        let partial = try Safetensors.read(cut.appendingPathComponent("checkpoint.safetensors"))
        #expect(partial.metadata["epochs_done"] == "1")
        let h = try Self.run("tstcc", epochs: 3, into: cut, resume: true)
        #expect(h.count == 3)
        let a = try Data(contentsOf: full.appendingPathComponent("model.safetensors"))
        let b = try Data(contentsOf: cut.appendingPathComponent("model.safetensors"))
        #expect(a == b, "resumed weights differ")
    }

    @Test func perEpochViewsAreReproducibleAndDifferFromFixedViews() throws {
        let a = Fixtures.temporaryDirectory().appendingPathComponent("m")
        let b = Fixtures.temporaryDirectory().appendingPathComponent("m")
        let c = Fixtures.temporaryDirectory().appendingPathComponent("m")
        _ = try Self.run("simclr", epochs: 2, into: a, schedule: .perEpoch)
        _ = try Self.run("simclr", epochs: 2, into: b, schedule: .perEpoch)
        _ = try Self.run("simclr", epochs: 2, into: c, schedule: .fixedOnce)
        let wa = try Data(contentsOf: a.appendingPathComponent("model.safetensors"))
        let wb = try Data(contentsOf: b.appendingPathComponent("model.safetensors"))
        let wc = try Data(contentsOf: c.appendingPathComponent("model.safetensors"))
        #expect(wa == wb, "per-epoch runs differ")
        #expect(wa != wc, "per-epoch views gave the same weights as fixed views")
    }

    @Test func nonFiniteLossStopsWithAClearError() throws {
        let data = try PretrainingData.prepare(Self.dataset, file: "synthetic", encoder: SyntheticEvents.encoder, preset: "test",
                                               batchSize: 16, validationFraction: 0.1, seed: 5)
        let cfg = SyntheticEvents.modelConfig(method: "simclr", training: Self.training(epochs: 1, method: "simclr"), dataset: Self.dataset)
        let method = cfg.makeMethod() as! SimCLR
        method.head.second.weight.value.scalars[3] = .nan   // a diverged weight: every projection becomes NaN
        let dir = Fixtures.temporaryDirectory().appendingPathComponent("m")
        do {
            let h = try Pretraining(method: method, modelConfig: cfg).run(data, output: dir)
            Issue.record("NaN loss not detected: \(h)")
        } catch let e as TrainingError {
            #expect(e.description.contains("NaN") && e.description.contains("epoch 1"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.safetensors").path))
    }

    @Test func badInputIsRejectedBeforeTraining() throws {
        let enc = SyntheticEvents.encoder
        // Too few events for the batch.
        let small = SyntheticEvents.dataset(perClass: 2, length: 240, seed: 1)
        #expect(throws: InputError.self) {
            _ = try PretrainingData.prepare(small, file: "small", encoder: enc, preset: "test", batchSize: 32,
                                            validationFraction: 0.1, seed: 0)
        }
        // Non-finite samples.
        var broken = SyntheticEvents.dataset(perClass: 6, length: 240, seed: 3)
        broken.waveforms[5 * 240 + 7] = .nan
        do {
            _ = try PretrainingData.prepare(broken, file: "broken", encoder: enc, preset: "test", batchSize: 4,
                                            validationFraction: 0, seed: 0)
            Issue.record("NaN sample accepted")
        } catch let e as InputError {
            #expect(e.description.contains("syn-5"))
        }
        // Wrong window length for the preset.
        do {
            _ = try PretrainingData.prepare(Self.dataset, file: "data/x", encoder: Preset.llaima.encoder, preset: "llaima",
                                            batchSize: 8, validationFraction: 0, seed: 0)
            Issue.record("wrong length accepted")
        } catch let e as InputError {
            #expect(e.description.contains("240 samples") && e.description.contains("3000"))
        }
        // A label fraction that leaves a class without training labels.
        var sparse = SyntheticEvents.dataset(perClass: 6, length: 240, seed: 2)
        for i in sparse.events.indices where sparse.events[i].label == "LP" && sparse.events[i].split == .train {
            sparse.events[i].label = nil
        }
        do {
            _ = try LabelledData.prepare(sparse, file: "sparse", encoder: enc, preset: "test", labelFraction: 0.05, seed: 0)
            Issue.record("empty class accepted")
        } catch let e as InputError {
            #expect(e.description.contains("LP"))
        }
        // A checkpoint from another architecture.
        let dir = Fixtures.temporaryDirectory().appendingPathComponent("m")
        _ = try Self.run("simclr", epochs: 1, into: dir)
        var cfg = try ModelFolder.readConfig(dir)
        cfg.encoder.blocks[1].channels = 24
        try AtomicFile.write(try cfg.encoded(), to: dir.appendingPathComponent("config.json"))
        #expect(throws: InputError.self) { _ = try ModelFolder.loadEncoder(dir) }
        // Resuming a model with another method.
        #expect(throws: InputError.self) { _ = try Self.run("tstcc", epochs: 2, into: dir, resume: true) }
    }
}
