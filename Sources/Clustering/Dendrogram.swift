/// A full agglomerative hierarchy over n points: n − 1 merges in increasing height, in the
/// format of `scipy.cluster.hierarchy.linkage`.
///
/// Merge `m` (0-based) creates cluster id `n + m`; ids below n are the original points.
/// `numpy.asarray(linkageMatrix).reshape(-1, 4)` is exactly scipy's `Z`, so
/// `scipy.cluster.hierarchy.dendrogram` / `fcluster` work on it directly.
public struct Dendrogram: Sendable, Equatable {
    /// One merge: the two cluster ids joined (`left < right`), the merge height (Ward distance,
    /// same units as the input coordinates) and the number of points under the new cluster.
    public struct Merge: Sendable, Equatable {
        public var left: Int
        public var right: Int
        public var height: Double
        public var size: Int
    }

    /// Number of leaves (points).
    public let leafCount: Int
    /// The n − 1 merges, non-decreasing in height.
    public let merges: [Merge]

    /// scipy's linkage matrix `Z`, (n − 1) × 4 row-major: left, right, height, size.
    public var linkageMatrix: [Double] {
        merges.flatMap { [Double($0.left), Double($0.right), $0.height, Double($0.size)] }
    }

    /// A dendrogram from merges already in scipy's format.
    init(leafCount: Int, merges: [Merge]) {
        self.leafCount = leafCount
        self.merges = merges
    }

    /// Builds a dendrogram from unordered merges expressed on slot ids (each merge keeps the
    /// id of one of its two inputs, as the nearest-neighbour chain does, or names two points of
    /// the clusters it joins, as MST edges do): sorts them by height (stable) and relabels the
    /// clusters in scipy's way (union–find, new cluster = n + m). `orderedChildren`: the smaller
    /// cluster id on the left (scipy); otherwise the clusters of `a` and `b` in that order (the
    /// `hdbscan` package's `label`).
    init(leafCount n: Int, slotMerges: [(a: Int, b: Int, height: Double)], orderedChildren: Bool = true) {
        let order = slotMerges.indices.sorted {
            slotMerges[$0].height < slotMerges[$1].height
                || (slotMerges[$0].height == slotMerges[$1].height && $0 < $1)
        }
        var sets = UnionFind(count: 2 * n - 1)
        var size = [Int](repeating: 1, count: 2 * n - 1)
        var nextLabel = n
        var out = [Merge]()
        out.reserveCapacity(Swift.max(0, n - 1))
        for idx in order {
            let m = slotMerges[idx]
            let x = sets.find(m.a), y = sets.find(m.b)
            let s = size[x] + size[y]
            out.append(orderedChildren ? Merge(left: Swift.min(x, y), right: Swift.max(x, y), height: m.height, size: s)
                                       : Merge(left: x, right: y, height: m.height, size: s))
            sets.attach(x, to: nextLabel); sets.attach(y, to: nextLabel)
            size[nextLabel] = s
            nextLabel += 1
        }
        leafCount = n
        merges = out
    }

    /// Labels for K clusters, as scikit-learn's `_hc_cut`: starting from the root, the K − 1
    /// highest merges are undone (always splitting the cluster with the largest id); label i
    /// goes to the leaves under the i-th remaining cluster in heap order.
    /// - Precondition: 1 ≤ `clusterCount` ≤ leafCount.
    public func cut(clusterCount k: Int) -> [Int] {
        let n = leafCount
        precondition(k >= 1 && k <= Swift.max(1, n), "Dendrogram.cut: \(k) clusters for \(n) leaves")
        if n == 1 { return [0] }
        // Python heapq on negated ids (a max-heap of ids), replayed exactly so that the label
        // numbering equals scikit-learn's.
        var heap = [-(2 * n - 2)]
        func siftDown(_ start: Int, _ p: Int) {
            var pos = p
            let item = heap[pos]
            while pos > start {
                let parent = (pos - 1) >> 1
                if item < heap[parent] { heap[pos] = heap[parent]; pos = parent; continue }
                break
            }
            heap[pos] = item
        }
        func siftUp(_ p: Int) {
            var pos = p
            let end = heap.count, start = p, item = heap[p]
            var child = 2 * pos + 1
            while child < end {
                let right = child + 1
                if right < end && !(heap[child] < heap[right]) { child = right }
                heap[pos] = heap[child]; pos = child; child = 2 * pos + 1
            }
            heap[pos] = item
            siftDown(start, pos)
        }
        for _ in 0..<(k - 1) {
            let merge = merges[-heap[0] - n]
            heap.append(-merge.left)
            siftDown(0, heap.count - 1)
            let item = -merge.right
            if heap[0] < item { heap[0] = item; siftUp(0) }
        }
        var labels = [Int](repeating: 0, count: n)
        for (i, negNode) in heap.enumerated() {
            var stack = [-negNode]
            while let v = stack.popLast() {
                if v < n { labels[v] = i } else { let m = merges[v - n]; stack.append(m.left); stack.append(m.right) }
            }
        }
        return labels
    }
}
