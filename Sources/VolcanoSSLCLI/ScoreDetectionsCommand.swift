import ArgumentParser
import Foundation
import VolcanoCore
import VolcanoData

/// `volcano-ssl score-detections`: precision and recall of detected onsets against a
/// ground-truth catalog (e.g. the one `synth --continuous` writes).
struct ScoreDetectionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score-detections",
        abstract: "Score detected onsets against a ground-truth catalog (precision, recall within a tolerance).",
        discussion: """
        DETECTIONS is a CSV file with an ISO-8601 onset column (onset_time, onset or time) or a \
        Dataset folder (start_time + onset_offset). TRUTH is a catalog.csv written by \
        `volcano-ssl synth --continuous` (onset_time, onset_snr_db). Detections and true onsets \
        are paired one-to-one, closest first, within --tolerance seconds. Recall counts the true \
        events with onset SNR ≥ --min-snr dB; precision counts every detection.

        Example:
          volcano-ssl synth --preset etna-like --continuous 6 --seed 1 --out data/etna-stream
          volcano-ssl score-detections data/etna/events.csv --truth data/etna-stream/catalog.csv --min-snr 10
        """
    )

    @Argument(help: "Detections: a CSV file with an onset column, or a Dataset folder.")
    var detections: String

    @Option(name: .long, help: "Ground-truth catalog.csv.")
    var truth: String

    @Option(name: .long, help: "Largest |detection − true onset| counted as a hit, in seconds.")
    var tolerance: Double = 1

    @Option(name: .customLong("min-snr"), help: "Recall counts true events with onset SNR at or above this (dB).")
    var minSNR: Double = 10

    @Option(name: .long, help: "Also write the scores as JSON to this file.")
    var out: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        guard tolerance >= 0, tolerance.isFinite else { throw ValidationError("--tolerance must be ≥ 0 seconds, got \(tolerance).") }
        let det = try DetectionScore.readDetections(URL(fileURLWithPath: detections))
        let gt = try SyntheticStream.readCatalog(URL(fileURLWithPath: truth))
        let s = DetectionScore(detections: det, truth: gt, tolerance: tolerance, minimumSNR: minSNR)
        func f(_ v: Double) -> String { v.isNaN ? "n/a" : String(format: "%.3f", v) }
        print("detections \(det.count), true events \(gt.count) (\(s.eventsAboveSNR) with onset SNR ≥ \(minSNR) dB), tolerance ±\(tolerance) s")
        print("precision \(f(s.precision))  (\(s.matchedDetections) matched, \(s.falsePositives) false)")
        print("recall    \(f(s.recall))  (\(s.foundAboveSNR) of \(s.eventsAboveSNR) events ≥ \(minSNR) dB; all events: \(f(s.recallAllEvents)))")
        print("onset error median \(f(s.medianOffset)) s, max \(f(s.maximumOffset)) s")
        if let out {
            let json: [String: Double] = [
                "precision": s.precision, "recall": s.recall, "recall_all_events": s.recallAllEvents,
                "detections": Double(det.count), "events": Double(gt.count), "events_above_snr": Double(s.eventsAboveSNR),
                "found_above_snr": Double(s.foundAboveSNR), "false_positives": Double(s.falsePositives),
                "median_onset_error_s": s.medianOffset, "max_onset_error_s": s.maximumOffset,
                "tolerance_s": tolerance, "min_snr_db": minSNR,
            ]
            var text = "{\n"
            text += json.keys.sorted().map { k in
                let v = json[k]!
                return "  \"\(k)\": \(v.isNaN ? "null" : (v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)))"
            }.joined(separator: ",\n")
            text += "\n}\n"
            try AtomicFile.write(text, to: URL(fileURLWithPath: out))
        }
    }
}
