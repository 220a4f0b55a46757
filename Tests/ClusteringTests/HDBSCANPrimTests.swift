@testable import Clustering
import Testing
import VolcanoCore

/// HDBSCAN's optimised Prim (compacted table, saturated-point heap, blocked SIMD scans,
/// parallel chunks) builds exactly the tree of a plain dense Prim scan from point 0 (the
/// `hdbscan` package's exact path): same edges, same order, same weights — ties included.
@Suite struct HDBSCANPrimTests {
    typealias Edge = (a: Int, b: Int, weight: Double)

    /// Dense reference: O(n²) Prim; the next point is the lowest index with the smallest
    /// reachability, its tree partner the first tree point that reached it (strict `<`).
    static func densePrim(_ x: [Double], dimension d: Int, core: [Double]) -> [Edge] {
        let n = core.count
        var inTree = [Bool](repeating: false, count: n)
        var best = [Double](repeating: .infinity, count: n), from = [Int](repeating: 0, count: n)
        var edges = [Edge](), current = 0
        for _ in 1..<n {
            inTree[current] = true
            var bd = Double.infinity, bi = -1
            for v in 0..<n where !inTree[v] {
                var acc = 0.0
                for c in 0..<d { let z = x[current * d + c] - x[v * d + c]; acc += z * z }
                let mr = Swift.max(Swift.max(core[current], core[v]), acc.squareRoot())
                if mr < best[v] { best[v] = mr; from[v] = current }
                if best[v] < bd { bd = best[v]; bi = v }
            }
            edges.append((from[bi], bi, bd))
            current = bi
        }
        return edges
    }

    static func brutalCore(_ x: [Double], dimension d: Int, k: Int) -> [Double] {
        let n = x.count / d
        return (0..<n).map { i in
            var all = [Double]()
            for j in 0..<n where j != i {
                var acc = 0.0
                for c in 0..<d { let z = x[i * d + c] - x[j * d + c]; acc += z * z }
                all.append(acc)
            }
            return all.sorted()[k - 1].squareRoot()
        }
    }

    @Test(arguments: [(600, 2, 3, true), (500, 5, 5, true), (2600, 20, 10, false), (300, 3, 1, true), (2300, 7, 4, true)])
    func primEqualsDensePrim(n: Int, d: Int, k: Int, lattice: Bool) {
        var rng = SeededGenerator(seed: UInt64(n * 31 + d))
        // Lattice points (coordinates 0…6) give many exact ties and duplicates.
        let x = (0..<(n * d)).map { _ in lattice ? Double(Int(rng.uniform(0, 7))) : rng.nextGaussian() + (rng.uniform(0, 1) < 0.5 ? 0 : 3) }
        let core = Self.brutalCore(x, dimension: d, k: k)
        let dense = Self.densePrim(x, dimension: d, core: core)
        // The default split, and steps split between threads from a small table on (so that the
        // parallel chunks are exercised at these sizes too).
        for parallelFrom in [HDBSCAN.primParallelFrom, 256] {
            let fast = HDBSCAN.primMST(x, dimension: d, core: core, parallelFrom: parallelFrom)
            #expect(fast.count == n - 1)
            #expect(fast.map(\.a) == dense.map(\.a) && fast.map(\.b) == dense.map(\.b) && fast.map(\.weight) == dense.map(\.weight),
                    "split from \(parallelFrom)")
        }
    }
}
