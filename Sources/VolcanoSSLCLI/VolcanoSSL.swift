import ArgumentParser
import VolcanoCore

/// `volcano-ssl`: discover the kinds of seismic events in a volcano's data without labels.
@main
struct VolcanoSSL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "volcano-ssl",
        abstract: "Self-supervised contrastive learning for volcano-seismic events.",
        discussion: """
        Each stage reads and writes plain files (NPY, CSV, JSON, safetensors), so you can stop, \
        inspect, and continue, or swap in NumPy/PyTorch at any stage.

        Example:
          volcano-ssl synth --preset llaima-like --events 800 --out data/synth
        """,
        version: "0.1.0",
        subcommands: [
            // Each command file adds itself here, one line each.
            Pretrain.self, Embed.self, Classify.self, Knn.self,
            SynthCommand.self,
            ScoreDetectionsCommand.self,
            InfoCommand.self,
            ConvertCommand.self,
            DetectCommand.self,
            UMAPCommand.self,
            ClusterCommand.self,
            MonitorCommand.self,
            EvaluateCommand.self,
            DemoCommand.self, ExperimentCommand.self, ReportCommand.self, ImportCommand.self,
            SweepCommand.self,
        ]
    )

    static func main() {
        CPUTarget.exitUnlessSupported()
        BLASKernels.reexecWithTunedOpenBLASIfNeeded()
        main(nil)
    }
}

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Threads for BLAS and parallel loops (default: all cores or $VOLCANO_SSL_THREADS).")
    var threads: Int?

    func apply() throws {
        if let t = threads {
            guard t >= 1 else { throw ValidationError("--threads must be at least 1, got \(t)") }
            Threads.set(t)
        }
    }
}
