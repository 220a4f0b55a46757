import Foundation
import Testing
import TestSupport
import VolcanoCore
@testable import Seismology

/// Cutting catalog events out of continuous traces, header-only indexing, SDS naming.
@Suite struct EventCutTests {
    static let t0 = UTCDateTime(year: 2024, month: 3, day: 1, hour: 12)
    /// 100 s at 100 Hz of a ramp with a sign pattern (every sample distinct).
    static let trace = Trace(network: "XX", station: "ABC", location: "00", channel: "HHZ", startTime: t0, samplingRate: 100,
                             samples: (0..<10_000).map { Double($0 % 7 == 0 ? -$0 : $0) })

    @Test func windowsSnapToTheNearestSampleAndHaveFixedLengths() throws {
        // Onset 20.004 s: nearest sample 2000; [onset − 3, onset + 6] → 901 samples.
        let s = EventCutSettings(pre: 3, post: 6, normalize: false)
        let c = try EventCut.cut(SeismicStream([Self.trace]), onset: Self.t0 + 20.004, settings: s)
        #expect(c.samples == Array(Self.trace.samples[1700...2600]))
        #expect(c.startTime == Self.t0 + 17.0 && c.coverage == 1 && c.maxAbs == 2600 && c.traceID == "XX.ABC.00.HHZ")
        #expect(s.samples(at: 100) == 901 && s.samples(at: 15) == 136)
        let f = EventCutSettings(pre: 1, post: 0, length: 60)
        #expect(f.samples(at: 100) == 6000 && f.samples(at: 50) == 3000)
        let w = try EventCut.cut(SeismicStream([Self.trace]), onset: Self.t0 + 10.0, settings: f)
        let raw = Array(Self.trace.samples[900..<6900])
        let m = raw.map(abs).max()!
        #expect(w.samples == raw.map { $0 / m } && w.maxAbs == m)
    }

    @Test func missingDataIsZeroFilledAndCounted() throws {
        let s = EventCutSettings(pre: 2, post: 2, normalize: false)
        // Starts 1 s before the data: 100 zeros, then data.
        let a = try EventCut.cut(SeismicStream([Self.trace]), onset: Self.t0 + 1.0, settings: s)
        #expect(a.paddedStart == 100 && a.paddedEnd == 0 && a.gapSamples == 0 && a.coverage == 301.0 / 401)
        #expect(a.samples.prefix(100).allSatisfy { $0 == 0 } && Array(a.samples[100...]) == Array(Self.trace.samples[0...300]))
        // Ends 1.5 s after the data (last sample at 99.99 s).
        let b = try EventCut.cut(SeismicStream([Self.trace]), onset: Self.t0 + 99.49, settings: s)
        #expect(b.paddedEnd == 150 && b.paddedStart == 0 && b.samples.suffix(150).allSatisfy { $0 == 0 })
        // A gap of 50 samples inside, with processing: the gap stays zero after filtering.
        var p1 = Self.trace, p2 = Self.trace
        p1.samples = Array(Self.trace.samples[..<5000])
        p2.samples = Array(Self.trace.samples[5050...])
        p2.startTime = Self.trace.time(ofSample: 5050)
        let proc = EventCutSettings(pre: 2, post: 2, margin: 1, demean: true, taperFraction: 0.05, bandpass: (1, 10))
        let g = try EventCut.cut(SeismicStream([p2, p1]), onset: Self.t0 + 50.0, settings: proc)
        #expect(g.gapSamples == 50 && g.paddedStart == 0 && g.paddedEnd == 0 && g.samples.count == 401)
        #expect(g.samples[200..<250].allSatisfy { $0 == 0 } && g.samples[199] != 0 && g.samples[250] != 0)
        #expect(g.samples.map(abs).max() == 1)
    }

    @Test func processingEqualsTheTraceMethodsOnTheExtendedSpan() throws {
        // With a margin, the result is the Trace methods applied to [onset − pre − margin,
        // onset + post + margin], then cut at the window and scaled.
        let s = EventCutSettings(pre: 3, post: 6, margin: 5, demean: true, taperFraction: 0.05, bandpass: (0.5, 7), resampleRate: 25)
        let onset = Self.t0 + 40.0
        let c = try EventCut.cut(SeismicStream([Self.trace]), onset: onset, settings: s)
        var span = Self.trace
        span.samples = Array(Self.trace.samples[3200...5100])
        span.startTime = Self.t0 + 32.0
        span.detrend()
        span.taper(maxPercentage: 0.05)
        try span.filter(.bandpass(freqmin: 0.5, freqmax: 7), corners: 4, zeroPhase: true)
        try span.resample(to: 25)
        var w = Array(span.samples[125..<(125 + 226)])
        EventWindow.normalize(&w)
        #expect(c.samples.count == 226 && c.samplingRate == 25 && c.startTime == Self.t0 + 37.0)
        #expect(maxAbsoluteError(c.samples, w) <= 1e-12)
    }

