import ArgumentParser
import Contrastive
import Foundation
import VolcanoCore
import VolcanoData

extension ContrastiveMethodKind: ExpressibleByArgument {}
extension ClassificationMode: ExpressibleByArgument {}
extension ViewSchedule: ExpressibleByArgument {}
extension LearningRatePolicy: ExpressibleByArgument {}
extension EncoderStyle: ExpressibleByArgument {}

/// Architecture and optimisation options shared by `pretrain` and `classify`; unset options
/// keep the preset's value.
struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("preset"), help: "Paper preset: llaima (3000 samples), colima (3000), etna (135).")
    var presetName: String = "llaima"
    @Option(help: "Epochs (preset: llaima 60, colima 40, etna 75).")
    var epochs: Int?
    @Option(name: .customLong("batch-size"), help: "Events per step (preset: 32 / 48 / 96).")
    var batchSize: Int?
    @Option(name: .customLong("lr"), help: "Adam learning rate (preset: 2e-3 / 2.1e-3 / 2.5e-3).")
    var learningRate: Double?
    @Option(name: .customLong("weight-decay"), help: "L2 weight decay added to the gradient (default 3e-4).")
    var weightDecay: Double?
    @Option(help: "Learning-rate schedule: constant, cosine, step (default constant).")
    var schedule: LearningRatePolicy?
    @Option(help: "Random seed (weights, views, shuffling, dropout).")
    var seed: UInt64 = 0
    @Option(help: "Encoder block style: paper (Conv→MaxPool→ReLU→Dropout) or tstcc (Conv→BN→ReLU→MaxPool).")
    var encoderStyle: EncoderStyle?
    @Option(help: "Encoder dropout (paper 0.1).")
    var dropout: Double?
    @Option(help: "Encoder channels per block, comma-separated (e.g. 32,64,64,48); with --kernels and --pools any Table 1 layout.")
    var channels: String?
    @Option(help: "Kernel size per block, comma-separated.")
    var kernels: String?
    @Option(help: "Max-pool size (= stride) per block, comma-separated.")
    var pools: String?
    @Option(help: "Samples per event the encoder expects (default: the preset's, 3000 llaima/colima, 135 etna).")
    var length: Int?

    func preset() throws -> Preset {
        guard var p = Preset.named(presetName) else {
            throw ValidationError("unknown preset \"\(presetName)\"; choose llaima, colima or etna")
        }
        if let epochs { guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }; p.training.epochs = epochs }
        if let batchSize { guard batchSize >= 2 else { throw ValidationError("--batch-size must be at least 2") }; p.training.batchSize = batchSize }
        if let learningRate { guard learningRate > 0 else { throw ValidationError("--lr must be positive") }; p.training.learningRate = learningRate }
        if let weightDecay { guard weightDecay >= 0 else { throw ValidationError("--weight-decay must be non-negative") }; p.training.weightDecay = weightDecay }
        if let schedule { p.training.schedule = schedule }
        p.training.seed = seed
        if let encoderStyle { p.encoder.style = encoderStyle }
        if let length { guard length >= 1 else { throw ValidationError("--length must be positive") }; p.encoder.length = length }
        if let dropout { guard (0..<1).contains(dropout) else { throw ValidationError("--dropout must be in [0, 1)") }; p.encoder.dropout = dropout }
        func ints(_ s: String, _ name: String) throws -> [Int] {
            let v = s.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !v.isEmpty, v.allSatisfy({ ($0 ?? 0) > 0 }) else { throw ValidationError("\(name) must be positive integers separated by commas, got \"\(s)\"") }
            return v.map { $0! }
        }
        if channels != nil || kernels != nil || pools != nil {
            let n = try channels.map { try ints($0, "--channels").count } ?? p.encoder.blocks.count
            let ch = try channels.map { try ints($0, "--channels") } ?? p.encoder.blocks.map(\.channels)
            let ks = try kernels.map { try ints($0, "--kernels") } ?? Array(repeating: p.encoder.blocks[0].kernel, count: n)
            let ps = try pools.map { try ints($0, "--pools") } ?? Array(repeating: p.encoder.blocks[0].poolKernel, count: n)
            guard ch.count == ks.count, ch.count == ps.count else {
                throw ValidationError("--channels, --kernels and --pools need the same number of blocks (\(ch.count), \(ks.count), \(ps.count))")
            }
            p.encoder.blocks = (0..<n).map { ConvBlockConfig(channels: ch[$0], kernel: ks[$0], padding: .same, poolKernel: ps[$0]) }
        }
        if let problem = p.encoder.validationProblem() { throw ValidationError("encoder layout: \(problem)") }
        return p
    }
}

