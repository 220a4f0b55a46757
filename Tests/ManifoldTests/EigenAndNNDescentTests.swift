import Foundation
@testable import Manifold
import TestSupport
import Testing
import VolcanoCore

@Suite struct LanczosEigensolverTests {
    /// A random sparse symmetric matrix (ring plus random chords) as CSR lists.
    func randomGraph(_ n: Int, seed: UInt64) -> [[(Int, Double)]] {
        var g = SeededGenerator(seed: seed)
        var rows = [[(Int, Double)]](repeating: [], count: n)
        func add(_ i: Int, _ j: Int, _ w: Double) { rows[i].append((j, w)); rows[j].append((i, w)) }
        for i in 0..<n { add(i, (i + 1) % n, g.uniform(0.1, 1)) }
        for _ in 0..<(3 * n) {
            let i = g.nextInt(below: n), j = g.nextInt(below: n)
            if i != j { add(i, j, g.uniform(0.1, 1)) }
        }
        return rows
    }

    @Test func matchesDenseSolver() {
        let n = 300
        let rows = randomGraph(n, seed: 11)
        var dense = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for (j, w) in rows[i] { dense[i * n + j] += w } }
        let (values, _) = LanczosEigensolver.dense(dense, size: n)
        let r = LanczosEigensolver.largest(count: 5, size: n, seed: 1, tolerance: 1e-10) { x, y in
            for i in 0..<n { var s = 0.0; for (j, w) in rows[i] { s += w * x[j] }; y[i] = s }
        }
        #expect(r.converged)
        for c in 0..<5 { #expect(abs(r.values[c] - values[n - 1 - c]) < 1e-8) }
        // Residual ‖A v − λ v‖ of each returned vector.
        for c in 0..<5 {
            var worst = 0.0
            for i in 0..<n {
                var s = 0.0
                for (j, w) in rows[i] { s += w * r.vectors[j * 5 + c] }
                worst = max(worst, abs(s - r.values[c] * r.vectors[i * 5 + c]))
            }
            #expect(worst < 1e-6)
        }
    }

    @Test func findsRepeatedEigenvaluesOfDisconnectedOperator() {
        // Block diagonal: two identical 150-vertex blocks → every eigenvalue is double.
        let half = 150
        let block = randomGraph(half, seed: 3)
        let r = LanczosEigensolver.largest(count: 4, size: 2 * half, seed: 2, tolerance: 1e-9) { x, y in
            for b in 0..<2 {
                for i in 0..<half { var s = 0.0; for (j, w) in block[i] { s += w * x[b * half + j] }; y[b * half + i] = s }
            }
        }
        // Both copies of each double eigenvalue are found (the second to within 1e-4 of the first).
        #expect(abs(r.values[0] - r.values[1]) < 1e-4)
        #expect(abs(r.values[2] - r.values[3]) < 1e-4)
        #expect(r.values[1] - r.values[2] > 1e-3)
    }
}

@Suite struct NNDescentTests {
    @Test func recallAgainstExactSearch() throws {
        let s = try UMAPCase("s2000")
        let exact = NearestNeighbors.exact(s.x, k: 20)
        let approx = NNDescent.neighbors(s.x, k: 20, seed: 1)
        let recall = approx.recall(against: exact)
        #expect(recall >= 0.97, "recall@20 \(recall)")
        // Self first, ascending exact distances.
        for i in 0..<s.x.rows {
            #expect(approx.neighbor(i, 0) == i)
            for j in 1..<20 { #expect(approx.distance(i, j) >= approx.distance(i, j - 1)) }
        }
    }

    @Test func independentOfThreadCount() {
        let x = randomPoints(3000, 12, seed: 9, duplicates: 5)
        let a = Threads.withCount(1) { NNDescent.neighbors(x, k: 10, seed: 4) }
        let b = Threads.withCount(2) { NNDescent.neighbors(x, k: 10, seed: 4) }
        #expect(a == b)
        #expect(a.recall(against: NearestNeighbors.exact(x, k: 10)) > 0.9)
    }
}

@Suite struct LayoutOptimizerTests {
    @Test func fastPowerMatchesLibm() {
        var worst: Double = 0
        for b in [0.7904949736958765, 0.8950608779639974, 1.3341669926352966, -0.2] {
            var x = 1e-6
            while x < 1e6 {
                let exact = Foundation.pow(x, b)
                let fast = Double(LayoutOptimizer._power(Float(x), Float(b)))
                worst = max(worst, abs(fast - exact) / exact)
                x *= 1.0137
            }
        }
        #expect(worst < 3e-6)
    }
}
