import Foundation
import VolcanoCore

/// Approximate k-nearest neighbours by NN-descent (Dong, Moses & Li 2011) seeded with a
/// random-projection forest, as pynndescent (umap-learn's large-data path) does: "a neighbour
/// of a neighbour is probably a neighbour". Each iteration joins, for every point, its new
/// candidates with each other and with its old ones, until fewer than `delta · k · n` lists
/// improve or `iterations` is reached.
///
/// Cost about `iterations · n · maxCandidates² · D` flops instead of exact search's n²·D; recall@k
/// is typically ≥ 0.95 on embedding-like data (measured by the tests and `vssl-bench manifold`).
/// Deterministic for a seed and independent of the thread count: candidate pairs of a batch are
/// scored in parallel against the lists as they were at the start of the batch, and a list keeps
/// the k best of everything offered (ties by index), which does not depend on arrival order.
public enum NNDescent {
    /// The approximate k nearest neighbours of each point of `data`, the point itself first
    /// (umap-learn's convention, same layout as ``NearestNeighbors/exact(_:k:metric:includeSelf:progress:)``).
    /// - Parameters:
    ///   - k: neighbours per point including itself, 2...n.
    ///   - trees: random-projection trees for the start lists (nil → pynndescent's `min(64, 5 + round(√n / 20))`).
    ///   - iterations: NN-descent rounds at most (nil → `max(5, round(log₂ n))`).
    ///   - maxCandidates: candidates per point per round (nil → k).
    ///   - delta: stop when fewer than `delta · k · n` list entries changed in a round.
    public static func neighbors(_ data: FeatureMatrix, k: Int, metric: DistanceMetric = .euclidean, seed: UInt64 = 42,
                                 trees: Int? = nil, iterations: Int? = nil, maxCandidates: Int? = nil,
                                 delta: Double = 0.001, progress: ProgressHandler? = nil) -> NeighborGraph {
        let n = data.rows, dim = data.columns
        precondition(k >= 2 && k <= n, "NNDescent.neighbors: k = \(k) needs 2...\(n)")
        let kk = k - 1  // neighbours other than the point itself
        var x = data.values
        if metric == .cosine { x = NearestNeighbors._prepared(data, .cosine).values }
        let nTrees = trees ?? min(64, 5 + Int((Double(n).squareRoot() / 20).rounded()))
        let nIters = iterations ?? max(5, Int(log2(Double(n)).rounded()))
        let maxC = maxCandidates ?? max(kk, 10)
        var heap = _Heaps(n: n, k: kk)

        x.withUnsafeBufferPointer { xb in
            let X = UnsafeSendablePointer(UnsafeMutablePointer(mutating: xb.baseAddress!))
            // Random-projection forest: leaf co-members are the first candidates.
            let leaves = _forest(X.p, n: n, dim: dim, trees: nTrees, leafSize: max(10, k), seed: seed)
            _ = _join(&heap, X.p, dim: dim, newLists: leaves, oldLists: nil)
            // Lists the forest left short (rare: a point in small leaves) filled up with random points
            // (each list from its own stream).
            heap.index.withUnsafeMutableBufferPointer { ib in
            heap.distance.withUnsafeMutableBufferPointer { db in
            heap.isNew.withUnsafeMutableBufferPointer { nb in
                let I = UnsafeSendablePointer(ib.baseAddress!), D = UnsafeSendablePointer(db.baseAddress!)
                let F = UnsafeSendablePointer(nb.baseAddress!)
                Parallel.forRanges(n, minChunk: 1024) { rows in
                    for i in rows where I.p[i * kk + kk - 1] < 0 {
                        var g = SeededGenerator(seed: seed, stream: UInt64(i) &+ 0x77_0000_0000)
                        var added = (0..<kk).count { I.p[i * kk + $0] >= 0 }, tries = 0
                        while added < kk && tries < 4 * kk + 20 {
                            tries += 1
                            let j = g.nextInt(below: n)
                            if j == i { continue }
                            if _Heaps._push(I.p + i * kk, D.p + i * kk, F.p + i * kk, kk, Int32(j),
                                            _squared(X.p + i * dim, X.p + j * dim, dim)) { added += 1 }
                        }
                    }
                }
            }}}
            progress?(ProgressUpdate(stage: "NN-descent", completed: 0, total: nIters, unit: "rounds"))
            for round in 0..<nIters {
                let (newLists, oldLists) = heap.candidates(maxCandidates: maxC, seed: seed &+ UInt64(round))
                let changes = _join(&heap, X.p, dim: dim, newLists: newLists, oldLists: oldLists)
                progress?(ProgressUpdate(stage: "NN-descent", completed: round + 1, total: nIters, unit: "rounds"))
                if Double(changes) <= delta * Double(kk) * Double(n) { break }
            }
        }
        var indices = [Int32](repeating: 0, count: n * k)
        var distances = [Float](repeating: 0, count: n * k)
        for i in 0..<n {
            indices[i * k] = Int32(i)
            for c in 0..<kk { indices[i * k + 1 + c] = heap.index[i * kk + c] }
        }
        // Exact distances for the reported neighbours (as the exact search does; the lists hold
        // squared float distances, or those of the normalised rows for cosine).
        data.values.withUnsafeBufferPointer { v in
        indices.withUnsafeBufferPointer { ib in
        distances.withUnsafeMutableBufferPointer { db in
            let V = UnsafeSendablePointer(UnsafeMutablePointer(mutating: v.baseAddress!))
            let I = UnsafeSendablePointer(UnsafeMutablePointer(mutating: ib.baseAddress!))
            let D = UnsafeSendablePointer(db.baseAddress!)
            Parallel.forRanges(n, minChunk: 1024) { rows in
                for i in rows {
                    for c in 1..<k {
                        let j = Int(I.p[i * k + c])
                        D.p[i * k + c] = NearestNeighbors._distance(V.p + i * dim, V.p + j * dim, dim, metric)
                    }
                }
            }
        }}}
        return NeighborGraph(pointCount: n, k: k, indices: indices, distances: distances)
    }

