import CBLAS
import Foundation

/// The vector instructions this build was compiled for, and a clear stop on a CPU without them.
///
/// `make` compiles for the vector unit of the machine it builds on (`scripts/swift-flags.sh`:
/// LLVM's `skylake-avx512` or `haswell`, as `-march=native`), and defines
/// `VSSL_BUILT_FOR_AVX512` or `VSSL_BUILT_FOR_AVX2` to say so. A binary copied to an older CPU
/// would die on its first illegal instruction; ``exitUnlessSupported()`` stops it first, naming
/// what is missing and how to rebuild.
public enum CPUTarget {
    /// What the build assumed: 2 = AVX-512, 1 = AVX2 + FMA, 0 = any x86-64 (or Arm).
    public static var builtFor: Int {
        #if VSSL_BUILT_FOR_AVX512
        return 2
        #elseif VSSL_BUILT_FOR_AVX2
        return 1
        #else
        return 0
        #endif
    }

    /// What this CPU runs, on the same scale as ``builtFor``.
    public static var available: Int { Int(vssl_cpu_vector_level()) }

    /// The message for a CPU below the build's level, or nil when it can run this build.
    static func mismatch(builtFor: Int, available: Int) -> String? {
        guard available < builtFor else { return nil }
        let names = ["plain x86-64", "AVX2 and FMA", "AVX-512 (F, CD, BW, DQ, VL)"]
        return "this VolcanoSSL build uses \(names[builtFor]) instructions, which this CPU does not have "
            + "(it has \(names[available])). Rebuild on this machine (`make build`), or for any x86-64 CPU "
            + "with VSSL_TARGET_CPU=generic make build."
    }

    /// Exits with status 1 and a message on standard error when this CPU cannot run the build.
    /// Call first thing in `main`.
    public static func exitUnlessSupported() {
        if let message = mismatch(builtFor: builtFor, available: available) {
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            exit(1)
        }
    }
}
