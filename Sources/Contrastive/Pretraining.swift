import Autograd
import Foundation
import NeuralNet
import VolcanoCore
import VolcanoData

/// A training run that cannot continue (the loss diverged, or it was interrupted).
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Events prepared for self-supervised pre-training: each scaled by its own maximum absolute
/// value, split into training and validation events, with noise segments kept apart as extra
/// negatives.
public struct PretrainingData: Sendable {
    /// Training events `[count, channels, length]`.
    public var train: [Float]
    public var trainCount: Int
    /// Validation events (may be empty).
    public var validation: [Float]
    public var validationCount: Int
    /// Noise segments used as extra negatives (may be empty).
    public var noise: [Float]
    public var noiseCount: Int
    public var channels: Int
    public var length: Int

    public init(train: [Float], trainCount: Int, validation: [Float] = [], validationCount: Int = 0,
                noise: [Float] = [], noiseCount: Int = 0, channels: Int, length: Int) {
        self.train = train
        self.trainCount = trainCount
        self.validation = validation
        self.validationCount = validationCount
        self.noise = noise
        self.noiseCount = noiseCount
        self.channels = channels
        self.length = length
    }

    /// Takes the events of `dataset` that are not in its test split (labels are not used);
    /// events labelled `noiseLabel` become noise negatives. The validation events are the
    /// dataset's validation split, or, if it has none, `validationFraction` of the rest.
    ///
    /// - Throws: ``InputError`` naming `file` when the events do not have the encoder's
    ///   channels and length, or there are fewer training events than `batchSize`.
    public static func prepare(_ dataset: Dataset, file: String, encoder: EncoderConfig, preset: String,
                               batchSize: Int, validationFraction: Double, seed: UInt64,
                               noiseLabel: String? = nil) throws -> PretrainingData {
        try _checkShape(dataset, file: file, encoder: encoder, preset: preset)
        var trainRows = [Int](), valRows = [Int](), noiseRows = [Int]()
        for (i, e) in dataset.events.enumerated() {
            if let nl = noiseLabel, e.label == nl { noiseRows.append(i); continue }
            switch e.split {
            case .test: continue
            case .validation: valRows.append(i)
            case .train, .unassigned: trainRows.append(i)
            }
        }
        if valRows.isEmpty && validationFraction > 0 {
            var rng = SeededGenerator(seed: seed, stream: 0x7A11)
            let order = rng.permutation(trainRows.count)
            let k = Int(Double(trainRows.count) * validationFraction)
            if trainRows.count - k >= batchSize {
                valRows = order[0..<k].map { trainRows[$0] }.sorted()
                let held = Set(valRows)
                trainRows = trainRows.filter { !held.contains($0) }
            }
        }
        let minimum = max(batchSize, 2)
        guard trainRows.count >= minimum else {
            throw InputError("has \(trainRows.count) events for training, fewer than the batch size \(minimum); lower --batch-size or use more events", file: file)
        }
        let per = dataset.channelCount * dataset.length
        func gather(_ rows: [Int]) -> [Float] {
            var out = [Float](repeating: 0, count: rows.count * per)
            for (k, r) in rows.enumerated() {
                let w = dataset.waveform(r)
                for j in 0..<per { out[k * per + j] = w[w.startIndex + j] }
            }
            normalizeByMaxAbs(&out, count: rows.count, size: per)
            return out
        }
        return PretrainingData(train: gather(trainRows), trainCount: trainRows.count,
                               validation: gather(valRows), validationCount: valRows.count,
                               noise: gather(noiseRows), noiseCount: noiseRows.count,
                               channels: dataset.channelCount, length: dataset.length)
    }
}

/// Scales each of `count` events (`size` values each) by its maximum absolute value (events
/// that are all zero stay zero), as the paper prepares its inputs.
public func normalizeByMaxAbs(_ x: inout [Float], count: Int, size: Int) {
    x.withUnsafeMutableBufferPointer { p in
        for i in 0..<count {
            let b = p.baseAddress! + i * size
            var m: Float = 0
            for j in 0..<size { m = max(m, abs(b[j])) }
            if m > 0 {
                let s = 1 / m
                for j in 0..<size { b[j] *= s }
            }
        }
    }
}

