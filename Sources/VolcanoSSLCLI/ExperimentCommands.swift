import ArgumentParser
import Experiments
import Foundation
import VolcanoCore

/// Runs an experiment and its report, printing each finished stage and the table.
func runExperiment(_ config: ExperimentConfig, out: String, quiet: Bool) throws {
    let output = URL(fileURLWithPath: out)
    let bar = ProgressBar(quiet: quiet)
    let result = try Experiment(config: config, output: output).run(progress: bar.handler) { line in
        if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }
    let report = try ExperimentReport.build(output)
    try report.write(to: output.appendingPathComponent("report.html"))
    print(ResultsTable.table(result, bestOnly: true).markdown())
    for rep in config.representations {
        if let b = result.best(for: rep) {
            print(String(format: "%@: V-measure %.3f (%@)", rep.title, b.evaluation.vMeasure, b.clusterer.title))
        }
    }
    print("table: \(out)/results.md   report: \(out)/report.html")
}

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The whole pipeline on the built-in synthetic volcano, with an HTML report.",
        discussion: """
        Generates a small llaima-like synthetic volcano (VT, LP, tremor and tectonic events, 60 s at \
        50 Hz), pre-trains TS-TCC and SimCLR encoders, embeds the events, maps them with UMAP, \
        clusters them with K-means, spectral, Ward and HDBSCAN, scores the clusters against the \
        known classes (completeness, homogeneity, V-measure) and writes a self-contained HTML \
        report. About 3 minutes on 2 cores with the defaults (after the build); the paper-size run is \
        `volcano-ssl experiment presets/llaima-like.yaml`.

        Example:
          volcano-ssl demo --out runs/demo
        """)

    @Option(help: "Output folder.") var out: String = "runs/demo"
    @Option(help: "Synthetic events.") var events: Int = 1000
    @Option(help: "Pre-training epochs per method.") var epochs: Int = 20
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Flag(help: "No progress bar.") var quiet = false
    @OptionGroup var global: GlobalOptions

    func run() throws {
        MemoryReuse.enable()
        try global.apply()
        guard events >= 100 else { throw ValidationError("--events must be at least 100, got \(events)") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        let config = ExperimentConfig(
            name: "demo (llaima-like synthetic volcano)",
            data: .init(synthetic: "llaima-like", events: events, seed: seed),
            model: .init(preset: "llaima", epochs: epochs, batchSize: 32),
            hdbscanMinClusterSize: max(10, events / 40), seed: seed)
        try config.validate()
        try runExperiment(config, out: out, quiet: quiet)
    }
}

struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "The paper's table in one run: {baseline, SimCLR, TS-TCC} × {K-means, spectral, Ward, HDBSCAN}.",
        discussion: """
        PRESET.yaml names the data (a built-in synthetic volcano or a Dataset folder), the model \
        preset and overrides, the representations and clusterers. Writes OUT/results.{md,csv,html,json}, \
        OUT/report.html, the models and the maps. A re-run resumes pre-training where it stopped.

        Preset keys: name, data {synthetic | path, events, seed, noise_label}, model {preset, \
        epochs, batch_size, learning_rate, hidden, depth}, representations, clusterers, clusters, \
        umap_neighbors, hdbscan_min_cluster_size, seed. Shipped presets are in presets/.

        Example:
          volcano-ssl experiment presets/llaima-like.yaml --out runs/llaima-like
        """)

    @Argument(help: "Experiment preset (YAML).") var preset: String
    @Option(help: "Output folder (default: runs/<preset file name>).") var out: String?
    @Flag(help: "No progress bar.") var quiet = false
    @OptionGroup var global: GlobalOptions

    func run() throws {
        MemoryReuse.enable()
        try global.apply()
        let url = URL(fileURLWithPath: preset)
        let config = try ExperimentConfig.read(url)
        try runExperiment(config, out: out ?? "runs/" + url.deletingPathExtension().lastPathComponent, quiet: quiet)
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Draws the HTML report of an experiment folder again.",
        discussion: """
        Reads RUN_DIR/results.json, the maps and cluster labels, and the dataset, and writes a \
        self-contained HTML page (inline SVG, no network): scores, UMAP maps by label and by \
        cluster, waveform stacks and spectra per cluster, loss curves, provenance.

        Example:
          volcano-ssl report runs/demo --out runs/demo/report.html
        """)

    @Argument(help: "Experiment folder.") var runDir: String
    @Option(help: "Output HTML file (default RUN_DIR/report.html).") var out: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        let folder = URL(fileURLWithPath: runDir)
        let target = out.map { URL(fileURLWithPath: $0) } ?? folder.appendingPathComponent("report.html")
        try ExperimentReport.build(folder).write(to: target)
        print("report: \(target.path)")
    }
}
