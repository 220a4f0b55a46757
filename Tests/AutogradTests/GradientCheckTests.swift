import Testing
import VolcanoCore
@testable import Autograd
import TestSupport
import Foundation

/// Central-difference gradient checks of every differentiable op (float32 forward passes,
/// ε = 1e-2). Tolerance: scaled error (max |numeric − analytic| / max |analytic|) < 1e-2;
/// correct gradients measure ≈1e-4…1e-3 here, a wrong term gives O(1).
@Suite struct GradientCheckTests {
    static let tolerance = 1e-2

    func normal(_ shape: [Int], seed: UInt64, std: Float = 1) -> Tensor {
        var g = SeededGenerator(seed: seed)
        return Tensor.normal(shape, std: std, using: &g)
    }

    /// Values at least 0.05 apart (no ties within ε) in random order, for max/relu kinks.
    func distinct(_ shape: [Int], seed: UInt64) -> Tensor {
        var g = SeededGenerator(seed: seed)
        let n = shape.reduce(1, *)
        let p = g.permutation(n)
        return Tensor(shape: shape, scalars: p.map { Float($0 - n / 2) * 0.05 + 0.025 })
    }

    func expectSmall(_ errs: [Double], _ label: String) {
        #expect(errs.allSatisfy { $0 < Self.tolerance }, "\(label): scaled errors \(errs)")
    }

    @Test func broadcastingArithmetic() {
        let a = normal([2, 3, 4], seed: 1), b = normal([3, 1], seed: 2)
        let c = normal([4], seed: 3).map { $0 > 0 ? $0 + 1 : $0 - 1 }   // away from 0 for div
        expectSmall(gradientCheck([a, b]) { t, v in t.add(v[0], v[1]) }, "add")
        expectSmall(gradientCheck([a, b]) { t, v in t.sub(v[0], v[1]) }, "sub")
        expectSmall(gradientCheck([a, b]) { t, v in t.mul(v[0], v[1]) }, "mul")
        expectSmall(gradientCheck([a, c]) { t, v in t.div(v[0], v[1]) }, "div")
        expectSmall(gradientCheck([b, a]) { t, v in t.div(v[1], t.addScalar(t.square(v[0]), 1)) }, "div-bcast-left")
    }

    @Test func unaryMath() {
        let a = normal([3, 5], seed: 4)
        let pos = a.map { abs($0) + 0.5 }
        expectSmall(gradientCheck([a]) { t, v in t.exp(v[0]) }, "exp")
        expectSmall(gradientCheck([pos]) { t, v in t.log(v[0]) }, "log")
        expectSmall(gradientCheck([pos]) { t, v in t.sqrt(v[0]) }, "sqrt")
        expectSmall(gradientCheck([a]) { t, v in t.square(v[0]) }, "square")
        expectSmall(gradientCheck([a]) { t, v in t.neg(t.scale(v[0], 3)) }, "scale")
        expectSmall(gradientCheck([distinct([4, 5], seed: 5)]) { t, v in t.relu(v[0]) }, "relu")
        expectSmall(gradientCheck([a]) { t, v in t.gelu(v[0]) }, "gelu")
        expectSmall(gradientCheck([a]) { t, v in t.tanh(v[0]) }, "tanh")
        expectSmall(gradientCheck([a]) { t, v in t.sigmoid(v[0]) }, "sigmoid")
    }

    @Test func reductions() {
        let a = normal([2, 3, 5], seed: 6)
        expectSmall(gradientCheck([a]) { t, v in t.sum(v[0], axes: [1]) }, "sum axis 1")
        expectSmall(gradientCheck([a]) { t, v in t.sum(v[0], axes: [0, 2], keepDims: true) }, "sum keepDims")
        expectSmall(gradientCheck([a]) { t, v in t.mean(v[0]) }, "mean all")
        expectSmall(gradientCheck([a]) { t, v in t.mean(v[0], axes: [-1]) }, "mean last")
    }

    @Test func matmulAndLinear() {
        let a = normal([3, 4], seed: 7), b = normal([4, 5], seed: 8)
        expectSmall(gradientCheck([a, b]) { t, v in t.matmul(v[0], v[1]) }, "matmul 2-D")
        let ba = normal([2, 3, 4], seed: 9), bb = normal([2, 4, 5], seed: 10)
        expectSmall(gradientCheck([ba, bb]) { t, v in t.matmul(v[0], v[1]) }, "batched matmul")
        expectSmall(gradientCheck([ba, b]) { t, v in t.matmul(v[0], v[1]) }, "batched × shared matrix")
        expectSmall(gradientCheck([a, bb]) { t, v in t.matmul(v[0], v[1]) }, "shared matrix × batched")
        let x = normal([2, 3, 4], seed: 11), w = normal([5, 4], seed: 12), bias = normal([5], seed: 13)
        expectSmall(gradientCheck([x, w, bias]) { t, v in t.linear(v[0], weight: v[1], bias: v[2]) }, "linear")
        expectSmall(gradientCheck([x, w]) { t, v in t.linear(v[0], weight: v[1]) }, "linear no bias")
    }