/// Checks that the events of `dataset` fit the encoder (channels and window length).
func _checkShape(_ dataset: Dataset, file: String, encoder: EncoderConfig, preset: String) throws {
    if dataset.channelCount != encoder.inputChannels {
        throw InputError("events have \(dataset.channelCount) channels, the \(preset) encoder expects \(encoder.inputChannels)", file: file)
    }
    if dataset.length != encoder.length {
        throw InputError("events have \(dataset.length) samples, the \(preset) preset expects \(encoder.length); cut or resample the events, or choose a preset (or --length) that matches", file: file)
    }
    let per = dataset.channelCount * dataset.length
    let bad: Int? = dataset.waveforms.withUnsafeBufferPointer { p in
        for i in 0..<p.count where !p[i].isFinite { return i / per }
        return nil
    }
    if let bad {
        throw InputError("event \(dataset.events[bad].eventID) (row \(bad)) contains NaN or infinite samples; remove or repair it", file: file)
    }
}

/// The self-supervised training loop (SimCLR or TS-TCC) with checkpoints and resume.
///
/// Each epoch: learning rate from the schedule; events shuffled (seeded per epoch) and cut into
/// batches of `batchSize`, the incomplete last batch dropped (`drop_last`, needed by the
/// fixed-size NT-Xent); per step the loss, backward and one Adam step (classic L2 weight decay,
/// TS-TCC's betas); then the validation loss in evaluation mode, a row of `history.csv`, and an
/// atomic checkpoint (`model.safetensors`, `checkpoint.safetensors` with the optimizer state,
/// `config.json`, `history.csv`). Every random choice derives from the seed, the epoch and the
/// step, so a resumed run is bit-identical to an uninterrupted one for the same thread count.
/// A NaN or infinite loss stops the run with a ``TrainingError`` before the weights change.
public final class Pretraining {
    public let method: any ContrastiveMethod
    public let config: TrainingConfig
    public let modelConfig: ModelConfig
    let optimizer: Adam

    public init(method: any ContrastiveMethod, modelConfig: ModelConfig) {
        self.method = method
        self.modelConfig = modelConfig
        self.config = modelConfig.training
        optimizer = Adam(parameters: method.trainableParameters, learningRate: config.learningRate,
                         betas: (config.beta1, config.beta2), epsilon: 1e-8, weightDecay: config.weightDecay)
    }

