import VolcanoCore

/// HDBSCAN (Campello, Moulavi & Sander 2013; McInnes & Healy 2017) with excess-of-mass
/// cluster selection, following the `hdbscan` package (0.8.x) with euclidean distance.
///
/// 1. Core distance of a point = distance to its `minSamples`-th nearest **other** point
///    (the `hdbscan` package's convention; scikit-learn's `HDBSCAN(min_samples=m)` counts the
///    point itself, i.e. equals ours with `minSamples = m − 1`).
/// 2. Mutual reachability `max(core_a, core_b, ‖a − b‖)`; its minimum spanning tree (Borůvka
///    over a kd-tree, ``boruvkaMST``, taken in Prim's order from point 0 as the package's exact
///    path); the single-linkage tree of the MST.
/// 3. The tree is condensed with `minClusterSize` (a split side with fewer points is "points
///    falling out"); cluster stability `Σ_p (λ_p − λ_birth)` with λ = 1 / distance.
/// 4. Excess of mass: a cluster is kept iff its stability is at least the summed stability of
///    its kept descendants; the root is never a cluster. Points outside every kept cluster
///    get the noise label −1.
///
/// Probabilities: `min(λ_p, λ_max) / λ_max` with λ_max the largest λ at which a point leaves
/// its cluster (1 for points that never leave, 0 for noise), as `probabilities_`.
/// Exact duplicates have core distance 0 when at least `minSamples` copies exist; they then
/// join at λ = ∞ and get probability 1.
public struct HDBSCAN: Sendable {
    /// Smallest group of points that counts as a cluster (≥ 2; typical 5…100).
    public var minClusterSize: Int
    /// Neighbours for the core distance (≥ 1; default = minClusterSize). Larger values make
    /// the clustering more conservative (more noise).
    public var minSamples: Int?

    public init(minClusterSize: Int = 5, minSamples: Int? = nil) {
        self.minClusterSize = minClusterSize
        self.minSamples = minSamples
    }

    /// The outcome of an HDBSCAN fit.
    public struct Result: Sendable {
        /// Cluster of every point, 0..<clusterCount, or −1 for noise.
        public var labels: [Int]
        /// Membership strength of every point in its cluster, 0…1 (0 for noise).
        public var probabilities: [Double]
        /// Number of clusters found.
        public var clusterCount: Int
        /// The single-linkage tree of the mutual-reachability MST, scipy linkage format
        /// (heights are mutual-reachability distances).
        public var singleLinkage: Dendrogram
    }

    /// Clusters n ≥ 2 points (row-major n × d, Float64).
    /// - Throws: ``InputError`` for fewer than 2 points, parameters out of range, or a
    ///   non-finite value.
    public func fit(points: [Double], dimension: Int) throws -> Result {
        try validatePoints(points, dimension: dimension, what: "HDBSCAN input")
        let n = points.count / dimension
        guard n >= 2 else { throw InputError("HDBSCAN: needs at least 2 points, got \(n)") }
        guard minClusterSize >= 2 else { throw InputError("HDBSCAN: minimum cluster size must be at least 2, got \(minClusterSize)") }
        let ms = minSamples ?? minClusterSize
        guard ms >= 1 else { throw InputError("HDBSCAN: min samples must be at least 1, got \(ms)") }
        let k = Swift.max(1, Swift.min(n - 1, ms))
        let kd = KDTree(points: points, dimension: dimension)
        let nn = kd.nearestNeighbors(k: k)
        // exact sums of squared differences (as the reference), so ties in mutual reachability stay ties
        let core = (0..<n).map { nn.squaredDistances[$0 * k + k - 1].squareRoot() }
        let mst = boruvkaMST(tree: kd, core: core, neighbors: nn.indices, k: k)
        let tree = Self.singleLinkage(n: n, edges: mst)
        let (labels, probabilities, count) = Self.extractClusters(tree, minClusterSize: minClusterSize)
        return Result(labels: labels, probabilities: probabilities, clusterCount: count, singleLinkage: tree)
    }

    /// Clusters Float32 points (converted to Float64).
    @_disfavoredOverload
    public func fit(points: [Float], dimension: Int) throws -> Result {
        try fit(points: points.map(Double.init), dimension: dimension)
    }

    /// Single-linkage tree of MST edges (stable sort by weight, union–find labelling as the
    /// `hdbscan` package's `label`).
    static func singleLinkage(n: Int, edges: [(a: Int, b: Int, weight: Double)]) -> Dendrogram {
        Dendrogram(leafCount: n, slotMerges: edges.map { ($0.a, $0.b, $0.weight) }, orderedChildren: false)
    }

