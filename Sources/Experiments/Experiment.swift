import Clustering
import Contrastive
import Foundation
import Manifold
import VolcanoCore
import VolcanoData

/// One row of the results table: a representation clustered by one method.
public struct ExperimentRow: Codable, Sendable, Equatable {
    public var representation: ExperimentConfig.Representation
    public var clusterer: ExperimentConfig.Clusterer
    public var evaluation: ClusterEvaluation
    /// Seconds spent in the clusterer.
    public var seconds: Double
}

/// Everything an experiment produced, saved as `results.json` so the report can be drawn
/// again without re-running anything.
public struct ExperimentResult: Codable, Sendable {
    public var config: ExperimentConfig
    /// The Dataset folder the experiment ran on.
    public var datasetPath: String
    public var classNames: [String]
    /// Events clustered (noise segments excluded).
    public var events: Int
    /// Clusters asked of K-means, spectral and Ward.
    public var clusters: Int
    public var rows: [ExperimentRow]
    /// Pre-training history per method (`simclr`, `tstcc`).
    public var history: [String: [EpochRecord]]
    /// Wall-clock seconds per stage.
    public var timings: [String: Double]
    /// Machine, threads, BLAS, date, version.
    public var provenance: [String: String]

    /// Rows of `representation`, in the configured clusterer order.
    public func rows(for representation: ExperimentConfig.Representation) -> [ExperimentRow] {
        rows.filter { $0.representation == representation }
    }

    /// The row with the highest V-measure for `representation` (the paper's "best row").
    public func best(for representation: ExperimentConfig.Representation) -> ExperimentRow? {
        rows(for: representation).max { $0.evaluation.vMeasure < $1.evaluation.vMeasure }
    }
}

/// Runs an ``ExperimentConfig`` into an output folder:
///
/// ```
/// OUT/dataset/                      the synthetic dataset (when generated)
/// OUT/models/{simclr,tstcc}/        Model folders (resumed when present)
/// OUT/{baseline,simclr,tstcc}/      embeddings.npy, umap2d.npy, umap20d.npy,
///                                   clusters-<method>.csv (event_id, cluster, umap_x, umap_y),
///                                   labels-<method>.npy (int32 cluster per clustered event)
/// OUT/results.{json,md,csv,html}    the c / h / v table
/// ```
///
/// The encoders pre-train on the events outside the dataset's test split (labels unused);
/// clustering and scoring use every labelled event, as an observatory would map its whole
/// catalogue. Every stage writes atomically; a re-run after an interruption resumes
/// pre-training from its last checkpoint and redoes the rest.
public struct Experiment {
    public let config: ExperimentConfig
    public let output: URL

    public init(config: ExperimentConfig, output: URL) {
        self.config = config
        self.output = output
    }

    /// Runs every representation × clusterer. `log` receives one line per finished stage.
    public func run(progress: ProgressHandler? = nil, log: (String) -> Void = { _ in }) throws -> ExperimentResult {
        var timings: [String: Double] = [:]
        func timed<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
            let start = Date()
            let v = try body()
            timings[name] = Date().timeIntervalSince(start)
            return v
        }
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let (dataset, datasetURL) = try timed("dataset") { try loadDataset(progress: progress) }
        log("dataset: \(dataset.count) events of \(dataset.length) samples at \(dataset.manifest.samplingRate) Hz → \(datasetURL.path)")