    /// Runs the remaining epochs, writing the Model folder `output` after each one.
    ///
    /// - Parameters:
    ///   - resume: continue from `output/checkpoint.safetensors` (its epochs are skipped).
    ///   - progress: receives per-step updates (loss, samples).
    ///   - shouldStop: polled before every step; returning true stops the run with a
    ///     ``TrainingError`` (the last completed epoch stays on disk).
    /// - Returns: the history of all epochs (including resumed ones).
    @discardableResult
    public func run(_ data: PretrainingData, output: URL, resume: Bool = false, progress: ProgressHandler? = nil,
                    shouldStop: (() -> Bool)? = nil) throws -> [EpochRecord] {
        let B = config.batchSize
        precondition(data.channels == modelConfig.encoder.inputChannels && data.length == modelConfig.encoder.length,
                     "Pretraining: data [\(data.channels), \(data.length)] does not fit the encoder")
        guard data.trainCount >= max(B, 2) else {
            throw InputError("has \(data.trainCount) events for training, fewer than the batch size \(B)", file: output.path)
        }
        let fm = FileManager.default
        var history: [EpochRecord] = []
        let checkpointURL = output.appendingPathComponent(ModelFolder.checkpointFile)
        if resume {
            guard fm.fileExists(atPath: checkpointURL.path) else {
                throw InputError("has no checkpoint.safetensors to resume from", file: output.path)
            }
            let saved = try ModelFolder.readConfig(output)
            guard saved.method == modelConfig.method, saved.encoder == modelConfig.encoder,
                  saved.temporal == modelConfig.temporal, saved.projectionHidden == modelConfig.projectionHidden,
                  saved.projectionOutput == modelConfig.projectionOutput else {
                throw InputError("holds a \(saved.method) model of another architecture; resume with the same method and preset", file: output.path)
            }
            history = try restore(from: checkpointURL)
        } else if fm.fileExists(atPath: output.appendingPathComponent(ModelFolder.configFile).path) {
            throw InputError("already holds a model; pass --resume to continue it or choose another output folder", file: output.path)
        }

        let per = data.channels * data.length
        let views = ViewGenerator(augmentations: config.views, seed: config.seed)
        var fixed: (weak: [Float], strong: [Float])?
        if config.viewSchedule == .fixedOnce {
            fixed = data.train.withUnsafeBufferPointer { views.views(of: $0, count: data.trainCount, channels: data.channels, length: data.length) }
        }
        let validationViews = data.validation.withUnsafeBufferPointer {
            views.views(of: $0, count: data.validationCount, channels: data.channels, length: data.length, round: 0x7FFF_FFFF)
        }
        let stepsPerEpoch = data.trainCount / B
        let schedule = config.schedule.schedule(base: config.learningRate, epochs: config.epochs)
        let noiseCount = min(B, data.noiseCount)

        for epoch in history.count..<config.epochs {
            let started = Date()
            optimizer.learningRate = schedule.learningRate(epoch: epoch)
            let current = fixed ?? data.train.withUnsafeBufferPointer {
                views.views(of: $0, count: data.trainCount, channels: data.channels, length: data.length, round: epoch + 1)
            }
            var shuffle = SeededGenerator(seed: config.seed, stream: 0x5_0000 &+ UInt64(epoch))
            let order = shuffle.permutation(data.trainCount)
            var lossSum = 0.0
            var partSums: [String: Double] = [:]
            method.train(true)
            for step in 0..<stepsPerEpoch {
                if let shouldStop, shouldStop() {
                    throw TrainingError("training stopped during epoch \(epoch + 1); resume from the checkpoint of epoch \(epoch) with --resume")
                }
                let rows = Array(order[(step * B)..<((step + 1) * B)])
                var g = SeededGenerator(seed: config.seed &+ 0xD0_0D, stream: UInt64(epoch * stepsPerEpoch + step))
                var noise: Tensor?
                if noiseCount > 0 {
                    var picks = [Int]()
                    let perm = g.permutation(data.noiseCount)
                    picks = Array(perm[0..<noiseCount])
                    noise = _gather(data.noise, rows: picks, per: per, shape: [noiseCount, data.channels, data.length])
                }
                let batch = ContrastiveBatch(
                    weak: _gather(current.weak, rows: rows, per: per, shape: [B, data.channels, data.length]),
                    strong: _gather(current.strong, rows: rows, per: per, shape: [B, data.channels, data.length]),
                    noise: noise)
                let tape = Tape()
                optimizer.zeroGradients()
                let l = method.loss(batch, on: tape, generator: &g)
                let value = Double(l.total.value.scalars[0])
                guard value.isFinite else {
                    throw TrainingError("the loss became \(value.isNaN ? "NaN" : "infinite") at epoch \(epoch + 1), step \(step + 1); lower the learning rate (now \(optimizer.learningRate)) or check the input events for NaN/Inf values")
                }
                tape.backward(l.total, accumulatingInto: method.modules.map(\.module))
                optimizer.step()
                lossSum += value
                for (k, v) in l.parts { partSums[k, default: 0] += v }
                progress?(ProgressUpdate(stage: "epoch \(epoch + 1)/\(config.epochs)", completed: (step + 1) * B,
                                         total: stepsPerEpoch * B, unit: "samples",
                                         metrics: [("loss", lossSum / Double(step + 1))]))
            }
            let seconds = Date().timeIntervalSince(started)
            let validationLoss = validationLossValue(validationViews, count: data.validationCount, per: per,
                                                     channels: data.channels, length: data.length)
            history.append(EpochRecord(epoch: epoch + 1, trainLoss: lossSum / Double(stepsPerEpoch),
                                       parts: partSums.mapValues { $0 / Double(stepsPerEpoch) },
                                       validationLoss: validationLoss, learningRate: optimizer.learningRate,
                                       samplesPerSecond: Double(stepsPerEpoch * B) / max(seconds, 1e-9), seconds: seconds))
            try save(to: output, history: history)
        }
        method.train(false)
        return history
    }