    struct ConvCase {
        let b, cin, l, cout, k, stride, dilation: Int
        let padding: Conv1dPadding
        let bias: Bool
    }

    @Test(arguments: [
        ConvCase(b: 2, cin: 3, l: 11, cout: 4, k: 3, stride: 1, dilation: 1, padding: .symmetric(1), bias: true),
        ConvCase(b: 2, cin: 2, l: 10, cout: 3, k: 4, stride: 2, dilation: 1, padding: .valid, bias: true),
        ConvCase(b: 3, cin: 2, l: 9, cout: 2, k: 4, stride: 1, dilation: 1, padding: .same, bias: false),
        ConvCase(b: 1, cin: 3, l: 13, cout: 2, k: 3, stride: 1, dilation: 2, padding: .symmetric(3), bias: true),
        ConvCase(b: 2, cin: 1, l: 12, cout: 3, k: 5, stride: 3, dilation: 1, padding: .asymmetric(left: 2, right: 1), bias: false),
        ConvCase(b: 2, cin: 2, l: 7, cout: 2, k: 2, stride: 1, dilation: 3, padding: .same, bias: true),
        // padding wider than the kernel span (output longer than input; zero-only columns)
        ConvCase(b: 2, cin: 2, l: 5, cout: 3, k: 2, stride: 1, dilation: 1, padding: .symmetric(3), bias: true),
        ConvCase(b: 3, cin: 1, l: 6, cout: 2, k: 3, stride: 2, dilation: 1, padding: .asymmetric(left: 4, right: 0), bias: false),
        // kernel as long as the input (one output), and a 1-tap kernel
        ConvCase(b: 2, cin: 3, l: 8, cout: 2, k: 8, stride: 1, dilation: 1, padding: .valid, bias: true),
        ConvCase(b: 2, cin: 3, l: 9, cout: 4, k: 1, stride: 2, dilation: 1, padding: .valid, bias: true),
    ].filter { $0.padding != .same || $0.stride == 1 })
    func conv1d(_ c: ConvCase) {
        let x = normal([c.b, c.cin, c.l], seed: 20), w = normal([c.cout, c.cin, c.k], seed: 21)
        let bias = normal([c.cout], seed: 22)
        let errs = gradientCheck(c.bias ? [x, w, bias] : [x, w]) { t, v in
            t.conv1d(v[0], weight: v[1], bias: c.bias ? v[2] : nil, stride: c.stride,
                     padding: c.padding, dilation: c.dilation)
        }
        expectSmall(errs, "conv1d \(c)")
    }

    @Test func conv1dMatchesDirectSum() {
        // PyTorch 'same' with even k = 4: total padding 3 → 1 left, 2 right
        let x = normal([2, 3, 9], seed: 30), w = normal([4, 3, 4], seed: 31), b = normal([4], seed: 32)
        let t = Tape.inference()
        let y = t.conv1d(t.constant(x), weight: t.constant(w), bias: t.constant(b), padding: .same).value
        #expect(y.shape == [2, 4, 9])
        var worst: Float = 0
        for n in 0..<2 { for o in 0..<4 { for i in 0..<9 {
            var s = b[o]
            for c in 0..<3 { for k in 0..<4 {
                let src = i + k - 1
                if src >= 0 && src < 9 { s += w[o, c, k] * x[n, c, src] }
            } }
            worst = max(worst, abs(s - y[n, o, i]))
        } } }
        #expect(worst < 1e-5)
        // stride 3, dilation 2, padding 2: L' = ⌊(9 + 4 − 7) / 3⌋ + 1 = 3
        let y2 = t.conv1d(t.constant(x), weight: t.constant(w), stride: 3, padding: .symmetric(2), dilation: 2).value
        #expect(y2.shape == [2, 4, 3])
        var worst2: Float = 0
        for n in 0..<2 { for o in 0..<4 { for i in 0..<3 {
            var s: Float = 0
            for c in 0..<3 { for k in 0..<4 {
                let src = i * 3 + k * 2 - 2
                if src >= 0 && src < 9 { s += w[o, c, k] * x[n, c, src] }
            } }
            worst2 = max(worst2, abs(s - y2[n, o, i]))
        } } }
        #expect(worst2 < 1e-5)
    }

