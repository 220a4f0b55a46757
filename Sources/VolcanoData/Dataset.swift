import Foundation
import Seismology
import VolcanoCore

/// A labelled (or unlabelled) set of fixed-length event windows: the folder every stage of
/// VolcanoSSL reads.
///
/// On disk a Dataset is a folder with three files that NumPy and pandas open as they are:
/// - `manifest.json`: ``DatasetManifest`` (name, sampling rate, samples per event, channels,
///   class names, event count, quality column names, preprocessing history);
/// - `waveforms.npy`: float32 `[N, C, L]` (events × channels × samples), C order;
/// - `events.csv`: one ``EventRecord`` per row, columns ``EventRecord/fixedColumns`` then the
///   manifest's `quality_columns`.
///
/// ``read(from:)`` validates everything against the manifest and reports the first
/// inconsistency as an `InputError` naming the file and the field. ``write(to:)`` builds the
/// folder in a staging directory and renames it into place, so an interrupted write never
/// leaves a folder that looks complete.
public struct Dataset: Sendable {
    /// What the arrays hold and how they were made.
    public var manifest: DatasetManifest
    /// All waveforms, `[N, C, L]` flattened in C order (event-major).
    public var waveforms: [Float]
    /// One record per event, `events[i]` describing waveform `i`.
    public var events: [EventRecord]

    /// Creates a Dataset; the manifest's `event_count` is set from `events`.
    /// Shapes must agree (programmer error otherwise).
    public init(manifest: DatasetManifest, waveforms: [Float], events: [EventRecord]) {
        var m = manifest
        m.eventCount = events.count
        let stride = m.channels.count * m.samplesPerEvent
        precondition(waveforms.count == events.count * stride,
                     "Dataset.init: waveforms hold \(waveforms.count) values, expected [\(events.count), \(m.channels.count), \(m.samplesPerEvent)]")
        for e in events {
            precondition(e.quality.count == m.qualityColumns.count,
                         "Dataset.init: event \(e.eventID) has \(e.quality.count) quality values, expected \(m.qualityColumns.count)")
        }
        self.manifest = m
        self.waveforms = waveforms
        self.events = events
    }

    /// Number of events `N`.
    public var count: Int { events.count }
    /// Channels per event `C`.
    public var channelCount: Int { manifest.channels.count }
    /// Samples per channel `L`.
    public var length: Int { manifest.samplesPerEvent }
    /// The `[N, C, L]` shape of ``waveforms``.
    public var shape: [Int] { [count, channelCount, length] }

    /// The `C × L` values of event `i`, channel-major, without copying: a slice of
    /// ``waveforms`` whose indices start at `i · C · L` (index from `startIndex`, or wrap it
    /// in `Array(...)`).
    public func waveform(_ i: Int) -> ArraySlice<Float> {
        let s = channelCount * length
        return waveforms[(i * s)..<((i + 1) * s)]
    }

    /// Label index of every event in ``DatasetManifest/classNames`` (`nil` if unlabelled).
    public var labelIndices: [Int?] {
        var index: [String: Int] = [:]
        for (k, n) in manifest.classNames.enumerated() { index[n] = k }
        return events.map { $0.label.flatMap { index[$0] } }
    }

    /// Rows whose split is `split`.
    public func rows(in split: DatasetSplit) -> [Int] {
        events.indices.filter { events[$0].split == split }
    }

    /// A new Dataset with the given rows, in the given order (same manifest otherwise).
    public func subset(_ rows: [Int]) -> Dataset {
        let s = channelCount * length
        var w = [Float](repeating: 0, count: rows.count * s)
        w.withUnsafeMutableBufferPointer { dst in
            waveforms.withUnsafeBufferPointer { src in
                for (k, r) in rows.enumerated() {
                    precondition(r >= 0 && r < count, "Dataset.subset: row \(r) outside 0..<\(count)")
                    (dst.baseAddress! + k * s).update(from: src.baseAddress! + r * s, count: s)
                }
            }
        }
        return Dataset(manifest: manifest, waveforms: w, events: rows.map { events[$0] })
    }

    // MARK: - Writing

