import Foundation
import VolcanoCore

/// Settings of a UMAP map; the defaults are umap-learn's (the paper's two maps are
/// ``visualisation`` and ``clustering``).
public struct UMAPConfiguration: Sendable, Codable, Equatable {
    /// How the starting layout is made.
    public enum Initialisation: String, Sendable, Codable {
        /// Laplacian eigenvectors of the fuzzy graph (umap-learn's default; better global layout).
        case spectral
        /// Uniform in [−10, 10]^dim.
        case random
    }

    /// How the k nearest neighbours of the training points are found.
    public enum NeighborSearch: String, Sendable, Codable {
        /// Exact up to ``UMAPConfiguration/approximateAbove`` (training) points, approximate above.
        case automatic
        /// Always exact (blocked BLAS), O(n²·D).
        case exact
        /// Always NN-descent (``NNDescent``).
        case approximate
    }

    /// Output dimension (2 for pictures, 20 for clustering in the paper); 1...n−2.
    public var nComponents: Int = 2
    /// Neighbourhood size k, counting the point itself (umap-learn's n_neighbors): 2…n−1, typically
    /// 5–50; larger keeps more global structure.
    public var nNeighbors: Int = 15
    /// How tightly points may pack in the map, 0 ≤ min_dist ≤ spread (0 for clustering, 0.1 for pictures).
    public var minDist: Double = 0.1
    /// Scale of the embedded clusters (> 0, usually 1).
    public var spread: Double = 1
    /// Input metric.
    public var metric: DistanceMetric = .euclidean
    /// SGD epochs; nil → 500 for n ≤ 10 000 else 200 (transform: 100 / 30, or nEpochs / 3 when set).
    public var nEpochs: Int? = nil
    /// Initial SGD step (transform uses a quarter of it).
    public var learningRate: Float = 1
    /// Negative samples per positive edge sample.
    public var negativeSampleRate: Int = 5
    /// Weight γ of the repulsion.
    public var repulsionStrength: Float = 1
    /// Nearest neighbours assumed fully connected (ρ), ≥ 0.
    public var localConnectivity: Float = 1
    /// 1 = fuzzy union of the directed graph and its transpose, 0 = intersection.
    public var setOpMixRatio: Float = 1
    /// Starting layout.
    public var initialisation: Initialisation = .spectral
    /// Seed of every random step of `fit` (init noise, negative samples); same seed → same map.
    public var seed: UInt64 = 42
    /// Seed of `transform`'s negative samples.
    public var transformSeed: UInt64 = 42
    /// SGD update order (see ``LayoutOptimizer``); both are reproducible from the seed.
    /// `.serial` follows umap-learn's seeded semantics; `.parallel` uses every thread and gives
    /// the same map for any thread count. nil → ``layoutSchedule(forPoints:)``.
    public var schedule: LayoutOptimizer.Schedule? = nil
    /// Exact or approximate neighbour search, for `fit` and for `transform` (which searches the
    /// fitted points' kNN graph with ``GraphSearch`` when approximate).
    public var neighborSearch: NeighborSearch = .automatic
    /// Training point count above which `.automatic` switches to NN-descent (and transform to ``GraphSearch``).
    public var approximateAbove: Int = 60_000
    /// Explicit curve parameters (a, b); nil → fitted from spread and min_dist.
    public var curve: CurveParameters? = nil

    public init() {}

    /// The layout schedule for `n` points: ``schedule`` if set, else `.serial` up to 10 000 points
    /// (umap-learn's 500-epoch regime, where its seeded maps are matched most closely: the parallel
    /// schedule draws them tighter, trustworthiness 0.953 against umap-learn's 0.943 on the 3592 × 528
    /// fixture) and `.parallel` above (within 0.005 of umap-learn's trustworthiness at 20 000 and
    /// 100 000 points and 2.5× faster on 2 cores). umap-learn itself lays out in parallel unless
    /// seeded, because its parallel layout is not reproducible; this one is.
    public func layoutSchedule(forPoints n: Int) -> LayoutOptimizer.Schedule {
        schedule ?? (n <= 10_000 ? .serial : .parallel)
    }

