import VolcanoCore

/// How to cut and prepare one event window from continuous traces: the window around the
/// onset, the optional preprocessing of the paper's presets, and max-|amplitude| scaling.
///
/// The window is `[onset − pre, onset + post]` (both ends included, `round(pre·sr) +
/// round(post·sr) + 1` samples) or, with ``length``, `length · sr` samples from
/// `onset − pre`. Samples snap to the data's own sample grid (nearest sample, as ObsPy's
/// `trim(nearest_sample=True)`).
///
/// Processing runs on the window extended by ``margin`` seconds on each side (then cut off),
/// so that the taper and the filter's edge effects fall outside the window: demean (mean of
/// the samples that hold data), Hann taper of ``taperFraction`` per side, zero-phase
/// Butterworth band-pass, FFT resampling (ObsPy `resample`, Hann window), then division by
/// the window's maximum |amplitude|. Where there is no data (before the first sample, after
/// the last, inside gaps) the samples are zero after every step, and are counted in the
/// window's coverage.
public struct EventCutSettings: Sendable, Equatable {
    /// Seconds kept before the onset (≥ 0; the Etna preset uses 3).
    public var pre: Double
    /// Seconds kept after the onset (≥ 0; Etna 6); ignored when ``length`` is set.
    public var post: Double
    /// Fixed window length in seconds from `onset − pre` (e.g. 60 for Llaima/Colima), or nil.
    public var length: Double?
    /// Extra seconds processed on each side and cut off afterwards (0–600; 0 processes the
    /// window alone; a few periods of the lowest band-pass corner is plenty).
    public var margin: Double
    /// Subtract the mean before filtering.
    public var demean: Bool
    /// Hann taper per side as a fraction of the processed span (0–0.5; 0 = none).
    public var taperFraction: Double
    /// Zero-phase Butterworth band-pass corners in Hz, or nil for none.
    public var bandpass: (low: Double, high: Double)?
    /// Butterworth corners (order) of the band-pass (1–10; 4 as ObsPy and the paper).
    public var corners: Int
    /// New sampling rate in Hz, or nil to keep the data's.
    public var resampleRate: Double?
    /// Divide each window by its maximum |amplitude| (the paper scales every event so).
    public var normalize: Bool

    public init(pre: Double, post: Double, length: Double? = nil, margin: Double = 0, demean: Bool = false,
                taperFraction: Double = 0, bandpass: (low: Double, high: Double)? = nil, corners: Int = 4,
                resampleRate: Double? = nil, normalize: Bool = true) {
        self.pre = pre
        self.post = post
        self.length = length
        self.margin = margin
        self.demean = demean
        self.taperFraction = taperFraction
        self.bandpass = bandpass
        self.corners = corners
        self.resampleRate = resampleRate
        self.normalize = normalize
    }

    public static func == (a: EventCutSettings, b: EventCutSettings) -> Bool {
        a.pre == b.pre && a.post == b.post && a.length == b.length && a.margin == b.margin && a.demean == b.demean
            && a.taperFraction == b.taperFraction && a.bandpass?.low == b.bandpass?.low
            && a.bandpass?.high == b.bandpass?.high && a.corners == b.corners && a.resampleRate == b.resampleRate
            && a.normalize == b.normalize
    }

    /// Samples per window at `rate` Hz.
    public func samples(at rate: Double) -> Int {
        if let length { return Int((length * rate).rounded()) }
        return Int((pre * rate).rounded()) + Int((post * rate).rounded()) + 1
    }

    /// The steps done to every window, in order, for a Dataset manifest.
    public var history: [ProcessingStep] {
        var steps: [ProcessingStep] = []
        var cut: [String: ProcessingParameter] = ["pre": .number(pre), "margin": .number(margin),
                                                  "nearest_sample": true, "fill_value": 0]
        if let length { cut["length"] = .number(length) } else { cut["post"] = .number(post) }
        steps.append(ProcessingStep("cut", cut))
        if demean { steps.append(ProcessingStep("detrend", ["type": "demean", "over": "samples with data"])) }
        if taperFraction > 0 { steps.append(ProcessingStep("taper", ["max_percentage": .number(taperFraction), "type": "hann"])) }
        if let b = bandpass {
            steps.append(ProcessingStep("bandpass", ["freqmin": .number(b.low), "freqmax": .number(b.high),
                                                     "corners": .number(Double(corners)), "zerophase": true]))
        }
        if let r = resampleRate { steps.append(ProcessingStep("resample", ["sampling_rate": .number(r), "window": "hann"])) }
        if margin > 0 || resampleRate != nil { steps.append(ProcessingStep("trim", ["to": "window", "margin": .number(margin)])) }
        steps.append(ProcessingStep("zero_fill", ["where": "no data (before, after, gaps)"]))
        if normalize { steps.append(ProcessingStep("normalize", ["by": "max_abs"])) }
        return steps
    }
}

/// One cut and prepared event window.
public struct EventCut: Sendable, Equatable {
    /// The window's samples (``EventCutSettings/samples(at:)`` of them).
    public var samples: [Double]
    /// Sampling rate of ``samples`` (Hz).
    public var samplingRate: Double
    /// Time of the first sample.
    public var startTime: UTCDateTime
    /// Fraction of the window's samples that hold data (1 = complete).
    public var coverage: Double
    /// Zero samples before the data starts, after it ends, and inside gaps.
    public var paddedStart: Int
    public var paddedEnd: Int
    public var gapSamples: Int
    /// Maximum |amplitude| of the processed window before scaling (the divisor; 0 = all zero).
    public var maxAbs: Double
    /// `NET.STA.LOC.CHA` of the trace cut.
    public var traceID: String

