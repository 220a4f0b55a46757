import ArgumentParser
import Clustering
import Foundation
import Manifold
import VolcanoCore
import VolcanoData

/// `volcano-ssl cluster RUN_DIR`: UMAP 20-D + a clusterer on the run's embeddings, plus the
/// 2-D UMAP coordinates for pictures; writes clusters.csv.
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Cluster a run's embeddings (UMAP 20-D + k-means, spectral, Ward or HDBSCAN).",
        discussion: """
        Reads RUN_DIR/embeddings.npy (float32 [events, features], written by `embed`), maps it with \
        UMAP to 20-D (20 neighbours, min_dist 0 — the paper's clustering map) and clusters that map; \
        also maps it to 2-D (20 neighbours, min_dist 0.1) for plots. Writes into RUN_DIR:
          clusters.csv     event_id, cluster, umap_x, umap_y
                           (HDBSCAN: cluster −1 = noise, extra column probability)
          umap20d.npy      the 20-D map, umap2d.npy the 2-D map (float32)
          umap20d/, umap2d/ the fitted UMAP models (for `umap transform` and `monitor`)
          clustering.json  method, parameters, seed, clusters found, noise fraction
        event_id comes from RUN_DIR/events.csv (copied there by `embed`), else from the events.csv \
        of the dataset recorded in RUN_DIR/run.json ({"dataset": "PATH"}), else it is the row number. \
        --dataset PATH records the dataset in run.json.

        Methods (scikit-learn / hdbscan semantics): kmeans (k-means++, --inits starts), spectral \
        (RBF affinity γ = --gamma, or --affinity neighbors), ward (agglomerative, Ward linkage), \
        hdbscan (--min-cluster-size, --min-samples; no --clusters needed).

        Examples:
          volcano-ssl cluster runs/llaima --method spectral --clusters 4
          volcano-ssl cluster runs/llaima --method hdbscan --min-samples 10
        """)

    enum Method: String, ExpressibleByArgument, CaseIterable { case kmeans, spectral, ward, hdbscan }
    enum Space: String, ExpressibleByArgument, CaseIterable { case umap, embeddings }

    @Argument(help: ArgumentHelp("Run folder containing embeddings.npy.", valueName: "RUN_DIR")) var runDir: String
    @Option(help: "kmeans | spectral | ward | hdbscan") var method: Method = .kmeans
    @Option(help: "Number of clusters (k-means, spectral, Ward), e.g. the number of event classes.")
    var clusters: Int?
    @Option(help: "Cluster the 20-D UMAP map (umap, the paper's choice) or the raw embeddings.")
    var space: Space = .umap
    @Option(help: "UMAP n_neighbors for both maps.") var neighbors: Int = 20
    @Option(help: "UMAP layout order: serial (umap-learn's seeded order) or parallel (every thread, the same map for any thread count; about 2.5× faster on 2 cores). Default: serial up to 10 000 events, parallel above.")
    var layout: LayoutOptimizer.Schedule?
    @Option(help: "k-means++ starts (k-means default 1 = scikit-learn's n_init=\"auto\"; spectral default 10).")
    var inits: Int?
    @Option(help: "Spectral affinity: rbf or neighbors.") var affinity: String = "rbf"
    @Option(help: "Spectral RBF gamma in 1/(map units)² (scikit-learn's default 1).") var gamma: Double = 1
    @Option(help: "Spectral nearest-neighbour affinity: neighbours per event (incl. itself).") var affinityNeighbors: Int = 10
    @Option(help: "HDBSCAN smallest cluster.") var minClusterSize: Int = 50
    @Option(help: "HDBSCAN min_samples, the hdbscan package's convention (default = min cluster size).")
    var minSamples: Int?
    @Option(help: "Dataset folder to record in run.json (for event ids and labels).") var dataset: String?
    @Option(help: "Random seed (UMAP and clusterer).") var seed: UInt64 = 42
    @Flag(help: "No progress bar.") var quiet = false
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if method != .hdbscan {
            guard let k = clusters else { throw ValidationError("--clusters is required for --method \(method.rawValue)") }
            guard k >= 1 else { throw ValidationError("--clusters must be at least 1, got \(k)") }
        }
        guard affinity == "rbf" || affinity == "neighbors" else { throw ValidationError("--affinity must be rbf or neighbors, got \(affinity)") }
        guard neighbors >= 2 else { throw ValidationError("--neighbors must be at least 2, got \(neighbors)") }
    }

    func run() throws {
        try global.apply()
        let runURL = URL(fileURLWithPath: runDir)
        let embURL = RunFolder.url(runURL, "embeddings.npy")
        guard FileManager.default.fileExists(atPath: embURL.path) else {
            throw InputError("has no embeddings.npy (run `volcano-ssl embed` first)", file: runURL.path)
        }
        let x = try FeatureMatrix(npy: NPY.read(embURL), file: embURL.path)
        try x.validateFinite(file: embURL.path)
        if let k = clusters, method != .hdbscan, k > x.rows {
            throw InputError("asked for \(k) clusters but embeddings.npy holds only \(x.rows) events", file: embURL.path)
        }
        // event ids
        var ids = (0..<x.rows).map(String.init)
        if let eventsURL = try RunFolder.eventsFile(runURL, override: dataset.map { URL(fileURLWithPath: $0).appendingPathComponent("events.csv").path }) {
            let table = try CSVTable.read(eventsURL)
            guard let col = table.column("event_id") else { throw InputError("has no event_id column", file: table.file) }
            guard table.rows.count == x.rows else {
                throw InputError("has \(table.rows.count) events but embeddings.npy has \(x.rows) rows", file: table.file)
            }
            ids = table.rows.map { $0[col] }
        }
        let bar = ProgressBar(quiet: quiet)
        func umap(_ preset: UMAPConfiguration) throws -> UMAP {
            var c = preset
            c.nNeighbors = neighbors
            c.seed = seed
            c.schedule = layout
            do { return try UMAP.fit(x, configuration: c, progress: bar.handler) } catch let e as InputError where e.file == nil {
                throw InputError(e.message, file: embURL.path)
            }
        }
        let model2 = try umap(.visualisation)
        let model20: UMAP? = space == .umap ? try umap(.clustering) : nil
        let map2 = model2.embedding
        let map20 = model20?.embedding
        let features = map20 ?? x
        let points = features.values.map(Double.init)
        let d = features.columns
        var labels: [Int]
        var details: [String: Any] = ["method": method.rawValue, "space": space.rawValue, "seed": seed, "umap_neighbors": neighbors]
        bar.handler(ProgressUpdate(stage: "clustering (\(method.rawValue))", completed: 0, total: 1, unit: "steps"))
        var probabilities: [Double]?
        do {
            switch method {
            case .kmeans:
                let r = try KMeans(clusterCount: clusters!, initCount: inits ?? 1, seed: seed).fit(points: points, dimension: d)
                labels = r.labels
                details["clusters_requested"] = clusters!; details["inertia"] = r.inertia; details["inits"] = inits ?? 1
            case .spectral:
                let aff: SpectralClustering.Affinity = affinity == "rbf" ? .rbf(gamma: gamma) : .nearestNeighbors(count: affinityNeighbors)
                let r = try SpectralClustering(clusterCount: clusters!, affinity: aff, initCount: inits ?? 10, seed: seed).fit(points: points, dimension: d)
                labels = r.labels
                details["clusters_requested"] = clusters!; details["affinity"] = affinity
                details["gamma"] = gamma; details["eigenvalues"] = r.eigenvalues; details["graph_components"] = r.componentCount
                details["eigensolver_converged"] = r.converged
            case .ward:
                let r = try WardClustering(clusterCount: clusters!).fit(points: points, dimension: d)
                labels = r.labels
                details["clusters_requested"] = clusters!
                details["top_merge_heights"] = Array(r.dendrogram.merges.suffix(10).map(\.height).reversed())
            case .hdbscan:
                let r = try HDBSCAN(minClusterSize: minClusterSize, minSamples: minSamples).fit(points: points, dimension: d)
                labels = r.labels
                probabilities = r.probabilities
                details["min_cluster_size"] = minClusterSize; details["min_samples"] = minSamples ?? minClusterSize
            }
        } catch let e as InputError where e.file == nil {
            throw InputError(e.message, file: embURL.path)
        }
        details["clusters_found"] = Set(labels.filter { $0 >= 0 }).count
        details["noise_fraction"] = Double(labels.filter { $0 == -1 }.count) / Double(max(1, labels.count))
        bar.handler(ProgressUpdate(stage: "clustering (\(method.rawValue))", completed: 1, total: 1, unit: "steps"))

        // all results computed: write the files
        var csv = "event_id,cluster,umap_x,umap_y" + (probabilities != nil ? ",probability" : "") + "\n"
        for i in 0..<x.rows {
            csv += "\(CSVTable.escape(ids[i])),\(labels[i]),\(map2.values[i * 2]),\(map2.values[i * 2 + 1])"
            if let p = probabilities { csv += ",\(p[i])" }
            csv += "\n"
        }
        if let map20 { try NPY.write(map20.npy, to: RunFolder.url(runURL, "umap20d.npy")) }
        try NPY.write(map2.npy, to: RunFolder.url(runURL, "umap2d.npy"))
        // The fitted maps, so that `monitor` (or `umap transform`) can place new events on them.
        try model20?.save(to: RunFolder.url(runURL, "umap20d"))
        try model2.save(to: RunFolder.url(runURL, "umap2d"))
        let json = try JSONSerialization.data(withJSONObject: details, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(json, to: RunFolder.url(runURL, "clustering.json"))
        if let dataset { try RunFolder.recordDataset(runURL, dataset: dataset) }
        try AtomicFile.write(csv, to: RunFolder.url(runURL, "clusters.csv"))
        if !quiet {
            print("\(method.rawValue): \(details["clusters_found"]!) clusters for \(x.rows) events → \(runDir)/clusters.csv")
        }
    }
}
