import Foundation
import Reports
import VolcanoCore

/// The results of a sweep: the ranking rule, the table (`sweep.csv`, `sweep.md`) and `best.yaml`.
///
/// **Ranking rule.** Trials are ranked by their clustering score (V-measure where the dataset
/// has labels, silhouette otherwise), highest first; scores that agree to 3 decimals (as the
/// table prints them) are ties, broken by the lower validation contrastive loss; remaining ties
/// keep the trial order of the grid. Failed trials and trials without a score rank last, and a
/// missing (NaN) validation loss loses every tie.
public enum SweepTable {
    /// Indices of `results` best first (see the ranking rule above).
    public static func ranking(_ results: [SweepTrialResult]) -> [Int] {
        func key(_ r: SweepTrialResult) -> (Bool, Double, Double) {
            let scored = r.failure == nil && r.score.isFinite
            return (scored, scored ? (r.score * 1000).rounded() : 0, r.validationLoss.isFinite ? r.validationLoss : .infinity)
        }
        return results.indices.sorted { i, j in
            let a = key(results[i]), b = key(results[j])
            if a.0 != b.0 { return a.0 }
            if a.1 != b.1 { return a.1 > b.1 }
            if a.2 != b.2 { return a.2 < b.2 }
            return i < j
        }
    }

    /// One row per trial, best first, the best row highlighted (bold in Markdown, `best` = 1 in CSV).
    public static func table(_ results: [SweepTrialResult], ranking: [Int], caption: String? = nil) -> Table {
        let scoreName = results.first?.scoreName ?? "v_measure"
        let failures = results.contains { $0.failure != nil }
        var header = ["rank", "trial", "method", "batch_size", "epochs", "learning_rate", "depth", "hidden",
                      "validation_loss", scoreName, "clusters", "seconds"]
        if failures { header.append("failure") }
        let rows: [[String]] = ranking.enumerated().map { rank, i in
            let r = results[i], t = r.trial
            let depth: String = t.depth.map { "\($0)" } ?? "–"
            let hidden: String = t.hidden.map { "\($0)" } ?? "–"
            let loss: String = r.validationLoss.isFinite ? String(format: "%.4f", r.validationLoss) : "–"
            let score: String = r.score.isFinite ? String(format: "%.3f", r.score) : "–"
            let clusters: String = r.evaluation.map { "\($0.clusters)" } ?? "–"
            var row: [String] = ["\(rank + 1)", t.id, t.method.rawValue, "\(t.batchSize)", "\(t.epochs)", "\(t.learningRate)"]
            row += [depth, hidden, loss, score, clusters, String(format: "%.1f", r.seconds)]
            if failures { row.append(r.failure ?? "") }
            return row
        }
        let best: Set<Int> = ranking.isEmpty || results[ranking[0]].failure != nil ? [] : [0]
        return Table(header: header, rows: rows, highlighted: best, caption: caption)
    }

    /// Writes `sweep.csv`, `sweep.md` and `best.yaml` into `folder`, each atomically.
    public static func write(_ results: [SweepTrialResult], ranking: [Int], bestPreset: ExperimentConfig, name: String,
                             clusterer: ExperimentConfig.Clusterer, to folder: URL) throws {
        let scoreTitle = results.first?.scoreName == "silhouette" ? "silhouette" : "V-measure"
        let rule = "ranked by \(scoreTitle) (\(clusterer.title) on UMAP 20-D), highest first; scores equal to 3 decimals are ties, broken by the lower validation loss"
        let trials = results.count == 1 ? "1 trial" : "\(results.count) trials"
        let t = table(results, ranking: ranking, caption: "\(name): \(trials), \(rule)")
        try AtomicFile.write(t.csv(), to: folder.appendingPathComponent("sweep.csv"))
        let md = "# Hyper-parameter sweep — \(name)\n\n\(trials), \(rule). The best row is in bold; its values are in `best.yaml`.\n\n" + t.markdown()
        try AtomicFile.write(md, to: folder.appendingPathComponent("sweep.md"))
        guard let first = ranking.first, results[first].failure == nil else {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent("best.yaml"))
            return
        }
        let b = results[first]
        let header = """
        # The best of \(trials) of `volcano-ssl sweep` (\(rule)):
        # trial \(b.trial.id), \(scoreTitle) \(String(format: "%.3f", b.score)), validation loss \(b.validationLoss.isFinite ? String(format: "%.4f", b.validationLoss) : "–").
        # Run it with: volcano-ssl experiment best.yaml

        """
        try AtomicFile.write(header + (try bestPreset.yaml()), to: folder.appendingPathComponent("best.yaml"))
    }
}