    /// Why an event could not be cut.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case noData
        case nonFinite(time: UTCDateTime)
        case allZero
        case severalChannels([String])
        case rateChanges([Double])

        public var description: String {
            switch self {
            case .noData: return "no data in the window"
            case .nonFinite(let t): return "NaN or infinite sample at \(t.iso8601)"
            case .allZero: return "every sample of the window is zero"
            case .severalChannels(let ids): return "several channels match (\(ids.joined(separator: ", "))); choose one with a channel"
            case .rateChanges(let r): return "the sampling rate changes inside the window (\(r.map { "\($0) Hz" }.joined(separator: ", ")))"
            }
        }
    }

    /// Cuts the window of the event at `onset` from `traces` (pieces of one channel, in any
    /// order, e.g. a day file and the next) and prepares it as `settings` say.
    /// - Throws: ``Problem`` when there is no data, a non-finite sample, an all-zero window,
    ///   several channels or several sampling rates; `InputError` for a band-pass the data's
    ///   sampling rate cannot carry (corner at or above Nyquist) or a bad resampling rate.
    public static func cut(_ traces: SeismicStream, onset: UTCDateTime, settings s: EventCutSettings) throws -> EventCut {
        let pieces = traces.traces.filter { $0.count > 0 }.sorted { $0.startTime < $1.startTime }
        guard let first = pieces.first else { throw Problem.noData }
        let ids = Array(Set(pieces.map(\.id))).sorted()
        guard ids.count == 1 else { throw Problem.severalChannels(ids) }
        let rate = first.samplingRate
        let rates = Array(Set(pieces.map(\.samplingRate))).sorted()
        guard pieces.allSatisfy({ abs(1 - $0.samplingRate / rate) < 1e-4 }) else { throw Problem.rateChanges(rates) }
        let outRate = s.resampleRate ?? rate
        let windowStart = onset - s.pre
        let windowEnd = s.length.map { windowStart + ($0 - 1 / outRate) } ?? onset + s.post
        // The processed span on the data's grid, anchored at the first piece's first sample.
        let t0 = first.startTime
        let i0 = Trace._roundAway(((windowStart - s.margin) - t0) * rate)
        let i1 = Trace._roundAway(((windowEnd + s.margin) - t0) * rate)
        let n = max(0, i1 - i0 + 1)
        var x = [Double](repeating: 0, count: n)
        var has = [Bool](repeating: false, count: n)
        for p in pieces {
            let k = Trace._roundAway((p.startTime - t0) * rate)
            let lo = max(0, i0 - k), hi = min(p.count, i1 - k + 1)
            guard lo < hi else { continue }
            for j in lo..<hi {
                let v = p.samples[j]
                guard v.isFinite else { throw Problem.nonFinite(time: p.time(ofSample: j)) }
                x[k + j - i0] = v
                has[k + j - i0] = true
            }
        }
        guard has.contains(true) else { throw Problem.noData }
        let spanStart = t0 + Double(i0) / rate
        func rezero() { for i in x.indices where !has[i] { x[i] = 0 } }
        if s.demean {
            var sum = 0.0, count = 0
            for i in x.indices where has[i] { sum += x[i]; count += 1 }
            let mean = sum / Double(count)
            for i in x.indices where has[i] { x[i] -= mean }
        }
        if s.taperFraction > 0 { taper(&x, maxPercentage: s.taperFraction) }
        if let b = s.bandpass {
            x = try Butterworth.bandpass(freqmin: b.low, freqmax: b.high, samplingRate: rate, corners: s.corners).applyZeroPhase(x)
            rezero()
        }
        if let r = s.resampleRate, r != rate {
            let y = try resample(x, samplingRate: rate, to: r)
            has = (0..<y.count).map { j in has[min(n - 1, Trace._roundAway(Double(j) * rate / r))] }
            x = y
            rezero()
        }
        // The window on the (possibly resampled) grid of the span.
        let length = s.samples(at: outRate)
        let offset = Trace._roundAway((windowStart - spanStart) * outRate)
        var w = [Double](repeating: 0, count: length)
        var covered = [Bool](repeating: false, count: length)
        for j in 0..<length {
            let i = offset + j
            if i >= 0 && i < x.count && has[i] {
                w[j] = x[i]
                covered[j] = true
            }
        }
        let lead = covered.firstIndex(of: true) ?? length
        let trail = lead == length ? 0 : length - 1 - covered.lastIndex(of: true)!
        let holes = covered.filter { !$0 }.count - lead - trail
        var m = 0.0
        for v in w { m = max(m, abs(v)) }
        guard m > 0 else { throw lead == length ? Problem.noData : Problem.allZero }
        if s.normalize { for j in w.indices { w[j] /= m } }
        return EventCut(samples: w, samplingRate: outRate, startTime: spanStart + Double(offset) / outRate,
                        coverage: Double(length - lead - trail - holes) / Double(length),
                        paddedStart: lead, paddedEnd: trail, gapSamples: holes, maxAbs: m, traceID: ids[0])
    }
}
