import ArgumentParser
import Foundation
import Seismology
import VolcanoCore
import VolcanoData

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turns published event collections into Datasets.",
        subcommands: [ImportLlaima.self, ImportCatalog.self])
}

struct ImportLlaima: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llaima",
        abstract: "The public Llaima release (vt/lp/tr/tc.hdf5, 60 s at 100 Hz) → a Dataset at 50 Hz.",
        discussion: """
        Each event is decimated to 50 Hz as the paper does (ObsPy's decimate(2): Chebyshev-II \
        low-pass, every second sample), labelled VT, LP, TR or TC after its file, and assigned to \
        stratified train/validation/test splits (70/15/15 %). The providers already band-passed \
        the events 1–10 Hz.

        Example:
          volcano-ssl import llaima ~/Downloads/llaima --out data/llaima
          volcano-ssl experiment presets/llaima.yaml
        """)

    @Argument(help: "Folder with vt.hdf5, lp.hdf5, tr.hdf5 and tc.hdf5.") var directory: String
    @Option(help: "Output Dataset folder.") var out: String
    @Option(help: "Seed of the train/validation/test split.") var seed: UInt64 = 1
    @Flag(help: "No progress bar.") var quiet = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        let bar = ProgressBar(quiet: quiet)
        let d = try LlaimaRelease.importDataset(from: URL(fileURLWithPath: directory), seed: seed, progress: bar.handler)
        try d.write(to: URL(fileURLWithPath: out))
        var counts: [String: Int] = [:]
        for e in d.events { counts[e.label ?? "", default: 0] += 1 }
        print("imported \(d.count) events (" + d.manifest.classNames.map { "\($0) \(counts[$0] ?? 0)" }.joined(separator: ", ")
              + ") at 50 Hz → \(out)")
    }
}

