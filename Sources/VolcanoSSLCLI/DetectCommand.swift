import ArgumentParser
import Foundation
import Seismology
import VolcanoCore
import VolcanoData

/// `volcano-ssl detect FILES… --bandpass F1 F2 --resample HZ --sta S --lta S --on X --off Y
/// --pre S --post S [--quality strict] --out DIR`: STA/LTA detection on continuous data.
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Detect events in continuous data with a recursive STA/LTA and cut them into a Dataset.",
        discussion: """
        Chain per continuous segment (ObsPy semantics): band-pass (Butterworth, zero-phase) → \
        FFT resample → recursive STA/LTA → trigger on/off → window [onset − pre, onset + post] \
        (or --length seconds from onset − pre), zero-padded at the data ends, scaled by its \
        maximum |amplitude|. miniSEED files are streamed in blocks (memory does not grow with \
        the file length; events are listed per continuous segment). --quality strict keeps the paper's Etna selection: peak-to-peak and \
        maximum STA/LTA above their medians, peak before 90 % of the window.

        Writes DIR as a Dataset (manifest.json, waveforms.npy float32 [N, 1, L], events.csv \
        with the quality columns) plus triggers.csv listing every trigger with its quality \
        and whether it was kept.

        Example (the paper's Etna settings: 9 s windows of 135 samples at 15 Hz, from 3 s before \
        the onset; --post 6 instead of --length 9 keeps both ends, 136 samples, as ObsPy's trim):
          volcano-ssl detect day.mseed --bandpass 0.5 7 --resample 15 --sta 1 --lta 7.5 \\
            --on 2.8 --off 0.5 --pre 3 --length 9 --quality strict --out data/etna
        """
    )

    enum Quality: String, ExpressibleByArgument { case all, strict }

    @Argument(help: "Continuous waveform files (miniSEED, SAC, or NPY with --npy-rate).")
    var files: [String]
    @Option(parsing: .upToNextOption, help: "Band-pass corners F1 F2 in Hz (Butterworth, zero-phase).")
    var bandpass: [Double] = []
    @Option(help: "Butterworth order of the band-pass.")
    var corners: Int = 4
    @Option(help: "Resample to this rate in Hz after filtering (ObsPy Trace.resample).")
    var resample: Double?
    @Option(help: "Short-term average window in seconds.")
    var sta: Double
    @Option(help: "Long-term average window in seconds.")
    var lta: Double
    @Option(help: "Trigger-on threshold of STA/LTA.")
    var on: Double
    @Option(help: "Trigger-off threshold of STA/LTA (≤ --on).")
    var off: Double
    @Option(help: "Seconds kept before the onset.")
    var pre: Double
    @Option(help: "Seconds kept after the onset.")
    var post: Double
    @Option(help: "Fixed window length in seconds from onset − pre (e.g. 60), instead of pre + post.")
    var length: Double?
    @Option(help: "Longest trigger in seconds (longer ones are cut).")
    var maxTrigger: Double?
    @Option(help: "Event selection: all, or strict (the paper's Etna quality filter).")
    var quality: Quality = .all
    @Option(help: "Sampling rate in Hz of NPY inputs (NPY holds none).")
    var npyRate: Double?
    @Option(help: "Streaming block length in seconds.")
    var blockSeconds: Double = 600
    @Flag(help: "Process each trace whole in memory (exact ObsPy chain; memory grows with the file).")
    var inMemory = false
    @Option(help: "Output Dataset folder.")
    var out: String
    @Flag(help: "No progress output.")
    var quiet = false
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard bandpass.isEmpty || bandpass.count == 2 else {
            throw ValidationError("--bandpass takes two corner frequencies F1 F2, got \(bandpass.count) values")
        }
        guard blockSeconds > 0 else { throw ValidationError("--block-seconds must be positive") }
    }

    var settings: DetectionSettings {
        DetectionSettings(freqmin: bandpass.first, freqmax: bandpass.count == 2 ? bandpass[1] : nil, corners: corners,
                          resampleRate: resample, sta: sta, lta: lta, onThreshold: on, offThreshold: off,
                          pre: pre, post: post, windowLength: length, maxTriggerLength: maxTrigger)
    }

    func run() throws {
        try global.apply()
        let bar = ProgressBar(quiet: quiet)
        let result = try ContinuousDetection.run(files: files.map { URL(fileURLWithPath: $0) }, settings: settings,
                                                 npyRate: npyRate, blockSeconds: blockSeconds, inMemory: inMemory,
                                                 progress: { bar.show($0) })
        let outURL = URL(fileURLWithPath: out)
        let catalog = DetectionCatalog(events: result.events, rate: result.rate, settings: settings, sourceNotes: result.notes,
                                       selection: quality == .strict ? .strict : .all, name: outURL.lastPathComponent)
        try catalog.write(to: outURL)
        let m = catalog.dataset.manifest
        var s = "\(catalog.triggerCount) triggers, \(catalog.dataset.count) events written to \(outURL.path) (\(m.samplesPerEvent) samples at \(m.samplingRate) Hz)"
        if catalog.allZeroCount > 0 {
            s += "; \(catalog.allZeroCount) all-zero event\(catalog.allZeroCount == 1 ? "" : "s") left unnormalised (all_zero = 1)"
        }
        print(s)
    }
}
