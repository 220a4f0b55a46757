import ArgumentParser
import Foundation
import Seismology
import VolcanoCore

/// `vssl-bench signal-dsp --input day.npy`: the Etna front end on a long 100 Hz trace,
/// step by step (band-pass 0.5–7 Hz zero-phase, resample to 15 Hz, recursive STA/LTA 1 s /
/// 7.5 s, trigger 2.8 / 0.5), best wall time of `--repeat` runs per step, as JSON.
struct SignalDSPBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "signal-dsp",
                                                    abstract: "Band-pass, resample, recursive STA/LTA and trigger timings.")

    @Option(help: "NPY file with the samples (float64 or int32).")
    var input: String
    @Option(help: "Sampling rate of the input in Hz.")
    var samplingRate: Double = 100
    @Option(name: .customLong("repeat"), help: "Runs per step (the best is reported).")
    var repeats: Int = 3
    @Option(help: "Write the Swift outputs here (NPY) for a parity check.")
    var outputs: String?

    /// CPU time of the whole process (all threads), seconds.
    static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    func run() throws {
        let x = try NPY.read(URL(fileURLWithPath: input)).doubles()
        var cpu: [Double] = []
        func best<T>(_ body: () throws -> T) rethrows -> (Double, T) {
            var t = Double.infinity, c = Double.infinity
            var result: T?
            for _ in 0..<max(1, repeats) {
                let c0 = Self.cpuSeconds()
                let start = ContinuousClock.now
                let r = try body()
                let d = ContinuousClock.now - start
                t = min(t, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
                c = min(c, Self.cpuSeconds() - c0)
                result = r
            }
            cpu.append(c)
            return (t, result!)
        }
        let sos = try Butterworth.bandpass(freqmin: 0.5, freqmax: 7, samplingRate: samplingRate, corners: 4)
        let (tBP, bp) = best { sos.applyZeroPhase(x) }
        let (tRS, rs) = try best { try resample(bp, samplingRate: samplingRate, to: 15) }
        let (tST, cft) = try best { try recursiveSTALTA(rs, nsta: 15, nlta: 112) }
        let (tTR, trig) = try best { try triggerOnset(cft, onThreshold: 2.8, offThreshold: 0.5) }
        let (tFFT, _) = best { FFT.rfft(bp) }  // the resampling's main cost, for profiling
        if let outputs {
            let dir = URL(fileURLWithPath: outputs)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try NPY.write(NPYArray(bp), to: dir.appendingPathComponent("bandpass.npy"))
            try NPY.write(NPYArray(rs), to: dir.appendingPathComponent("resample.npy"))
            try NPY.write(NPYArray(cft), to: dir.appendingPathComponent("recstalta.npy"))
            try NPY.write(NPYArray(trig.flatMap { [Int64($0.on), Int64($0.off)] }, shape: [trig.count, 2]),
                          to: dir.appendingPathComponent("triggers.npy"))
        }
        print("""
        {"samples": \(x.count), "threads": \(Threads.count), "bandpass_zerophase_s": \(tBP), "resample_15hz_s": \(tRS), "rfft_s": \(tFFT), \
        "recursive_sta_lta_s": \(tST), "trigger_onset_s": \(tTR), "resampled_samples": \(rs.count), "triggers": \(trig.count), \
        "cpu_s": [\(cpu.map { String($0) }.joined(separator: ", "))]}
        """)
    }
}
