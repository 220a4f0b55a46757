import ArgumentParser
import Experiments
import Foundation
import VolcanoCore
import VolcanoData

/// `volcano-ssl monitor FILES… --model MODEL --run RUN --out DIR`: a trained model and a
/// clustered run applied to new continuous data; counts of each event family per day.
struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Assign the events of new continuous data to a run's clusters and count them per day.",
        discussion: """
        Chain: detect (the training dataset's band-pass, resampling, STA/LTA, window and quality \
        selection, read from its manifest.json; each can be overridden) → cut and normalise → \
        embed with --model → place on the run's saved 20-D and 2-D UMAP maps (umap20d/, umap2d/, \
        written by `volcano-ssl cluster`) → assign a training cluster → count per cluster per UTC day.

        Assignment: the majority cluster of the event's --neighbors nearest training events in the \
        20-D map. An event farther from every training event (in the embedding space) than \
        --novelty-factor × the --novelty-quantile of the training events' own nearest-neighbour \
        distances is flagged new (cluster −2): an event unlike anything seen in training.

        Writes DIR atomically:
          events.csv    event_id, onset_time, cluster, status (assigned, noise,
                        new), confidence, nearest_distance, umap_x, umap_y,
                        network, station, channel, the quality columns
          counts.csv    day, bin_start, cluster, name, count (every bin ×
                        cluster, zeros too)
          counts.svg    stacked bars per day (or bin) and cluster
          monitor.html  the chart and a table of the counts
          monitor.json  model, run, files, settings, rule, seed, versions
          embeddings.npy, umap2d.npy, umap20d.npy, triggers.csv

        Example (train on January, watch February):
          volcano-ssl detect jan*.mseed --bandpass 0.5 7 --resample 15 \\
            --sta 1 --lta 7.5 --on 2.8 --off 0.5 --pre 3 --post 6 --length 9 \\
            --out data/jan
          volcano-ssl pretrain tstcc --data data/jan --preset etna --out models/jan
          volcano-ssl embed --model models/jan --data data/jan --out runs/jan
          volcano-ssl cluster runs/jan --clusters 4 --dataset data/jan
          volcano-ssl monitor feb*.mseed --model models/jan --run runs/jan \\
            --out monitor/feb
        """)

    enum Quality: String, ExpressibleByArgument { case training, all, strict }

    @Argument(help: "New continuous waveform files (miniSEED, SAC, or NPY with --npy-rate).")
    var files: [String]
    @Option(help: "Model folder written by `pretrain` (the run's model).") var model: String
    @Option(name: .customLong("run"), help: ArgumentHelp("Run folder written by `embed` + `cluster` (with umap20d/ and umap2d/).", valueName: "RUN_DIR"))
    var runDir: String
    @Option(help: "Output folder (replaced atomically).") var out: String
    @Option(help: "Count bin: 1d (UTC days), 12h, 1h, 30m, or seconds.") var bin: String = "1d"
    @Option(help: "Training neighbours voting for the cluster (1 to the training events; 10 is a good default).")
    var neighbors: Int = 10
    @Option(help: "Quantile of the training nearest-neighbour distances for novelty, in (0, 1].")
    var noveltyQuantile: Double = 0.99
    @Option(help: "Multiplier of that quantile; events farther from every training event are flagged new (> 0).")
    var noveltyFactor: Double = 1
    @Option(help: "Event selection: training (as the training dataset), all, or strict (medians of the new triggers).")
    var quality: Quality = .training
    @Option(parsing: .upToNextOption, help: "Override the band-pass corners F1 F2 in Hz.") var bandpass: [Double] = []
    @Option(help: "Override the resampling rate in Hz.") var resample: Double?
    @Option(help: "Override the STA window in s.") var sta: Double?
    @Option(help: "Override the LTA window in s.") var lta: Double?
    @Option(help: "Override the trigger-on threshold.") var on: Double?
    @Option(help: "Override the trigger-off threshold.") var off: Double?
    @Option(help: "Override the seconds kept before the onset.") var pre: Double?
    @Option(help: "Override the seconds kept after the onset.") var post: Double?
    @Option(help: "Override the fixed window length in s from onset − pre.") var length: Double?
    @Option(help: "UMAP transform seed (default: the one saved with the maps); the same seed gives the same files.")
    var seed: UInt64?
    @Option(help: "Sampling rate in Hz of NPY inputs.") var npyRate: Double?
    @Option(help: "Streaming block length in seconds.") var blockSeconds: Double = 600
    @Option(name: .customLong("batch-size"), help: "Events per encoder forward pass.") var batchSize: Int = 256
    @Flag(help: "No progress output.") var quiet = false
    @OptionGroup var global: GlobalOptions

    /// Seconds of a bin written as 1d, 12h, 30m, 45s or a plain number of seconds.
    static func binSeconds(_ text: String) -> Double? {
        let units: [Character: Double] = ["d": 86_400, "h": 3_600, "m": 60, "s": 1]
        if let last = text.last, let unit = units[last], let v = Double(text.dropLast()) { return v * unit }
        return Double(text)
    }

    func validate() throws {
        guard bandpass.isEmpty || bandpass.count == 2 else {
            throw ValidationError("--bandpass takes two corner frequencies F1 F2, got \(bandpass.count) values")
        }
        guard let b = Self.binSeconds(bin), b >= 1, b.isFinite else {
            throw ValidationError("--bin must be a duration such as 1d, 1h, 30m or a number of seconds ≥ 1, got \"\(bin)\"")
        }
        guard blockSeconds > 0 else { throw ValidationError("--block-seconds must be positive") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        MemoryReuse.enable()
        try global.apply()
        var options = Monitor.Options()
        var d = DetectionOverrides()
        d.freqmin = bandpass.first
        d.freqmax = bandpass.count == 2 ? bandpass[1] : nil
        d.resampleRate = resample
        d.sta = sta; d.lta = lta; d.onThreshold = on; d.offThreshold = off
        d.pre = pre; d.post = post; d.windowLength = length
        options.detection = d
        switch quality {
        case .training: options.selection = nil
        case .all: options.selection = .all
        case .strict: options.selection = .strict
        }
        options.assignment = ClusterAssignment(neighbors: neighbors, noveltyQuantile: noveltyQuantile, noveltyFactor: noveltyFactor)
        options.binSeconds = Self.binSeconds(bin)!
        options.seed = seed
        options.npyRate = npyRate
        options.blockSeconds = blockSeconds
        options.batchSize = batchSize
        let bar = ProgressBar(quiet: quiet)
        let monitor = Monitor(model: URL(fileURLWithPath: model), run: URL(fileURLWithPath: runDir), options: options)
        let result = try monitor.run(files: files.map { URL(fileURLWithPath: $0) }, progress: bar.handler)
        try result.write(to: URL(fileURLWithPath: out))
        if !quiet { print("\(result.summary) → \(out)/counts.csv, counts.svg") }
    }
}