    /// Mean loss over the validation batches (of `batchSize` events, default the training batch
    /// size) in evaluation mode (NaN without validation events).
    func validationLossValue(_ v: (weak: [Float], strong: [Float]), count: Int, per: Int, channels: Int, length: Int,
                             batchSize: Int? = nil) -> Double {
        let B = batchSize ?? config.batchSize
        guard count >= 2 else { return .nan }
        method.train(false)
        defer { method.train(true) }
        let steps = max(1, count / B)
        let size = min(B, count)
        var sum = 0.0
        for s in 0..<steps {
            let rows = Array((s * size)..<((s + 1) * size))
            var g = SeededGenerator(seed: config.seed &+ 0x7A1, stream: UInt64(s))
            let batch = ContrastiveBatch(weak: _gather(v.weak, rows: rows, per: per, shape: [size, channels, length]),
                                         strong: _gather(v.strong, rows: rows, per: per, shape: [size, channels, length]))
            sum += Double(method.loss(batch, on: Tape.inference(), generator: &g).total.value.scalars[0])
        }
        return sum / Double(steps)
    }

    /// Writes the epoch's files, each atomically, the configuration first and the checkpoint
    /// (the resume point) before the history: a process killed between two of the writes
    /// leaves a folder that resumes from its last complete checkpoint.
    func save(to output: URL, history: [EpochRecord]) throws {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try AtomicFile.write(try modelConfig.encoded(), to: output.appendingPathComponent(ModelFolder.configFile))
        var weights = Checkpoint.archive(method.modules, metadata: ["format": "pt", "method": modelConfig.method])
        try Safetensors.write(weights, to: output.appendingPathComponent(ModelFolder.weightsFile))
        for (name, t) in optimizer.stateTensors() { weights.set(name, SafetensorsEntry(t)) }
        let historyJSON = String(decoding: try JSONEncoder().encode(history), as: UTF8.self)
        weights.metadata["history"] = historyJSON
        weights.metadata["epochs_done"] = "\(history.count)"
        try Safetensors.write(weights, to: output.appendingPathComponent(ModelFolder.checkpointFile))
        try AtomicFile.write(EpochRecord.csv(history), to: output.appendingPathComponent(ModelFolder.historyFile))
    }

    func restore(from url: URL) throws -> [EpochRecord] {
        let archive = try Safetensors.read(url)
        for (prefix, module) in method.modules {
            try Checkpoint.load(module, from: archive, prefix: prefix, file: url.path, strict: true)
        }
        guard optimizer.restoreState(prefix: "optimizer", { archive[$0]?.tensor() }) else {
            throw InputError("lacks the optimizer state of this model; it cannot be resumed", file: url.path)
        }
        guard let h = archive.metadata["history"],
              let history = try? JSONDecoder().decode([EpochRecord].self, from: Data(h.utf8)) else {
            throw InputError("lacks the training history; it cannot be resumed", file: url.path)
        }
        return history
    }
}

/// Rows of `source` (`per` values each) as a tensor of `shape`.
func _gather(_ source: [Float], rows: [Int], per: Int, shape: [Int]) -> Tensor {
    Tensor(shape: shape, unsafeUninitialized: { dst in
        source.withUnsafeBufferPointer { src in
            for (k, r) in rows.enumerated() {
                (dst.baseAddress! + k * per).update(from: src.baseAddress! + r * per, count: per)
            }
        }
    })
}
