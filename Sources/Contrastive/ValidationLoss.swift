import VolcanoCore

extension Pretraining {
    /// The contrastive loss of the model as it is now on the validation events of `data`:
    /// evaluation mode (no dropout, running batch statistics), the same fixed validation views
    /// as the per-epoch `validation_loss` of `history.csv`, and seeded random choices, so the
    /// value is deterministic for a given model, data, seed and thread count.
    ///
    /// - Parameters:
    ///   - data: the prepared events; only `validation` is used.
    ///   - batchSize: validation events per loss evaluation (≥ 2; capped at the number of
    ///     validation events). The NT-Xent and TS-TCC losses grow with the batch (about
    ///     log(2B − 1) at chance), so keep it fixed when comparing models trained with different
    ///     batch sizes; 32 is a good choice.
    /// - Returns: the mean over the `max(1, count / batchSize)` consecutive validation batches,
    ///   or NaN with fewer than 2 validation events.
    public func validationLoss(_ data: PretrainingData, batchSize: Int) -> Double {
        precondition(batchSize >= 2, "Pretraining.validationLoss: batch size \(batchSize) < 2")
        let views = ViewGenerator(augmentations: config.views, seed: config.seed)
        let v = data.validation.withUnsafeBufferPointer {
            views.views(of: $0, count: data.validationCount, channels: data.channels, length: data.length, round: 0x7FFF_FFFF)
        }
        let wasTraining = method.modules.first?.module.isTraining ?? false
        defer { method.train(wasTraining) }
        return validationLossValue(v, count: data.validationCount, per: data.channels * data.length,
                                   channels: data.channels, length: data.length, batchSize: batchSize)
    }
}
