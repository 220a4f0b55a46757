import Foundation

/// Atomic writes: data goes to a temporary file in the same folder, then is renamed into
/// place, so an interrupted run never leaves a half-written file that looks complete.
/// Temporaries are hidden (`.NAME.tmp-…`, `.NAME.partial-…`); one left by a killed process is
/// removed the next time `NAME` is written, so a re-run also cleans up after the interruption.
public enum AtomicFile {
    /// Writes `data` to `url` atomically, creating the parent folder if needed.
    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw InputError("cannot create the folder (\(error.localizedDescription))", file: dir.path)
        }
        removeLeftovers(of: url, kinds: ["tmp"])
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try data.write(to: tmp)
            try replace(url, with: tmp)
        } catch let e as InputError {
            try? FileManager.default.removeItem(at: tmp)
            throw e
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw InputError("cannot write the file (\(error.localizedDescription))", file: url.path)
        }
    }

    /// Writes UTF-8 text atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Builds a whole output folder atomically: `build` fills a staging folder next to `url`,
    /// which then replaces `url`. If `build` throws, nothing is left behind.
    public static func writeDirectory(_ url: URL, _ build: (URL) throws -> Void) throws {
        let parent = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        removeLeftovers(of: url, kinds: ["partial", "old"])
        let staging = parent.appendingPathComponent(".\(url.lastPathComponent).partial-\(UInt32.random(in: 0...UInt32.max))")
        try? FileManager.default.removeItem(at: staging)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        do {
            try build(staging)
            try replace(url, with: staging)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }

    /// Removes `.NAME.KIND-…` siblings of `url` that an interrupted earlier write left behind.
    private static func removeLeftovers(of url: URL, kinds: [String]) {
        let dir = url.deletingLastPathComponent()
        let prefixes = kinds.map { ".\(url.lastPathComponent).\($0)-" }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return }
        for name in names where prefixes.contains(where: { name.hasPrefix($0) }) {
            try? FileManager.default.removeItem(at: dir.appendingPathComponent(name))
        }
    }

    /// Renames `source` onto `target`, replacing what was there.
    private static func replace(_ target: URL, with source: URL) throws {
        if rename(source.path, target.path) == 0 { return }
        // rename(2) cannot replace a non-empty directory: move the old one aside first.
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: target.path, isDirectory: &isDir), isDir.boolValue {
            let old = target.deletingLastPathComponent()
                .appendingPathComponent(".\(target.lastPathComponent).old-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.moveItem(at: target, to: old)
            try FileManager.default.moveItem(at: source, to: target)
            try? FileManager.default.removeItem(at: old)
            return
        }
        throw InputError("cannot move the finished output into place", file: target.path)
    }
}
