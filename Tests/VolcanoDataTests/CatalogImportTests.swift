import Foundation
import Seismology
import Testing
import TestSupport
import VolcanoCore
@testable import VolcanoData

/// `import catalog` on a 3-hour synthetic record (22:30 to 01:30 UTC, so it crosses midnight)
/// written as hourly miniSEED files, hourly SAC files and an SDS archive of two day files:
/// every imported window must equal the one cut from the in-memory trace.
@Suite struct CatalogImportTests {
    static let start = UTCDateTime(year: 2023, month: 12, day: 31, hour: 22, minute: 30)
    static let midnight = UTCDateTime(year: 2024, month: 1, day: 1)
    /// The record and its ground truth (made once; about 0.3 s).
    static let record = SyntheticVolcano(preset: .etnaLike).continuousStream(hours: 3, seed: 11, start: start)
    static var trace: Trace { record.trace }

    /// The ground-truth events plus one across midnight, one across the 23:30 file boundary
    /// and one 20 s before the end of the data.
    static var events: [(id: String, time: UTCDateTime, label: String)] {
        record.catalog.map { ($0.eventID, $0.onset, $0.eventClass.rawValue) } + [
            ("across-midnight", midnight - 25.0, "VT"),
            ("across-files", UTCDateTime(year: 2023, month: 12, day: 31, hour: 23, minute: 29, second: 40), "LP"),
            ("near-end", trace.endTime - 20.0, "LP"),
        ]
    }

