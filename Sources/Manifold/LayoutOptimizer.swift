import Foundation
import VolcanoCore

/// UMAP's layout optimisation (umap-learn's `optimize_layout_euclidean`): stochastic gradient
/// descent on the fuzzy cross-entropy between the input graph and the embedding.
///
/// Each edge (i, j) of weight w is sampled about `nEpochs · w / max w` times; a sample pulls i
/// and j together with the attractive gradient `−2ab d^{2(b−1)} / (1 + a d^{2b})` and pushes i
/// away from `negativeSampleRate` random points with `2γb / ((0.001 + d²)(1 + a d^{2b}))`; every
/// gradient component is clipped to ±4, the learning rate decays linearly from `learningRate`
/// to 0. Epoch 0 samples nothing, as in umap-learn.
///
/// Two schedules, both reproducible from the seed:
/// - ``Schedule/serial``: umap-learn's own semantics with a seed (edges in row order, each
///   update immediately visible, both ends of an edge move). Identical for any thread count.
/// - ``Schedule/parallel``: vertices are split among ``Threads/count`` threads; each thread
///   moves only its own vertices and reads everybody else's positions from a snapshot taken at
///   the start of the epoch (so an edge pulls each of its ends once from each side, the pull of
///   the other direction doubled in place of `move_other`). No races: the result is identical
///   for every thread count. In 2-D eight vertices share the SIMD lanes (whole 2-D fit on 2 cores:
///   1.4 s against 3.7 s serial at 20 000 × 64 points, 8.0 s against 21 s at 100 000); the maps are
///   slightly tighter than umap-learn's (trustworthiness k=10 on the 3592 × 528 fixture: 0.953
///   against 0.942 serial and 0.943 for umap-learn), so ``UMAPConfiguration`` uses it by default
///   only above 10 000 points (``UMAPConfiguration/layoutSchedule(forPoints:)``).
/// Random negatives come from one ``SeededGenerator`` stream per vertex. The negatives of one
/// positive sample are scored in groups of up to 8 against the vertex position at the start of
/// the group, the first group before the attraction (then applied in order): the power
/// evaluations of a sample no longer wait for one another, which removes most of the serial
/// dependency from the hot loop (umap-learn scores each negative after the previous push).
public struct LayoutOptimizer: Sendable {
    /// How the SGD updates are ordered.
    public enum Schedule: String, Sendable, Codable {
        case serial, parallel
    }

    /// The embedding similarity curve (a, b).
    public var curve: CurveParameters
    /// Number of epochs (umap-learn: 500 for n ≤ 10 000, else 200; transform 100 / 30).
    public var nEpochs: Int
    /// Initial step α₀ (umap-learn: 1 for fit, 0.25 for transform).
    public var learningRate: Float = 1
    /// Negative samples per positive sample (umap-learn: 5).
    public var negativeSampleRate: Int = 5
    /// Weight γ of the repulsive term (umap-learn: 1).
    public var repulsionStrength: Float = 1
    /// Update order.
    public var schedule: Schedule = .serial
    /// 2-D parallel and transform sweeps eight vertices at a time (same bits as one at a time;
    /// off only to test that).
    var _vertexLanes = true

    public init(curve: CurveParameters, nEpochs: Int, learningRate: Float = 1, negativeSampleRate: Int = 5,
                repulsionStrength: Float = 1, schedule: Schedule = .serial) {
        self.curve = curve
        self.nEpochs = nEpochs
        self.learningRate = learningRate
        self.negativeSampleRate = negativeSampleRate
        self.repulsionStrength = repulsionStrength
        self.schedule = schedule
    }

    /// Optimises `embedding` (n × dimension, row-major) in place for a symmetric n × n graph
    /// (the pruned fuzzy simplicial set). Both ends of an edge move.
    public func optimize(embedding: inout [Float], dimension: Int, graph: SparseGraph, seed: UInt64,
                         progress: ProgressHandler? = nil) {
        precondition(graph.rowCount == graph.columnCount && embedding.count == graph.rowCount * dimension,
                     "LayoutOptimizer.optimize: embedding of \(embedding.count) values for a \(graph.rowCount)×\(graph.columnCount) graph in \(dimension)-D")
        var reference: [Float] = []
        _run(head: &embedding, tail: &reference, tailIsHead: true, dimension: dimension, graph: graph,
             seed: seed, progress: progress)
    }