    /// ‖a − b‖² in eight-lane partial sums (two independent accumulators, so a 64-D distance is a
    /// few vector operations instead of a 64-long chain of scalar additions).
    @inline(__always)
    static func _squared(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Float {
        typealias V = SIMD8<Float>
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        var s0 = V(), s1 = V()
        var c = 0
        while c + 16 <= d {
            let z0 = load(a + c) - load(b + c), z1 = load(a + c + 8) - load(b + c + 8)
            s0 += z0 * z0
            s1 += z1 * z1
            c += 16
        }
        if c + 8 <= d {
            let z = load(a + c) - load(b + c)
            s0 += z * z
            c += 8
        }
        var s = (s0 + s1).sum()
        while c < d { let z = a[c] - b[c]; s += z * z; c += 1 }
        return s
    }

    /// `offset + ⟨normal, row⟩`, in eight-lane partial sums like ``_squared(_:_:_:)``.
    @inline(__always)
    static func _side(_ normal: UnsafePointer<Float>, _ offset: Float, _ row: UnsafePointer<Float>, _ d: Int) -> Float {
        typealias V = SIMD8<Float>
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        var s0 = V(), s1 = V()
        var c = 0
        while c + 16 <= d {
            s0 += load(normal + c) * load(row + c)
            s1 += load(normal + c + 8) * load(row + c + 8)
            c += 16
        }
        if c + 8 <= d { s0 += load(normal + c) * load(row + c); c += 8 }
        var s = offset + (s0 + s1).sum()
        while c < d { s += normal[c] * row[c]; c += 1 }
        return s
    }

    /// Per-point sorted candidate lists of fixed size with new/old flags.
    struct _Heaps {
        let n: Int, k: Int
        var index: [Int32]
        var distance: [Float]
        var isNew: [Bool]

        init(n: Int, k: Int) {
            self.n = n
            self.k = k
            index = [Int32](repeating: -1, count: n * k)
            distance = [Float](repeating: .infinity, count: n * k)
            isNew = [Bool](repeating: true, count: n * k)
        }

        /// Offers j at squared distance d to the list at `idx`/`dist`/`fresh`; true if it entered.
        @inline(__always)
        static func _push(_ idx: UnsafeMutablePointer<Int32>, _ dist: UnsafeMutablePointer<Float>,
                          _ fresh: UnsafeMutablePointer<Bool>, _ k: Int, _ j: Int32, _ d: Float) -> Bool {
            let last = k - 1
            if d > dist[last] || (d == dist[last] && j >= idx[last] && idx[last] >= 0) { return false }
            for c in 0..<k where idx[c] == j { return false }
            var p = last
            while p > 0 && (dist[p - 1] > d || (dist[p - 1] == d && idx[p - 1] > j)) {
                idx[p] = idx[p - 1]; dist[p] = dist[p - 1]; fresh[p] = fresh[p - 1]
                p -= 1
            }
            idx[p] = j; dist[p] = d; fresh[p] = true
            return true
        }

        /// New and old candidate lists (forward and reverse neighbours), at most `maxCandidates`
        /// each, chosen by seeded random priority; sampled new entries are marked old.
        ///
        /// Every entry gets its priority from one seeded stream in list order; a list keeps the
        /// `maxCandidates` offers of lowest priority among its own entries and those that name it
        /// (ties by index), which does not depend on the order of the offers, so the lists are
        /// built in parallel from a transposed index of the entries.
        mutating func candidates(maxCandidates maxC: Int, seed: UInt64) -> (new: _Lists, old: _Lists) {
            let m = n * k, k = self.k
            // Scratch: priorities, who names whom (the entries e = i·k + c naming j, grouped by j in
            // e order: a counting sort), and the chosen members, maxC apart, with their counts.
            let priority = UnsafeMutablePointer<UInt64>.allocate(capacity: m)
            let namedStart = UnsafeMutablePointer<Int>.allocate(capacity: n + 1)
            let namedBy = UnsafeMutablePointer<Int32>.allocate(capacity: m)
            let cursor = UnsafeMutablePointer<Int>.allocate(capacity: n)
            let members = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * n * maxC)  // new, then old
            let counts = UnsafeMutablePointer<Int>.allocate(capacity: 2 * n)
            defer {
                priority.deallocate(); namedStart.deallocate(); namedBy.deallocate()
                cursor.deallocate(); members.deallocate(); counts.deallocate()
            }
            var g = SeededGenerator(seed: seed, stream: 0xCA4D)
            namedStart.initialize(repeating: 0, count: n + 1)
            for e in 0..<m where index[e] >= 0 {
                priority[e] = g.next()
                namedStart[Int(index[e]) + 1] += 1
            }
            for j in 0..<n { namedStart[j + 1] += namedStart[j] }
            cursor.update(from: namedStart, count: n)
            for e in 0..<m where index[e] >= 0 {
                let j = Int(index[e])
                namedBy[cursor[j]] = Int32(e)
                cursor[j] += 1
            }
            let P = UnsafeSendablePointer(priority), S = UnsafeSendablePointer(namedStart), B = UnsafeSendablePointer(namedBy)
            let M = UnsafeSendablePointer(members), C = UnsafeSendablePointer(counts)
            index.withUnsafeBufferPointer { ib in
            isNew.withUnsafeMutableBufferPointer { fb in
                let I = UnsafeSendablePointer(UnsafeMutablePointer(mutating: ib.baseAddress!))
                let F = UnsafeSendablePointer(fb.baseAddress!)
                Parallel.forRanges(n, minChunk: 1024) { rows in
                    withUnsafeTemporaryAllocation(of: (UInt64, Int32).self, capacity: 2 * maxC) { best in
                        let newBest = best.baseAddress!, oldBest = newBest + maxC
                        for u in rows {
                            var nNew = 0, nOld = 0
                            // Keeps the maxC lowest (priority, member) of a list, sorted.
                            @inline(__always) func offer(_ list: UnsafeMutablePointer<(UInt64, Int32)>, _ count: inout Int,
                                                         _ p: UInt64, _ j: Int32) {
                                if count == maxC && (p, j) >= list[maxC - 1] { return }
                                var s = count < maxC ? count : maxC - 1
                                while s > 0 && list[s - 1] > (p, j) { list[s] = list[s - 1]; s -= 1 }
                                list[s] = (p, j)
                                if count < maxC { count += 1 }
                            }
                            for e in (u * k)..<(u * k + k) where I.p[e] >= 0 {
                                if F.p[e] { offer(newBest, &nNew, P.p[e], I.p[e]) } else { offer(oldBest, &nOld, P.p[e], I.p[e]) }
                            }
                            for r in S.p[u]..<S.p[u + 1] {
                                let e = Int(B.p[r]), i = Int32(e / k)
                                if F.p[e] { offer(newBest, &nNew, P.p[e], i) } else { offer(oldBest, &nOld, P.p[e], i) }
                            }
                            // Distinct members, ascending.
                            @inline(__always) func emit(_ list: UnsafeMutablePointer<(UInt64, Int32)>, _ count: Int,
                                                        _ out: UnsafeMutablePointer<Int32>) -> Int {
                                for s in 0..<count { out[s] = list[s].1 }
                                var sorted = UnsafeMutableBufferPointer(start: out, count: count)
                                sorted.sort()
                                var distinct = 0
                                for s in 0..<count where distinct == 0 || out[distinct - 1] != out[s] {
                                    out[distinct] = out[s]
                                    distinct += 1
                                }
                                return distinct
                            }
                            C.p[u] = emit(newBest, nNew, M.p + u * maxC)
                            C.p[n + u] = emit(oldBest, nOld, M.p + (n + u) * maxC)
                        }
                    }
                }
                // Entries sampled as new become old (after every list has read the flags).
                Parallel.forRanges(n, minChunk: 1024) { rows in
                    for i in rows {
                        let chosen = UnsafeBufferPointer(start: M.p + i * maxC, count: C.p[i])
                        for e in (i * k)..<(i * k + k) where F.p[e] && chosen.contains(I.p[e]) { F.p[e] = false }
                    }
                }
            }}
            return (_Lists(members: members, width: maxC, counts: UnsafeBufferPointer(start: counts, count: n)),
                    _Lists(members: members + n * maxC, width: maxC, counts: UnsafeBufferPointer(start: counts + n, count: n)))
        }
    }

