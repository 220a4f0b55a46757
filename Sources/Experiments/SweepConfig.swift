import Contrastive
import Foundation
import VolcanoCore

/// The `sweep:` section of an experiment preset: the values to try for each pre-training
/// hyper-parameter of the paper's search (section 4.5), for `volcano-ssl sweep PRESET.yaml`.
///
/// Every key may be left out; a missing hyper-parameter keeps the preset's single value
/// (`model:` overrides, else the model preset's). A single value may be written without brackets.
///
/// ```yaml
/// sweep:
///   batch_size: [16, 32]         # events per step; each ≥ 2 and ≤ the training events
///   epochs: [10, 20]             # pre-training epochs; each ≥ 1
///   learning_rate: [1e-3, 2e-3]  # Adam learning rate; each > 0 (the paper: 1e-4 … 1e-2)
///   depth: [2, 4]                # TS-TCC transformer layers (alias `layers`; the paper: 2 … 5)
///   hidden: [12, 24]             # TS-TCC transformer width, a multiple of its 4 heads (12 … 48)
///   max_trials: 8                # optional: a seeded random subset of the grid
///   method: tstcc                # tstcc (default) or simclr
///   clusterer: kmeans            # default: the preset's first clusterer
/// ```
///
/// The trials are the Cartesian product of the lists (batch size outermost, width innermost);
/// with `max_trials` below the grid size, that many trials drawn without replacement with the
/// preset's `seed`, kept in grid order.
public struct SweepConfig: Sendable, Equatable, Encodable {
    public var batchSize: [Int]?
    public var epochs: [Int]?
    public var learningRate: [Double]?
    /// TS-TCC transformer layers.
    public var depth: [Int]?
    /// TS-TCC transformer width.
    public var hidden: [Int]?
    /// Upper bound on the trials (≥ 1); nil runs the whole grid.
    public var maxTrials: Int?
    /// Pre-training method (default: TS-TCC unless the preset's representations have only SimCLR).
    public var method: ContrastiveMethodKind?
    /// Clusterer scored per trial (default: the preset's first).
    public var clusterer: ExperimentConfig.Clusterer?

    public init(batchSize: [Int]? = nil, epochs: [Int]? = nil, learningRate: [Double]? = nil, depth: [Int]? = nil,
                hidden: [Int]? = nil, maxTrials: Int? = nil, method: ContrastiveMethodKind? = nil,
                clusterer: ExperimentConfig.Clusterer? = nil) {
        self.batchSize = batchSize
        self.epochs = epochs
        self.learningRate = learningRate
        self.depth = depth
        self.hidden = hidden
        self.maxTrials = maxTrials
        self.method = method
        self.clusterer = clusterer
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case batchSize = "batch_size"
        case epochs
        case learningRate = "learning_rate"
        case depth, hidden
        case maxTrials = "max_trials"
        case method, clusterer
    }

    /// The keys a `sweep:` section accepts.
    public static let keys = CodingKeys.allCases.map(\.rawValue) + ["layers"]

    /// The paper's grid (section 4.5): batch sizes {32, 48, 64, 96, 128}, epochs
    /// {30, 40, 50, 60, 75}, learning rates in [1e-4, 1e-2] (here 1e-4, 5e-4, 1e-3, 2e-3, 5e-3,
    /// 1e-2), transformer depth 2 … 5 and width 12 … 48 (12, 24, 36, 48): 2400 trials.
    public static let paper = SweepConfig(batchSize: [32, 48, 64, 96, 128], epochs: [30, 40, 50, 60, 75],
                                          learningRate: [1e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2],
                                          depth: [2, 3, 4, 5], hidden: [12, 24, 36, 48])

    /// The pre-training method of the sweep on `base`.
    public func resolvedMethod(_ base: ExperimentConfig) -> ContrastiveMethodKind {
        if let method { return method }
        if !base.representations.contains(.tstcc) && base.representations.contains(.simclr) { return .simclr }
        return .tstcc
    }

    /// The clusterer scored in every trial.
    public func resolvedClusterer(_ base: ExperimentConfig) -> ExperimentConfig.Clusterer {
        clusterer ?? base.clusterers.first ?? .kmeans
    }