    /// Optimises the positions of new points (`points`, n_new × dimension) against a fixed
    /// `reference` embedding (n_ref × dimension) for an n_new × n_ref graph (UMAP transform):
    /// only the new points move; negatives are drawn among the reference points.
    public func optimize(points: inout [Float], onto reference: [Float], dimension: Int, graph: SparseGraph,
                         seed: UInt64, progress: ProgressHandler? = nil) {
        precondition(points.count == graph.rowCount * dimension && reference.count == graph.columnCount * dimension,
                     "LayoutOptimizer.optimize(points:onto:): \(points.count) / \(reference.count) values for a \(graph.rowCount)×\(graph.columnCount) graph in \(dimension)-D")
        var tail = reference
        _run(head: &points, tail: &tail, tailIsHead: false, dimension: dimension, graph: graph,
             seed: seed, progress: progress)
    }

    /// Epochs between samples of each edge: `max w / w` (≥ 1), as umap-learn's `make_epochs_per_sample`.
    static func _epochsPerSample(_ weights: [Float], nEpochs: Int) -> [Double] {
        let maxW = weights.max() ?? 1
        return weights.map { w in
            let samples = Float(nEpochs) * (w / maxW)
            return samples > 0 ? Double(nEpochs) / Double(samples) : -1
        }
    }

