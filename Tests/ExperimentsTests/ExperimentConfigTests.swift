import Foundation
import Testing
import TestSupport
import VolcanoCore
@testable import Experiments

@Suite struct ExperimentConfigTests {
    func write(_ text: String) throws -> URL {
        let url = Fixtures.temporaryDirectory().appendingPathComponent("preset.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func fullPresetIsRead() throws {
        let url = try write("""
        name: test
        data:
          path: ../data/llaima
        model:
          preset: etna
          epochs: 5
          batch_size: 16
          learning_rate: 0.001
        representations: [baseline, tstcc]
        clusterers: [ward, hdbscan]
        clusters: 3
        umap_neighbors: 10
        hdbscan_min_cluster_size: 12
        seed: 7
        """)
        let c = try ExperimentConfig.read(url)
        #expect(c.name == "test")
        #expect(c.data.path == url.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data/llaima").path)
        #expect(c.model == .init(preset: "etna", epochs: 5, batchSize: 16, learningRate: 0.001))
        #expect(c.representations == [.baseline, .tstcc] && c.clusterers == [.ward, .hdbscan])
        #expect(c.clusters == 3 && c.umapNeighbors == 10 && c.hdbscanMinClusterSize == 12 && c.seed == 7)
        // Round trip through YAML.
        let again = try write(try c.yaml())
        #expect(try ExperimentConfig.read(again) == c)
    }

    @Test func defaultsFillEverythingButData() throws {
        let c = try ExperimentConfig.read(try write("data:\n  synthetic: llaima-like\n"))
        #expect(c.representations == [.baseline, .simclr, .tstcc])
        #expect(c.clusterers == [.kmeans, .spectral, .ward, .hdbscan])
        #expect(c.model.preset == "llaima" && c.umapNeighbors == 20 && c.seed == 42)
        let defaultYAML = try c.yaml()
        #expect(c.umapSchedule == nil && !defaultYAML.contains("umap_schedule"))
        let parallel = try ExperimentConfig.read(try write("data:\n  synthetic: llaima-like\numap_schedule: parallel\n"))
        let parallelYAML = try parallel.yaml()
        #expect(parallel.umapSchedule == .parallel && parallelYAML.contains("umap_schedule: parallel"))
        let partial = try ExperimentConfig.read(try write("data:\n  synthetic: llaima-like\nmodel:\n  epochs: 3\n"))
        #expect(partial.model == .init(preset: "llaima", epochs: 3))
    }

    @Test(arguments: [
        ("name: x\n", "lacks the field data"),
        ("data:\n  synthetic: a\n  path: b\n", "both `synthetic` and `path`"),
        ("data: {}\n", "either `synthetic: PRESET` or `path: DATASET_FOLDER`"),
        ("data:\n  synthetic: llaima-like\nclusterers: [kmeans, dbscan]\n", "clusterers[1]: unknown clusterer \"dbscan\""),
        ("data:\n  synthetic: llaima-like\nclusters: 1\n", "clusters must be at least 2"),
        ("data:\n  synthetic: llaima-like\nmodel:\n  epochs: zero\n", "model.epochs"),
        ("data: [\n", "not valid YAML"),
        ("data:\n  synthetic: llaima-like\numap_schedule: fast\n", "field umap_schedule"),
    ])
    func badPresetsAreNamedClearly(text: String, expected: String) throws {
        let url = try write(text)
        do {
            _ = try ExperimentConfig.read(url)
            Issue.record("accepted: \(text)")
        } catch let e as InputError {
            #expect(e.file == url.path)
            #expect(e.description.contains(expected), "\(e)")
        }
    }
}

@Suite struct ShippedPresetTests {
    static let presets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("presets")

    @Test(arguments: ["llaima-like", "colima-like", "etna-like", "llaima", "colima", "etna"])
    func shippedPresetIsValid(name: String) throws {
        let c = try ExperimentConfig.read(Self.presets.appendingPathComponent("\(name).yaml"))
        #expect(c.name == name)
        #expect(!c.representations.isEmpty && !c.clusterers.isEmpty)
        if name.hasSuffix("-like") { #expect(c.data.synthetic == name) } else { #expect(c.data.path != nil) }
    }
}
