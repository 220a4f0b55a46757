import Testing
import VolcanoCore
@testable import Autograd

/// The direct (sliding dot product) path of stride-1 `conv1d` against Float64 sums and against
/// im2col, on the Etna blocks and awkward shapes: channel counts that are not multiples of 8,
/// one-tap kernels, uneven padding, batches split into several chunks.
@Suite struct DirectConvolutionTests {
    typealias Case = TiledDFTConvolutionTests.Case

    static let cases: [Case] = [
        Case(batch: 5, cin: 1, cout: 32, length: 135, kernel: 8, padding: .symmetric(4), bias: true),   // Etna block 1
        Case(batch: 5, cin: 32, cout: 64, length: 46, kernel: 8, padding: .symmetric(4), bias: true),   // block 2
        Case(batch: 5, cin: 64, cout: 32, length: 16, kernel: 8, padding: .symmetric(4), bias: true),   // block 3
        Case(batch: 2, cin: 1, cout: 32, length: 3000, kernel: 32, padding: .same, bias: true),         // Llaima block 1
        Case(batch: 3, cin: 5, cout: 13, length: 29, kernel: 7, padding: .valid, bias: false),
        Case(batch: 4, cin: 3, cout: 9, length: 17, kernel: 1, padding: .asymmetric(left: 0, right: 2), bias: true),
        Case(batch: 3, cin: 6, cout: 16, length: 10, kernel: 6, padding: .same, bias: false),
        Case(batch: 2, cin: 2, cout: 3, length: 5, kernel: 2, padding: .symmetric(3), bias: true),       // padding > k − 1
        Case(batch: 40, cin: 64, cout: 24, length: 200, kernel: 5, padding: .symmetric(2), bias: true),  // several chunks
    ]