func readDataset(_ path: String) throws -> (Dataset, URL) {
    let url = URL(fileURLWithPath: path)
    return (try Dataset.read(from: url), url)
}

struct Pretrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Self-supervised pre-training of the encoder with SimCLR or TS-TCC.",
        discussion: """
        Writes a Model folder (model.safetensors under PyTorch names, config.json, history.csv) \
        after every epoch; --resume continues an interrupted run bit for bit.

        Example:
          volcano-ssl pretrain tstcc --data data/llaima --preset llaima --out models/llaima-tstcc
        """)

    @Argument(help: "Method: tstcc or simclr.")
    var method: ContrastiveMethodKind
    @Option(help: "Dataset folder (manifest.json, waveforms.npy, events.csv).")
    var data: String
    @Option(help: "Output Model folder.")
    var out: String
    @OptionGroup var model: ModelOptions
    @Option(help: "NT-Xent temperature (default 0.2).")
    var temperature: Double?
    @Option(help: "Augmentations: paper (weak jitter / strong window warp + jitter) or tstcc (scaling / permutation + jitter).")
    var views: String = "paper"
    @Option(help: "Jitter standard deviation on max-normalised events (paper views; default 0.05).")
    var jitterSigma: Float = 0.05
    @Option(help: "Window-warp window as a fraction of the event (default 0.1).")
    var warpWindow: Double = 0.1
    @Option(help: "Views drawn once per run (fixed, TS-TCC's behaviour, default) or every epoch (per-epoch).")
    var viewSchedule: ViewSchedule = .fixedOnce
    @Option(help: "Fraction of training events held out for the validation loss when the dataset has no validation split.")
    var validationFraction: Double = 0.1
    @Option(help: "Label of noise segments used as extra SimCLR negatives (e.g. noise); they are not anchors.")
    var noiseLabel: String?
    @Option(help: "TS-TCC future steps K (preset: 4 llaima, 2 etna).")
    var timesteps: Int?
    @Option(help: "TS-TCC transformer width (preset: 24 llaima, 12 etna).")
    var hidden: Int?
    @Option(help: "TS-TCC transformer layers (preset: 4 llaima, 3 etna).")
    var depth: Int?
    @Option(help: "Weight of each temporal-contrasting direction, λ1 (default 1).")
    var lambdaTemporal: Double?
    @Option(help: "Weight of the contextual NT-Xent loss, λ2 (default 0.7).")
    var lambdaContextual: Double?
    @Option(help: "TS-TCC attention heads (default 4; --hidden must be a multiple).")
    var heads: Int?
    @Option(help: "TS-TCC transformer feed-forward width (default 64).")
    var mlp: Int?
    @Option(help: "SimCLR projection head output size (default 128).")
    var projectionSize: Int?
    @Option(help: "SimCLR projection head hidden width (default C·T of the encoder).")
    var projectionHidden: Int?
    @Flag(help: "Continue the run in --out from its last checkpoint.")
    var resume = false
    @Flag(help: "No progress bar.")
    var quiet = false
    @OptionGroup var global: GlobalOptions

    func run() throws {
        MemoryReuse.enable()
        try global.apply()
        var preset = try model.preset()
        if let temperature { guard temperature > 0 else { throw ValidationError("--temperature must be positive") }; preset.training.temperature = temperature }
        switch views {
        case "paper": preset.training.views = .paper(jitterSigma: jitterSigma, windowRatio: warpWindow)
        case "tstcc": preset.training.views = .tstcc()
        default: throw ValidationError("--views must be paper or tstcc, got \"\(views)\"")
        }
        preset.training.viewSchedule = viewSchedule
        preset.training.validationFraction = validationFraction
        if let timesteps { preset.temporal.timesteps = timesteps }
        if let hidden { preset.temporal.hidden = hidden }
        if let p = projectionSize, p < 1 { throw ValidationError("--projection-size must be at least 1") }
        if let p = projectionHidden, p < 1 { throw ValidationError("--projection-hidden must be at least 1") }
        if let depth { guard depth >= 1 else { throw ValidationError("--depth must be at least 1") }; preset.temporal.depth = depth }
        if let heads { guard heads >= 1 else { throw ValidationError("--heads must be at least 1") }; preset.temporal.heads = heads }
        if let mlp { guard mlp >= 1 else { throw ValidationError("--mlp must be at least 1") }; preset.temporal.mlp = mlp }
        if let lambdaTemporal { preset.training.lambdaTemporal = lambdaTemporal }
        if let lambdaContextual { preset.training.lambdaContextual = lambdaContextual }
        if method == .tstcc {
            guard preset.temporal.timesteps >= 1, preset.temporal.timesteps < preset.encoder.outputSteps else {
                throw ValidationError("--timesteps must be in 1..<\(preset.encoder.outputSteps) (the encoder's output steps)")
            }
            guard preset.temporal.hidden % preset.temporal.heads == 0 else {
                throw ValidationError("--hidden must be a multiple of \(preset.temporal.heads) (attention heads)")
            }
        }
        let (dataset, url) = try readDataset(data)
        let prepared = try PretrainingData.prepare(dataset, file: url.path, encoder: preset.encoder, preset: preset.name,
                                                   batchSize: preset.training.batchSize,
                                                   validationFraction: validationFraction, seed: preset.training.seed,
                                                   noiseLabel: noiseLabel)
        let config = ModelConfig.pretraining(method: method, preset: preset, dataset: dataset,
                                             projectionHidden: projectionHidden, projectionSize: projectionSize)
        let trainer = Pretraining(method: config.makeMethod(), modelConfig: config)
        let bar = ProgressBar(quiet: quiet)
        let history = try trainer.run(prepared, output: URL(fileURLWithPath: out), resume: resume, progress: bar.handler)
        if let last = history.last {
            print(String(format: "%@ pre-training done: %d epochs, loss %.4f, validation loss %.4f, %.1f samples/s → %@",
                         method.rawValue, history.count, last.trainLoss, last.validationLoss, last.samplesPerSecond, out))
        }
    }
}

struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Embeds every event of a Dataset with a trained encoder (embeddings.npy [N, C·T]).",
        discussion: """
        Example:
          volcano-ssl embed --model models/llaima-tstcc --data data/llaima --out runs/llaima
        """)

    @Option(help: "Model folder written by pretrain or classify.")
    var model: String
    @Option(help: "Dataset folder.")
    var data: String
    @Option(help: "Output folder (embeddings.npy and a copy of events.csv).")
    var out: String
    @Option(name: .customLong("batch-size"), help: "Events per forward pass (default 256).")
    var batchSize: Int = 256
    @Flag(help: "No progress bar.")
    var quiet = false
    @OptionGroup var global: GlobalOptions

    func run() throws {
        MemoryReuse.enable()
        try global.apply()
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        let (encoder, config) = try ModelFolder.loadEncoder(URL(fileURLWithPath: model))
        let (dataset, url) = try readDataset(data)
        if dataset.length != config.encoder.length || dataset.channelCount != config.encoder.inputChannels {
            throw InputError("events have \(dataset.channelCount) × \(dataset.length) samples, the model expects \(config.encoder.inputChannels) × \(config.encoder.length)", file: url.path)
        }
        let bar = ProgressBar(quiet: quiet)
        let z = Embedding.compute(encoder: encoder, waveforms: dataset.waveforms, count: dataset.count,
                                  batchSize: batchSize, progress: bar.handler)
        let events = try Data(contentsOf: url.appendingPathComponent("events.csv"))
        let outURL = URL(fileURLWithPath: out)
        try AtomicFile.writeDirectory(outURL) { staging in
            try NPY.encode(NPYArray(z, shape: [dataset.count, config.encoder.featureSize]))
                .write(to: staging.appendingPathComponent("embeddings.npy"))
            try events.write(to: staging.appendingPathComponent("events.csv"))
        }
        print("embedded \(dataset.count) events → \(out)/embeddings.npy [\(dataset.count), \(config.encoder.featureSize)]")
    }
}

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Trains and evaluates an event classifier: supervised from scratch, linear probe or fine-tuning.",
        discussion: """
        Uses the train split (a stratified --label-fraction of its labels) and reports accuracy, \
        macro-F1 and Cohen's kappa on the test split.

        Example:
          volcano-ssl classify finetune --model models/llaima-tstcc --data data/llaima --label-fraction 0.05
        """)

    @Argument(help: "supervised, linear or finetune.")
    var mode: ClassificationMode
    @Option(help: "Dataset folder with train/test splits and labels.")
    var data: String
    @Option(help: "Pre-trained Model folder (linear and finetune).")
    var model: String?
    @Option(help: "Fraction of the training labels used (0.01–1).")
    var labelFraction: Double = 1
    @OptionGroup var options: ModelOptions
    @Option(help: "Output folder for metrics.json and the trained classifier (optional).")
    var out: String?
    @Flag(help: "No progress bar.")
    var quiet = false
    @OptionGroup var global: GlobalOptions

    func run() throws {
        MemoryReuse.enable()
        try global.apply()
        var preset = try options.preset()
        let encoder: ConvEncoder
        let (dataset, url) = try readDataset(data)
        let classes = dataset.manifest.classNames.count
        guard classes >= 2 else { throw InputError("lists \(classes) class names; classification needs at least 2", file: url.appendingPathComponent("manifest.json").path) }
        switch mode {
        case .supervised:
            var g = SeededGenerator(seed: preset.training.seed, stream: 0x1_A17)
            encoder = ConvEncoder(preset.encoder, classCount: classes, generator: &g)
        case .linear, .finetune:
            guard let model else { throw ValidationError("\(mode.rawValue) needs --model (a pre-trained Model folder)") }
            let (pre, config) = try ModelFolder.loadEncoder(URL(fileURLWithPath: model))
            preset.encoder = config.encoder
            if config.classCount == classes {
                encoder = pre
            } else {
                var g = SeededGenerator(seed: preset.training.seed, stream: 0x1_A17)
                encoder = ConvEncoder(config.encoder, classCount: classes, generator: &g)
                for (a, b) in zip(encoder.featureParameters, pre.featureParameters) { a.value = b.value }
            }
        }
        let labelled = try LabelledData.prepare(dataset, file: url.path, encoder: preset.encoder, preset: preset.name,
                                                labelFraction: labelFraction, seed: preset.training.seed)
        let bar = ProgressBar(quiet: quiet)
        let r = Classification.train(encoder: encoder, mode: mode, data: labelled, labelFraction: labelFraction,
                                     epochs: preset.training.epochs, batchSize: preset.training.batchSize,
                                     learningRate: preset.training.learningRate, weightDecay: preset.training.weightDecay,
                                     seed: preset.training.seed, progress: bar.handler)
        print(String(format: "%@ (%d labelled events, fraction %.3g): accuracy %.4f, macro-F1 %.4f, Cohen's kappa %.4f on %d test events",
                     mode.rawValue, r.trainingEvents, labelFraction, r.test.accuracy, r.test.macroF1, r.test.cohenKappa, r.test.count))
        if let out {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            let metrics = try e.encode(r)
            try AtomicFile.writeDirectory(URL(fileURLWithPath: out)) { staging in
                try metrics.write(to: staging.appendingPathComponent("metrics.json"))
            }
        }
    }
}