    @Test func maxPool1d() {
        let x = distinct([2, 3, 11], seed: 40)
        expectSmall(gradientCheck([x]) { t, v in t.maxPool1d(v[0], kernel: 2, stride: 2, padding: 1) }, "pool 2/2/1")
        expectSmall(gradientCheck([x]) { t, v in t.maxPool1d(v[0], kernel: 4) }, "pool 4 floor")
        expectSmall(gradientCheck([x]) { t, v in t.maxPool1d(v[0], kernel: 3, stride: 3, padding: 1) }, "pool 3/3/1")
        expectSmall(gradientCheck([x]) { t, v in t.maxPool1d(v[0], kernel: 3, stride: 1) }, "pool overlapping")
        let t = Tape.inference()
        // spec lengths: (2,2,1) gives ⌊L/2⌋+1; (4) floors 3000 → 750
        #expect(t.maxPool1d(t.constant(x), kernel: 2, stride: 2, padding: 1).shape == [2, 3, 6])
        let y = t.maxPool1d(t.constant(Tensor(shape: [1, 1, 5], scalars: [-3, -1, -2, 5, 4])), kernel: 2, stride: 2, padding: 1)
        #expect(y.value.scalars == [-3, -1, 5])
        let withNaN = t.maxPool1d(t.constant(Tensor(shape: [1, 1, 6], scalars: [1, .nan, 3, 2, .infinity, -.infinity])), kernel: 2)
        #expect(withNaN.value.scalars[0].isNaN && withNaN.value.scalars[1] == 3 && withNaN.value.scalars[2] == .infinity)
    }

    @Test(arguments: [(2, 2, 1), (4, 4, 0), (3, 3, 1), (3, 1, 0), (8, 8, 4), (5, 2, 2)])
    func maxPool1dWithReLUIsTheCompositionBitForBit(kernel: Int, stride: Int, padding: Int) {
        for length in [kernel, 11, 47, 136] {
            let x = normal([3, 4, length], seed: UInt64(length * 10 + kernel))
            let upstream = normal([3, 4, (length + 2 * padding - kernel) / stride + 1], seed: 7)
            let fusedTape = Tape(), plainTape = Tape()
            let xf = fusedTape.parameter(x), xp = plainTape.parameter(x)
            let fused = fusedTape.maxPool1d(xf, kernel: kernel, stride: stride, padding: padding, relu: true)
            let plain = plainTape.relu(plainTape.maxPool1d(xp, kernel: kernel, stride: stride, padding: padding))
            #expect(fused.value.scalars == plain.value.scalars, "k \(kernel) s \(stride) p \(padding) L \(length)")
            let gf = fusedTape.backward(fused, gradient: upstream)[xf], gp = plainTape.backward(plain, gradient: upstream)[xp]
            #expect(gf?.scalars == gp?.scalars, "gradient, k \(kernel) s \(stride) p \(padding) L \(length)")
        }
        let x = distinct([2, 3, 11], seed: 41)
        expectSmall(gradientCheck([x]) { t, v in t.maxPool1d(v[0], kernel: 3, stride: 3, padding: 1, relu: true) }, "pool+relu 3/3/1")
    }

