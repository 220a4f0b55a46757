import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the built `volcano-ssl` executable as a user would, for end-to-end command tests:
/// exit status, standard output and error, and the child's own peak resident memory.
public enum CommandLineTool {
    /// What one run of the executable did.
    public struct Run: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        /// Peak resident set size of this child process alone, bytes (Linux: its `VmHWM`, polled
        /// every 2 ms; Darwin: `wait4`'s `ru_maxrss`).
        public let peakMemoryBytes: Int
    }

    /// The `volcano-ssl` binary built next to the test runner (`swift test` builds every
    /// product of the package in the same configuration).
    public static func executable(_ name: String = "volcano-ssl") throws -> URL {
        var folders: [URL] = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                              Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        for b in Bundle.allBundles where b.bundlePath.hasSuffix(".xctest") {
            folders.append(b.bundleURL.deletingLastPathComponent())
        }
        for f in folders {
            let u = f.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
        }
        throw CommandLineToolError(message: "\(name) was not found next to the test runner (looked in \(folders.map(\.path))); build it with `swift build` in the same configuration")
    }

    /// Runs `volcano-ssl ARGS…` to completion (no terminal: progress bars print plain lines).
    /// With `killWhen`, the child is sent `signal` as soon as `killWhen()` (polled every 2 ms)
    /// returns true — an interruption at a chosen point; its status is then 128 + signal.
    public static func run(_ arguments: [String], environment extra: [String: String] = [:],
                           killWhen: (() -> Bool)? = nil, signal: Int32 = SIGKILL) throws -> Run {
        let exe = try executable()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vssl-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("stdout"), err = dir.appendingPathComponent("stderr")

        #if canImport(Glibc)
        var actions = posix_spawn_file_actions_t()
        #else
        var actions: posix_spawn_file_actions_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        let argv = ([exe.path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }

        var pid: pid_t = 0
        let rc = posix_spawn(&pid, exe.path, &actions, nil, argv, envp)
        guard rc == 0 else { throw CommandLineToolError(message: "posix_spawn \(exe.path) failed: \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        #if os(Linux)
        // Linux's ru_maxrss of a posix_spawned child starts at the test runner's own high-water
        // mark (the exec replaces the runner's shared address space), so a large runner hides
        // the child's peak. Poll the child's VmHWM (its own address space since the exec) instead.
        var highWater = 0, killed = false
        while true {
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            if r < 0 {
                guard errno == EINTR else { throw CommandLineToolError(message: "wait4 failed: \(String(cString: strerror(errno)))") }
                continue
            }
            highWater = max(highWater, Self.highWaterKilobytes(pid))
            if let killWhen, !killed, killWhen() { kill(pid, signal); killed = true }
            usleep(2000)
        }
        let peak = (highWater > 0 ? highWater : Int(usage.ru_maxrss)) * 1024   // kilobytes on Linux
        #else
        var killed = false
        while true {
            let r = wait4(pid, &status, killWhen == nil ? 0 : WNOHANG, &usage)
            if r == pid { break }
            if r < 0 {
                guard errno == EINTR else { throw CommandLineToolError(message: "wait4 failed: \(String(cString: strerror(errno)))") }
                continue
            }
            if let killWhen, !killed, killWhen() { kill(pid, signal); killed = true }
            usleep(2000)
        }
        let peak = Int(usage.ru_maxrss)            // bytes on Darwin
        #endif
        // WIFEXITED / WEXITSTATUS; a signal shows as 128 + signal, as in a shell.
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Run(status: code, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "", peakMemoryBytes: peak)
    }

    /// `VmHWM` of a running process in kB (0 when it cannot be read, e.g. it just exited).
    static func highWaterKilobytes(_ pid: pid_t) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? 0
    }
}

public struct CommandLineToolError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
    public init(message: String) { self.message = message }
}
