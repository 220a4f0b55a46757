import Contrastive
import Foundation
import Manifold
import Reports
import Seismology
import VolcanoCore
import VolcanoData

/// Monitoring: a trained model and a clustered run applied to new continuous data.
///
/// ```
/// new miniSEED/SAC ─detect (the training dataset's settings)─▶ events ─embed (the model)─▶
///   ─transform (the run's saved 20-D and 2-D UMAP maps)─▶ nearest training cluster ─▶ counts per day
/// ```
///
/// The run folder is one made by `embed` + `cluster`: `embeddings.npy`, `clusters.csv`,
/// `clustering.json`, the fitted maps `umap20d/` and `umap2d/`, and `run.json` naming the
/// training Dataset, whose `manifest.json` holds the detection settings and quality selection
/// reused here (each can be overridden). Assignment follows ``ClusterAssignment``; counting
/// follows ``ActivityCounts``. ``MonitorResult/write(to:)`` writes the output folder atomically.
public struct Monitor: Sendable {
    /// Settings; `nil` fields are taken from the training run.
    public struct Options: Sendable {
        /// Detection settings changed from the training dataset's (from its manifest).
        public var detection = DetectionOverrides()
        /// Event selection (nil = the training dataset's: strict against its medians, or all).
        public var selection: DetectionCatalog.Selection?
        /// The assignment rule.
        public var assignment = ClusterAssignment()
        /// Count bin in seconds (86 400 = a UTC day, 3 600 = an hour).
        public var binSeconds: Double = 86_400
        /// UMAP transform seed (nil = the one saved with the maps).
        public var seed: UInt64?
        /// Sampling rate of NPY inputs, Hz.
        public var npyRate: Double?
        /// Streaming block length for miniSEED, s.
        public var blockSeconds: Double = 600
        /// Events per encoder forward pass (the same size gives the same bits).
        public var batchSize: Int = 256

        public init() {}
    }

    /// The Model folder (`pretrain`).
    public var model: URL
    /// The clustered run folder (`embed` + `cluster`).
    public var runFolder: URL
    public var options: Options

    public init(model: URL, run: URL, options: Options = Options()) {
        self.model = model
        self.runFolder = run
        self.options = options
    }

