import Foundation
@testable import Manifold
import TestSupport
import Testing
import VolcanoCore

@Suite struct GraphSearchTests {
    /// Held-out rows of the 5-class fixture searched against the others, whose graph comes from NN-descent.
    func split() throws -> (reference: FeatureMatrix, queries: FeatureMatrix, graph: NeighborGraph) {
        let s = try UMAPCase("s2000")
        let reference = s.x.selectingRows(s.trainRows), queries = s.x.selectingRows(s.testRows)
        return (reference, queries, NNDescent.neighbors(reference, k: 20, seed: 3))
    }

    @Test func recallAgainstExactSearch() throws {
        let (reference, queries, graph) = try split()
        for metric in DistanceMetric.allCases {
            let exact = NearestNeighbors.exact(queries: queries, reference: reference, k: 15, metric: metric)
            let found = GraphSearch.neighbors(queries: queries, reference: reference, referenceNeighbors: graph.indices,
                                              width: 20, k: 15, metric: metric, seed: 1)
            let recall = found.recall(against: exact)
            #expect(recall >= 0.97, "\(metric) recall@15 \(recall)")
            // Exact distances (as the exact search reports them), ascending.
            for i in 0..<queries.rows {
                for j in 0..<15 {
                    let expected = queries.values.withUnsafeBufferPointer { q in
                        reference.values.withUnsafeBufferPointer { r in
                            NearestNeighbors._distance(q.baseAddress! + i * 64, r.baseAddress! + found.neighbor(i, j) * 64, 64, metric)
                        }
                    }
                    #expect(found.distance(i, j) == expected)
                    if j > 0 { #expect(found.distance(i, j) >= found.distance(i, j - 1)) }
                }
            }
        }
        // Zero breadth still finds most neighbours; more breadth finds more.
        let exact = NearestNeighbors.exact(queries: queries, reference: reference, k: 15)
        let narrow = GraphSearch.neighbors(queries: queries, reference: reference, referenceNeighbors: graph.indices,
                                           width: 20, k: 15, epsilon: 0).recall(against: exact)
        let wide = GraphSearch.neighbors(queries: queries, reference: reference, referenceNeighbors: graph.indices,
                                         width: 20, k: 15, epsilon: 0.3).recall(against: exact)
        #expect(narrow >= 0.9 && wide >= narrow, "recall ε=0: \(narrow), ε=0.3: \(wide)")
    }

    @Test func independentOfThreadCount() throws {
        let (reference, queries, graph) = try split()
        let a = Threads.withCount(1) {
            GraphSearch.neighbors(queries: queries, reference: reference, referenceNeighbors: graph.indices, width: 20, k: 10)
        }
        let b = Threads.withCount(2) {
            GraphSearch.neighbors(queries: queries, reference: reference, referenceNeighbors: graph.indices, width: 20, k: 10)
        }
        #expect(a == b)
    }

    @Test func leavesSmallerThanKAreFilledUp() {
        // 40 points, k = 25: each leaf holds fewer than k, so the start set is filled up.
        let reference = randomPoints(40, 5, seed: 2), queries = randomPoints(7, 5, seed: 5)
        let exact = NearestNeighbors.exact(queries: queries, reference: reference, k: 25)
        // With every point linked to every other the walk reaches them all: the exact answer.
        let complete = (0..<40).flatMap { _ in (0..<40).map(Int32.init) }
        #expect(GraphSearch.neighbors(queries: queries, reference: reference, referenceNeighbors: complete, width: 40, k: 25) == exact)
        // Without edges the start set alone is returned: 25 distinct points, ascending.
        let lonely = (0..<40).flatMap { i in [Int32](repeating: Int32(i), count: 3) }
        let found = GraphSearch.neighbors(queries: queries, reference: reference, referenceNeighbors: lonely, width: 3, k: 25)
        for i in 0..<7 {
            #expect(Set((0..<25).map { found.neighbor(i, $0) }).count == 25)
            for j in 1..<25 { #expect(found.distance(i, j) >= found.distance(i, j - 1)) }
        }
    }

    @Test func treeRoutesEachPointToItsOwnLeaf() {
        let x = randomPoints(2000, 16, seed: 8)
        let tree = x.values.withUnsafeBufferPointer {
            _RandomProjectionTree($0.baseAddress!, n: 2000, dim: 16, leafSize: 20, seed: 1, stream: 0, routable: true)
        }
        #expect(tree.leaves.allSatisfy { $0.count <= 20 } && tree.leaves.map(\.count).reduce(0, +) == 2000)
        x.values.withUnsafeBufferPointer { v in
            for i in 0..<2000 {
                let leaf = tree.leaf(of: v.baseAddress! + i * 16)
                #expect(tree.order[leaf].contains(Int32(i)), "point \(i) routed to a leaf without it")
            }
        }
    }
}

@Suite struct ApproximateTransformTests {
    @Test func approximateTransformPlacesHeldOutPointsLikeUmapLearn() throws {
        // umap-learn's own transform searches the training graph (pynndescent); so does ours when approximate.
        let v = try UMAPCase("vt3592")
        let train = v.x.selectingRows(v.trainRows), test = v.x.selectingRows(v.testRows)
        var c = UMAPConfiguration.visualisation
        c.neighborSearch = .approximate
        let map = try UMAP.fit(train, configuration: c)
        #expect(map.trainingNeighbors?.count == train.rows * 20)
        let placed = try map.transform(test)
        let accuracy = knnAccuracy(map.embedding, v.trainRows.map { v.labels[$0] }, queries: placed,
                                   queryLabels: v.testRows.map { v.labels[$0] })
        let reference = mean(v.figures("transform_knn_acc"))
        #expect(abs(accuracy - reference) <= 0.02, "transform 10-NN accuracy \(accuracy) vs umap-learn \(reference)")

        // The graph travels with the saved model; without it the model still loads (exact search).
        let folder = Fixtures.temporaryDirectory().appendingPathComponent("map")
        try map.save(to: folder)
        let loaded = try UMAP.load(from: folder)
        #expect(loaded.trainingNeighbors == map.trainingNeighbors)
        #expect(try loaded.transform(test) == placed)
        let graphFile = folder.appendingPathComponent("training_neighbors.npy")
        try FileManager.default.removeItem(at: graphFile)
        var exactConfiguration = c
        exactConfiguration.neighborSearch = .exact
        let exactMap = UMAP(configuration: exactConfiguration, curve: map.curve, trainingData: train, embedding: map.embedding)
        #expect(try UMAP.load(from: folder).transform(test) == exactMap.transform(test))

        // A graph file that does not fit is an error naming it.
        try NPY.write(NPYArray([Int32](repeating: Int32(train.rows), count: train.rows * 20), shape: [train.rows, 20]), to: graphFile)
        #expect(throws: InputError("expected point indices in 0..<\(train.rows)", file: graphFile.path)) { try UMAP.load(from: folder) }
        try NPY.write(NPYArray([Float](repeating: 0, count: train.rows * 20), shape: [train.rows, 20]), to: graphFile)
        #expect(throws: InputError.self) { try UMAP.load(from: folder) }
    }
}
