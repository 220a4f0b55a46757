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
}
