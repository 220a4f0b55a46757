import Foundation
import VolcanoCore

/// One continuous piece of one channel in a waveform file, found from the headers alone
/// (no samples decoded): what an index of a folder of continuous data holds.
public struct WaveformSpan: Sendable, Equatable {
    /// The file that holds it.
    public var file: URL
    /// SEED codes of the channel.
    public var network: String
    public var station: String
    public var location: String
    public var channel: String
    /// Times of the first and last sample.
    public var start: UTCDateTime
    public var end: UTCDateTime
    /// Samples per second (Hz).
    public var samplingRate: Double

    public init(file: URL, network: String, station: String, location: String, channel: String,
                start: UTCDateTime, end: UTCDateTime, samplingRate: Double) {
        self.file = file
        self.network = network
        self.station = station
        self.location = location
        self.channel = channel
        self.start = start
        self.end = end
        self.samplingRate = samplingRate
    }

    /// `NET.STA.LOC.CHA`.
    public var id: String { "\(network).\(station).\(location).\(channel)" }

    /// The spans of a miniSEED or SAC file, from its headers: for miniSEED every record
    /// header is parsed and records are grouped into segments exactly as ``MiniSEED/read(_:)``
    /// groups them (the file is memory-mapped; no sample is decoded); for SAC only the
    /// 632-byte header is read.
    /// - Returns: `nil` for a file that is neither miniSEED nor SAC (e.g. a README).
    /// - Throws: `InputError` naming the file when it is miniSEED or SAC but malformed.
    public static func scan(_ url: URL) throws -> [WaveformSpan]? {
        let format: WaveformFormat
        do { format = try WaveformFormat.detect(url) } catch { return nil }
        switch format {
        case .miniSEED: return try scanMiniSEED(url)
        case .sac: return [try scanSAC(url)]
        case .npy, .hdf5: return nil
        }
    }

    static func scanMiniSEED(_ url: URL) throws -> [WaveformSpan] {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw InputError("cannot read the file (\(error.localizedDescription))", file: url.path)
        }
        return try data.withUnsafeBytes { raw -> [WaveformSpan] in
            let decoder = _MiniSEEDDecoder(bytes: raw, file: url.path)
            let (records, _) = try decoder.parseRecords(final: true)
            var tails: [_MiniSEEDSourceKey: _MiniSEEDSegmentTail] = [:]
            let segments = _MiniSEEDDecoder.group(records, tails: &tails)
            return segments.map { s in
                let r = records[s.first]
                let codes = _miniSEEDCodes(raw.baseAddress! + r.offset)
                return WaveformSpan(file: url, network: codes.network, station: codes.station, location: codes.location,
                                    channel: codes.channel, start: UTCDateTime(nanoseconds: r.startMicros * 1000),
                                    end: UTCDateTime(nanoseconds: s.tail.endMicros * 1000), samplingRate: s.tail.rate)
            }
        }
    }

    static func scanSAC(_ url: URL) throws -> WaveformSpan {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw InputError("cannot open the file (missing or not readable)", file: url.path)
        }
        defer { try? handle.close() }
        var header = (try? handle.read(upToCount: SAC.headerSize)) ?? Data()
        guard header.count == SAC.headerSize else {
            throw InputError("is too short for a SAC file (the header alone needs 632 bytes)", file: url.path)
        }
        // Decode the header with npts set to 0 (same byte order), so every header check of
        // SAC.decode applies without reading the samples.
        let big = header.withUnsafeBytes { raw in
            let v = raw.loadUnaligned(fromByteOffset: 304, as: UInt32.self)
            return !(1...19).contains(Int32(bitPattern: UInt32(littleEndian: v)))
        }
        let nptsOffset = 280 + 4 * 9
        let npts = header.withUnsafeBytes { raw in
            let v = raw.loadUnaligned(fromByteOffset: nptsOffset, as: UInt32.self)
            return Int(Int32(bitPattern: big ? UInt32(bigEndian: v) : UInt32(littleEndian: v)))
        }
        header.replaceSubrange(nptsOffset..<(nptsOffset + 4), with: [0, 0, 0, 0])
        let t = try SAC.decode(header, file: url.path).trace
        guard npts > 0 else { throw InputError("holds no samples (npts = \(npts))", file: url.path) }
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        if let size = (attributes?[.size] as? NSNumber)?.intValue, size < SAC.headerSize + 4 * npts {
            throw InputError("is truncated (the header announces \(npts) samples, \(SAC.headerSize + 4 * npts) bytes in all, but the file has \(size))", file: url.path)
        }
        return WaveformSpan(file: url, network: t.network, station: t.station, location: t.location, channel: t.channel,
                            start: t.startTime, end: t.startTime + Double(npts - 1) / t.samplingRate,
                            samplingRate: t.samplingRate)
    }
}