    /// Checks every list against the rules above and the model preset of `base`.
    /// - Throws: ``InputError`` naming `file` and the key (`sweep.learning_rate`).
    public func validate(base: ExperimentConfig, file: String? = nil) throws {
        func fail(_ m: String) -> InputError { InputError(m, file: file) }
        let preset = try base.modelPreset()
        let tstcc = resolvedMethod(base) == .tstcc
        func check<T: Comparable & Hashable>(_ values: [T]?, _ key: String, _ rule: String, _ ok: (T) -> Bool) throws {
            guard let values else { return }
            if values.isEmpty { throw fail("sweep.\(key) is empty; list at least one value or leave the key out") }
            if let bad = values.first(where: { !ok($0) }) { throw fail("sweep.\(key) must hold \(rule), got \(bad)") }
            var seen = Set<T>()
            if let twice = values.first(where: { !seen.insert($0).inserted }) {
                throw fail("sweep.\(key) lists \(twice) more than once")
            }
        }
        try check(batchSize, "batch_size", "values of at least 2", { $0 >= 2 })
        try check(epochs, "epochs", "values of at least 1", { $0 >= 1 })
        try check(learningRate, "learning_rate", "positive finite values", { $0 > 0 && $0.isFinite })
        try check(depth, "depth", "values of at least 1", { $0 >= 1 })
        let heads = preset.temporal.heads
        try check(hidden, "hidden", "multiples of the \(heads) attention heads", { $0 >= heads && $0 % heads == 0 })
        if !tstcc, let key = depth != nil ? "depth" : hidden != nil ? "hidden" : nil {
            throw fail("sweep.\(key) applies to TS-TCC only, but the sweep pre-trains with SimCLR; remove it or set `method: tstcc`")
        }
        if let m = maxTrials, m < 1 { throw fail("sweep.max_trials must be at least 1, got \(m)") }
        if tstcc, hidden == nil, preset.temporal.hidden % heads != 0 {
            throw fail("model.hidden must be a multiple of the \(heads) attention heads, got \(preset.temporal.hidden)")
        }
    }

    /// The trials of this sweep on `base` (grid order, or its seeded subset).
    ///
    /// - Parameters:
    ///   - maxTrials: overrides `max_trials` (nil keeps it).
    /// - Throws: ``InputError`` when the section or the model preset is invalid.
    public func trials(base: ExperimentConfig, maxTrials: Int? = nil, file: String? = nil) throws -> [SweepTrial] {
        try validate(base: base, file: file)
        if let m = maxTrials, m < 1 { throw InputError("--max-trials must be at least 1, got \(m)") }
        let preset = try base.modelPreset()
        let method = resolvedMethod(base)
        let tstcc = method == .tstcc
        var grid: [SweepTrial] = []
        for b in batchSize ?? [preset.training.batchSize] {
            for e in epochs ?? [preset.training.epochs] {
                for lr in learningRate ?? [preset.training.learningRate] {
                    for d in tstcc ? (depth ?? [preset.temporal.depth]) : [0] {
                        for h in tstcc ? (hidden ?? [preset.temporal.hidden]) : [0] {
                            grid.append(SweepTrial(method: method, batchSize: b, epochs: e, learningRate: lr,
                                                   depth: tstcc ? d : nil, hidden: tstcc ? h : nil, seed: base.seed))
                        }
                    }
                }
            }
        }
        guard let limit = maxTrials ?? self.maxTrials, limit < grid.count else { return grid }
        var rng = SeededGenerator(seed: base.seed, stream: 0x5EE9)
        return rng.permutation(grid.count).prefix(limit).sorted().map { grid[$0] }
    }

    /// Reads a preset with an optional `sweep:` section: the experiment preset (checked as by
    /// `volcano-ssl experiment`) and the section (empty when absent: one trial, the preset's values).
    /// - Throws: ``InputError`` naming the file and the key.
    public static func read(_ url: URL) throws -> (preset: ExperimentConfig, sweep: SweepConfig) {
        let base = try ExperimentConfig.read(url)
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        let sweep = try ExperimentConfig.decodeYAML(Section.self, from: text, file: url).sweep ?? SweepConfig()
        try sweep.validate(base: base, file: url.path)
        return (base, sweep)
    }