    /// Detects, embeds, maps, assigns and counts the events of `files`.
    /// - Throws: ``InputError`` naming the file for a missing or inconsistent run, a model
    ///   whose architecture or input length does not match the run, data whose rate cannot give
    ///   the training rate, or unreadable waveform files.
    public func run(files: [URL], progress: ProgressHandler? = nil) throws -> MonitorResult {
        guard !files.isEmpty else { throw InputError("monitor needs at least one waveform file") }
        guard options.binSeconds >= 1, options.binSeconds.isFinite else {
            throw InputError("--bin must be at least 1 s, got \(options.binSeconds) s")
        }
        guard options.batchSize >= 1 else { throw InputError("--batch-size must be at least 1, got \(options.batchSize)") }
        let trained = try TrainedRun(folder: runFolder)
        try options.assignment.validate(trainingEvents: trained.clusters.count)
        let (encoder, config) = try ModelFolder.loadEncoder(model)
        let configFile = model.appendingPathComponent(ModelFolder.configFile).path
        guard config.encoder.featureSize == trained.embeddings.columns else {
            throw InputError("describes an encoder giving \(config.encoder.featureSize) features per event, but the run's embeddings.npy has \(trained.embeddings.columns) (the run was made with a model of another architecture)", file: configFile)
        }
        guard config.encoder.inputChannels == 1 else {
            throw InputError("describes an encoder of \(config.encoder.inputChannels) input channels; detection gives 1", file: configFile)
        }

        // Detection settings and selection: the training dataset's unless overridden.
        let manifest = trained.dataset?.manifest
        let manifestFile = trained.datasetURL?.appendingPathComponent("manifest.json").path ?? trained.folder.appendingPathComponent("run.json").path
        guard let settings = options.detection.applied(to: manifest.flatMap { DetectionSettings(processingSteps: $0.preprocessing) }) else {
            throw InputError(manifest == nil
                ? "names no training dataset, so the detection settings are unknown; give them (--bandpass, --resample, --sta, --lta, --on, --off, --pre, --post) or record the dataset with `volcano-ssl cluster --dataset`"
                : "records no STA/LTA detection in its preprocessing history; give the detection settings (--sta, --lta, --on, --off, --pre, --post, …)", file: manifestFile)
        }
        let selection = options.selection ?? manifest.map { DetectionCatalog.selection(recordedIn: $0.preprocessing) } ?? .all
        let trainingRate = manifest?.samplingRate ?? settings.resampleRate
        let rate = settings.resampleRate ?? trainingRate
        if let rate {
            let length = settings.windowLength.map { Int(($0 * rate).rounded()) }
                ?? Int((settings.pre * rate).rounded()) + Int((settings.post * rate).rounded()) + 1
            guard length == config.encoder.length else {
                throw InputError("describes an encoder of \(config.encoder.length) samples per event, but the detection settings cut \(length) samples at \(rate) Hz (a model of another input length)", file: configFile)
            }
        }
        if let dataset = trained.dataset, let url = trained.datasetURL {
            try Self.checkEmbeddings(encoder: encoder, dataset: dataset, datasetURL: url, embeddings: trained.embeddings,
                                     runFolder: trained.folder, modelFolder: model, batchSize: options.batchSize)
        }

        // Detect and cut.
        let detection = try ContinuousDetection.run(files: files, settings: settings, npyRate: options.npyRate,
                                                    blockSeconds: options.blockSeconds, requiredRate: trainingRate,
                                                    progress: progress)
        let catalog = DetectionCatalog(events: detection.events, rate: detection.rate, settings: settings,
                                       sourceNotes: detection.notes, selection: selection, name: "monitor")
        let events = catalog.dataset
        guard events.length == config.encoder.length else {
            throw InputError("gives \(events.length)-sample events at \(detection.rate) Hz, but the model expects \(config.encoder.length)", file: files[0].path)
        }

        // Embed, map, assign.
        let z = Embedding.compute(encoder: encoder, waveforms: events.waveforms, count: events.count,
                                  batchSize: options.batchSize, progress: progress)
        let embeddings = FeatureMatrix(rows: events.count, columns: config.encoder.featureSize, values: z)
        try embeddings.validateFinite(file: model.appendingPathComponent(ModelFolder.weightsFile).path)
        func place(_ map: UMAP) throws -> FeatureMatrix {
            var m = map
            if let s = options.seed {
                var c = map.configuration
                c.transformSeed = s
                m = UMAP(configuration: c, curve: map.curve, trainingData: map.trainingData, embedding: map.embedding,
                         trainingNeighbors: map.trainingNeighbors)
            }
            return try m.transform(embeddings, progress: progress)
        }
        let map2 = try place(trained.map2)
        let (space, trainingSpace): (FeatureMatrix, FeatureMatrix)
        if let map20 = trained.map20 {
            space = try place(map20)
            trainingSpace = map20.embedding
        } else {
            (space, trainingSpace) = (embeddings, trained.embeddings)
        }
        let assignment = try options.assignment.assign(map: space, trainingMap: trainingSpace, trainingClusters: trained.clusters,
                                                       embeddings: embeddings, trainingEmbeddings: trained.embeddings)

        // Count.
        var clusterList = Array(Set(trained.clusters.filter { $0 >= 0 })).sorted()
        if trained.clusters.contains(-1) { clusterList.append(-1) }
        clusterList.append(ClusterAssignment.newCluster)
        let onsets = events.events.map { $0.startTime + $0.onsetOffset }
        let counts = ActivityCounts(onsets: onsets, clusters: assignment.clusters, clusterList: clusterList,
                                    binSeconds: options.binSeconds, start: detection.dataStart, end: detection.dataEnd)
        let seed = options.seed ?? (trained.map20 ?? trained.map2).configuration.transformSeed
        var provenance: [String: String] = ["volcano-ssl": config.versions["volcano-ssl"] ?? "0.1.0",
                                            "threads": "\(Threads.count)", "blas": Threads.blasName]
        provenance["model_method"] = config.method
        provenance["model_preset"] = config.preset
        provenance["model_dataset_fingerprint"] = config.datasetFingerprint
        return MonitorResult(model: model.path, run: runFolder.path, trainingDataset: trained.datasetURL?.path,
                             files: files.map(\.path), settings: settings, selection: selection, options: options, seed: seed,
                             clusteringSpace: trained.map20 == nil ? "embeddings" : "umap20d",
                             catalog: catalog, onsets: onsets, embeddings: embeddings, map20: trained.map20 == nil ? nil : space,
                             map2: map2, assignment: assignment, counts: counts, triggers: detection.events.count,
                             provenance: provenance)
    }

