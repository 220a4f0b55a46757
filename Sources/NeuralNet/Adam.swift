import Autograd
import VolcanoCore

/// Adam with classic L2 weight decay, exactly as `torch.optim.Adam` (Kingma & Ba, "Adam: A
/// Method for Stochastic Optimization", ICLR 2015).
///
/// For each parameter `w` with gradient `g`, at step `t` (counted per parameter):
/// ```
/// g  = g + weightDecay · w                       // L2 penalty enters the moments (not AdamW)
/// m  = m + (1 − β1)(g − m);   v = β2 v + (1 − β2) g²
/// w  = w − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
/// ```
/// TS-TCC uses `lr` 3e-4 (paper presets 2e-3 … 2.5e-3), betas (0.9, 0.99), ε 1e-8 and
/// weight decay 3e-4 on every parameter. For decoupled decay use ``AdamW``.
public final class Adam: Optimizer {
    public let parameters: [Parameter]
    /// Step size; typical 1e-4 … 1e-2.
    public var learningRate: Double
    /// Decay rates of the first and second moment estimates, in [0, 1).
    public let beta1: Double, beta2: Double
    /// Added to the denominator for numerical stability.
    public let epsilon: Double
    /// L2 penalty coefficient added to the gradient (0 disables it).
    public let weightDecay: Double

    var state: [AdamState]

    /// - Parameters:
    ///   - parameters: what to optimise, e.g. `model.parameters()`.
    ///   - learningRate: step size (PyTorch default 1e-3).
    ///   - betas: moment decay rates (PyTorch default (0.9, 0.999); TS-TCC uses (0.9, 0.99)).
    ///   - epsilon: denominator guard (default 1e-8).
    ///   - weightDecay: classic L2 coefficient (default 0; TS-TCC 3e-4).
    public init(parameters: [Parameter], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                epsilon: Double = 1e-8, weightDecay: Double = 0) {
        check(learningRate >= 0, "Adam: learning rate must be non-negative, got \(learningRate)")
        check((0..<1).contains(betas.0) && (0..<1).contains(betas.1), "Adam: betas must be in [0, 1), got \(betas)")
        check(epsilon >= 0 && weightDecay >= 0, "Adam: epsilon and weight decay must be non-negative")
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = betas.0
        self.beta2 = betas.1
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.state = parameters.map { AdamState(count: $0.value.count) }
    }

    public func step() {
        for (i, p) in parameters.enumerated() {
            guard let g = p.gradient else { continue }
            _adamUpdate(p, gradient: g, state: &state[i], learningRate: learningRate, beta1: beta1, beta2: beta2,
                        epsilon: epsilon, l2: weightDecay, decoupledDecay: 0)
        }
    }
}

/// Per-parameter moment estimates and step count.
struct AdamState {
    var step = 0
    var m: [Float]
    var v: [Float]
    init(count: Int) {
        m = [Float](repeating: 0, count: count)
        v = [Float](repeating: 0, count: count)
    }
}

/// The shared Adam/AdamW update, in float32 with PyTorch's operation order.
func _adamUpdate(_ p: Parameter, gradient g: Tensor, state s: inout AdamState, learningRate lr: Double,
                 beta1: Double, beta2: Double, epsilon: Double, l2: Double, decoupledDecay: Double) {
    check(g.shape == p.value.shape, "Adam: gradient shape \(g.shape) differs from parameter shape \(p.value.shape)")
    s.step += 1
    let t = Double(s.step)
    let bc1 = 1 - pow(beta1, t)
    let bc2Sqrt = (1 - pow(beta2, t)).squareRoot()
    let stepSize = Float(lr / bc1)
    let oneMinusB1 = Float(1 - beta1), b2 = Float(beta2), oneMinusB2 = Float(1 - beta2)
    let wd = Float(l2), decay = Float(1 - lr * decoupledDecay), eps = Float(epsilon), bc2 = Float(bc2Sqrt)
    let applyDecay = decoupledDecay != 0
    let n = g.count
    g.withUnsafeBufferPointer { gp in
        p.value.withUnsafeMutableBufferPointer { wp in
            s.m.withUnsafeMutableBufferPointer { mp in
                s.v.withUnsafeMutableBufferPointer { vp in
                    // Eight parameters at a time (the square root and the divisions dominate; the
                    // last few through a zero-padded vector): the same IEEE operations in the same
                    // order in every lane as one at a time. Blocks of 4096 parameters are shared
                    // among the threads (each update is independent of the others).
                    typealias V = SIMD8<Float>
                    let (wb, gb, mb, vb) = (wp.baseAddress!, gp.baseAddress!, mp.baseAddress!, vp.baseAddress!)
                    Parallel.forRanges((n + 7) / 8, minChunk: 512) { blocks in
                        for block in blocks {
                            let i = block * 8
                            let k = Swift.min(8, n - i)
                            @inline(__always) func load(_ q: UnsafePointer<Float>) -> V {
                                if k == 8 { return UnsafeRawPointer(q + i).loadUnaligned(as: V.self) }
                                var x = V()
                                for l in 0..<k { x[l] = q[i + l] }
                                return x
                            }
                            var w = load(wb), gi = load(gb), m = load(mb), v = load(vb)
                            if applyDecay { w *= decay }
                            if wd != 0 { gi += wd * w }
                            m += oneMinusB1 * (gi - m)
                            v = v * b2 + oneMinusB2 * gi * gi
                            let denom = v.squareRoot() / bc2 + eps
                            w -= stepSize * (m / denom)
                            @inline(__always) func store(_ x: V, _ q: UnsafeMutablePointer<Float>) {
                                if k == 8 { UnsafeMutableRawPointer(q + i).storeBytes(of: x, as: V.self); return }
                                for l in 0..<k { q[i + l] = x[l] }
                            }
                            store(w, wb); store(m, mb); store(v, vb)
                        }
                    }
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
