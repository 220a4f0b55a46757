import Clustering
import Contrastive
import Foundation
import Manifold
import Seismology
import Testing
import TestSupport
import VolcanoCore
import VolcanoData
@testable import Experiments
#if canImport(FoundationXML)
import FoundationXML
#endif

/// `volcano-ssl monitor` end to end on the etna-like synthetic stream: 20 hours from
/// 2023-12-31 08:00 UTC; the first 14 hours train (detect → 10 TS-TCC epochs → embed → UMAP →
/// k-means, 4 clusters), the last 6 hours (22:00 → 04:00, across a UTC midnight) are monitored.
@Suite(.serialized) struct MonitorTests {
    static let folder = Fixtures.temporaryDirectory("vssl-monitor")
    static let split = UTCDateTime(year: 2023, month: 12, day: 31, hour: 22)
    static let settings: DetectionSettings = {
        var s = DetectionSettings.etna
        s.windowLength = 9   // 135 samples at 15 Hz, the etna encoder's input
        return s
    }()

    /// The trained setup: stream files, model, run folder, and the training-side score.
    struct Setup {
        var stream: SyntheticStream
        var trainFile: URL, newFile: URL
        var data: URL, model: URL, run: URL
        var trainingDataset: Dataset
        var trainingClusters: [Int]
        var result: MonitorResult
        var out: URL
    }

    static let setup: Result<Setup, Error> = Result { try makeSetup() }

    static func writeMiniSEED(_ t: Trace, _ url: URL) throws {
        try MiniSEED.encode(SeismicStream([t]), encoding: .steim2, file: url.path).write(to: url)
    }

    /// Pre-trains a tiny TS-TCC model on `dataset` into `url`.
    static func pretrain(_ dataset: Dataset, into url: URL, seed: UInt64, epochs: Int = 10, channels: Int? = nil) throws {
        var preset = Preset.named("etna")!
        preset.training.epochs = epochs
        preset.training.batchSize = 32
        preset.training.seed = seed
        if let channels {
            preset.encoder.blocks = preset.encoder.blocks.map { b in
                var b = b
                b.channels = channels
                return b
            }
        }
        let config = ModelConfig.pretraining(method: .tstcc, preset: preset, dataset: dataset)
        let data = try PretrainingData.prepare(dataset, file: url.path, encoder: preset.encoder, preset: preset.name,
                                               batchSize: 32, validationFraction: 0.1, seed: seed)
        _ = try Pretraining(method: config.makeMethod(), modelConfig: config).run(data, output: url)
    }

