import VolcanoCore

/// The result of ``Tape/batchNorm1d(_:weight:bias:runningMean:runningVariance:training:momentum:eps:)``.
public struct BatchNormOutput: Sendable {
    /// The normalised (and affinely transformed) input, same shape as the input.
    public let output: Variable
    /// The running buffers passed in.
    let previous: (mean: Tensor, variance: Tensor)
    /// Batch mean and unbiased batch variance (training), or nil (evaluation).
    let batch: (mean: [Float], variance: [Float], momentum: Float)?

    /// Running mean after this call: `(1 − momentum)·old + momentum·batch mean` in training,
    /// unchanged in evaluation.
    public var runningMean: Tensor { runningStatistics(updating: previous.mean, previous.variance).mean }
    /// Running variance after this call, updated with the *unbiased* batch variance in training.
    public var runningVariance: Tensor { runningStatistics(updating: previous.mean, previous.variance).variance }

    /// The running statistics `(mean, variance)` updated with this call's batch from `mean` and
    /// `variance` (unchanged in evaluation): what ``runningMean`` and ``runningVariance`` hold
    /// when the buffers passed in are the current ones. For an update deferred with
    /// ``Tape/sideEffect(_:)``, after the branches that ran before it have updated the buffers.
    public func runningStatistics(updating mean: Tensor, _ variance: Tensor) -> (mean: Tensor, variance: Tensor) {
        guard let batch else { return (mean, variance) }
        var m = mean, v = variance
        for c in 0..<m.count {
            m.scalars[c] = (1 - batch.momentum) * mean.scalars[c] + batch.momentum * batch.mean[c]
            v.scalars[c] = (1 - batch.momentum) * variance.scalars[c] + batch.momentum * batch.variance[c]
        }
        return (m, v)
    }
}

