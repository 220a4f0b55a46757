import VolcanoCore

/// Minimum spanning tree of mutual reachability `max(core_a, core_b, ‖a − b‖)` by Borůvka rounds
/// over a kd-tree.
///
/// Each round finds for every component its lightest edge to another component and adds these
/// edges by (weight, end points) through a union–find that skips an edge closing a cycle (only
/// possible between equally heavy edges; the result stays a minimum spanning tree).
///
/// A round is a dual descent of query nodes (16 subtrees, split between the threads) against the
/// tree. A pair of nodes is skipped when it lies inside one component, or when its bound
/// `max(least core of either node, separation)` (separation: the largest of the box gap, the
/// ball gap and the gap along the principal axes) cannot beat what the query node's points still
/// need: a point needs edges lighter than its best so far and than its component's best (found
/// by its thread); it is done at core_p (no edge of p is lighter). A point starts from its k
/// nearest neighbours (within core_p: edges of weight max(core_p, core_q)); last round's edges
/// that still leave the component bound the component's best, and so do lower bounds kept per
/// point (what earlier searches ruled out). With two components left only the smaller searches.
///
/// Ties: a component keeps the edge of its lowest slot, a point the first of equally light edges
/// in the descent's fixed reference order. The component bounds depend on the thread split but
/// never cut off an edge as light as the component's lightest (they prune strictly heavier nodes
/// only), so the tree does not depend on the thread count.
///
/// - Parameters:
///   - tree: kd-tree over the n ≥ 2 points.
///   - core: core distance of every original point (n).
///   - neighbors: n × k original indices of each point's k nearest other points, all within its
///     core distance.
/// - Returns: n − 1 edges `(a, b, weight)` between original indices, in the order Prim's
///   algorithm from point 0 adds them to the tree (`a` in the tree already; see ``primOrder``).
func boruvkaMST(tree: KDTree, core: [Double], neighbors: [Int], k: Int) -> [(a: Int, b: Int, weight: Double)] {
    let n = tree.count, d = tree.dimension, nodes = tree.nodeCount
    precondition(n >= 2 && core.count == n && neighbors.count == n * k, "boruvkaMST: shapes do not match")
    // Everything below is indexed by slot (tree order).
    let coreS = tree.order.map { core[$0] }
    var neighborS = [Int](repeating: 0, count: n * k)
    for t in 0..<n { for j in 0..<k { neighborS[t * k + j] = tree.slot[neighbors[tree.order[t] * k + j]] } }
    var minCore = [Double](repeating: .infinity, count: nodes)
    for v in stride(from: nodes - 1, through: 0, by: -1) {
        let c1 = tree.child[v]
        if c1 < 0 {
            for t in tree.start[v]..<tree.end[v] { minCore[v] = Swift.min(minCore[v], coreS[t]) }
        } else {
            minCore[v] = Swift.min(minCore[c1], minCore[c1 + 1])
        }
    }
    var component = Array(0..<n)   // union–find root of each slot's component
    var sets = UnionFind(count: n)
    var nodeComponent = [Int](repeating: -1, count: nodes)  // the component holding all of a node, or −1
    var lowerBound = coreS          // no edge of the slot's point to another component is lighter
    var candidateW = [Double](repeating: .infinity, count: n), candidateQ = [Int](repeating: -1, count: n)
    var bestW = [Double](repeating: .infinity, count: n)
    var bestP = [Int](repeating: -1, count: n), bestQ = [Int](repeating: -1, count: n)
    var edges = [(a: Int, b: Int, weight: Double)]()
    edges.reserveCapacity(n - 1)
    let wide = tree.widestLeaf
    // Parallel tasks: the subtrees of the first (up to) 16 nodes of a breadth-first split.
    var tasks = [0]
    while tasks.count < 16, let i = tasks.firstIndex(where: { tree.child[$0] >= 0 }) {
        let c = tree.child[tasks[i]]
        tasks.replaceSubrange(i...i, with: [c, c + 1])
    }
    tasks.sort { tree.start[$0] < tree.start[$1] }
    var up = [Int](repeating: -1, count: nodes), taskOf = [Int](repeating: -1, count: nodes)
    for v in 0..<nodes where tree.child[v] >= 0 { up[tree.child[v]] = v; up[tree.child[v] + 1] = v }
    // nodes of each task's subtree, children before parents
    var subtrees = [[Int]](repeating: [], count: nodes)
    for task in tasks {
        var list = [task], i = 0
        while i < list.count { let c = tree.child[list[i]]; if c >= 0 { list += [c, c + 1] }; i += 1 }
        for v in list { taskOf[v] = task }
        subtrees[task] = list.reversed()
    }
    var need = [Double](repeating: -.infinity, count: nodes)  // the most a point in the node still needs
    var lowNode = [Double](repeating: 0, count: nodes)  // least lower bound of a point in the node
    var cutNode = [Double](repeating: .infinity, count: nodes), cutPoint = [Double](repeating: .infinity, count: n)
    while edges.count < n - 1 {
        for v in stride(from: nodes - 1, through: 0, by: -1) {
            let c1 = tree.child[v]
            if c1 < 0 {
                let c = component[tree.start[v]]
                nodeComponent[v] = (tree.start[v]..<tree.end[v]).allSatisfy { component[$0] == c } ? c : -1
            } else {
                let c = nodeComponent[c1]
                nodeComponent[v] = c >= 0 && nodeComponent[c1 + 1] == c ? c : -1
            }
        }
        for v in stride(from: nodes - 1, through: 0, by: -1) {
            let c1 = tree.child[v]
            lowNode[v] = c1 >= 0 ? Swift.min(lowNode[c1], lowNode[c1 + 1]) : lowerBound[tree.start[v]..<tree.end[v]].min()!
            cutNode[v] = .infinity
        }
        for t in 0..<n { cutPoint[t] = .infinity }
        // With two components left, the lighter one's search alone finds the edge between them.
        var idle = -1
        if n - 1 - edges.count == 1 {
            let first = component[0]
            let size = component.reduce(0) { $0 + ($1 == first ? 1 : 0) }
            idle = size * 2 > n ? first : component.first { $0 != first }!
        }
        tree.withPointers { tp in
        component.withUnsafeBufferPointer { cb in coreS.withUnsafeBufferPointer { kb in
        neighborS.withUnsafeBufferPointer { nb in minCore.withUnsafeBufferPointer { mb in
        nodeComponent.withUnsafeBufferPointer { ncb in lowerBound.withUnsafeMutableBufferPointer { lb in
        candidateW.withUnsafeMutableBufferPointer { wb in candidateQ.withUnsafeMutableBufferPointer { qb in
        need.withUnsafeMutableBufferPointer { rb in lowNode.withUnsafeBufferPointer { lnb in
        cutNode.withUnsafeMutableBufferPointer { cnb in cutPoint.withUnsafeMutableBufferPointer { cpb in
            let comp = cb.baseAddress!, coreP = kb.baseAddress!, nbr = nb.baseAddress!, nodeMin = mb.baseAddress!
            let nodeComp = ncb.baseAddress!, low = lb.baseAddress!, outW = wb.baseAddress!, outQ = qb.baseAddress!
            let needN = rb.baseAddress!, lowN = lnb.baseAddress!, cutN = cnb.baseAddress!, cutP = cpb.baseAddress!
            Parallel.forRanges(tasks.count) { range in
                var scratch = [Double](repeating: 0, count: wide)
                var chunkBest = [Double](repeating: .infinity, count: n)  // per component, this chunk
                scratch.withUnsafeMutableBufferPointer { sb in chunkBest.withUnsafeMutableBufferPointer { cbb in
                    let acc = sb.baseAddress!, best = cbb.baseAddress!
                    // A point still searching needs edges lighter than its best and than its
                    // component's best (−∞ once done or ruled out by its lower bound).
                    @inline(__always) func pointNeed(_ t: Int) -> Double {
                        let b = best[comp[t]]
                        return outW[t] == coreP[t] || low[t] > b ? -.infinity : Swift.min(outW[t], b.nextUp)
                    }
                    func leafNeed(_ v: Int) -> Double {
                        var r = -Double.infinity
                        for t in tp.start[v]..<tp.end[v] where outQ[t] != -2 { r = Swift.max(r, pointNeed(t)) }
                        return r
                    }
                    // seeds: the k nearest neighbours lie within cp, their edges weigh max(cp, core_q)
                    for task in tasks[range] {
                        for t in tp.start[task]..<tp.end[task] {
                            let c = comp[t], cp = coreP[t]
                            // last round's edge of the point, if it still leaves the component, bounds
                            // the component's lightest edge (only that: its own search stays as is)
                            if outQ[t] >= 0 && comp[outQ[t]] != c && outW[t] < best[c] { best[c] = outW[t] }
                            var w = Double.infinity, q = -1
                            for j in 0..<k {
                                let s = nbr[t * k + j]
                                if comp[s] != c { let ws = Swift.max(cp, coreP[s]); if ws < w { w = ws; q = s } }
                            }
                            outW[t] = w; outQ[t] = q
                            if w < best[c] { best[c] = w }
                        }
                    }
                    for task in tasks[range] {
                        for t in tp.start[task]..<tp.end[task] where Swift.max(coreP[t], low[t]) > best[comp[t]] || comp[t] == idle {
                            outW[t] = .infinity; outQ[t] = -2  // cannot hold its component's lightest edge: no search
                        }
                        for v in subtrees[task] { needN[v] = tp.child[v] < 0 ? leafNeed(v) : Swift.max(needN[tp.child[v]], needN[tp.child[v] + 1]) }
                    }
                    // dual descent: query node a (inside a task) against reference node b
                    func visit(_ a: Int, _ b: Int, _ gap: Double) {
                        let own = nodeComp[a]
                        if own >= 0 && nodeComp[b] == own { return }
                        let bound = Swift.max(Swift.max(nodeMin[a], nodeMin[b]), gap)
                        if bound >= needN[a] || (own >= 0 && Swift.max(bound, lowN[a]) > best[own]) {
                            cutN[a] = Swift.min(cutN[a], bound)
                            return
                        }
                        let ca = tp.child[a], cb = tp.child[b]
                        if ca < 0 && cb < 0 {
                            let rs = tp.start[b], re = tp.end[b]
                            for t in tp.start[a]..<tp.end[a] where outQ[t] != -2 {
                                let c = comp[t], cp = coreP[t]
                                let limit = pointNeed(t), p = tp.rows + t * d
                                var bound = Swift.max(cp, nodeMin[b])
                                if bound < limit { bound = Swift.max(bound, tp.gap(p, b).squareRoot()) }
                                if bound < limit {
                                    let pr = tp.projection + t * tp.axisCount
                                    bound = Swift.max(bound, tp.axisGap(pr, pr, b))
                                }
                                if bound < limit { bound = Swift.max(bound, tp.ballGap(p, 0, b)) }
                                if bound >= limit { cutP[t] = Swift.min(cutP[t], bound); continue }
                                var w = outW[t], q = outQ[t]
                                tp.leafDistances(p, b, into: acc)
                                for s in rs..<re where comp[s] != c {
                                    let ws = Swift.max(Swift.max(cp, coreP[s]), acc[s - rs].squareRoot())
                                    if ws < w { w = ws; q = s }
                                }
                                outW[t] = w; outQ[t] = q
                                if w < best[c] { best[c] = w }
                            }
                            var v = a, r = leafNeed(a)
                            while true {  // refresh the needs up to the task root
                                needN[v] = r
                                if v == taskOf[a] { break }
                                v = up[v]
                                r = Swift.max(needN[tp.child[v]], needN[tp.child[v] + 1])
                                if r == needN[v] { break }
                            }
                        } else if ca < 0 || (cb >= 0 && tp.end[b] - tp.start[b] > tp.end[a] - tp.start[a]) {
                            let g1 = tp.separation(a, cb), g2 = tp.separation(a, cb + 1)
                            if g1 <= g2 { visit(a, cb, g1); visit(a, cb + 1, g2) } else { visit(a, cb + 1, g2); visit(a, cb, g1) }
                        } else {  // the query child likelier to hold light edges first
                            let g1 = tp.separation(ca, b), g2 = tp.separation(ca + 1, b)
                            if lowN[ca] <= lowN[ca + 1] { visit(ca, b, g1); visit(ca + 1, b, g2) } else { visit(ca + 1, b, g2); visit(ca, b, g1) }
                        }
                    }
                    for task in tasks[range].sorted(by: { lowN[$0] < lowN[$1] || (lowN[$0] == lowN[$1] && $0 < $1) }) {
                        visit(task, 0, tp.separation(task, 0))
                    }
                    // What the search ruled out raises the points' lower bounds.
                    for task in tasks[range] {
                        for v in subtrees[task].reversed() where v != task { cutN[v] = Swift.min(cutN[v], cutN[up[v]]) }
                        for v in subtrees[task] where tp.child[v] < 0 {
                            for t in tp.start[v]..<tp.end[v] {
                                if outQ[t] == -2 { outQ[t] = -1; continue }
                                low[t] = Swift.max(low[t], Swift.min(outW[t], Swift.min(cutP[t], cutN[v])))
                            }
                        }
                    }
                }}
            }
        }}}}}}}}}}}}}
        // lightest edge of every component (ties: lowest slot)
        for t in 0..<n where candidateQ[t] >= 0 {
            let c = component[t]
            if candidateW[t] < bestW[c] { bestW[c] = candidateW[t]; bestP[c] = t; bestQ[c] = candidateQ[t] }
        }
        var picked = [Int]()
        for c in 0..<n where bestP[c] >= 0 { picked.append(c) }
        picked.sort { x, y in
            let kx = (bestW[x], Swift.min(bestP[x], bestQ[x]), Swift.max(bestP[x], bestQ[x]))
            let ky = (bestW[y], Swift.min(bestP[y], bestQ[y]), Swift.max(bestP[y], bestQ[y]))
            return kx < ky
        }
        for t in 0..<n { lowerBound[t] = Swift.max(lowerBound[t], bestW[component[t]]) }
        for c in picked {
            let a = sets.find(bestP[c]), b = sets.find(bestQ[c])
            if a == b { continue }
            sets.attach(Swift.max(a, b), to: Swift.min(a, b))
            edges.append((tree.order[bestP[c]], tree.order[bestQ[c]], bestW[c]))
        }
        for c in picked { bestW[c] = .infinity; bestP[c] = -1; bestQ[c] = -1 }
        for t in 0..<n { component[t] = sets.find(t) }
    }
    return primOrder(n: n, edges: edges)
}