    @Test func dropoutUsesOneSeededMask() {
        let x = normal([4, 6], seed: 50)
        expectSmall(gradientCheck([x]) { t, v in
            var g = SeededGenerator(seed: 3)
            return t.dropout(v[0], p: 0.3, training: true, using: &g)
        }, "dropout")
        var g = SeededGenerator(seed: 3)
        let t = Tape.inference()
        let y = t.dropout(t.constant(Tensor.ones([1000])), p: 0.25, training: true, using: &g).value
        let kept = y.scalars.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 1 / 0.75) < 1e-6 })
        #expect(abs(Double(kept.count) / 1000 - 0.75) < 0.05)
        #expect(t.dropout(t.constant(x), p: 0.5, training: false, using: &g).value == x)
    }

    @Test func batchNorm1dTrainAndEval() {
        let x = normal([4, 3, 5], seed: 60, std: 2), w = normal([3], seed: 61), b = normal([3], seed: 62)
        let rm = Tensor([0.1, -0.2, 0.3]), rv = Tensor([1.5, 0.7, 1.1])
        expectSmall(gradientCheck([x, w, b]) { t, v in
            t.batchNorm1d(v[0], weight: v[1], bias: v[2], runningMean: rm, runningVariance: rv, training: true).output
        }, "bn train 3-D")
        expectSmall(gradientCheck([x, w, b]) { t, v in
            t.batchNorm1d(v[0], weight: v[1], bias: v[2], runningMean: rm, runningVariance: rv, training: false).output
        }, "bn eval")
        let x2 = normal([6, 4], seed: 63)
        expectSmall(gradientCheck([x2]) { t, v in
            t.batchNorm1d(v[0], weight: nil, bias: nil, runningMean: .zeros([4]), runningVariance: .ones([4]), training: true).output
        }, "bn train 2-D")
        // running statistics: momentum 0.1, unbiased variance
        let t = Tape.inference()
        let r = t.batchNorm1d(t.constant(x), weight: nil, bias: nil, runningMean: rm, runningVariance: rv, training: true)
        let m = x.mean(axes: [0, 2]), v = x.variance(axes: [0, 2], unbiased: true)
        for c in 0..<3 {
            #expect(abs(r.runningMean.scalars[c] - (0.9 * rm.scalars[c] + 0.1 * m.scalars[c])) < 1e-5)
            #expect(abs(r.runningVariance.scalars[c] - (0.9 * rv.scalars[c] + 0.1 * v.scalars[c])) < 1e-5)
        }
        // normalised output has zero mean and unit biased variance per channel
        let yv = r.output.value.variance(axes: [0, 2])
        #expect(yv.scalars.allSatisfy { abs($0 - 1) < 1e-3 })
    }

    @Test func layerNorm() {
        let x = normal([2, 3, 6], seed: 70, std: 3), w = normal([6], seed: 71), b = normal([6], seed: 72)
        expectSmall(gradientCheck([x, w, b]) { t, v in t.layerNorm(v[0], weight: v[1], bias: v[2]) }, "layerNorm")
        expectSmall(gradientCheck([x]) { t, v in t.layerNorm(v[0], weight: nil, bias: nil) }, "layerNorm plain")
    }

    @Test func softmaxFamily() {
        let x = normal([3, 4, 5], seed: 80)
        expectSmall(gradientCheck([x]) { t, v in t.softmax(v[0], axis: -1) }, "softmax last")
        expectSmall(gradientCheck([x]) { t, v in t.softmax(v[0], axis: 1) }, "softmax middle")
        expectSmall(gradientCheck([x]) { t, v in t.logSoftmax(v[0], axis: 1) }, "logSoftmax")
        expectSmall(gradientCheck([x]) { t, v in t.logSumExp(v[0], axis: 2) }, "logSumExp")
        expectSmall(gradientCheck([x]) { t, v in t.logSumExp(v[0], axis: 0, keepDims: true) }, "logSumExp keep")
        let t = Tape.inference()
        let s = t.softmax(t.constant(x), axis: 1).value.sum(axes: [1])
        #expect(s.scalars.allSatisfy { abs($0 - 1) < 1e-6 })
    }

    @Test func losses() {
        let logits = normal([5, 4], seed: 90), targets = [0, 3, 1, 1, 2]
        expectSmall(gradientCheck([logits]) { t, v in t.crossEntropy(v[0], targets: targets) }, "crossEntropy mean")
        expectSmall(gradientCheck([logits]) { t, v in t.crossEntropy(v[0], targets: targets, reduction: .sum) }, "crossEntropy sum")
        // value: −mean log softmax[target]
        let t = Tape.inference()
        let ce = t.crossEntropy(t.constant(logits), targets: targets).value.scalar
        let ls = t.logSoftmax(t.constant(logits)).value
        let ref = -(0..<5).map { ls[$0, targets[$0]] }.reduce(0, +) / 5
        #expect(abs(ce - ref) < 1e-6)
        let a = normal([3, 4], seed: 91), b = normal([3, 4], seed: 92)
        expectSmall(gradientCheck([a, b]) { t, v in t.mse(v[0], v[1]) }, "mse")
    }

    @Test func normalizeAndCosine() {
        let x = normal([2, 4, 3], seed: 100)
        expectSmall(gradientCheck([x]) { t, v in t.l2Normalize(v[0], axis: 1) }, "l2Normalize axis 1")
        let a = normal([5, 3], seed: 101), b = normal([4, 3], seed: 102)
        expectSmall(gradientCheck([a, b]) { t, v in t.cosineSimilarityMatrix(v[0], v[1]) }, "cosine a×b")
        expectSmall(gradientCheck([a]) { t, v in t.cosineSimilarityMatrix(v[0], v[0]) }, "cosine self")
        let t = Tape.inference()
        let s = t.cosineSimilarityMatrix(t.constant(a), t.constant(a)).value
        for i in 0..<5 { #expect(abs(s[i, i] - 1) < 1e-6) }
    }

    @Test func shapeOps() {
        let x = normal([2, 3, 4], seed: 110), y = normal([2, 2, 4], seed: 111)
        expectSmall(gradientCheck([x]) { t, v in t.square(t.reshape(v[0], [6, -1])) }, "reshape")
        expectSmall(gradientCheck([x]) { t, v in t.square(t.transpose(v[0], 0, 2)) }, "transpose")
        expectSmall(gradientCheck([x]) { t, v in t.square(t.permute(v[0], [1, 2, 0])) }, "permute")
        expectSmall(gradientCheck([x]) { t, v in t.square(t.slice(v[0], axis: 1, 1..<3)) }, "slice")
        expectSmall(gradientCheck([x, y]) { t, v in t.square(t.concat([v[0], v[1]], axis: 1)) }, "concat")
        expectSmall(gradientCheck([x, x.map { $0 * 2 }]) { t, v in t.square(t.stack([v[0], v[1]], axis: 2)) }, "stack")
        expectSmall(gradientCheck([x]) { t, v in t.square(t.indexSelect(v[0], axis: 2, [3, 0, 3])) }, "indexSelect")
    }

    @Test func multiHeadSelfAttention() {
        let H = 8, heads = 4
        let x = normal([2, 3, H], seed: 120), wqkv = normal([3 * H, H], seed: 121, std: 0.5)
        let wo = normal([H, H], seed: 122, std: 0.5), bo = normal([H], seed: 123)
        expectSmall(gradientCheck([x, wqkv, wo, bo]) { t, v in
            t.multiHeadSelfAttention(v[0], qkvWeight: v[1], outWeight: v[2], outBias: v[3], heads: heads)
        }, "attention")
        // forward against a direct evaluation of the TS-TCC formula (scale H^-1/2, head-major)
        let t = Tape.inference()
        let y = t.multiHeadSelfAttention(t.constant(x), qkvWeight: t.constant(wqkv), outWeight: t.constant(wo),
                                         outBias: t.constant(bo), heads: heads).value
        let qkv = Tensor.matmul(x.reshaped([6, H]), wqkv, transposeB: true).reshaped([2, 3, 3 * H])
        let d = H / heads
        var merged = Tensor.zeros([2, 3, H])
        for b in 0..<2 { for h in 0..<heads { for i in 0..<3 {
            var logits = [Float](repeating: 0, count: 3)
            for j in 0..<3 {
                var s: Float = 0
                for e in 0..<d { s += qkv[b, i, h * d + e] * qkv[b, j, H + h * d + e] }
                logits[j] = s / Float(H).squareRoot()
            }
            let m = logits.max()!
            let ex = logits.map { Foundation.exp($0 - m) }
            let z = ex.reduce(0, +)
            for e in 0..<d {
                var s: Float = 0
                for j in 0..<3 { s += ex[j] / z * qkv[b, j, 2 * H + h * d + e] }
                merged[b, i, h * d + e] = s
            }
        } } }
        let ref = Tensor.matmul(merged.reshaped([6, H]), wo, transposeB: true).reshaped([2, 3, H]) + bo
        #expect(maxAbsoluteError(y.scalars, ref.scalars) < 1e-5)
    }

    @Test func checkerDetectsAWrongGradient() {
        // x · stop_gradient(x): the tape's gradient is x, the true derivative is 2x
        let x = normal([3, 4], seed: 130)
        let errs = gradientCheck([x]) { t, v in t.mul(v[0], t.constant(v[0].value)) }
        #expect(errs[0] > 0.3)
        let ok = gradientCheck([x]) { t, v in t.mul(v[0], v[0]) }
        #expect(ok[0] < 1e-3, "\(ok)")
    }

    @Test func gradientsAccumulateOverReuse() {
        let tape = Tape()
        let w = tape.parameter(Tensor([1, 2, 3]))
        let x = tape.constant(Tensor([4, 5, 6]))
        // L = Σ w·x + Σ w² → dL/dw = x + 2w
        let loss = tape.add(tape.sum(tape.mul(w, x)), tape.sum(tape.square(w)))
        let g = tape.backward(loss)
        #expect(g[w]?.scalars == [6, 9, 12])
        #expect(g[x] == nil)
    }
}
