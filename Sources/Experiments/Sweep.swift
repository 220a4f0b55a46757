import Clustering
import Contrastive
import Foundation
import Manifold
import VolcanoCore
import VolcanoData

/// What one trial of a sweep measured, saved as `OUT/trials/<id>/result.json`.
public struct SweepTrialResult: Codable, Sendable, Equatable {
    public var trial: SweepTrial
    /// The trial's own experiment preset (the base preset with the trial's values, one
    /// representation, one clusterer): a stored result is reused only when it matches.
    public var preset: ExperimentConfig
    /// ``ModelFolder/fingerprint(_:)`` of the dataset's waveforms.
    public var datasetFingerprint: String
    /// Contrastive loss of the trained model on the validation split (evaluation mode,
    /// batches of ``Sweep/validationBatchSize``); NaN without validation events or on failure.
    public var validationLoss: Double
    /// Mean training loss of the last epoch.
    public var trainLoss: Double
    /// `v_measure` (labels exist) or `silhouette` (no labels).
    public var scoreName: String
    /// The clustering score the sweep ranks by (NaN on failure or when undefined).
    public var score: Double
    /// Every clustering score (nil when the trial failed).
    public var evaluation: ClusterEvaluation?
    /// Wall-clock seconds of the trial (a trial that continued a shorter one counts only its
    /// extra epochs).
    public var seconds: Double
    /// Why the trial failed (the loss diverged, the embeddings are not finite), if it did.
    public var failure: String?
    /// The shorter trial whose checkpoint this one continued (see ``Sweep``), if any.
    public var continuedFrom: String?
}

/// A report from a running sweep, for progress lines and tests.
public enum SweepEvent: Sendable {
    /// Trial `index` (1-based) of `count` starts computing.
    case started(index: Int, count: Int, trial: SweepTrial)
    /// Trial `index` of `count` is done: computed now (`computed`) or read from an earlier run.
    /// `etaSeconds` estimates the rest from the mean time of the trials computed so far.
    case finished(index: Int, count: Int, result: SweepTrialResult, computed: Bool, etaSeconds: Double?)
}

/// What a sweep produced.
public struct SweepOutcome: Sendable {
    /// One result per trial, in trial (grid) order.
    public var results: [SweepTrialResult]
    /// Indices into `results`, best first (see ``SweepTable/ranking(_:)``).
    public var ranking: [Int]
    /// The input preset with the best trial's values (written as `best.yaml`).
    public var bestPreset: ExperimentConfig
    /// Trials computed in this run (the others were read from `result.json`).
    public var computed: Int

    public var best: SweepTrialResult { results[ranking[0]] }
}

/// The paper's hyper-parameter search (section 4.5), resumable:
///
/// ```
/// OUT/dataset/                    the synthetic dataset (when generated; shared by the trials)
/// OUT/trials/<id>/model/          the trial's Model folder (weights, config, history)
/// OUT/trials/<id>/result.json     written atomically when the trial is done
/// OUT/sweep.{csv,md}              one row per trial, best first, best row marked
/// OUT/best.yaml                   the input preset with the best values, for `experiment`
/// ```
///
/// Each trial pre-trains the encoder (TS-TCC by default) on the events outside the test split,
/// measures the contrastive loss on the validation split, embeds every event, maps them with
/// UMAP to 20-D and clusters them with the preset's clusterer, scored by V-measure where labels
/// exist and by the silhouette otherwise. A re-run reads the trials that have a `result.json`
/// made from the same preset and dataset and computes only the others, so an interrupted sweep
/// continues where it stopped (a trial killed midway has no `result.json` and is redone).
/// A trial whose loss diverges is recorded as failed and ranked last; the sweep goes on.
///
/// With the constant learning rate of the paper's presets, the first E epochs of a longer run
/// are exactly a run of E epochs (every random choice derives from the seed, the epoch and the
/// step), so a trial continues from the checkpoint of the longest finished trial that differs
/// only in having fewer epochs: the paper's epochs {30, 40, 50, 60, 75} cost 75 epochs instead
/// of 255. The result is bit-identical to training from scratch. Checkpoints (with the
/// optimizer state) are kept only for trials that a longer trial of the grid can continue.
public struct Sweep {
    public let config: ExperimentConfig
    public let sweep: SweepConfig
    public let output: URL
    /// Overrides `max_trials`.
    public var maxTrials: Int?

    /// Validation events per loss evaluation, the same for every trial so that the losses of
    /// different batch sizes compare.
    public static let validationBatchSize = 32

    public init(config: ExperimentConfig, sweep: SweepConfig, output: URL, maxTrials: Int? = nil) {
        self.config = config
        self.sweep = sweep
        self.output = output
        self.maxTrials = maxTrials
    }

