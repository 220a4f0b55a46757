/// Stacked bars: counts per group (e.g. per day) split by category (e.g. cluster). This is
/// the monitoring view — how the activity of each event family evolves.
public struct BarChart: Sendable {
    /// Label per bar (e.g. "2026-04-01").
    public var groups: [String]
    /// Name per category (stack layer).
    public var categories: [String]
    /// counts[group][category].
    public var counts: [[Int]]
    public var title: String
    /// Caption under the horizontal axis (e.g. "UTC day"); empty = none.
    public var xLabel: String = ""
    public var width: Double = 640
    public var height: Double = 260

    public init(groups: [String], categories: [String], counts: [[Int]], title: String) {
        precondition(counts.count == groups.count, "BarChart: \(counts.count) rows of counts for \(groups.count) groups")
        for row in counts {
            precondition(row.count == categories.count, "BarChart: a row has \(row.count) counts for \(categories.count) categories")
        }
        self.groups = groups
        self.categories = categories
        self.counts = counts
        self.title = title
    }

    public func render() -> String {
        let legend = 118.0
        let frame = Frame(width: width - legend, height: height)
        var svg = SVG(width: width, height: height)
        let totals = counts.map { $0.reduce(0, +) }
        let ax = Axis(covering: [0, Double(max(groups.count, 1))], pixels: frame.plotLeft...frame.plotRight, margin: 0)
        let ay = Axis(covering: [0, Double(totals.max() ?? 1)], pixels: frame.plotTop...frame.plotBottom, flipped: true, margin: 0.05, includeZero: true)
        frame.draw(&svg, x: ax, y: ay, title: title, xLabel: xLabel, yLabel: "events", xTickLabels: false)
        let slot = (frame.plotRight - frame.plotLeft) / Double(max(groups.count, 1))
        let barWidth = max(1, slot * 0.8)
        let labelEvery = max(1, Int((Double(groups.count) * 60 / (frame.plotRight - frame.plotLeft)).rounded(.up)))
        for (g, row) in counts.enumerated() {
            var base = 0
            let x = frame.plotLeft + Double(g) * slot + (slot - barWidth) / 2
            for (c, n) in row.enumerated() where n > 0 {
                let y0 = ay.map(Double(base)), y1 = ay.map(Double(base + n))
                svg.element("rect", ["x": x, "y": y1, "width": barWidth, "height": y0 - y1, "fill": Palette.color(c)],
                            children: "<title>\(SVG.escape("\(groups[g]) · \(categories[c]): \(n)"))</title>")
                base += n
            }
            if g % labelEvery == 0 {
                svg.text(groups[g], x: x + barWidth / 2, y: frame.plotBottom + 14, size: 9.5, anchor: "middle", color: "#555")
            }
        }
        for (c, name) in categories.enumerated() {
            let ly = frame.plotTop + 8 + Double(c) * 16
            svg.element("rect", ["x": width - legend + 8, "y": ly - 9, "width": 10, "height": 10, "fill": Palette.color(c)])
            svg.text(name, x: width - legend + 22, y: ly, size: 10.5)
        }
        return svg.render(label: title)
    }
}
