import ArgumentParser
import Foundation
import Seismology
import VolcanoCore

/// `volcano-ssl convert IN OUT`: rewrite a waveform file as miniSEED, SAC or NPY.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a waveform file between miniSEED, SAC and NPY.",
        discussion: """
        Reads miniSEED, SAC or NPY (recognised by content) and writes the format named by \
        --format or by OUT's extension (.mseed/.miniseed/.ms, .sac, .npy). miniSEED output holds \
        every trace; SAC and NPY output need exactly one trace (select one with --channel). \
        NPY input holds no sampling rate: give --rate. --start and --end keep only the samples \
        between two UTC times (both included, nearest sample, as ObsPy's Stream.slice), e.g. to \
        split a stream into a training stretch and a later one. The output is written atomically.

        Examples:
          volcano-ssl convert event.sac event.mseed --encoding steim2
          volcano-ssl convert day.mseed day-z.sac --channel HHZ
          volcano-ssl convert samples.npy trace.mseed --rate 100 --encoding float32
          volcano-ssl convert day.mseed morning.mseed --start 2024-01-05T00:00:00 --end 2024-01-05T12:00:00
        """
    )

    @Argument(help: "Input file (miniSEED, SAC or NPY).")
    var input: String

    @Argument(help: "Output file.")
    var output: String

    @Option(help: "Output format: mseed, sac or npy (default: from OUT's extension).")
    var format: String?

    @Option(help: "miniSEED encoding: steim2, int32, float32 or float64 (default: steim2 for integer samples, else float64).")
    var encoding: String?

    @Option(name: .customLong("record-length"), help: "miniSEED record length in bytes (256 to 65536, power of two).")
    var recordLength: Int = 4096

    @Option(name: .customLong("byte-order"), help: "big or little (default: big for miniSEED, little for SAC).")
    var byteOrder: String?

    @Option(help: "Keep only traces whose channel matches (wildcards * and ?).")
    var channel: String?

    @Option(help: "Sampling rate in Hz for NPY input.")
    var rate: Double?

    @Option(help: "Keep samples from this UTC time on (ISO-8601, e.g. 2024-01-05T06:00:00).")
    var start: String?

    @Option(help: "Keep samples up to this UTC time (ISO-8601).")
    var end: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        let inURL = URL(fileURLWithPath: input), outURL = URL(fileURLWithPath: output)
        var stream = try SeismicStream.read(inURL, npySamplingRate: rate)
        if let channel { stream = stream.select(channel: channel) }
        guard !stream.isEmpty else {
            throw InputError("no trace matches --channel \(channel ?? "*")", file: input)
        }
        let from = try start.map { try Self.time($0, option: "--start") }
        let to = try end.map { try Self.time($0, option: "--end") }
        if let from, let to, to < from {
            throw ValidationError("--end \(end!) is before --start \(start!).")
        }
        if from != nil || to != nil {
            stream = stream.slice(from: from, to: to)
            guard !stream.isEmpty else {
                throw InputError("holds no samples between \(start ?? "its start") and \(end ?? "its end")", file: input)
            }
        }
        let kind = (format ?? outURL.pathExtension).lowercased()
        var big: Bool?
        switch byteOrder?.lowercased() {
        case nil: big = nil
        case "big", "be", ">": big = true
        case "little", "le", "<": big = false
        default: throw ValidationError("--byte-order must be big or little, got \(byteOrder!)")
        }
        switch kind {
        case "mseed", "miniseed", "ms":
            var enc: MiniSEED.Encoding?
            if let encoding {
                guard let e = MiniSEED.Encoding.allCases.first(where: { $0.description.lowercased() == encoding.lowercased() }),
                      [.steim2, .int32, .float32, .float64].contains(e) else {
                    throw ValidationError("--encoding must be steim2, int32, float32 or float64, got \(encoding)")
                }
                enc = e
            }
            try MiniSEED.write(stream, to: outURL, encoding: enc, recordLength: recordLength, bigEndian: big ?? true)
        case "sac", "npy":
            guard stream.count == 1 else {
                throw InputError("holds \(stream.count) traces, but \(kind.uppercased()) stores one (select one with --channel, or write miniSEED)", file: input)
            }
            if kind == "sac" {
                try SAC.write(stream[0], to: outURL, bigEndian: big ?? false)
            } else {
                try stream[0].writeNPY(to: outURL)
            }
        default:
            throw ValidationError("cannot tell the output format from \"\(output)\": use --format mseed, sac or npy")
        }
    }

    static func time(_ text: String, option: String) throws -> UTCDateTime {
        guard let t = UTCDateTime(iso8601: text) else {
            throw ValidationError("\(option) \(text) is not an ISO-8601 UTC time (e.g. 2024-01-05T06:00:00).")
        }
        return t
    }
}
