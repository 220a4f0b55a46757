import Foundation
import VolcanoCore

/// The files of a run folder (`runs/NAME/`) that `cluster` and `evaluate` read and write.
///
/// - `embeddings.npy` float32 [N, D] — written by `embed`, one row per event;
/// - `events.csv` — the dataset's event table copied by `embed` (row order = embeddings rows);
/// - `run.json` — `{"dataset": "PATH"}`: the Dataset folder the run came from (relative paths
///   are relative to the run folder). Used to find `events.csv` when the run folder has none;
///   `volcano-ssl cluster --dataset PATH` writes it;
/// - `clusters.csv` (event_id, cluster, umap_x, umap_y), `umap20d.npy`, `umap2d.npy`,
///   `clustering.json`, and the fitted UMAP models `umap20d/`, `umap2d/` — written by `cluster`;
/// - `metrics.json`, `metrics.csv` — written by `evaluate`.
enum RunFolder {
    static func url(_ run: URL, _ name: String) -> URL { run.appendingPathComponent(name) }

    /// The dataset folder recorded in run.json, if any.
    static func datasetPath(_ run: URL) throws -> URL? {
        let file = url(run, "run.json")
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        let object = try readRunJSON(run)
        guard let path = object["dataset"] as? String, !path.isEmpty else { return nil }
        return path.hasPrefix("/") ? URL(fileURLWithPath: path) : run.appendingPathComponent(path)
    }

    static func readRunJSON(_ run: URL) throws -> [String: Any] {
        let file = url(run, "run.json")
        guard FileManager.default.fileExists(atPath: file.path) else { return [:] }
        guard let data = try? Data(contentsOf: file),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw InputError("is not a JSON object (expected {\"dataset\": \"PATH\"})", file: file.path)
        }
        return object
    }

    /// Records the dataset folder in run.json, keeping other keys. A path given relative to the
    /// working directory is stored absolute (run.json's relative paths are relative to the run).
    static func recordDataset(_ run: URL, dataset: String) throws {
        var object = try readRunJSON(run)
        object["dataset"] = URL(fileURLWithPath: dataset).standardizedFileURL.path
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(data, to: url(run, "run.json"))
    }

    /// The event table for a run: the run's own events.csv, else the recorded dataset's.
    static func eventsFile(_ run: URL, override: String?) throws -> URL? {
        if let o = override { return URL(fileURLWithPath: o) }
        let own = url(run, "events.csv")
        if FileManager.default.fileExists(atPath: own.path) { return own }
        if let d = try datasetPath(run) {
            let f = d.appendingPathComponent("events.csv")
            guard FileManager.default.fileExists(atPath: f.path) else {
                throw InputError("run.json names dataset \(d.path), which has no events.csv", file: url(run, "run.json").path)
            }
            return f
        }
        return nil
    }
}