    private struct Section: Decodable { var sweep: SweepConfig? }
}

extension SweepConfig: Decodable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        for key in c.allKeys where !Self.keys.contains(key.stringValue) {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [key],
                debugDescription: "unknown key \"\(key.stringValue)\" (expected \(Self.keys.joined(separator: ", ")))"))
        }
        func list<T: Decodable>(_ name: String) throws -> [T]? {
            let k = AnyKey(name)
            guard c.contains(k) else { return nil }
            if let one = try? c.decode(T.self, forKey: k) { return [one] }
            return try c.decode([T].self, forKey: k)
        }
        batchSize = try list("batch_size")
        epochs = try list("epochs")
        learningRate = try list("learning_rate")
        depth = try list("depth")
        if c.contains(AnyKey("layers")) {
            if depth != nil {
                throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [AnyKey("layers")],
                    debugDescription: "`layers` is another name for `depth`; give only one of them"))
            }
            depth = try list("layers")
        }
        hidden = try list("hidden")
        maxTrials = try c.decodeIfPresent(Int.self, forKey: AnyKey("max_trials"))
        if let text = try c.decodeIfPresent(String.self, forKey: AnyKey("method")) {
            guard let m = ContrastiveMethodKind(rawValue: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [AnyKey("method")],
                    debugDescription: "unknown method \"\(text)\" (choose from tstcc, simclr)"))
            }
            method = m
        }
        clusterer = try c.decodeIfPresent(ExperimentConfig.Clusterer.self, forKey: AnyKey("clusterer"))
    }

    /// Any string key (to find the unknown ones).
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// One point of the grid: the hyper-parameters of one pre-training run and its seed.
public struct SweepTrial: Codable, Sendable, Hashable {
    public var method: ContrastiveMethodKind
    public var batchSize: Int
    public var epochs: Int
    public var learningRate: Double
    /// TS-TCC transformer layers (nil for SimCLR).
    public var depth: Int?
    /// TS-TCC transformer width (nil for SimCLR).
    public var hidden: Int?
    public var seed: UInt64

    public init(method: ContrastiveMethodKind, batchSize: Int, epochs: Int, learningRate: Double,
                depth: Int? = nil, hidden: Int? = nil, seed: UInt64) {
        self.method = method
        self.batchSize = batchSize
        self.epochs = epochs
        self.learningRate = learningRate
        self.depth = depth
        self.hidden = hidden
        self.seed = seed
    }

    /// A stable, readable name of the parameters and seed, also the trial's folder name:
    /// `tstcc_bs32_ep60_lr0.002_depth4_hidden24_seed42`.
    public var id: String {
        var parts = [method.rawValue, "bs\(batchSize)", "ep\(epochs)", "lr\(learningRate)"]
        if let depth { parts.append("depth\(depth)") }
        if let hidden { parts.append("hidden\(hidden)") }
        parts.append("seed\(seed)")
        return parts.joined(separator: "_")
    }

    /// `base` with this trial's values written into `model:` and `seed:`.
    public func applied(to base: ExperimentConfig) -> ExperimentConfig {
        var c = base
        c.model.batchSize = batchSize
        c.model.epochs = epochs
        c.model.learningRate = learningRate
        if let depth { c.model.depth = depth }
        if let hidden { c.model.hidden = hidden }
        c.seed = seed
        return c
    }
}

extension ExperimentConfig {
    /// The model preset named in `model.preset` with the `model:` overrides and `seed` applied.
    /// - Throws: ``InputError`` for an unknown preset name.
    public func modelPreset() throws -> Preset {
        guard var preset = Preset.named(model.preset) else {
            throw InputError("unknown model preset \"\(model.preset)\" (choose llaima, colima or etna)")
        }
        if let e = model.epochs { preset.training.epochs = e }
        if let b = model.batchSize { preset.training.batchSize = b }
        if let lr = model.learningRate { preset.training.learningRate = lr }
        if let h = model.hidden { preset.temporal.hidden = h }
        if let d = model.depth { preset.temporal.depth = d }
        preset.training.seed = seed
        return preset
    }
}