    /// Runs every trial not done yet, then writes the table and `best.yaml`.
    /// - Parameters:
    ///   - progress: per-epoch and UMAP progress of the running trial.
    ///   - onEvent: called when a trial starts and when it is done (or found done).
    ///   - log: one line per finished stage.
    /// - Throws: ``InputError`` for bad settings or data (before any trial runs).
    public func run(progress: ProgressHandler? = nil, onEvent: (SweepEvent) -> Void = { _ in },
                    log: (String) -> Void = { _ in }) throws -> SweepOutcome {
        let trials = try sweep.trials(base: config, maxTrials: maxTrials)
        let method = sweep.resolvedMethod(config)
        let clusterer = sweep.resolvedClusterer(config)
        var base = config
        base.representations = [method == .tstcc ? .tstcc : .simclr]
        base.clusterers = [clusterer]
        if config.data.synthetic != nil {
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        }
        let experiment = Experiment(config: base, output: output)
        let (dataset, datasetURL) = try experiment.loadDataset(progress: progress)
        log("dataset: \(dataset.count) events of \(dataset.length) samples at \(dataset.manifest.samplingRate) Hz → \(datasetURL.path)")

        // The clustered events and their labels, as in `experiment`.
        let rows = dataset.events.indices.filter { config.data.noiseLabel == nil || dataset.events[$0].label != config.data.noiseLabel }
        let classes: [String?] = rows.map { dataset.events[$0].label.flatMap { $0.isEmpty ? nil : $0 } }
        let classCount = Set(classes.compactMap { $0 }).count
        let scoreName = classCount > 0 ? "v_measure" : "silhouette"
        let k = config.clusters ?? classCount
        if clusterer != .hdbscan && k < 2 {
            throw InputError("has \(classCount) labelled class\(classCount == 1 ? "" : "es"); set `clusters:` in the preset (at least 2)", file: datasetURL.path)
        }
        guard rows.count > max(config.umapNeighbors + 1, k) else {
            throw InputError("has \(rows.count) events to cluster, too few for \(config.umapNeighbors) UMAP neighbours and \(k) clusters", file: datasetURL.path)
        }

        // One split for every trial: training events (labels unused) and validation events.
        let preset = try config.modelPreset()
        let data = try PretrainingData.prepare(dataset, file: datasetURL.path, encoder: preset.encoder, preset: preset.name,
                                               batchSize: 2, validationFraction: preset.training.validationFraction,
                                               seed: config.seed, noiseLabel: config.data.noiseLabel)
        if let b = trials.map(\.batchSize).max(), b > data.trainCount {
            let key = sweep.batchSize == nil ? "model.batch_size" : "sweep.batch_size"
            throw InputError("\(key) value \(b) is larger than the \(data.trainCount) training events (\(data.validationCount) more are held out for the validation loss); use smaller batches or more events", file: datasetURL.path)
        }
        let fingerprint = ModelFolder.fingerprint(dataset.waveforms)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)