    /// Condensed tree, stabilities, excess-of-mass selection, labels and probabilities.
    static func extractClusters(_ tree: Dendrogram, minClusterSize mcs: Int) -> ([Int], [Double], Int) {
        let n = tree.leafCount
        let hierarchy = tree.merges
        let root = 2 * n - 2
        // condensed tree rows
        var rowParent = [Int](), rowChild = [Int](), rowLambda = [Double](), rowSize = [Int]()
        var relabel = [Int](repeating: 0, count: root + 1)
        relabel[root] = n
        var nextLabel = n + 1
        var ignore = [Bool](repeating: false, count: root + 1)
        func count(_ node: Int) -> Int { node >= n ? hierarchy[node - n].size : 1 }
        func leaves(_ node: Int, _ body: (Int) -> Void) {
            var stack = [node]
            while let v = stack.popLast() {
                ignore[v] = true
                if v < n { body(v) } else { stack.append(hierarchy[v - n].right); stack.append(hierarchy[v - n].left) }
            }
        }
        // breadth-first over internal nodes from the root
        var queue = [root]
        var head = 0
        while head < queue.count {
            let node = queue[head]; head += 1
            if node < n || ignore[node] { continue }
            let m = hierarchy[node - n]
            queue.append(m.left); queue.append(m.right)
            let lambda = m.height > 0 ? 1 / m.height : Double.infinity
            let lc = count(m.left), rc = count(m.right)
            let p = relabel[node]
            func emitPoints(_ side: Int) {
                leaves(side) { leaf in
                    rowParent.append(p); rowChild.append(leaf); rowLambda.append(lambda); rowSize.append(1)
                }
            }
            if lc >= mcs && rc >= mcs {
                for side in [m.left, m.right] {
                    relabel[side] = nextLabel; nextLabel += 1
                    rowParent.append(p); rowChild.append(relabel[side]); rowLambda.append(lambda); rowSize.append(count(side))
                }
            } else if lc < mcs && rc < mcs {
                emitPoints(m.left); emitPoints(m.right)
            } else if lc < mcs {
                relabel[m.right] = p
                emitPoints(m.left)
            } else {
                relabel[m.left] = p
                emitPoints(m.right)
            }
        }
        let clusterCountAll = nextLabel - n  // ids n..<nextLabel
        var birth = [Double](repeating: 0, count: clusterCountAll)
        var death = [Double](repeating: 0, count: clusterCountAll)
        var stability = [Double](repeating: 0, count: clusterCountAll)
        var clusterParent = [Int](repeating: -1, count: clusterCountAll)
        var children = [[Int]](repeating: [], count: clusterCountAll)
        for r in 0..<rowChild.count where rowChild[r] >= n {
            let c = rowChild[r] - n
            birth[c] = rowLambda[r]
            clusterParent[c] = rowParent[r] - n
            children[rowParent[r] - n].append(c)
        }
        for r in 0..<rowChild.count {
            let p = rowParent[r] - n
            stability[p] += (rowLambda[r] - birth[p]) * Double(rowSize[r])
            death[p] = Swift.max(death[p], rowLambda[r])
        }
        // excess of mass, children before parents (ids are a topological order), root excluded
        var selected = [Bool](repeating: false, count: clusterCountAll)
        if clusterCountAll > 1 {
            for c in stride(from: clusterCountAll - 1, through: 1, by: -1) {
                var subtree: Float = 0  // the reference accumulates this sum in float32
                for ch in children[c] { subtree += Float(stability[ch]) }
                if Double(subtree) > stability[c] {
                    selected[c] = false
                    stability[c] = Double(subtree)
                } else {
                    selected[c] = true
                    var stack = children[c]
                    while let v = stack.popLast() { selected[v] = false; stack.append(contentsOf: children[v]) }
                }
            }
        }
        var labelOf = [Int](repeating: -1, count: clusterCountAll)
        var count = 0
        for c in 0..<clusterCountAll where selected[c] { labelOf[c] = count; count += 1 }
        // nearest selected ancestor of each cluster (or none)
        var owner = [Int](repeating: -1, count: clusterCountAll)
        for c in 0..<clusterCountAll {  // parents have smaller ids than children
            if selected[c] { owner[c] = c } else if clusterParent[c] >= 0 { owner[c] = owner[clusterParent[c]] }
        }
        var labels = [Int](repeating: -1, count: n)
        var probabilities = [Double](repeating: 0, count: n)
        for r in 0..<rowChild.count where rowChild[r] < n {
            let point = rowChild[r]
            let o = owner[rowParent[r] - n]
            guard o >= 0 else { continue }
            labels[point] = labelOf[o]
            let maxLambda = death[o]
            let lambda = rowLambda[r]
            if maxLambda == 0 || !lambda.isFinite {
                probabilities[point] = 1
            } else {
                probabilities[point] = Swift.min(lambda, maxLambda) / maxLambda
            }
        }
        return (labels, probabilities, count)
    }
}
