import Foundation
import Seismology
import VolcanoCore

/// The built-in synthetic volcano: labelled event windows and continuous streams with ground
/// truth, generated from a ``SyntheticPreset`` as a pure function of a seed.
///
/// Window `i` draws every random choice from `SeededGenerator(seed: seed, stream: i + 1)`
/// (stream 0 shuffles the class order), so windows are generated in parallel and the output
/// is bit-identical for a seed whatever the thread count.
///
/// One window is assembled as: background noise (unit RMS) + the class recipe's source
/// signal passed through the station's ``PathResponse`` and scaled to the drawn SNR,
/// + optionally a weaker overlapping event of another class; then the preset's band-pass,
/// optional zero padding after the event, and a peak amplitude drawn over orders of
/// magnitude. A fraction of labels is then swapped to another class (mislabelled).
public struct SyntheticVolcano: Sendable {
    /// The settings.
    public var preset: SyntheticPreset

    public init(preset: SyntheticPreset) { self.preset = preset }

    /// The numeric columns written to `events.csv` for synthetic windows: the drawn SNR (dB),
    /// the source's dominant frequency (Hz), duration (s), S−P time (s, empty when none),
    /// the peak amplitude (counts), and flags for a mislabelled, overlapping or cut-off event.
    public static let qualityColumns = ["snr_db", "dominant_frequency_hz", "duration_s", "s_minus_p_s",
                                        "peak_amplitude", "true_class", "mislabelled", "overlapping", "cut_off"]

    /// Ground truth of one generated window.
    public struct WindowInfo: Sendable {
        /// The class actually generated.
        public var trueClass: SyntheticEventClass
        /// The label written (differs from `trueClass` when mislabelled).
        public var label: SyntheticEventClass
        /// The main source (nil for noise windows).
        public var source: SyntheticSource?
        public var snrDB: Double
        public var peakAmplitude: Double
        public var overlapping: Bool
        public var cutOff: Bool
    }

    /// Generates a labelled Dataset of `events` windows (default ``SyntheticPreset/defaultEvents``),
    /// with class counts from ``SyntheticPreset/classCounts(total:)``, stratified 70/15/15
    /// train/validation/test splits and the full recipe recorded in the manifest.
    public func dataset(events: Int? = nil, seed: UInt64, progress: ProgressHandler? = nil) -> Dataset {
        let total = events ?? preset.defaultEvents
        precondition(total >= 0, "SyntheticVolcano.dataset: events must be ≥ 0, got \(total)")
        let classes = classOrder(total: total, seed: seed)
        let L = preset.outputSamplesPerWindow
        var waveforms = [Float](repeating: 0, count: total * L)
        var infos = [WindowInfo?](repeating: nil, count: total)
        let site = preset.path.siteResonances(seed: seed)
        let done = ProgressCounter(0)
        waveforms.withUnsafeMutableBufferPointer { wp in
            infos.withUnsafeMutableBufferPointer { ip in
                let w = UnsafeSendable(wp), inf = UnsafeSendable(ip)
                Parallel.forEach(total, minChunk: 8) { i in
                    let (x, info) = window(index: i, eventClass: classes[i], site: site, seed: seed)
                    let dst = w.value.baseAddress! + i * L
                    for k in 0..<L { dst[k] = Float(x[k]) }
                    inf.value[i] = info
                    if let progress {
                        let c = done.add(1)
                        if c % 64 == 0 || c == total {
                            progress(ProgressUpdate(stage: "synthesising \(preset.name)", completed: c, total: total, unit: "events"))
                        }
                    }
                }
            }
        }
        let classIndex = Dictionary(uniqueKeysWithValues: preset.classes.enumerated().map { ($1, $0) })
        var records: [EventRecord] = []
        records.reserveCapacity(total)
        let base = UTCDateTime(year: 2024, month: 1, day: 1)
        for i in 0..<total {
            let info = infos[i]!
            let s = info.source
            var rng = SeededGenerator(seed: seed, stream: 0x7133_0000 &+ UInt64(i))
            let start = base + (Double(i) * 600 + (rng.draw(0...500) * 100).rounded() / 100)
            records.append(EventRecord(
                eventID: "\(preset.name)-\(seed)-\(String(format: "%06d", i))", label: info.label.rawValue,
                network: preset.network, station: preset.station, channel: preset.channel,
                startTime: start, onsetOffset: s?.onset ?? .nan, source: "synthetic",
                quality: [info.snrDB, s?.dominantFrequency ?? .nan, s?.duration ?? .nan, s?.sMinusP ?? .nan,
                          info.peakAmplitude, Double(classIndex[info.trueClass] ?? -1),
                          info.label == info.trueClass ? 0 : 1, info.overlapping ? 1 : 0, info.cutOff ? 1 : 0]))
        }
        let manifest = DatasetManifest(name: preset.name, samplingRate: preset.outputSampleRate ?? preset.sampleRate, samplesPerEvent: L,
                                       channels: [preset.channel], classNames: preset.classes.map(\.rawValue),
                                       eventCount: total, qualityColumns: Self.qualityColumns,
                                       preprocessing: preprocessingHistory(seed: seed))
        var d = Dataset(manifest: manifest, waveforms: waveforms, events: records)
        StratifiedSplit.assign(&d, validation: 0.15, test: 0.15, seed: seed)
        return d
    }

