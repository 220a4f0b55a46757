import Foundation
import Testing
import TestSupport
import VolcanoCore

/// Bad files and bad arguments, command by command: one clear error line that names the file
/// or option, a non-zero exit code (not a crash), and no output left behind.
@Suite("volcano-ssl bad input")
struct BadInputTests {
    /// A folder of broken inputs shared by the cases.
    struct Inputs {
        let dir: URL
        var empty: String { dir.appendingPathComponent("empty").path }
        var text: String { dir.appendingPathComponent("notes.txt").path }
        var truncated: String { dir.appendingPathComponent("truncated.mseed").path }
        var nan: String { dir.appendingPathComponent("nan.npy").path }
        var nanTrace: String { dir.appendingPathComponent("nan-trace.npy").path }
        var dataset: String { dir.appendingPathComponent("synth").path }
        var stream: String { dir.appendingPathComponent("stream.mseed").path }
        func out(_ name: String) -> String { dir.appendingPathComponent("out-" + name).path }

        init() throws {
            dir = Fixtures.temporaryDirectory("vssl-cli-bad")
            let fm = FileManager.default
            try fm.createDirectory(atPath: dir.appendingPathComponent("empty").path, withIntermediateDirectories: true)
            try "time,label\nyesterday,VT\n".write(toFile: dir.appendingPathComponent("notes.txt").path, atomically: true, encoding: .utf8)
            let real = try Data(contentsOf: Fixtures.url("obspy/io/MBGA_STEIM2_be_512.mseed"))
            try real.prefix(700).write(to: URL(fileURLWithPath: dir.appendingPathComponent("truncated.mseed").path))
            var values = [Float](repeating: 0.5, count: 40 * 8)
            values[17] = .nan
            try NPY.write(NPYArray(values, shape: [40, 8]), to: dir.appendingPathComponent("nan.npy"))
            var trace = (0..<6000).map { Double($0 % 17) - 8 }
            trace[4321] = .infinity
            try NPY.write(NPYArray(trace), to: dir.appendingPathComponent("nan-trace.npy"))
            try fm.copyItem(at: Fixtures.url("obspy/io/MBGA_STEIM2_be_512.mseed"), to: dir.appendingPathComponent("stream.mseed"))
            let synth = try CommandLineTool.run(["synth", "--preset", "llaima-like", "--events", "40", "--seed", "1",
                                                 "--out", dir.appendingPathComponent("synth").path, "--quiet"])
            guard synth.status == 0 else { throw CommandLineToolError(message: "synth failed: \(synth.stderr)") }
        }
    }

    /// One bad invocation: what the error must mention, and which output must not appear.
    struct Case: CustomStringConvertible {
        let arguments: [String]
        let mentions: String
        let output: String?
        var description: String { "volcano-ssl " + arguments.joined(separator: " ") }
    }

