import Foundation
import Manifold
import TestSupport
import Testing
import VolcanoCore

/// Random points with a few exact duplicates, made from a seed.
func randomPoints(_ n: Int, _ d: Int, seed: UInt64, duplicates: Int = 0) -> FeatureMatrix {
    var g = SeededGenerator(seed: seed)
    var v = (0..<(n * d)).map { _ in Float(g.nextGaussian()) }
    for t in 0..<duplicates {
        let src = t, dst = n - 1 - t
        for c in 0..<d { v[dst * d + c] = v[src * d + c] }
    }
    return FeatureMatrix(rows: n, columns: d, values: v)
}

/// Brute-force kNN with a stable sort on float64 distances (what umap-learn's exact path does).
func bruteForce(_ q: FeatureMatrix, _ r: FeatureMatrix, k: Int, metric: DistanceMetric, skipSelf: Bool) -> ([[Int]], [[Double]]) {
    var idx: [[Int]] = [], dist: [[Double]] = []
    for i in 0..<q.rows {
        var row: [(Double, Int)] = []
        for j in 0..<r.rows where !(skipSelf && i == j) {
            var xy = 0.0, xx = 0.0, yy = 0.0, s = 0.0
            for c in 0..<q.columns {
                let a = Double(q.values[i * q.columns + c]), b = Double(r.values[j * r.columns + c])
                xy += a * b; xx += a * a; yy += b * b; s += (a - b) * (a - b)
            }
            row.append((metric == .euclidean ? s.squareRoot() : max(0, 1 - xy / (xx * yy).squareRoot()), j))
        }
        row.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        idx.append(row.prefix(k).map(\.1))
        dist.append(row.prefix(k).map(\.0))
    }
    return (idx, dist)
}

@Suite struct NearestNeighborsTests {
    @Test(arguments: [DistanceMetric.euclidean, .cosine], [true, false])
    func exactMatchesBruteForce(metric: DistanceMetric, includeSelf: Bool) {
        // 2600 points span two reference tiles and several query blocks.
        let x = randomPoints(2600, 13, seed: 7, duplicates: 3)
        let g = NearestNeighbors.exact(x, k: 9, metric: metric, includeSelf: includeSelf)
        let (bi, bd) = bruteForce(x, x, k: 9, metric: metric, skipSelf: !includeSelf)
        var mismatches = 0, worst = 0.0
        for i in 0..<x.rows {
            for j in 0..<9 {
                if g.neighbor(i, j) != bi[i][j] { mismatches += 1 }
                worst = max(worst, abs(Double(g.distance(i, j)) - bd[i][j]))
            }
        }
        #expect(mismatches == 0)
        #expect(worst < 1e-5)
        if includeSelf {
            // Column 0 is the point itself except for a duplicate, whose lower-index twin comes first.
            #expect(g.neighbor(5, 0) == 5 && g.distance(5, 0) == 0)
            #expect(g.neighbor(2599, 0) == 0 && g.neighbor(2599, 1) == 2599)
        }
        #expect(g.recall(against: NeighborGraph(pointCount: x.rows, k: 9,
                                                indices: bi.flatMap { $0.map(Int32.init) },
                                                distances: bd.flatMap { $0.map(Float.init) })) == 1)
    }

    @Test func queriesAgainstReference() {
        let r = randomPoints(900, 6, seed: 1)
        let q = randomPoints(70, 6, seed: 2)
        let g = NearestNeighbors.exact(queries: q, reference: r, k: 15)
        let (bi, _) = bruteForce(q, r, k: 15, metric: .euclidean, skipSelf: false)
        #expect(g.indices.map(Int.init) == bi.flatMap { $0 })
    }

    @Test func sameResultForAnyThreadCount() {
        let x = randomPoints(1500, 20, seed: 3)
        let a = Threads.withCount(1) { NearestNeighbors.exact(x, k: 12) }
        let b = Threads.withCount(2) { NearestNeighbors.exact(x, k: 12) }
        #expect(a == b)
    }

    @Test func nonFiniteRowIsAnInputError() throws {
        var v = [Float](repeating: 1, count: 12)
        v[7] = .nan
        #expect(throws: InputError.self) {
            try FeatureMatrix(npy: NPYArray(v, shape: [4, 3]), file: "emb.npy")
        }
        do {
            _ = try FeatureMatrix(npy: NPYArray(v, shape: [4, 3]), file: "emb.npy")
        } catch let e as InputError {
            #expect(e.description.contains("emb.npy") && e.description.contains("row 2"))
        }
    }
}
