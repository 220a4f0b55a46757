import Foundation
import VolcanoCore

/// A SeisComP Data Structure (SDS) archive: day files of miniSEED laid out as
/// `YEAR/NET/STA/CHAN.TYPE/NET.STA.LOC.CHAN.TYPE.YEAR.DAY` (DAY is the three-digit day of
/// the year, TYPE usually `D`), the layout of SeisComP, ObsPy's `obspy.clients.filesystem.sds`
/// and most observatory archives.
///
/// Nothing is indexed up front: for a time span it lists only the folders of the matching
/// network, station and channel and decodes only the day files the span touches. A span
/// that crosses midnight reads both days and the caller merges them. Records that straddle
/// midnight are usually stored in the earlier day's file, so a span starting less than
/// ``lookBack`` seconds after midnight also reads the previous day.
public final class SDSArchive: WaveformSource {
    /// The archive's root folder (the one holding the year folders).
    public let root: URL
    /// Seconds before a span's start that still select the previous day's file (300).
    public let lookBack = 300.0
    private var listings: [String: [String]] = [:]
    private let cache: _DecodedFileCache

    /// Opens an archive.
    /// - Parameters:
    ///   - root: the folder holding `YEAR/` folders.
    ///   - cachedFiles: decoded day files kept in memory (1–16; a day at 100 Hz is 69 MB).
    /// - Throws: `InputError` if `root` is not a folder.
    public init(_ root: URL, cachedFiles: Int = 4) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue else {
            throw InputError("is not a folder (expected an SDS archive: YEAR/NET/STA/CHAN.D/NET.STA.LOC.CHAN.D.YEAR.DAY)", file: root.path)
        }
        self.root = root
        self.cache = _DecodedFileCache(capacity: cachedFiles)
    }

    /// `true` if `root` has the SDS layout: a four-digit year folder holding
    /// `NET/STA/CHAN.TYPE/` folders with at least one file named `NET.STA.LOC.CHAN.TYPE.YEAR.DAY`.
    public static func looksLikeSDS(_ root: URL) -> Bool {
        let fm = FileManager.default
        func dirs(_ u: URL) -> [URL] {
            ((try? fm.contentsOfDirectory(at: u, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles])) ?? [])
                .filter { var d: ObjCBool = false; return fm.fileExists(atPath: $0.path, isDirectory: &d) && d.boolValue }
        }
        for year in dirs(root) where year.lastPathComponent.count == 4 && Int(year.lastPathComponent) != nil {
            for net in dirs(year) {
                for sta in dirs(net) {
                    for chan in dirs(sta) where chan.lastPathComponent.split(separator: ".").count == 2 {
                        let names = (try? fm.contentsOfDirectory(atPath: chan.path)) ?? []
                        if names.contains(where: { parseName($0) != nil }) { return true }
                    }
                }
            }
        }
        return false
    }

    /// The codes, year and day of an SDS file name `NET.STA.LOC.CHAN.TYPE.YEAR.DAY`, or nil.
    static func parseName(_ name: String) -> (network: String, station: String, location: String, channel: String, year: Int, day: Int)? {
        let p = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard p.count == 7, let y = Int(p[5]), let d = Int(p[6]), p[6].count == 3, (1...366).contains(d) else { return nil }
        return (p[0], p[1], p[2], p[3], y, d)
    }

    /// The file name of a day file, e.g. `XX.STA.00.HHZ.D.2024.001`.
    public static func fileName(network: String, station: String, location: String, channel: String,
                                type: String = "D", year: Int, day: Int) -> String {
        let d = String(day)
        return "\(network).\(station).\(location).\(channel).\(type).\(year).\(String(repeating: "0", count: 3 - d.count))\(d)"
    }

    /// The relative path of a day file, e.g. `2024/XX/STA/HHZ.D/XX.STA.00.HHZ.D.2024.001`.
    public static func relativePath(network: String, station: String, location: String, channel: String,
                                    type: String = "D", year: Int, day: Int) -> String {
        "\(year)/\(network)/\(station)/\(channel).\(type)/"
            + fileName(network: network, station: station, location: location, channel: channel, type: type, year: year, day: day)
    }

    public var summary: String { "SDS archive \(root.path)" }

    private func list(_ u: URL) -> [String] {
        if let l = listings[u.path] { return l }
        let l = ((try? FileManager.default.contentsOfDirectory(atPath: u.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        listings[u.path] = l
        return l
    }

    /// Day files of channels matching `selection` in `year` (on day `day`, or any day if nil).
    func dayFiles(_ selection: ChannelSelection, year: Int, day: Int?) -> [URL] {
        var out: [URL] = []
        let yearURL = root.appendingPathComponent(String(year))
        for net in list(yearURL) where SeismicStream._matches(selection.network, net) {
            let netURL = yearURL.appendingPathComponent(net)
            for sta in list(netURL) where SeismicStream._matches(selection.station, sta) {
                let staURL = netURL.appendingPathComponent(sta)
                for chanType in list(staURL) {
                    let ct = chanType.split(separator: ".")
                    guard ct.count == 2, SeismicStream._matches(selection.channel, String(ct[0])) else { continue }
                    let chanURL = staURL.appendingPathComponent(chanType)
                    for name in list(chanURL) {
                        guard let p = Self.parseName(name), p.year == year, day == nil || p.day == day,
                              selection.matches(network: p.network, station: p.station, location: p.location, channel: p.channel)
                        else { continue }
                        out.append(chanURL.appendingPathComponent(name))
                        if day == nil { return out }
                    }
                }
            }
        }
        return out
    }

    public func traces(_ selection: ChannelSelection, from start: UTCDateTime, to end: UTCDateTime) throws
        -> (stream: SeismicStream, files: [URL]) {
        var files: [URL] = []
        let first = start - lookBack
        let c = first.components
        var day = UTCDateTime(year: c.year, month: c.month, day: c.day)
        while day <= end {
            files += dayFiles(selection, year: day.components.year, day: day.dayOfYear)
            day = day + 86_400.0
        }
        var out = SeismicStream()
        var used: [URL] = []
        for f in files {
            var any = false
            for t in try cache.stream(f)
            where selection.matches(network: t.network, station: t.station, location: t.location, channel: t.channel)
                && t.endTime >= start && t.startTime <= end {
                out.append(t)
                any = true
            }
            if any { used.append(f) }
        }
        return (out, used)
    }

    public func hasChannel(_ selection: ChannelSelection, near time: UTCDateTime) throws -> Bool {
        !dayFiles(selection, year: time.components.year, day: nil).isEmpty
    }
}
