/// Which channel(s) to take: SEED codes with `*` and `?` wildcards (case-insensitive, as
/// ``SeismicStream/select(id:network:station:location:channel:)``); `nil` matches any code.
public struct ChannelSelection: Sendable, Equatable, CustomStringConvertible {
    public var network: String?
    public var station: String?
    public var location: String?
    public var channel: String?

    public init(network: String? = nil, station: String? = nil, location: String? = nil, channel: String? = nil) {
        self.network = network
        self.station = station
        self.location = location
        self.channel = channel
    }

    /// `true` if the codes match every given pattern.
    public func matches(network n: String, station s: String, location l: String, channel c: String) -> Bool {
        SeismicStream._matches(network, n) && SeismicStream._matches(station, s)
            && SeismicStream._matches(location, l) && SeismicStream._matches(channel, c)
    }

    /// `NET.STA.LOC.CHA` with `*` for unconstrained codes, e.g. `*.LAV.*.BHZ`.
    public var description: String {
        "\(network ?? "*").\(station ?? "*").\(location ?? "*").\(channel ?? "*")"
    }
}