    /// Lists of point indices in one flat array: list u is `members[start[u]..<start[u + 1]]`.
    struct _Lists {
        var start: [Int]
        var members: [Int32]

        var count: Int { start.count - 1 }

        init(start: [Int], members: [Int32]) {
            self.start = start
            self.members = members
        }

        /// Compacts lists stored `width` apart with `counts[u]` members each.
        init(members padded: UnsafePointer<Int32>, width: Int, counts: UnsafeBufferPointer<Int>) {
            start = [0]
            start.reserveCapacity(counts.count + 1)
            members = []
            members.reserveCapacity(counts.reduce(0, +))
            for (u, c) in counts.enumerated() {
                members.append(contentsOf: UnsafeBufferPointer(start: padded + u * width, count: c))
                start.append(members.count)
            }
        }
    }

    /// Local join of every group: pairs within `newLists[u]` and between `newLists[u]` and
    /// `oldLists[u]`. Batches of groups are scored in parallel, then applied. Returns how many
    /// list entries changed.
    static func _join(_ heap: inout _Heaps, _ x: UnsafeMutablePointer<Float>, dim: Int,
                      newLists: _Lists, oldLists: _Lists?) -> Int {
        let groups = newLists.count
        let batch = 2048
        let k = heap.k, n = heap.n
        // Offers (target, candidate, squared distance), binned by the apply piece that owns the
        // target. Both phases run in eight pieces per thread (Parallel.forPieces).
        let chunks = max(1, min(64, 8 * Threads.count, batch / 64))
        let applyChunks = max(1, min(64, 8 * Threads.count, n / 4096))
        var bins = [[(Int32, Int32, Float)]](repeating: [], count: chunks * applyChunks)
        var counts = [Int](repeating: 0, count: applyChunks)
        var start = 0
        while start < groups {
            let end = min(groups, start + batch)
            let first = start
            let scoring = max(1, min(chunks, (end - start) / 64))
            heap.distance.withUnsafeBufferPointer { db in
                bins.withUnsafeMutableBufferPointer { bb in
                    let D = UnsafeSendablePointer(UnsafeMutablePointer(mutating: db.baseAddress!))
                    let B = UnsafeSendablePointer(bb.baseAddress!)
                    let X = UnsafeSendablePointer(x)
                    Parallel.forPieces(end - first, pieces: scoring) { chunk, groups in
                        let out = B.p + chunk * applyChunks
                        for c in 0..<applyChunks { out[c].removeAll(keepingCapacity: true) }
                        @inline(__always) func offer(_ t: Int, _ j: Int, _ d: Float) {
                            out[Parallel.chunk(containing: t, of: applyChunks, count: n)].append((Int32(t), Int32(j), d))
                        }
                        for u in groups {
                            let fresh = newLists.members[newLists.start[first + u]..<newLists.start[first + u + 1]]
                            let old = oldLists.map { $0.members[$0.start[first + u]..<$0.start[first + u + 1]] } ?? []
                            for a in fresh.indices {
                                let p = Int(fresh[a])
                                let tp = D.p[p * k + k - 1]
                                @inline(__always) func consider(_ q: Int) {
                                    let d = _squared(X.p + p * dim, X.p + q * dim, dim)
                                    if d <= tp { offer(p, q, d) }
                                    if d <= D.p[q * k + k - 1] { offer(q, p, d) }
                                }
                                for b in (a + 1)..<max(a + 1, fresh.endIndex) where fresh[b] != fresh[a] { consider(Int(fresh[b])) }
                                for q in old where Int(q) != p { consider(Int(q)) }
                            }
                        }
                    }
                }
            }
            // Apply: the k best of everything offered, independent of the order of offers.
            heap.index.withUnsafeMutableBufferPointer { ib in
            heap.distance.withUnsafeMutableBufferPointer { db in
            heap.isNew.withUnsafeMutableBufferPointer { nb in
            counts.withUnsafeMutableBufferPointer { cb in
            bins.withUnsafeBufferPointer { bb in
                let I = UnsafeSendablePointer(ib.baseAddress!), D = UnsafeSendablePointer(db.baseAddress!)
                let F = UnsafeSendablePointer(nb.baseAddress!), C = UnsafeSendablePointer(cb.baseAddress!)
                let B = UnsafeSendablePointer(UnsafeMutablePointer(mutating: bb.baseAddress!))
                Parallel.forPieces(applyChunks, pieces: applyChunks) { chunk, _ in
                    var local = 0
                    for scored in 0..<scoring {
                        for (t, j, d) in B.p[scored * applyChunks + chunk] {
                            let ti = Int(t)
                            if _Heaps._push(I.p + ti * k, D.p + ti * k, F.p + ti * k, k, j, d) { local += 1 }
                        }
                    }
                    C.p[chunk] += local
                }
            }}}}}
            start = end
        }
        return counts.reduce(0, +)
    }

    /// Leaves of `trees` ``_RandomProjectionTree``s (leaves hold at most `leafSize` points),
    /// each tree's leaves listed by position.
    static func _forest(_ x: UnsafeMutablePointer<Float>, n: Int, dim: Int, trees: Int, leafSize: Int, seed: UInt64) -> _Lists {
        var perTree = [(order: [Int32], ends: [Int])](repeating: ([], []), count: trees)
        perTree.withUnsafeMutableBufferPointer { pb in
            let P = UnsafeSendablePointer(pb.baseAddress!)
            let X = UnsafeSendablePointer(x)
            DispatchQueue.concurrentPerform(iterations: trees) { t in
                let tree = _RandomProjectionTree(X.p, n: n, dim: dim, leafSize: leafSize, seed: seed,
                                                 stream: 0x7EE5_0000 &+ UInt64(t), routable: false)
                P.p[t] = (tree.order, tree.leaves.map(\.upperBound).sorted())
            }
        }
        var start = [0], members: [Int32] = []
        members.reserveCapacity(n * trees)
        for tree in perTree {
            for end in tree.ends { start.append(members.count + end) }
            members.append(contentsOf: tree.order)
        }
        return _Lists(start: start, members: members)
    }
}
