import Clustering
import Foundation
import Manifold
import Testing
import TestSupport
import VolcanoCore

/// The paper's pipeline end to end against umap-learn + scikit-learn on the same input: the
/// 20-D clustering map (20 neighbours, min_dist 0) of a fixed 1200-row subsample of the
/// 3592 × 528 four-class fixture, then k-means, spectral clustering and Ward with 4 clusters.
/// `scripts/fixtures/make_umap_clusterers.py` records umap-learn's V-measures over 8 seeds
/// (seeded map and seeded clusterer per run); ours must lie in that run-to-run range ± margin.
@Suite struct UMAPMapVMeasureTests {
    /// Margin around umap-learn's [min, max]. Eight runs sample the reference distribution
    /// thinly: a ninth umap-learn run lands outside the range of eight with probability 2/9,
    /// and the per-clusterer standard deviation over the seeds is 0.015–0.03 (Ward's range
    /// 0.57–0.68 is the widest). 0.03 — the figure of the spec's acceptance test (§9) — is
    /// about one to two such deviations beyond the extremes, while a map that lost the class
    /// structure (V ≈ 0.3–0.5 for a random or collapsed layout) still fails clearly.
    /// Checked when written: our map seeds 1–6 and 42 (clusterer seed = map seed) all pass,
    /// k-means 0.670–0.697, spectral 0.637–0.681, Ward 0.605–0.672.
    static let margin = 0.03

    /// Both layout schedules (serial, umap-learn's seeded semantics, is the default).
    @Test(arguments: [LayoutOptimizer.Schedule.serial, .parallel])
    func clustererVMeasuresOnOurMapWithinUmapLearnSpread(schedule: LayoutOptimizer.Schedule) throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("umap/clusterers20d.json"))) as! [String: Any]
        let rows = (json["rows"] as! [NSNumber]).map(\.intValue)
        let reference = json["vmeasure"] as! [String: [Double]]
        let x = try Self.vt3592().selectingRows(rows)
        let labels = try NPY.read(Fixtures.url("umap/vt3592_y.npy")).ints()
        let classes = rows.map { labels[$0] }

        var configuration = UMAPConfiguration.clustering
        configuration.schedule = schedule
        let map = try UMAP.fit(x, configuration: configuration)
        let scores: [String: Double] = [
            "kmeans": VMeasure(classes: classes, clusters: try KMeans(clusterCount: 4, seed: 1).fit(map.embedding).labels).vMeasure,
            "spectral": VMeasure(classes: classes, clusters: try SpectralClustering(clusterCount: 4, seed: 1).fit(map.embedding).labels).vMeasure,
            "ward": VMeasure(classes: classes, clusters: try WardClustering(clusterCount: 4).fit(map.embedding).labels).vMeasure,
        ]
        for (name, ours) in scores.sorted(by: { $0.key < $1.key }) {
            let spread = reference[name]!
            #expect(spread.count >= 5)
            let lo = spread.min()! - Self.margin, hi = spread.max()! + Self.margin
            #expect(ours >= lo && ours <= hi, "\(schedule) \(name): V-measure \(ours) outside umap-learn's \(spread.sorted()) ± \(Self.margin)")
        }
    }

    /// The committed vt3592 case (int8 codes × per-column scale, as `make_umap.py` writes it).
    static func vt3592() throws -> FeatureMatrix {
        let q = try NPY.read(Fixtures.url("umap/vt3592_q.npy"))
        let scale = try Fixtures.floats("umap/vt3592_scale.npy")
        let codes = q.ints(), d = q.shape[1]
        var values = [Float](repeating: 0, count: codes.count)
        for i in 0..<codes.count { values[i] = Float(codes[i]) * scale[i % d] }
        return FeatureMatrix(rows: q.shape[0], columns: d, values: values)
    }
}
