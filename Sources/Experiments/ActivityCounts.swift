import Foundation
import Reports
import Seismology

/// Events per cluster per time bin (a UTC day by default): how the activity of each event
/// family evolves, the view an observatory watches.
///
/// Bins are aligned to the Unix epoch, so day bins run from 00:00 to 24:00 UTC and hour bins
/// start on the hour. Every bin from the first to the last sample of the data gets a row per
/// cluster, zeros included, so quiet days show as quiet.
public struct ActivityCounts: Sendable, Equatable {
    /// Bin length in seconds (86 400 = a UTC day; 3 600 = an hour; ≥ 1).
    public var binSeconds: Double
    /// Start of each bin, ascending.
    public var binStarts: [UTCDateTime]
    /// Clusters listed (training clusters ascending, then −1 noise if present, then −2 new).
    public var clusters: [Int]
    /// counts[bin][cluster index].
    public var counts: [[Int]]

    /// Counts `onsets` (one cluster each) over the bins covering `start…end` (and every onset).
    public init(onsets: [UTCDateTime], clusters assigned: [Int], clusterList: [Int], binSeconds: Double,
                start: UTCDateTime?, end: UTCDateTime?) {
        precondition(onsets.count == assigned.count, "ActivityCounts: \(onsets.count) onsets for \(assigned.count) clusters")
        precondition(binSeconds >= 1, "ActivityCounts: bins must be at least 1 s long")
        func bin(_ t: UTCDateTime) -> Int64 { Int64((t.timestamp / binSeconds).rounded(.down)) }
        let times = onsets + [start, end].compactMap { $0 }
        self.binSeconds = binSeconds
        self.clusters = clusterList
        guard let lo = times.map(bin).min(), let hi = times.map(bin).max() else {
            binStarts = []
            counts = []
            return
        }
        binStarts = (lo...hi).map { UTCDateTime(timestamp: Double($0) * binSeconds) }
        var c = [[Int]](repeating: [Int](repeating: 0, count: clusterList.count), count: binStarts.count)
        let column = Dictionary(uniqueKeysWithValues: clusterList.enumerated().map { ($1, $0) })
        for (t, k) in zip(onsets, assigned) {
            guard let j = column[k] else { preconditionFailure("ActivityCounts: cluster \(k) is not in the cluster list") }
            c[Int(bin(t) - lo)][j] += 1
        }
        counts = c
    }

    /// Whole-day bins?
    public var isDaily: Bool { binSeconds.truncatingRemainder(dividingBy: 86_400) == 0 }

    /// Label of bin `i`: `YYYY-MM-DD` for day bins, `YYYY-MM-DD HH:MM` otherwise.
    public func label(_ i: Int) -> String {
        let c = binStarts[i].components
        let day = String(format: "%04d-%02d-%02d", c.year, c.month, c.day)
        return isDaily ? day : day + String(format: " %02d:%02d", c.hour, c.minute)
    }

    /// Name of a cluster in tables and legends: `cluster 3`, `noise`, `new`.
    public static func name(_ cluster: Int) -> String {
        switch cluster {
        case ClusterAssignment.newCluster: return "new"
        case -1: return "noise"
        default: return "cluster \(cluster)"
        }
    }

    /// Tidy CSV (pandas-friendly): `day,bin_start,cluster,name,count`, one row per bin × cluster.
    /// `day` is the bin's UTC date, `bin_start` its ISO-8601 start.
    public var csv: String {
        var s = "day,bin_start,cluster,name,count\n"
        for (i, t) in binStarts.enumerated() {
            let c = t.components
            let day = String(format: "%04d-%02d-%02d", c.year, c.month, c.day)
            for (j, k) in clusters.enumerated() {
                s += "\(day),\(t.iso8601),\(k),\(Self.name(k)),\(counts[i][j])\n"
            }
        }
        return s
    }

    /// Stacked bars per bin, one colour per cluster, dates under the bars.
    public func chart(title: String) -> String {
        // Short labels under the bars: the date for day bins, "MM-DD HH:MM" otherwise.
        let labels = binStarts.indices.map { isDaily ? label($0) : String(label($0).dropFirst(5)) }
        var chart = BarChart(groups: labels, categories: clusters.map(Self.name), counts: counts, title: title)
        chart.xLabel = isDaily ? "UTC day" : "bin start (UTC)"
        chart.width = max(640, min(1600, 160 + Double(binStarts.count) * 24))
        return chart.render()
    }
}
