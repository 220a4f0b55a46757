import Foundation
import VolcanoCore

/// STA/LTA detection over whole continuous waveform files: the chain behind
/// `volcano-ssl detect` and `volcano-ssl monitor`.
///
/// miniSEED files are streamed in blocks with one ``StreamingEventDetector`` per continuous
/// segment of each channel (memory does not grow with the file length); SAC and NPY files, and
/// miniSEED with `inMemory`, run ``EventDetector/detect(_:settings:)`` on each whole trace.
/// A segment not longer than the LTA window (e.g. between gaps) is skipped and counted.
public enum ContinuousDetection {
    /// Events found in a set of files.
    public struct Result: Sendable {
        /// Every detected event (before any quality selection), file by file.
        public var events: [DetectedEvent]
        /// The processing rate in Hz (the resampling rate, or the common input rate).
        public var rate: Double
        /// One note per file: its name, plus the number of short segments skipped.
        public var notes: [String]
        /// First and last sample time of the data read (nil when nothing was read).
        public var dataStart: UTCDateTime?, dataEnd: UTCDateTime?
    }

    /// Runs the detection chain over `files`.
    /// - Parameters:
    ///   - settings: band-pass, resampling, STA/LTA and window settings.
    ///   - npyRate: sampling rate in Hz of NPY inputs (NPY files hold none).
    ///   - blockSeconds: streaming block length in s (> 0; 600 is a good default).
    ///   - inMemory: process each trace whole (the exact ObsPy chain; memory grows with the file).
    ///   - requiredRate: when set, the processing rate must equal it (e.g. the rate a model was
    ///     trained at) and no input may be sampled below it; otherwise ``InputError`` naming the file.
    /// - Throws: ``InputError`` naming the file for unreadable files, invalid settings for the
    ///   file's rate, mixed rates without resampling, HDF5 inputs, or files without a trace
    ///   longer than the LTA window.
    public static func run(files: [URL], settings: DetectionSettings, npyRate: Double? = nil, blockSeconds: Double = 600,
                           inMemory: Bool = false, requiredRate: Double? = nil,
                           progress: ProgressHandler? = nil) throws -> Result {
        var events: [DetectedEvent] = []
        var rate: Double?
        var notes: [String] = []
        var first: UTCDateTime?, last: UTCDateTime?
        func span(_ t: Trace) {
            guard t.count > 0 else { return }
            first = first.map { min($0, t.startTime) } ?? t.startTime
            last = last.map { max($0, t.endTime) } ?? t.endTime
        }
        func useRate(_ r: Double, _ file: URL) throws {
            let pr = settings.resampleRate ?? r
            if let need = requiredRate {
                guard r >= need else {
                    throw InputError("has sampling rate \(r) Hz, below the \(need) Hz the model was trained at; it cannot give that rate (expected data sampled at \(need) Hz or faster)", file: file.path)
                }
                guard pr == need else {
                    throw InputError("has sampling rate \(r) Hz and is not resampled, but the model was trained at \(need) Hz (give --resample \(need))", file: file.path)
                }
            }
            if let rate, rate != pr {
                throw InputError("has sampling rate \(r) Hz but earlier files were processed at \(rate) Hz; give --resample to put all files on one rate", file: file.path)
            }
            rate = pr
        }
        for (fi, url) in files.enumerated() {
            progress?(ProgressUpdate(stage: "detect \(url.lastPathComponent)", completed: fi, total: files.count, unit: "files"))
            var processed = 0, short = 0
            func wrap(_ body: () throws -> [DetectedEvent]) throws -> [DetectedEvent] {
                do {
                    return try body()
                } catch let e as InputError where e.file == nil {
                    throw InputError(e.message, file: url.path)
                }
            }
            // A segment shorter than the LTA (e.g. between gaps) is skipped and counted.
            func segment(_ body: () throws -> [DetectedEvent]) throws -> [DetectedEvent] {
                do {
                    let e = try wrap(body)
                    processed += 1
                    return e
                } catch is TraceTooShortError {
                    short += 1
                    return []
                }
            }
            let format = try WaveformFormat.detect(url)
            switch format {
            case .miniSEED where !inMemory:
                // Bounded memory: pieces of ~256 KiB of records; one streaming detector per
                // continuous segment of each channel (and quality letter).
                var open: [String: StreamingEventDetector] = [:]
                var fallback: [String: Trace] = [:]      // rates that cannot be streamed
                func close(_ key: String) throws {
                    if var d = open.removeValue(forKey: key) { events += try segment { try d.finish() } }
                    if let t = fallback.removeValue(forKey: key) {
                        events += try segment { try EventDetector.detect(t, settings: settings) }
                    }
                }
                try MiniSEED.readInChunks(url, chunkBytes: 1 << 18) { chunks in
                    for chunk in chunks {
                        let key = chunk.trace.id + "." + String(chunk.info.dataQuality)
                        span(chunk.trace)
                        if !chunk.continuesPrevious {
                            try close(key)
                            try useRate(chunk.trace.samplingRate, url)
                            do { try settings.validate(samplingRate: chunk.trace.samplingRate) } catch let e as InputError {
                                throw InputError(e.message, file: url.path)
                            }
                            if let d = try? StreamingEventDetector(header: chunk.trace, settings: settings, blockSeconds: blockSeconds) {
                                open[key] = d
                            } else {
                                var t = chunk.trace
                                t.samples = []
                                fallback[key] = t
                            }
                        }
                        if open[key] != nil { events += try wrap { try open[key]!.push(chunk.trace.samples) } }
                        else { fallback[key]!.samples += chunk.trace.samples }
                    }
                }
                for key in Array(open.keys).sorted() + Array(fallback.keys).sorted() { try close(key) }
            case .miniSEED, .sac, .npy:
                let stream = try SeismicStream.read(url, npySamplingRate: npyRate)
                for t in stream {
                    span(t)
                    try useRate(t.samplingRate, url)
                    events += try segment { try EventDetector.detect(t, settings: settings) }
                }
            case .hdf5:
                throw InputError("is an HDF5 file of event arrays, not continuous data (use `volcano-ssl import`)", file: url.path)
            }
            guard processed > 0 else {
                throw InputError("has no trace longer than the \(settings.lta) s LTA window (\(short) segment\(short == 1 ? "" : "s") too short)", file: url.path)
            }
            notes.append(url.lastPathComponent + (short > 0 ? " (\(short) short segments skipped)" : ""))
        }
        progress?(ProgressUpdate(stage: "detect", completed: files.count, total: files.count, unit: "files"))
        return Result(events: events, rate: rate ?? (settings.resampleRate ?? 1), notes: notes, dataStart: first, dataEnd: last)
    }
}

