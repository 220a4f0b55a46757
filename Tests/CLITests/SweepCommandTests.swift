import Foundation
import Testing
import TestSupport

/// `volcano-ssl sweep` as a user runs it: progress per trial, the table, a re-run that skips
/// the finished trials, `best.yaml` accepted by `experiment`, and bad sweep sections refused.
@Suite("volcano-ssl sweep", .serialized)
struct SweepCommandTests {
    static func preset(_ dir: URL, data: String, sweep: String) throws -> String {
        let url = dir.appendingPathComponent("sweep.yaml")
        try """
        name: cli sweep
        data:
        \(data)
        model:
          preset: etna
          epochs: 1
        representations: [tstcc]
        clusterers: [kmeans]
        umap_neighbors: 10
        seed: 5
        sweep:
        \(sweep)
        """.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func sweepResumesAndItsBestPresetRunsAsAnExperiment() throws {
        let dir = Fixtures.temporaryDirectory("vssl-cli-sweep")
        defer { try? FileManager.default.removeItem(at: dir) }
        let preset = try Self.preset(dir, data: "  synthetic: etna-like\n  events: 120\n  seed: 3",
                                     sweep: "  batch_size: [16, 32]")
        let out = dir.appendingPathComponent("out").path
        let first = try CommandLineTool.run(["sweep", preset, "--out", out, "--threads", "1"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("trial 1/2 tstcc_bs16_ep1_lr0.0025_depth3_hidden12_seed5: v_measure "), "\(first.stderr)")
        #expect(first.stderr.contains(", ETA "))
        #expect(first.stderr.contains("trial 2/2 tstcc_bs32_ep1_lr0.0025_depth3_hidden12_seed5: v_measure "))
        #expect(first.stdout.contains("| **1** |") && first.stdout.contains("2 of 2 trials computed now"))
        let again = try CommandLineTool.run(["sweep", preset, "--out", out, "--threads", "1"])
        #expect(again.status == 0)
        #expect(again.stderr.components(separatedBy: "(done before)").count - 1 == 2, "\(again.stderr)")
        #expect(again.stdout.contains("0 of 2 trials computed now"))
        let experiment = try CommandLineTool.run(["experiment", out + "/best.yaml", "--out", dir.appendingPathComponent("best").path,
                                                  "--threads", "1", "--quiet"])
        #expect(experiment.status == 0, "\(experiment.stderr)")
        #expect(experiment.stdout.contains("TS-TCC: V-measure "))
    }

    @Test func badSweepSectionsGiveOneErrorNamingTheKeyAndNoOutput() throws {
        let dir = Fixtures.temporaryDirectory("vssl-cli-sweep-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let synth = try CommandLineTool.run(["synth", "--preset", "etna-like", "--events", "60", "--seed", "1",
                                             "--out", dir.appendingPathComponent("data").path, "--quiet"])
        #expect(synth.status == 0, "\(synth.stderr)")
        let data = "  path: data"
        for (sweep, mentions) in [("  batch_size: [16, 500]", "sweep.batch_size value 500 is larger than the "),
                                  ("  learning_rate: [0.001, -1]", "sweep.learning_rate must hold positive"),
                                  ("  epochs: []", "sweep.epochs is empty"),
                                  ("  lr: [0.001]", "sweep.lr: unknown key")] {
            let out = dir.appendingPathComponent("out").path
            let run = try CommandLineTool.run(["sweep", try Self.preset(dir, data: data, sweep: sweep), "--out", out])
            let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
            #expect(run.status != 0 && run.status < 128, "\(sweep): status \(run.status)")
            #expect(errors.count == 1 && errors[0].contains(mentions), "\(sweep): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out), "\(sweep): left \(out) behind")
        }
    }
}