    /// Writes the folder atomically (`manifest.json`, `waveforms.npy`, `events.csv`, plus
    /// `extraFiles` by name, e.g. an import's `skipped.csv`), replacing `url` if it exists.
    public func write(to url: URL, extraFiles: [String: Data] = [:]) throws {
        let manifestData = try manifest.encoded()
        let csv = eventsCSV()
        let npyHeader = Dataset.npyHeader(shape: shape)
        try AtomicFile.writeDirectory(url) { staging in
            try manifestData.write(to: staging.appendingPathComponent("manifest.json"))
            try Data(csv.utf8).write(to: staging.appendingPathComponent("events.csv"))
            for (name, data) in extraFiles { try data.write(to: staging.appendingPathComponent(name)) }
            // Header, then the float32 block straight from memory (no 120 MB intermediate copy).
            let npyURL = staging.appendingPathComponent("waveforms.npy")
            guard FileManager.default.createFile(atPath: npyURL.path, contents: Data(npyHeader)) else {
                throw InputError("cannot create the file", file: npyURL.path)
            }
            let handle = try FileHandle(forWritingTo: npyURL)
            defer { try? handle.close() }
            try handle.seekToEnd()
            #if _endian(big)
            try handle.write(contentsOf: Data(waveforms.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }))
            #else
            try waveforms.withUnsafeBytes { try handle.write(contentsOf: $0) }
            #endif
        }
    }

    /// The text of `events.csv`.
    func eventsCSV() -> String {
        let header = EventRecord.fixedColumns + manifest.qualityColumns
        var rows: [[String]] = []
        rows.reserveCapacity(events.count)
        for (i, e) in events.enumerated() {
            var r = [String(i), e.eventID, e.label ?? "", e.split.rawValue, e.network, e.station, e.channel,
                     e.startTime.iso8601, e.onsetOffset.isNaN ? "" : fixed6(e.onsetOffset), e.source]
            for q in e.quality { r.append(csvNumber(q)) }
            rows.append(r)
        }
        return CSVTable.render(header: header, rows: rows)
    }

    /// A NumPy v1.0 header for little-endian float32 in C order.
    static func npyHeader(shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        let n = header.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(header.utf8)
    }

    // MARK: - Reading

    /// Reads and validates a Dataset folder.
    ///
    /// Checks: `manifest.json` fields; `waveforms.npy` is float32 (float64 is converted)
    /// with shape `[event_count, len(channels), samples_per_event]` and only finite values;
    /// `events.csv` has the fixed and quality columns, `event_count` rows numbered 0…N−1,
    /// unique event ids, labels among `class_names` (or empty), known splits, ISO-8601
    /// start times and numeric onsets/qualities (extra columns, e.g. added in pandas, are
    /// ignored). The first problem found is thrown as an
    /// `InputError` naming the file, the row or field, and what was expected.
    public static func read(from url: URL) throws -> Dataset {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue else {
            throw InputError("is not a Dataset folder (expected a folder with manifest.json, waveforms.npy and events.csv)", file: url.path)
        }
        let manifestURL = url.appendingPathComponent("manifest.json")
        let manifestData: Data
        do { manifestData = try Data(contentsOf: manifestURL) } catch {
            throw InputError("cannot be read (every Dataset folder needs a manifest.json)", file: manifestURL.path)
        }
        let manifest = try DatasetManifest.decode(manifestData, file: manifestURL.path)
        let events = try readEvents(url.appendingPathComponent("events.csv"), manifest: manifest)
        let waveforms = try readWaveforms(url.appendingPathComponent("waveforms.npy"), manifest: manifest)
        return Dataset(manifest: manifest, waveforms: waveforms, events: events)
    }

    static func readWaveforms(_ url: URL, manifest m: DatasetManifest) throws -> [Float] {
        let expected = [m.eventCount, m.channels.count, m.samplesPerEvent]
        let values: [Float]
        if let fast = try _readLittleEndianFloat32NPY(url, shape: expected) {
            values = fast
        } else {
            // Anything but plain little-endian float32 of the right shape: the general reader,
            // with its error messages.
            let a = try NPY.read(url)
            guard a.shape == expected else {
                throw InputError("shape is \(a.shape), expected [event_count, channels, samples_per_event] = \(expected) from manifest.json", file: url.path)
            }
            switch a.dtype {
            case .float32, .float64:
                values = a.floats()
            default:
                throw InputError("holds \(a.dtype) values, expected float32 waveforms", file: url.path)
            }
        }
        let stride = m.channels.count * m.samplesPerEvent
        // x · 0 is 0 for finite x and NaN otherwise: a vectorisable sum finds any bad sample,
        // then a scan locates the first one.
        var badIndex = -1
        values.withUnsafeBufferPointer { p in
            var probe: Float = 0
            for i in 0..<p.count { probe += p[i] * 0 }
            if !probe.isFinite || probe != 0 {
                badIndex = p.firstIndex { !$0.isFinite } ?? -1
            }
        }
        if badIndex >= 0 {
            throw InputError("event row \(badIndex / max(1, stride)) holds a NaN or infinite sample (expected finite values)", file: url.path)
        }
        return values
    }

    static func readEvents(_ url: URL, manifest m: DatasetManifest) throws -> [EventRecord] {
        let table = try CSVTable.read(url)
        let f = url.path
        var col: [String: Int] = [:]
        for name in EventRecord.fixedColumns + m.qualityColumns {
            guard let c = table.column(name) else {
                throw InputError("column \"\(name)\" is missing (expected columns \((EventRecord.fixedColumns + m.qualityColumns).joined(separator: ",")))", file: f)
            }
            col[name] = c
        }
        guard table.rows.count == m.eventCount else {
            throw InputError("has \(table.rows.count) event rows, but manifest.json says event_count = \(m.eventCount)", file: f)
        }
        let classes = Set(m.classNames)
        var seen = Set<String>()
        var events: [EventRecord] = []
        events.reserveCapacity(table.rows.count)
        for (i, r) in table.rows.enumerated() {
            let line = i + 2
            guard Int(r[col["row"]!]) == i else {
                throw InputError("line \(line): row is \"\(r[col["row"]!])\", expected \(i) (rows must be numbered 0…N−1 in waveform order)", file: f)
            }
            let id = r[col["event_id"]!]
            guard !id.isEmpty else { throw InputError("line \(line): event_id is empty", file: f) }
            guard seen.insert(id).inserted else {
                throw InputError("line \(line): event_id \"\(id)\" appears twice (expected unique ids)", file: f)
            }
            let labelText = r[col["label"]!]
            let label: String? = labelText.isEmpty ? nil : labelText
            if let l = label, !classes.contains(l) {
                throw InputError("line \(line): label \"\(l)\" is not one of class_names \(m.classNames) in manifest.json", file: f)
            }
            guard let split = DatasetSplit(rawValue: r[col["split"]!]) else {
                throw InputError("line \(line): split \"\(r[col["split"]!])\" is not train, validation, test or empty", file: f)
            }
            guard let start = UTCDateTime(iso8601: r[col["start_time"]!]) else {
                throw InputError("line \(line): start_time \"\(r[col["start_time"]!])\" is not an ISO-8601 UTC time like 2024-01-31T12:00:00.000000Z", file: f)
            }
            let onsetText = r[col["onset_offset"]!]
            let onset: Double
            if onsetText.isEmpty { onset = .nan } else {
                guard let v = Double(onsetText), v.isFinite else {
                    throw InputError("line \(line): onset_offset \"\(onsetText)\" is not a number of seconds", file: f)
                }
                onset = v
            }
            var quality: [Double] = []
            quality.reserveCapacity(m.qualityColumns.count)
            for q in m.qualityColumns {
                let t = r[col[q]!]
                if t.isEmpty { quality.append(.nan); continue }
                guard let v = Double(t) else {
                    throw InputError("line \(line): quality column \(q) holds \"\(t)\", expected a number or an empty cell", file: f)
                }
                quality.append(v)
            }
            events.append(EventRecord(eventID: id, label: label, split: split, network: r[col["network"]!],
                                      station: r[col["station"]!], channel: r[col["channel"]!], startTime: start,
                                      onsetOffset: onset, source: r[col["source"]!], quality: quality))
        }
        return events
    }
}