extension DetectionSettings {
    /// The settings recorded in a processing history (a Dataset manifest written by
    /// `volcano-ssl detect`): the `bandpass`, `resample`, `recursive_sta_lta_trigger` and
    /// `cut_event_window` steps of ``processingSteps``.
    /// - Returns: nil when the history has no `recursive_sta_lta_trigger` or no
    ///   `cut_event_window` step (e.g. an imported or synthetic dataset).
    public init?(processingSteps steps: [ProcessingStep]) {
        func number(_ step: ProcessingStep?, _ key: String) -> Double? {
            if case .number(let v)? = step?.parameters[key] { return v }
            return nil
        }
        func flag(_ step: ProcessingStep?, _ key: String) -> Bool? {
            if case .flag(let v)? = step?.parameters[key] { return v }
            return nil
        }
        let named = { (name: String) in steps.last { $0.name == name } }
        let band = named("bandpass"), resample = named("resample"), trigger = named("recursive_sta_lta_trigger"),
            cut = named("cut_event_window")
        guard let sta = number(trigger, "sta"), let lta = number(trigger, "lta"), let on = number(trigger, "thr_on"),
              let off = number(trigger, "thr_off"), let pre = number(cut, "pre"), let post = number(cut, "post") else { return nil }
        self.init(freqmin: number(band, "freqmin"), freqmax: number(band, "freqmax"),
                  corners: number(band, "corners").map { Int($0) } ?? 4, resampleRate: number(resample, "sampling_rate"),
                  sta: sta, lta: lta, onThreshold: on, offThreshold: off, pre: pre, post: post,
                  windowLength: number(cut, "length"), maxTriggerLength: number(trigger, "max_len"),
                  deleteLongTriggers: flag(trigger, "max_len_delete") ?? false)
    }
}