        // Results of an earlier run that still apply.
        let folders = trials.map { output.appendingPathComponent("trials").appendingPathComponent($0.id) }
        var results: [SweepTrialResult?] = zip(trials, folders).map { trial, folder in
            guard let r = try? Self.readResult(folder), r.preset == trial.applied(to: base),
                  r.datasetFingerprint == fingerprint else { return nil }
            return r
        }
        var toCompute = results.filter { $0 == nil }.count
        // A run of E epochs is the start of a longer one only if the learning rate does not
        // depend on the number of epochs.
        let continuable = preset.training.schedule == .constant
        var computedSeconds = 0.0, computed = 0
        for (i, trial) in trials.enumerated() {
            func eta() -> Double? { computed > 0 ? computedSeconds / Double(computed) * Double(toCompute) : nil }
            if let r = results[i] {
                onEvent(.finished(index: i + 1, count: trials.count, result: r, computed: false, etaSeconds: eta()))
                continue
            }
            onEvent(.started(index: i + 1, count: trials.count, trial: trial))
            let continued = continuable ? shorter(than: trial, in: trials, results: results) : nil
            let keep = continuable && trials.contains { $0.epochs > trial.epochs && Self.sameButEpochs($0, trial) }
            let r = try runTrial(trial, preset: trial.applied(to: base), folder: folders[i], dataset: dataset, data: data,
                                 rows: rows, classes: classes, k: k, scoreName: scoreName, fingerprint: fingerprint,
                                 continuing: continued.map { (trials[$0].id, folders[$0]) }, keepCheckpoint: keep,
                                 progress: progress)
            results[i] = r
            computed += 1
            toCompute -= 1
            computedSeconds += r.seconds
            onEvent(.finished(index: i + 1, count: trials.count, result: r, computed: true, etaSeconds: eta()))
        }
        let done = results.map { $0! }
        let ranking = SweepTable.ranking(done)
        let best = done[ranking[0]]
        let bestPreset = best.trial.applied(to: config)
        try SweepTable.write(done, ranking: ranking, bestPreset: bestPreset, name: config.name,
                             clusterer: clusterer, to: output)
        if best.failure != nil {
            throw TrainingError("every trial failed (\(best.failure!)); see \(output.appendingPathComponent("sweep.md").path)")
        }
        return SweepOutcome(results: done, ranking: ranking, bestPreset: bestPreset, computed: computed)
    }

    /// Whether `a` and `b` differ at most in their epochs.
    static func sameButEpochs(_ a: SweepTrial, _ b: SweepTrial) -> Bool {
        var x = a
        x.epochs = b.epochs
        return x == b
    }

    /// The index of the longest finished, successful trial that `trial` can continue: the same
    /// parameters but fewer epochs, with its checkpoint still on disk.
    func shorter(than trial: SweepTrial, in trials: [SweepTrial], results: [SweepTrialResult?]) -> Int? {
        trials.indices.filter { j in
            let t = trials[j]
            guard t.epochs < trial.epochs, Self.sameButEpochs(t, trial), let r = results[j], r.failure == nil else { return false }
            let checkpoint = output.appendingPathComponent("trials").appendingPathComponent(t.id)
                .appendingPathComponent("model").appendingPathComponent(ModelFolder.checkpointFile)
            return FileManager.default.fileExists(atPath: checkpoint.path)
        }.max { trials[$0].epochs < trials[$1].epochs }
    }

    /// Pre-trains, scores and records one trial in `folder` (emptied first).
    /// - Parameters:
    ///   - continuing: (id, folder) of a shorter trial whose model checkpoint this one resumes.
    ///   - keepCheckpoint: keep the optimizer checkpoint for a longer trial to continue.
    func runTrial(_ trial: SweepTrial, preset trialPreset: ExperimentConfig, folder: URL, dataset: Dataset,
                  data: PretrainingData, rows: [Int], classes: [String?], k: Int, scoreName: String,
                  fingerprint: String, continuing: (id: String, folder: URL)?, keepCheckpoint: Bool,
                  progress: ProgressHandler?) throws -> SweepTrialResult {
        let start = Date()
        let fm = FileManager.default
        try? fm.removeItem(at: folder)
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        var result = SweepTrialResult(trial: trial, preset: trialPreset, datasetFingerprint: fingerprint,
                                      validationLoss: .nan, trainLoss: .nan, scoreName: scoreName, score: .nan,
                                      evaluation: nil, seconds: 0, failure: nil)
        let preset = try trialPreset.modelPreset()
        let modelConfig = ModelConfig.pretraining(method: trial.method, preset: preset, dataset: dataset)
        var pretraining = Pretraining(method: modelConfig.makeMethod(), modelConfig: modelConfig)
        let modelFolder = folder.appendingPathComponent("model")
        do {
            var history: [EpochRecord] = []
            if let continuing, (try? fm.copyItem(at: continuing.folder.appendingPathComponent("model"), to: modelFolder)) != nil {
                do {
                    history = try pretraining.run(data, output: modelFolder, resume: true, progress: progress)
                    result.continuedFrom = continuing.id
                } catch is InputError {
                    // The checkpoint could not be read: train from scratch below.
                }
            }
            if result.continuedFrom == nil {
                try? fm.removeItem(at: modelFolder)
                pretraining = Pretraining(method: modelConfig.makeMethod(), modelConfig: modelConfig)
                history = try pretraining.run(data, output: modelFolder, progress: progress)
            }
            result.trainLoss = history.last?.trainLoss ?? .nan
            result.validationLoss = pretraining.validationLoss(data, batchSize: Self.validationBatchSize)
            let z = Embedding.compute(encoder: pretraining.method.encoder, waveforms: dataset.waveforms,
                                      count: dataset.count, progress: progress)
            let x = FeatureMatrix(rows: dataset.count, columns: preset.encoder.featureSize, values: z).selectingRows(rows)
            guard x.values.allSatisfy(\.isFinite) else { throw TrainingError("the embeddings contain NaN or infinite values") }
            var map = UMAPConfiguration.clustering
            map.nNeighbors = trialPreset.umapNeighbors
            if let schedule = trialPreset.umapSchedule { map.schedule = schedule }
            map.seed = trialPreset.seed
            let map20 = try UMAP.fit(x, configuration: map, progress: progress).embedding
            let points = map20.values.map(Double.init)
            let labels = try Experiment(config: trialPreset, output: output)
                .cluster(trialPreset.clusterers[0], points: points, dimension: map20.columns, k: k, n: rows.count)
            let e = ClusterEvaluation(classes: classes, clusters: labels, points: points, dimension: map20.columns,
                                      seed: trialPreset.seed)
            result.evaluation = e
            result.score = scoreName == "v_measure" ? e.vMeasure : (e.silhouette ?? .nan)
        } catch let e as TrainingError {
            result.failure = e.message
        }
        // The optimizer state is only needed by a longer trial continuing this one.
        if !keepCheckpoint || result.failure != nil {
            try? fm.removeItem(at: modelFolder.appendingPathComponent(ModelFolder.checkpointFile))
        }
        result.seconds = Date().timeIntervalSince(start)
        try AtomicFile.write(try Self.encoder.encode(result), to: folder.appendingPathComponent("result.json"))
        return result
    }

    /// Reads `folder/result.json`.
    public static func readResult(_ folder: URL) throws -> SweepTrialResult {
        let url = folder.appendingPathComponent("result.json")
        guard let data = try? Data(contentsOf: url) else { throw InputError("cannot be read", file: url.path) }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try decoder.decode(SweepTrialResult.self, from: data) } catch {
            throw InputError("is not a sweep trial result: \(error)", file: url.path)
        }
    }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }
}