    /// A catalog CSV with `time`, `event_id`, `label` and an ignored `magnitude` column.
    static func writeCatalog(_ dir: URL, rows: [(id: String, time: String, label: String)]? = nil, header: String = "event_id,time,label,magnitude") throws -> URL {
        let rows = rows ?? events.map { ($0.id, $0.time.iso8601, $0.label) }
        var text = header + "\n"
        for r in rows { text += "\(r.id),\(r.time),\(r.label),1.5\n" }
        let url = dir.appendingPathComponent("catalog.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// The trace cut into pieces at the given times (each piece starts on the sample grid).
    static func pieces(_ t: Trace, at cuts: [UTCDateTime]) -> [Trace] {
        var bounds = [0] + cuts.map { Int((($0 - t.startTime) * t.samplingRate).rounded(.up)) } + [t.count]
        bounds = bounds.map { min(max($0, 0), t.count) }
        return (0..<(bounds.count - 1)).compactMap { k in
            guard bounds[k] < bounds[k + 1] else { return nil }
            var p = t
            p.samples = Array(t.samples[bounds[k]..<bounds[k + 1]])
            p.startTime = t.time(ofSample: bounds[k])
            return p
        }
    }

    static var hourCuts: [UTCDateTime] { [start + 3600.0, start + 7200.0] }

    static func miniSEEDFolder(_ dir: URL, trace t: Trace = trace) throws -> URL {
        let w = dir.appendingPathComponent("raw")
        try FileManager.default.createDirectory(at: w, withIntermediateDirectories: true)
        for (k, p) in pieces(t, at: hourCuts).enumerated() {
            try MiniSEED.encode(SeismicStream([p]), encoding: .steim2).write(to: w.appendingPathComponent("hour-\(k).mseed"))
        }
        try "not a waveform".write(to: w.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        return w
    }

    static func sdsArchive(_ dir: URL) throws -> URL {
        let root = dir.appendingPathComponent("sds")
        for p in pieces(trace, at: [midnight]) {
            let rel = SDSArchive.relativePath(network: p.network, station: p.station, location: p.location, channel: p.channel,
                                              year: p.startTime.components.year, day: p.startTime.dayOfYear)
            let url = root.appendingPathComponent(rel)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try MiniSEED.encode(SeismicStream([p]), encoding: .steim2).write(to: url)
        }
        return root
    }

    /// The 60 s window from the onset, cut by index from the in-memory samples, zero-padded
    /// past the end, divided by its max |amplitude|.
    static func expectedWindow(_ onset: UTCDateTime, trace t: Trace = trace) -> (samples: [Float], covered: Int) {
        let k = Int(((onset - t.startTime) * t.samplingRate).rounded())
        var w = [Double](repeating: 0, count: 6000)
        var covered = 0
        for j in 0..<6000 where k + j < t.count {
            w[j] = t.samples[k + j]
            covered += 1
        }
        let m = w.map(abs).max()!
        return (w.map { Float($0 / m) }, covered)
    }

    static let window = EventCutSettings(pre: 0, post: 0, length: 60)

    func checkPlainImport(_ d: Dataset) {
        let events = Self.events
        #expect(d.count == events.count)
        #expect(d.events.map(\.eventID) == events.map(\.id))
        #expect(d.events.map(\.label) == events.map(\.label))
        #expect(d.manifest.classNames == Array(Set(events.map(\.label))).sorted())
        #expect(d.length == 6000 && d.manifest.samplingRate == 100 && d.manifest.channels == ["HHZ"])
        #expect(d.manifest.qualityColumns == CatalogImport.qualityColumns)
        #expect(d.manifest.preprocessing.map(\.name) == ["import", "select", "cut", "zero_fill", "normalize", "split"])
        #expect(Set(d.events.map(\.split)) == [.train, .validation, .test])
        for (i, e) in events.enumerated() {
            let (w, covered) = Self.expectedWindow(e.time)
            #expect(Array(d.waveform(i)) == w, "window of \(e.id)")
            #expect(d.events[i].quality[2] == Double(6000 - covered), "padded_end of \(e.id)")
            #expect(d.events[i].station == "ETN1" && d.events[i].network == Self.trace.network)
        }
        let tail = d.events.last!
        #expect(tail.eventID == "near-end" && tail.quality[2] == 6000 - 2001 && abs(tail.quality[0] - 2001.0 / 6000) < 1e-12)
        #expect(d.waveform(d.count - 1).suffix(3999).allSatisfy { $0 == 0 })
    }

    @Test func folderOfMiniSEEDFilesGivesTheInMemoryWindows() throws {
        let dir = Fixtures.temporaryDirectory("catalog-folder")
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try Self.writeCatalog(dir)
        let waveforms = try Self.miniSEEDFolder(dir)
        let r = try CatalogImport.run(catalog: catalog, waveforms: waveforms, options: CatalogImportOptions(cut: Self.window))
        #expect(r.sourceSummary.hasPrefix("folder ") && r.sourceSummary.contains("(3 miniSEED/SAC files)"))
        #expect(r.ignoredColumns == ["magnitude"] && r.skipped.isEmpty)
        checkPlainImport(r.dataset)
        let across = r.dataset.events.first { $0.eventID == "across-files" }!
        #expect(across.source == "hour-0.mseed+hour-1.mseed" && across.quality[0] == 1)
        // Written and read back as a Dataset folder, without skipped.csv.
        let out = dir.appendingPathComponent("out")
        try r.write(to: out)
        let back = try Dataset.read(from: out)
        #expect(back.waveforms == r.dataset.waveforms && back.events == r.dataset.events)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("skipped.csv").path))
    }

    @Test func sdsArchiveReadsTheDaysAnEventTouches() throws {
        let dir = Fixtures.temporaryDirectory("catalog-sds")
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try Self.writeCatalog(dir)
        let sds = try Self.sdsArchive(dir)
        #expect(SDSArchive.looksLikeSDS(sds) && !SDSArchive.looksLikeSDS(dir))
        let r = try CatalogImport.run(catalog: catalog, waveforms: sds, options: CatalogImportOptions(cut: Self.window))
        #expect(r.sourceSummary.hasPrefix("SDS archive"))
        checkPlainImport(r.dataset)
        let across = r.dataset.events.first { $0.eventID == "across-midnight" }!
        #expect(across.source == "XV.ETN1..HHZ.D.2023.365+XV.ETN1..HHZ.D.2024.001" && across.quality[0] == 1)
        let early = r.dataset.events.first { $0.eventID == "across-files" }!
        #expect(early.source == "XV.ETN1..HHZ.D.2023.365")

        // The Etna chain on the window ± 10 s: equal to the same cut of the in-memory trace.
        let etna = EventCutSettings(pre: 3, post: 6, margin: 10, demean: true, taperFraction: 0.05,
                                    bandpass: (0.5, 7), resampleRate: 15)
        let p = try CatalogImport.run(catalog: catalog, waveforms: sds, options: CatalogImportOptions(cut: etna, layout: .sds))
        let d = p.dataset
        #expect(d.length == 136 && d.manifest.samplingRate == 15)
        #expect(d.manifest.preprocessing.map(\.name) == ["import", "select", "cut", "detrend", "taper", "bandpass", "resample",
                                                        "trim", "zero_fill", "normalize", "split"])
        let bp = d.manifest.preprocessing[5].parameters
        #expect(bp["freqmin"] == 0.5 && bp["freqmax"] == 7 && bp["corners"] == 4 && bp["zerophase"] == true)
        for (i, e) in Self.events.enumerated() {
            let c = try EventCut.cut(SeismicStream([Self.trace]), onset: e.time, settings: etna)
            let got = Array(d.waveform(i))
            #expect(got == c.samples.map { Float($0) }, "window of \(e.id)")
            #expect(got.map { abs($0) }.max() == 1)
            #expect(d.events[i].startTime == c.startTime && abs(d.events[i].onsetOffset - 3) < 0.04)
        }
    }

    @Test func sacFilesGiveTheSameWindows() throws {
        let dir = Fixtures.temporaryDirectory("catalog-sac")
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try Self.writeCatalog(dir)
        let w = dir.appendingPathComponent("sac")
        try FileManager.default.createDirectory(at: w, withIntermediateDirectories: true)
        for (k, p) in Self.pieces(Self.trace, at: Self.hourCuts).enumerated() {
            try SAC.write(p, to: w.appendingPathComponent("piece\(k).sac"))
        }
        // Integer counts below 2^24 are exact in SAC's float32.
        #expect(Self.trace.samples.allSatisfy { Double(Float($0)) == $0 })
        let r = try CatalogImport.run(catalog: catalog, waveforms: w, options: CatalogImportOptions(cut: Self.window))
        checkPlainImport(r.dataset)
        #expect(r.dataset.events.first { $0.eventID == "across-files" }!.source == "piece0.sac+piece1.sac")
    }

    @Test func gapsAreZeroFilledAndCountedOrRejected() throws {
        let dir = Fixtures.temporaryDirectory("catalog-gap")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Remove samples 23:00:10.00 … 23:00:14.99 (500 samples).
        let t = Self.trace
        let g0 = Int(((Self.start + 1810.0) - t.startTime) * 100), g1 = g0 + 500
        var a = t, b = t
        a.samples = Array(t.samples[..<g0])
        b.samples = Array(t.samples[g1...])
        b.startTime = t.time(ofSample: g1)
        let w = dir.appendingPathComponent("raw")
        try FileManager.default.createDirectory(at: w, withIntermediateDirectories: true)
        try MiniSEED.encode(SeismicStream([a]), encoding: .steim2).write(to: w.appendingPathComponent("a.mseed"))
        try MiniSEED.encode(SeismicStream([b]), encoding: .steim2).write(to: w.appendingPathComponent("b.mseed"))
        let onset = Self.start + 1800.0
        let catalog = try Self.writeCatalog(dir, rows: [("gappy", onset.iso8601, ""), ("clean", (onset + 600.0).iso8601, "")])
        let r = try CatalogImport.run(catalog: catalog, waveforms: w, options: CatalogImportOptions(cut: Self.window))
        let d = r.dataset
        #expect(d.manifest.classNames.isEmpty && d.events.allSatisfy { $0.split == .unassigned && $0.label == nil })
        #expect(!d.manifest.preprocessing.map(\.name).contains("split"))
        #expect(d.events[0].quality[0] == 5500.0 / 6000 && d.events[0].quality[3] == 500 && d.events[0].quality[1] == 0)
        #expect(d.events[1].quality[0] == 1 && d.events[1].quality[3] == 0)
        var expected = Array(t.samples[(g0 - 1000)..<(g0 + 5000)])
        for j in 1000..<1500 { expected[j] = 0 }
        let m = expected.map(abs).max()!
        #expect(Array(d.waveform(0)) == expected.map { Float($0 / m) })
        // With a minimum coverage the gappy window is an error, or skipped.
        var o = CatalogImportOptions(cut: Self.window, minCoverage: 0.95)
        #expect(throws: InputError.self) { try CatalogImport.run(catalog: catalog, waveforms: w, options: o) }
        o.skipMissing = true
        let s = try CatalogImport.run(catalog: catalog, waveforms: w, options: o)
        #expect(s.dataset.events.map(\.eventID) == ["clean"])
        #expect(s.skipped.map(\.reason) == ["only 92 % of the window holds data (minimum coverage 95 %)"])
    }

    /// Runs the import and writes it, as the command does.
    static func importAndWrite(_ catalog: URL, _ waveforms: URL, to out: URL, skip: Bool = false) throws -> CatalogImportResult {
        let r = try CatalogImport.run(catalog: catalog, waveforms: waveforms,
                                      options: CatalogImportOptions(cut: window, skipMissing: skip))
        try r.write(to: out)
        return r
    }

    @Test func badCatalogsAreNamedAndNothingIsWritten() throws {
        let dir = Fixtures.temporaryDirectory("catalog-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let waveforms = try Self.miniSEEDFolder(dir)
        let good = (Self.start + 100.0).iso8601
        let cases: [(header: String, rows: [(String, String, String)], expect: [String])] = [
            ("event_id,when,label,magnitude", [("a", good, "VT")], ["no onset time column", "\"time\"", "\"when\""]),
            ("event_id,time,label,magnitude", [("a", good, "VT"), ("b", "2024-13-45T00:00:00Z", "VT")],
             ["line 3, column \"time\"", "\"2024-13-45T00:00:00Z\" is not an ISO-8601"]),
            ("event_id,time,label,magnitude", [("a", good, "VT"), ("b", "", "VT")], ["line 3", "onset time is empty"]),
            ("event_id,time,label,magnitude", [("a", good, "VT"), ("a", good, "LP")],
             ["line 3, column \"event_id\"", "\"a\" already appears on line 2"]),
            ("event_id,time,station,magnitude", [("a", good, "ETN1"), ("b", good, "NOPE")],
             ["1 of 2 events cannot be imported", "b (line 3", "no channel matches *.NOPE.*.* in the waveforms", "--skip-missing"]),
            ("event_id,time,label,magnitude", [("a", good, "VT"), ("old", "2020-05-01T00:00:00Z", "VT")],
             ["1 of 2 events cannot be imported", "old (line 3, 2020-05-01T00:00:00.000000Z): no data of *.*.*.* between"]),
        ]
        for c in cases {
            let catalog = try Self.writeCatalog(dir, rows: c.rows, header: c.header)
            let out = dir.appendingPathComponent("out")
            do {
                _ = try Self.importAndWrite(catalog, waveforms, to: out)
                Issue.record("catalog with header \(c.header) and rows \(c.rows) was accepted")
            } catch let e as InputError {
                #expect(e.file == catalog.path)
                for text in c.expect { #expect(e.message.contains(text), "\(e.message) lacks \(text)") }
            }
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            #expect(left == ["catalog.csv", "raw"], "nothing but the inputs: \(left)")
        }
        // The error lists the first five problem events and counts the rest.
        let many = (0..<8).map { ("x\($0)", "2020-01-0\($0 + 1)T00:00:00Z", "") }
        let catalog = try Self.writeCatalog(dir, rows: many)
        do {
            _ = try Self.importAndWrite(catalog, waveforms, to: dir.appendingPathComponent("out"))
            Issue.record("a catalog outside the data was accepted")
        } catch let e as InputError {
            #expect(e.message.hasPrefix("8 of 8 events cannot be imported: x0 (line 2"))
            #expect(e.message.contains("x4 (line 6") && !e.message.contains("x5 (line") && e.message.contains("; and 3 more"))
        }
    }

    @Test func skipMissingWritesTheRestAndSkippedCSV() throws {
        let dir = Fixtures.temporaryDirectory("catalog-skip")
        defer { try? FileManager.default.removeItem(at: dir) }
        let waveforms = try Self.miniSEEDFolder(dir)
        let rows = [("a", (Self.start + 100.0).iso8601, "VT"), ("old", "2020-05-01T00:00:00Z", "VT"),
                    ("b", (Self.start + 5000.0).iso8601, "LP"), ("c", (Self.start + 9000.0).iso8601, "LP")]
        let catalog = try Self.writeCatalog(dir, rows: rows)
        let out = dir.appendingPathComponent("out")
        let r = try Self.importAndWrite(catalog, waveforms, to: out, skip: true)
        #expect(r.dataset.events.map(\.eventID) == ["a", "b", "c"])
        let step = r.dataset.manifest.preprocessing[0]
        #expect(step.parameters["catalog_events"] == 4 && step.parameters["imported"] == 3 && step.parameters["skipped"] == 1)
        let skipped = try CSVTable.read(out.appendingPathComponent("skipped.csv"))
        #expect(skipped.header == ["event_id", "line", "time", "reason"])
        #expect(skipped.rows.count == 1 && skipped.rows[0][0] == "old" && skipped.rows[0][1] == "3")
        #expect(skipped.rows[0][3].hasPrefix("no data of *.*.*.* between 2020-05-01T00:00:00.000000Z"))
        let back = try Dataset.read(from: out)
        #expect(back.count == 3 && back.waveforms == r.dataset.waveforms)
        // Nothing usable at all is an error even when skipping.
        let none = try Self.writeCatalog(dir, rows: [("old", "2020-05-01T00:00:00Z", "")])
        #expect(throws: InputError.self) { try CatalogImport.run(catalog: none, waveforms: waveforms,
                                                                  options: CatalogImportOptions(cut: Self.window, skipMissing: true)) }
    }

    @Test func nanSamplesAreReportedPerEventOrSkipped() throws {
        let dir = Fixtures.temporaryDirectory("catalog-nan")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Hour 0 clean (Steim-2); hour 1 as FLOAT64 with one NaN, which the reader refuses.
        let w = dir.appendingPathComponent("raw")
        try FileManager.default.createDirectory(at: w, withIntermediateDirectories: true)
        var p = Self.pieces(Self.trace, at: Self.hourCuts)
        p[1].samples[1000] = .nan
        try MiniSEED.encode(SeismicStream([p[0]]), encoding: .steim2).write(to: w.appendingPathComponent("h0.mseed"))
        try MiniSEED.encode(SeismicStream([p[1]]), encoding: .float64).write(to: w.appendingPathComponent("h1.mseed"))
        let rows = [("ok", (Self.start + 100.0).iso8601, "VT"), ("bad", (Self.start + 4000.0).iso8601, "LP")]
        let catalog = try Self.writeCatalog(dir, rows: rows)
        do {
            _ = try CatalogImport.run(catalog: catalog, waveforms: w, options: CatalogImportOptions(cut: Self.window))
            Issue.record("an event in a file with a NaN sample was accepted")
        } catch let e as InputError {
            #expect(e.file == catalog.path)
            #expect(e.message.hasPrefix("1 of 2 events cannot be imported: bad (line 3"))
            #expect(e.message.contains("h1.mseed: record") && e.message.contains("NaN or infinite sample"))
        }
        let r = try CatalogImport.run(catalog: catalog, waveforms: w, options: CatalogImportOptions(cut: Self.window, skipMissing: true))
        #expect(r.dataset.events.map(\.eventID) == ["ok"] && r.skipped.map(\.eventID) == ["bad"])
        #expect(Array(r.dataset.waveform(0)) == Self.expectedWindow(Self.start + 100.0).samples)
    }

    @Test func catalogColumnsAndAliases() throws {
        let t = try CSVTable.parse("origin_time,class,channel\n2024-01-01T00:00:01Z,VT,HHZ\n2024-01-01T00:00:02.5Z,,\n", file: "c.csv")
        let c = try EventCatalog.parse(t)
        #expect(c.events.map(\.eventID) == ["event-2", "event-3"])
        #expect(c.events.map(\.label) == ["VT", nil] && c.events.map(\.channel) == ["HHZ", nil])
        #expect(c.events[1].onset == UTCDateTime(year: 2024, month: 1, day: 1, second: 2, nanosecond: 500_000_000))
        #expect(c.ignoredColumns.isEmpty)
        #expect(throws: InputError("has a header but no event rows", file: "e.csv")) {
            try EventCatalog.parse(try CSVTable.parse("time,label\n", file: "e.csv"))
        }
    }
}
