import Foundation
import Reports
import Seismology
import VolcanoCore
import VolcanoData

/// The HTML report of an experiment folder: the scores table, UMAP maps coloured by ground
/// truth and by cluster for every representation side by side (the paper's Figures 9 and 10),
/// per-cluster waveform stacks and mean spectra with dominant frequencies (Figure 11),
/// pre-training loss curves, and the run's parameters and provenance.
public enum ExperimentReport {
    /// Builds the report from `folder` (written by ``Experiment/run(progress:log:)``).
    public static func build(_ folder: URL) throws -> HTMLReport {
        let r = try ResultsTable.read(folder)
        let dataset = try Dataset.read(from: URL(fileURLWithPath: r.datasetPath))
        let rows = dataset.events.indices.filter { r.config.data.noiseLabel == nil || dataset.events[$0].label != r.config.data.noiseLabel }
        guard rows.count == r.events else {
            throw InputError("holds \(dataset.count) events (\(rows.count) to cluster), but the experiment clustered \(r.events)",
                             file: r.datasetPath)
        }
        let classNames = r.classNames
        let truth: [Int] = rows.map { i in dataset.events[i].label.flatMap { classNames.firstIndex(of: $0) } ?? -1 }
        let ids = rows.map { dataset.events[$0].eventID }

        var report = HTMLReport(
            title: "VolcanoSSL — \(r.config.name)",
            subtitle: "\(r.events) events · \(classNames.count) classes (\(classNames.joined(separator: ", "))) · "
                + "\(dataset.length) samples at \(fmt(dataset.manifest.samplingRate)) Hz")

        // 1. Scores.
        let full = ResultsTable.table(r)
        var summary: [String] = []
        for rep in r.config.representations {
            if let b = r.best(for: rep) {
                summary.append("\(rep.title): best V-measure \(String(format: "%.3f", b.evaluation.vMeasure)) with \(b.clusterer.title)")
            }
        }
        report.sections.append(.init(
            id: "scores", title: "Clustering scores",
            intro: "Completeness (c), homogeneity (h) and V-measure (v) of each clusterer on the 20-D UMAP map of each representation; "
                + "the best row of each representation is highlighted, as in the paper's Tables 2 and 3. " + summary.joined(separator: "; ") + ".",
            blocks: [ResultsTable.table(r, bestOnly: true).html(), full.html()]))

        // 2. Maps.
        var mapBlocks: [String] = []
        for rep in r.config.representations {
            let dir = folder.appendingPathComponent(rep.rawValue)
            let map = try NPY.read(dir.appendingPathComponent("umap2d.npy")).floats()
            guard map.count == 2 * r.events, let best = r.best(for: rep) else { continue }
            let clusters = try NPY.read(dir.appendingPathComponent("labels-\(best.clusterer.rawValue).npy")).ints()
            let x = (0..<r.events).map { Double(map[2 * $0]) }, y = (0..<r.events).map { Double(map[2 * $0 + 1]) }
            let tips = (0..<r.events).map { i in
                "event \(ids[i]) · \(truth[i] >= 0 ? classNames[truth[i]] : "unlabelled") · cluster \(clusters[i])"
            }
            let clusterNames = (0..<(clusters.max() ?? -1) + 1).map { "cluster \($0)" }
            mapBlocks.append(HTMLReport.figure(
                ScatterPlot(x: x, y: y, category: truth, categoryNames: classNames, tooltips: tips,
                            title: "\(rep.title) — ground truth").render(),
                caption: "2-D UMAP (20 neighbours, min_dist 0.1) of the \(rep.title) representation, coloured by label."))
            mapBlocks.append(HTMLReport.figure(
                ScatterPlot(x: x, y: y, category: clusters, categoryNames: clusterNames, tooltips: tips,
                            title: "\(rep.title) — \(best.clusterer.title)").render(),
                caption: String(format: "Clusters of %@ on the 20-D map (v = %.3f)%@.",
                                best.clusterer.title, best.evaluation.vMeasure,
                                clusters.contains(-1) ? "; grey = noise (unclustered events)" : "")))
        }
        report.sections.append(.init(
            id: "maps", title: "Maps: raw features against learned representations",
            intro: "Each row is one representation: left coloured by the catalogue label, right by the best clusterer. Hover a point for its event id, label and cluster.",
            blocks: mapBlocks))

        // 3. Clusters of the best learned representation.
        let learned = r.config.representations.filter { $0 != .baseline }
        let showcase = (learned.isEmpty ? r.config.representations : learned)
            .max { (r.best(for: $0)?.evaluation.vMeasure ?? -1) < (r.best(for: $1)?.evaluation.vMeasure ?? -1) }
        if let rep = showcase, let best = r.best(for: rep) {
            let clusters = try NPY.read(folder.appendingPathComponent(rep.rawValue).appendingPathComponent("labels-\(best.clusterer.rawValue).npy")).ints()
            report.sections.append(try clusterSection(rep: rep, best: best, clusters: clusters, rows: rows, truth: truth,
                                                      classNames: classNames, dataset: dataset))
        }

        // 4. Training.
        var curves: [String] = []
        for (method, h) in r.history.sorted(by: { $0.key < $1.key }) where !h.isEmpty {
            let epochs = h.map { Double($0.epoch) }
            var series = [LinePlot.Series(name: "train", x: epochs, y: h.map(\.trainLoss))]
            if h.contains(where: { $0.validationLoss.isFinite }) {
                series.append(.init(name: "validation", x: epochs, y: h.map(\.validationLoss), dashed: true))
            }
            let title = method == "tstcc" ? "TS-TCC" : method == "simclr" ? "SimCLR" : method
            let rate = h.map(\.samplesPerSecond).reduce(0, +) / Double(h.count)
            curves.append(HTMLReport.figure(LinePlot(series: series, title: "\(title) pre-training loss", xLabel: "epoch", yLabel: "loss").render(),
                                            caption: String(format: "%d epochs, %.0f samples/s on average.", h.count, rate)))
        }
        if !curves.isEmpty {
            report.sections.append(.init(id: "training", title: "Pre-training",
                                         intro: "Contrastive loss per epoch on the training events and on the held-out validation events.",
                                         blocks: curves))
        }

        // 5. Provenance.
        var items: [(String, String)] = [("dataset", r.datasetPath), ("events clustered", "\(r.events)"),
                                         ("clusters asked", "\(r.clusters)")]
        for step in dataset.manifest.preprocessing { items.append(("preprocessing", step.description)) }
        for (k, v) in r.provenance.sorted(by: { $0.key < $1.key }) { items.append((k, v)) }
        for (k, v) in r.timings.sorted(by: { $0.key < $1.key }) { items.append(("time: \(k)", String(format: "%.1f s", v))) }
        let yaml = (try? r.config.yaml()) ?? ""
        report.sections.append(.init(id: "provenance", title: "Parameters and provenance",
                                     intro: "Everything needed to repeat this run: `volcano-ssl experiment` with the preset below.",
                                     blocks: [HTMLReport.definitionList(items), "<pre>\(SVG.escape(yaml))</pre>"]))
        return report
    }

