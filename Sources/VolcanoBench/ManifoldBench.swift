import ArgumentParser
import Foundation
import Manifold
import VolcanoCore

/// `vssl-bench manifold`: times UMAP fit (and transform of held-out points) on one data set and
/// reports trustworthiness and 10-NN label accuracy, as JSON on one line.
struct ManifoldBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifold",
        abstract: "UMAP fit/transform timing and quality on an .npy data set (prints JSON).")

    @Option(help: "float32 [n, D] .npy file.") var data: String
    @Option(help: "Integer labels .npy (for 10-NN accuracy).") var labels: String?
    @Option(help: "Indices of held-out points .npy: fit on the rest, then transform these.") var testIdx: String?
    @Option(help: "Output dimension.") var components = 2
    @Option(help: "n_neighbors.") var neighbors = 20
    @Option(help: "min_dist.") var minDist = 0.1
    @Option(help: "SGD schedule: parallel or serial.") var schedule = "serial"
    @Option(help: "Neighbour search: automatic, exact or approximate.") var search = "automatic"
    @Option(help: "Seed.") var seed: UInt64 = 42
    @Option(help: "Trustworthiness k (0 = skip).") var trustK = 10
    @Option(help: "Estimate trustworthiness on this many rows when n is larger.") var trustSample = 20_000
    @Option(help: "Also measure kNN recall of NN-descent (and of the transform's graph search) against exact search on this many rows (0 = skip).") var recallRows = 0
    @Option(help: "Write the embedding here (.npy).") var saveEmbedding: String?

    func run() throws {
        let x = try FeatureMatrix(npy: NPY.read(URL(fileURLWithPath: data)), file: data)
        let y: [Int]? = try labels.map { try NPY.read(URL(fileURLWithPath: $0)).ints() }
        var trainRows = Array(0..<x.rows)
        var testRows: [Int] = []
        if let t = testIdx {
            testRows = try NPY.read(URL(fileURLWithPath: t)).ints()
            let held = Set(testRows)
            trainRows = trainRows.filter { !held.contains($0) }
        }
        let train = testRows.isEmpty ? x : x.selectingRows(trainRows)
        var c = UMAPConfiguration()
        c.nComponents = components
        c.nNeighbors = neighbors
        c.minDist = minDist
        c.seed = seed
        c.schedule = LayoutOptimizer.Schedule(rawValue: schedule) ?? .parallel
        c.neighborSearch = UMAPConfiguration.NeighborSearch(rawValue: search) ?? .automatic
        var result: [String: Any] = ["n": train.rows, "d": x.columns, "components": components,
                                     "threads": Threads.count, "schedule": schedule]
        let t0 = Date(), c0 = Self.cpuSeconds()
        let phases = PhaseClock(start: t0)
        let map = try UMAP.fit(train, configuration: c, progress: { phases.mark($0.stage) })
        result["fit_seconds"] = Date().timeIntervalSince(t0)
        result["fit_cpu_seconds"] = Self.cpuSeconds() - c0
        result["fit_phase_start_seconds"] = phases.starts
        if trustK > 0 {
            let t1 = Date()
            result["trustworthiness"] = Trustworthiness.score(original: train, embedding: map.embedding, k: trustK,
                                                              sampleRows: train.rows > trustSample ? trustSample : nil)
            result["trust_seconds"] = Date().timeIntervalSince(t1)
        }
        if let y {
            let ty = trainRows.map { y[$0] }
            result["knn_accuracy"] = Self.knnAccuracy(map.embedding, ty, queries: nil, queryLabels: nil)
        }
        if !testRows.isEmpty {
            let test = x.selectingRows(testRows)
            let t2 = Date(), c2 = Self.cpuSeconds()
            let transformPhases = PhaseClock(start: t2)
            let placed = try map.transform(test, progress: { transformPhases.mark($0.stage) })
            result["transform_seconds"] = Date().timeIntervalSince(t2)
            result["transform_phase_start_seconds"] = transformPhases.starts
            result["transform_cpu_seconds"] = Self.cpuSeconds() - c2
            result["transform_n"] = test.rows
            if let y {
                result["transform_knn_accuracy"] = Self.knnAccuracy(map.embedding, trainRows.map { y[$0] },
                                                                    queries: placed, queryLabels: testRows.map { y[$0] })
            }
            if recallRows > 0, let graph = map.trainingNeighbors, c.isApproximate(forTrainingPoints: train.rows) {
                // (each query is searched on its own: the first rows get what the transform found)
                let queries = test.selectingRows(Array(0..<min(recallRows, test.rows)))
                let found = GraphSearch.neighbors(queries: queries, reference: train, referenceNeighbors: graph,
                                                  width: neighbors, k: neighbors, seed: c.transformSeed)
                result["transform_search_recall"] = found.recall(against: NearestNeighbors.exact(queries: queries, reference: train, k: neighbors))
            }
        }
        if recallRows > 0 {
            let sample = x.selectingRows(Array(0..<min(recallRows, x.rows)))
            let t3 = Date()
            let approx = NNDescent.neighbors(sample, k: neighbors, seed: seed)
            result["nndescent_seconds"] = Date().timeIntervalSince(t3)
            let t4 = Date()
            let exact = NearestNeighbors.exact(sample, k: neighbors)
            result["exact_knn_seconds"] = Date().timeIntervalSince(t4)
            result["nndescent_recall"] = approx.recall(against: exact)
        }
        if let path = saveEmbedding { try NPY.write(map.embedding.npy, to: URL(fileURLWithPath: path)) }
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// CPU time of the whole process (all threads), in seconds: robust to other load on the machine.
    static func cpuSeconds() -> Double { Double(clock()) / Double(CLOCKS_PER_SEC) }

    /// 10-NN majority-vote label accuracy (ties → smallest label, like scikit-learn): of the
    /// training points themselves (leave-one-out) or of `queries` against the training map.
    static func knnAccuracy(_ map: FeatureMatrix, _ labels: [Int], queries: FeatureMatrix?, queryLabels: [Int]?) -> Double {
        let k = 10
        let graph = queries.map { NearestNeighbors.exact(queries: $0, reference: map, k: k) }
            ?? NearestNeighbors.exact(map, k: k, includeSelf: false)
        let truth = queryLabels ?? labels
        let classes = (labels.max() ?? 0) + 1
        var correct = 0
        for i in 0..<graph.pointCount {
            var votes = [Int](repeating: 0, count: classes)
            for j in 0..<k { votes[labels[graph.neighbor(i, j)]] += 1 }
            let best = votes.indices.max { votes[$0] < votes[$1] || (votes[$0] == votes[$1] && $0 > $1) }!
            if best == truth[i] { correct += 1 }
        }
        return Double(correct) / Double(graph.pointCount)
    }
}

/// First time each progress stage was reported, relative to `start`.
final class PhaseClock: @unchecked Sendable {
    private let lock = NSLock()
    private let start: Date
    private var seen: [String: Double] = [:]
    init(start: Date) { self.start = start }
    func mark(_ stage: String) {
        lock.lock()
        if seen[stage] == nil { seen[stage] = Date().timeIntervalSince(start) }
        lock.unlock()
    }
    var starts: [String: Double] { lock.lock(); defer { lock.unlock() }; return seen }
}
