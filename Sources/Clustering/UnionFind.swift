/// Disjoint sets over `0..<count`, each named by its root; `find` halves paths as it goes.
/// Single linkage, HDBSCAN's labelling and Borůvka's components all merge through it.
struct UnionFind {
    private var parent: [Int]

    init(count: Int) { parent = Array(0..<count) }

    /// The root of `x`'s set (compressing the path to it).
    mutating func find(_ x: Int) -> Int {
        var r = x
        while parent[r] != r { r = parent[r] }
        var y = x
        while parent[y] != r { let z = parent[y]; parent[y] = r; y = z }
        return r
    }

    /// Hangs the set rooted at `root` under `newRoot` (itself a root).
    mutating func attach(_ root: Int, to newRoot: Int) { parent[root] = newRoot }
}
