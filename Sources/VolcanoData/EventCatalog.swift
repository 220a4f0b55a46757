import Foundation
import Seismology
import VolcanoCore

/// One event of a user's catalog: when it started and, optionally, what it is and where to
/// look.
public struct CatalogEvent: Sendable, Equatable {
    /// Unique identifier (the `event_id` column, or `event-<line>` when there is none).
    public var eventID: String
    /// Onset time (the time the window is cut around).
    public var onset: UTCDateTime
    /// Class label, or nil when the cell is empty or the column absent.
    public var label: String?
    /// SEED codes to select the trace; nil when the column is absent or the cell empty
    /// (then the import's defaults apply).
    public var network: String?
    public var station: String?
    public var location: String?
    public var channel: String?
    /// Line of the CSV file (header = line 1), for messages.
    public var line: Int

    public init(eventID: String, onset: UTCDateTime, label: String? = nil, network: String? = nil, station: String? = nil,
                location: String? = nil, channel: String? = nil, line: Int) {
        self.eventID = eventID
        self.onset = onset
        self.label = label
        self.network = network
        self.station = station
        self.location = location
        self.channel = channel
        self.line = line
    }
}

/// A user's event catalog: a CSV file with one event per row.
///
/// Columns (names are matched exactly, lower case):
/// - `time` (required): the onset, ISO-8601 UTC, e.g. `2024-01-01T23:59:30.5Z`. The
///   aliases `onset`, `onset_time` and `origin_time` are accepted when there is no `time`
///   column (note that an origin time precedes the arrival at the station).
/// - `event_id` (optional): unique text; default `event-<line>`.
/// - `label` (optional; alias `class` when there is no `label` column): class name;
///   empty = unlabelled.
/// - `network`, `station`, `location`, `channel` (optional): SEED codes, `*`/`?` wildcards
///   allowed; an empty cell or absent column uses the import's default.
///
/// Other columns (magnitude, depth, …) are ignored. Every problem is an `InputError` naming
/// the file, the line and the column.
public struct EventCatalog: Sendable {
    /// The events, in file order.
    public var events: [CatalogEvent]
    /// The file it was read from.
    public var file: String
    /// Columns that were ignored.
    public var ignoredColumns: [String]

    /// Accepted names of the onset column, in order of preference.
    public static let timeColumns = ["time", "onset", "onset_time", "origin_time"]
    /// Optional columns that are used.
    public static let optionalColumns = ["event_id", "label", "network", "station", "location", "channel"]

    /// Reads and validates a catalog CSV.
    public static func read(_ url: URL) throws -> EventCatalog {
        try parse(try CSVTable.read(url))
    }

    /// Validates a parsed CSV table as a catalog.
    public static func parse(_ table: CSVTable) throws -> EventCatalog {
        let f = table.file
        guard let timeName = timeColumns.first(where: { table.column($0) != nil }), let tc = table.column(timeName) else {
            throw InputError("has no onset time column (expected a column named \"time\", or one of \(timeColumns.dropFirst().map { "\"\($0)\"" }.joined(separator: ", ")); found \(table.header.map { "\"\($0)\"" }.joined(separator: ", ")))", file: f)
        }
        guard !table.rows.isEmpty else { throw InputError("has a header but no event rows", file: f) }
        var col = Dictionary(uniqueKeysWithValues: optionalColumns.compactMap { n in table.column(n).map { (n, $0) } })
        if col["label"] == nil, let c = table.column("class") { col["label"] = c }
        var seen: [String: Int] = [:]
        var events: [CatalogEvent] = []
        events.reserveCapacity(table.rows.count)
        for (k, r) in table.rows.enumerated() {
            let line = k + 2
            let text = r[tc].trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else {
                throw InputError("line \(line), column \"\(timeName)\": the onset time is empty (expected ISO-8601 UTC like 2024-01-01T12:00:00.5Z)", file: f)
            }
            guard let onset = UTCDateTime(iso8601: text) else {
                throw InputError("line \(line), column \"\(timeName)\": \"\(text)\" is not an ISO-8601 UTC time like 2024-01-01T12:00:00.5Z", file: f)
            }
            func cell(_ name: String) -> String? {
                guard let c = col[name] else { return nil }
                let v = r[c].trimmingCharacters(in: .whitespaces)
                return v.isEmpty ? nil : v
            }
            let id = cell("event_id") ?? "event-\(line)"
            if let previous = seen[id] {
                throw InputError("line \(line), column \"event_id\": \"\(id)\" already appears on line \(previous) (expected unique ids)", file: f)
            }
            seen[id] = line
            events.append(CatalogEvent(eventID: id, onset: onset, label: cell("label"), network: cell("network"),
                                       station: cell("station"), location: cell("location"),
                                       channel: cell("channel"), line: line))
        }
        let used = Set([timeName] + optionalColumns + (table.column("label") == nil ? ["class"] : []))
        return EventCatalog(events: events, file: f, ignoredColumns: table.header.filter { !used.contains($0) })
    }
}