    static func makeSetup() throws -> Setup {
        let stream = SyntheticVolcano(preset: .etnaLike)
            .continuousStream(hours: 20, seed: 11, start: UTCDateTime(year: 2023, month: 12, day: 31, hour: 8))
        let trainFile = folder.appendingPathComponent("train.mseed"), newFile = folder.appendingPathComponent("new.mseed")
        try writeMiniSEED(stream.trace.slice(to: split - 0.01), trainFile)
        try writeMiniSEED(stream.trace.slice(from: split), newFile)

        // Train: detect, pre-train, embed, map, cluster (what detect/pretrain/embed/cluster do).
        let detected = try ContinuousDetection.run(files: [trainFile], settings: settings)
        let catalog = DetectionCatalog(events: detected.events, rate: detected.rate, settings: settings,
                                       sourceNotes: detected.notes, selection: .all, name: "train")
        let data = folder.appendingPathComponent("data")
        try catalog.write(to: data)
        let dataset = catalog.dataset
        let model = folder.appendingPathComponent("model")
        try pretrain(dataset, into: model, seed: 3)
        let (encoder, config) = try ModelFolder.loadEncoder(model)
        let z = FeatureMatrix(rows: dataset.count, columns: config.encoder.featureSize,
                              values: Embedding.compute(encoder: encoder, waveforms: dataset.waveforms, count: dataset.count))
        let run = folder.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try NPY.write(z.npy, to: run.appendingPathComponent("embeddings.npy"))
        try AtomicFile.write("{\"dataset\": \"\(data.path)\"}", to: run.appendingPathComponent("run.json"))
        try AtomicFile.write("{\"space\": \"umap\"}", to: run.appendingPathComponent("clustering.json"))
        var c20 = UMAPConfiguration.clustering, c2 = UMAPConfiguration.visualisation
        c20.nNeighbors = 15; c2.nNeighbors = 15
        let map20 = try UMAP.fit(z, configuration: c20), map2 = try UMAP.fit(z, configuration: c2)
        try map20.save(to: run.appendingPathComponent("umap20d"))
        try map2.save(to: run.appendingPathComponent("umap2d"))
        let labels = try KMeans(clusterCount: 4, initCount: 10, seed: 5)
            .fit(points: map20.embedding.values.map(Double.init), dimension: 20).labels
        var csv = "event_id,cluster,umap_x,umap_y\n"
        for (i, e) in dataset.events.enumerated() {
            csv += "\(e.eventID),\(labels[i]),\(map2.embedding.values[2 * i]),\(map2.embedding.values[2 * i + 1])\n"
        }
        try AtomicFile.write(csv, to: run.appendingPathComponent("clusters.csv"))

        // Monitor the last six hours.
        let out = folder.appendingPathComponent("monitor")
        let result = try Monitor(model: model, run: run).run(files: [newFile])
        try result.write(to: out)
        return Setup(stream: stream, trainFile: trainFile, newFile: newFile, data: data, model: model, run: run,
                     trainingDataset: dataset, trainingClusters: labels, result: result, out: out)
    }

