import Autograd
import VolcanoCore

/// Embedding extraction: the trained encoder in inference mode (no dropout, running batch
/// statistics, nothing recorded), batched, each event scaled by its maximum absolute value
/// first (as in training).
public enum Embedding {
    /// Events per independent piece of a batch (see ``compute(encoder:waveforms:count:batchSize:normalize:progress:)``):
    /// 32 to 128, a multiple of 32, about 32 768 input samples (128 Etna events, 32 Llaima events;
    /// measured best for both). It depends only on the encoder, so the embeddings do not depend on
    /// the thread count.
    static func pieceSize(_ config: EncoderConfig) -> Int {
        Swift.max(32, Swift.min(128, (1 << 15) / Swift.max(1, config.inputChannels * config.length) / 32 * 32))
    }

    /// Embeddings `[count, C·T]` (flattened channel-major features) of `count` events
    /// (`[count, C_in, L]` in `waveforms`), `batchSize` events at a time (256 is a good size; it
    /// sets how often progress is reported). Each batch is cut into pieces (``pieceSize(_:)``)
    /// that the threads take one at a time, each piece copied, scaled and put through the whole
    /// encoder on one thread (``forEachIndependently(_:_:)``): the result is the same bits for
    /// every thread count and batch size.
    public static func compute(encoder: ConvEncoder, waveforms: [Float], count: Int, batchSize: Int = 256,
                               normalize: Bool = true, progress: ProgressHandler? = nil) -> [Float] {
        let cfg = encoder.config
        let per = cfg.inputChannels * cfg.length
        precondition(waveforms.count == count * per,
                     "Embedding.compute: \(waveforms.count) values for \(count) × \(cfg.inputChannels) × \(cfg.length)")
        let d = cfg.featureSize
        var out = [Float](repeating: 0, count: count * d)
        let wasTraining = encoder.isTraining
        encoder.eval()
        defer { encoder.train(wasTraining) }
        var start = 0
        // whole pieces per batch, so that the pieces do not depend on the batch size
        let pieceSize = pieceSize(cfg)
        let batch = max(pieceSize, batchSize / pieceSize * pieceSize)
        out.withUnsafeMutableBufferPointer { ob in
            let dst = UnsafeSendablePointer(ob.baseAddress!)
            while start < count {
                let n = min(batch, count - start)
                let pieces = (n + pieceSize - 1) / pieceSize
                // each piece copied and scaled on its own thread (nothing serial between batches)
                forEachIndependently(pieces) { p in
                    let p0 = start + p * pieceSize, m = min(pieceSize, start + n - p0)
                    var x = Array(waveforms[(p0 * per)..<((p0 + m) * per)])
                    if normalize { normalizeByMaxAbs(&x, count: m, size: per) }
                    let tape = Tape.inference()
                    var g = SeededGenerator(seed: 0)   // inference draws nothing
                    let f = encoder.features(tape.constant(Tensor(shape: [m, cfg.inputChannels, cfg.length], scalars: x)),
                                             on: tape, generator: &g)
                    f.value.withUnsafeBufferPointer { fb in
                        (dst.p + p0 * d).update(from: fb.baseAddress!, count: m * d)
                    }
                }
                start += n
                progress?(ProgressUpdate(stage: "embedding", completed: start, total: count, unit: "events"))
            }
        }
        return out
    }
}
