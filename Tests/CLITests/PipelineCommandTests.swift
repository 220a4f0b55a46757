import Foundation
import Testing
import TestSupport
import VolcanoCore

/// Whole chains of `volcano-ssl` commands as a user types them: the paper preset on an imported
/// Llaima release, an experiment killed mid-training and run again, and `monitor` on the later
/// stretch of a stream whose earlier stretch trained the model.
@Suite("volcano-ssl pipelines", .serialized)
struct PipelineCommandTests {
    static let presets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("presets")

    static func run(_ arguments: [String]) throws -> CommandLineTool.Run {
        let r = try CommandLineTool.run(arguments + ["--threads", "2"])
        #expect(r.status == 0, "volcano-ssl \(arguments.joined(separator: " ")): \(r.stderr)")
        return r
    }

    static func rows(_ url: URL) throws -> [[String: String]] {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Dictionary(uniqueKeysWithValues: zip(header, cells))
        }
    }

    /// Hidden temporaries of interrupted atomic writes anywhere under `folder`.
    static func leftovers(_ folder: URL) -> [String] {
        let names = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []
        return names.filter { n in [".tmp-", ".partial-", ".old-"].contains { n.contains($0) } }
    }

    /// A stand-in of the public Llaima release (four HDF5 files of [events, 6000, 1] at 100 Hz)
    /// goes through `import llaima` and then the shipped `presets/llaima.yaml`, unchanged but
    /// for one epoch instead of 60: no other command is needed.
    @Test func importedLlaimaReleaseRunsThePaperPreset() throws {
        let dir = Fixtures.temporaryDirectory("vssl-cli-llaima")
        defer { try? FileManager.default.removeItem(at: dir) }
        let synth = dir.appendingPathComponent("synth")
        _ = try Self.run(["synth", "--preset", "llaima-like", "--events", "120", "--seed", "2", "--out", synth.path, "--quiet"])
        let waves = try NPY.read(synth.appendingPathComponent("waveforms.npy"))
        #expect(waves.shape == [120, 1, 3000])
        let x = waves.floats(), labels = try Self.rows(synth.appendingPathComponent("events.csv")).map { $0["label"] ?? "" }
        // 50 Hz → 100 Hz by linear interpolation, the release's sampling.
        let download = dir.appendingPathComponent("download")
        try FileManager.default.createDirectory(at: download, withIntermediateDirectories: true)
        for (file, label) in [("vt", "VT"), ("lp", "LP"), ("tr", "TR"), ("tc", "TC")] {
            let events = labels.indices.filter { labels[$0] == label }
            #expect(!events.isEmpty, "no \(label) event")
            var values: [Float] = []
            values.reserveCapacity(events.count * 6000)
            for e in events {
                let w = x[(e * 3000)..<((e + 1) * 3000)]
                for i in 0..<3000 {
                    let a = w[w.startIndex + i], b = i + 1 < 3000 ? w[w.startIndex + i + 1] : a
                    values.append(a)
                    values.append((a + b) / 2)
                }
            }
            try HDF5Writer.writeFloat32(download.appendingPathComponent("\(file).hdf5"), dataset: "/\(file)",
                                        shape: [events.count, 6000, 1], values: values)
        }
        let imported = try Self.run(["import", "llaima", download.path, "--out", dir.appendingPathComponent("data/llaima").path])
        #expect(imported.stdout.contains("120"), "\(imported.stdout)")

        // The shipped preset, its data path (../data/llaima, relative to the preset) untouched.
        let shipped = try String(contentsOf: Self.presets.appendingPathComponent("llaima.yaml"), encoding: .utf8)
        #expect(shipped.contains("path: ../data/llaima"))
        let oneEpoch = shipped.replacingOccurrences(of: "\n  preset: llaima", with: "\n  epochs: 1\n  preset: llaima")
        #expect(oneEpoch != shipped)
        let preset = dir.appendingPathComponent("presets/llaima.yaml")
        try FileManager.default.createDirectory(at: preset.deletingLastPathComponent(), withIntermediateDirectories: true)
        try oneEpoch.write(to: preset, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("runs/llaima")
        let experiment = try Self.run(["experiment", preset.path, "--out", out.path, "--quiet"])
        #expect(experiment.stdout.contains("TS-TCC: V-measure "), "\(experiment.stdout)")
        // Table 2's structure: 3 representations × 4 clusterers, scored against the import's labels.
        let table = try Self.rows(out.appendingPathComponent("results.csv"))
        #expect(table.count == 12)
        #expect(Set(table.compactMap { $0["SSL method"] }).count == 3, "\(table.first ?? [:])")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))
    }

    /// `experiment` killed (SIGKILL: nothing can clean up) during pre-training or mapping leaves
    /// no results and no visible partial file; the same command then resumes, removes the hidden
    /// temporaries the kill left, and ends with exactly the scores and weights of an
    /// uninterrupted run.
    @Test func killedExperimentLeavesNoPartialOutputAndReRunsToTheSameScores() throws {
        let dir = Fixtures.temporaryDirectory("vssl-cli-kill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let preset = dir.appendingPathComponent("tiny.yaml")
        try """
        name: interrupted
        data:
          synthetic: etna-like
          events: 240
          seed: 3
        model:
          preset: etna
          epochs: 8
        representations: [simclr, tstcc]
        clusterers: [kmeans, ward]
        umap_neighbors: 10
        seed: 5
        """.write(to: preset, atomically: true, encoding: .utf8)
        let reference = dir.appendingPathComponent("reference")
        _ = try Self.run(["experiment", preset.path, "--out", reference.path, "--quiet"])

        let uninterrupted = try String(contentsOf: reference.appendingPathComponent("results.csv"), encoding: .utf8)
        // Killed at three points: SimCLR's first epoch being saved, TS-TCC mid-training, and
        // after SimCLR's maps while TS-TCC has not started or is training.
        for (i, marker) in ["models/simclr/config.json", "models/tstcc/checkpoint.safetensors", "simclr/umap20d.npy"].enumerated() {
            let out = dir.appendingPathComponent("out\(i)")
            let file = out.appendingPathComponent(marker)
            let killed = try CommandLineTool.run(["experiment", preset.path, "--out", out.path, "--quiet", "--threads", "2"],
                                                 killWhen: { FileManager.default.fileExists(atPath: file.path) })
            #expect(killed.status == 128 + SIGKILL, "\(marker): the run finished before it could be interrupted: \(killed.stderr)")
            for f in ["results.json", "results.csv", "results.md", "report.html", "tstcc/clusters-kmeans.csv"] {
                #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(f).path), "\(marker): \(f) exists after the kill")
            }
            let again = try Self.run(["experiment", preset.path, "--out", out.path, "--quiet"])
            #expect(again.stdout.contains("TS-TCC: V-measure "), "\(marker)")
            #expect(Self.leftovers(out).isEmpty, "\(marker): left behind: \(Self.leftovers(out))")
            let resumed = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
            #expect(resumed == uninterrupted, "\(marker)")
            // The same losses epoch by epoch (the timing columns differ) and the same weights, bit for bit.
            for method in ["simclr", "tstcc"] {
                let losses = { (folder: URL) in try Self.rows(folder.appendingPathComponent("models/\(method)/history.csv"))
                    .map { $0.filter { !["samples_per_s", "seconds"].contains($0.key) } } }
                #expect(try losses(out) == losses(reference), "\(marker): \(method)")
                #expect(try losses(out).count == 8)
                #expect(try Data(contentsOf: out.appendingPathComponent("models/\(method)/model.safetensors"))
                        == Data(contentsOf: reference.appendingPathComponent("models/\(method)/model.safetensors")), "\(marker): \(method)")
            }
        }
    }

    /// detect → pretrain → embed → cluster on the first hours of an etna-like stream, then
    /// `monitor` on the hours after: every new event is counted once in the hourly counts.
    @Test func monitorCountsTheLaterStretchOfTheTrainingStream() throws {
        let dir = Fixtures.temporaryDirectory("vssl-cli-monitor")
        defer { try? FileManager.default.removeItem(at: dir) }
        let stream = dir.appendingPathComponent("stream")
        _ = try Self.run(["synth", "--preset", "etna-like", "--continuous", "8", "--seed", "7", "--out", stream.path, "--quiet"])
        let all = stream.appendingPathComponent("stream.mseed").path
        let train = dir.appendingPathComponent("train.mseed").path, new = dir.appendingPathComponent("new.mseed").path
        _ = try Self.run(["convert", all, train, "--end", "2024-01-01T05:59:59.99"])
        _ = try Self.run(["convert", all, new, "--start", "2024-01-01T06:00:00"])
        let data = dir.appendingPathComponent("data").path, model = dir.appendingPathComponent("model").path
        let run = dir.appendingPathComponent("run").path, monitor = dir.appendingPathComponent("monitor")
        _ = try Self.run(["detect", train, "--bandpass", "0.5", "7", "--resample", "15", "--sta", "1", "--lta", "7.5",
                          "--on", "2.8", "--off", "0.5", "--pre", "3", "--post", "6", "--length", "9", "--out", data, "--quiet"])
        _ = try Self.run(["pretrain", "tstcc", "--data", data, "--preset", "etna", "--epochs", "2", "--out", model])
        _ = try Self.run(["embed", "--model", model, "--data", data, "--out", run])
        _ = try Self.run(["cluster", run, "--method", "kmeans", "--clusters", "4", "--dataset", data])
        let watched = try Self.run(["monitor", new, "--model", model, "--run", run, "--out", monitor.path, "--bin", "1h"])
        #expect(watched.stdout.contains("counts.csv"), "\(watched.stdout)")

        let events = try Self.rows(monitor.appendingPathComponent("events.csv"))
        #expect(events.count > 20, "\(events.count) events in 2 hours")
        let counts = try Self.rows(monitor.appendingPathComponent("counts.csv"))
        #expect(counts.reduce(0) { $0 + Int($1["count"] ?? "0")! } == events.count)
        // Hourly bins from 06:00 to 07:00 UTC, each holding every cluster (zeros included).
        let bins = Set(counts.compactMap { $0["bin_start"] })
        #expect(bins.count == 2, "\(bins.sorted())")
        #expect(counts.count == bins.count * Set(counts.compactMap { $0["cluster"] }).count)
        let svg = try String(contentsOf: monitor.appendingPathComponent("counts.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
        for f in ["monitor.html", "monitor.json"] {
            #expect(FileManager.default.fileExists(atPath: monitor.appendingPathComponent(f).path), "\(f)")
        }
    }
}
