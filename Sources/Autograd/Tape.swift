/// A handle to a value computed on a ``Tape``.
///
/// `value` is the forward result. A variable that does not depend on any parameter
/// (created with ``Tape/constant(_:)``, or on a tape that is not recording) has no
/// gradient and costs nothing in the backward pass.
public struct Variable: Sendable {
    /// The forward value.
    public let value: Tensor
    /// Position on the tape, or −1 when no gradient flows to this variable.
    public let id: Int
    /// The tape that recorded it (nil for constants), to catch handles used on the wrong tape.
    let owner: ObjectIdentifier?

    init(value: Tensor, id: Int, owner: ObjectIdentifier? = nil) {
        self.value = value
        self.id = id
        self.owner = id >= 0 ? owner : nil
    }

    /// The shape of ``value``.
    public var shape: [Int] { value.shape }
    /// Whether a gradient will be computed for this variable.
    public var requiresGradient: Bool { id >= 0 }
}

/// The gradient tape: records differentiable operations for one step, then runs reverse mode.
///
/// There is no global state: the caller creates a tape per training step (or a
/// non-recording one for inference) and passes it to the model code, which calls the
/// differentiable operations as methods (`tape.conv1d(…)`, `tape.relu(…)`, …). The same
/// model code runs in both modes; on a non-recording tape nothing is kept.
///
/// ```swift
/// let tape = Tape()
/// let w = tape.parameter(weight)            // leaf that receives a gradient
/// let x = tape.constant(batch)              // data: no gradient
/// let loss = tape.mean(tape.relu(tape.matmul(x, w)))
/// let grads = tape.backward(loss)
/// let dW = grads[w]!                        // same shape as `weight`
/// ```
///
/// A tape is single-threaded (use one per thread); the operations parallelise inside.
public final class Tape {
    /// `false` for inference: operations compute values only and record nothing.
    public let isRecording: Bool
    /// The convolution kernels this tape uses (``ConvolutionAlgorithm/automatic`` unless a
    /// caller asks for the direct im2col product, e.g. to compare the two).
    public var convolutionAlgorithm: ConvolutionAlgorithm = .automatic

    /// Backward function of each recorded node: output gradient → gradients of the inputs
    /// (aligned with `inputs`, `nil` where an input needs none).
    typealias Backward = (Tensor) -> [Tensor?]

    struct Node {
        let inputs: [Int]
        let backward: Backward?
        let shape: [Int]
    }

    private(set) var nodes: [Node] = []
    /// Scratch memory reused by the kernels of this tape.
    let workspace = Workspace()
    /// The leaf of each owner object (a model parameter) registered with ``leaf(for:value:)``.
    private var leaves: [ObjectIdentifier: Variable] = [:]
    /// The same owners in registration order (kept alive while the tape is).
    private(set) var leafOwners: [(owner: AnyObject, leaf: Variable)] = []
    /// Effects held back until the branches of ``branches(_:inputs:_:)`` have joined, then run
    /// in branch order; nil on a tape that runs them at once.
    var deferredEffects: [() -> Void]?

    /// A recording tape (`recording: true`) or an inference tape that records nothing.
    public init(recording: Bool = true) { isRecording = recording }

    /// A tape for inference (no gradients, nothing recorded).
    public static func inference() -> Tape { Tape(recording: false) }

    /// Number of recorded nodes (leaves and operations).
    public var count: Int { nodes.count }

    /// Wraps data that needs no gradient (inputs, targets, masks).
    public func constant(_ value: Tensor) -> Variable { Variable(value: value, id: -1) }

    /// Registers a leaf that needs a gradient (a trainable parameter); on an inference
    /// tape it is a constant. Register each parameter once per step and reuse the handle:
    /// uses in several places accumulate into one gradient.
    public func parameter(_ value: Tensor) -> Variable {
        guard isRecording else { return Variable(value: value, id: -1) }
        nodes.append(Node(inputs: [], backward: nil, shape: value.shape))
        return Variable(value: value, id: nodes.count - 1, owner: ObjectIdentifier(self))
    }