    /// The class of each window: exact counts, in an order shuffled by stream 0 of the seed.
    public func classOrder(total: Int, seed: UInt64) -> [SyntheticEventClass] {
        let counts = preset.classCounts(total: total)
        var ordered: [SyntheticEventClass] = []
        ordered.reserveCapacity(total)
        for (k, c) in preset.classes.enumerated() { ordered += Array(repeating: c, count: counts[k]) }
        var rng = SeededGenerator(seed: seed, stream: 0)
        return rng.permutation(total).map { ordered[$0] }
    }

    /// The manifest's preprocessing history for this preset.
    func preprocessingHistory(seed: UInt64) -> [ProcessingStep] {
        var steps: [ProcessingStep] = [
            ProcessingStep("synthesize", [
                "generator": .text("VolcanoData.SyntheticVolcano"), "preset": .text(preset.name),
                "seed": .number(Double(seed)), "sampling_rate": .number(preset.sampleRate),
                "window_s": .number(preset.windowDuration),
                "snr_db_min": .number(preset.snrRange.lowerBound), "snr_db_max": .number(preset.snrRange.upperBound),
                "onset_s_min": .number(preset.onsetRange.lowerBound), "onset_s_max": .number(preset.onsetRange.upperBound),
                "cut_off_probability": .number(preset.cutOffProbability),
                "overlap_probability": .number(preset.overlapProbability),
                "mislabelled_fraction": .number(preset.mislabelledFraction),
                "amplitude_log10_min": .number(preset.amplitudeLog10Range.lowerBound),
                "amplitude_log10_max": .number(preset.amplitudeLog10Range.upperBound),
            ]),
        ]
        if let bp = preset.bandpass {
            steps.append(ProcessingStep("bandpass", [
                "freqmin": .number(bp.low), "freqmax": .number(bp.high), "corners": .number(4),
                "zerophase": .flag(false), "design": .text("ObsPy bandpass (Butterworth, second-order sections, causal)"),
            ]))
        }
        if let r = preset.outputSampleRate {
            steps.append(ProcessingStep("resample", ["sampling_rate": .number(r), "window": "hann", "no_filter": true]))
        }
        if preset.zeroPadAfterEvent {
            steps.append(ProcessingStep("pad", ["mode": .text("zeros after the event end"), "window_s": .number(preset.windowDuration)]))
        }
        steps.append(ProcessingStep("split", ["method": .text("stratified"), "validation": .number(0.15),
                                                 "test": .number(0.15), "seed": .number(Double(seed))]))
        return steps
    }

