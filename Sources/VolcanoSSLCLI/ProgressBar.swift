import Foundation
import Synchronization
import VolcanoCore

/// Draws ``ProgressUpdate``s on standard error: a bar with rate and ETA on a terminal,
/// a plain line every few seconds otherwise (logs, CI).
final class ProgressBar: Sendable {
    private struct State {
        var stage = ""
        var stageStart = Date()
        var startCompleted = 0       // work already done at the stage's first update
        var lastDraw = Date.distantPast
        var drewBar = false
    }

    private let state = Mutex(State())
    private let isTerminal = isatty(2) == 1
    private let quiet: Bool

    init(quiet: Bool = false) { self.quiet = quiet }

    /// The handler to pass to library calls.
    var handler: ProgressHandler { { [self] update in self.show(update) } }

    func show(_ u: ProgressUpdate) {
        if quiet { return }
        let line: String? = state.withLock { s in
            let now = Date()
            if u.stage != s.stage {
                if s.drewBar { FileHandle.standardError.write(Data("\n".utf8)) }
                s.stage = u.stage
                s.stageStart = now
                s.startCompleted = u.completed
                s.drewBar = false
            }
            let done = u.total > 0 && u.completed >= u.total
            let interval = isTerminal ? 0.1 : 5.0
            guard done || now.timeIntervalSince(s.lastDraw) >= interval else { return nil }
            s.lastDraw = now
            let elapsed = now.timeIntervalSince(s.stageStart)
            // The rate counts work since the stage's first update, and only once there is
            // enough time to measure it (no "64000000000 events/s" on the first line).
            let rate = elapsed >= 0.25 ? Double(u.completed - s.startCompleted) / elapsed : 0
            var text = u.stage
            if u.total > 0 {
                let f = min(1, Double(u.completed) / Double(u.total))
                if isTerminal {
                    let width = 24, filled = Int(f * Double(width))
                    text += " [" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled) + "]"
                }
                text += " \(u.completed)/\(u.total)"
            } else {
                text += " \(u.completed)"
            }
            if rate > 0 { text += String(format: " %.1f %@/s", rate, u.unit) }
            if u.total > 0, rate > 0, !done {
                text += " ETA " + Self.format(seconds: Double(u.total - u.completed) / rate)
            } else if done {
                text += " in " + Self.format(seconds: elapsed)
            }
            for (k, v) in u.metrics { text += String(format: " %@ %.4g", k, v) }
            if isTerminal {
                s.drewBar = !done
                return "\r\u{1B}[2K" + text + (done ? "\n" : "")
            }
            return text + "\n"
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    static func format(seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
