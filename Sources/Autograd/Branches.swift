import VolcanoCore

extension Tape {
    /// Runs `count` independent pieces of a model at the same time, each on a tape of its own,
    /// and joins them back onto this tape: the two augmented views of a contrastive step, or
    /// the two directions of TS-TCC's temporal contrasting.
    ///
    /// - Parameters:
    ///   - count: number of branches.
    ///   - inputs: variables of this tape the branches read; branch `i` receives them as leaves
    ///     of its own tape (same order), and their gradients flow back here.
    ///   - body: `(i, tape, inputs) → outputs` of branch `i`, recorded on `tape` (use nothing of
    ///     this tape inside). Parameters registered with ``leaf(for:value:)`` inside a branch
    ///     (NeuralNet's `Parameter.variable(on:)`) get one leaf here, and the gradients of all
    ///     branches add into it.
    /// - Returns: each branch's outputs as variables of this tape.
    ///
    /// With ``Threads/count`` ≥ 2 the branches run concurrently, each with `count / branches`
    /// threads (one, for two branches on two cores), and so do their backward passes: one
    /// parallel region per step instead of one per operation, and the serial tail of each
    /// branch (a small transformer, the loss's bookkeeping) overlaps with the other's. With one
    /// thread they run one after the other; with two branches the result is then the same bits
    /// for one and for two threads. Side effects (``sideEffect(_:)``) run after the join, in
    /// branch order. Gradients from several branches are added in branch order.
    public func branches(_ count: Int, inputs: [Variable] = [],
                         _ body: (_ branch: Int, _ tape: Tape, _ inputs: [Variable]) -> [Variable]) -> [[Variable]] {
        check(count >= 1, "branches: count must be ≥ 1, got \(count)")
        let me = ObjectIdentifier(self)
        for v in inputs where v.requiresGradient {
            check(v.owner == me, "branches: an input was recorded on another tape")
        }
        let tapes = (0..<count).map { _ in
            let t = Tape(recording: isRecording)
            t.convolutionAlgorithm = convolutionAlgorithm
            t.deferredEffects = []
            return t
        }
        let leafInputs = tapes.map { t in inputs.map { $0.requiresGradient ? t.parameter($0.value) : t.constant($0.value) } }
        var outputs = [[Variable]](repeating: [], count: count)
        outputs.withUnsafeMutableBufferPointer { out in
            let out = UnsafeSendable(out)
            forEachIndependently(count, threadsEach: Threads.count / count) { i in out.value[i] = body(i, tapes[i], leafInputs[i]) }
        }
        for t in tapes { for effect in t.deferredEffects! { sideEffect(effect) } }
        guard isRecording else { return outputs.map { $0.map { constant($0.value) } } }

        // This tape's leaves for the parameters the branches used, in order of first use.
        var owned = [(owner: AnyObject, leaf: Variable)]()
        var seen = Set<ObjectIdentifier>()
        for t in tapes {
            for (owner, v) in t.leafOwners where seen.insert(ObjectIdentifier(owner)).inserted {
                owned.append((owner, leaf(for: owner, value: v.value)))
            }
        }
        // One node holds every output (flattened, branch after branch); each output is a view
        // of it, so that the backward pass of all branches starts once every gradient is in.
        var offsets = [[Int]]()
        var total = 0
        for outs in outputs {
            offsets.append(outs.map { v in defer { total += v.value.count }; return total })
        }
        var packed = [Float]()
        packed.reserveCapacity(total)
        for outs in outputs { for v in outs { packed += v.value.scalars } }
        let joined = record(Tensor(shape: [total], scalars: packed), inputs + owned.map(\.leaf)) { g in
            var grads = [Gradients?](repeating: nil, count: count)
            grads.withUnsafeMutableBufferPointer { gr in
                let gr = UnsafeSendable(gr)
                forEachIndependently(count, threadsEach: Threads.count / count) { i in
                    let seeds = outputs[i].enumerated().map { k, v in
                        (v, Tensor(shape: v.shape, scalars: Array(g.scalars[offsets[i][k] ..< offsets[i][k] + v.value.count])))
                    }
                    gr.value[i] = tapes[i].backward(seeds)
                }
            }
            func sum(_ leafOf: (Int) -> Variable?) -> Tensor? {
                var s: Tensor?
                for i in 0..<count {
                    guard let v = leafOf(i), let gi = grads[i]![v] else { continue }
                    if s == nil { s = gi } else { s! += gi }
                }
                return s
            }
            return inputs.indices.map { j in sum { leafInputs[$0][j] } }
                + owned.map { o in sum { tapes[$0].leaf(of: o.owner) } }
        }
        return outputs.enumerated().map { i, outs in
            outs.enumerated().map { k, v in
                let range = offsets[i][k] ..< offsets[i][k] + v.value.count
                return record(Tensor(shape: v.shape, scalars: Array(packed[range])), [joined]) { g in
                    var d = Tensor.zeros([total])
                    d.scalars.replaceSubrange(range, with: g.scalars)
                    return [d]
                }
            }
        }
    }
}