/// The fast path for the common case: a version 1–3 `.npy` of little-endian float32 in C
/// order with exactly `shape`, copied straight from a memory-mapped file. Returns nil for
/// anything else (the caller then uses the general `NPY.read`).
func _readLittleEndianFloat32NPY(_ url: URL, shape: [Int]) throws -> [Float]? {
    let fd = open(url.path, O_RDONLY)
    guard fd >= 0 else { throw InputError("cannot be read (every Dataset folder needs a waveforms.npy)", file: url.path) }
    defer { close(fd) }
    func readFully(_ p: UnsafeMutableRawPointer, _ n: Int) -> Int {
        var done = 0
        while done < n {
            let r = read(fd, p + done, n - done)
            if r <= 0 { break }
            done += r
        }
        return done
    }
    var prefix = [UInt8](repeating: 0, count: 12)
    guard readFully(&prefix, 12) == 12, prefix[0] == 0x93, prefix[1] == 0x4E, (1...3).contains(prefix[6]) else { return nil }
    let headerLength: Int, start: Int
    if prefix[6] == 1 {
        headerLength = Int(prefix[8]) | Int(prefix[9]) << 8
        start = 10
    } else {
        headerLength = Int(prefix[8]) | Int(prefix[9]) << 8 | Int(prefix[10]) << 16 | Int(prefix[11]) << 24
        start = 12
    }
    guard headerLength < 1 << 20 else { return nil }
    var headerBytes = [UInt8](repeating: 0, count: headerLength)
    guard lseek(fd, off_t(start), SEEK_SET) == off_t(start), readFully(&headerBytes, headerLength) == headerLength else { return nil }
    let header = String(decoding: headerBytes, as: UTF8.self).filter { $0 != " " }
    let shapeText = "(" + shape.map(String.init).joined(separator: ",") + (shape.count == 1 ? ",)" : ")")
    guard header.contains("'descr':'<f4'"), header.contains("'fortran_order':False"),
          header.contains("'shape':\(shapeText)") else { return nil }
    let count = shape.reduce(1, *)
    let end = lseek(fd, 0, SEEK_END)
    guard end == off_t(start + headerLength + count * 4),
          lseek(fd, off_t(start + headerLength), SEEK_SET) == off_t(start + headerLength) else { return nil }
    var complete = true
    // One copy: the kernel's page cache straight into the array's storage.
    let values = [Float](unsafeUninitializedCapacity: count) { buf, n in
        if count > 0 { complete = readFully(buf.baseAddress!, count * 4) == count * 4 }
        #if _endian(big)
        for i in 0..<count { buf[i] = Float(bitPattern: UInt32(littleEndian: buf[i].bitPattern)) }
        #endif
        n = complete ? count : 0
    }
    return complete ? values : nil
}
