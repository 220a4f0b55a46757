import Foundation
import Testing
import TestSupport
import VolcanoCore
@testable import Experiments

@Suite struct SweepConfigTests {
    func write(_ text: String) throws -> URL {
        let url = Fixtures.temporaryDirectory("vssl-sweep-config").appendingPathComponent("preset.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static let head = "name: s\ndata:\n  synthetic: llaima-like\nmodel:\n  preset: llaima\n  epochs: 3\nseed: 9\n"

    @Test func sectionIsReadAndExpandedToTheGrid() throws {
        let (base, sweep) = try SweepConfig.read(try write(Self.head + """
        sweep:
          batch_size: [16, 32]
          epochs: 2
          learning_rate: [1e-3, 0.002, 5.0e-3]
          layers: [2, 4]
          hidden: [12]
          clusterer: ward
        """))
        #expect(base.seed == 9 && base.model.epochs == 3)
        #expect(sweep == SweepConfig(batchSize: [16, 32], epochs: [2], learningRate: [1e-3, 2e-3, 5e-3],
                                     depth: [2, 4], hidden: [12], clusterer: .ward))
        #expect(sweep.resolvedMethod(base) == .tstcc && sweep.resolvedClusterer(base) == .ward)
        let trials = try sweep.trials(base: base)
        #expect(trials.count == 2 * 3 * 2)
        #expect(trials[0] == SweepTrial(method: .tstcc, batchSize: 16, epochs: 2, learningRate: 1e-3, depth: 2, hidden: 12, seed: 9))
        #expect(trials[0].id == "tstcc_bs16_ep2_lr0.001_depth2_hidden12_seed9")
        #expect(trials.last!.id == "tstcc_bs32_ep2_lr0.005_depth4_hidden12_seed9")
        #expect(Set(trials.map(\.id)).count == trials.count)
        // The trial's values land in `model:` and the rest of the preset is kept.
        let applied = trials[5].applied(to: base)
        #expect(applied.model == .init(preset: "llaima", epochs: 2, batchSize: 16, learningRate: 5e-3, hidden: 12, depth: 4))
        #expect(applied.data == base.data && applied.clusterers == base.clusterers)
    }

    @Test func missingKeysKeepThePresetsValues() throws {
        let (base, sweep) = try SweepConfig.read(try write(Self.head + "sweep:\n  learning_rate: [0.001, 0.003]\n"))
        let trials = try sweep.trials(base: base)
        #expect(trials.map(\.id) == ["tstcc_bs32_ep3_lr0.001_depth4_hidden24_seed9", "tstcc_bs32_ep3_lr0.003_depth4_hidden24_seed9"])
        // SimCLR trials have no transformer.
        let simclr = SweepConfig(learningRate: [1e-3], method: .simclr)
        #expect(try simclr.trials(base: base).map(\.id) == ["simclr_bs32_ep3_lr0.001_seed9"])
        // No section: one trial with the preset's values.
        let (b2, none) = try SweepConfig.read(try write(Self.head))
        #expect(try none.trials(base: b2).count == 1)
    }

    @Test func randomSubsetIsSeededAndInGridOrder() throws {
        let base = ExperimentConfig(name: "x", data: .init(synthetic: "llaima-like"), seed: 3)
        let full = try SweepConfig.paper.trials(base: base)
        #expect(full.count == 5 * 5 * 6 * 4 * 4)
        var s = SweepConfig.paper
        s.maxTrials = 20
        let a = try s.trials(base: base), b = try s.trials(base: base)
        #expect(a == b && a.count == 20 && Set(a).count == 20)
        let positions = a.map { t in full.firstIndex(of: t)! }
        #expect(positions == positions.sorted())
        var other = base
        other.seed = 4
        #expect(try s.trials(base: other).map { SweepTrial(method: $0.method, batchSize: $0.batchSize, epochs: $0.epochs, learningRate: $0.learningRate, depth: $0.depth, hidden: $0.hidden, seed: 3) } != a)
        // --max-trials overrides max_trials; a limit above the grid size keeps the grid.
        #expect(try s.trials(base: base, maxTrials: 7).count == 7)
        #expect(try SweepConfig(epochs: [1, 2]).trials(base: base, maxTrials: 10).count == 2)
    }

    @Test func shippedSweepPresetsParse() throws {
        let presets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("presets")
        let (small, smallSweep) = try SweepConfig.read(presets.appendingPathComponent("sweep-llaima-like.yaml"))
        let trials = try smallSweep.trials(base: small)
        #expect(trials.count == 8 && smallSweep.resolvedClusterer(small) == .kmeans)
        #expect(small.clusterers.count == 4 && small.representations.count == 3)
        let (paper, paperSweep) = try SweepConfig.read(presets.appendingPathComponent("sweep-llaima.yaml"))
        var grid = paperSweep
        grid.maxTrials = nil
        grid.clusterer = nil
        #expect(grid == SweepConfig.paper)
        #expect(try paperSweep.trials(base: paper).count == 60)
        #expect(paperSweep.resolvedClusterer(paper) == .spectral)
    }

    @Test(arguments: [
        ("sweep:\n  batchsize: [16]\n", "sweep.batchsize: unknown key \"batchsize\""),
        ("sweep:\n  epochs: []\n", "sweep.epochs is empty"),
        ("sweep:\n  batch_size: []\n", "sweep.batch_size is empty"),
        ("sweep:\n  learning_rate: [0.001, -0.002]\n", "sweep.learning_rate must hold positive finite values, got -0.002"),
        ("sweep:\n  learning_rate: [0]\n", "sweep.learning_rate must hold positive finite values, got 0.0"),
        ("sweep:\n  batch_size: [1, 32]\n", "sweep.batch_size must hold values of at least 2, got 1"),
        ("sweep:\n  epochs: [0]\n", "sweep.epochs must hold values of at least 1, got 0"),
        ("sweep:\n  hidden: [12, 30]\n", "sweep.hidden must hold multiples of the 4 attention heads, got 30"),
        ("sweep:\n  epochs: [5, 5]\n", "sweep.epochs lists 5 more than once"),
        ("sweep:\n  depth: [2]\n  method: simclr\n", "sweep.depth applies to TS-TCC only"),
        ("sweep:\n  depth: [2]\n  layers: [3]\n", "sweep.layers: `layers` is another name for `depth`"),
        ("sweep:\n  method: byol\n", "sweep.method: unknown method \"byol\""),
        ("sweep:\n  clusterer: dbscan\n", "sweep.clusterer: unknown clusterer \"dbscan\""),
        ("sweep:\n  epochs: [ten]\n", "field sweep.epochs"),
        ("sweep:\n  max_trials: 0\n", "sweep.max_trials must be at least 1, got 0"),
        ("sweep: [1, 2]\n", "field sweep has the wrong type"),
    ])
    func badSectionsNameTheKey(text: String, expected: String) throws {
        let url = try write(Self.head + text)
        do {
            _ = try SweepConfig.read(url)
            Issue.record("accepted: \(text)")
        } catch let e as InputError {
            #expect(e.file == url.path)
            #expect(e.description.contains(expected), "\(e)")
        }
    }
}
