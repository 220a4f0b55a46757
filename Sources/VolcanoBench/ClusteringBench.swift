import ArgumentParser
import Clustering
import Foundation
import VolcanoCore

/// `vssl-bench clustering`: times one clusterer on an n × d float32 NPY matrix and prints
/// `{"method", "n", "seconds", "clusters"}`; with `--labels-out` also writes the labels (int64 NPY)
/// so the bench script can compare them with scikit-learn's.
struct ClusteringBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clustering",
        abstract: "Time k-means, spectral, Ward or HDBSCAN on an NPY matrix.")

    @Option(help: "Input matrix (NPY, n × d).") var input: String
    @Option(help: "kmeans | spectral | ward | hdbscan") var method: String
    @Option(help: "Number of clusters (k-means, spectral, Ward).") var clusters: Int = 5
    @Option(help: "HDBSCAN minimum cluster size.") var minClusterSize: Int = 50
    @Option(help: "HDBSCAN min samples (hdbscan-package convention).") var minSamples: Int = 10
    @Option(help: "Where to write the labels (int64 NPY).") var labelsOut: String?
    @Option(help: "Ward: bytes allowed for the condensed distance matrix (0 = centroid mode).") var wardMemoryBudget: Int?

    @Option(help: "Fits to time; the fastest is reported (steady state of sub-second fits).") var repeats = 1

    func run() throws {
        let a = try NPY.read(URL(fileURLWithPath: input))
        guard a.shape.count == 2 else { throw InputError("expected a 2-D matrix", file: input) }
        let x = a.doubles(), d = a.shape[1]
        var seconds = Double.infinity
        var labels: [Int] = []
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            labels = try fit(x, dimension: d)
            seconds = min(seconds, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        if let out = labelsOut { try NPY.write(NPYArray(labels.map { Int64($0) }), to: URL(fileURLWithPath: out)) }
        let found = Set(labels.filter { $0 >= 0 }).count
        print("{\"method\": \"\(method)\", \"n\": \(a.shape[0]), \"seconds\": \(seconds), \"clusters\": \(found), \"repeats\": \(max(1, repeats))}")
    }

    func fit(_ x: [Double], dimension d: Int) throws -> [Int] {
        let labels: [Int]
        switch method {
        case "kmeans": labels = try KMeans(clusterCount: clusters).fit(points: x, dimension: d).labels
        case "spectral": labels = try SpectralClustering(clusterCount: clusters).fit(points: x, dimension: d).labels
        case "ward":
            var w = WardClustering(clusterCount: clusters)
            if let b = wardMemoryBudget { w.memoryBudget = b }
            labels = try w.fit(points: x, dimension: d).labels
        case "hdbscan": labels = try HDBSCAN(minClusterSize: minClusterSize, minSamples: minSamples).fit(points: x, dimension: d).labels
        default: throw InputError("unknown method \(method); expected kmeans, spectral, ward or hdbscan")
        }
        return labels
    }
}