    @Test func unusableWindowsAreProblems() throws {
        let s = EventCutSettings(pre: 1, post: 1)
        #expect(throws: EventCut.Problem.noData) { try EventCut.cut(SeismicStream([Self.trace]), onset: Self.t0 + 500.0, settings: s) }
        #expect(throws: EventCut.Problem.noData) { try EventCut.cut(SeismicStream(), onset: Self.t0, settings: s) }
        var zero = Self.trace
        zero.samples = [Double](repeating: 0, count: zero.count)
        #expect(throws: EventCut.Problem.allZero) { try EventCut.cut(SeismicStream([zero]), onset: Self.t0 + 5.0, settings: s) }
        var nan = Self.trace
        nan.samples[520] = .nan
        #expect(throws: EventCut.Problem.nonFinite(time: Self.t0 + 5.2)) {
            try EventCut.cut(SeismicStream([nan]), onset: Self.t0 + 5.0, settings: s)
        }
        var other = Self.trace
        other.channel = "HHN"
        #expect(throws: EventCut.Problem.severalChannels(["XX.ABC.00.HHN", "XX.ABC.00.HHZ"])) {
            try EventCut.cut(SeismicStream([Self.trace, other]), onset: Self.t0 + 5.0, settings: s)
        }
        // A band-pass the data cannot carry is an InputError, not a problem event.
        #expect(throws: InputError.self) {
            try EventCut.cut(SeismicStream([Self.trace]), onset: Self.t0 + 5.0, settings: EventCutSettings(pre: 1, post: 1, bandpass: (1, 60)))
        }
    }

    @Test func headerScanFindsTheSpansTheReadersDecode() throws {
        let dir = Fixtures.temporaryDirectory("spans")
        defer { try? FileManager.default.removeItem(at: dir) }
        var a = Self.trace, b = Self.trace
        a.samples = Array(Self.trace.samples[..<4000])
        b.samples = Array(Self.trace.samples[4500...])
        b.startTime = Self.trace.time(ofSample: 4500)
        let m = dir.appendingPathComponent("x.bin")
        try MiniSEED.encode(SeismicStream([a, b]), encoding: .steim2, recordLength: 512).write(to: m)
        let spans = try #require(try WaveformSpan.scan(m))
        let read = try MiniSEED.read(m)
        #expect(spans.count == 2 && read.count == 2)
        for (s, t) in zip(spans, read) {
            #expect(s.id == t.id && s.start == t.startTime && s.end == t.endTime && s.samplingRate == t.samplingRate)
        }
        let sac = dir.appendingPathComponent("y.sac")
        try SAC.write(b, to: sac, bigEndian: true)
        let one = try #require(try WaveformSpan.scan(sac))
        #expect(one == [WaveformSpan(file: sac, network: "XX", station: "ABC", location: "00", channel: "HHZ",
                                     start: b.startTime, end: b.endTime, samplingRate: 100)])
        try "time,label\n".write(to: dir.appendingPathComponent("c.csv"), atomically: true, encoding: .utf8)
        #expect(try WaveformSpan.scan(dir.appendingPathComponent("c.csv")) == nil)
        // A truncated SAC file is named.
        let cut = try Data(contentsOf: sac).prefix(SAC.headerSize + 40)
        try cut.write(to: dir.appendingPathComponent("z.sac"))
        #expect(throws: InputError.self) { try WaveformSpan.scan(dir.appendingPathComponent("z.sac")) }
        #expect(throws: InputError.self) { try WaveformFolder(dir) }
        // The folder index: two files, the CSV ignored; only the overlapping file is read.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("z.sac"))
        let folder = try WaveformFolder(dir)
        #expect(folder.fileCount == 2 && folder.ignoredFiles == 1 && folder.spans.count == 3)
        let (early, files) = try folder.traces(ChannelSelection(channel: "HHZ"), from: Self.t0 + 10.0, to: Self.t0 + 12.0)
        #expect(files.map(\.lastPathComponent) == ["x.bin"] && early.count == 1 && early[0] == a)
        let (late, both) = try folder.traces(ChannelSelection(), from: Self.t0 + 60.0, to: Self.t0 + 62.0)
        #expect(both.map(\.lastPathComponent) == ["x.bin", "y.sac"] && late.count == 2)
        #expect(try folder.traces(ChannelSelection(station: "NOPE"), from: Self.t0, to: Self.t0 + 99.0).stream.isEmpty)
    }

    @Test func sdsNamesAndSelection() throws {
        #expect(SDSArchive.relativePath(network: "XX", station: "ABC", location: "", channel: "HHZ", year: 2024, day: 7)
                == "2024/XX/ABC/HHZ.D/XX.ABC..HHZ.D.2024.007")
        let p = try #require(SDSArchive.parseName("XX.ABC.00.HHZ.D.2024.366"))
        #expect(p.network == "XX" && p.station == "ABC" && p.location == "00" && p.channel == "HHZ" && p.year == 2024 && p.day == 366)
        #expect(SDSArchive.parseName("XX.ABC.00.HHZ.D.2024.7") == nil && SDSArchive.parseName("notes.txt") == nil)
        let sel = ChannelSelection(station: "AB?", channel: "HH*")
        #expect(sel.matches(network: "XX", station: "abc", location: "", channel: "HHZ"))
        #expect(!sel.matches(network: "XX", station: "ABCD", location: "", channel: "HHZ"))
        #expect(sel.description == "*.AB?.*.HH*")
    }
}