    /// Re-embeds up to 16 training events and compares them with the run's embeddings, so that a
    /// model other than the run's is refused instead of silently giving meaningless clusters.
    static func checkEmbeddings(encoder: ConvEncoder, dataset: Dataset, datasetURL: URL, embeddings: FeatureMatrix,
                                runFolder: URL, modelFolder: URL, batchSize: Int) throws {
        guard dataset.count == embeddings.rows, dataset.length == encoder.config.length,
              dataset.channelCount == encoder.config.inputChannels else {
            throw InputError("has \(dataset.count) events of \(dataset.channelCount) × \(dataset.length) samples, but the run's embeddings.npy has \(embeddings.rows) rows and the model expects \(encoder.config.inputChannels) × \(encoder.config.length) samples (a model of another input length?)", file: datasetURL.path)
        }
        let n = min(16, dataset.count)
        guard n > 0 else { return }
        let per = dataset.channelCount * dataset.length
        let z = Embedding.compute(encoder: encoder, waveforms: Array(dataset.waveforms[0..<(n * per)]), count: n, batchSize: batchSize)
        let d = embeddings.columns
        var largest: Float = 0, worst: Float = 0
        for i in 0..<(n * d) {
            largest = max(largest, abs(embeddings.values[i]))
            worst = max(worst, abs(embeddings.values[i] - z[i]))
        }
        guard worst <= 1e-3 * max(largest, 1e-6) else {
            throw InputError("does not give the run's embeddings (largest difference \(worst) on the first \(n) training events): the run \(runFolder.path) was embedded with another model", file: modelFolder.path)
        }
    }
}

/// Detection settings that replace the training dataset's; `nil` fields keep them. Without a
/// training dataset, `sta`, `lta`, `onThreshold`, `offThreshold`, `pre` and `post` are required.
public struct DetectionOverrides: Sendable, Equatable {
    public var freqmin: Double?, freqmax: Double?
    public var corners: Int?
    public var resampleRate: Double?
    public var sta: Double?, lta: Double?
    public var onThreshold: Double?, offThreshold: Double?
    public var pre: Double?, post: Double?
    public var windowLength: Double?
    public var maxTriggerLength: Double?

    public init() {}

    /// `base` with the set fields replaced (nil when there is no base and a required field is unset).
    public func applied(to base: DetectionSettings?) -> DetectionSettings? {
        guard var s = base ?? {
            guard let sta, let lta, let onThreshold, let offThreshold, let pre, let post else { return nil }
            return DetectionSettings(sta: sta, lta: lta, onThreshold: onThreshold, offThreshold: offThreshold, pre: pre, post: post)
        }() else { return nil }
        if let freqmin { s.freqmin = freqmin }
        if let freqmax { s.freqmax = freqmax }
        if let corners { s.corners = corners }
        if let resampleRate { s.resampleRate = resampleRate }
        if let sta { s.sta = sta }
        if let lta { s.lta = lta }
        if let onThreshold { s.onThreshold = onThreshold }
        if let offThreshold { s.offThreshold = offThreshold }
        if let pre { s.pre = pre }
        if let post { s.post = post }
        if let windowLength { s.windowLength = windowLength }
        if let maxTriggerLength { s.maxTriggerLength = maxTriggerLength }
        return s
    }
}

/// The parts of a clustered run folder that monitoring needs.
struct TrainedRun {
    var folder: URL
    var embeddings: FeatureMatrix
    var clusters: [Int]
    var map20: UMAP?
    var map2: UMAP
    var dataset: Dataset?
    var datasetURL: URL?

