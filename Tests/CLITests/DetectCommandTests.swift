import Foundation
import Testing
import TestSupport
import VolcanoCore

/// `volcano-ssl detect` on a whole day of 100 Hz miniSEED: streamed in bounded memory, and the
/// catalog it writes equals the one from processing the whole decoded day in memory.
@Suite("volcano-ssl detect on a 24-hour file", .serialized)
struct DetectCommandTests {
    static let samples = 24 * 3600 * 100

    /// The catalog rows of a detect output folder.
    static func catalog(_ dir: String) throws -> [[String: String]] {
        let text = try String(contentsOfFile: dir + "/events.csv", encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    @Test("streaming detect: peak memory well under the decoded day; catalog equals the in-memory run")
    func dayLongDetection() throws {
        let dir = Fixtures.temporaryDirectory("vssl-cli-day")
        defer { try? FileManager.default.removeItem(at: dir) }
        let day = dir.appendingPathComponent("day").path
        let synth = try CommandLineTool.run(["synth", "--preset", "etna-like", "--continuous", "24", "--seed", "3",
                                             "--out", day, "--quiet"])
        try #require(synth.status == 0, "synth: \(synth.stderr)")
        let file = day + "/stream.mseed"
        let info = try CommandLineTool.run(["info", file])
        #expect(info.stdout.contains("100.0 Hz, \(Self.samples) samples"), "\(info.stdout)")

        let baseline = try CommandLineTool.run(["--version"]).peakMemoryBytes
        let decodedDay = Self.samples * MemoryLayout<Double>.size     // 69 MB as the Float64 trace
        // Native 100 Hz chain (no resampling): the overlapping blocks make streaming exact to rounding.
        let native = ["--bandpass", "1", "10", "--sta", "0.5", "--lta", "5", "--on", "3", "--off", "1", "--pre", "2", "--post", "8", "--quiet"]
        let streamed = try CommandLineTool.run(["detect", file] + native + ["--out", dir.appendingPathComponent("s").path])
        let whole = try CommandLineTool.run(["detect", file] + native + ["--in-memory", "--out", dir.appendingPathComponent("m").path])
        try #require(streamed.status == 0 && whole.status == 0, "\(streamed.stderr) \(whole.stderr)")
        let grown = streamed.peakMemoryBytes - baseline
        #expect(grown < decodedDay / 2, "streaming detect grew by \(grown >> 20) MiB over the \(baseline >> 20) MiB process baseline; the decoded day is \(decodedDay >> 20) MiB")
        #expect(streamed.peakMemoryBytes * 3 < whole.peakMemoryBytes,
                "streaming \(streamed.peakMemoryBytes >> 20) MiB vs in-memory \(whole.peakMemoryBytes >> 20) MiB")
        let a = try Self.catalog(dir.appendingPathComponent("s").path), b = try Self.catalog(dir.appendingPathComponent("m").path)
        #expect(a.count > 500 && a.count == b.count, "\(a.count) vs \(b.count) events")
        for (x, y) in zip(a, b) {
            for key in ["event_id", "start_time", "onset_offset", "trigger_duration", "peak_fraction", "strict_pass", "all_zero"] {
                #expect(x[key] == y[key], "\(key): \(x[key] ?? "-") vs \(y[key] ?? "-")")
            }
            for key in ["max_sta_lta", "peak_to_peak"] {
                let u = Double(x[key] ?? "") ?? .nan, v = Double(y[key] ?? "") ?? .nan
                #expect(abs(u - v) <= 1e-9 * abs(v), "\(key): \(u) vs \(v)")
            }
        }
        let ws = try NPY.read(dir.appendingPathComponent("s/waveforms.npy")).floats()
        let wm = try NPY.read(dir.appendingPathComponent("m/waveforms.npy")).floats()
        #expect(ws.count == wm.count && maxAbsoluteError(ws, wm) <= 1e-6)

        // The Etna chain resamples 100 → 15 Hz with ObsPy's FFT resampler, which is global: block
        // processing differs from the whole-day transform by ~1e-4 of the maximum. Every event is
        // still found at the same onset; a trigger's end may move by one 15 Hz sample.
        let etna = ["--bandpass", "0.5", "7", "--resample", "15", "--sta", "1", "--lta", "7.5", "--on", "2.8", "--off", "0.5",
                    "--pre", "3", "--post", "6", "--quiet"]
        let es = try CommandLineTool.run(["detect", file] + etna + ["--out", dir.appendingPathComponent("es").path])
        let em = try CommandLineTool.run(["detect", file] + etna + ["--in-memory", "--out", dir.appendingPathComponent("em").path])
        try #require(es.status == 0 && em.status == 0, "\(es.stderr) \(em.stderr)")
        #expect(es.peakMemoryBytes - baseline < decodedDay / 2)
        let c = try Self.catalog(dir.appendingPathComponent("es").path), d = try Self.catalog(dir.appendingPathComponent("em").path)
        #expect(c.count > 500 && c.count == d.count, "\(c.count) vs \(d.count) events")
        #expect(c.map { $0["start_time"] } == d.map { $0["start_time"] })
        var moved = 0
        for (x, y) in zip(c, d) {
            let u = Double(x["trigger_duration"] ?? "") ?? .nan, v = Double(y["trigger_duration"] ?? "") ?? .nan
            #expect(abs(u - v) <= 1.0 / 15 + 1e-6)
            if u != v { moved += 1 }
            let s = Double(x["max_sta_lta"] ?? "") ?? .nan, t = Double(y["max_sta_lta"] ?? "") ?? .nan
            #expect(abs(s - t) <= 2e-3 * t)
        }
        #expect(moved * 100 <= c.count, "\(moved) of \(c.count) trigger ends moved")
    }
}
