import VolcanoCore

/// Which pair of augmentations makes the two views of an event.
public enum ViewAugmentations: Sendable, Equatable, Codable {
    /// The volcano paper (Carthy et al.): weak = jitter(σ), strong = window warp (10 %, ×2 or
    /// ×0.5) then jitter(σ). Default σ 0.05 on max-abs-normalised events.
    case paper(jitterSigma: Float = 0.05, windowRatio: Double = 0.1)
    /// The original TS-TCC: weak = scaling (×N(2, scaleSigma²) per step), strong = permutation
    /// (up to `maxSegments − 1` segments) then jitter(jitterSigma).
    case tstcc(scaleSigma: Float = 1.1, jitterSigma: Float = 0.8, maxSegments: Int = 8)

    /// The weak augmentation.
    public var weak: any Augmentation {
        switch self {
        case .paper(let sigma, _): return Jitter(sigma: sigma)
        case .tstcc(let scaleSigma, _, _): return Scaling(mean: 2, sigma: scaleSigma)
        }
    }

    /// The strong augmentation.
    public var strong: any Augmentation {
        switch self {
        case .paper(let sigma, let ratio):
            return AugmentationChain([WindowWarp(windowRatio: ratio), Jitter(sigma: sigma)])
        case .tstcc(_, let jitterSigma, let maxSegments):
            return AugmentationChain([Permutation(maxSegments: maxSegments), Jitter(sigma: jitterSigma)])
        }
    }
}

/// When the augmented views are drawn.
///
/// The default is ``fixedOnce``: TS-TCC's code (which the volcano paper follows) computes both
/// views once when the dataset is loaded and reuses them every epoch; keeping that default
/// reproduces the paper's training signal and makes an epoch's views independent of how many
/// epochs ran before (so a resumed run sees exactly the views of an uninterrupted one) at no
/// augmentation cost per epoch. ``perEpoch`` re-draws them every epoch (more augmentation
/// diversity, as in image SimCLR); it is also reproducible, because epoch `e` uses its own streams.
public enum ViewSchedule: String, Sendable, Codable, CaseIterable {
    case fixedOnce = "fixed"
    case perEpoch = "per-epoch"
}

/// Makes the two augmented views of every event of a batch or dataset.
public struct ViewGenerator: Sendable {
    public var augmentations: ViewAugmentations
    public var seed: UInt64

    public init(augmentations: ViewAugmentations, seed: UInt64) {
        self.augmentations = augmentations
        self.seed = seed
    }

    /// Views of `count` events stored `[count, channels, length]` in `waveforms`.
    ///
    /// Event `i` of `round` (0 for fixed views, the epoch for per-epoch views) always uses the
    /// generator stream derived from (`seed`, `round`, `firstIndex + i`), so the views are the
    /// same for any thread count and any batch split. Returns `(weak, strong)`, each shaped like
    /// `waveforms`.
    public func views(of waveforms: UnsafeBufferPointer<Float>, count: Int, channels: Int, length: Int,
                      round: Int = 0, firstIndex: Int = 0) -> (weak: [Float], strong: [Float]) {
        let per = channels * length
        precondition(waveforms.count >= count * per,
                     "ViewGenerator.views: \(waveforms.count) values for \(count) × \(channels) × \(length)")
        var weak = Array(waveforms[0..<(count * per)])
        var strong = weak
        let weakAug = augmentations.weak, strongAug = augmentations.strong
        let seed = self.seed
        weak.withUnsafeMutableBufferPointer { wb in
            strong.withUnsafeMutableBufferPointer { sb in
                let wp = UnsafeSendablePointer(wb.baseAddress!), sp = UnsafeSendablePointer(sb.baseAddress!)
                Parallel.forEach(count, minChunk: 8) { i in
                    let stream = UInt64(round) &* 0x1_0000_0000 &+ UInt64(firstIndex + i)
                    var rngW = SeededGenerator(seed: seed &+ 0x5EED_0001, stream: stream)
                    var rngS = SeededGenerator(seed: seed &+ 0x5EED_0002, stream: stream)
                    weakAug.apply(to: UnsafeMutableBufferPointer(start: wp.p + i * per, count: per),
                                  channels: channels, length: length, using: &rngW)
                    strongAug.apply(to: UnsafeMutableBufferPointer(start: sp.p + i * per, count: per),
                                    channels: channels, length: length, using: &rngS)
                }
            }
        }
        return (weak, strong)
    }
}