    @Test(arguments: cases)
    func matchesFloat64SumsAndIm2col(_ c: Case) {
        let helper = TiledDFTConvolutionTests()
        let (x, w, b, g) = helper.inputs(c, seed: 33)
        let ref = helper.reference(c, x: x, w: w, b: b, g: g)
        let direct = helper.run(c, algorithm: .direct, x: x, w: w, b: b, g: g)
        let im2col = helper.run(c, algorithm: .im2col, x: x, w: w, b: b, g: g)   // measured: the same error sizes
        func scaled(_ got: Tensor, _ want: [Double]) -> Double {
            var e = 0.0, m = 0.0
            for (a, r) in zip(got.scalars, want) { e = max(e, abs(Double(a) - r)); m = max(m, abs(r)) }
            return e / max(m, 1e-30)
        }
        let e = (y: scaled(direct.y, ref.y), dx: scaled(direct.dx!, ref.dx), dw: scaled(direct.dw!, ref.dw))
        #expect(e.y < 2e-6 && e.dx < 2e-6 && e.dw < 2e-6, "\(c): direct path \(e)")
        if c.bias { #expect(direct.db!.scalars == im2col.db!.scalars) }
        // The outputs of a sample do not depend on the chunks or the thread count.
        let one = Threads.withCount(1) { helper.run(c, algorithm: .direct, x: x, w: w, b: b, g: g) }
        #expect(one.y.scalars == direct.y.scalars && one.dx!.scalars == direct.dx!.scalars)
        let inference = Tape.inference()
        inference.convolutionAlgorithm = .direct
        let yi = inference.conv1d(inference.constant(x), weight: inference.constant(w),
                                  bias: c.bias ? inference.constant(b) : nil, padding: c.padding)
        #expect(yi.value.scalars == direct.y.scalars)
    }

    /// Below a max pooling the output gradient is mostly zeros; the weight gradient then visits only
    /// the non-zero entries. Same Float64 sums, on gradients with one entry in three (pooling) or
    /// one in six (pooling then ReLU) kept, at the Etna blocks and on odd shapes.
    @Test(arguments: [cases[1], cases[2], cases[4], cases[8],
                      Case(batch: 6, cin: 16, cout: 12, length: 40, kernel: 12, padding: .symmetric(5), bias: true)], [3, 6])
    func sparseOutputGradientsGiveTheSameWeightGradient(_ c: Case, keepOneIn: Int) {
        let helper = TiledDFTConvolutionTests()
        var (x, w, b, g) = helper.inputs(c, seed: 35)
        var rng = SeededGenerator(seed: 36)
        g = Tensor(shape: g.shape, scalars: g.scalars.map { rng.next() % UInt64(keepOneIn) == 0 ? $0 : 0 })
        let ref = helper.reference(c, x: x, w: w, b: b, g: g)
        let direct = helper.run(c, algorithm: .direct, x: x, w: w, b: b, g: g)
        var e = 0.0, m = 0.0
        for (a, r) in zip(direct.dw!.scalars, ref.dw) { e = max(e, abs(Double(a) - r)); m = max(m, abs(r)) }
        #expect(e / m < 2e-6, "\(c), 1 in \(keepOneIn): weight gradient error \(e / m)")
        // reproducible: the same bits again, and with one thread
        let again = helper.run(c, algorithm: .direct, x: x, w: w, b: b, g: g)
        let one = Threads.withCount(1) { helper.run(c, algorithm: .direct, x: x, w: w, b: b, g: g) }
        #expect(again.dw!.scalars == direct.dw!.scalars)
        #expect(one.dx!.scalars == direct.dx!.scalars)
    }

    /// The fused block (convolution, then max pooling and ReLU on each chunk while it is in cache)
    /// gives the same bits as the two operations, forward and backward, for the Etna blocks,
    /// overlapping and clamped windows, and a shape that falls back to the two operations.
    @Test(arguments: [(cases[0], 3, 3, 1, true), (cases[1], 3, 3, 1, true), (cases[2], 3, 3, 1, false),
                      (cases[4], 2, 2, 0, true), (cases[8], 3, 2, 1, false), (cases[3], 4, 4, 0, true)])
    func fusedConvolutionAndPoolingEqualsTheTwoOperations(_ c: Case, _ k: Int, _ s: Int, _ p: Int, _ relu: Bool) {
        let helper = TiledDFTConvolutionTests()
        let (x, w, b, _) = helper.inputs(c, seed: 37)
        func run(fused: Bool, recording: Bool = true) -> (y: Tensor, dx: Tensor?, dw: Tensor?, db: Tensor?) {
            let tape = recording ? Tape() : Tape.inference()
            let (xv, wv, bv) = recording ? (tape.parameter(x), tape.parameter(w), tape.parameter(b))
                                         : (tape.constant(x), tape.constant(w), tape.constant(b))
            let y = fused
                ? tape.conv1dMaxPool(xv, weight: wv, bias: c.bias ? bv : nil, padding: c.padding,
                                     poolKernel: k, poolStride: s, poolPadding: p, relu: relu)
                : tape.maxPool1d(tape.conv1d(xv, weight: wv, bias: c.bias ? bv : nil, padding: c.padding),
                                 kernel: k, stride: s, padding: p, relu: relu)
            guard recording else { return (y.value, nil, nil, nil) }
            var rng = SeededGenerator(seed: 38)
            let grads = tape.backward(y, gradient: Tensor.normal(y.shape, using: &rng))
            return (y.value, grads[xv], grads[wv], grads[bv])
        }
        let fused = run(fused: true), plain = run(fused: false)
        #expect(fused.y.shape == plain.y.shape && fused.y.scalars == plain.y.scalars, "\(c) pool \(k)/\(s)/\(p)")
        #expect(fused.dx!.scalars == plain.dx!.scalars && fused.dw!.scalars == plain.dw!.scalars, "\(c) pool \(k)/\(s)/\(p)")
        if c.bias { #expect(fused.db!.scalars == plain.db!.scalars) }
        #expect(run(fused: true, recording: false).y.scalars == plain.y.scalars)
    }

    /// The two split levels done in one pass each way (rows from the four phases of the input,
    /// outputs from the nine leaves) give the bits of the nested levels: Etna's blocks 2 and 3,
    /// channel counts that are not multiples of 8, 16 taps, with and without a bias.
    @Test(arguments: [(32, 64, 8, 307), (64, 32, 8, 337), (8, 13, 8, 40), (11, 5, 16, 129), (16, 24, 12, 95)])
    func twoSplitLevelsInOnePassGiveTheNestedBits(_ cin: Int, _ cout: Int, _ K: Int, _ n: Int) {
        let conv = DirectConvolution(cin: cin, cout: cout, kernel: K, length: n, padLeft: 0, outLength: n)
        #expect(conv.levels == 2)
        var rng = SeededGenerator(seed: 41)
        let read = DirectConvolution.readLength(positions: n, taps: K, levels: 2)
        let rowStride = (read + 7 + 15) / 16 * 16
        let x = (0..<(cin * rowStride)).map { _ in Float(rng.nextGaussian()) }
        let w = (0..<(cout * cin * K)).map { _ in Float(rng.nextGaussian()) }
        let bias = (0..<cout).map { _ in Float(rng.nextGaussian()) }
        let arranged = DirectConvolution.arrangedWeights(w, cout: cout, cin: cin, kernel: K, transposedFlipped: false)
        let outStride = (n + 15) / 16 * 16
        func run(onePass: Bool, withBias: Bool) -> [Float] {
            var out = [Float](repeating: 0, count: cout * outStride)
            var scratch = [Float](repeating: .nan, count: conv.splitScratch(positions: n, taps: K, levels: 2))
            x.withUnsafeBufferPointer { xb in arranged.withUnsafeBufferPointer { wb in bias.withUnsafeBufferPointer { bb in
                out.withUnsafeMutableBufferPointer { ob in scratch.withUnsafeMutableBufferPointer { sb in
                    _ = conv.convolve(xb.baseAddress!, rowStride: rowStride, positions: n, weights: wb.baseAddress!, taps: K, levels: 2,
                                      out: ob.baseAddress!, outStride: outStride, scratch: sb.baseAddress!,
                                      bias: withBias ? bb.baseAddress! : nil, _onePass: onePass)
                } }
            } } }
            return (0..<cout).flatMap { o in out[(o * outStride)..<(o * outStride + n)] }
        }
        for withBias in [false, true] {
            let one = run(onePass: true, withBias: withBias), nested = run(onePass: false, withBias: withBias)
            #expect(one.map(\.bitPattern) == nested.map(\.bitPattern), "\(cin)→\(cout), \(K) taps, \(n) outputs, bias \(withBias)")
            // and they are the convolution: against Float64 sums
            var worst = 0.0, largest = 0.0
            for o in 0..<cout {
                for q in 0..<n {
                    var sum = withBias ? Double(bias[o]) : 0
                    for i in 0..<cin { for k in 0..<K { sum += Double(w[(o * cin + i) * K + k]) * Double(x[i * rowStride + q + k]) } }
                    worst = max(worst, abs(Double(one[o * n + q]) - sum))
                    largest = max(largest, abs(sum))
                }
            }
            #expect(worst / largest < 2e-6, "\(cin)→\(cout): relative error \(worst / largest)")
        }
    }

    /// A NaN in one sample of a chunk: the fused pooling (which scans a chunk's samples in one
    /// pass) falls back to row by row and gives the bits of the two operations — NaN outputs in
    /// that sample's windows, the other samples untouched.
    @Test func fusedPoolingWithANaNInTheChunkEqualsTheTwoOperations() {
        let c = Self.cases[1]
        let helper = TiledDFTConvolutionTests()
        var (x, w, b, _) = helper.inputs(c, seed: 39)
        var xs = x.scalars
        xs[2 * c.cin * c.length + 7] = .nan   // sample 2, channel 0
        x = Tensor(shape: x.shape, scalars: xs)
        let tape = Tape.inference()
        let fused = tape.conv1dMaxPool(tape.constant(x), weight: tape.constant(w), bias: tape.constant(b), padding: c.padding,
                                       poolKernel: 3, poolStride: 3, poolPadding: 1, relu: false)
        let plain = tape.maxPool1d(tape.conv1d(tape.constant(x), weight: tape.constant(w), bias: tape.constant(b), padding: c.padding),
                                   kernel: 3, stride: 3, padding: 1, relu: false)
        #expect(fused.value.scalars.map(\.bitPattern) == plain.value.scalars.map(\.bitPattern))
        let per = fused.shape[1] * fused.shape[2]
        #expect(fused.value.scalars[(2 * per)..<(3 * per)].contains { $0.isNaN })
        #expect(!fused.value.scalars[0..<(2 * per)].contains { $0.isNaN })
    }
}
