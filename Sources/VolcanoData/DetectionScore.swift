import Foundation
import Seismology
import VolcanoCore

/// Precision and recall of detected onsets against a ground-truth catalog.
///
/// Detections and true onsets are paired one-to-one: every pair closer than `tolerance`
/// seconds is a candidate, and candidates are accepted from the closest up while neither
/// side is taken yet. A detection without a partner is a false positive; a true event
/// without one is missed. With a minimum SNR, recall counts only the true events at or
/// above it (the ones a detector is expected to find), while precision still counts every
/// detection that matches any true event as correct.
public struct DetectionScore: Sendable, Equatable {
    /// Detections paired with a true event (any SNR).
    public var matchedDetections: Int
    /// Detections with no true event within the tolerance.
    public var falsePositives: Int
    /// True events at or above the SNR threshold, and how many of them were found.
    public var eventsAboveSNR: Int
    public var foundAboveSNR: Int
    /// All true events, and how many were found.
    public var events: Int
    public var found: Int
    /// Median and largest |detection − true onset| over the pairs, s (NaN without pairs).
    public var medianOffset: Double
    public var maximumOffset: Double
    /// The settings.
    public var tolerance: Double
    public var minimumSNR: Double
    /// The accepted pairs, by detection: indices into the `detections` and `truth` arrays as
    /// given, e.g. to compare a detection's cluster with the true event's class.
    public var matches: [Match]

    /// A detection paired with a true event.
    public struct Match: Sendable, Equatable {
        /// Index into `detections` and into `truth`.
        public var detection: Int, truth: Int
        /// |detection − true onset| in s.
        public var offset: Double
    }

    /// Matched detections / all detections (NaN without detections).
    public var precision: Double {
        let n = matchedDetections + falsePositives
        return n == 0 ? .nan : Double(matchedDetections) / Double(n)
    }

    /// Found / true events at or above the SNR threshold (NaN if there are none).
    public var recall: Double { eventsAboveSNR == 0 ? .nan : Double(foundAboveSNR) / Double(eventsAboveSNR) }

    /// Found / all true events.
    public var recallAllEvents: Double { events == 0 ? .nan : Double(found) / Double(events) }

    /// Scores `detections` (onset times) against `truth` (onset times with SNR in dB).
    /// - Parameters:
    ///   - tolerance: largest |detection − true onset| counted as a hit, s (paper-style: 1 s).
    ///   - minimumSNR: recall counts true events with SNR ≥ this (dB); `-infinity` counts all.
    public init(detections: [UTCDateTime], truth: [(onset: UTCDateTime, snrDB: Double)], tolerance: Double = 1,
                minimumSNR: Double = -.infinity) {
        precondition(tolerance >= 0, "DetectionScore: tolerance must be ≥ 0, got \(tolerance)")
        let detOrder = detections.indices.sorted { detections[$0] < detections[$1] }
        let det = detOrder.map { detections[$0] }
        let order = truth.indices.sorted { truth[$0].onset < truth[$1].onset }
        var pairs: [(Double, Int, Int)] = []
        var lo = 0
        for (ti, t) in order.enumerated() {
            let onset = truth[t].onset
            while lo < det.count, det[lo] - onset < -tolerance { lo += 1 }
            var j = lo
            while j < det.count, det[j] - onset <= tolerance {
                pairs.append((abs(det[j] - onset), ti, j))
                j += 1
            }
        }
        pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : ($0.1 != $1.1 ? $0.1 < $1.1 : $0.2 < $1.2) }
        var truthTaken = [Bool](repeating: false, count: order.count)
        var detTaken = [Bool](repeating: false, count: det.count)
        var offsets: [Double] = []
        var matches: [Match] = []
        for (d, ti, j) in pairs where !truthTaken[ti] && !detTaken[j] {
            truthTaken[ti] = true
            detTaken[j] = true
            offsets.append(d)
            matches.append(Match(detection: detOrder[j], truth: order[ti], offset: d))
        }
        self.matches = matches.sorted { $0.detection < $1.detection }
        matchedDetections = offsets.count
        falsePositives = det.count - offsets.count
        events = truth.count
        found = offsets.count
        var above = 0, foundAbove = 0
        for (ti, t) in order.enumerated() where truth[t].snrDB >= minimumSNR {
            above += 1
            if truthTaken[ti] { foundAbove += 1 }
        }
        eventsAboveSNR = above
        foundAboveSNR = foundAbove
        offsets.sort()
        medianOffset = offsets.isEmpty ? .nan : offsets[offsets.count / 2]
        maximumOffset = offsets.last ?? .nan
        self.tolerance = tolerance
        self.minimumSNR = minimumSNR
    }

    /// Reads detection onsets from a CSV file with an ISO-8601 column `onset_time`, `onset`
    /// or `time`, or from a Dataset folder (`start_time` + `onset_offset` of `events.csv`).
    public static func readDetections(_ url: URL) throws -> [UTCDateTime] {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue {
            let d = try Dataset.read(from: url)
            return d.events.map { $0.startTime + ($0.onsetOffset.isNaN ? 0 : $0.onsetOffset) }
        }
        let t = try CSVTable.read(url)
        guard let c = t.column("onset_time") ?? t.column("onset") ?? t.column("time") else {
            throw InputError("has no onset column (expected onset_time, onset or time with ISO-8601 UTC times, or a Dataset folder)", file: url.path)
        }
        return try t.rows.enumerated().map { k, r in
            guard let time = UTCDateTime(iso8601: r[c]) else {
                throw InputError("line \(k + 2): \(t.header[c]) \"\(r[c])\" is not an ISO-8601 time", file: url.path)
            }
            return time
        }
    }
}