    static func cases(_ i: Inputs) -> [Case] {
        let detect = ["--sta", "1", "--lta", "10", "--on", "3", "--off", "1", "--pre", "2", "--post", "8"]
        return [
            Case(arguments: ["pretrain", "tstcc", "--data", i.empty, "--out", i.out("p1")], mentions: "manifest.json", output: i.out("p1")),
            Case(arguments: ["pretrain", "tstcc", "--data", i.dataset, "--batch-size", "500", "--out", i.out("p2")],
                 mentions: "batch", output: i.out("p2")),
            Case(arguments: ["pretrain", "simclr", "--data", i.dataset, "--preset", "etna", "--out", i.out("p3")],
                 mentions: "3000", output: i.out("p3")),
            Case(arguments: ["embed", "--model", i.empty, "--data", i.dataset, "--out", i.out("e1")], mentions: i.empty, output: i.out("e1")),
            Case(arguments: ["classify", "supervised", "--data", i.dataset, "--label-fraction", "1.5", "--out", i.out("c1")],
                 mentions: "--label-fraction", output: i.out("c1")),
            Case(arguments: ["knn", "--data", i.empty], mentions: "manifest.json", output: nil),
            Case(arguments: ["synth", "--preset", "fuji-like", "--out", i.out("s1")], mentions: "fuji-like", output: i.out("s1")),
            Case(arguments: ["synth", "--events", "0", "--out", i.out("s2")], mentions: "--events", output: i.out("s2")),
            Case(arguments: ["score-detections", i.dataset, "--truth", i.text], mentions: i.text, output: nil),
            Case(arguments: ["info", i.truncated], mentions: i.truncated, output: nil),
            Case(arguments: ["convert", i.truncated, i.out("c.sac")], mentions: i.truncated, output: i.out("c.sac")),
            Case(arguments: ["convert", i.stream, i.out("c2.mseed"), "--start", "yesterday"], mentions: "--start yesterday", output: i.out("c2.mseed")),
            Case(arguments: ["convert", i.stream, i.out("c3.mseed"), "--start", "2020-01-02T00:00:00", "--end", "2020-01-01T00:00:00"],
                 mentions: "is before --start", output: i.out("c3.mseed")),
            Case(arguments: ["convert", i.stream, i.out("c4.mseed"), "--start", "1990-01-01T00:00:00", "--end", "1990-01-02T00:00:00"],
                 mentions: "holds no samples between", output: i.out("c4.mseed")),
            Case(arguments: ["detect", i.text] + detect + ["--out", i.out("d1")], mentions: i.text, output: i.out("d1")),
            Case(arguments: ["detect", i.truncated] + detect + ["--out", i.out("d2")], mentions: i.truncated, output: i.out("d2")),
            Case(arguments: ["detect", i.stream, "--bandpass", "1", "60"] + detect + ["--out", i.out("d3")],
                 mentions: "Nyquist", output: i.out("d3")),
            Case(arguments: ["detect", i.nanTrace, "--npy-rate", "100"] + detect + ["--out", i.out("d4")], mentions: "infinite sample (sample 4322", output: i.out("d4")),
            Case(arguments: ["umap", "fit", i.nan, "--out", i.out("u1")], mentions: "NaN", output: i.out("u1")),
            Case(arguments: ["umap", "transform", i.nan, "--model", i.empty, "--out", i.out("u2.npy")], mentions: i.empty, output: i.out("u2.npy")),
            Case(arguments: ["cluster", i.empty, "--clusters", "3"], mentions: "embeddings.npy", output: nil),
            Case(arguments: ["cluster", i.empty, "--clusters", "0"], mentions: "--clusters", output: nil),
            Case(arguments: ["evaluate", i.empty], mentions: "clusters.csv", output: nil),
            Case(arguments: ["demo", "--events", "5", "--out", i.out("demo")], mentions: "--events", output: i.out("demo")),
            Case(arguments: ["experiment", i.text], mentions: i.text, output: nil),
            Case(arguments: ["report", i.empty], mentions: "results.json", output: nil),
            Case(arguments: ["import", "llaima", i.empty, "--out", i.out("l1")], mentions: "vt.hdf5", output: i.out("l1")),
            Case(arguments: ["monitor", i.stream, "--model", i.empty, "--run", i.empty, "--out", i.out("m1")],
                 mentions: i.empty, output: i.out("m1")),
            Case(arguments: ["sweep", i.text, "--out", i.out("sw1")], mentions: i.text, output: i.out("sw1")),
            Case(arguments: ["import", "catalog", i.text, "--waveforms", i.empty, "--window", "60", "--out", i.out("ic1")],
                 mentions: i.text, output: i.out("ic1")),
        ]
    }

    @Test("each command rejects bad files and arguments with one clear error and no output")
    func badInputGivesOneClearError() throws {
        let inputs = try Inputs()
        defer { try? FileManager.default.removeItem(at: inputs.dir) }
        for c in Self.cases(inputs) {
            let run = try CommandLineTool.run(c.arguments)
            let err = run.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(run.status != 0 && run.status < 128, "\(c): exit status \(run.status) (0 = accepted, ≥ 128 = crashed)")
            // Progress lines may come first (stderr is not a terminal); then exactly one error.
            let errors = err.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
            #expect(errors.count == 1, "\(c): expected one error line in: \(err)")
            #expect(errors.first.map { $0.contains(c.mentions) } == true,
                    "\(c): the error line does not mention \(c.mentions): \(err)")
            #expect(!err.contains("Fatal error") && !err.contains("Stack dump"), "\(c): crashed: \(err)")
            if let out = c.output {
                #expect(!FileManager.default.fileExists(atPath: out), "\(c): left \(out) behind")
            }
            // No half-written temporary files next to the outputs either.
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: inputs.dir.path).filter { $0.hasPrefix("out-") || $0.hasPrefix(".out-") }
            #expect(leftovers.isEmpty, "\(c): left \(leftovers) in \(inputs.dir.path)")
        }
    }
}