/// The n − 1 edges of a spanning tree over n points in the order Prim's algorithm from point 0
/// adds them (next: the lightest edge leaving the tree, ties by the lower new point), each as
/// (tree side, new point, weight): the edge order and orientation of the `hdbscan` package's
/// exact path, which fix the order of tied merges and the left/right sides in the
/// single-linkage tree (and so the cluster numbering).
func primOrder(n: Int, edges: [(a: Int, b: Int, weight: Double)]) -> [(a: Int, b: Int, weight: Double)] {
    var first = [Int](repeating: 0, count: n + 1)  // adjacency lists, compressed
    for e in edges { first[e.a + 1] += 1; first[e.b + 1] += 1 }
    for i in 0..<n { first[i + 1] += first[i] }
    var fill = first, adjacent = [Int](repeating: 0, count: 2 * edges.count)
    for (i, e) in edges.enumerated() {
        adjacent[fill[e.a]] = i; fill[e.a] += 1
        adjacent[fill[e.b]] = i; fill[e.b] += 1
    }
    var heap = MinHeap<Double, Int>()  // (weight, point, tree neighbour): Prim's frontier
    var inTree = [Bool](repeating: false, count: n)
    var out = [(a: Int, b: Int, weight: Double)]()
    out.reserveCapacity(edges.count)
    var current = 0
    while true {
        inTree[current] = true
        for j in first[current]..<first[current + 1] {
            let e = edges[adjacent[j]]
            let other = e.a == current ? e.b : e.a
            if !inTree[other] { heap.push(e.weight, other, current) }
        }
        guard let top = heap.pop() else { break }
        out.append((top.payload, top.id, top.key))
        current = top.id
    }
    return out
}