    /// Whether the neighbour search over `trainingPoints` points is approximate.
    public func isApproximate(forTrainingPoints trainingPoints: Int) -> Bool {
        neighborSearch == .approximate || (neighborSearch == .automatic && trainingPoints > approximateAbove)
    }

    /// The paper's 2-D map for pictures: 20 neighbours, min_dist 0.1.
    public static var visualisation: UMAPConfiguration {
        var c = UMAPConfiguration()
        c.nComponents = 2
        c.nNeighbors = 20
        c.minDist = 0.1
        return c
    }

    /// The paper's 20-D map for clustering: 20 neighbours, min_dist 0.
    public static var clustering: UMAPConfiguration {
        var c = UMAPConfiguration()
        c.nComponents = 20
        c.nNeighbors = 20
        c.minDist = 0
        return c
    }
}

/// A fitted UMAP map (McInnes, Healy & Melville 2018; umap-learn 0.5 semantics): the training
/// points, their embedding, and everything needed to place new points with ``transform(_:progress:)``
/// — also after ``save(to:)`` / ``load(from:)`` months later.
///
/// `fit`: k-nearest-neighbour graph → ``SmoothKNNDistances`` → ``FuzzySimplicialSet`` → prune
/// edges lighter than max/n_epochs → ``SpectralInitialisation`` (scaled to 10, noise 1e-4,
/// min-max to [0, 10]) → ``LayoutOptimizer``. Work is float32 except the eigen-solver (float64).
///
/// Behaviour on awkward input (documented and tested):
/// - NaN/∞ in a row, fewer points than `n_neighbors + 1`, a bad setting → ``InputError``.
/// - Duplicate points are kept: they share neighbours, get distance-0 edges of weight 1 and
///   end up next to each other (separated only by the initial noise).
/// - A disconnected neighbour graph is laid out component by component (see
///   ``SpectralInitialisation``); it never stalls the eigen-solver. Unlike umap-learn, a vertex
///   that lost all its edges in pruning keeps its initial position instead of becoming NaN.
public struct UMAP: Sendable {
    /// The settings used.
    public let configuration: UMAPConfiguration
    /// The (a, b) curve used by the layout.
    public let curve: CurveParameters
    /// The training points (kept for `transform`).
    public let trainingData: FeatureMatrix
    /// The map: one row of `nComponents` coordinates per training point.
    public let embedding: FeatureMatrix
    /// The training points' kNN graph from `fit` (`n × nNeighbors` indices, each point first),
    /// which `transform` searches when the neighbour search is approximate; nil → exact search.
    public let trainingNeighbors: [Int32]?