    init(folder: URL) throws {
        self.folder = folder
        let fm = FileManager.default
        func need(_ name: String, _ what: String) throws -> URL {
            let url = folder.appendingPathComponent(name)
            guard fm.fileExists(atPath: url.path) else {
                throw InputError("has no \(name) (\(what))", file: folder.path)
            }
            return url
        }
        let embURL = try need("embeddings.npy", "run `volcano-ssl embed` first")
        embeddings = try FeatureMatrix(npy: NPY.read(embURL), file: embURL.path)
        try embeddings.validateFinite(file: embURL.path)
        let clustersURL = try need("clusters.csv", "run `volcano-ssl cluster` first")
        let table = try CSVTable.read(clustersURL)
        guard let col = table.column("cluster") else { throw InputError("has no cluster column", file: clustersURL.path) }
        clusters = try table.rows.enumerated().map { k, r in
            guard let c = Int(r[col]) else { throw InputError("line \(k + 2): cluster \"\(r[col])\" is not an integer", file: clustersURL.path) }
            return c
        }
        guard clusters.count == embeddings.rows else {
            throw InputError("has \(clusters.count) events but embeddings.npy has \(embeddings.rows) rows", file: clustersURL.path)
        }
        // clustering.json says whether the clusters were found in the 20-D map or the embeddings.
        var space = "umap"
        let infoURL = folder.appendingPathComponent("clustering.json")
        if let data = try? Data(contentsOf: infoURL) {
            guard let info = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw InputError("is not a JSON object", file: infoURL.path)
            }
            space = info["space"] as? String ?? "umap"
        }
        let saved = "the fitted UMAP maps are saved by `volcano-ssl cluster`; run it again on this folder"
        map2 = try UMAP.load(from: need("umap2d", saved))
        map20 = space == "embeddings" ? nil : try UMAP.load(from: need("umap20d", saved))
        let maps: [(String, UMAP?)] = [("umap2d", map2), ("umap20d", map20)]
        for (name, map) in maps {
            guard let map else { continue }
            guard map.trainingData.rows == embeddings.rows, map.trainingData.columns == embeddings.columns else {
                throw InputError("was fitted on [\(map.trainingData.rows), \(map.trainingData.columns)] points, but embeddings.npy is [\(embeddings.rows), \(embeddings.columns)]", file: folder.appendingPathComponent(name).path)
            }
        }
        // The training dataset, from run.json.
        let runJSON = folder.appendingPathComponent("run.json")
        if let data = try? Data(contentsOf: runJSON) {
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw InputError("is not a JSON object (expected {\"dataset\": \"PATH\"})", file: runJSON.path)
            }
            if let path = object["dataset"] as? String, !path.isEmpty {
                let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)
                datasetURL = url
                dataset = try Dataset.read(from: url)
            }
        }
    }
}

/// Everything a monitoring run produced.
public struct MonitorResult: Sendable {
    public var model: String, run: String, trainingDataset: String?
    public var files: [String]
    public var settings: DetectionSettings
    public var selection: DetectionCatalog.Selection
    public var options: Monitor.Options
    /// The UMAP transform seed used.
    public var seed: UInt64
    /// Where the vote happened: `umap20d` or `embeddings`.
    public var clusteringSpace: String
    /// The detected, selected and normalised new events.
    public var catalog: DetectionCatalog
    /// Onset time per event.
    public var onsets: [UTCDateTime]
    public var embeddings: FeatureMatrix
    public var map20: FeatureMatrix?
    public var map2: FeatureMatrix
    public var assignment: ClusterAssignment.Result
    public var counts: ActivityCounts
    /// Triggers before selection.
    public var triggers: Int
    public var provenance: [String: String]

    /// The new events.
    public var events: [EventRecord] { catalog.dataset.events }

    /// `events.csv`: event_id, onset_time, cluster, status, confidence, nearest_distance,
    /// umap_x, umap_y, network, station, channel, then the detection quality columns.
    public var eventsCSV: String {
        var s = "event_id,onset_time,cluster,status,confidence,nearest_distance,umap_x,umap_y,network,station,channel,"
            + DetectionCatalog.qualityColumns.joined(separator: ",") + "\n"
        for (i, e) in events.enumerated() {
            let a = assignment
            var row = [e.eventID, onsets[i].iso8601, String(a.clusters[i]), a.statuses[i].rawValue,
                       String(format: "%.3f", a.confidences[i]), String(a.nearestDistances[i]),
                       String(map2.values[2 * i]), String(map2.values[2 * i + 1]), e.network, e.station, e.channel]
            row += e.quality.map { String($0) }
            s += row.map(CSVTable.escape).joined(separator: ",") + "\n"
        }
        return s
    }