    static func text(_ url: URL, _ name: String) throws -> String {
        try String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)
    }

    /// V-measure of clusters against the true classes over detections matched to the catalog
    /// (±1 s), and the same after shuffling the clusters (chance), as (v, chance mean, chance max).
    static func score(onsets: [UTCDateTime], clusters: [Int], catalog: [GroundTruthEvent]) -> (v: Double, matched: Int, chanceMean: Double, chanceMax: Double) {
        let match = DetectionScore(detections: onsets, truth: catalog.map { ($0.onset, $0.onsetSNRDB) }, tolerance: 1)
        let classes = match.matches.map { catalog[$0.truth].eventClass.rawValue }
        let assigned = match.matches.map { clusters[$0.detection] }
        let v = VMeasure(classes: classes, clusters: assigned).vMeasure
        var g = SeededGenerator(seed: 99)
        var chance: [Double] = []
        for _ in 0..<50 {
            var shuffled = assigned
            shuffled.shuffle(using: &g)
            chance.append(VMeasure(classes: classes, clusters: shuffled).vMeasure)
        }
        return (v, classes.count, chance.reduce(0, +) / Double(chance.count), chance.max()!)
    }

    @Test func everyNewEventIsAssignedOrFlaggedAndCountsAddUp() throws {
        let s = try Self.setup.get()
        let r = s.result
        #expect(r.events.count >= 150, "only \(r.events.count) events detected in 6 h")
        let trainingClusters = Set(s.trainingClusters)
        for (i, c) in r.assignment.clusters.enumerated() {
            #expect(trainingClusters.contains(c) || c == ClusterAssignment.newCluster)
            #expect((r.assignment.statuses[i] == .new) == (c == ClusterAssignment.newCluster))
            #expect(r.assignment.confidences[i] >= 0.1 && r.assignment.confidences[i] <= 1)
        }
        // events.csv: one row per event, its cluster column as assigned.
        let events = try CSVTable.parse(Self.text(s.out, "events.csv"), file: "events.csv")
        #expect(events.rows.count == r.events.count)
        let col = try #require(events.column("cluster"))
        #expect(events.rows.map { Int($0[col])! } == r.assignment.clusters)
        #expect(events.header.prefix(8) == ["event_id", "onset_time", "cluster", "status", "confidence", "nearest_distance", "umap_x", "umap_y"])
        // counts.csv: complete grid of 2 UTC days × (4 clusters + new), summing to the events.
        let counts = try CSVTable.parse(Self.text(s.out, "counts.csv"), file: "counts.csv")
        #expect(counts.header == ["day", "bin_start", "cluster", "name", "count"])
        #expect(counts.rows.count == 2 * 5)
        #expect(Array(Set(counts.rows.map { $0[0] })).sorted() == ["2023-12-31", "2024-01-01"])
        #expect(counts.rows.reduce(0) { $0 + Int($1[4])! } == r.events.count)
        // Per day and cluster, the counts equal the events of events.csv on that day.
        let onsetCol = try #require(events.column("onset_time"))
        for row in counts.rows {
            let n = events.rows.filter { $0[onsetCol].hasPrefix(row[0]) && $0[col] == row[2] }.count
            #expect(Int(row[4]) == n, "\(row)")
        }
        let perDay = Dictionary(grouping: events.rows, by: { String($0[onsetCol].prefix(10)) }).mapValues(\.count)
        #expect(perDay.count == 2 && perDay.values.allSatisfy { $0 >= 10 }, "\(perDay)")
        // Embedding-space distances are positive (new data, not the training events).
        #expect(r.assignment.nearestDistances.allSatisfy { $0 > 0 })
    }

    @Test func assignmentsAgreeWithTheTrueClassesBetterThanChance() throws {
        let s = try Self.setup.get()
        let r = s.result
        let newScore = Self.score(onsets: r.onsets, clusters: r.assignment.clusters, catalog: s.stream.catalog)
        let trainOnsets = s.trainingDataset.events.map { $0.startTime + $0.onsetOffset }
        let trainScore = Self.score(onsets: trainOnsets, clusters: s.trainingClusters, catalog: s.stream.catalog)
        print(String(format: "monitor: V %.3f over %d matched events (chance %.3f, max %.3f); training clustering: V %.3f over %d (chance %.3f)",
                     newScore.v, newScore.matched, newScore.chanceMean, newScore.chanceMax, trainScore.v, trainScore.matched, trainScore.chanceMean))
        #expect(newScore.matched >= 120)
        #expect(newScore.v > newScore.chanceMax, "monitor V \(newScore.v) vs chance max \(newScore.chanceMax)")
        #expect(newScore.v > 2 * newScore.chanceMean)
        // New data is assigned about as well as the training events were clustered.
        #expect(newScore.v > 0.5 * trainScore.v, "monitor V \(newScore.v), training V \(trainScore.v)")
    }

    @Test func theTrainingStreamItselfGetsItsOwnClustersBack() throws {
        let s = try Self.setup.get()
        let r = try Monitor(model: s.model, run: s.run).run(files: [s.trainFile])
        #expect(r.events.map(\.eventID) == s.trainingDataset.events.map(\.eventID))
        #expect(!r.assignment.statuses.contains(.new))
        #expect(r.assignment.nearestDistances.allSatisfy { $0 < 1e-3 })
        let agree = zip(r.assignment.clusters, s.trainingClusters).filter { $0 == $1 }.count
        let fraction = Double(agree) / Double(r.events.count)
        print(String(format: "training stream re-assigned: %.3f of %d events keep their cluster", fraction, r.events.count))
        #expect(fraction > 0.9)
    }

    @Test func aFamilyAbsentFromTrainingIsFlaggedNewMoreOften() throws {
        let s = try Self.setup.get()
        // Two hours of tremor only (etna-like has none): a family the model never saw.
        var preset = SyntheticPreset.etnaLike
        preset.classWeights = [(.tremor, 1)]
        let tremor = SyntheticVolcano(preset: preset).continuousStream(hours: 2, seed: 12, start: UTCDateTime(year: 2024, month: 1, day: 2))
        let file = Self.folder.appendingPathComponent("tremor.mseed")
        try Self.writeMiniSEED(tremor.trace, file)
        let r = try Monitor(model: s.model, run: s.run).run(files: [file])
        func newFraction(_ r: MonitorResult) -> Double {
            Double(r.assignment.statuses.filter { $0 == .new }.count) / Double(max(1, r.events.count))
        }
        print(String(format: "flagged new: %.3f of %d tremor events, %.3f of %d events of the known families (threshold %.3f)",
                     newFraction(r), r.events.count, newFraction(s.result), s.result.events.count, r.assignment.noveltyThreshold))
        #expect(r.events.count >= 20)
        // About 1 % of the known families by construction (q = 0.99); several times more of the tremor.
        #expect(newFraction(s.result) <= 0.03)
        #expect(newFraction(r) > 4 * max(newFraction(s.result), 0.01))
    }

    @Test func theSameSeedGivesTheSameFilesAndHourBinsWork() throws {
        let s = try Self.setup.get()
        let again = Self.folder.appendingPathComponent("monitor-again")
        try Monitor(model: s.model, run: s.run).run(files: [s.newFile]).write(to: again)
        let names = try FileManager.default.contentsOfDirectory(atPath: s.out.path).sorted()
        #expect(names == ["counts.csv", "counts.svg", "embeddings.npy", "events.csv", "monitor.html", "monitor.json",
                          "triggers.csv", "umap20d.npy", "umap2d.npy"])
        for name in names {
            let a = try Data(contentsOf: s.out.appendingPathComponent(name)), b = try Data(contentsOf: again.appendingPathComponent(name))
            #expect(a == b, "\(name) differs between two runs with the same seed")
        }
        // Another transform seed moves the 2-D positions but not the detections.
        var options = Monitor.Options()
        options.seed = 1234
        options.binSeconds = 3600
        let other = try Monitor(model: s.model, run: s.run, options: options).run(files: [s.newFile])
        #expect(other.events.map(\.eventID) == s.result.events.map(\.eventID))
        #expect(other.map2 != s.result.map2)
        // Hour bins: 22:00 to 03:00 (the data ends at 04:00:00, the first sample of a seventh bin).
        #expect(other.counts.binStarts.first == Self.split)
        #expect((6...7).contains(other.counts.binStarts.count))
        #expect(other.counts.counts.reduce(0) { $0 + $1.reduce(0, +) } == other.events.count)
        #expect(other.counts.label(0) == "2023-12-31 22:00" && other.counts.label(2) == "2024-01-01 00:00")
    }

    @Test func theChartIsWellFormedSVGNamingEveryClusterAndDay() throws {
        let s = try Self.setup.get()
        let svg = try Self.text(s.out, "counts.svg")
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "counts.svg is not well-formed XML: \(String(describing: parser.parserError))")
        for name in ["cluster 0", "cluster 1", "cluster 2", "cluster 3", "new", "2023-12-31", "2024-01-01", "UTC day"] {
            #expect(svg.contains(">\(name)<"), "counts.svg does not show \(name)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: s.out.appendingPathComponent("monitor.json"))) as? [String: Any]
        #expect(json?["events"] as? Int == s.result.events.count)
        #expect(json?["training_dataset"] as? String == s.data.path)
        #expect((json?["detection"] as? [String])?.first == "bandpass(corners=4, freqmax=7, freqmin=0.5, zerophase=true)")
        #expect(try Self.text(s.out, "monitor.html").contains("<svg"))
    }

    @Test func detectionSettingsRoundTripThroughTheManifest() throws {
        let s = try Self.setup.get()
        let manifest = try Dataset.read(from: s.data).manifest
        #expect(DetectionSettings(processingSteps: manifest.preprocessing) == Self.settings)
        var strict = Self.settings
        strict.maxTriggerLength = 20
        #expect(DetectionSettings(processingSteps: strict.processingSteps) == strict)
        #expect(DetectionSettings(processingSteps: [ProcessingStep("bandpass", ["freqmin": 1, "freqmax": 2])]) == nil)
        let steps = [ProcessingStep("quality_filter", ["mode": "strict", "median_p2p": 10, "median_max_sta_lta": 4])]
        #expect(DetectionCatalog.selection(recordedIn: steps) == .strictAgainst(medianPeakToPeak: 10, medianMaxSTALTA: 4))
        #expect(DetectionCatalog.selection(recordedIn: manifest.preprocessing) == .all)
    }

    /// Runs the monitor and expects an InputError whose text contains `fragment`, and no output.
    func expectInputError(_ fragment: String, model: URL? = nil, run: URL? = nil, files: [URL]? = nil,
                          options: Monitor.Options = Monitor.Options(), sourceLocation: SourceLocation = #_sourceLocation) throws {
        let s = try Self.setup.get()
        let out = Self.folder.appendingPathComponent("bad-\(UUID().uuidString)")
        do {
            let r = try Monitor(model: model ?? s.model, run: run ?? s.run, options: options).run(files: files ?? [s.newFile])
            try r.write(to: out)
            Issue.record("expected an InputError containing \"\(fragment)\"", sourceLocation: sourceLocation)
        } catch let e as InputError {
            #expect(e.description.contains(fragment), "\(e.description)", sourceLocation: sourceLocation)
        }
        #expect(!FileManager.default.fileExists(atPath: out.path), sourceLocation: sourceLocation)
    }

    @Test func badInputGivesOneClearInputError() throws {
        let s = try Self.setup.get()
        let fm = FileManager.default
        // A model of another architecture (16 channels per block instead of 32).
        let narrow = Self.folder.appendingPathComponent("model-narrow")
        try Self.pretrain(s.trainingDataset, into: narrow, seed: 3, epochs: 1, channels: 16)
        try expectInputError("model of another architecture", model: narrow)
        // Same architecture, other weights: not the model the run was embedded with.
        let other = Self.folder.appendingPathComponent("model-other")
        try Self.pretrain(s.trainingDataset, into: other, seed: 4, epochs: 1)
        try expectInputError("was embedded with another model", model: other)
        // Another input length: 10 s windows give 150 samples, the model takes 135.
        var longer = Monitor.Options()
        longer.detection.windowLength = 10
        try expectInputError("150 samples at 15.0 Hz (a model of another input length)", options: longer)
        // Missing run files.
        for missing in ["umap20d", "clusters.csv", "embeddings.npy"] {
            let copy = Self.folder.appendingPathComponent("run-without-\(missing)")
            try? fm.removeItem(at: copy)
            try fm.copyItem(at: s.run, to: copy)
            try fm.removeItem(at: copy.appendingPathComponent(missing))
            try expectInputError("has no \(missing)", run: copy)
        }
        // A run without a recorded dataset needs the detection settings.
        let bare = Self.folder.appendingPathComponent("run-without-dataset")
        try? fm.removeItem(at: bare)
        try fm.copyItem(at: s.run, to: bare)
        try fm.removeItem(at: bare.appendingPathComponent("run.json"))
        try expectInputError("detection settings are unknown", run: bare)
        // A stream at 10 Hz cannot give the 15 Hz the model was trained at.
        var slow = try MiniSEED.read(s.newFile)[0]
        slow.samples = stride(from: 0, to: slow.count, by: 10).map { slow.samples[$0] }
        slow.samplingRate = 10
        let slowFile = Self.folder.appendingPathComponent("slow.mseed")
        try Self.writeMiniSEED(slow, slowFile)
        try expectInputError("slow.mseed: has sampling rate 10.0 Hz, below the 15.0 Hz", files: [slowFile])
        // Bad settings.
        var k = Monitor.Options()
        k.assignment.neighbors = 0
        try expectInputError("--neighbors must be between 1", options: k)
        var bin = Monitor.Options()
        bin.binSeconds = 0
        try expectInputError("--bin must be at least 1 s", options: bin)
    }
}
