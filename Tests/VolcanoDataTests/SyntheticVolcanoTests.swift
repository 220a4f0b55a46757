import Foundation
import Testing
import TestSupport
import VolcanoCore
@testable import VolcanoData

@Suite("Synthetic volcano: presets, counts, reproducibility, difficulty")
struct SyntheticVolcanoTests {
    @Test("preset class counts are the paper's at full size and exact when scaled")
    func classCounts() {
        #expect(SyntheticPreset.llaimaLike.classCounts(total: 3592) == [304, 1310, 490, 1488])
        // The paper's Colima counts sum to 5935 (its text says 5936) plus 2784 noise segments.
        #expect(SyntheticPreset.colimaLike.classCounts(total: 5935 + 2784) == [1681, 2638, 973, 410, 233, 2784])
        // 800 llaima-like: quotas 67.70, 291.76, 109.13, 331.40 → floors 67, 291, 109, 331; the two
        // leftover events go to the largest remainders (LP .76, VT .70).
        #expect(SyntheticPreset.llaimaLike.classCounts(total: 800) == [68, 292, 109, 331])
        #expect(SyntheticPreset.llaimaLike.classCounts(total: 0) == [0, 0, 0, 0])
        for preset in [SyntheticPreset.llaimaLike, .colimaLike, .etnaLike] {
            let w = preset.classWeights.map { Double($0.1) }
            let sum = w.reduce(0, +)
            for total in [1, 2, 3, 7, 50, 99, 100, 101, 999, 1234, 10_000] {
                let c = preset.classCounts(total: total)
                #expect(c.reduce(0, +) == total)
                for (k, ck) in c.enumerated() { #expect(abs(Double(ck) - Double(total) * w[k] / sum) < 1) }
            }
        }
        let d = SyntheticVolcano(preset: .colimaLike).dataset(events: 120, seed: 3)
        let trueClass = d.events.map { Int($0.quality[d.manifest.qualityColumns.firstIndex(of: "true_class")!]) }
        let expected = SyntheticPreset.colimaLike.classCounts(total: 120)
        #expect((0..<6).map { k in trueClass.filter { $0 == k }.count } == expected)
        #expect(d.manifest.classNames == ["VT", "LP", "TR", "TC", "EXP", "NOISE"])
    }

    @Test("the same seed gives identical bytes, whatever the thread count")
    func identicalBytes() throws {
        let root = Fixtures.temporaryDirectory()
        let volcano = SyntheticVolcano(preset: .llaimaLike)
        try Threads.withCount(1) { try volcano.dataset(events: 90, seed: 42).write(to: root.appendingPathComponent("a")) }
        try Threads.withCount(2) {
            try volcano.dataset(events: 90, seed: 42).write(to: root.appendingPathComponent("b"))
            try volcano.dataset(events: 90, seed: 43).write(to: root.appendingPathComponent("c"))
        }
        for f in ["manifest.json", "events.csv", "waveforms.npy"] {
            let a = try Data(contentsOf: root.appendingPathComponent("a/\(f)"))
            let b = try Data(contentsOf: root.appendingPathComponent("b/\(f)"))
            #expect(a == b, "\(f) differs between runs with the same seed")
        }
        let a = try Data(contentsOf: root.appendingPathComponent("a/waveforms.npy"))
        let c = try Data(contentsOf: root.appendingPathComponent("c/waveforms.npy"))
        #expect(a != c)
        // What was written is a valid Dataset with stratified splits.
        let r = try Dataset.read(from: root.appendingPathComponent("a"))
        #expect(r.shape == [90, 1, 3000])
        #expect(r.manifest.preprocessing.map(\.name) == ["synthesize", "bandpass", "split"])
        #expect(Set(r.events.map(\.split)) == [.train, .validation, .test])
    }

    @Test("etna-like windows are the paper's Etna input: 9 s at 15 Hz after a 0.5–7 Hz band-pass")
    func etnaWindows() throws {
        let d = SyntheticVolcano(preset: .etnaLike).dataset(events: 40, seed: 2)
        #expect(d.shape == [40, 1, 135] && d.manifest.samplingRate == 15)
        #expect(d.manifest.preprocessing.map(\.name) == ["synthesize", "bandpass", "resample", "split"])
        #expect(d.events.allSatisfy { $0.onsetOffset == 3 })
        #expect(d.manifest.classNames == ["LP", "VT", "EXP", "TC"])
        // Quiet before the onset at 3 s, the event after it.
        let pre = (0..<40).map { i in d.waveform(i)[(i * 135)..<(i * 135 + 40)].map { abs($0) }.max()! }
        let post = (0..<40).map { i in d.waveform(i)[(i * 135 + 45)..<(i * 135 + 135)].map { abs($0) }.max()! }
        #expect(zip(pre, post).filter { $0.0 < $0.1 }.count >= 32)
    }

    @Test("realism knobs: mislabelled, overlapping and cut-off fractions follow the preset")
    func realismKnobs() {
        let d = SyntheticVolcano(preset: .colimaLike).dataset(events: 800, seed: 9)
        let q = d.manifest.qualityColumns
        func rate(_ name: String, eventsOnly: Bool = true) -> Double {
            let k = q.firstIndex(of: name)!
            let rows = d.events.filter { !eventsOnly || $0.label != "NOISE" }
            return Double(rows.filter { $0.quality[k] == 1 }.count) / Double(rows.count)
        }
        #expect(abs(rate("mislabelled") - 0.08) < 0.04)
        #expect(abs(rate("overlapping", eventsOnly: false) - 0.12) < 0.05)
        #expect(rate("cut_off") > 0.03)
        let mis = q.firstIndex(of: "mislabelled")!, tc = q.firstIndex(of: "true_class")!
        for e in d.events {
            let trueName = d.manifest.classNames[Int(e.quality[tc])]
            #expect((e.label != trueName) == (e.quality[mis] == 1))
        }
        // Colima-like windows are zero-padded after short events.
        let zeroTails = (0..<d.count).filter { i in
            let w = d.waveform(i)
            return w.suffix(50).allSatisfy { $0 == 0 }
        }
        #expect(zeroTails.count > d.count / 10)
    }

    @Test("difficulty: k-NN on raw max-normalised waveforms is clearly worse than on log power spectra, neither perfect")
    func difficulty() {
        let d = SyntheticVolcano(preset: .llaimaLike).dataset(events: 600, seed: 11)
        let (raw, spectra) = NearestNeighbourBaseline.difficulty(of: d)
        #expect(raw < spectra - 0.2, "raw \(raw) vs spectra \(spectra)")
        #expect(spectra > 0.6 && spectra < 0.95, "spectra \(spectra)")
        #expect(raw < 0.55, "raw \(raw)")
    }

    @Test("k-NN accuracy on a hand-checked toy problem")
    func knnToy() {
        // Two clusters on a line; row 4 (x = 0.9) sits with class 1's points.
        let x: [Float] = [0, 0.1, 0.2, 1, 0.9, 1.1, 1.2]
        let labels = [0, 0, 0, 1, 0, 1, 1]
        let acc = NearestNeighbourBaseline.accuracy(features: x, dimension: 1, labels: labels, train: [0, 1, 2, 3, 5, 6],
                                                    test: [4], k: 3)
        #expect(acc == 0)
        let acc2 = NearestNeighbourBaseline.accuracy(features: x, dimension: 1, labels: labels, train: [0, 2, 3, 6],
                                                     test: [1, 5], k: 1)
        #expect(acc2 == 1)
    }
}