    /// Fits a map of `data` (n × D, finite).
    /// - Throws: ``InputError`` for NaN rows, too few points or invalid settings.
    public static func fit(_ data: FeatureMatrix, configuration: UMAPConfiguration = UMAPConfiguration(),
                           progress: ProgressHandler? = nil) throws -> UMAP {
        let c = configuration
        try _validate(c)
        try data.validateFinite()
        let n = data.rows
        guard n > c.nNeighbors else {
            throw InputError("UMAP needs more points than n_neighbors (found \(n) points, n_neighbors = \(c.nNeighbors)); use fewer neighbours or more points")
        }
        guard n >= c.nComponents + 2 else {
            throw InputError("UMAP needs at least n_components + 2 points (found \(n) points for \(c.nComponents) components)")
        }
        let curve = c.curve ?? CurveParameters(spread: c.spread, minDist: c.minDist)

        progress?(ProgressUpdate(stage: "nearest neighbours", completed: 0, total: n, unit: "points"))
        let knn = c.isApproximate(forTrainingPoints: n)
            ? NNDescent.neighbors(data, k: c.nNeighbors, metric: c.metric, seed: c.seed, progress: progress)
            : NearestNeighbors.exact(data, k: c.nNeighbors, metric: c.metric, includeSelf: true, progress: progress)
        let smoothing = SmoothKNNDistances(graph: knn, localConnectivity: c.localConnectivity)
        let fuzzy = FuzzySimplicialSet.make(graph: knn, smoothing: smoothing, mixRatio: c.setOpMixRatio)

        let defaultEpochs = n <= 10_000 ? 500 : 200
        let nEpochs = c.nEpochs ?? defaultEpochs
        let maxW = fuzzy.maxWeight
        let graph = fuzzy.pruned(below: maxW / Float(nEpochs > 10 ? nEpochs : defaultEpochs))

        progress?(ProgressUpdate(stage: "UMAP initialisation", completed: 0, total: 1, unit: "steps"))
        let dim = c.nComponents
        var rng = SeededGenerator(seed: c.seed, stream: 0x1417)
        var layout = [Float](repeating: 0, count: n * dim)
        switch c.initialisation {
        case .spectral:
            let coords = SpectralInitialisation.layout(graph: graph, dimension: dim, data: data, seed: c.seed)
            var largest = 0.0
            for x in coords { largest = max(largest, abs(x)) }
            let scale = largest > 0 ? 10 / largest : 1
            for i in 0..<(n * dim) { layout[i] = Float(coords[i] * scale) + Float(rng.nextGaussian() * 1e-4) }
        case .random:
            for i in 0..<(n * dim) { layout[i] = Float(rng.uniform(-10, 10)) }
        }
        _minMaxScale(&layout, rows: n, dimension: dim)

        let optimizer = LayoutOptimizer(curve: curve, nEpochs: nEpochs, learningRate: c.learningRate,
                                        negativeSampleRate: c.negativeSampleRate, repulsionStrength: c.repulsionStrength,
                                        schedule: c.layoutSchedule(forPoints: n))
        optimizer.optimize(embedding: &layout, dimension: dim, graph: graph, seed: c.seed, progress: progress)
        return UMAP(configuration: c, curve: curve, trainingData: data,
                    embedding: FeatureMatrix(rows: n, columns: dim, values: layout), trainingNeighbors: knn.indices)
    }

    /// Places new points (n_new × D, same features as the training data) on the map without
    /// moving the training points (umap-learn's `transform`): each new point starts at the
    /// membership-weighted mean of its training neighbours and is refined by SGD against the
    /// fixed map. Deterministic (``UMAPConfiguration/transformSeed``), independent of the thread count.
    /// - Returns: n_new × nComponents coordinates.
    /// - Throws: ``InputError`` for NaN rows or a feature count different from the training data.
    public func transform(_ data: FeatureMatrix, progress: ProgressHandler? = nil) throws -> FeatureMatrix {
        let c = configuration
        guard data.columns == trainingData.columns else {
            throw InputError("expected \(trainingData.columns) features per point (as in the training data), found \(data.columns)")
        }
        try data.validateFinite()
        let dim = c.nComponents
        let nNew = data.rows
        guard nNew > 0 else { return FeatureMatrix(rows: 0, columns: dim, values: []) }
        let knn = if let graph = trainingNeighbors, c.isApproximate(forTrainingPoints: trainingData.rows) {
            GraphSearch.neighbors(queries: data, reference: trainingData, referenceNeighbors: graph, width: c.nNeighbors,
                                  k: c.nNeighbors, metric: c.metric, seed: c.transformSeed, progress: progress)
        } else {
            NearestNeighbors.exact(queries: data, reference: trainingData, k: c.nNeighbors, metric: c.metric, progress: progress)
        }
        let smoothing = SmoothKNNDistances(graph: knn, localConnectivity: max(0, c.localConnectivity - 1))
        let graph = FuzzySimplicialSet.memberships(graph: knn, smoothing: smoothing, bipartite: true, columnCount: trainingData.rows)

        // Initial positions: membership-weighted mean of the neighbours' map positions.
        var points = [Float](repeating: 0, count: nNew * dim)
        embedding.values.withUnsafeBufferPointer { y in
            for i in 0..<nNew {
                let range = graph.rowStart[i]..<graph.rowStart[i + 1]
                var rowSum: Float = 0
                for e in range { rowSum += graph.weights[e] }
                for e in range {
                    let w = graph.weights[e], t = Int(graph.columns[e])
                    if w == 1 {
                        for d in 0..<dim { points[i * dim + d] = y[t * dim + d] }
                        break
                    }
                    for d in 0..<dim { points[i * dim + d] += w / rowSum * y[t * dim + d] }
                }
            }
        }
        let epochs = c.nEpochs.map { max(1, $0 / 3) } ?? (nNew <= 10_000 ? 100 : 30)
        let pruned = graph.pruned(below: graph.maxWeight / Float(epochs))
        let optimizer = LayoutOptimizer(curve: curve, nEpochs: epochs, learningRate: c.learningRate / 4,
                                        negativeSampleRate: c.negativeSampleRate, repulsionStrength: c.repulsionStrength,
                                        schedule: .parallel)
        optimizer.optimize(points: &points, onto: embedding.values, dimension: dim, graph: pruned,
                           seed: c.transformSeed, progress: progress)
        return FeatureMatrix(rows: nNew, columns: dim, values: points)
    }

