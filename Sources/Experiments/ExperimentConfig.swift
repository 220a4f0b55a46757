import Foundation
import Manifold
import VolcanoCore
import Yams

/// What `volcano-ssl experiment PRESET.yaml` runs: the paper's table — representation ∈
/// {baseline features, SimCLR, TS-TCC} × clusterer ∈ {K-means, spectral, Ward, HDBSCAN} — on one
/// dataset, scored by completeness, homogeneity and V-measure.
///
/// A preset file is YAML; every key but `data` may be left out:
///
/// ```yaml
/// name: llaima-like
/// data:
///   synthetic: llaima-like     # a built-in synthetic volcano …
///   events: 1200
///   seed: 1
///   # path: data/llaima       # … or a Dataset folder (relative to this file)
/// model:
///   preset: llaima             # encoder + training preset (llaima, colima, etna)
///   epochs: 20                 # overrides of the preset
///   batch_size: 32
///   learning_rate: 0.002
/// representations: [baseline, simclr, tstcc]
/// clusterers: [kmeans, spectral, ward, hdbscan]
/// clusters: 4                  # default: the number of classes in the dataset
/// umap_neighbors: 20
/// umap_schedule: parallel      # UMAP layout on every thread (default: serial up to 10 000 events)
/// hdbscan_min_cluster_size: 25
/// seed: 42
/// ```
public struct ExperimentConfig: Codable, Sendable, Equatable {
    public enum Representation: String, Codable, Sendable, CaseIterable {
        case baseline, simclr, tstcc

        public init(from decoder: Decoder) throws { self = try decodeChoice(decoder, what: "representation") }

        /// Name used in tables and the report.
        public var title: String {
            switch self {
            case .baseline: "None (time + frequency features)"
            case .simclr: "SimCLR"
            case .tstcc: "TS-TCC"
            }
        }
    }

    public enum Clusterer: String, Codable, Sendable, CaseIterable {
        case kmeans, spectral, ward, hdbscan

        public init(from decoder: Decoder) throws { self = try decodeChoice(decoder, what: "clusterer") }

        public var title: String {
            switch self {
            case .kmeans: "K-means"
            case .spectral: "Spectral"
            case .ward: "Agglomerative (Ward)"
            case .hdbscan: "HDBSCAN"
            }
        }
    }

    /// Where the events come from: a built-in synthetic volcano or a Dataset folder.
    public struct DataSource: Codable, Sendable, Equatable {
        /// Synthetic preset name (`llaima-like`, `colima-like`).
        public var synthetic: String?
        /// Number of synthetic events (default: the preset's).
        public var events: Int?
        /// Seed of the synthetic volcano.
        public var seed: UInt64?
        /// A Dataset folder (relative paths are relative to the preset file).
        public var path: String?
        /// Label of noise segments: extra SimCLR negatives, left out of clustering (Colima).
        public var noiseLabel: String?

        public init(synthetic: String? = nil, events: Int? = nil, seed: UInt64? = nil, path: String? = nil, noiseLabel: String? = nil) {
            self.synthetic = synthetic
            self.events = events
            self.seed = seed
            self.path = path
            self.noiseLabel = noiseLabel
        }

        enum CodingKeys: String, CodingKey {
            case synthetic, events, seed, path
            case noiseLabel = "noise_label"
        }
    }

    /// Model preset and overrides.
    public struct Model: Codable, Sendable, Equatable {
        public var preset: String
        public var epochs: Int?
        public var batchSize: Int?
        public var learningRate: Double?
        /// TS-TCC transformer width and depth overrides.
        public var hidden: Int?
        public var depth: Int?

