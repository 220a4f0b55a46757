import Foundation
import Testing
import TestSupport
import VolcanoCore
@testable import Contrastive

/// `Pretraining.validationLoss`: the contrastive loss of the trained model on the validation
/// split, in evaluation mode, deterministic.
@Suite struct ValidationLossTests {
    @Test(arguments: ["tstcc", "simclr"])
    func matchesTheHistoryAndIsDeterministicInEvaluationMode(method: String) throws {
        let dataset = SyntheticEvents.dataset(perClass: 24, length: 240, seed: 11)
        let training = TrainingConfig(batchSize: 8, epochs: 1, learningRate: 2e-3, views: .paper(), seed: 5)
        let cfg = SyntheticEvents.modelConfig(method: method, training: training, dataset: dataset)
        let data = try PretrainingData.prepare(dataset, file: "synthetic", encoder: cfg.encoder, preset: "test",
                                               batchSize: 8, validationFraction: 0.2, seed: 5)
        #expect(data.validationCount >= 8)
        let trainer = Pretraining(method: cfg.makeMethod(), modelConfig: cfg)
        let history = try trainer.run(data, output: Fixtures.temporaryDirectory().appendingPathComponent("m"))
        // With the training batch size it is the last epoch's validation_loss of history.csv.
        let same = trainer.validationLoss(data, batchSize: 8)
        #expect(same.isFinite && same > 0)
        #expect(same == history.last!.validationLoss)
        // Evaluation mode whatever the model's mode (no dropout), which is restored afterwards.
        trainer.method.train(true)
        #expect(trainer.validationLoss(data, batchSize: 8) == same)
        #expect(trainer.method.encoder.isTraining)
        // Another batch size is another (finite, repeatable) value: NT-Xent grows with the batch.
        let small = trainer.validationLoss(data, batchSize: 4)
        #expect(small.isFinite && small == trainer.validationLoss(data, batchSize: 4) && small < same)
        // Fewer than 2 validation events: NaN.
        var none = data
        none.validation = []
        none.validationCount = 0
        #expect(trainer.validationLoss(none, batchSize: 16).isNaN)
    }
}
