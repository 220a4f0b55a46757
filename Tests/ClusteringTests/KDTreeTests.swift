@testable import Clustering
import Testing
import VolcanoCore

/// The kd-tree's k nearest neighbours equal a brute-force scan: the same indices in the same
/// order (ascending by squared distance, ties by index) and the same squared distances, bit for
/// bit — with duplicate points and exact ties, tiny and oversized leaves.
@Suite struct KDTreeTests {
    /// n × d points: Gaussian (two groups) for `levels` = 0, else integer coordinates in
    /// 0..<levels (many duplicates and equal distances; 1 = all points identical).
    static func points(n: Int, d: Int, levels: Int, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        return (0..<(n * d)).map { _ in
            levels > 0 ? Double(rng.nextInt(below: levels)) : rng.nextGaussian() + (rng.uniform(0, 1) < 0.5 ? 0 : 4)
        }
    }

    /// Squared distance as a sum over c = 0..<d of squared differences (the tree's order).
    static func squaredDistance(_ x: [Double], _ i: Int, _ j: Int, dimension d: Int) -> Double {
        var s = 0.0
        for c in 0..<d { let z = x[i * d + c] - x[j * d + c]; s += z * z }
        return s
    }

    static func bruteNeighbors(_ x: [Double], dimension d: Int, k: Int) -> (indices: [Int], squaredDistances: [Double]) {
        let n = x.count / d
        var indices = [Int](), dists = [Double]()
        for i in 0..<n {
            let all = (0..<n).filter { $0 != i }.map { (squaredDistance(x, i, $0, dimension: d), $0) }.sorted { $0 < $1 }
            indices += all.prefix(k).map(\.1)
            dists += all.prefix(k).map(\.0)
        }
        return (indices, dists)
    }

    @Test(arguments: [(500, 2, 5, 0, 40), (400, 2, 7, 5, 40), (600, 5, 10, 3, 8), (700, 20, 10, 0, 40),
                      (300, 20, 3, 2, 5), (60, 3, 59, 0, 4), (150, 3, 6, 1, 10), (2, 1, 1, 0, 40)])
    func nearestNeighborsEqualBruteForce(n: Int, d: Int, k: Int, levels: Int, leafSize: Int) {
        let x = Self.points(n: n, d: d, levels: levels, seed: UInt64(n * 7 + d))
        let tree = KDTree(points: x, dimension: d, leafSize: leafSize)
        #expect(tree.order.sorted() == Array(0..<n))
        let fast = tree.nearestNeighbors(k: k)
        let brute = Self.bruteNeighbors(x, dimension: d, k: k)
        #expect(fast.indices == brute.indices)
        #expect(fast.squaredDistances == brute.squaredDistances)
        // the same for every thread count
        let serial = Threads.withCount(1) { tree.nearestNeighbors(k: k) }
        #expect(serial.indices == fast.indices && serial.squaredDistances == fast.squaredDistances)
    }
}