        public init(preset: String = "llaima", epochs: Int? = nil, batchSize: Int? = nil, learningRate: Double? = nil,
                    hidden: Int? = nil, depth: Int? = nil) {
            self.preset = preset
            self.epochs = epochs
            self.batchSize = batchSize
            self.learningRate = learningRate
            self.hidden = hidden
            self.depth = depth
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            preset = try c.decodeIfPresent(String.self, forKey: .preset) ?? "llaima"
            epochs = try c.decodeIfPresent(Int.self, forKey: .epochs)
            batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize)
            learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate)
            hidden = try c.decodeIfPresent(Int.self, forKey: .hidden)
            depth = try c.decodeIfPresent(Int.self, forKey: .depth)
        }

        enum CodingKeys: String, CodingKey {
            case preset, epochs, hidden, depth
            case batchSize = "batch_size"
            case learningRate = "learning_rate"
        }
    }

    public var name: String
    public var data: DataSource
    public var model: Model
    public var representations: [Representation]
    public var clusterers: [Clusterer]
    /// Clusters for K-means, spectral and Ward (default: number of classes).
    public var clusters: Int?
    public var umapNeighbors: Int
    /// UMAP layout order (nil: serial, umap-learn's seeded order, up to 10 000 events, parallel
    /// above; see `UMAPConfiguration.layoutSchedule(forPoints:)`).
    public var umapSchedule: LayoutOptimizer.Schedule?
    public var hdbscanMinClusterSize: Int?
    public var seed: UInt64

    public init(name: String, data: DataSource, model: Model = Model(),
                representations: [Representation] = Representation.allCases,
                clusterers: [Clusterer] = Clusterer.allCases, clusters: Int? = nil, umapNeighbors: Int = 20,
                hdbscanMinClusterSize: Int? = nil, seed: UInt64 = 42) {
        self.name = name
        self.data = data
        self.model = model
        self.representations = representations
        self.clusterers = clusterers
        self.clusters = clusters
        self.umapNeighbors = umapNeighbors
        self.hdbscanMinClusterSize = hdbscanMinClusterSize
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case name, data, model, representations, clusterers, clusters, seed
        case umapNeighbors = "umap_neighbors"
        case umapSchedule = "umap_schedule"
        case hdbscanMinClusterSize = "hdbscan_min_cluster_size"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "experiment"
        data = try c.decode(DataSource.self, forKey: .data)
        model = try c.decodeIfPresent(Model.self, forKey: .model) ?? Model()
        representations = try c.decodeIfPresent([Representation].self, forKey: .representations) ?? Representation.allCases
        clusterers = try c.decodeIfPresent([Clusterer].self, forKey: .clusterers) ?? Clusterer.allCases
        clusters = try c.decodeIfPresent(Int.self, forKey: .clusters)
        umapNeighbors = try c.decodeIfPresent(Int.self, forKey: .umapNeighbors) ?? 20
        umapSchedule = try c.decodeIfPresent(LayoutOptimizer.Schedule.self, forKey: .umapSchedule)
        hdbscanMinClusterSize = try c.decodeIfPresent(Int.self, forKey: .hdbscanMinClusterSize)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 42
    }

    /// Reads a YAML preset, checking every field; relative data paths become relative to the file.
    public static func read(_ url: URL) throws -> ExperimentConfig {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw InputError("cannot be read as UTF-8 text (expected a YAML experiment preset)", file: url.path)
        }
        var config = try decodeYAML(ExperimentConfig.self, from: text, file: url)
        if let p = config.data.path, !p.hasPrefix("/") {
            config.data.path = url.deletingLastPathComponent().appendingPathComponent(p).standardizedFileURL.path
        }
        try config.validate(file: url.path)
        return config
    }

    /// Decodes `type` from the YAML `text` of `file`, turning decoding failures into one
    /// ``InputError`` sentence naming the field (`model.epochs`, `sweep.batch_size[1]`).
    static func decodeYAML<T: Decodable>(_ type: T.Type, from text: String, file url: URL) throws -> T {
        do {
            return try YAMLDecoder().decode(T.self, from: text)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw InputError("lacks the field \(path(ctx.codingPath + [key])) (see `volcano-ssl experiment --help`)", file: url.path)
        } catch let DecodingError.typeMismatch(_, ctx) where ctx.codingPath.isEmpty {
            throw InputError("is not a YAML mapping of preset fields (expected e.g. `data:`, `model:`, `clusterers:`; see presets/llaima-like.yaml)", file: url.path)
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            throw InputError("field \(path(ctx.codingPath)) has the wrong type: \(ctx.debugDescription)", file: url.path)
        } catch let DecodingError.dataCorrupted(ctx) where !ctx.codingPath.isEmpty {
            throw InputError("field \(path(ctx.codingPath)): \(ctx.debugDescription)", file: url.path)
        } catch let DecodingError.dataCorrupted(ctx) {
            let why = ctx.underlyingError.map { "\($0)" } ?? ctx.debugDescription
            throw InputError("is not valid YAML (\(why.split(separator: "\n").first ?? ""))", file: url.path)
        } catch {
            throw InputError("is not valid YAML (\("\(error)".split(separator: "\n").first ?? ""))", file: url.path)
        }
    }

    /// Checks the settings that need no data.
    public func validate(file: String? = nil) throws {
        func fail(_ m: String) -> InputError { InputError(m, file: file) }
        switch (data.synthetic, data.path) {
        case (nil, nil): throw fail("data needs either `synthetic: PRESET` or `path: DATASET_FOLDER`")
        case (.some, .some): throw fail("data has both `synthetic` and `path`; choose one")
        default: break
        }
        if let e = data.events, e < 10 { throw fail("data.events must be at least 10, got \(e)") }
        if representations.isEmpty { throw fail("representations is empty (choose from baseline, simclr, tstcc)") }
        if clusterers.isEmpty { throw fail("clusterers is empty (choose from kmeans, spectral, ward, hdbscan)") }
        if let k = clusters, k < 2 { throw fail("clusters must be at least 2, got \(k)") }
        if umapNeighbors < 2 { throw fail("umap_neighbors must be at least 2, got \(umapNeighbors)") }
        if let m = hdbscanMinClusterSize, m < 2 { throw fail("hdbscan_min_cluster_size must be at least 2, got \(m)") }
        if let e = model.epochs, e < 1 { throw fail("model.epochs must be at least 1, got \(e)") }
        if let b = model.batchSize, b < 2 { throw fail("model.batch_size must be at least 2, got \(b)") }
        if let lr = model.learningRate, !(lr > 0) { throw fail("model.learning_rate must be positive, got \(lr)") }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    /// The YAML text of this configuration.
    public func yaml() throws -> String { try YAMLEncoder().encode(self) }
}

/// Decodes one of an enum's raw values, naming the choices when the value is unknown.
private func decodeChoice<T: RawRepresentable & CaseIterable>(_ decoder: Decoder, what: String) throws -> T where T.RawValue == String {
    let c = try decoder.singleValueContainer()
    let text = try c.decode(String.self)
    guard let v = T(rawValue: text) else {
        let choices = T.allCases.map(\.rawValue).joined(separator: ", ")
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "unknown \(what) \"\(text)\" (choose from \(choices))")
    }
    return v
}
