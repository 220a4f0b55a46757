import Foundation
import Testing
import TestSupport
import VolcanoCore
import VolcanoData
@testable import Experiments

/// The hyper-parameter sweep end to end on a tiny etna-like synthetic volcano (120 events of
/// 135 samples): 2 batch sizes × 2 learning rates × 1 epoch of TS-TCC.
@Suite(.serialized) struct SweepTests {
    static let folder = Fixtures.temporaryDirectory("vssl-sweep")
    static let base = ExperimentConfig(
        name: "tiny sweep", data: .init(synthetic: "etna-like", events: 120, seed: 3),
        model: .init(preset: "etna", epochs: 1), representations: [.tstcc], clusterers: [.kmeans],
        umapNeighbors: 10, seed: 5)
    static let grid = SweepConfig(batchSize: [16, 32], learningRate: [1e-3, 3e-3])

    static let outcome: Result<SweepOutcome, Error> = Result {
        try Sweep(config: base, sweep: grid, output: folder).run()
    }

    /// `text` without its `seconds` column (the only column that changes between runs).
    static func withoutSeconds(_ csv: String) -> [String] {
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let column = lines[0].firstIndex(of: "seconds")!
        return lines.map { row in row.enumerated().filter { $0.offset != column }.map { String($0.element) }.joined(separator: ",") }
    }

