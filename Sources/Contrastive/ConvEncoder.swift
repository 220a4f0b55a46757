import Autograd
import NeuralNet
import VolcanoCore

/// The 1-D CNN encoder that turns an event `[B, C_in, L]` into features `[B, C, T]`.
///
/// Paper style (Carthy et al.): per block `Conv1d(bias) → MaxPool1d → ReLU → Dropout(p)`, no
/// ReLU after the last block; `state_dict` names `net.<i>.weight/bias` with `i` counting every
/// layer as PyTorch's `nn.Sequential` does (Etna: `net.0`, `net.4`, `net.8`).
///
/// TS-TCC style (Eldele et al.): per block `Conv1d(no bias) → BatchNorm1d → ReLU →
/// MaxPool1d`, dropout after the first block only; names `conv_block<n>.0.weight`,
/// `conv_block<n>.1.{weight,bias,running_mean,running_var,num_batches_tracked}`.
///
/// Both carry the supervised head `logits = Linear(C·T, classes)` on the channel-major
/// flattened features, as TS-TCC's `base_Model` (it receives no gradient in pre-training).
public final class ConvEncoder: Module {
    public let config: EncoderConfig
    /// Number of classes of the `logits` head.
    public let classCount: Int
    public var isTraining = true

    final class Block {
        let weight: Parameter
        let bias: Parameter?
        let norm: BatchNorm1d?
        init(weight: Parameter, bias: Parameter?, batchNorm: Bool, channels: Int) {
            self.weight = weight
            self.bias = bias
            norm = batchNorm ? BatchNorm1d(features: channels) : nil
        }
    }

    let blocks: [Block]
    /// Supervised head `[classes, C·T]` and `[classes]`.
    public let logitsWeight: Parameter
    public let logitsBias: Parameter

    /// A freshly initialised encoder (PyTorch's default Kaiming-uniform init from `generator`).
    public init(_ config: EncoderConfig, classCount: Int = 4, generator: inout SeededGenerator) {
        precondition(config.validationProblem() == nil,
                     "ConvEncoder: invalid layout: \(config.validationProblem() ?? "")")
        self.config = config
        self.classCount = classCount
        var cin = config.inputChannels
        var bl = [Block]()
        for b in config.blocks {
            let fanIn = cin * b.kernel
            let w = Parameter(Initialization.kaimingUniform([b.channels, cin, b.kernel], fanIn: fanIn, using: &generator))
            let bias: Parameter? = config.style == .paper
                ? Parameter(Initialization.bias([b.channels], fanIn: fanIn, using: &generator)) : nil
            bl.append(Block(weight: w, bias: bias, batchNorm: config.style == .tstcc, channels: b.channels))
            cin = b.channels
        }
        blocks = bl
        let f = config.featureSize
        logitsWeight = Parameter(Initialization.kaimingUniform([classCount, f], fanIn: f, using: &generator))
        logitsBias = Parameter(Initialization.bias([classCount], fanIn: f, using: &generator))
    }

    /// `state_dict` name prefix of block `i`'s convolution and (TS-TCC) batch norm.
    func names(ofBlock i: Int) -> (conv: String, norm: String) {
        switch config.style {
        case .paper:
            let n = config.blocks.count
            // conv, pool, relu (all but last), dropout
            var index = 0
            for j in 0..<i { index += (j < n - 1) ? 4 : 3 }
            return ("net.\(index)", "")
        case .tstcc:
            return ("conv_block\(i + 1).0", "conv_block\(i + 1).1")
        }
    }

    public var localParameters: [(name: String, parameter: Parameter)] {
        var out = [(name: String, parameter: Parameter)]()
        for (i, b) in blocks.enumerated() {
            let (conv, norm) = names(ofBlock: i)
            out.append(("\(conv).weight", b.weight))
            if let bias = b.bias { out.append(("\(conv).bias", bias)) }
            if let bn = b.norm { out += bn.named(norm) }
        }
        out.append(("logits.weight", logitsWeight))
        out.append(("logits.bias", logitsBias))
        return out
    }

    public var localBuffers: [(name: String, buffer: Buffer)] {
        var out = [(name: String, buffer: Buffer)]()
        for (i, b) in blocks.enumerated() {
            if let bn = b.norm { out += bn.buffers(names(ofBlock: i).norm) }
        }
        return out
    }

    /// Parameters of the convolutional part (everything except the `logits` head).
    public var featureParameters: [Parameter] {
        localParameters.filter { !$0.name.hasPrefix("logits.") }.map(\.parameter)
    }

    /// Features `[B, C, T]` of `x` (`[B, C_in, L]`). Dropout masks (training mode only) are
    /// drawn from `generator`.
    public func features(_ x: Variable, on tape: Tape, generator: inout SeededGenerator) -> Variable {
        precondition(x.shape.count == 3 && x.shape[1] == config.inputChannels && x.shape[2] == config.length,
                     "ConvEncoder: input \(x.shape), expected [B, \(config.inputChannels), \(config.length)]")
        var h = x
        let n = blocks.count
        let p = Float(config.dropout)
        for (i, b) in blocks.enumerated() {
            let c = config.blocks[i]
            let pad: Conv1dPadding
            switch c.padding {
            case .same: pad = .same
            case .explicit(let q): pad = .symmetric(q)
            }
            switch config.style {
            case .paper:
                h = tape.conv1dMaxPool(h, weight: b.weight.variable(on: tape), bias: b.bias?.variable(on: tape), padding: pad,
                                       poolKernel: c.poolKernel, poolStride: c.poolStride, poolPadding: c.poolPadding,
                                       relu: i < n - 1)
                h = tape.dropout(h, p: p, training: isTraining, using: &generator)
            case .tstcc:
                h = tape.conv1d(h, weight: b.weight.variable(on: tape), bias: b.bias?.variable(on: tape), padding: pad)
                h = b.norm!.normalize(h, training: isTraining, on: tape)
                h = tape.maxPool1d(tape.relu(h), kernel: c.poolKernel, stride: c.poolStride, padding: c.poolPadding)
                if i == 0 { h = tape.dropout(h, p: p, training: isTraining, using: &generator) }
            }
        }
        return h
    }

    /// Class scores `[B, classes]` from features `[B, C, T]` (flattened channel-major).
    public func logits(_ features: Variable, on tape: Tape) -> Variable {
        let flat = tape.reshape(features, [features.shape[0], config.featureSize])
        return tape.linear(flat, weight: logitsWeight.variable(on: tape), bias: logitsBias.variable(on: tape))
    }
}
