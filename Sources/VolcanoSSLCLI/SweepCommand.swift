import ArgumentParser
import Experiments
import Foundation
import VolcanoCore

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "The paper's hyper-parameter search: batch size, epochs, learning rate, transformer depth and width.",
        discussion: """
        PRESET.yaml is an experiment preset with a `sweep:` section listing the values to try \
        (batch_size, epochs, learning_rate, depth, hidden; optional max_trials, method, clusterer). \
        Every combination (or a seeded random subset of max_trials) is one trial: pre-train \
        (TS-TCC by default), the contrastive loss on the validation split, embed, UMAP 20-D, the \
        preset's first clusterer, scored by V-measure (labels) or silhouette (no labels).

        Writes OUT/trials/<trial>/result.json as each trial finishes, OUT/sweep.{md,csv} (best \
        first: highest score, scores equal to 3 decimals broken by the lower validation loss) and \
        OUT/best.yaml, the preset with the best values, for `volcano-ssl experiment`. A re-run skips \
        the finished trials (those whose result.json was made from the same preset and dataset) \
        and continues where it stopped; a trial killed midway is redone. Trials that differ only in \
        epochs continue each other's checkpoint (constant learning rate; bit-identical to training \
        from scratch), so an epochs list costs about its largest value.

        The paper's grid (section 4.5) is batch_size [32, 48, 64, 96, 128], epochs [30, 40, 50, 60, 75], \
        learning_rate 1e-4 … 1e-2, depth 2 … 5, hidden 12 … 48: thousands of trials, days on a \
        laptop; use max_trials for a random subset. presets/sweep-llaima-like.yaml is a small grid \
        that runs in minutes.

        Example:
          volcano-ssl sweep presets/sweep-llaima-like.yaml --out runs/sweep-llaima-like
          volcano-ssl experiment runs/sweep-llaima-like/best.yaml
        """)

    @Argument(help: "Experiment preset with a `sweep:` section (YAML).") var preset: String
    @Option(help: "Output folder (default: runs/<preset file name>).") var out: String?
    @Option(help: "Run at most N trials: a seeded random subset of the grid (overrides max_trials).") var maxTrials: Int?
    @Option(help: "Seed of training, UMAP, clustering and the random subset (overrides the preset's seed).") var seed: UInt64?
    @Flag(help: "No progress bar and no per-trial lines (the table is still printed).") var quiet = false
    @OptionGroup var global: GlobalOptions

    func run() throws {
        MemoryReuse.enable()
        try global.apply()
        if let m = maxTrials, m < 1 { throw ValidationError("--max-trials must be at least 1, got \(m)") }
        let url = URL(fileURLWithPath: preset)
        var (config, sweep) = try SweepConfig.read(url)
        if let seed { config.seed = seed }
        let folder = out ?? "runs/" + url.deletingPathExtension().lastPathComponent
        let bar = ProgressBar(quiet: quiet)
        func say(_ line: String) { if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) } }
        let outcome = try Sweep(config: config, sweep: sweep, output: URL(fileURLWithPath: folder), maxTrials: maxTrials)
            .run(progress: bar.handler, onEvent: { event in
                switch event {
                case let .started(i, n, trial):
                    say("trial \(i)/\(n) \(trial.id): pre-training")
                case let .finished(i, n, r, computed, eta):
                    var line = "trial \(i)/\(n) \(r.trial.id): "
                    if let failure = r.failure {
                        line += "failed (\(failure))"
                    } else {
                        line += String(format: "%@ %.3f, validation loss %.4f", r.scoreName, r.score, r.validationLoss)
                    }
                    line += computed ? " in " + ProgressBar.format(seconds: r.seconds) : " (done before)"
                    if let eta, i < n { line += ", ETA " + ProgressBar.format(seconds: eta) }
                    say(line)
                }
            }, log: { say($0) })
        print(try String(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent("sweep.md"), encoding: .utf8))
        let b = outcome.best
        print(String(format: "best: %@ (%@ %.3f, validation loss %.4f); %d of %d trials computed now",
                     b.trial.id, b.scoreName, b.score, b.validationLoss, outcome.computed, outcome.results.count))
        print("table: \(folder)/sweep.md   best preset: \(folder)/best.yaml")
    }
}
