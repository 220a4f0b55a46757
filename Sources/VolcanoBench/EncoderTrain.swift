import ArgumentParser
import Autograd
import CBLAS
import Dispatch
import Foundation
import VolcanoCore

/// `vssl-bench encoder-train`: the Llaima-preset encoder (tstcc.md §5) forward + backward.
///
/// Block = Conv1d(k 32, padding 'same', bias) → MaxPool1d(4) → ReLU → Dropout(0.1), the
/// last block without ReLU; widths 1 → 32 → 64 → 64 → 48; input [32, 1, 3000] → [32, 48, 11].
/// The loss is the sum of the output. Also measures this machine's sgemm rate (a square
/// 2048³ product on the same BLAS and thread count) as the peak the step is compared to.
struct EncoderTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encoder-train",
        abstract: "Llaima-preset encoder forward + backward (samples/s, GFLOP/s, share of sgemm rate).")

    @Option(help: "Batch size.") var batch = 32
    @Option(help: "Samples per event.") var length = 3000
    @Option(help: "Timed steps.") var steps = 10
    @Option(help: "Untimed warm-up steps.") var warmup = 2
    @Option(help: "Threads (default: VOLCANO_SSL_THREADS or all cores).") var threads: Int?
    @Flag(help: "Skip the sgemm peak measurement.") var noPeak = false
    @Flag(help: "Use the im2col convolution for every block (no tiled-DFT fast path).") var directConv = false

    /// (C_in, C_out, kernel, ReLU) per block.
    static let blocks: [(Int, Int, Int, Bool)] = [(1, 32, 32, true), (32, 64, 32, true), (64, 64, 32, true), (64, 48, 32, false)]

    func run() throws {
        if let threads { Threads.set(threads) }
        var rng = SeededGenerator(seed: 0)
        var params: [(Tensor, Tensor)] = []
        for (cin, cout, k, _) in Self.blocks {
            let bound = 1 / Float(cin * k).squareRoot()
            params.append((Tensor.uniform([cout, cin, k], low: -bound, high: bound, using: &rng),
                           Tensor.uniform([cout], low: -bound, high: bound, using: &rng)))
        }
        let x = Tensor.normal([batch, 1, length], using: &rng)

        // forward + backward FLOPs (2 per MAC): conv forward, dW, and dX except for block 1
        var flops = 0.0, len = length
        for (i, (cin, cout, k, _)) in Self.blocks.enumerated() {
            let macs = Double(cout * cin * k * len) * Double(batch)
            flops += 2 * macs * (i == 0 ? 2 : 3)
            len /= 4
        }

        var dropRng = SeededGenerator(seed: 1)
        var fwdTime = 0.0, bwdTime = 0.0
        var checksum: Float = 0
        func step(timed: Bool) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let tape = Tape()
            if directConv { tape.convolutionAlgorithm = .im2col }
            var h = tape.constant(x)
            var handles: [Variable] = []
            for (i, (_, _, _, relu)) in Self.blocks.enumerated() {
                let w = tape.parameter(params[i].0), b = tape.parameter(params[i].1)
                handles += [w, b]
                h = tape.conv1d(h, weight: w, bias: b, padding: .same)
                h = tape.maxPool1d(h, kernel: 4)
                if relu { h = tape.relu(h) }
                h = tape.dropout(h, p: 0.1, training: true, using: &dropRng)
            }
            let loss = tape.sum(h)
            let t1 = DispatchTime.now().uptimeNanoseconds
            let grads = tape.backward(loss)
            checksum = grads[handles[0]]!.scalars[0]
            let t2 = DispatchTime.now().uptimeNanoseconds
            if timed {
                fwdTime += Double(t1 - t0) * 1e-9
                bwdTime += Double(t2 - t1) * 1e-9
            }
        }
        for _ in 0..<warmup { step(timed: false) }
        let cpu0 = Self.processCPUSeconds()
        for _ in 0..<steps { step(timed: true) }
        let cpuPerStep = (Self.processCPUSeconds() - cpu0) / Double(steps)
        let total = fwdTime + bwdTime
        let samplesPerSecond = Double(batch * steps) / total
        let gflops = flops * Double(steps) / total / 1e9
        let peak = noPeak ? 0 : Self.sgemmRate()
        let result: [String: Any] = [
            "name": "encoder-train", "samples_per_s": samplesPerSecond, "gflops": gflops,
            "sgemm_gflops": peak, "fraction_of_sgemm": peak > 0 ? gflops / peak : 0,
            "forward_s_per_step": fwdTime / Double(steps), "backward_s_per_step": bwdTime / Double(steps),
            "cpu_s_per_step": cpuPerStep,
            "flop_per_step": flops, "batch": batch, "length": length, "threads": Threads.count,
            "blas": Threads.blasName, "checksum": Double(checksum),
        ]
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// CPU seconds (all threads) used by this process so far: with one thread, the work per
    /// step without the time spent waiting for a core on a shared machine.
    static func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Best of five 2048³ sgemm calls, in GFLOP/s.
    static func sgemmRate(n: Int = 2048) -> Double {
        var rng = SeededGenerator(seed: 2)
        let a = Tensor.uniform([n, n], using: &rng), b = Tensor.uniform([n, n], using: &rng)
        var best = 0.0
        for _ in 0..<5 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let c = Tensor.matmul(a, b)
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
            precondition(c.count == n * n)
            best = max(best, 2 * Double(n * n * n) / dt / 1e9)
        }
        return best
    }
}
