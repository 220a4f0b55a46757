import Foundation
import Seismology
import VolcanoCore

/// Where the continuous waveforms of a catalog import live.
public enum WaveformLayout: String, Sendable, CaseIterable {
    /// A folder (recursive) of miniSEED/SAC files of any names, indexed by their headers.
    case folder
    /// An SDS archive `YEAR/NET/STA/CHAN.TYPE/NET.STA.LOC.CHAN.TYPE.YEAR.DAY`.
    case sds
}

/// Settings of ``CatalogImport``.
public struct CatalogImportOptions: Sendable {
    /// The window and its preprocessing.
    public var cut: EventCutSettings
    /// Codes used when the catalog has no such column or an empty cell (`*`/`?` allowed;
    /// nil = any).
    public var defaults: ChannelSelection
    /// Folder or SDS archive; nil detects the SDS layout and falls back to a folder.
    public var layout: WaveformLayout?
    /// Leave out events that cannot be imported (listed in `skipped.csv`) instead of failing.
    public var skipMissing: Bool
    /// Smallest accepted fraction of a window's samples that hold data (0–1; 0 accepts any
    /// window with some data, gaps and ends being zero-filled).
    public var minCoverage: Double
    /// Seed and fractions of the stratified train/validation/test split (labelled catalogs).
    public var splitSeed: UInt64
    public var validation: Double
    public var test: Double
    /// Dataset name; nil = the catalog file's name without extension.
    public var name: String?

    public init(cut: EventCutSettings, defaults: ChannelSelection = ChannelSelection(), layout: WaveformLayout? = nil,
                skipMissing: Bool = false, minCoverage: Double = 0, splitSeed: UInt64 = 1, validation: Double = 0.15,
                test: Double = 0.15, name: String? = nil) {
        self.cut = cut
        self.defaults = defaults
        self.layout = layout
        self.skipMissing = skipMissing
        self.minCoverage = minCoverage
        self.splitSeed = splitSeed
        self.validation = validation
        self.test = test
        self.name = name
    }
}

/// A catalog event that was left out, and why.
public struct SkippedEvent: Sendable, Equatable {
    public var eventID: String
    public var line: Int
    public var onset: UTCDateTime
    public var reason: String
}

/// What an import produced.
public struct CatalogImportResult: Sendable {
    /// The events cut (in catalog order).
    public var dataset: Dataset
    /// Events left out (only with ``CatalogImportOptions/skipMissing``), in catalog order.
    public var skipped: [SkippedEvent]
    /// The waveform source, e.g. `SDS archive /data/sds`.
    public var sourceSummary: String
    /// Catalog columns that were not used.
    public var ignoredColumns: [String]

    /// Writes the Dataset folder and, when events were skipped, its `skipped.csv`
    /// (event_id, line, time, reason), all in one atomic step.
    public func write(to url: URL) throws {
        var extra: [String: Data] = [:]
        if !skipped.isEmpty { extra[CatalogImport.skippedFile] = Data(CatalogImport.skippedCSV(skipped).utf8) }
        try dataset.write(to: url, extraFiles: extra)
    }
}

/// `volcano-ssl import catalog`: a user's event catalog (CSV of onset times) plus their
/// continuous waveforms (a folder of miniSEED/SAC or an SDS archive) → a Dataset.
///
/// For each event (channel by channel in time order, so each file is decoded once): the trace of the selected
/// channel around the onset is read (only the files or day files that overlap it; pieces of
/// consecutive files, e.g. across midnight, are joined), cut and prepared by ``EventCut``
/// (window, optional demean/taper/band-pass/resample, zero fill where there is no data,
/// max-|amplitude| scaling). `events.csv` carries the labels and the quality columns
/// ``qualityColumns``; labelled catalogs get a stratified split. The manifest records the
/// catalog, the source and every processing step.
///
/// Events with no data, an all-zero window, a NaN sample (in the window, or anywhere in a file
/// it needs: the readers refuse such files), several matching channels, another
/// sampling rate than the first event, or less than ``CatalogImportOptions/minCoverage`` are
/// an error listing the first few (and how many) — unless ``CatalogImportOptions/skipMissing``,
/// which leaves them out and reports them in ``CatalogImportResult/skipped``.
public enum CatalogImport {
    /// Quality columns of `events.csv`: fraction of the window with data, zero samples
    /// before the data starts, after it ends and inside gaps, and the window's maximum
    /// |amplitude| before scaling (in the data's units).
    public static let qualityColumns = ["coverage", "padded_start", "padded_end", "gap_samples", "max_abs"]
    /// Name of the skipped-events file in the Dataset folder.
    public static let skippedFile = "skipped.csv"
    /// How many problem events an error message lists.
    static let listed = 5