        // Events that are clustered: all but noise segments.
        let rows = dataset.events.indices.filter { config.data.noiseLabel == nil || dataset.events[$0].label != config.data.noiseLabel }
        let classes: [String?] = rows.map { dataset.events[$0].label.flatMap { $0.isEmpty ? nil : $0 } }
        let classCount = Set(classes.compactMap { $0 }).count
        let k = config.clusters ?? classCount
        guard k >= 2 else {
            throw InputError("has \(classCount) labelled class\(classCount == 1 ? "" : "es"); set `clusters:` in the preset (at least 2)", file: datasetURL.path)
        }
        guard rows.count > max(config.umapNeighbors + 1, k) else {
            throw InputError("has \(rows.count) events to cluster, too few for \(config.umapNeighbors) UMAP neighbours and \(k) clusters", file: datasetURL.path)
        }
        var history: [String: [EpochRecord]] = [:]
        var results: [ExperimentRow] = []
        for rep in config.representations {
            let folder = output.appendingPathComponent(rep.rawValue)
            let features: FeatureMatrix = try timed("\(rep.rawValue) features") {
                switch rep {
                case .baseline:
                    let f = BaselineFeatures.compute(dataset)
                    return FeatureMatrix(rows: dataset.count, columns: f.values.count / max(1, dataset.count), values: f.values)
                case .simclr, .tstcc:
                    let kind: ContrastiveMethodKind = rep == .tstcc ? .tstcc : .simclr
                    let (z, h) = try pretrainAndEmbed(kind, dataset: dataset, datasetURL: datasetURL, progress: progress)
                    history[rep.rawValue] = h
                    return z
                }
            }
            let x = features.selectingRows(rows)
            try x.validateFinite(file: folder.appendingPathComponent("embeddings.npy").path)
            var map20Config = UMAPConfiguration.clustering
            var map2Config = UMAPConfiguration.visualisation
            map20Config.nNeighbors = config.umapNeighbors
            map2Config.nNeighbors = config.umapNeighbors
            map20Config.seed = config.seed
            map2Config.seed = config.seed
            if let schedule = config.umapSchedule { map20Config.schedule = schedule; map2Config.schedule = schedule }
            let map20 = try timed("\(rep.rawValue) UMAP 20-D") { try UMAP.fit(x, configuration: map20Config, progress: progress).embedding }
            let map2 = try timed("\(rep.rawValue) UMAP 2-D") { try UMAP.fit(x, configuration: map2Config, progress: progress).embedding }
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try NPY.write(features.npy, to: folder.appendingPathComponent("embeddings.npy"))
            try NPY.write(map20.npy, to: folder.appendingPathComponent("umap20d.npy"))
            try NPY.write(map2.npy, to: folder.appendingPathComponent("umap2d.npy"))
            let points = map20.values.map(Double.init)
            for method in config.clusterers {
                let start = Date()
                let labels = try cluster(method, points: points, dimension: map20.columns, k: k, n: rows.count)
                let seconds = Date().timeIntervalSince(start)
                let evaluation = ClusterEvaluation(classes: classes, clusters: labels, points: points, dimension: map20.columns,
                                                   seed: config.seed)
                results.append(ExperimentRow(representation: rep, clusterer: method, evaluation: evaluation, seconds: seconds))
                var csv = "event_id,cluster,umap_x,umap_y\n"
                for (j, r) in rows.enumerated() {
                    csv += "\(CSVTable.escape(dataset.events[r].eventID)),\(labels[j]),\(map2.values[2 * j]),\(map2.values[2 * j + 1])\n"
                }
                try AtomicFile.write(csv, to: folder.appendingPathComponent("clusters-\(method.rawValue).csv"))
                try NPY.write(NPYArray(labels.map(Int32.init)), to: folder.appendingPathComponent("labels-\(method.rawValue).npy"))
                log(String(format: "%@ + %@: c %.3f  h %.3f  v %.3f  (%d clusters)", rep.title, method.title,
                           evaluation.completeness, evaluation.homogeneity, evaluation.vMeasure, evaluation.clusters))
            }
        }
        var provenance: [String: String] = [
            "volcano-ssl": "0.1.0",
            "date": ISO8601DateFormatter().string(from: Date()),
            "threads": "\(Threads.count)",
            "blas": Threads.blasName,
            "host": ProcessInfo.processInfo.hostName,
        ]
        provenance["os"] = ProcessInfo.processInfo.operatingSystemVersionString
        let result = ExperimentResult(config: config, datasetPath: datasetURL.path, classNames: dataset.manifest.classNames,
                                      events: rows.count, clusters: k, rows: results, history: history,
                                      timings: timings, provenance: provenance)
        try ResultsTable.write(result, to: output)
        return result
    }

    /// The Dataset: generated into OUT/dataset for a synthetic preset (reused when it is
    /// already there and was made with the same preset, size and seed), else read from disk.
    func loadDataset(progress: ProgressHandler?) throws -> (Dataset, URL) {
        if let path = config.data.path {
            let url = URL(fileURLWithPath: path)
            return (try Dataset.read(from: url), url)
        }
        let name = config.data.synthetic!
        guard let preset = SyntheticPreset.named(name) else {
            throw InputError("unknown synthetic preset \"\(name)\" (choose \(SyntheticPreset.names.joined(separator: ", ")))")
        }
        let url = output.appendingPathComponent("dataset")
        let seed = config.data.seed ?? 1
        let events = config.data.events ?? preset.defaultEvents
        let stamp = "\(name) events=\(events) seed=\(seed)"
        let stampURL = output.appendingPathComponent("dataset.source")
        if let existing = try? String(contentsOf: stampURL, encoding: .utf8), existing == stamp,
           let d = try? Dataset.read(from: url) {
            return (d, url)
        }
        let d = SyntheticVolcano(preset: preset).dataset(events: events, seed: seed, progress: progress)
        try d.write(to: url)
        try AtomicFile.write(stamp, to: stampURL)
        return (d, url)
    }

    /// Pre-trains (or resumes) the encoder and embeds every event.
    func pretrainAndEmbed(_ kind: ContrastiveMethodKind, dataset: Dataset, datasetURL: URL,
                          progress: ProgressHandler?) throws -> (FeatureMatrix, [EpochRecord]) {
        guard var preset = Preset.named(config.model.preset) else {
            throw InputError("unknown model preset \"\(config.model.preset)\" (choose llaima, colima or etna)")
        }
        if let e = config.model.epochs { preset.training.epochs = e }
        if let b = config.model.batchSize { preset.training.batchSize = b }
        if let lr = config.model.learningRate { preset.training.learningRate = lr }
        if let h = config.model.hidden { preset.temporal.hidden = h }
        if let d = config.model.depth { preset.temporal.depth = d }
        preset.training.seed = config.seed
        let modelConfig = ModelConfig.pretraining(method: kind, preset: preset, dataset: dataset)
        let data = try PretrainingData.prepare(dataset, file: datasetURL.path, encoder: preset.encoder, preset: preset.name,
                                               batchSize: preset.training.batchSize,
                                               validationFraction: preset.training.validationFraction,
                                               seed: preset.training.seed, noiseLabel: config.data.noiseLabel)
        let folder = output.appendingPathComponent("models").appendingPathComponent(kind.rawValue)
        let resume = FileManager.default.fileExists(atPath: folder.appendingPathComponent(ModelFolder.checkpointFile).path)
        if !resume {
            // No checkpoint: an earlier run of this experiment stopped inside the first epoch,
            // before anything could be resumed. The folder is ours; start it afresh.
            try? FileManager.default.removeItem(at: folder)
        }
        let history = try Pretraining(method: modelConfig.makeMethod(), modelConfig: modelConfig)
            .run(data, output: folder, resume: resume, progress: progress)
        let (encoder, _) = try ModelFolder.loadEncoder(folder)
        let z = Embedding.compute(encoder: encoder, waveforms: dataset.waveforms, count: dataset.count, progress: progress)
        return (FeatureMatrix(rows: dataset.count, columns: preset.encoder.featureSize, values: z), history)
    }

    /// Cluster labels of the n points (−1 = HDBSCAN noise).
    func cluster(_ method: ExperimentConfig.Clusterer, points: [Double], dimension: Int, k: Int, n: Int) throws -> [Int] {
        switch method {
        case .kmeans:
            return try KMeans(clusterCount: k, initCount: 10, seed: config.seed).fit(points: points, dimension: dimension).labels
        case .spectral:
            return try SpectralClustering(clusterCount: k, affinity: .rbf(gamma: 1), initCount: 10, seed: config.seed)
                .fit(points: points, dimension: dimension).labels
        case .ward:
            return try WardClustering(clusterCount: k).fit(points: points, dimension: dimension).labels
        case .hdbscan:
            let size = config.hdbscanMinClusterSize ?? max(10, n / 50)
            return try HDBSCAN(minClusterSize: size).fit(points: points, dimension: dimension).labels
        }
    }
}
