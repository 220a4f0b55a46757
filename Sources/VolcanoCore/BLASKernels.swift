import CBLAS
import Foundation

/// Which OpenBLAS kernels do the products, and a guard against a known misdetection.
///
/// OpenBLAS built with `DYNAMIC_ARCH` (Debian's and Ubuntu's packages) picks its kernels from
/// the CPU model it recognises; a CPU newer than the library falls back to the oldest x86-64
/// set. Debian 12's OpenBLAS 0.3.21 runs Prescott (SSE3) kernels on Sapphire Rapids, and its
/// sgemm is then 5–6× slower than with the AVX-512 kernels the CPU supports (36 against
/// 206 GFLOP/s measured on 2 cores). The kernels are chosen when the library loads, so the
/// only remedy is the environment variable `OPENBLAS_CORETYPE` set before the process starts.
public enum BLASKernels {
    /// OpenBLAS's kernel set in use (`"Haswell"`, `"SkylakeX"`, `"Prescott"`, ...), or
    /// `"Accelerate"` on macOS.
    public static var coreName: String { String(cString: vssl_blas_core_name()) }

    /// Kernel sets at least as capable as Haswell's (AVX2 + FMA) in OpenBLAS's naming.
    static let modern: Set<String> = ["haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"]

    /// The kernel set to ask for instead of `current`, or nil when `current` is fine:
    /// only when the CPU runs AVX2 + FMA (`cpuBest` non-nil) and `current` is an older set.
    static func replacement(current: String, cpuBest: String?) -> String? {
        guard let cpuBest, !modern.contains(current.lowercased()) else { return nil }
        return cpuBest
    }

    /// Re-executes this program with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to
    /// pre-AVX2 kernels on a CPU that has AVX2/AVX-512. Call first thing in `main`, before any
    /// thread starts. Does nothing on macOS, when `OPENBLAS_CORETYPE` is already set (so the
    /// user can choose, e.g. `OPENBLAS_CORETYPE=Prescott` to keep the detected set), or when
    /// the kernels are already modern. The re-executed process sees the variable set, so this
    /// happens at most once; if the exec fails the program simply goes on as it is.
    public static func reexecWithNativeKernelsIfNeeded() {
        #if os(Linux)
        guard getenv("OPENBLAS_CORETYPE") == nil else { return }
        let best = vssl_cpu_openblas_core().map { String(cString: $0) }
        guard let core = replacement(current: coreName, cpuBest: best) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        unsetenv("OPENBLAS_CORETYPE")   // exec failed: carry on with the detected kernels
        #endif
    }
}