    private func _run(head: inout [Float], tail: inout [Float], tailIsHead: Bool, dimension dim: Int,
                      graph: SparseGraph, seed: UInt64, progress: ProgressHandler?) {
        let nHead = graph.rowCount, nTail = graph.columnCount
        guard graph.edgeCount > 0, nEpochs > 0 else { return }
        // (eight never-due entries past the last edge: the lanes' listing reads edges eight at a time)
        let eps = Self._epochsPerSample(graph.weights, nEpochs: nEpochs) + [Double](repeating: .infinity, count: 8)
        let rate = Double(max(1, negativeSampleRate))
        var nextSample = eps
        var epsNeg = eps.map { $0 / rate }
        var nextNegative = epsNeg
        var rngs = (0..<nHead).map { SeededGenerator(seed: seed, stream: UInt64($0)) }
        let a = Float(curve.a), b = Float(curve.b), gamma = repulsionStrength
        let doubleAttraction: Float = schedule == .parallel && tailIsHead ? 2 : 1
        var snapshot = [Float](repeating: 0, count: tailIsHead ? nHead * dim : 0)
        let serial = schedule == .serial
        let nEpochs = self.nEpochs, lr = self.learningRate
        let lanes = dim == 2 && _vertexLanes
        // The lanes' lists of due edges (partner, negative count; one spare entry for idle lanes)
        // and where each row's list ends.
        let listedEpochs = 4
        let listed = lanes && !serial ? listedEpochs * (graph.edgeCount + 1) : 0
        let dueTarget = UnsafeMutablePointer<Int32>.allocate(capacity: listed)
        let dueCount = UnsafeMutablePointer<Int32>.allocate(capacity: listed)
        let dueEnd = UnsafeMutablePointer<Int>.allocate(capacity: lanes && !serial ? listedEpochs * nHead : 0)
        defer { dueTarget.deallocate(); dueCount.deallocate(); dueEnd.deallocate() }
        for g in 0..<(listed > 0 ? listedEpochs : 0) {
            dueTarget[g * (graph.edgeCount + 1) + graph.edgeCount] = 0
            dueCount[g * (graph.edgeCount + 1) + graph.edgeCount] = 0
        }
        let DT = UnsafeSendablePointer(dueTarget), DC = UnsafeSendablePointer(dueCount), DE = UnsafeSendablePointer(dueEnd)

        head.withUnsafeMutableBufferPointer { hb in
        tail.withUnsafeMutableBufferPointer { tb in
        snapshot.withUnsafeMutableBufferPointer { sb in
        nextSample.withUnsafeMutableBufferPointer { nsb in
        nextNegative.withUnsafeMutableBufferPointer { nnb in
        epsNeg.withUnsafeMutableBufferPointer { enb in
        rngs.withUnsafeMutableBufferPointer { rb in
        eps.withUnsafeBufferPointer { eb in
        graph.rowStart.withUnsafeBufferPointer { rsb in
        graph.columns.withUnsafeBufferPointer { cb in
            let H = UnsafeSendablePointer(hb.baseAddress!)
            // Where other vertices are read from: the live array (serial), the snapshot
            // (parallel fit) or the fixed reference (transform).
            let readOthers = UnsafeSendablePointer(tailIsHead ? (serial ? hb.baseAddress! : sb.baseAddress!) : tb.baseAddress!)
            let S = UnsafeSendablePointer(sb.baseAddress ?? hb.baseAddress!)
            let NS = UnsafeSendablePointer(nsb.baseAddress!), NN = UnsafeSendablePointer(nnb.baseAddress!)
            let EN = UnsafeSendablePointer(enb.baseAddress!), R = UnsafeSendablePointer(rb.baseAddress!)
            let E = UnsafeSendablePointer(UnsafeMutablePointer(mutating: eb.baseAddress!))
            let RS = UnsafeSendablePointer(UnsafeMutablePointer(mutating: rsb.baseAddress!))
            let C = UnsafeSendablePointer(UnsafeMutablePointer(mutating: cb.baseAddress!))
            let moveOther = serial && tailIsHead

            // Processes the due edges of head vertices `rows` in one epoch.
            // The paper's two map sizes get copies of the loop with the dimension fixed at compile
            // time (fully unrolled vector loops, no tails).
            func sweep(_ rows: Range<Int>, epoch: Int, alpha: Float) {
                switch dim {
                case 2: sweep(rows, epoch: epoch, alpha: alpha, dimension: 2)
                case 20: sweep(rows, epoch: epoch, alpha: alpha, dimension: 20)
                default: sweep(rows, epoch: epoch, alpha: alpha, dimension: dim)
                }
            }

            @inline(__always) func sweep(_ rows: Range<Int>, epoch: Int, alpha: Float, dimension dim: Int) {
              withUnsafeTemporaryAllocation(of: Float.self, capacity: 8) { coefficient in
              withUnsafeTemporaryAllocation(of: Float.self, capacity: 8) { squared in
              withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: 8) { partner in
                let fe = Double(epoch)
                for j in rows {
                    let current = H.p + j * dim
                    for e in RS.p[j]..<RS.p[j + 1] {
                        if NS.p[e] > fe { continue }
                        let t = Int(C.p[e])
                        let other = readOthers.p + t * dim
                        NS.p[e] += E.p[e]
                        let nNeg = max(0, Int((fe - NN.p[e]) / EN.p[e]))
                        // Negatives in groups of up to 8, each scored against the position at the
                        // start of its group (the first group before the attraction): the power
                        // evaluations are independent of each other and of the attraction's (no
                        // serial dependency through `current`); the clipped pushes are applied in order.
                        @inline(__always) func score(_ group: Int) {
                            // Squared distances go through memory and are loaded as one vector
                            // after the group (inserting lane by lane into a SIMD8 stalled
                            // every sample on a failed store-to-load forward). The padding and the
                            // coefficients are whole-vector stores, and every sample of the group is
                            // pushed (a zero coefficient moves nothing): loops whose trip count
                            // varies with the group were mispredicted branches (serial 2-D layout
                            // at 20 000 points 4.9 → 3.5 s, 20-D 7.4 → 6.0 s; the same bits).
                            UnsafeMutableRawPointer(squared.baseAddress!).storeBytes(of: SIMD8<Float>(repeating: 1), as: SIMD8<Float>.self)
                            for s in 0..<group {
                                let m = Int(truncatingIfNeeded: ((R.p[j].next() >> 32) &* UInt64(nTail)) >> 32)
                                let o = (tailIsHead && m == j) ? current : readOthers.p + m * dim
                                squared[s] = Self._squaredDistance(current, o, dim)
                                partner[s] = o
                            }
                            let q2 = UnsafeRawPointer(squared.baseAddress!).loadUnaligned(as: SIMD8<Float>.self)
                            // All powers of the group in one vector evaluation.
                            let c = (2 * gamma * b) / ((0.001 + q2) * (a * Self._power(q2, b) + 1))
                            UnsafeMutableRawPointer(coefficient.baseAddress!).storeBytes(
                                of: c.replacing(with: 0, where: .!(q2 .> 0)), as: SIMD8<Float>.self)
                        }
                        var remaining = nNeg, group = min(remaining, 8)
                        if group > 0 { score(group) }
                        let d2 = Self._squaredDistance(current, other, dim)
                        var g: Float = 0
                        if d2 > 0 {
                            let pb = Self._power(d2, b)
                            g = (-2 * a * b * pb / d2) / (a * pb + 1)
                        }
                        if moveOther {
                            Self._pull(current, H.p + t * dim, g, alpha, dim)
                        } else {
                            Self._push(current, other, g, alpha * doubleAttraction, dim)
                        }
                        while group > 0 {
                            for s in 0..<group {
                                Self._push(current, partner[s], coefficient[s], alpha, dim)
                            }
                            remaining -= group
                            group = min(remaining, 8)
                            if group > 0 { score(group) }
                        }
                        if nNeg > 0 { NN.p[e] += Double(nNeg) * EN.p[e] }
                    }
                }
              }}}
            }

            // The 2-D sweep of the parallel schedule and of transform, eight head vertices at a time
            // in the lanes of SIMD8 vectors. A head vertex there only reads fixed positions (the
            // snapshot or the reference) besides its own, so the vertices are independent: each lane
            // walks one vertex's due edges with that vertex's random stream and performs, lane for
            // lane, the float operations of `sweep` in the same order (the same bits), while the
            // eight dependency chains overlap instead of one waiting on its own latency.
            //
            // First the rows' due edges of the epoch are listed with their negative counts (one
            // sequential pass over the sampling state, which depends on the sampling periods only);
            // then the lanes walk those lists, the eight random streams stepped as one vector
            // (a lane with fewer negatives keeps its state and pushes with a zero coefficient).
            func sweepLanes(_ rows: Range<Int>, epoch: Int, alpha: Float) {
                typealias V = SIMD8<Float>
                typealias U = SIMD8<UInt64>
                let O = readOthers.p, h = H.p, O64 = UnsafeRawPointer(readOthers.p)
                let attractionScale = (-2 * a) * b, repulsionScale = (2 * gamma) * b
                let step = alpha * doubleAttraction
                // The due edges of `rows`: partner and negative count, row j's ending at dueEnd[j],
                // listed for `listedEpochs` epochs at a time (one pass over the sampling state, which
                // does not depend on positions, for every four epochs).
                let slice = epoch % listedEpochs, stride = graph.edgeCount + 1
                if slice == 0 {
                    let epochs = min(listedEpochs, nEpochs - epoch)
                    withUnsafeTemporaryAllocation(of: Int.self, capacity: listedEpochs) { cursor in
                        for g in 0..<epochs { cursor[g] = g * stride + RS.p[rows.lowerBound] }
                        for j in rows {
                            // epoch by epoch within the row (the row's edges are independent: the
                            // divisions of one epoch overlap instead of chaining through one edge)
                            for g in 0..<epochs {
                                let fe = Double(epoch + g)
                                // Eight edges at a time: the due test and the division by the
                                // negative-sampling period run as vectors (the IEEE operations of
                                // `sweep`, so the same bits), only due edges of the row are listed.
                                typealias D = SIMD8<Double>
                                let feV = D(repeating: fe), end = RS.p[j + 1]
                                var first = RS.p[j]
                                while first < end {
                                    let ns: D = Self._load(NS.p + first)
                                    // (lanes past the row's end belong to the next row, maybe
                                    // another thread's: they are neither listed nor written)
                                    let inRow = D(0, 1, 2, 3, 4, 5, 6, 7) .< D(repeating: Double(end - first))
                                    var lanes = Self._bits(.!(ns .> feV) .& inRow)
                                    if lanes != 0 {
                                        let nn: D = Self._load(NN.p + first), period: D = Self._load(EN.p + first)
                                        let sampled = ns + Self._load(E.p + first)
                                        let count = ((feV - nn) / period).rounded(.towardZero)
                                        let negated = nn + count * period
                                        while lanes != 0 {
                                            let l = lanes.trailingZeroBitCount, e = first + l
                                            lanes &= lanes - 1
                                            NS.p[e] = sampled[l]
                                            if count[l] > 0 { NN.p[e] = negated[l] }
                                            DT.p[cursor[g]] = C.p[e]
                                            DC.p[cursor[g]] = count[l] > 0 ? Int32(count[l]) : 0
                                            cursor[g] += 1
                                        }
                                    }
                                    first += 8
                                }
                            }
                            for g in 0..<epochs { DE.p[g * nHead + j] = cursor[g] - g * stride }
                        }
                    }
                }
                let dueTarget = DT.p + slice * stride, dueCount = DC.p + slice * stride, dueEnd = DE.p + slice * nHead
                let firstDue = RS.p[rows.lowerBound]
                // An idle lane reads the spare entry past the due lists: partner 0, no negatives.
                let idleEntry = graph.edgeCount
                withUnsafeTemporaryAllocation(of: Int.self, capacity: 24) { ints in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 16 + 3 * 64) { floats in
                withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 32) { words in
                    let vertex = ints.baseAddress!, cursor = vertex + 8, end = vertex + 16
                    let lx = floats.baseAddress!, ly = lx + 8
                    let px = lx + 16, py = px + 64, coefficient = py + 64
                    // the lanes' random states (word k of lane l at 8k + l)
                    let state = words.baseAddress!
                    @inline(__always) func load(_ p: UnsafeMutablePointer<Float>) -> V { Self._load(p) }
                    @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { Self._store(v, p) }
                    @inline(__always) func load(_ p: UnsafeMutablePointer<UInt64>) -> U { Self._load(p) }
                    @inline(__always) func store(_ v: U, _ p: UnsafeMutablePointer<UInt64>) { Self._store(v, p) }
                    var next = rows.lowerBound
                    // Writes lane l's vertex back and gives it the next vertex with due edges
                    // (vertex −1 = lane idle).
                    func take(_ l: Int) {
                        if vertex[l] >= 0 {
                            let j = vertex[l]
                            h[2 * j] = lx[l]; h[2 * j + 1] = ly[l]
                            R.p[j]._state = SIMD4(state[l], state[8 + l], state[16 + l], state[24 + l])
                        }
                        while next < rows.upperBound {
                            let j = next
                            next += 1
                            let start = j == rows.lowerBound ? firstDue : dueEnd[j - 1]
                            if start == dueEnd[j] { continue }
                            vertex[l] = j; cursor[l] = start; end[l] = dueEnd[j]
                            lx[l] = h[2 * j]; ly[l] = h[2 * j + 1]
                            let s = R.p[j]._state
                            state[l] = s[0]; state[8 + l] = s[1]; state[16 + l] = s[2]; state[24 + l] = s[3]
                            return
                        }
                        vertex[l] = -1; cursor[l] = idleEntry; end[l] = idleEntry + 1
                    }
                    for l in 0..<8 { vertex[l] = -1; take(l) }
                    let tailCount = U(repeating: UInt64(nTail))
                    while vertex[0] >= 0 || vertex[1] >= 0 || vertex[2] >= 0 || vertex[3] >= 0
                            || vertex[4] >= 0 || vertex[5] >= 0 || vertex[6] >= 0 || vertex[7] >= 0 {
                        var cx = load(lx), cy = load(ly)
                        var s0 = load(state), s1 = load(state + 8), s2 = load(state + 16), s3 = load(state + 24)
                        let me = unsafeBitCast(Self._load(vertex) as SIMD8<Int>, to: U.self)  // idle: all ones
                        // each lane's due edge: its partner and its negatives (idle lanes see
                        // themselves: no move)
                        var ox = V(), oy = V()
                        var counts = SIMD8<Int64>()
                        var most = 0
                        for l in 0..<8 {
                            let entry = cursor[l]
                            let t = Int(dueTarget[entry])
                            ox[l] = vertex[l] >= 0 ? O[2 * t] : lx[l]
                            oy[l] = vertex[l] >= 0 ? O[2 * t + 1] : ly[l]
                            let count = Int(dueCount[entry])
                            counts[l] = Int64(count)
                            most = max(most, count)
                        }
                        // Draws negatives done..<done+size of each lane (as many as it has) and
                        // scores them against the lanes' positions (cx, cy). Lane masks are made by
                        // integer arithmetic: comparisons of integer vectors compile to lane loops.
                        @inline(__always) func score(_ done: Int, _ size: Int, _ cx: V, _ cy: V, _ s0: inout U, _ s1: inout U,
                                                     _ s2: inout U, _ s3: inout U) {
                            for s in 0..<size {
                                // all ones in the lanes that have no draw left
                                let spent = unsafeBitCast((counts &- SIMD8<Int64>(repeating: Int64(done + s + 1))) &>> 63, to: U.self)
                                let (o0, o1, o2, o3) = (s0, s1, s2, s3)
                                let r = SeededGenerator._next(&s0, &s1, &s2, &s3)
                                s0 = (o0 & spent) | (s0 & ~spent)
                                s1 = (o1 & spent) | (s1 & ~spent)
                                s2 = (o2 & spent) | (s2 & ~spent)
                                s3 = (o3 & spent) | (s3 & ~spent)
                                let m = ((r &>> 32) &* tailCount) &>> 32
                                // each drawn point's (x, y) as one 64-bit load, then split
                                var xy = U()
                                for l in 0..<8 { xy[l] = O64.load(fromByteOffset: 8 * Int(truncatingIfNeeded: m[l]), as: UInt64.self) }
                                let gx = unsafeBitCast(SIMD8<UInt32>(truncatingIfNeeded: xy), to: V.self)
                                let gy = unsafeBitCast(SIMD8<UInt32>(truncatingIfNeeded: xy &>> 32), to: V.self)
                                // a lane without a draw, or that drew itself, pushes against itself: no move
                                var own = spent
                                if tailIsHead {
                                    let d = m ^ me
                                    own |= ((d | (U() &- d)) &>> 63) &- 1
                                }
                                let own32 = SIMD8<UInt32>(truncatingIfNeeded: own)
                                @inline(__always) func pick(_ g: V, _ c: V) -> V {
                                    let gb = unsafeBitCast(g, to: SIMD8<UInt32>.self), cb = unsafeBitCast(c, to: SIMD8<UInt32>.self)
                                    return unsafeBitCast((gb & ~own32) | (cb & own32), to: V.self)
                                }
                                store(pick(gx, cx), px + 8 * s); store(pick(gy, cy), py + 8 * s)
                            }
                            // Scored in a second loop: the draws and their loads above are short
                            // chains that overlap across negatives, and the long power chains below
                            // no longer wait behind the loads.
                            for s in 0..<size {
                                let u = cx - load(px + 8 * s), v = cy - load(py + 8 * s)
                                let q2 = u * u + v * v
                                let apart = q2 .> 0
                                let safe = q2.replacing(with: 1, where: .!apart)
                                let c = repulsionScale / ((0.001 + safe) * (a * Self._power(safe, b) + 1))
                                store(c.replacing(with: 0, where: .!apart), coefficient + 8 * s)
                            }
                        }
                        // in groups of up to 8 per lane, scored against the lane's position at the
                        // start of its group (the first before the attraction), pushed in order (as `sweep`)
                        var done = 0, size = min(most, 8)
                        if size > 0 { score(0, size, cx, cy, &s0, &s1, &s2, &s3) }
                        // attraction along each lane's due edge
                        let x = cx - ox, y = cy - oy
                        let d2 = x * x + y * y
                        let apart = d2 .> 0
                        let safe = d2.replacing(with: 1, where: .!apart)
                        let pb = Self._power(safe, b)
                        let g = ((attractionScale * pb / safe) / (a * pb + 1)).replacing(with: 0, where: .!apart)
                        cx = cx + Self._clip(g * x) * step
                        cy = cy + Self._clip(g * y) * step
                        while size > 0 {
                            for s in 0..<size {
                                let c = load(coefficient + 8 * s)
                                let push = c .> 0
                                let nx = cx + Self._clip(c * (cx - load(px + 8 * s))) * alpha
                                let ny = cy + Self._clip(c * (cy - load(py + 8 * s))) * alpha
                                cx = cx.replacing(with: nx, where: push)
                                cy = cy.replacing(with: ny, where: push)
                            }
                            done += size
                            size = min(most - done, 8)
                            if size > 0 { score(done, size, cx, cy, &s0, &s1, &s2, &s3) }
                        }
                        store(cx, lx); store(cy, ly)
                        store(s0, state); store(s1, state + 8); store(s2, state + 16); store(s3, state + 24)
                        for l in 0..<8 {
                            cursor[l] += 1
                            if cursor[l] == end[l] { take(l) }
                        }
                    }
                }}}
            }

            // Epoch e of head vertices `rows`, at umap-learn's step: α₀ for epoch 0, then
            // α₀(1 − (e − 1)/nEpochs). Vertex lanes only where vertices are independent (not serial).
            func sweepEpoch(_ rows: Range<Int>, _ e: Int) {
                let alpha = e == 0 ? lr : lr * (1 - Float(e - 1) / Float(nEpochs))
                if lanes && !serial { sweepLanes(rows, epoch: e, alpha: alpha) } else { sweep(rows, epoch: e, alpha: alpha) }
            }
            func report(_ e: Int) {
                progress?(ProgressUpdate(stage: "UMAP layout", completed: e + 1, total: nEpochs, unit: "epochs"))
            }
            let pieces = min(nHead / 64, 8 * Threads.count)
            if !tailIsHead && !serial {
                // Transform: a new point reads only the fixed reference, so each piece's points
                // go through all the epochs in one parallel region (a point's operations and
                // their order are those of the epoch-by-epoch loop: the same bits), instead of
                // waiting for the slowest thread at every epoch.
                Parallel.forPieces(nHead, pieces: pieces) { _, rows in
                    for e in 0..<nEpochs {
                        sweepEpoch(rows, e)
                        if rows.lowerBound == 0 { report(e) }
                    }
                }
                return
            }
            for e in 0..<nEpochs {
                if serial {
                    sweepEpoch(0..<nHead, e)
                } else {
                    if tailIsHead { S.p.update(from: H.p, count: nHead * dim) }
                    // Eight fixed pieces per thread (a stalled thread holds up the epoch by
                    // about one piece; the result does not depend on who runs which).
                    Parallel.forPieces(nHead, pieces: pieces) { sweepEpoch($1, e) }
                }
                report(e)
            }
        }}}}}}}}}}
    }

    /// `x^y` for x > 0 to ~1e-6 relative accuracy, without libm calls (the SGD's hot path:
    /// one per positive and per negative sample): log₂ from the float's exponent and an atanh
    /// series of the mantissa, 2^f by a degree-6 series around ½.
    @inline(__always)
    static func _power(_ x: Float, _ y: Float) -> Float {
        if !(x >= 1e-30 && x <= 1e30) { return Foundation.pow(x, y) }
        let bits = x.bitPattern
        let exponent = Float(Int32(bitPattern: (bits >> 23) & 0xFF) - 127)
        let m = Float(bitPattern: (bits & 0x7F_FFFF) | 0x3F80_0000)  // [1, 2)
        let t = (m - 1) / (m + 1), t2 = t * t                       // t ∈ [0, 1/3)
        let log2m = t * (2.885_390_08 + t2 * (0.961_796_69 + t2 * (0.577_078_02 + t2 * (0.412_198_58 + t2 * 0.320_598_9))))
        let z = y * (exponent + log2m)
        if !(z > -120 && z < 120) { return Foundation.pow(x, y) }
        let truncated = Float(Int32(z))
        let whole = truncated > z ? truncated - 1 : truncated      // ⌊z⌋ without a libm call
        let u = (z - whole - 0.5) * 0.693_147_18                   // |u| ≤ 0.347
        let series = 1 + u * (1 + u * (0.5 + u * (0.166_666_67 + u * (0.041_666_668 + u * (0.008_333_334 + u * 0.001_388_889)))))
        let scale = Float(bitPattern: UInt32(Int32(whole) + 127) << 23)
        return series * 1.414_213_56 * scale
    }

    /// ``_power(_:_:)`` of eight values at once, lane for lane the same operations (so the same
    /// results); lanes outside its fast range fall back to the scalar function.
    @inline(__always)
    static func _power(_ x: SIMD8<Float>, _ y: Float) -> SIMD8<Float> {
        typealias V = SIMD8<Float>
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
        // Integer ↔ float conversions by the 2^23 bit trick (generic SIMD conversions are slow).
        let exponent: V = (unsafeBitCast(((bits &>> 23) & 0xFF) | 0x4B00_0000, to: V.self) - 8_388_608) - 127
        let m = unsafeBitCast((bits & 0x7F_FFFF) | 0x3F80_0000, to: V.self)
        let t: V = (m - 1) / (m + 1)
        let t2: V = t * t
        var poly: V = V(repeating: 0.412_198_58) + t2 * 0.320_598_9
        poly = V(repeating: 0.577_078_02) + t2 * poly
        poly = V(repeating: 0.961_796_69) + t2 * poly
        poly = V(repeating: 2.885_390_08) + t2 * poly
        let log2m: V = t * poly
        let z: V = y * (exponent + log2m)
        let lower: V = V(repeating: 1e-30), upper: V = V(repeating: 1e30)
        let zLow: V = V(repeating: -120), zHigh: V = V(repeating: 120)
        let inRange = (x .>= lower) .& (x .<= upper) .& (z .> zLow) .& (z .< zHigh)
        if !all(inRange) {
            var out = V()
            for i in 0..<8 { out[i] = _power(x[i], y) }
            return out
        }
        let nearest: V = (z + 12_582_912) - 12_582_912                // z rounded to an integer
        let whole: V = nearest.replacing(with: nearest - 1, where: nearest .> z)  // ⌊z⌋
        let u: V = (z - whole - 0.5) * 0.693_147_18
        var series: V = V(repeating: 0.008_333_334) + u * 0.001_388_889
        series = V(repeating: 0.041_666_668) + u * series
        series = V(repeating: 0.166_666_67) + u * series
        series = V(repeating: 0.5) + u * series
        series = V(repeating: 1) + u * series
        series = V(repeating: 1) + u * series
        let wholeInt = unsafeBitCast(whole + 12_582_912, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((wholeInt &+ 127) &<< 23, to: V.self)
        return series * 1.414_213_56 * scale
    }

    /// ‖a − b‖², four lanes at a time (short dependency chains for 20-D maps).
    @inline(__always)
    static func _squaredDistance(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ dim: Int) -> Float {
        if dim == 2 {
            let x = a[0] - b[0], y = a[1] - b[1]
            return x * x + y * y
        }
        var acc = SIMD4<Float>()
        var d = 0
        while d + 4 <= dim {
            let z: SIMD4<Float> = _load(a + d) - _load(b + d)
            acc += z * z
            d += 4
        }
        var tail: Float = 0
        while d < dim { let z = a[d] - b[d]; tail += z * z; d += 1 }
        return (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
    }

    /// `a += clip(g · (a − b), ±4) · step` per coordinate (one gradient step of `a` toward or away from `b`).
    @inline(__always)
    static func _push(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ g: Float, _ step: Float, _ dim: Int) {
        var d = 0
        while d + 4 <= dim {
            let x: SIMD4<Float> = _load(a + d)
            let v = g * (x - _load(b + d))
            _store(x + _clip(v) * step, a + d)
            d += 4
        }
        while d < dim {
            let v = g * (a[d] - b[d])
            a[d] += (v > 4 ? 4 : (v < -4 ? -4 : v)) * step
            d += 1
        }
    }

    // Vector loads and stores at any alignment, written lane by lane (LLVM merges them into one
    // vector access): the generic `loadUnaligned(as:)` became an out-of-line call in this file's
    // largest loops once other code of the module specialised it too (20-D layout 3.1 → 5.3 s).
    @inline(__always) static func _load<V: SIMD>(_ p: UnsafeMutablePointer<V.Scalar>) -> V {
        var v = V()
        for i in 0..<V.scalarCount { v[i] = p[i] }
        return v
    }
    @inline(__always) static func _store<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<V.Scalar>) {
        for i in 0..<V.scalarCount { p[i] = v[i] }
    }

    /// The lanes of an eight-lane mask as the bits of an integer (lane l → bit l).
    @inline(__always) static func _bits(_ mask: SIMDMask<SIMD8<Int64>>) -> Int {
        Int((unsafeBitCast(mask, to: SIMD8<Int64>.self) & SIMD8<Int64>(1, 2, 4, 8, 16, 32, 64, 128)).wrappedSum())
    }

    /// Each lane of `v` clipped to ±4 (as the scalar `v > 4 ? 4 : (v < -4 ? -4 : v)`).
    @inline(__always)
    static func _clip(_ v: SIMD4<Float>) -> SIMD4<Float> {
        let four = SIMD4<Float>(repeating: 4), minusFour = SIMD4<Float>(repeating: -4)
        return v.replacing(with: minusFour, where: v .< minusFour).replacing(with: four, where: v .> four)
    }

    /// Each lane of `v` clipped to ±4 (as the scalar `v > 4 ? 4 : (v < -4 ? -4 : v)`).
    @inline(__always)
    static func _clip(_ v: SIMD8<Float>) -> SIMD8<Float> {
        let four = SIMD8<Float>(repeating: 4), minusFour = SIMD8<Float>(repeating: -4)
        return v.replacing(with: minusFour, where: v .< minusFour).replacing(with: four, where: v .> four)
    }

    /// The attractive step of umap-learn with `move_other`: `a` moves by s, `b` by −s.
    @inline(__always)
    static func _pull(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ g: Float, _ step: Float, _ dim: Int) {
        var d = 0
        while d + 4 <= dim {
            let x: SIMD4<Float> = _load(a + d), y: SIMD4<Float> = _load(b + d)
            let s = _clip(g * (x - y)) * step
            _store(x + s, a + d)
            _store(y - s, b + d)
            d += 4
        }
        while d < dim {
            let v = g * (a[d] - b[d])
            let s = (v > 4 ? 4 : (v < -4 ? -4 : v)) * step
            a[d] += s
            b[d] -= s
            d += 1
        }
    }
}
