import Foundation
import Testing
import TestSupport
@testable import VolcanoCore

@Suite struct SeededGeneratorTests {
    @Test func sameSeedSameSequence() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        for _ in 0..<1000 { #expect(a.next() == b.next()) }
        var c = SeededGenerator(seed: 42, stream: 1)
        var d = SeededGenerator(seed: 42)
        #expect((0..<8).map { _ in c.next() } != (0..<8).map { _ in d.next() })
    }

    @Test func uniformAndGaussianMoments() {
        var g = SeededGenerator(seed: 7)
        let n = 200_000
        var su = 0.0, sg = 0.0, sg2 = 0.0
        for _ in 0..<n {
            let u = g.nextDouble()
            #expect(u >= 0 && u < 1)
            su += u
            let z = g.nextGaussian()
            sg += z; sg2 += z * z
        }
        #expect(abs(su / Double(n) - 0.5) < 0.005)
        #expect(abs(sg / Double(n)) < 0.01)
        #expect(abs(sg2 / Double(n) - 1) < 0.02)
    }

    @Test func permutationIsAPermutation() {
        var g = SeededGenerator(seed: 3)
        let p = g.permutation(1000)
        #expect(Set(p).count == 1000 && p.min() == 0 && p.max() == 999)
    }
}

@Suite struct ParallelTests {
    @Test func rangesCoverExactlyOnce() {
        for count in [0, 1, 2, 7, 1000] {
            for chunks in 1...5 where chunks <= max(count, 1) {
                let rs = (0..<chunks).map { Parallel.range(chunk: $0, of: chunks, count: count) }
                #expect(rs.map(\.count).reduce(0, +) == count)
                for i in 1..<rs.count { #expect(rs[i].lowerBound == rs[i - 1].upperBound) }
                for (c, r) in rs.enumerated() { for i in r { #expect(Parallel.chunk(containing: i, of: chunks, count: count) == c) } }
            }
        }
    }

    @Test func forEachVisitsEveryIndex() {
        var out = [Int](repeating: 0, count: 10_000)
        out.withUnsafeMutableBufferPointer { buf in
            Parallel.forEach(10_000) { i in buf[i] = i * 2 }
        }
        #expect(out == (0..<10_000).map { $0 * 2 })
    }

    @Test func forPiecesRunsEachPieceOnce() {
        for threads in [1, 2] {
            for (count, pieces) in [(10_000, 16), (5, 16), (3, 1), (0, 4)] {
                var owner = [Int](repeating: -1, count: count + 1)  // one spare: never empty
                var seen = [Int](repeating: 0, count: max(1, min(pieces, count)))
                owner.withUnsafeMutableBufferPointer { o in
                    seen.withUnsafeMutableBufferPointer { s in
                        let O = UnsafeSendablePointer(o.baseAddress!)
                        let S = UnsafeSendablePointer(s.baseAddress!)
                        Threads.withCount(threads) {
                            Parallel.forPieces(count, pieces: pieces) { c, range in
                                S.p[c] += 1
                                for i in range { O.p[i] = c }
                            }
                        }
                    }
                }
                // every index once, in the piece that `range(chunk:of:count:)` gives it
                let used = max(1, min(pieces, count))
                #expect(owner.dropLast() == (0..<count).map { i in (0..<used).first { Parallel.range(chunk: $0, of: used, count: count).contains(i) }! })
                if count > 0 { #expect(seen.allSatisfy { $0 == 1 }) }
            }
        }
    }
}

@Suite struct NPYTests {
    @Test func roundTripEveryType() throws {
        let dir = Fixtures.temporaryDirectory()
        let f = NPYArray([1.5, -2, 3.25, .pi] as [Float], shape: [2, 2])
        let d = NPYArray([1e300, -0.0, 42] as [Double])
        let i = NPYArray([Int32.min, 0, Int32.max] as [Int32])
        for (k, a) in [f, d, i].enumerated() {
            let u = dir.appendingPathComponent("a\(k).npy")
            try NPY.write(a, to: u)
            #expect(try NPY.read(u) == a)
            let raw = try Data(contentsOf: u)
            let headerEnd = 10 + Int(raw[8]) + Int(raw[9]) << 8
            #expect(headerEnd % 64 == 0)
        }
        #expect(try NPY.read(dir.appendingPathComponent("a0.npy")).floats() == [1.5, -2, 3.25, .pi])
    }

    @Test func bigEndianIsDecoded() throws {
        var header = "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
        for v in [1.0, -2.5] { bytes += withUnsafeBytes(of: v.bitPattern.bigEndian) { Array($0) } }
        #expect(try NPY.decode(Data(bytes)).doubles() == [1.0, -2.5])
    }

    @Test func badFilesAreReportedWithTheirName() throws {
        #expect(throws: InputError.self) { try NPY.decode(Data([1, 2, 3]), file: "x.npy") }
        let good = NPY.encode(NPYArray([1, 2, 3, 4] as [Float]))
        do {
            _ = try NPY.decode(good.prefix(good.count - 3), file: "cut.npy")
            Issue.record("a truncated file was accepted")
        } catch let e as InputError {
            #expect(e.description.hasPrefix("cut.npy: "))
            #expect(e.description.contains("truncated"))
        }
    }
}

@Suite struct AtomicFileTests {
    @Test func directoryIsAllOrNothing() throws {
        let dir = Fixtures.temporaryDirectory()
        let out = dir.appendingPathComponent("result")
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try AtomicFile.writeDirectory(out) { staging in
                try AtomicFile.write("half", to: staging.appendingPathComponent("a.txt"))
                throw Boom()
            }
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        try AtomicFile.writeDirectory(out) { try AtomicFile.write("one", to: $0.appendingPathComponent("a.txt")) }
        try AtomicFile.writeDirectory(out) { try AtomicFile.write("two", to: $0.appendingPathComponent("b.txt")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["b.txt"])
    }

    @Test func temporariesOfAKilledWriteGoWithTheNextWrite() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // What a process killed between write and rename leaves: hidden temporaries of a.txt and
        // of the folder run/, next to an unrelated hidden file that must stay.
        for name in [".a.txt.tmp-17", ".a.txt.tmp-4242", ".other.tmp-1", ".run.old-3"] {
            try Data("half".utf8).write(to: dir.appendingPathComponent(name))
        }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(".run.partial-9"), withIntermediateDirectories: true)
        try AtomicFile.write("whole", to: dir.appendingPathComponent("a.txt"))
        try AtomicFile.writeDirectory(dir.appendingPathComponent("run")) { try AtomicFile.write("x", to: $0.appendingPathComponent("x.txt")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == [".other.tmp-1", "a.txt", "run"])
        #expect(try String(contentsOf: dir.appendingPathComponent("a.txt"), encoding: .utf8) == "whole")
    }
}

@Suite struct BLASKernelsTests {
    @Test func onlyPreAVX2KernelsOnAnAVX2CPUAreReplaced() {
        // Debian 12's OpenBLAS on Sapphire Rapids: Prescott kernels on an AVX-512 CPU.
        #expect(BLASKernels.replacement(current: "Prescott", cpuBest: "SkylakeX") == "SkylakeX")
        #expect(BLASKernels.replacement(current: "Nehalem", cpuBest: "Haswell") == "Haswell")
        // Already modern (including AMD's Zen set on an AVX-512 Zen 4), or an old CPU: untouched.
        for current in ["Haswell", "SkylakeX", "Zen", "Cooperlake", "SapphireRapids"] {
            #expect(BLASKernels.replacement(current: current, cpuBest: "SkylakeX") == nil)
        }
        #expect(BLASKernels.replacement(current: "Prescott", cpuBest: nil) == nil)
        #expect(BLASKernels.replacement(current: "Accelerate", cpuBest: nil) == nil)
    }

    @Test func reexecSetsOnlyWhatTheUserLeftUnset() {
        func changes(_ current: String, _ env: [String: String]) -> [String] {
            BLASKernels.environmentChanges(current: current, cpuBest: "SkylakeX") { env[$0] }.map { "\($0.name)=\($0.value)" }
        }
        #expect(changes("Prescott", [:]) == ["OPENBLAS_CORETYPE=SkylakeX", "OPENBLAS_THREAD_TIMEOUT=4"])
        #expect(changes("SkylakeX", [:]) == ["OPENBLAS_THREAD_TIMEOUT=4"])
        // The re-executed process (or a user's choice) has both set: nothing to do, no second exec.
        #expect(changes("SkylakeX", ["OPENBLAS_CORETYPE": "SkylakeX", "OPENBLAS_THREAD_TIMEOUT": "4"]).isEmpty)
        #expect(changes("Prescott", ["OPENBLAS_CORETYPE": "Prescott", "GOTO_THREAD_TIMEOUT": "28"]).isEmpty)
    }

    @Test func aBuildForNewerVectorUnitsStopsWithAMessage() {
        // This test binary runs on the machine it was built for.
        #expect(CPUTarget.available >= CPUTarget.builtFor)
        #expect(CPUTarget.mismatch(builtFor: CPUTarget.builtFor, available: CPUTarget.available) == nil)
        #expect(CPUTarget.mismatch(builtFor: 0, available: 0) == nil)
        #expect(CPUTarget.mismatch(builtFor: 1, available: 2) == nil)
        let m = CPUTarget.mismatch(builtFor: 2, available: 1)
        #expect(m?.contains("AVX-512") == true && m?.contains("VSSL_TARGET_CPU=generic") == true)
        #expect(CPUTarget.mismatch(builtFor: 1, available: 0)?.contains("AVX2 and FMA") == true)
    }
}
