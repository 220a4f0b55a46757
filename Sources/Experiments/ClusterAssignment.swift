import Foundation
import Manifold
import VolcanoCore

/// Assigns new events to the clusters of a training run, or flags them as unlike anything seen.
///
/// **Rule.** A new event takes the cluster held by the majority of its `k` nearest training
/// events in the clustering space (the saved 20-D UMAP map, into which the new event was
/// transformed). Ties go to the tied cluster whose voters are nearer in total, then to the
/// smaller cluster number. `confidence` is the winning share of the `k` votes (1/k…1).
///
/// **New events.** UMAP's transform always lands a point somewhere on the map, so novelty is
/// judged before the map, in the encoder's embedding space: the distance from the new event to
/// its nearest training event is compared with the training events' own nearest-neighbour
/// distances (each to the nearest *other* training event). When it exceeds
/// `factor × quantile(q)` of those, the event is flagged ``Status/new`` (cluster −2), whatever
/// the vote. With the defaults (q = 0.99, factor 1) about one event in a hundred drawn like the
/// training events is flagged by construction; events of a family absent from training are
/// flagged more often, how much more depends on how distinct the encoder makes them (in
/// `MonitorTests`, a tremor-only stream unseen in training: see the test's printed figures).
/// Raise the factor for fewer false alarms.
public struct ClusterAssignment: Sendable {
    /// Outcome for one new event.
    public enum Status: String, Sendable, Codable {
        /// Assigned to a training cluster.
        case assigned
        /// Its neighbours were mostly training noise (HDBSCAN label −1).
        case noise
        /// Farther from every training event than the novelty threshold.
        case new
    }

    /// Cluster number used for ``Status/new`` events in files.
    public static let newCluster = -2

    /// Neighbours voting, 1 ≤ k ≤ training events (10 is a good default; more smooths borders).
    public var neighbors: Int
    /// Quantile q of the training nearest-neighbour distances used for novelty, in (0, 1].
    public var noveltyQuantile: Double
    /// Multiplier of that quantile, > 0 (larger = fewer events flagged new; `.infinity` = never).
    public var noveltyFactor: Double

    public init(neighbors: Int = 10, noveltyQuantile: Double = 0.99, noveltyFactor: Double = 1) {
        self.neighbors = neighbors
        self.noveltyQuantile = noveltyQuantile
        self.noveltyFactor = noveltyFactor
    }

    /// The result for a set of new events.
    public struct Result: Sendable, Equatable {
        /// Cluster per new event (−1 noise, −2 new).
        public var clusters: [Int]
        public var statuses: [Status]
        /// Winning share of the k votes.
        public var confidences: [Double]
        /// Distance to the nearest training event in the embedding space.
        public var nearestDistances: [Double]
        /// The novelty threshold on that distance.
        public var noveltyThreshold: Double
    }

    /// Checks the settings against the number of training events.
    public func validate(trainingEvents n: Int) throws {
        guard neighbors >= 1, neighbors <= n else {
            throw InputError("--neighbors must be between 1 and the \(n) training events, got \(neighbors)")
        }
        guard noveltyQuantile > 0, noveltyQuantile <= 1 else {
            throw InputError("--novelty-quantile must lie in (0, 1], got \(noveltyQuantile)")
        }
        guard noveltyFactor > 0, !noveltyFactor.isNaN else { throw InputError("--novelty-factor must be positive, got \(noveltyFactor)") }
        guard n >= 2 else { throw InputError("the run has \(n) training event; assignment needs at least 2") }
    }

    /// Assigns new events.
    /// - Parameters:
    ///   - map: new events in the clustering space (rows = new events).
    ///   - trainingMap: training events in the same space.
    ///   - trainingClusters: cluster per training event (−1 = noise).
    ///   - embeddings: new events in the embedding space.
    ///   - trainingEmbeddings: training events in the embedding space.
    public func assign(map: FeatureMatrix, trainingMap: FeatureMatrix, trainingClusters: [Int],
                       embeddings: FeatureMatrix, trainingEmbeddings: FeatureMatrix) throws -> Result {
        let n = trainingMap.rows
        precondition(trainingClusters.count == n && trainingEmbeddings.rows == n && map.rows == embeddings.rows,
                     "ClusterAssignment: inconsistent row counts")
        try validate(trainingEvents: n)
        // Novelty threshold from the training events' distances to their nearest other event.
        let own = NearestNeighbors.exact(trainingEmbeddings, k: 1, includeSelf: false)
        let sorted = own.distances.map(Double.init).sorted()
        let position = min(sorted.count - 1, max(0, Int((noveltyQuantile * Double(sorted.count)).rounded(.up)) - 1))
        let threshold = noveltyFactor * sorted[position]

        let m = map.rows
        guard m > 0 else {
            return Result(clusters: [], statuses: [], confidences: [], nearestDistances: [], noveltyThreshold: threshold)
        }
        let votes = NearestNeighbors.exact(queries: map, reference: trainingMap, k: neighbors)
        let nearest = NearestNeighbors.exact(queries: embeddings, reference: trainingEmbeddings, k: 1)
        var clusters = [Int](repeating: 0, count: m), statuses = [Status](repeating: .assigned, count: m)
        var confidences = [Double](repeating: 0, count: m), distances = [Double](repeating: 0, count: m)
        for i in 0..<m {
            var count: [Int: Int] = [:], near: [Int: Double] = [:]
            for j in 0..<neighbors {
                let c = trainingClusters[votes.neighbor(i, j)]
                count[c, default: 0] += 1
                near[c, default: 0] += Double(votes.distance(i, j))
            }
            let winner = count.keys.min { a, b in
                if count[a]! != count[b]! { return count[a]! > count[b]! }
                if near[a]! != near[b]! { return near[a]! < near[b]! }
                return a < b
            }!
            confidences[i] = Double(count[winner]!) / Double(neighbors)
            distances[i] = Double(nearest.distance(i, 0))
            if distances[i] > threshold {
                clusters[i] = Self.newCluster
                statuses[i] = .new
            } else {
                clusters[i] = winner
                statuses[i] = winner < 0 ? .noise : .assigned
            }
        }
        return Result(clusters: clusters, statuses: statuses, confidences: confidences, nearestDistances: distances,
                      noveltyThreshold: threshold)
    }
}
