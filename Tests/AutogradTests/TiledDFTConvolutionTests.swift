import Testing
import VolcanoCore
@testable import Autograd
import TestSupport

/// The long-kernel fast path of `conv1d` (tiled real DFTs as GEMMs) against Float64 direct
/// sums and against the im2col path, on the paper's Llaima block shapes and awkward ones.
@Suite struct TiledDFTConvolutionTests {
    struct Case: CustomStringConvertible, Sendable {
        var batch, cin, cout, length, kernel: Int
        var padding: Conv1dPadding
        var bias: Bool
        var description: String { "B\(batch) \(cin)→\(cout) L\(length) k\(kernel) \(padding) bias \(bias)" }
    }

    static let cases: [Case] = [
        Case(batch: 4, cin: 32, cout: 64, length: 750, kernel: 32, padding: .same, bias: true),    // Llaima block 2
        Case(batch: 3, cin: 64, cout: 64, length: 187, kernel: 32, padding: .same, bias: true),    // block 3
        Case(batch: 5, cin: 64, cout: 48, length: 46, kernel: 32, padding: .same, bias: false),    // block 4
        Case(batch: 1, cin: 9, cout: 13, length: 101, kernel: 13, padding: .valid, bias: true),    // odd everything
        Case(batch: 7, cin: 16, cout: 8, length: 60, kernel: 20, padding: .asymmetric(left: 3, right: 11), bias: true),
        Case(batch: 2, cin: 8, cout: 24, length: 33, kernel: 31, padding: .symmetric(15), bias: false),
    ]

    /// y, dx, dw in Float64 by direct sums.
    func reference(_ c: Case, x: Tensor, w: Tensor, b: Tensor, g: Tensor) -> (y: [Double], dx: [Double], dw: [Double]) {
        let (pl, _) = c.padding.amounts(kernel: c.kernel, dilation: 1)
        let lout = g.shape[2]
        var y = [Double](repeating: 0, count: g.count)
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
        for n in 0..<c.batch { for o in 0..<c.cout { for t in 0..<lout {
            var s = c.bias ? Double(b.scalars[o]) : 0
            let gv = Double(g.scalars[(n * c.cout + o) * lout + t])
            for ci in 0..<c.cin { for k in 0..<c.kernel {
                let i = t + k - pl
                guard i >= 0 && i < c.length else { continue }
                let xv = Double(x.scalars[(n * c.cin + ci) * c.length + i])
                let wv = Double(w.scalars[(o * c.cin + ci) * c.kernel + k])
                s += wv * xv
                dx[(n * c.cin + ci) * c.length + i] += wv * gv
                dw[(o * c.cin + ci) * c.kernel + k] += xv * gv
            } }
            y[(n * c.cout + o) * lout + t] = s
        } } }
        return (y, dx, dw)
    }

    func run(_ c: Case, algorithm: ConvolutionAlgorithm, x: Tensor, w: Tensor, b: Tensor, g: Tensor?)
        -> (y: Tensor, dx: Tensor?, dw: Tensor?, db: Tensor?) {
        let tape = Tape()
        tape.convolutionAlgorithm = algorithm
        let (xv, wv, bv) = (tape.parameter(x), tape.parameter(w), tape.parameter(b))
        let y = tape.conv1d(xv, weight: wv, bias: c.bias ? bv : nil, padding: c.padding)
        guard let g else { return (y.value, nil, nil, nil) }
        let grads = tape.backward(y, gradient: g)
        return (y.value, grads[xv], grads[wv], grads[bv])
    }

    func inputs(_ c: Case, seed: UInt64) -> (x: Tensor, w: Tensor, b: Tensor, g: Tensor) {
        var rng = SeededGenerator(seed: seed)
        let (pl, pr) = c.padding.amounts(kernel: c.kernel, dilation: 1)
        let lout = c.length + pl + pr - c.kernel + 1
        let bound = 1 / Float(c.cin * c.kernel).squareRoot()
        return (Tensor.normal([c.batch, c.cin, c.length], using: &rng),
                Tensor.uniform([c.cout, c.cin, c.kernel], low: -bound, high: bound, using: &rng),
                Tensor.normal([c.cout], using: &rng), Tensor.normal([c.batch, c.cout, lout], using: &rng))
    }

