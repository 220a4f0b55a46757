import Foundation
import Manifold
import TestSupport
import Testing
import VolcanoCore

/// One fixture case of `scripts/fixtures/make_umap.py`: de-quantised points, labels, held-out rows.
struct UMAPCase {
    let x: FeatureMatrix
    let labels: [Int]
    let testRows: [Int]
    let reference: [String: Any]

    init(_ name: String) throws {
        let q = try NPY.read(Fixtures.url("umap/\(name)_q.npy"))
        let scale = try Fixtures.floats("umap/\(name)_scale.npy")
        let codes = q.ints()
        let d = q.shape[1]
        var values = [Float](repeating: 0, count: codes.count)
        for i in 0..<codes.count { values[i] = Float(codes[i]) * scale[i % d] }
        x = FeatureMatrix(rows: q.shape[0], columns: d, values: values)
        labels = try NPY.read(Fixtures.url("umap/\(name)_y.npy")).ints()
        testRows = try NPY.read(Fixtures.url("umap/\(name)_test_idx.npy")).ints()
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("umap/reference.json"))) as! [String: Any]
        reference = (json["cases"] as! [String: Any])[name] as! [String: Any]
    }

    func figures(_ key: String) -> [Double] { reference[key] as! [Double] }
    var trainRows: [Int] { let held = Set(testRows); return (0..<x.rows).filter { !held.contains($0) } }
}

func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }

/// 10-NN majority-vote accuracy (ties → smallest label, as scikit-learn's KNeighborsClassifier):
/// leave-one-out on `map`, or of `queries` placed against `map`.
func knnAccuracy(_ map: FeatureMatrix, _ labels: [Int], queries: FeatureMatrix? = nil, queryLabels: [Int]? = nil) -> Double {
    let k = 10
    let g = queries.map { NearestNeighbors.exact(queries: $0, reference: map, k: k) } ?? NearestNeighbors.exact(map, k: k, includeSelf: false)
    let truth = queryLabels ?? labels
    let classes = labels.max()! + 1
    var correct = 0
    for i in 0..<g.pointCount {
        var votes = [Int](repeating: 0, count: classes)
        for j in 0..<k { votes[labels[g.neighbor(i, j)]] += 1 }
        let best = votes.indices.max { votes[$0] < votes[$1] || (votes[$0] == votes[$1] && $0 > $1) }!
        if best == truth[i] { correct += 1 }
    }
    return Double(correct) / Double(g.pointCount)
}

@Suite struct UMAPTests {
    @Test func curveParametersMatchUmapLearn() {
        // find_ab_params values from umap-learn 0.5.12 (spec §1.7).
        let table: [(Double, Double, Double, Double)] = [
            (1, 0.1, 1.57694346046584, 0.8950608779639974),
            (1, 0.0, 1.9328083980052901, 0.7904949736958765),
            (1, 0.001, 1.9290733950863033, 0.7915045328700837),
            (1, 0.5, 0.5830300203968329, 1.3341669926352966),
        ]
        for (spread, minDist, a, b) in table {
            let c = CurveParameters(spread: spread, minDist: minDist)
            #expect(abs(c.a - a) / a < 1e-5, "a for min_dist \(minDist): \(c.a) vs \(a)")
            #expect(abs(c.b - b) / b < 1e-5, "b for min_dist \(minDist): \(c.b) vs \(b)")
        }
    }

    @Test func graphConstructionMatchesUmapLearn() throws {
        let s = try UMAPCase("s2000")
        let knn = NearestNeighbors.exact(s.x, k: 20)
        let smooth = SmoothKNNDistances(graph: knn)
        #expect(maxRelativeError(smooth.rho, try Fixtures.floats("umap/s2000_rho.npy"), floor: 1e-6) < 1e-5)
        #expect(maxRelativeError(smooth.sigma, try Fixtures.floats("umap/s2000_sigma.npy"), floor: 1e-6) < 1e-4)
        let graph = FuzzySimplicialSet.make(graph: knn, smoothing: smooth)
        #expect(graph.edgeCount == s.reference["graph_nnz"] as! Int)
        #expect(maxRelativeError(graph.rowSums, try Fixtures.doubles("umap/s2000_graph_rowsum.npy")) < 1e-4)
        // Symmetric, weights in (0, 1].
        var weight: [Int: Float] = [:]
        for i in 0..<graph.rowCount {
            for e in graph.rowStart[i]..<graph.rowStart[i + 1] { weight[i * 4096 + Int(graph.columns[e])] = graph.weights[e] }
        }
        #expect(weight.allSatisfy { key, w in w > 0 && w <= 1 && weight[(key % 4096) * 4096 + key / 4096] == w })
    }

    @Test func trustworthinessMatchesScikitLearn() throws {
        let v = try UMAPCase("vt3592")
        let emb = try Fixtures.floats("umap/vt3592_emb2d_seed42.npy")
        let t = Trustworthiness.score(original: v.x, embedding: FeatureMatrix(rows: v.x.rows, columns: 2, values: emb), k: 10)
        // One rank step is 2/(n·k·(2n−3k−1)) = 7.8e-9 here; float32 distance ties may be ordered
        // differently from NumPy's unstable argsort, so allow a handful of rank steps.
        #expect(abs(t - (v.reference["trust2d_seed42"] as! Double)) < 1e-7)
        // The row-sampled estimate (for very large n) is close to the exact value.
        let estimate = Trustworthiness.score(original: v.x, embedding: FeatureMatrix(rows: v.x.rows, columns: 2, values: emb),
                                             k: 10, sampleRows: 1200, seed: 3)
        #expect(abs(estimate - t) < 0.01)
    }