    /// A one-line summary per cluster.
    public var summary: String {
        let totals = counts.clusters.indices.map { j in counts.counts.reduce(0) { $0 + $1[j] } }
        let parts = zip(counts.clusters, totals).map { "\(ActivityCounts.name($0)) \($1)" }.joined(separator: ", ")
        return "\(events.count) events (\(triggers) triggers) in \(counts.binStarts.count) bins: \(parts)"
    }

    /// `monitor.json`: inputs, settings, rule, seed, versions and totals (no wall-clock date, so
    /// the same inputs and seed give the same bytes).
    public func provenanceJSON() throws -> Data {
        let totals = counts.clusters.indices.map { j in counts.counts.reduce(0) { $0 + $1[j] } }
        var selectionText = "all"
        var object: [String: Any] = [:]
        if case .strictAgainst(let p, let c) = selection {
            selectionText = "strict"
            object["selection_medians"] = ["peak_to_peak": p, "max_sta_lta": c]
        } else if selection == .strict { selectionText = "strict (medians of these triggers)" }
        let a = options.assignment
        object.merge([
            "format": "volcano-ssl-monitor", "format_version": 1,
            "model": model, "run": run, "training_dataset": trainingDataset ?? NSNull(), "files": files,
            "detection": settings.processingSteps.map(\.description), "selection": selectionText,
            "rate_hz": catalog.dataset.manifest.samplingRate, "samples_per_event": catalog.dataset.manifest.samplesPerEvent,
            "assignment": ["rule": "majority of the k nearest training events in the \(clusteringSpace) space; new when the embedding-space distance to the nearest training event exceeds factor × quantile of the training nearest-neighbour distances",
                           "k": a.neighbors, "novelty_quantile": a.noveltyQuantile, "novelty_factor": a.noveltyFactor,
                           "novelty_threshold": assignment.noveltyThreshold, "space": clusteringSpace] as [String: Any],
            "bin_seconds": counts.binSeconds, "umap_transform_seed": seed, "batch_size": options.batchSize,
            "triggers": triggers, "events": events.count,
            "totals": Dictionary(uniqueKeysWithValues: zip(counts.clusters.map(ActivityCounts.name), totals)),
            "versions": provenance,
        ]) { $1 }
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    /// Writes the output folder atomically (nothing is left behind on error): `events.csv`,
    /// `counts.csv`, `counts.svg`, `monitor.html`, `monitor.json`, `embeddings.npy`,
    /// `umap2d.npy` (and `umap20d.npy`), `triggers.csv`.
    public func write(to url: URL) throws {
        let title = counts.isDaily ? "Events per UTC day by cluster" : "Events per \(Int(counts.binSeconds)) s bin by cluster"
        let svg = counts.chart(title: title)
        let json = try provenanceJSON()
        var html = HTMLReport(title: "volcano-ssl monitor", subtitle: summary)
        let rows = counts.binStarts.indices.map { i in
            "<tr><td>\(counts.label(i))</td>" + counts.counts[i].map { "<td>\($0)</td>" }.joined() + "</tr>"
        }.joined()
        let table = "<table><tr><th>bin</th>" + counts.clusters.map { "<th>\(SVG.escape(ActivityCounts.name($0)))</th>" }.joined()
            + "</tr>\(rows)</table>"
        html.sections = [HTMLReport.Section(id: "counts", title: "Activity per event family",
                                            intro: "Model \(SVG.escape(model)), run \(SVG.escape(run)).",
                                            blocks: [HTMLReport.figure(svg), table])]
        let page = html.render()
        try AtomicFile.writeDirectory(url) { staging in
            func put(_ text: String, _ name: String) throws { try Data(text.utf8).write(to: staging.appendingPathComponent(name)) }
            try put(eventsCSV, "events.csv")
            try put(counts.csv, "counts.csv")
            try put(svg, "counts.svg")
            try put(page, "monitor.html")
            try put(catalog.triggersCSV, "triggers.csv")
            try json.write(to: staging.appendingPathComponent("monitor.json"))
            try NPY.encode(embeddings.npy).write(to: staging.appendingPathComponent("embeddings.npy"))
            try NPY.encode(map2.npy).write(to: staging.appendingPathComponent("umap2d.npy"))
            if let map20 { try NPY.encode(map20.npy).write(to: staging.appendingPathComponent("umap20d.npy")) }
        }
    }
}
