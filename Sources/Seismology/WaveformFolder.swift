import Foundation
import VolcanoCore

/// A folder (searched recursively) of miniSEED and SAC files of continuous data, indexed
/// once by their headers: which channels, which time spans, in which file. Cutting an event
/// then decodes only the files that overlap it (the last few decoded files are kept, so
/// events in time order decode each file once).
///
/// Files are recognised by content, not by name; other files (notes, CSV, hidden files) are
/// ignored and counted in ``ignoredFiles``.
public final class WaveformFolder: WaveformSource {
    /// The folder.
    public let root: URL
    /// Every continuous piece of every channel, by file.
    public let spans: [WaveformSpan]
    /// Number of miniSEED/SAC files indexed.
    public let fileCount: Int
    /// Files that are neither miniSEED nor SAC.
    public let ignoredFiles: Int
    private let cache: _DecodedFileCache

    /// Indexes the folder.
    /// - Parameters:
    ///   - root: the folder (subfolders included).
    ///   - cachedFiles: decoded files kept in memory (1–16; a day at 100 Hz is 69 MB).
    ///   - progress: called after each file.
    /// - Throws: `InputError` if the folder is missing, holds no miniSEED/SAC file, or a
    ///   file is malformed (named in the message).
    public init(_ root: URL, cachedFiles: Int = 4, progress: ProgressHandler? = nil) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue else {
            throw InputError("is not a folder (expected a folder of miniSEED or SAC files, or an SDS archive)", file: root.path)
        }
        var files: [URL] = []
        if let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                  options: [.skipsHiddenFiles]) {
            for case let u as URL in e where (try? u.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                files.append(u)
            }
        }
        files.sort { $0.path < $1.path }
        var spans: [WaveformSpan] = []
        var used = 0, ignored = 0
        for (k, f) in files.enumerated() {
            if let s = try WaveformSpan.scan(f) {
                spans += s
                used += 1
            } else {
                ignored += 1
            }
            progress?(ProgressUpdate(stage: "indexing waveform files", completed: k + 1, total: files.count, unit: "files"))
        }
        guard used > 0 else {
            throw InputError("holds no miniSEED or SAC file (\(files.count) other file\(files.count == 1 ? "" : "s"))", file: root.path)
        }
        self.root = root
        self.spans = spans
        self.fileCount = used
        self.ignoredFiles = ignored
        self.cache = _DecodedFileCache(capacity: cachedFiles)
    }

    public var summary: String { "folder \(root.path) (\(fileCount) miniSEED/SAC files)" }

    public func traces(_ selection: ChannelSelection, from start: UTCDateTime, to end: UTCDateTime) throws
        -> (stream: SeismicStream, files: [URL]) {
        var files: [URL] = []
        for s in spans where s.end >= start && s.start <= end
            && selection.matches(network: s.network, station: s.station, location: s.location, channel: s.channel) {
            if !files.contains(s.file) { files.append(s.file) }
        }
        var out = SeismicStream()
        for f in files {
            for t in try cache.stream(f)
            where selection.matches(network: t.network, station: t.station, location: t.location, channel: t.channel)
                && t.endTime >= start && t.startTime <= end {
                out.append(t)
            }
        }
        return (out, files)
    }

    public func hasChannel(_ selection: ChannelSelection, near time: UTCDateTime) throws -> Bool {
        spans.contains { selection.matches(network: $0.network, station: $0.station, location: $0.location, channel: $0.channel) }
    }
}
