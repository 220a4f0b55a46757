import Foundation
import VolcanoCore

/// A random-projection tree (Dasgupta & Freund 2008, as pynndescent builds them): each node is
/// split by the hyperplane halfway between two random points of the node, until a leaf holds at
/// most `leafSize` points. Points in one leaf are probably near one another, so the leaves seed
/// ``NNDescent``'s start lists, and routing a new point to its leaf seeds ``GraphSearch``.
///
/// The tree partitions one index array in place (stably), so a leaf is a range of ``order``.
/// Deterministic for a seed and stream.
struct _RandomProjectionTree {
    /// Point indices, each leaf a contiguous range.
    var order: [Int32]
    /// Leaf ranges of ``order`` in the order the leaves were made.
    var leaves: [Range<Int>] = []
    /// Split hyperplanes (kept only when the tree is built for routing): node t keeps points with
    /// `offsets[t] + ⟨normals[t·dim ..< (t+1)·dim], x⟩ > 0` on the left; `children[t]` are the left and
    /// right subtrees, a node index ≥ 0 or `~leaf` (< 0).
    var normals: [Float] = []
    var offsets: [Float] = []
    var children: [(left: Int32, right: Int32)] = []
    let dim: Int

    /// Builds a tree over the `n` rows (`dim` floats each) of `x`; `routable` keeps the hyperplanes
    /// for ``leaf(of:)``.
    init(_ x: UnsafePointer<Float>, n: Int, dim: Int, leafSize: Int, seed: UInt64, stream: UInt64, routable: Bool) {
        self.dim = dim
        var g = SeededGenerator(seed: seed, stream: stream)
        order = Array(0..<Int32(n))
        var right = [Int32](repeating: 0, count: n)
        var side = [Float](repeating: 0, count: n)
        var normal = [Float](repeating: 0, count: dim)
        // Pending nodes with the parent slot that will point to them (−1: the root).
        var stack: [(range: Range<Int>, parent: Int, isLeft: Bool)] = [(0..<n, -1, true)]
        while let (node, parent, isLeft) = stack.popLast() {
            func link(_ child: Int32) {
                guard routable, parent >= 0 else { return }
                if isLeft { children[parent].left = child } else { children[parent].right = child }
            }
            if node.count <= leafSize {
                link(~Int32(leaves.count))
                leaves.append(node)
                continue
            }
            let a = Int(order[node.lowerBound + g.nextInt(below: node.count)])
            var b = Int(order[node.lowerBound + g.nextInt(below: node.count)])
            if a == b { b = Int(order[node.lowerBound + (order[node].firstIndex(of: Int32(a))! - node.lowerBound + 1) % node.count]) }
            var offset: Float = 0
            for c in 0..<dim {
                let pa = x[a * dim + c], pb = x[b * dim + c]
                normal[c] = pa - pb
                offset -= normal[c] * (pa + pb) / 2
            }
            // All sides first (independent row loads overlap), then the partition: left side
            // kept in place (never ahead of the reading position), right side aside.
            for r in node { side[r] = NNDescent._side(normal, offset, x + Int(order[r]) * dim, dim) }
            var nLeft = 0, nRight = 0
            for r in node {
                let v = order[r], s = side[r]
                if s > 0 || (s == 0 && g.next() & 1 == 0) {
                    order[node.lowerBound + nLeft] = v; nLeft += 1
                } else {
                    right[nRight] = v; nRight += 1
                }
            }
            for r in 0..<nRight { order[node.lowerBound + nLeft + r] = right[r] }
            if nLeft == 0 || nRight == 0 {
                // Degenerate split (duplicates): halve at random (a query then goes right).
                order[node].shuffle(using: &g)
                nLeft = node.count / 2
                normal = [Float](repeating: 0, count: dim)
                offset = 0
            }
            let middle = node.lowerBound + nLeft
            var me = parent
            if routable {
                me = children.count
                link(Int32(me))
                normals.append(contentsOf: normal)
                offsets.append(offset)
                children.append((0, 0))
            }
            stack.append((node.lowerBound..<middle, me, true))
            stack.append((middle..<node.upperBound, me, false))
        }
    }

    /// The leaf (a range of ``order``) a new point falls in; needs a tree built `routable`.
    func leaf(of point: UnsafePointer<Float>) -> Range<Int> {
        guard !children.isEmpty else { return leaves[0] }
        var t = Int32(0)
        while t >= 0 {
            let s = normals.withUnsafeBufferPointer { NNDescent._side($0.baseAddress! + Int(t) * dim, offsets[Int(t)], point, dim) }
            t = s > 0 ? children[Int(t)].left : children[Int(t)].right
        }
        return leaves[Int(~t)]
    }
}