    @Test func twoDimensionalMapMatchesUmapLearnTrustworthiness() throws {
        let v = try UMAPCase("vt3592")
        let map = try UMAP.fit(v.x, configuration: .visualisation)
        let t = Trustworthiness.score(original: v.x, embedding: map.embedding, k: 10)
        let reference = v.figures("trust2d").sorted()
        #expect(abs(t - reference[reference.count / 2]) <= 0.01, "trustworthiness \(t) vs umap-learn \(reference)")
        #expect(abs(knnAccuracy(map.embedding, v.labels) - mean(v.figures("knn_acc2d"))) <= 0.02)
        #expect(map.embedding.values.allSatisfy { $0.isFinite })
    }

    @Test func transformPlacesHeldOutPointsLikeUmapLearn() throws {
        let v = try UMAPCase("vt3592")
        let train = v.x.selectingRows(v.trainRows), test = v.x.selectingRows(v.testRows)
        let trainLabels = v.trainRows.map { v.labels[$0] }, testLabels = v.testRows.map { v.labels[$0] }
        let map = try UMAP.fit(train, configuration: .visualisation)
        let placed = try map.transform(test)
        let accuracy = knnAccuracy(map.embedding, trainLabels, queries: placed, queryLabels: testLabels)
        let reference = mean(v.figures("transform_knn_acc"))
        #expect(abs(accuracy - reference) <= 0.02, "transform 10-NN accuracy \(accuracy) vs umap-learn \(reference)")

        // The saved model places the same points identically, as does a second call.
        let folder = Fixtures.temporaryDirectory().appendingPathComponent("map")
        try map.save(to: folder)
        let loaded = try UMAP.load(from: folder)
        #expect(loaded.embedding == map.embedding && loaded.curve == map.curve && loaded.configuration == map.configuration)
        #expect(try loaded.transform(test) == placed)
        #expect(try map.transform(test) == placed)
    }

    @Test func clusteringMapKeepsClassNeighbourhoods() throws {
        // The 20-D map (min_dist 0) of the 5-class case: 10-NN label accuracy as umap-learn's.
        let s = try UMAPCase("s2000")
        let map = try UMAP.fit(s.x, configuration: .clustering)
        #expect(map.embedding.columns == 20)
        let accuracy = knnAccuracy(map.embedding, s.labels)
        #expect(abs(accuracy - mean(s.figures("knn_acc20d"))) <= 0.02, "20-D 10-NN accuracy \(accuracy) vs \(s.figures("knn_acc20d"))")
    }

    @Test func layoutScheduleFollowsSizeUnlessSet() throws {
        var c = UMAPConfiguration()
        #expect(c.layoutSchedule(forPoints: 10_000) == .serial && c.layoutSchedule(forPoints: 10_001) == .parallel)
        c.schedule = .serial
        #expect(c.layoutSchedule(forPoints: 100_000) == .serial)
        c.schedule = .parallel
        #expect(c.layoutSchedule(forPoints: 50) == .parallel)
        // The fit follows it.
        let x = randomPoints(10_001, 4, seed: 6)
        var quick = UMAPConfiguration()
        quick.nNeighbors = 5
        quick.nEpochs = 3
        let automatic = try UMAP.fit(x, configuration: quick).embedding
        quick.schedule = .parallel
        #expect(try UMAP.fit(x, configuration: quick).embedding == automatic)
        quick.schedule = .serial
        #expect(try UMAP.fit(x, configuration: quick).embedding != automatic)
    }

    @Test(arguments: [LayoutOptimizer.Schedule.serial, .parallel])
    func sameSeedGivesIdenticalOutput(schedule: LayoutOptimizer.Schedule) throws {
        let s = try UMAPCase("s2000")
        let x = s.x.selectingRows(Array(0..<800))
        var c = UMAPConfiguration.visualisation
        c.schedule = schedule
        c.nEpochs = 120
        let a = try UMAP.fit(x, configuration: c)
        let b = try UMAP.fit(x, configuration: c)
        #expect(a.embedding == b.embedding)
        c.seed = 7
        let other = try UMAP.fit(x, configuration: c)
        #expect(other.embedding != a.embedding)
        let t = Trustworthiness.score(original: x, embedding: a.embedding)
        #expect(t > 0.9)
    }

    @Test func parallelScheduleIsIndependentOfThreadCount() throws {
        let s = try UMAPCase("s2000")
        let x = s.x.selectingRows(Array(0..<600))
        var c = UMAPConfiguration.visualisation
        c.schedule = .parallel
        c.nEpochs = 80
        let one = try Threads.withCount(1) { try UMAP.fit(x, configuration: c) }
        let two = try Threads.withCount(2) { try UMAP.fit(x, configuration: c) }
        #expect(one.embedding == two.embedding)
    }
}