    /// The leaf of `owner` on this tape: registered with `value` on first use, the same handle
    /// afterwards, so that every use of one parameter in a step accumulates into one gradient.
    /// (NeuralNet's `Parameter` is the owner.) On an inference tape, a constant.
    public func leaf(for owner: AnyObject, value: Tensor) -> Variable {
        guard isRecording else { return constant(value) }
        if let v = leaves[ObjectIdentifier(owner)] { return v }
        let v = parameter(value)
        leaves[ObjectIdentifier(owner)] = v
        leafOwners.append((owner, v))
        return v
    }

    /// The leaf registered for `owner` on this tape, if any.
    public func leaf(of owner: AnyObject) -> Variable? { leaves[ObjectIdentifier(owner)] }

    /// Runs `effect` (an update of state outside the tape, such as BatchNorm's running
    /// statistics) now, or, inside a branch of ``branches(_:inputs:_:)``, once the branches have
    /// joined, in branch order: the state then changes exactly as if the branches had run one
    /// after the other.
    public func sideEffect(_ effect: @escaping () -> Void) {
        if deferredEffects != nil { deferredEffects!.append(effect) } else { effect() }
    }

    /// Records an operation's result. `backward` receives the gradient of the result
    /// and returns one gradient per input (or `nil` for inputs that need none).
    func record(_ value: Tensor, _ inputs: [Variable], backward: @escaping Backward) -> Variable {
        guard isRecording, inputs.contains(where: { $0.requiresGradient }) else {
            return Variable(value: value, id: -1)
        }
        let me = ObjectIdentifier(self)
        for v in inputs where v.requiresGradient {
            check(v.owner == me, "Tape: a variable recorded on another tape was used on this one")
        }
        nodes.append(Node(inputs: inputs.map(\.id), backward: backward, shape: value.shape))
        return Variable(value: value, id: nodes.count - 1, owner: me)
    }

    /// Reverse-mode pass from `output`. The seed gradient defaults to ones (so a scalar
    /// loss gets d loss/d loss = 1). Returns the gradient of every variable on the tape
    /// that `output` depends on; look them up with the variable handle.
    public func backward(_ output: Variable, gradient: Tensor? = nil) -> Gradients {
        backward([(output, gradient ?? Tensor.ones(output.shape))])
    }

    /// Reverse-mode pass from several outputs at once, each with its seed gradient (outputs
    /// that need no gradient are skipped).
    func backward(_ seeds: [(output: Variable, gradient: Tensor)]) -> Gradients {
        var grads = [Tensor?](repeating: nil, count: nodes.count)
        var last = -1
        for (output, seed) in seeds where output.requiresGradient {
            check(output.owner == ObjectIdentifier(self), "backward: the output was recorded on another tape")
            check(seed.shape == output.shape,
                  "backward: seed gradient shape \(seed.shape) differs from output shape \(output.shape)")
            if grads[output.id] == nil { grads[output.id] = seed } else { grads[output.id]! += seed }
            last = Swift.max(last, output.id)
        }
        guard last >= 0 else { return Gradients(storage: grads, owner: ObjectIdentifier(self)) }
        for id in stride(from: last, through: 0, by: -1) {
            let node = nodes[id]
            guard let fn = node.backward, let g = grads[id] else { continue }
            let inputGrads = fn(g)
            for (input, ig) in zip(node.inputs, inputGrads) {
                guard input >= 0, let ig else { continue }
                check(ig.shape == nodes[input].shape,
                      "backward: gradient shape \(ig.shape) differs from value shape \(nodes[input].shape)")
                if grads[input] == nil { grads[input] = ig } else { grads[input]! += ig }
            }
            // free intermediate gradients as soon as they are consumed
            if node.backward != nil { grads[id] = nil }
        }
        return Gradients(storage: grads, owner: ObjectIdentifier(self))
    }
}

/// The gradients produced by ``Tape/backward(_:gradient:)``, looked up by variable.
public struct Gradients: Sendable {
    var storage: [Tensor?]
    /// The tape they came from (lookups with another tape's handles give nil).
    var owner: ObjectIdentifier? = nil

    /// The gradient of `variable` (same shape as its value), or `nil` if none flowed to it.
    public subscript(_ variable: Variable) -> Tensor? {
        guard variable.id >= 0, variable.id < storage.count, variable.owner == owner else { return nil }
        return storage[variable.id]
    }
}
