import Testing
import Autograd
import VolcanoCore

/// ``Tape/branches(_:inputs:_:)``: the same values and gradients as recording everything on one
/// tape, the same bits for one and two threads, side effects in branch order.
@Suite struct BranchesTests {
    /// A parameter-like owner of a leaf.
    final class Weight { let value: Tensor; init(_ v: Tensor) { value = v } }

    /// Branch `i`: `tanh(x_i · W + a)` (i = 0) or `relu(x_i · W) · a` (i = 1), with `W` a keyed
    /// leaf and `a` an input of the main tape; loss `Σ (out₀ ⊙ out₁) + Σ out₁`.
    static func run(branched: Bool, threads: Int) -> (loss: Tensor, dW: Tensor, dA: Tensor, effects: [Int]) {
        var g = SeededGenerator(seed: 11)
        let x = [Tensor.normal([6, 5], using: &g), Tensor.normal([6, 5], using: &g)]
        let w = Weight(Tensor.normal([5, 4], using: &g))
        let aValue = Tensor.normal([4], using: &g)
        var effects: [Int] = []
        return Threads.withCount(threads) {
            let tape = Tape()
            let a = tape.parameter(aValue)
            func branch(_ i: Int, _ t: Tape, _ a: Variable) -> Variable {
                let h = t.matmul(t.constant(x[i]), t.leaf(for: w, value: w.value))
                t.sideEffect { effects.append(i) }
                return i == 0 ? t.tanh(t.add(h, a)) : t.mul(t.relu(h), a)
            }
            let outs: [Variable]
            if branched {
                outs = tape.branches(2, inputs: [a]) { i, t, inputs in [branch(i, t, inputs[0])] }.map { $0[0] }
            } else {
                outs = [branch(0, tape, a), branch(1, tape, a)]
            }
            let loss = tape.add(tape.sum(tape.mul(outs[0], outs[1])), tape.sum(outs[1]))
            let grads = tape.backward(loss)
            return (loss.value, grads[tape.leaf(of: w)!]!, grads[a]!, effects)
        }
    }

    @Test func matchesOneTapeAndIsTheSameBitsForOneAndTwoThreads() {
        let whole = Self.run(branched: false, threads: 1)
        let one = Self.run(branched: true, threads: 1), two = Self.run(branched: true, threads: 2)
        #expect(abs(one.loss.scalar - whole.loss.scalar) <= 1e-5 * abs(whole.loss.scalar))
        for (a, b) in [(one.dW, whole.dW), (one.dA, whole.dA)] {
            #expect(a.shape == b.shape)
            for (u, v) in zip(a.scalars, b.scalars) { #expect(abs(u - v) <= 1e-5 * max(1, abs(v))) }
        }
        #expect(one.loss == two.loss && one.dW == two.dW && one.dA == two.dA)
        #expect(one.effects == [0, 1] && two.effects == [0, 1])
    }

    @Test func inferenceBranchesGiveConstants() {
        let tape = Tape.inference()
        let outs = tape.branches(3) { i, t, _ in [t.constant(Tensor([Float(i)]))] }
        #expect(outs.map { $0[0].value.scalars } == [[0], [1], [2]])
        #expect(outs.allSatisfy { !$0[0].requiresGradient })
    }
}
