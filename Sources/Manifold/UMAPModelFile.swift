import Foundation
import VolcanoCore

/// Saving and loading a fitted ``UMAP`` map, so that new events can be placed on the same map
/// months later. A model is a folder, written atomically (built in a staging folder, then
/// renamed into place):
///
/// - `umap.json` — format name and version, the ``UMAPConfiguration``, the curve (a, b), shapes;
/// - `training_data.npy` — float32 [n, D], the points the map was fitted on;
/// - `embedding.npy` — float32 [n, n_components], their map coordinates;
/// - `training_neighbors.npy` — int32 [n, n_neighbors], the fit's kNN graph (each point first),
///   searched by `transform` on large maps; a model without it transforms by exact search.
///
/// The `.npy` files open with `np.load`; `embedding.npy` is the same as umap-learn's `embedding_`.
extension UMAP {
    static let _formatName = "volcanossl-umap"
    static let _formatVersion = 1

    struct _Header: Codable {
        var format: String
        var version: Int
        var points: Int
        var features: Int
        var components: Int
        var curve: CurveParameters
        var configuration: UMAPConfiguration
    }

    /// Writes the model folder `url` (replacing an existing one atomically).
    public func save(to url: URL) throws {
        let header = _Header(format: Self._formatName, version: Self._formatVersion, points: trainingData.rows,
                             features: trainingData.columns, components: embedding.columns, curve: curve,
                             configuration: configuration)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(header)
        try AtomicFile.writeDirectory(url) { staging in
            try json.write(to: staging.appendingPathComponent("umap.json"))
            try NPY.encode(trainingData.npy).write(to: staging.appendingPathComponent("training_data.npy"))
            try NPY.encode(embedding.npy).write(to: staging.appendingPathComponent("embedding.npy"))
            if let graph = trainingNeighbors {
                try NPY.encode(NPYArray(graph, shape: [trainingData.rows, configuration.nNeighbors]))
                    .write(to: staging.appendingPathComponent("training_neighbors.npy"))
            }
        }
    }

    /// Reads a model folder written by ``save(to:)``.
    /// - Throws: ``InputError`` naming the file if a part is missing, malformed or inconsistent.
    public static func load(from url: URL) throws -> UMAP {
        let headerURL = url.appendingPathComponent("umap.json")
        let data: Data
        do { data = try Data(contentsOf: headerURL) } catch {
            throw InputError("cannot read the UMAP model description (expected a folder written by UMAP.save)", file: headerURL.path)
        }
        let header: _Header
        do { header = try JSONDecoder().decode(_Header.self, from: data) } catch {
            throw InputError("not a valid UMAP model description (\(error.localizedDescription))", file: headerURL.path)
        }
        guard header.format == _formatName, header.version == _formatVersion else {
            throw InputError("unsupported model format \(header.format) version \(header.version) (expected \(_formatName) version \(_formatVersion))", file: headerURL.path)
        }
        let trainingURL = url.appendingPathComponent("training_data.npy")
        let embeddingURL = url.appendingPathComponent("embedding.npy")
        let training = try FeatureMatrix(npy: NPY.read(trainingURL), file: trainingURL.path)
        let embedding = try FeatureMatrix(npy: NPY.read(embeddingURL), file: embeddingURL.path)
        guard training.rows == header.points, training.columns == header.features else {
            throw InputError("expected [\(header.points), \(header.features)] as umap.json says, found [\(training.rows), \(training.columns)]", file: trainingURL.path)
        }
        guard embedding.rows == header.points, embedding.columns == header.components,
              header.components == header.configuration.nComponents else {
            throw InputError("expected [\(header.points), \(header.components)] as umap.json says, found [\(embedding.rows), \(embedding.columns)]", file: embeddingURL.path)
        }
        let neighborsURL = url.appendingPathComponent("training_neighbors.npy")
        var neighbors: [Int32]? = nil
        if FileManager.default.fileExists(atPath: neighborsURL.path) {
            let graph = try NPY.read(neighborsURL)
            let k = header.configuration.nNeighbors
            guard graph.shape == [header.points, k], graph.dtype != .float32, graph.dtype != .float64 else {
                throw InputError("expected integer indices of shape [\(header.points), \(k)], found \(graph.dtype.rawValue) \(graph.shape)", file: neighborsURL.path)
            }
            let values = graph.ints()
            guard values.allSatisfy({ (0..<header.points).contains($0) }) else {
                throw InputError("expected point indices in 0..<\(header.points)", file: neighborsURL.path)
            }
            neighbors = values.map { Int32($0) }
        }
        return UMAP(configuration: header.configuration, curve: header.curve, trainingData: training, embedding: embedding,
                    trainingNeighbors: neighbors)
    }
}