extension Tape {
    /// Batch normalisation over the batch (and length) axes, as `torch.nn.functional.batch_norm`.
    ///
    /// - Parameters:
    ///   - x: `[B, C]` or `[B, C, L]`; statistics are per channel `C`.
    ///   - weight, bias: optional affine `[C]` (γ, β).
    ///   - runningMean, runningVariance: `[C]` buffers (PyTorch starts them at 0 and 1).
    ///   - training: `true` normalises with the batch mean and biased batch variance and
    ///     updates the running statistics; `false` normalises with the running statistics.
    ///   - momentum: weight of the new batch statistics (PyTorch default 0.1).
    ///   - eps: added to the variance (PyTorch default 1e-5).
    public func batchNorm1d(_ x: Variable, weight: Variable?, bias: Variable?,
                            runningMean: Tensor, runningVariance: Tensor, training: Bool,
                            momentum: Float = 0.1, eps: Float = 1e-5) -> BatchNormOutput {
        check(x.shape.count == 2 || x.shape.count == 3, "batchNorm1d: input must be [B, C] or [B, C, L], got \(x.shape)")
        let C = x.shape[1]
        for (name, s) in [("weight", weight?.shape), ("bias", bias?.shape), ("running mean", runningMean.shape),
                          ("running variance", runningVariance.shape)] {
            if let s { check(s == [C], "batchNorm1d: \(name) \(s) does not match input \(x.shape)") }
        }
        let B = x.shape[0], L = x.shape.count == 3 ? x.shape[2] : 1
        let n = B * L
        check(!training || n > 1, "batchNorm1d: training needs more than one value per channel, input \(x.shape)")
        let xv = x.value

        // per-channel statistics in Float64 for accuracy
        var mean = [Float](repeating: 0, count: C), invStd = [Float](repeating: 0, count: C)
        var unbiased = [Float]()
        if training {
            unbiased = [Float](repeating: 0, count: C)
            mean.withUnsafeMutableBufferPointer { meanP in
            invStd.withUnsafeMutableBufferPointer { invP in
            unbiased.withUnsafeMutableBufferPointer { unbP in
            xv.withUnsafeBufferPointer { p in
                Parallel.forRanges(C) { cr in
                    for c in cr {
                        var s = 0.0
                        for b in 0..<B { let base = (b * C + c) * L; for t in 0..<L { s += Double(p[base + t]) } }
                        let m = s / Double(n)
                        var ss = 0.0
                        for b in 0..<B {
                            let base = (b * C + c) * L
                            for t in 0..<L { let d = Double(p[base + t]) - m; ss += d * d }
                        }
                        meanP[c] = Float(m)
                        invP[c] = Float(1 / (ss / Double(n) + Double(eps)).squareRoot())
                        unbP[c] = Float(ss / Double(n - 1))
                    }
                }
            }
            }
            }
            }
        } else {
            for c in 0..<C {
                mean[c] = runningMean.scalars[c]
                invStd[c] = 1 / (runningVariance.scalars[c] + eps).squareRoot()
            }
        }
        let gamma = weight?.value.scalars ?? [Float](repeating: 1, count: C)
        let beta = bias?.value.scalars ?? [Float](repeating: 0, count: C)

        // y = (x − μ_c)·invstd_c·γ_c + β_c
        let y = Tensor(shape: x.shape) { yo in
            xv.withUnsafeBufferPointer { p in
                Parallel.forRanges(B * C, minChunk: 8) { rr in
                    for r in rr {
                        let c = r % C, a = invStd[c] * gamma[c], sh = beta[c] - mean[c] * a
                        for t in 0..<L { yo[r * L + t] = p[r * L + t] * a + sh }
                    }
                }
            }
        }
        let needX = x.requiresGradient, needW = weight?.requiresGradient ?? false, needB = bias?.requiresGradient ?? false
        var inputs = [x]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        let hasW = weight != nil, hasB = bias != nil
        let out = record(y, inputs) { g in
            // per channel: Σg and Σ g·x̂ with x̂ = (x − μ)·invstd
            var sumG = [Double](repeating: 0, count: C), sumGX = [Double](repeating: 0, count: C)
            sumG.withUnsafeMutableBufferPointer { sumGP in
            sumGX.withUnsafeMutableBufferPointer { sumGXP in
            g.withUnsafeBufferPointer { pg in
                xv.withUnsafeBufferPointer { p in
                    Parallel.forRanges(C) { cr in
                        for c in cr {
                            var s = 0.0, sx = 0.0
                            for b in 0..<B {
                                let base = (b * C + c) * L
                                for t in 0..<L {
                                    let gi = Double(pg[base + t])
                                    s += gi
                                    sx += gi * Double((p[base + t] - mean[c]) * invStd[c])
                                }
                            }
                            sumGP[c] = s; sumGXP[c] = sx
                        }
                    }
                }
            }
            }
            }
            var dx: Tensor? = nil
            if needX {
                dx = Tensor(shape: xv.shape) { d in
                    g.withUnsafeBufferPointer { pg in
                        xv.withUnsafeBufferPointer { p in
                            Parallel.forRanges(B * C, minChunk: 8) { rr in
                                for r in rr {
                                    let c = r % C, k = gamma[c] * invStd[c]
                                    if training {
                                        // dx = γ·invstd·(g − Σg/n − x̂·Σ(g·x̂)/n)
                                        let mg = Float(sumG[c] / Double(n)), mgx = Float(sumGX[c] / Double(n))
                                        for t in 0..<L {
                                            let xh = (p[r * L + t] - mean[c]) * invStd[c]
                                            d[r * L + t] = k * (pg[r * L + t] - mg - xh * mgx)
                                        }
                                    } else {
                                        for t in 0..<L { d[r * L + t] = k * pg[r * L + t] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            var grads: [Tensor?] = [dx]
            if hasW { grads.append(needW ? Tensor(sumGX.map { Float($0) }) : nil) }   // dγ = Σ g·x̂
            if hasB { grads.append(needB ? Tensor(sumG.map { Float($0) }) : nil) }    // dβ = Σ g
            return grads
        }
        return BatchNormOutput(output: out, previous: (runningMean, runningVariance),
                               batch: training ? (mean, unbiased, momentum) : nil)
    }
}
