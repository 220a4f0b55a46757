import ArgumentParser
import Foundation
import Manifold
import VolcanoCore

extension LayoutOptimizer.Schedule: ExpressibleByArgument {}

/// `volcano-ssl umap`: fit a UMAP map of embeddings, or place new events on a saved map.
struct UMAPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "umap",
        abstract: "Map embeddings with UMAP (fit), or place new events on a saved map (transform).",
        discussion: """
        A fitted map is a folder (umap.json, training_data.npy, embedding.npy) that np.load opens; \
        keep it to place new events on the same map later.

        Examples:
          volcano-ssl umap fit runs/llaima/embeddings.npy --preset visualisation --out runs/llaima/umap2d
          volcano-ssl umap transform april/embeddings.npy --model runs/llaima/umap2d --out april/umap2d.npy
        """,
        subcommands: [Fit.self, Transform.self]
    )

    enum Preset: String, ExpressibleByArgument, CaseIterable {
        case visualisation, clustering
    }

    struct Fit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit a map of an [events, features] .npy file; writes the model folder.",
            discussion: "Example:\n  volcano-ssl umap fit embeddings.npy --preset clustering --out umap20d")

        @Argument(help: "Embeddings or features, a 2-D .npy array [events, features].") var input: String
        @Option(help: "Model folder to write (replaced atomically).") var out: String
        @Option(help: "Paper settings: visualisation (2-D, 20 neighbours, min_dist 0.1) or clustering (20-D, min_dist 0).")
        var preset: Preset = .visualisation
        @Option(help: "Output dimension (overrides the preset).") var components: Int?
        @Option(help: "n_neighbors, counting the event itself (overrides the preset).") var neighbors: Int?
        @Option(help: "min_dist (overrides the preset).") var minDist: Double?
        @Option(help: "spread.") var spread: Double = 1
        @Option(help: "Input metric: euclidean or cosine.") var metric: String = "euclidean"
        @Option(help: "SGD epochs (default 500 up to 10 000 events, else 200).") var epochs: Int?
        @Option(help: "Initial learning rate.") var learningRate: Float = 1
        @Option(help: "Negative samples per positive sample.") var negativeSampleRate: Int = 5
        @Option(help: "Initialisation: spectral or random.") var initialisation: String = "spectral"
        @Option(help: "Random seed; the same seed gives the same map.") var seed: UInt64 = 42
        @Option(help: "Layout order: serial (umap-learn's seeded order) or parallel (every thread, the same map for any thread count). Default: serial up to 10 000 points, parallel above.")
        var layout: LayoutOptimizer.Schedule?
        @Flag(help: "No progress bar.") var quiet = false
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.apply()
            var c: UMAPConfiguration = preset == .visualisation ? .visualisation : .clustering
            if let v = components { c.nComponents = v }
            if let v = neighbors { c.nNeighbors = v }
            if let v = minDist { c.minDist = v }
            c.spread = spread
            guard let m = DistanceMetric(rawValue: metric) else {
                throw ValidationError("--metric must be euclidean or cosine, got \(metric)")
            }
            c.metric = m
            c.nEpochs = epochs
            c.learningRate = learningRate
            c.negativeSampleRate = negativeSampleRate
            guard let i = UMAPConfiguration.Initialisation(rawValue: initialisation) else {
                throw ValidationError("--initialisation must be spectral or random, got \(initialisation)")
            }
            c.initialisation = i
            c.seed = seed
            c.schedule = layout
            let url = URL(fileURLWithPath: input)
            let x = try FeatureMatrix(npy: NPY.read(url), file: url.path)
            let map: UMAP
            do {
                map = try UMAP.fit(x, configuration: c, progress: ProgressBar(quiet: quiet).handler)
            } catch let e as InputError where e.file == nil {
                throw InputError(e.message, file: url.path)
            }
            try map.save(to: URL(fileURLWithPath: out))
        }
    }

    struct Transform: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Place new events on a saved map; writes float32 [events, components] .npy.",
            discussion: "Example:\n  volcano-ssl umap transform new.npy --model umap2d --out new_umap2d.npy")

        @Argument(help: "New embeddings, a 2-D .npy array with the training data's feature count.") var input: String
        @Option(help: "Model folder written by `volcano-ssl umap fit`.") var model: String
        @Option(help: "Output .npy file.") var out: String
        @Flag(help: "No progress bar.") var quiet = false
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.apply()
            let map = try UMAP.load(from: URL(fileURLWithPath: model))
            let url = URL(fileURLWithPath: input)
            let x = try FeatureMatrix(npy: NPY.read(url), file: url.path)
            let placed: FeatureMatrix
            do {
                placed = try map.transform(x, progress: ProgressBar(quiet: quiet).handler)
            } catch let e as InputError where e.file == nil {
                throw InputError(e.message, file: url.path)
            }
            try NPY.write(placed.npy, to: URL(fileURLWithPath: out))
        }
    }
}
