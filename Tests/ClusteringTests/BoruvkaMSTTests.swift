@testable import Clustering
import Testing
import VolcanoCore

/// HDBSCAN's Borůvka over the kd-tree builds a minimum spanning tree of mutual reachability:
/// n − 1 edges that span the points, each weighing its mutual reachability, whose sorted weights
/// equal those of a dense Prim scan bit for bit (ties and duplicates included), the same for
/// every thread count, listed in Prim's order from point 0.
@Suite struct BoruvkaMSTTests {
    typealias Edge = (a: Int, b: Int, weight: Double)

    static func reachability(_ x: [Double], _ i: Int, _ j: Int, dimension d: Int, core: [Double]) -> Double {
        Swift.max(Swift.max(core[i], core[j]), KDTreeTests.squaredDistance(x, i, j, dimension: d).squareRoot())
    }

    /// Dense reference: O(n²) Prim from point 0; the next point is the lowest index with the
    /// smallest reachability, its tree partner the first tree point that reached it.
    static func densePrim(_ x: [Double], dimension d: Int, core: [Double]) -> [Edge] {
        let n = core.count
        var inTree = [Bool](repeating: false, count: n)
        var best = [Double](repeating: .infinity, count: n), from = [Int](repeating: 0, count: n)
        var edges = [Edge](), current = 0
        for _ in 1..<n {
            inTree[current] = true
            var bd = Double.infinity, bi = -1
            for v in 0..<n where !inTree[v] {
                let mr = reachability(x, current, v, dimension: d, core: core)
                if mr < best[v] { best[v] = mr; from[v] = current }
                if best[v] < bd { bd = best[v]; bi = v }
            }
            edges.append((from[bi], bi, bd))
            current = bi
        }
        return edges
    }

    @Test(arguments: [(600, 2, 3, 7, 40), (500, 5, 5, 4, 40), (1500, 20, 10, 0, 40), (300, 3, 1, 3, 6),
                      (800, 20, 4, 2, 16), (700, 2, 10, 0, 5), (200, 3, 5, 1, 8), (2, 4, 1, 0, 40)])
    func boruvkaIsAMinimumSpanningTree(n: Int, d: Int, k: Int, levels: Int, leafSize: Int) {
        let x = KDTreeTests.points(n: n, d: d, levels: levels, seed: UInt64(n * 31 + d))
        let tree = KDTree(points: x, dimension: d, leafSize: leafSize)
        let nn = tree.nearestNeighbors(k: k)
        let core = (0..<n).map { nn.squaredDistances[$0 * k + k - 1].squareRoot() }
        let edges = boruvkaMST(tree: tree, core: core, neighbors: nn.indices, k: k)
        #expect(edges.count == n - 1)
        #expect(edges.allSatisfy { $0.weight == Self.reachability(x, $0.a, $0.b, dimension: d, core: core) })
        // Prim's order: every edge joins a new point b to the tree grown so far from point 0
        var inTree = [Bool](repeating: false, count: n)
        inTree[0] = true
        for e in edges {
            #expect(inTree[e.a] && !inTree[e.b])
            inTree[e.b] = true
        }
        let reference = Self.densePrim(x, dimension: d, core: core).map(\.weight).sorted()
        let weights = edges.map(\.weight).sorted()
        #expect(weights == reference)
        #expect(weights.reduce(0, +) == reference.reduce(0, +))
        for threads in [1, 3] {
            let other = Threads.withCount(threads) { boruvkaMST(tree: tree, core: core, neighbors: nn.indices, k: k) }
            #expect(other.map(\.a) == edges.map(\.a) && other.map(\.b) == edges.map(\.b) && other.map(\.weight) == edges.map(\.weight),
                    "\(threads) threads")
        }
    }

    /// Prim's order makes HDBSCAN's single-linkage tree that of the `hdbscan` package's exact
    /// path up to the order within tied merges (mutual reachability has many equal weights):
    /// same heights, and the same clusters and probabilities.
    @Test(arguments: [(900, 6, 5, 10), (1200, 2, 10, 25), (1000, 20, 4, 15)])
    func clustersEqualDensePrims(n: Int, d: Int, k: Int, minClusterSize: Int) throws {
        let x = KDTreeTests.points(n: n, d: d, levels: 0, seed: UInt64(n + d))
        let fit = try HDBSCAN(minClusterSize: minClusterSize, minSamples: k).fit(points: x, dimension: d)
        let core = KDTreeTests.bruteNeighbors(x, dimension: d, k: k).squaredDistances.enumerated()
            .filter { $0.offset % k == k - 1 }.map { $0.element.squareRoot() }
        let dense = HDBSCAN.singleLinkage(n: n, edges: Self.densePrim(x, dimension: d, core: core))
        #expect(fit.singleLinkage.merges.map(\.height) == dense.merges.map(\.height))
        let (labels, probabilities, count) = HDBSCAN.extractClusters(dense, minClusterSize: minClusterSize)
        #expect(count >= 2 && fit.clusterCount == count)
        #expect(fit.labels == labels)
        #expect(fit.probabilities == probabilities)
    }
}
