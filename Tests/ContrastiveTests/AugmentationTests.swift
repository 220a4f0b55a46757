import Foundation
import Testing
import TestSupport
import VolcanoCore
@testable import Contrastive

struct WarpCase: Decodable {
    var length: Int, window: Int, start: Int, scale: Double
    var x: [Double], y: [Double]
}

@Suite struct AugmentationTests {
    @Test func windowWarpMatchesNumpyFormulation() throws {
        let data = try Data(contentsOf: Fixtures.url("contrastive/window_warp.json"))
        let cases = try JSONDecoder().decode([WarpCase].self, from: data)
        for c in cases {
            var x = c.x.map(Float.init)
            x.withUnsafeMutableBufferPointer {
                _warp($0.baseAddress!, channels: 1, length: c.length, window: c.window, start: c.start, scale: c.scale)
            }
            #expect(maxAbsoluteError(x, c.y) < 1e-5, "L \(c.length) start \(c.start) scale \(c.scale)")
        }
    }

    @Test func jitterHasTheRequestedSpread() {
        var rng = SeededGenerator(seed: 3)
        let y = Jitter(sigma: 0.5).applied(to: [Float](repeating: 1, count: 20_000), channels: 1, length: 20_000, using: &rng)
        let mean = y.reduce(0, +) / Float(y.count)
        let sd = (y.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(y.count)).squareRoot()
        #expect(abs(mean - 1) < 0.02)
        #expect(abs(sd - 0.5) < 0.02)
    }

    @Test func scalingSharesOneFactorPerStepAcrossChannels() {
        var rng = SeededGenerator(seed: 4)
        let x: [Float] = [1, 2, 3, 4, 10, 20, 30, 40]
        let y = Scaling(mean: 2, sigma: 0.1).applied(to: x, channels: 2, length: 4, using: &rng)
        for l in 0..<4 {
            #expect(abs(y[l] / x[l] - y[4 + l] / x[4 + l]) < 1e-5)
            #expect(abs(y[l] / x[l] - 2) < 0.6)
        }
    }

    @Test func permutationKeepsTheValues() {
        var rng = SeededGenerator(seed: 5)
        let x = (0..<100).map(Float.init)
        var changed = 0
        for _ in 0..<20 {
            let y = Permutation(maxSegments: 5).applied(to: x, channels: 1, length: 100, using: &rng)
            #expect(y.sorted() == x)
            if y != x { changed += 1 }
        }
        #expect(changed > 5)
    }

    @Test func viewsAreIndependentOfThreadCountAndBatchSplit() {
        let n = 10, L = 200
        let x = (0..<(n * L)).map { Float(sin(Double($0) * 0.05)) }
        let gen = ViewGenerator(augmentations: .paper(), seed: 9)
        let one = Threads.withCount(1) { x.withUnsafeBufferPointer { gen.views(of: $0, count: n, channels: 1, length: L) } }
        let two = Threads.withCount(2) { x.withUnsafeBufferPointer { gen.views(of: $0, count: n, channels: 1, length: L) } }
        let tail = Threads.withCount(2) {
            x.withUnsafeBufferPointer {
                gen.views(of: UnsafeBufferPointer(rebasing: $0[(4 * L)...]), count: 6, channels: 1, length: L, firstIndex: 4)
            }
        }
        #expect(one.weak == two.weak && one.strong == two.strong)
        #expect(Array(one.strong[(4 * L)...]) == tail.strong)
        #expect(one.weak != x && one.strong != one.weak)
    }

    @Test func presetsHaveThePapersShapes() {
        #expect(Preset.llaima.encoder.lengths == [3000, 750, 187, 46, 11])
        #expect(Preset.llaima.encoder.outputChannels == 48)
        #expect(Preset.etna.encoder.lengths == [135, 46, 16, 6])
        #expect(Preset.etna.encoder.featureSize == 192)
        #expect(Preset.colima.training.batchSize == 48)
        #expect(Preset.named("ETNA")?.temporal.hidden == 12)
        #expect(Preset.etna.encoder.validationProblem() == nil)
        var bad = Preset.llaima.encoder
        bad.length = 100
        #expect(bad.validationProblem() != nil)
    }
}
