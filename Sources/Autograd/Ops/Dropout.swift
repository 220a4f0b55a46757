import VolcanoCore

extension Tape {
    /// Inverted dropout (as `torch.nn.functional.dropout`): in training each element is
    /// zeroed with probability `p` and the survivors are scaled by `1/(1−p)`; otherwise
    /// (or when `p == 0`) the input passes unchanged and no random numbers are drawn.
    ///
    /// - Parameters:
    ///   - p: drop probability in `[0, 1)`; the paper uses 0.1 (encoder) and 0.35 (TS-TCC).
    ///   - training: apply the mask (model in training mode).
    ///   - generator: the seeded source of the mask (one 64-bit draw per call seeds one
    ///     stream per block of 65,536 elements, so the mask does not depend on the thread count;
    ///     each 64-bit draw of a stream decides two elements, 24 bits each).
    /// Backward multiplies the gradient by the same scaled mask.
    public func dropout(_ x: Variable, p: Float, training: Bool,
                        using generator: inout SeededGenerator) -> Variable {
        check(p >= 0 && p < 1, "dropout: p must be in [0, 1), got \(p)")
        guard training, p > 0 else { return x }
        let scale = 1 / (1 - p)
        // one draw from `generator` seeds independent streams for fixed blocks of 65,536
        // elements: the mask is the same for every thread count
        let seed = generator.next()
        let block = 1 << 16
        // mask and output in one pass
        var y = Tensor.zeros([0])
        let mask = Tensor(shape: x.shape) { m in
            y = Tensor(shape: x.shape) { out in
                x.value.withUnsafeBufferPointer { px in
                    guard let pm = m.baseAddress, let py = out.baseAddress, let px = px.baseAddress else { return }
                    let n = m.count
                    // an element is dropped when a 24-bit uniform integer falls below p·2²⁴: the
                    // same test as a 24-bit float draw < p; each 64-bit draw serves two elements
                    let threshold = UInt64((Double(p) * 0x1p24).rounded(.up))
                    Parallel.forEach((n + block - 1) / block) { blk in
                        var g = SeededGenerator(seed: seed, stream: UInt64(blk))
                        var i = blk * block
                        let end = Swift.min(n, (blk + 1) * block)
                        while i < end {
                            let r = g.next()
                            let k0: Float = r >> 40 < threshold ? 0 : scale
                            pm[i] = k0
                            py[i] = px[i] * k0
                            if i + 1 < end {
                                let k1: Float = (r >> 8) & 0xFF_FFFF < threshold ? 0 : scale
                                pm[i + 1] = k1
                                py[i + 1] = px[i + 1] * k1
                            }
                            i += 2
                        }
                    }
                }
            }
        }
        return record(y, [x]) { g in [g * mask] }
    }
}