struct Knn: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "knn",
        abstract: "k-nearest-neighbour accuracy on the test split: embeddings against raw waveforms.",
        discussion: """
        Votes with the train and validation events, scores the test events. Without --embeddings \
        it uses the raw waveforms, each scaled by its maximum absolute value (the baseline).

        Example:
          volcano-ssl knn --data data/llaima --embeddings runs/llaima
        """)

    @Option(help: "Dataset folder with labels and splits.")
    var data: String
    @Option(help: "Folder with embeddings.npy from `volcano-ssl embed` (omit for raw waveforms).")
    var embeddings: String?
    @Option(name: .shortAndLong, help: "Neighbours that vote (default 5).")
    var k: Int = 5
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        guard k >= 1 else { throw ValidationError("-k must be at least 1") }
        let (dataset, url) = try readDataset(data)
        let labels = dataset.labelIndices
        let labelled = labels.indices.filter { labels[$0] != nil }
        let train = labelled.filter { dataset.events[$0].split == .train || dataset.events[$0].split == .validation }
        let test = labelled.filter { dataset.events[$0].split == .test }
        guard !train.isEmpty, !test.isEmpty else {
            throw InputError("needs labelled events in the train/validation and test splits", file: url.path)
        }
        var features: [Float], dimension: Int
        if let embeddings {
            let file = URL(fileURLWithPath: embeddings).appendingPathComponent("embeddings.npy")
            let a = try NPY.read(file)
            guard a.shape.count == 2, a.shape[0] == dataset.count else {
                throw InputError("has shape \(a.shape), expected [\(dataset.count), D] (one row per event of \(data))", file: file.path)
            }
            features = a.floats()
            dimension = a.shape[1]
        } else {
            features = NearestNeighbourBaseline.maxNormalisedWaveforms(dataset)
            dimension = dataset.channelCount * dataset.length
        }
        let acc = NearestNeighbourBaseline.accuracy(features: features, dimension: dimension,
                                                    labels: labels.map { $0 ?? 0 }, train: train, test: test, k: k)
        print(String(format: "k-NN (k = %d) accuracy on %d test events, %@: %.4f", k, test.count,
                     embeddings == nil ? "raw max-normalised waveforms" : "embeddings \(embeddings!)", acc))
    }
}