    @Test(arguments: cases)
    func matchesFloat64DirectSums(_ c: Case) throws {
        let (pl, pr) = c.padding.amounts(kernel: c.kernel, dilation: 1)
        let plan = try #require(TiledDFTConvolution.plan(cin: c.cin, cout: c.cout, length: c.length, kernel: c.kernel,
                                                         padLeft: pl, outLength: c.length + pl + pr - c.kernel + 1,
                                                         whenCheaper: false))
        #expect(plan.n >= c.kernel + 7)
        let (x, w, b, g) = inputs(c, seed: 21)
        let ref = reference(c, x: x, w: w, b: b, g: g)
        let fast = run(c, algorithm: .tiledDFT, x: x, w: w, b: b, g: g)
        let direct = run(c, algorithm: .im2col, x: x, w: w, b: b, g: g)
        func scaled(_ got: Tensor, _ want: [Double]) -> Double {
            maxAbsoluteError(got.scalars, want) / want.reduce(0) { max($0, abs($1)) }
        }
        // Float32 rounding of both paths, relative to the largest value of each result.
        let e = (y: scaled(fast.y, ref.y), dx: scaled(fast.dx!, ref.dx), dw: scaled(fast.dw!, ref.dw))
        let d = (y: scaled(direct.y, ref.y), dx: scaled(direct.dx!, ref.dx), dw: scaled(direct.dw!, ref.dw))
        #expect(e.y < 2e-6 && e.dx < 2e-6 && e.dw < 2e-6, "\(c): DFT path \(e), im2col path \(d)")
        if c.bias {
            #expect(fast.db!.scalars == direct.db!.scalars)
        }
        // Inference (no spectra kept) gives the same values as the recording pass.
        let inference = Tape.inference()
        inference.convolutionAlgorithm = .tiledDFT
        let yi = inference.conv1d(inference.constant(x), weight: inference.constant(w),
                                  bias: c.bias ? inference.constant(b) : nil, padding: c.padding)
        #expect(yi.value.scalars == fast.y.scalars)
    }

    @Test func paperBlocksChooseTheirKernels() {
        // Llaima (k = 32, 'same'): block 1 (one input channel) stays im2col, blocks 2–4 use DFTs.
        #expect(TiledDFTConvolution.plan(cin: 1, cout: 32, length: 3000, kernel: 32, padLeft: 15, outLength: 3000) == nil)
        #expect(TiledDFTConvolution.plan(cin: 32, cout: 64, length: 750, kernel: 32, padLeft: 15, outLength: 750) != nil)
        #expect(TiledDFTConvolution.plan(cin: 64, cout: 64, length: 187, kernel: 32, padLeft: 15, outLength: 187) != nil)
        #expect(TiledDFTConvolution.plan(cin: 64, cout: 48, length: 46, kernel: 32, padLeft: 15, outLength: 46) != nil)
        // Etna (k = 8) and TS-TCC's short kernels take no DFTs (they use the direct kernel).
        #expect(TiledDFTConvolution.plan(cin: 32, cout: 64, length: 46, kernel: 8, padLeft: 4, outLength: 47) == nil)
    }

    @Test func gradientsPassCentralDifferences() {
        var rng = SeededGenerator(seed: 5)
        let x = Tensor.normal([2, 8, 40], using: &rng), w = Tensor.normal([8, 8, 16], std: 0.2, using: &rng)
        let b = Tensor.normal([8], using: &rng)
        let errs = gradientCheck([x, w, b]) { t, v in
            t.convolutionAlgorithm = .tiledDFT
            return t.conv1d(v[0], weight: v[1], bias: v[2], padding: .same)
        }
        #expect(errs.allSatisfy { $0 < 5e-3 }, "\(errs)")
    }

    @Test func bitReproducibleAndThreadCountIndependentInShape() {
        let c = Self.cases[0]
        let (x, w, b, g) = inputs(c, seed: 3)
        let a = run(c, algorithm: .automatic, x: x, w: w, b: b, g: g)
        let a2 = run(c, algorithm: .automatic, x: x, w: w, b: b, g: g)
        #expect(a.y == a2.y && a.dx! == a2.dx! && a.dw! == a2.dw!)
        let one = Threads.withCount(1) { run(c, algorithm: .automatic, x: x, w: w, b: b, g: g) }
        #expect(maxAbsoluteError(one.y.scalars, a.y.scalars) < 1e-4)
        #expect(maxAbsoluteError(one.dw!.scalars, a.dw!.scalars) < 1e-3)
    }
}