    @Test func tableHasOneRowPerTrialWithFiniteLossesAndScores() throws {
        let o = try Self.outcome.get()
        #expect(o.results.count == 4 && o.computed == 4)
        #expect(o.results.map(\.trial.id) == [
            "tstcc_bs16_ep1_lr0.001_depth3_hidden12_seed5", "tstcc_bs16_ep1_lr0.003_depth3_hidden12_seed5",
            "tstcc_bs32_ep1_lr0.001_depth3_hidden12_seed5", "tstcc_bs32_ep1_lr0.003_depth3_hidden12_seed5",
        ])
        for r in o.results {
            #expect(r.failure == nil)
            #expect(r.scoreName == "v_measure")
            #expect(r.validationLoss.isFinite && r.validationLoss > 0, "\(r.trial.id): loss \(r.validationLoss)")
            #expect(r.trainLoss.isFinite && r.trainLoss > 0)
            #expect((0...1).contains(r.score) && r.score == r.evaluation?.vMeasure)
            #expect(r.evaluation?.clusters == 4 && r.evaluation?.labelledEvents == 120)
            #expect(FileManager.default.fileExists(atPath: Self.folder.appendingPathComponent("trials/\(r.trial.id)/result.json").path))
            #expect(FileManager.default.fileExists(atPath: Self.folder.appendingPathComponent("trials/\(r.trial.id)/model/model.safetensors").path))
        }
        // The ranking follows the documented rule.
        let ranked = o.ranking.map { o.results[$0] }
        for (a, b) in zip(ranked, ranked.dropFirst()) {
            let sa = (a.score * 1000).rounded(), sb = (b.score * 1000).rounded()
            #expect(sa > sb || (sa == sb && a.validationLoss <= b.validationLoss))
        }
        let csv = try String(contentsOf: Self.folder.appendingPathComponent("sweep.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines[0] == "rank,trial,method,batch_size,epochs,learning_rate,depth,hidden,validation_loss,v_measure,clusters,seconds,best")
        #expect(lines[1].hasPrefix("1,\(o.best.trial.id),") && lines[1].hasSuffix(",1"))
        #expect(lines.dropFirst(2).allSatisfy { $0.hasSuffix(",0") })
        let md = try String(contentsOf: Self.folder.appendingPathComponent("sweep.md"), encoding: .utf8)
        #expect(md.split(separator: "\n").filter { $0.hasPrefix("| **1**") }.count == 1)
        #expect(md.split(separator: "\n").filter { $0.hasPrefix("| ") }.count == 1 + 4)
    }

    @Test func bestYamlParsesAndCarriesTheBestValues() throws {
        let o = try Self.outcome.get()
        let url = Self.folder.appendingPathComponent("best.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(!text.contains("sweep:"))
        let (best, sweep) = try SweepConfig.read(url)
        #expect(sweep == SweepConfig())
        let t = o.best.trial
        #expect(best.model == .init(preset: "etna", epochs: 1, batchSize: t.batchSize, learningRate: t.learningRate,
                                    hidden: 12, depth: 3))
        #expect(best.data == Self.base.data && best.seed == 5 && best.umapNeighbors == 10)
        #expect(best.representations == [.tstcc] && best.clusterers == [.kmeans])
    }

    @Test func rerunRecomputesOnlyTheMissingTrialAndGivesTheSameTable() throws {
        let o = try Self.outcome.get()
        let copy = Fixtures.temporaryDirectory("vssl-sweep-rerun").appendingPathComponent("out")
        try FileManager.default.copyItem(at: Self.folder, to: copy)
        let victim = o.results[2].trial
        try FileManager.default.removeItem(at: copy.appendingPathComponent("trials/\(victim.id)/result.json"))
        var started: [String] = [], computed = 0
        let again = try Sweep(config: Self.base, sweep: Self.grid, output: copy).run(onEvent: { event in
            switch event {
            case let .started(_, _, trial): started.append(trial.id)
            case let .finished(_, _, _, isNew, _): if isNew { computed += 1 }
            }
        })
        #expect(started == [victim.id] && computed == 1 && again.computed == 1)
        // Same seed → bit-identical losses and scores, same ranking and table.
        for (a, b) in zip(again.results, o.results) {
            #expect(a.validationLoss == b.validationLoss && a.trainLoss == b.trainLoss && a.evaluation == b.evaluation)
        }
        #expect(again.ranking == o.ranking)
        let first = try String(contentsOf: Self.folder.appendingPathComponent("sweep.csv"), encoding: .utf8)
        let second = try String(contentsOf: copy.appendingPathComponent("sweep.csv"), encoding: .utf8)
        #expect(Self.withoutSeconds(first) == Self.withoutSeconds(second))
        // Nothing left to do: a third run computes nothing.
        #expect(try Sweep(config: Self.base, sweep: Self.grid, output: copy).run().computed == 0)
    }

    @Test func longerTrialContinuesTheShorterOneBitIdentically() throws {
        let root = Fixtures.temporaryDirectory("vssl-sweep-epochs")
        let a = root.appendingPathComponent("a"), b = root.appendingPathComponent("b")
        let both = try Sweep(config: Self.base, sweep: SweepConfig(batchSize: [16], epochs: [1, 2], learningRate: [1e-3]),
                             output: a).run()
        let short = both.results[0], long = both.results[1]
        #expect(short.continuedFrom == nil && long.continuedFrom == short.trial.id)
        // Only the checkpoint a longer trial can continue is kept.
        let fm = FileManager.default
        #expect(fm.fileExists(atPath: a.appendingPathComponent("trials/\(short.trial.id)/model/checkpoint.safetensors").path))
        #expect(!fm.fileExists(atPath: a.appendingPathComponent("trials/\(long.trial.id)/model/checkpoint.safetensors").path))
        let alone = try Sweep(config: Self.base, sweep: SweepConfig(batchSize: [16], epochs: [2], learningRate: [1e-3]),
                              output: b).run().results[0]
        #expect(alone.continuedFrom == nil && alone.trial == long.trial)
        #expect(long.validationLoss == alone.validationLoss && long.trainLoss == alone.trainLoss)
        #expect(long.evaluation == alone.evaluation)
        let weights = "trials/\(long.trial.id)/model/model.safetensors"
        #expect(try Data(contentsOf: a.appendingPathComponent(weights)) == Data(contentsOf: b.appendingPathComponent(weights)))
    }

    @Test func batchLargerThanTheTrainingSplitIsRefusedBeforeAnyTrial() throws {
        _ = try Self.outcome.get()
        var config = Self.base
        config.data = .init(path: Self.folder.appendingPathComponent("dataset").path)
        let out = Fixtures.temporaryDirectory("vssl-sweep-bad").appendingPathComponent("out")
        let big = SweepConfig(batchSize: [16, 500])
        do {
            _ = try Sweep(config: config, sweep: big, output: out).run()
            Issue.record("a batch of 500 was accepted for 120 events")
        } catch let e as InputError {
            #expect(e.message.hasPrefix("sweep.batch_size value 500 is larger than the "), "\(e)")
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func unlabelledEventsAreScoredBySilhouette() throws {
        _ = try Self.outcome.get()
        var d = try Dataset.read(from: Self.folder.appendingPathComponent("dataset"))
        for i in d.events.indices { d.events[i].label = nil }
        let root = Fixtures.temporaryDirectory("vssl-sweep-unlabelled")
        try d.write(to: root.appendingPathComponent("dataset"))
        var config = Self.base
        config.data = .init(path: root.appendingPathComponent("dataset").path)
        config.clusters = 3
        config.model.batchSize = 16
        let o = try Sweep(config: config, sweep: SweepConfig(), output: root.appendingPathComponent("out")).run()
        #expect(o.results.count == 1)
        let r = o.best
        #expect(r.scoreName == "silhouette" && r.evaluation?.labelledEvents == 0)
        #expect((-1...1).contains(r.score) && r.score == r.evaluation?.silhouette)
        let csv = try String(contentsOf: root.appendingPathComponent("out/sweep.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("rank,trial,method,batch_size,epochs,learning_rate,depth,hidden,validation_loss,silhouette,"))
    }
}
