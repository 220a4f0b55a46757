import Autograd
import NeuralNet
import VolcanoCore

/// Weight and bias of a linear map `[out, in]`, `[out]`, with PyTorch's default init.
final class _LinearParameters {
    let weight: Parameter
    let bias: Parameter?
    init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: inout SeededGenerator) {
        weight = Parameter(Initialization.kaimingUniform([outFeatures, inFeatures], fanIn: inFeatures, using: &generator))
        self.bias = bias ? Parameter(Initialization.bias([outFeatures], fanIn: inFeatures, using: &generator)) : nil
    }
    func named(_ prefix: String) -> [(name: String, parameter: Parameter)] {
        var out = [("\(prefix).weight", weight)]
        if let bias { out.append(("\(prefix).bias", bias)) }
        return out
    }
    func callAsFunction(_ x: Variable, on tape: Tape) -> Variable {
        tape.linear(x, weight: weight.variable(on: tape), bias: bias?.variable(on: tape))
    }
}

/// Affine weight and bias of a LayerNorm (`[H]`), initialised to 1 and 0.
final class _LayerNormParameters {
    let weight: Parameter
    let bias: Parameter
    init(_ n: Int) {
        weight = Parameter(Tensor.ones([n]))
        bias = Parameter(Tensor.zeros([n]))
    }
    func named(_ prefix: String) -> [(name: String, parameter: Parameter)] {
        [("\(prefix).weight", weight), ("\(prefix).bias", bias)]
    }
    func callAsFunction(_ x: Variable, on tape: Tape) -> Variable {
        tape.layerNorm(x, weight: weight.variable(on: tape), bias: bias.variable(on: tape))
    }
}

/// BatchNorm1d parameters and running statistics (PyTorch defaults: γ 1, β 0, mean 0, var 1).
final class _BatchNormParameters {
    let weight: Parameter
    let bias: Parameter
    let runningMean: Buffer
    let runningVar: Buffer
    let batches: Buffer
    init(_ n: Int) {
        weight = Parameter(Tensor.ones([n]))
        bias = Parameter(Tensor.zeros([n]))
        runningMean = Buffer(Tensor.zeros([n]))
        runningVar = Buffer(Tensor.ones([n]))
        batches = Buffer(Tensor.zeros([]), isInteger: true)
    }
    func named(_ prefix: String) -> [(name: String, parameter: Parameter)] {
        [("\(prefix).weight", weight), ("\(prefix).bias", bias)]
    }
    func buffers(_ prefix: String) -> [(name: String, buffer: Buffer)] {
        [("\(prefix).running_mean", runningMean), ("\(prefix).running_var", runningVar),
         ("\(prefix).num_batches_tracked", batches)]
    }
    func callAsFunction(_ x: Variable, training: Bool, on tape: Tape) -> Variable {
        let r = tape.batchNorm1d(x, weight: weight.variable(on: tape), bias: bias.variable(on: tape),
                                 runningMean: runningMean.value, runningVariance: runningVar.value, training: training)
        if training && tape.isRecording {
            let (runningMean, runningVar, batches) = (runningMean, runningVar, batches)
            tape.sideEffect {
                (runningMean.value, runningVar.value) = r.runningStatistics(updating: runningMean.value, runningVar.value)
                batches.value = Tensor(shape: [], scalars: [batches.value.scalars[0] + 1])
            }
        }
        return r.output
    }
}