    /// A map from its parts (e.g. an embedding made elsewhere); `embedding.rows` must equal
    /// `trainingData.rows`, and `trainingNeighbors` (if any) hold `nNeighbors` indices per training point.
    public init(configuration: UMAPConfiguration, curve: CurveParameters, trainingData: FeatureMatrix, embedding: FeatureMatrix,
                trainingNeighbors: [Int32]? = nil) {
        precondition(embedding.rows == trainingData.rows && embedding.columns == configuration.nComponents,
                     "UMAP: embedding \(embedding.rows)×\(embedding.columns) does not fit \(trainingData.rows) points in \(configuration.nComponents)-D")
        precondition(trainingNeighbors.map { $0.count == trainingData.rows * configuration.nNeighbors } ?? true,
                     "UMAP: \(trainingNeighbors?.count ?? 0) neighbour indices do not fit \(trainingData.rows) points × \(configuration.nNeighbors)")
        self.configuration = configuration
        self.curve = curve
        self.trainingData = trainingData
        self.embedding = embedding
        self.trainingNeighbors = trainingNeighbors
    }

    static func _validate(_ c: UMAPConfiguration) throws {
        func bad(_ what: String) -> InputError { InputError("invalid UMAP setting: \(what)") }
        guard c.nComponents >= 1 else { throw bad("n_components must be at least 1, got \(c.nComponents)") }
        guard c.nNeighbors >= 2 else { throw bad("n_neighbors must be at least 2, got \(c.nNeighbors)") }
        guard c.spread > 0, c.minDist >= 0, c.minDist <= c.spread else {
            throw bad("need spread > 0 and 0 ≤ min_dist ≤ spread, got spread \(c.spread), min_dist \(c.minDist)")
        }
        guard c.nEpochs.map({ $0 >= 1 }) ?? true else { throw bad("n_epochs must be at least 1") }
        guard c.learningRate > 0, c.learningRate.isFinite else { throw bad("learning_rate must be positive, got \(c.learningRate)") }
        guard c.negativeSampleRate >= 0 else { throw bad("negative_sample_rate must be ≥ 0, got \(c.negativeSampleRate)") }
        guard c.localConnectivity >= 0 else { throw bad("local_connectivity must be ≥ 0, got \(c.localConnectivity)") }
        guard (0...1).contains(c.setOpMixRatio) else { throw bad("set_op_mix_ratio must be in [0, 1], got \(c.setOpMixRatio)") }
    }

    /// `emb = 10 (emb − min) / (max − min)` per column (a constant column becomes 0).
    static func _minMaxScale(_ y: inout [Float], rows: Int, dimension: Int) {
        for d in 0..<dimension {
            var lo = Float.infinity, hi = -Float.infinity
            for i in 0..<rows { lo = min(lo, y[i * dimension + d]); hi = max(hi, y[i * dimension + d]) }
            let span = hi - lo
            for i in 0..<rows { y[i * dimension + d] = span > 0 ? 10 * (y[i * dimension + d] - lo) / span : 0 }
        }
    }
}