struct ImportCatalog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Your event catalog (CSV of onset times) + continuous miniSEED/SAC → a Dataset.",
        discussion: """
        The catalog needs a column "time" (ISO-8601 UTC onset; "onset", "onset_time" or \
        "origin_time" also work) and may have event_id, label, network, station, location and \
        channel (empty cells and missing columns use --network/--station/--location/--channel). \
        The waveforms are a folder of miniSEED/SAC files of any names (indexed once by their \
        headers) or an SDS archive YEAR/NET/STA/CHAN.D/NET.STA.LOC.CHAN.D.YEAR.DAY (detected, or \
        --sds); only the files an event overlaps are decoded, and pieces are joined across file \
        and day boundaries.

        Each window is [onset - pre, onset + post] (or --window seconds from onset - pre), \
        optionally demeaned, tapered, band-passed (zero-phase Butterworth) and resampled on the \
        window plus --margin seconds each side, then scaled by its maximum |amplitude|. Where \
        there is no data (data ends, gaps) the window is zero-filled; events.csv records \
        coverage, padded_start, padded_end, gap_samples and max_abs. Labelled catalogs get a \
        stratified train/validation/test split.

        Events with no data, a NaN sample, an all-zero window or less than --min-coverage stop \
        the import with a list of them; --skip-missing leaves them out and lists them in \
        skipped.csv. Nothing is written unless the import succeeds.

        Example:
          volcano-ssl synth --preset etna-like --continuous 2 --out data/stream
          volcano-ssl import catalog data/stream/catalog.csv \\
              --waveforms data/stream --window 60 --out data/mine
          volcano-ssl import catalog events.csv --waveforms /archive/sds \\
              --channel HHZ --pre 3 --post 6 --bandpass 0.5 7 --resample 15 \\
              --out data/etna
        """)

    @Argument(help: "Catalog CSV with a time column (ISO-8601 UTC onsets).") var catalog: String
    @Option(help: "Folder of miniSEED/SAC files, or an SDS archive.") var waveforms: String
    @Option(help: "Output Dataset folder.") var out: String
    @Flag(help: "The waveforms folder is an SDS archive (default: detected).") var sds = false
    @Option(help: "Seconds kept before the onset.") var pre: Double?
    @Option(help: "Seconds kept after the onset (window [onset - pre, onset + post]).") var post: Double?
    @Option(help: "Window length in seconds from onset - pre (instead of --post).") var window: Double?
    @Option(parsing: .upToNextOption, help: "Zero-phase Butterworth band-pass corners in Hz, e.g. --bandpass 0.5 7.")
    var bandpass: [Double] = []
    @Option(help: "Butterworth order of the band-pass (1-10).") var corners: Int = 4
    @Option(help: "Resample every window to this rate in Hz (FFT, as ObsPy).") var resample: Double?
    @Flag(help: "Subtract the mean before filtering (default: on when --bandpass or --resample is given).")
    var demean = false
    @Option(help: "Hann taper per side, fraction of the processed span (0-0.5; default 0.05 with --bandpass, else 0).")
    var taper: Double?
    @Option(help: "Extra seconds processed on each side and cut off afterwards, so the taper and filter edges miss the window (0-600; default 10 with --bandpass or --resample, else 0).")
    var margin: Double?
    @Option(help: "Default network code (wildcards * ?).") var network: String?
    @Option(help: "Default station code (wildcards * ?).") var station: String?
    @Option(help: "Default location code (wildcards * ?).") var location: String?
    @Option(help: "Default channel code, e.g. BHZ or HH? (wildcards * ?).") var channel: String?
    @Option(help: "Reject windows with less than this fraction of samples holding data (0-1).") var minCoverage: Double = 0
    @Flag(help: "Leave out events without usable data and list them in skipped.csv.") var skipMissing = false
    @Option(help: "Seed of the stratified train/validation/test split (labelled catalogs).") var seed: UInt64 = 1
    @Option(help: "Dataset name (default: the catalog's file name).") var name: String?
    @Flag(help: "No progress bar.") var quiet = false

    func validate() throws {
        if window != nil && post != nil { throw ValidationError("Give either --post or --window, not both.") }
        if window == nil && post == nil { throw ValidationError("Give --window S, or --pre S and --post S.") }
        for (n, v) in [("--pre", pre), ("--post", post), ("--window", window)] {
            if let v, !(v.isFinite && v >= 0 && v <= 86_400) { throw ValidationError("\(n) must be between 0 and 86400 seconds, got \(v).") }
        }
        if let w = window, w <= 0 { throw ValidationError("--window must be positive, got \(w).") }
        if !bandpass.isEmpty {
            guard bandpass.count == 2, bandpass[0] > 0, bandpass[0] < bandpass[1], bandpass.allSatisfy(\.isFinite) else {
                throw ValidationError("--bandpass needs two corner frequencies F1 < F2 in Hz, e.g. --bandpass 0.5 7; got \(bandpass).")
            }
        }
        guard (1...10).contains(corners) else { throw ValidationError("--corners must be between 1 and 10, got \(corners).") }
        if let r = resample, !(r.isFinite && r > 0 && r <= 100_000) { throw ValidationError("--resample must be a positive rate in Hz, got \(r).") }
        if let t = taper, !(t >= 0 && t <= 0.5) { throw ValidationError("--taper must be between 0 and 0.5, got \(t).") }
        if let m = margin, !(m.isFinite && m >= 0 && m <= 600) { throw ValidationError("--margin must be between 0 and 600 seconds, got \(m).") }
        guard minCoverage >= 0, minCoverage <= 1 else { throw ValidationError("--min-coverage must be between 0 and 1, got \(minCoverage).") }
    }

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        let processing = !bandpass.isEmpty || resample != nil
        let cut = EventCutSettings(
            pre: pre ?? 0, post: post ?? 0, length: window, margin: margin ?? (processing ? 10 : 0), demean: demean || processing,
            taperFraction: taper ?? (bandpass.isEmpty ? 0 : 0.05),
            bandpass: bandpass.isEmpty ? nil : (bandpass[0], bandpass[1]), corners: corners,
            resampleRate: resample, normalize: true)
        let options = CatalogImportOptions(
            cut: cut, defaults: ChannelSelection(network: network, station: station, location: location, channel: channel),
            layout: sds ? .sds : nil, skipMissing: skipMissing, minCoverage: minCoverage, splitSeed: seed, name: name)
        let bar = ProgressBar(quiet: quiet)
        let result: CatalogImportResult
        do {
            result = try CatalogImport.run(catalog: URL(fileURLWithPath: catalog), waveforms: URL(fileURLWithPath: waveforms),
                                           options: options, progress: bar.handler)
        } catch let e as InputError where e.file == nil {
            // Filter and resampling settings the data cannot carry: name the options.
            throw InputError("--bandpass \(bandpass.map { "\($0)" }.joined(separator: " ")) / --resample \(resample.map { "\($0)" } ?? "none"): \(e.message)")
        }
        try result.write(to: URL(fileURLWithPath: out))
        let d = result.dataset
        var counts: [String: Int] = [:]
        for e in d.events { counts[e.label ?? "", default: 0] += 1 }
        let classes = d.manifest.classNames.isEmpty ? "unlabelled"
            : d.manifest.classNames.map { "\($0) \(counts[$0] ?? 0)" }.joined(separator: ", ")
        let partial = d.events.filter { $0.quality[0] < 1 }.count
        print("imported \(d.count) events (\(classes)), \(d.length) samples at \(d.manifest.samplingRate) Hz from \(result.sourceSummary) → \(out)")
        if partial > 0 { print("\(partial) window\(partial == 1 ? "" : "s") zero-filled where data is missing (coverage < 1 in events.csv)") }
        if !result.skipped.isEmpty {
            print("skipped \(result.skipped.count) event\(result.skipped.count == 1 ? "" : "s") (listed in \(out)/\(CatalogImport.skippedFile)), e.g. \(result.skipped[0].eventID): \(result.skipped[0].reason)")
        }
        if !result.ignoredColumns.isEmpty { print("ignored catalog columns: \(result.ignoredColumns.joined(separator: ", "))") }
    }
}
