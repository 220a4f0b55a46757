import ArgumentParser
import Foundation
import Seismology
import VolcanoCore

/// `volcano-ssl info FILE…`: what a waveform file holds.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show what waveform files hold: format, encoding, traces, times, rates, gaps.",
        discussion: """
        Reads miniSEED, SAC, NPY and HDF5 files (recognised by content) and prints, per trace, \
        the SEED id, first and last sample time, sampling rate and number of samples, with the \
        storage details (miniSEED encoding, byte order, record length and count; SAC byte order \
        and header version; NPY dtype and shape; HDF5 datasets), then gaps and overlaps as \
        ObsPy's Stream.print_gaps() counts them.

        Example:
          volcano-ssl info day.mseed event.sac llaima/vt.hdf5
        """
    )

    @Argument(help: "Waveform files (miniSEED, SAC, NPY or HDF5).")
    var files: [String]

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        var first = true
        for path in files {
            if !first { print("") }
            first = false
            print(try Self.describe(URL(fileURLWithPath: path)), terminator: "")
        }
    }

    /// The report for one file (trailing newline included).
    static func describe(_ url: URL) throws -> String {
        var out = ""
        let path = url.path
        switch try WaveformFormat.detect(url) {
        case .miniSEED:
            let c = try MiniSEED.readContents(url)
            let records = c.segments.reduce(0) { $0 + $1.recordCount }
            out += "\(path): miniSEED, \(c.stream.count) trace\(c.stream.count == 1 ? "" : "s"), \(records) record\(records == 1 ? "" : "s")\n"
            for (t, s) in zip(c.stream.traces, c.segments) {
                out += line(t) + " | \(s.encoding), \(s.bigEndian ? "big" : "little")-endian, \(s.recordLength)-byte records ×\(s.recordCount), quality \(s.dataQuality)\n"
            }
            out += gapReport(c.stream)
        case .sac:
            let c = try SAC.readContents(url)
            out += "\(path): SAC, \(c.bigEndian ? "big" : "little")-endian, header version \(c.headerVersion), delta \(c.storedDelta) s\n"
            out += line(c.trace) + "\n"
        case .npy:
            let a = try NPY.read(url)
            out += "\(path): NPY, \(a.dtype.rawValue) (\(a.dtype.size) bytes per value), shape \(a.shape), \(a.count) values\n"
        case .hdf5:
            let sets = try HDF5.datasets(in: url)
            out += "\(path): HDF5, \(sets.count) numeric dataset\(sets.count == 1 ? "" : "s")\n"
            for d in sets { out += "  \(d.path): \(d.type), shape \(d.shape)\n" }
        }
        return out
    }

    /// `id | start - end | rate | npts` in ObsPy's `Trace.__str__` style.
    static func line(_ t: Trace) -> String {
        let rate = t.samplingRate == t.samplingRate.rounded() ? String(format: "%.1f", t.samplingRate) : String(t.samplingRate)
        return "  \(t.id) | \(t.startTime.iso8601) - \(t.endTime.iso8601) | \(rate) Hz, \(t.count) samples"
    }

    static func gapReport(_ s: SeismicStream) -> String {
        let gaps = s.gaps()
        var out = ""
        for g in gaps {
            out += "  \(g.duration >= 0 ? "gap    " : "overlap") \(g.id) \(g.start.iso8601) - \(g.end.iso8601) \(String(format: "%.6f", g.duration)) s, \(g.missingSamples) samples\n"
        }
        let nGaps = gaps.filter { $0.duration >= 0 }.count
        out += "  total: \(nGaps) gap(s) and \(gaps.count - nGaps) overlap(s)\n"
        return out
    }
}
