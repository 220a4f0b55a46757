import Foundation
import Testing
import TestSupport

/// Every command, found by walking `volcano-ssl --help` (so new commands are covered without
/// editing this file), answers `--help` with exit code 0 and an example.
@Suite("volcano-ssl --help")
struct CommandHelpTests {
    /// Subcommand names listed under SUBCOMMANDS in a help text.
    static func subcommands(_ help: String) -> [String] {
        guard let start = help.range(of: "SUBCOMMANDS:\n") else { return [] }
        return help[start.upperBound...].split(separator: "\n").compactMap { line in
            // Entries are indented by two spaces; continuation lines by more.
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
            let name = line.split(separator: " ").first.map(String.init) ?? ""
            return name == "See" || name.isEmpty ? nil : name
        }
    }

    @Test("every command and subcommand has --help with an example")
    func everyCommandHasHelpWithExample() throws {
        var queue: [[String]] = [[]]
        var seen: [String] = []
        while let path = queue.popLast() {
            let run = try CommandLineTool.run(path + ["--help"])
            let name = (["volcano-ssl"] + path).joined(separator: " ")
            #expect(run.status == 0, "\(name) --help exited with \(run.status): \(run.stderr)")
            #expect(run.stdout.contains("USAGE:"), "\(name) --help has no usage line")
            let children = Self.subcommands(run.stdout).filter { $0 != "help" }
            if children.isEmpty {
                #expect(run.stdout.lowercased().contains("example"), "\(name) --help shows no example")
            }
            seen.append(name)
            queue += children.map { path + [$0] }
        }
        // The commands DESIGN.md promises are all reachable.
        for command in ["pretrain", "embed", "classify", "knn", "synth", "detect", "info", "convert", "umap fit",
                        "umap transform", "cluster", "evaluate", "demo", "experiment", "report", "import llaima", "import catalog", "monitor", "sweep"] {
            #expect(seen.contains("volcano-ssl " + command), "volcano-ssl \(command) is missing")
        }
    }
}