    /// One window of class `eventClass` at position `index`: samples (counts, at the preset's
    /// output rate) and its ground truth.
    /// A pure function of (`index`, `eventClass`, `site`, `seed`).
    public func window(index: Int, eventClass: SyntheticEventClass,
                       site: [(frequency: Double, q: Double, gain: Double)], seed: UInt64) -> ([Double], WindowInfo) {
        var rng = SeededGenerator(seed: seed, stream: UInt64(index) &+ 1)
        let fs = preset.sampleRate
        let L = preset.samplesPerWindow
        let T = Double(L) / fs
        var x = [Double](repeating: 0, count: L)
        let lowCut = preset.bandpass?.low ?? 0
        x.withUnsafeMutableBufferPointer { p in
            preset.noise.render(into: p, sampleRate: fs, includeMicroseism: lowCut < 0.5,
                                spikeProbability: eventClass == .noise ? max(0.3, preset.noise.spikeProbability) : nil, rng: &rng)
        }
        if let bp = preset.bandpass {
            // Band-pass the noise and the events separately (the filter is linear, so the sum is
            // the band-passed window) and keep the noise at unit RMS inside the band.
            x = bandFilter(bp).apply(x)
            var sumSq = 0.0
            for v in x { sumSq += v * v }
            let g = 1 / max(1e-12, (sumSq / Double(L)).squareRoot())
            for k in 0..<L { x[k] *= g }
        }
        var source: SyntheticSource?
        var snr = Double.nan
        var overlapping = false
        var cutOff = false
        var eventEnd = T
        if let recipe = preset.recipe(for: eventClass) {
            cutOff = rng.chance(preset.cutOffProbability)
            let onset = cutOff ? rng.draw(max(preset.onsetRange.lowerBound, T - 15)...max(preset.onsetRange.lowerBound, T - 3))
                               : rng.draw(preset.onsetRange)
            snr = rng.draw(preset.snrRange)
            var s = [Double](repeating: 0, count: L)
            let src = s.withUnsafeMutableBufferPointer { sp in
                let r = recipe.render(into: sp, onset: onset, sampleRate: fs, rng: &rng)
                preset.path.apply(to: sp, site: site, sampleRate: fs,
                                  maximumCorner: eventClass == .regionalTectonic ? preset.regionalTectonic.attenuationCorner : .infinity,
                                  rng: &rng)
                return r
            }
            source = src
            eventEnd = src.onset + src.duration
            addScaled(&x, s, toSNR: snr, bandpass: preset.bandpass, sampleRate: fs)
            if src.onset + src.duration > T { cutOff = true }
        }
        if rng.chance(preset.overlapProbability) {
            let others = preset.classes.filter { $0 != eventClass && $0 != .noise }
            if let other = others.isEmpty ? nil : others[rng.nextInt(below: others.count)], let recipe = preset.recipe(for: other) {
                overlapping = true
                var s = [Double](repeating: 0, count: L)
                let onset = rng.draw(0...(0.9 * T))
                let src2 = s.withUnsafeMutableBufferPointer { sp in
                    let r = recipe.render(into: sp, onset: onset, sampleRate: fs, rng: &rng)
                    preset.path.apply(to: sp, site: site, sampleRate: fs, rng: &rng)
                    return r
                }
                let base = snr.isNaN ? rng.draw(preset.snrRange) : snr
                addScaled(&x, s, toSNR: base + 20 * Foundation.log10(rng.draw(0.3...0.8)), bandpass: preset.bandpass, sampleRate: fs)
                eventEnd = max(eventEnd, src2.onset + src2.duration)
            }
        }
        if preset.zeroPadAfterEvent, source != nil {
            let from = Int(((eventEnd + 2) * fs).rounded(.up))
            if from < L {
                let taper = min(Int(fs), L - from)
                for k in 0..<taper { x[from + k] *= 0.5 * (1 + Foundation.cos(Double.pi * Double(k) / Double(taper))) }
                for k in (from + taper)..<L { x[k] = 0 }
            }
        }
        var peak = 0.0
        for v in x { peak = max(peak, abs(v)) }
        let target = Foundation.pow(10, rng.draw(preset.amplitudeLog10Range))
        let g = peak > 0 ? target / peak : 0
        for k in 0..<L { x[k] *= g }
        if let r = preset.outputSampleRate {
            do {
                x = try resample(x, samplingRate: fs, to: r)
            } catch {
                preconditionFailure("SyntheticVolcano: preset \(preset.name) cannot resample to \(r) Hz: \(error)")
            }
        }
        var label = eventClass
        if rng.chance(preset.mislabelledFraction) {
            let others = preset.classes.filter { $0 != eventClass && $0 != .noise }
            if eventClass != .noise, !others.isEmpty { label = others[rng.nextInt(below: others.count)] }
        }
        var finalPeak = 0.0
        for v in x { finalPeak = max(finalPeak, abs(v)) }
        return (x, WindowInfo(trueClass: eventClass, label: label, source: source, snrDB: snr,
                              peakAmplitude: finalPeak, overlapping: overlapping, cutOff: cutOff))
    }

    /// The preset's band-pass: ObsPy's `bandpass(freqmin, freqmax, corners=4, zerophase=False)`.
    func bandFilter(_ bp: (low: Double, high: Double)) -> SOSFilter {
        do {
            return try Butterworth.bandpass(freqmin: bp.low, freqmax: bp.high, samplingRate: preset.sampleRate, corners: 4)
        } catch {
            preconditionFailure("SyntheticVolcano: preset \(preset.name) has an invalid band-pass \(bp) for \(preset.sampleRate) Hz: \(error)")
        }
    }

    /// Band-passes `s` (when the preset has a band) and adds it to the unit-RMS noise `x` so
    /// that `peak |s| / RMS(noise) = 10^(snr/20)` in that band.
    func addScaled(_ x: inout [Double], _ s: [Double], toSNR snr: Double, bandpass: (low: Double, high: Double)?, sampleRate fs: Double) {
        var s = s
        if let bp = bandpass { s = bandFilter(bp).apply(s) }
        var peak = 0.0
        for v in s { peak = max(peak, abs(v)) }
        guard peak > 0 else { return }
        let g = Foundation.pow(10, snr / 20) / peak
        for k in x.indices { x[k] += g * s[k] }
    }
}


/// A tiny locked counter for progress reports from parallel loops.
final class ProgressCounter: @unchecked Sendable {
    private var value: Int
    private let lock = NSLock()
    init(_ v: Int) { value = v }
    func add(_ d: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += d
        return value
    }
}
