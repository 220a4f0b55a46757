import ArgumentParser
import VolcanoCore

/// `vssl-bench`: the Swift side of `make bench`. Each subcommand times one workload and
/// prints one JSON object on standard output; the scripts in `bench/` run the reference
/// tool (PyTorch, ObsPy, umap-learn, scikit-learn) on the same data in the same run and
/// write `bench/results/NAME.json`.
@main
struct VolcanoBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vssl-bench",
        abstract: "Benchmarks for make bench (prints JSON).",
        subcommands: [
            // Each benchmark file adds itself here, one line each.
            EncoderTrain.self,
            SignalReadBench.self,
            DatasetIOBench.self,
            SignalDSPBench.self,
            ClusteringBench.self,
            ManifoldBench.self,
            TrainBench.self,
        ]
    )

    static func main() {
        CPUTarget.exitUnlessSupported()
        BLASKernels.reexecWithTunedOpenBLASIfNeeded()
        MemoryReuse.enable()
        main(nil)
    }
}
