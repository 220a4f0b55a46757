import Testing
import VolcanoCore
@testable import Manifold

/// The 2-D sweep that runs eight vertices in SIMD lanes must give the bits of the one-vertex sweep.
@Suite struct LayoutLanesTests {
    /// A random graph of `rows` × `columns` with 0…`maxDegree` edges per row (some rows empty),
    /// weights in (0, 1], symmetric when square.
    static func graph(rows: Int, columns: Int, maxDegree: Int, seed: UInt64) -> SparseGraph {
        var rng = SeededGenerator(seed: seed)
        var edges = [[Int: Float]](repeating: [:], count: rows)
        for i in 0..<rows {
            for _ in 0..<rng.nextInt(below: maxDegree + 1) {
                let j = rng.nextInt(below: columns)
                if rows == columns && j == i { continue }
                let w = Float(rng.nextInt(below: 1000) + 1) / 1000
                edges[i][j] = w
                if rows == columns { edges[j][i] = w }
            }
        }
        var rowStart = [0], cols = [Int32](), weights = [Float]()
        for i in 0..<rows {
            for (j, w) in edges[i].sorted(by: { $0.key < $1.key }) { cols.append(Int32(j)); weights.append(w) }
            rowStart.append(cols.count)
        }
        return SparseGraph(rowCount: rows, columnCount: columns, rowStart: rowStart, columns: cols, weights: weights)
    }

    /// Positions on a coarse grid in [0, 10]² so that some points coincide (zero distances).
    static func positions(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<(2 * n)).map { _ in Float(rng.nextInt(below: 41)) / 4 }
    }

    @Test(arguments: [(0.1, 5), (0.0, 5), (0.5, 11)])
    func parallelFitLanesGiveTheOneVertexBits(minDist: Double, negativeRate: Int) {
        let n = 301
        let g = Self.graph(rows: n, columns: n, maxDegree: 9, seed: 3)
        var optimizer = LayoutOptimizer(curve: CurveParameters(spread: 1, minDist: minDist), nEpochs: 60,
                                        negativeSampleRate: negativeRate, schedule: .parallel)
        var lanes = Self.positions(n, seed: 4), single = lanes
        optimizer.optimize(embedding: &lanes, dimension: 2, graph: g, seed: 9)
        optimizer._vertexLanes = false
        optimizer.optimize(embedding: &single, dimension: 2, graph: g, seed: 9)
        #expect(lanes.map(\.bitPattern) == single.map(\.bitPattern))
        #expect(lanes != Self.positions(n, seed: 4))
    }

    @Test func transformLanesGiveTheOneVertexBits() {
        let reference = Self.positions(200, seed: 5)
        let g = Self.graph(rows: 37, columns: 200, maxDegree: 12, seed: 6)
        var optimizer = LayoutOptimizer(curve: CurveParameters(spread: 1, minDist: 0.1), nEpochs: 100, learningRate: 0.25,
                                        schedule: .parallel)
        var lanes = Self.positions(37, seed: 7), single = lanes
        optimizer.optimize(points: &lanes, onto: reference, dimension: 2, graph: g, seed: 1)
        optimizer._vertexLanes = false
        optimizer.optimize(points: &single, onto: reference, dimension: 2, graph: g, seed: 1)
        #expect(lanes.map(\.bitPattern) == single.map(\.bitPattern))
    }
}
