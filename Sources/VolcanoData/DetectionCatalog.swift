import Foundation
import Seismology
import VolcanoCore

/// Detected events turned into a Dataset: the output of `volcano-ssl detect` (and the input
/// of `volcano-ssl monitor`).
///
/// Each kept event's window is zero-padded or cut to the common length, scaled by its maximum
/// |amplitude| (an all-zero window is left as it is and flagged `all_zero = 1`), and listed in
/// `events.csv` with the quality columns ``qualityColumns``; `triggers.csv` lists every trigger
/// with its quality and whether it was kept.
public struct DetectionCatalog: Sendable {
    /// The paper's Etna event selection: keep events whose peak-to-peak amplitude and maximum
    /// STA/LTA lie above medians, with the peak before 90 % of the window.
    public enum Selection: Sendable, Equatable {
        /// Keep every trigger.
        case all
        /// Strict selection with the medians of this batch of triggers (`detect --quality strict`).
        case strict
        /// Strict selection against fixed medians, e.g. those of a training dataset, so that new
        /// data is selected exactly as the training data was.
        case strictAgainst(medianPeakToPeak: Double, medianMaxSTALTA: Double)
    }

    /// Names of the quality columns of `events.csv`, in order.
    public static let qualityColumns = ["trigger_duration", "max_sta_lta", "peak_to_peak", "peak_fraction", "p2p_above_median",
                                        "sta_lta_above_median", "peak_before_90pct", "strict_pass", "all_zero"]

    /// The kept events as a Dataset (float32 [N, 1, L], event ids `det-NNNNNN` by trigger order).
    public var dataset: Dataset
    /// The text of `triggers.csv`.
    public var triggersCSV: String
    /// Triggers before selection.
    public var triggerCount: Int
    /// Kept events whose window was all zeros (left unnormalised).
    public var allZeroCount: Int

    /// Builds the catalog.
    /// - Parameters:
    ///   - events: detections (e.g. ``ContinuousDetection/Result/events``).
    ///   - rate: their processing rate in Hz.
    ///   - settings: the detection settings (window length, history).
    ///   - sourceNotes: one note per source file, recorded in the history.
    ///   - selection: which triggers become events.
    ///   - name: the Dataset name.
    public init(events: [DetectedEvent], rate: Double, settings: DetectionSettings, sourceNotes: [String],
                selection: Selection, name: String) {
        let length = settings.windowLength.map { Int(($0 * rate).rounded()) }
            ?? Int((settings.pre * rate).rounded()) + Int((settings.post * rate).rounded()) + 1
        let qualities = events.map(\.quality)
        let filter = StrictQualityFilter()
        let mp: Double, mc: Double
        switch selection {
        case .strictAgainst(let p, let c): (mp, mc) = (p, c)
        case .all, .strict:
            mp = qualities.isEmpty ? 0 : median(qualities.map(\.peakToPeak))
            mc = qualities.isEmpty ? 0 : median(qualities.map(\.maxSTALTA))
        }
        let pass = qualities.map { $0.peakToPeak > mp && $0.maxSTALTA > mc && $0.peakFraction < filter.peakLimit && !$0.isAllZero }
        var waveforms: [Float] = []
        var records: [EventRecord] = []
        var triggers = "event_id,network,station,location,channel,onset,offset,max_sta_lta,peak_to_peak,peak_fraction,strict_pass,all_zero,kept\n"
        var allZero = 0
        for (i, e) in events.enumerated() {
            let q = e.quality
            let id = String(format: "det-%06d", i)
            let kept = selection == .all || pass[i]
            let flags = [q.peakToPeak > mp, q.maxSTALTA > mc, q.peakFraction < filter.peakLimit, pass[i], q.isAllZero]
            triggers += "\(id),\(e.network),\(e.station),\(e.location),\(e.channel),\(e.onsetTime.iso8601),\(e.offsetTime.iso8601),"
                + "\(q.maxSTALTA),\(q.peakToPeak),\(q.peakFraction),\(pass[i] ? 1 : 0),\(q.isAllZero ? 1 : 0),\(kept ? 1 : 0)\n"
            guard kept else { continue }
            var w = EventWindow.padOrCut(e.window, to: length)
            if EventWindow.normalize(&w) == 0 { allZero += 1 }
            waveforms += w.map { Float($0) }
            records.append(EventRecord(
                eventID: id, label: nil, network: e.network, station: e.station, channel: e.channel,
                startTime: e.windowStart, onsetOffset: e.onsetTime - e.windowStart, source: "sta-lta",
                quality: [e.offsetTime - e.onsetTime, q.maxSTALTA, q.peakToPeak, q.peakFraction] + flags.map { $0 ? 1.0 : 0.0 }))
        }
        var history = settings.processingSteps
        history.append(ProcessingStep("normalize", ["by": "max_abs"]))
        if selection != .all {
            history.append(ProcessingStep("quality_filter", ["mode": "strict", "median_p2p": .number(mp),
                                                             "median_max_sta_lta": .number(mc), "peak_limit": .number(filter.peakLimit)]))
        }
        history.append(ProcessingStep("source_files", ["files": .text(sourceNotes.joined(separator: ";"))]))
        let manifest = DatasetManifest(name: name, samplingRate: rate, samplesPerEvent: length,
                                       channels: ["Z"], classNames: [], eventCount: records.count,
                                       qualityColumns: Self.qualityColumns, preprocessing: history)
        dataset = Dataset(manifest: manifest, waveforms: waveforms, events: records)
        triggersCSV = triggers
        triggerCount = events.count
        allZeroCount = allZero
    }

    /// The selection recorded in a processing history: `.strictAgainst` the recorded medians
    /// when it has a strict `quality_filter` step, else `.all`.
    public static func selection(recordedIn steps: [ProcessingStep]) -> Selection {
        guard let q = steps.last(where: { $0.name == "quality_filter" }),
              case .number(let p)? = q.parameters["median_p2p"], case .number(let c)? = q.parameters["median_max_sta_lta"] else {
            return .all
        }
        return .strictAgainst(medianPeakToPeak: p, medianMaxSTALTA: c)
    }

    /// Writes the Dataset folder plus `triggers.csv` atomically (replacing `url`).
    public func write(to url: URL) throws {
        let triggerText = triggersCSV
        try AtomicFile.writeDirectory(url) { staging in
            try dataset.write(to: staging)
            try AtomicFile.write(triggerText, to: staging.appendingPathComponent("triggers.csv"))
        }
    }
}