    /// Waveform stacks and mean spectra per cluster, with each cluster's label composition.
    static func clusterSection(rep: ExperimentConfig.Representation, best: ExperimentRow, clusters: [Int], rows: [Int],
                               truth: [Int], classNames: [String], dataset: Dataset) throws -> HTMLReport.Section {
        let ids = Array(Set(clusters.filter { $0 >= 0 })).sorted()
        let shown = ids.sorted { a, b in clusters.filter { $0 == a }.count > clusters.filter { $0 == b }.count }.prefix(8)
        let fs = dataset.manifest.samplingRate
        let L = dataset.length, C = dataset.channelCount
        let spectra = LogPowerSpectrum.features(of: dataset, segmentLength: min(256, L))
        let F = spectra.frequencies.count
        var blocks: [String] = []
        var curves: [SpectrumPlot.Curve] = []
        var composition: [[String]] = []
        for c in shown.sorted() {
            let members = clusters.indices.filter { clusters[$0] == c }
            let waves: [[Float]] = members.prefix(200).map { j in Array(dataset.waveform(rows[j]).prefix(L)) }
            blocks.append(WaveformStack(waveforms: waves, samplingRate: fs, title: "cluster \(c)", color: Palette.color(c)).render())
            var mean = [Double](repeating: 0, count: F)
            for j in members {
                for f in 0..<F { mean[f] += Foundation.pow(10, Double(spectra.values[rows[j] * F * C + f])) }
            }
            curves.append(.init(name: "cluster \(c)", values: mean.map { $0 / Double(members.count) }, color: Palette.color(c)))
            var counts = [Int](repeating: 0, count: classNames.count)
            var unlabelled = 0
            for j in members { if truth[j] >= 0 { counts[truth[j]] += 1 } else { unlabelled += 1 } }
            let dominant = curves.last!.dominantFrequency(spectra.frequencies)
            composition.append(["\(c)", "\(members.count)"] + counts.map(String.init) + ["\(unlabelled)", String(format: "%.2f", dominant)])
        }
        blocks.insert(SpectrumPlot(frequencies: spectra.frequencies, curves: curves,
                                   title: "Mean spectra (\(rep.title), \(best.clusterer.title))").render(), at: 0)
        blocks.insert(Table(header: ["cluster", "events"] + classNames + ["unlabelled", "dominant Hz"], rows: composition,
                            caption: "Labels inside each cluster").html(), at: 0)
        return .init(id: "clusters", title: "Clusters of \(rep.title) (\(best.clusterer.title))",
                     intro: "Per cluster: its events overlaid (each scaled by its maximum; black: median envelope) and its mean power spectrum with the dominant frequency marked — how a seismologist checks that a cluster is one kind of event.",
                     blocks: blocks)
    }

    static func fmt(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }
}