    /// Opens the waveforms as `layout` says, or detects the layout.
    public static func openWaveforms(_ url: URL, layout: WaveformLayout?, progress: ProgressHandler? = nil) throws -> any WaveformSource {
        switch layout ?? (SDSArchive.looksLikeSDS(url) ? .sds : .folder) {
        case .sds: return try SDSArchive(url)
        case .folder: return try WaveformFolder(url, progress: progress)
        }
    }

    /// Imports the catalog at `catalogURL` with waveforms from `waveformsURL`.
    /// - Throws: `InputError` for a bad catalog, unreadable waveforms, or problem events
    ///   (unless skipped); nothing is written by this call.
    public static func run(catalog catalogURL: URL, waveforms waveformsURL: URL, options o: CatalogImportOptions,
                           progress: ProgressHandler? = nil) throws -> CatalogImportResult {
        let catalog = try EventCatalog.read(catalogURL)
        let source = try openWaveforms(waveformsURL, layout: o.layout, progress: progress)
        return try run(catalog: catalog, source: source, options: o, progress: progress)
    }

    /// Imports a parsed catalog from an opened waveform source.
    public static func run(catalog: EventCatalog, source: any WaveformSource, options o: CatalogImportOptions,
                           progress: ProgressHandler? = nil) throws -> CatalogImportResult {
        let events = catalog.events
        let selections = events.map { e in
            ChannelSelection(network: e.network ?? o.defaults.network, station: e.station ?? o.defaults.station,
                             location: e.location ?? o.defaults.location, channel: e.channel ?? o.defaults.channel)
        }
        // Channel by channel, in time order: each file is decoded once even with many stations.
        let keys = selections.map(\.description)
        let order = events.indices.sorted { (keys[$0], events[$0].onset, $0) < (keys[$1], events[$1].onset, $1) }
        var cuts = [EventCut?](repeating: nil, count: events.count)
        var sources = [String](repeating: "", count: events.count)
        var problems: [Int: String] = [:]
        var rate: Double?
        let s = o.cut
        for (done, i) in order.enumerated() {
            let e = events[i], sel = selections[i]
            // Read a second more on each side than the processed span, for sample snapping.
            let from = e.onset - (s.pre + s.margin + 1)
            let to = e.onset + ((s.length.map { $0 - s.pre } ?? s.post) + s.margin + 1)
            do {
                let (stream, files) = try source.traces(sel, from: from, to: to)
                let c = try EventCut.cut(stream, onset: e.onset, settings: s)
                if let r = rate, abs(1 - c.samplingRate / r) > 1e-9 {
                    problems[i] = "sampling rate \(c.samplingRate) Hz differs from the \(r) Hz of the other events (resample them all to one rate)"
                } else if c.coverage < o.minCoverage {
                    problems[i] = "only \(percent(c.coverage)) of the window holds data (minimum coverage \(percent(o.minCoverage)))"
                } else {
                    rate = rate ?? c.samplingRate
                    cuts[i] = c
                    sources[i] = files.map(\.lastPathComponent).joined(separator: "+")
                }
            } catch let p as EventCut.Problem {
                if p == .noData, try !source.hasChannel(sel, near: e.onset) {
                    problems[i] = "no channel matches \(sel) in the waveforms"
                } else if p == .noData {
                    problems[i] = "no data of \(sel) between \((e.onset - s.pre).iso8601) and \((e.onset + (s.length.map { $0 - s.pre } ?? s.post)).iso8601)"
                } else {
                    problems[i] = p.description
                }
            } catch let bad as InputError where bad.file != nil {
                // A waveform file that cannot be decoded (e.g. NaN samples) concerns the events
                // that need it: listed, or skipped with skipMissing.
                problems[i] = "unreadable waveforms: \(bad.description)"
            }
            progress?(ProgressUpdate(stage: "cutting events", completed: done + 1, total: events.count, unit: "events",
                                     metrics: [("skipped", Double(problems.count))]))
        }
        var skipped: [SkippedEvent] = []
        if !problems.isEmpty {
            let rows = problems.keys.sorted()
            if !o.skipMissing {
                let shown = rows.prefix(listed).map { "\(events[$0].eventID) (line \(events[$0].line), \(events[$0].onset.iso8601)): \(problems[$0]!)" }
                let more = rows.count > listed ? "; and \(rows.count - listed) more" : ""
                throw InputError("\(rows.count) of \(events.count) events cannot be imported: \(shown.joined(separator: "; "))\(more) (import with --skip-missing to leave them out and list them in \(skippedFile))", file: catalog.file)
            }
            skipped = rows.map { SkippedEvent(eventID: events[$0].eventID, line: events[$0].line, onset: events[$0].onset, reason: problems[$0]!) }
        }
        let kept = events.indices.filter { cuts[$0] != nil }
        guard let firstKept = kept.first, let outRate = rate else {
            throw InputError("none of the \(events.count) events could be imported (first: \(skipped.first?.reason ?? "no data"))", file: catalog.file)
        }
        let length = cuts[firstKept]!.samples.count
        var waveforms = [Float]()
        waveforms.reserveCapacity(kept.count * length)
        var records: [EventRecord] = []
        var channels: [String] = []
        for i in kept {
            let c = cuts[i]!, e = events[i]
            waveforms += c.samples.map { Float($0) }
            let codes = c.traceID.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if !channels.contains(codes[3]) { channels.append(codes[3]) }
            records.append(EventRecord(eventID: e.eventID, label: e.label, network: codes[0], station: codes[1], channel: codes[3],
                                       startTime: c.startTime, onsetOffset: e.onset - c.startTime, source: sources[i],
                                       quality: [c.coverage, Double(c.paddedStart), Double(c.paddedEnd), Double(c.gapSamples), c.maxAbs]))
        }
        let labels = Array(Set(records.compactMap(\.label))).sorted()
        var history: [ProcessingStep] = [
            ProcessingStep("import", ["catalog": .text(catalog.file), "waveforms": .text(source.summary),
                                      "catalog_events": .number(Double(events.count)), "imported": .number(Double(kept.count)),
                                      "skipped": .number(Double(skipped.count))]),
            ProcessingStep("select", ["network": .text(o.defaults.network ?? "*"), "station": .text(o.defaults.station ?? "*"),
                                      "location": .text(o.defaults.location ?? "*"), "channel": .text(o.defaults.channel ?? "*"),
                                      "note": "catalog columns override these defaults"]),
        ]
        history += s.history
        if o.minCoverage > 0 { history.append(ProcessingStep("reject", ["min_coverage": .number(o.minCoverage)])) }
        let name = o.name ?? URL(fileURLWithPath: catalog.file).deletingPathExtension().lastPathComponent
        let manifest = DatasetManifest(name: name, samplingRate: outRate, samplesPerEvent: length,
                                       channels: [channels.count == 1 ? channels[0] : channels.joined(separator: "|")],
                                       classNames: labels, eventCount: records.count, qualityColumns: qualityColumns,
                                       preprocessing: history)
        var dataset = Dataset(manifest: manifest, waveforms: waveforms, events: records)
        if !labels.isEmpty {
            StratifiedSplit.assign(&dataset, validation: o.validation, test: o.test, seed: o.splitSeed)
            dataset.manifest.preprocessing.append(ProcessingStep("split", ["method": "stratified", "validation": .number(o.validation),
                                                                           "test": .number(o.test), "seed": .number(Double(o.splitSeed))]))
        }
        return CatalogImportResult(dataset: dataset, skipped: skipped, sourceSummary: source.summary,
                                   ignoredColumns: catalog.ignoredColumns)
    }

    /// The text of `skipped.csv`.
    public static func skippedCSV(_ skipped: [SkippedEvent]) -> String {
        CSVTable.render(header: ["event_id", "line", "time", "reason"],
                        rows: skipped.map { [$0.eventID, String($0.line), $0.onset.iso8601, $0.reason] })
    }

    static func percent(_ f: Double) -> String { "\(Int((f * 100).rounded())) %" }
}
