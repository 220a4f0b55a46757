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

extension BatchNorm1d {
    /// The parameters under `prefix` (`prefix.weight`, `prefix.bias`).
    func named(_ prefix: String) -> [(name: String, parameter: Parameter)] {
        localParameters.map { ("\(prefix).\($0.name)", $0.parameter) }
    }
    /// The running statistics under `prefix` (`prefix.running_mean`, …).
    func buffers(_ prefix: String) -> [(name: String, buffer: Buffer)] {
        localBuffers.map { ("\(prefix).\($0.name)", $0.buffer) }
    }
}
