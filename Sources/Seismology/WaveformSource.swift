import Foundation

/// Continuous waveforms that events can be cut from: a folder of files (``WaveformFolder``)
/// or an SDS archive (``SDSArchive``). Both read only the files an event needs.
public protocol WaveformSource: AnyObject {
    /// What was read, for manifests and messages, e.g. `SDS archive /data/sds`.
    var summary: String { get }
    /// The traces of the channels matching `selection` that overlap `[start, end]`
    /// (whole traces of the files read; the caller cuts), and the files they came from.
    /// - Throws: `InputError` for an unreadable or malformed file.
    func traces(_ selection: ChannelSelection, from start: UTCDateTime, to end: UTCDateTime) throws
        -> (stream: SeismicStream, files: [URL])
    /// `true` if some data of a channel matching `selection` exists at all (any time), to
    /// tell "unknown station" from "no data at that time".
    func hasChannel(_ selection: ChannelSelection, near time: UTCDateTime) throws -> Bool
}

/// A small least-recently-used cache of decoded files, so that consecutive events in the
/// same file (or day) decode it once.
final class _DecodedFileCache {
    private var entries: [(url: URL, stream: SeismicStream)] = []
    /// Files kept decoded (a day at 100 Hz is 69 MB of samples).
    let capacity: Int

    init(capacity: Int = 4) { self.capacity = max(1, capacity) }

    func stream(_ url: URL) throws -> SeismicStream {
        if let k = entries.firstIndex(where: { $0.url == url }) {
            let e = entries.remove(at: k)
            entries.append(e)
            return e.stream
        }
        let s = try SeismicStream.read(url)
        entries.append((url, s))
        if entries.count > capacity { entries.removeFirst() }
        return s
    }
}
