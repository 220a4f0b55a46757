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

    /// OpenBLAS's worker threads spin (calling `sched_yield`) for 2^28 cycles, about a tenth of a
    /// second, after every multi-threaded call before they sleep. Between the many small
    /// products of a training step they never sleep, and on two cores they take the time slices
    /// our own parallel loops need (a quarter of the CPU time of an Etna TS-TCC step went to
    /// `sched_yield`). 2^4 cycles (OpenBLAS's minimum) lets them sleep at once; a sleeping worker
    /// costs one futex wake-up per multi-threaded call instead.
    static let threadTimeout = "4"

    /// The environment variables to set before OpenBLAS loads, given the current environment
    /// (`getenv`) and kernels: `OPENBLAS_CORETYPE` when the kernels fell back to a pre-AVX2 set
    /// on a CPU that runs AVX2 (see ``replacement(current:cpuBest:)``), and
    /// `OPENBLAS_THREAD_TIMEOUT` (see ``threadTimeout``). A variable the user set is never changed.
    static func environmentChanges(current: String, cpuBest: String?,
                                   getenv: (String) -> String?) -> [(name: String, value: String)] {
        var changes: [(name: String, value: String)] = []
        if getenv("OPENBLAS_CORETYPE") == nil, let core = replacement(current: current, cpuBest: cpuBest) {
            changes.append(("OPENBLAS_CORETYPE", core))
        }
        if getenv("OPENBLAS_THREAD_TIMEOUT") == nil && getenv("GOTO_THREAD_TIMEOUT") == nil {
            changes.append(("OPENBLAS_THREAD_TIMEOUT", threadTimeout))
        }
        return changes
    }

    /// Re-executes this program once with the OpenBLAS settings of
    /// ``environmentChanges(current:cpuBest:getenv:)``, which OpenBLAS reads only when it loads.
    /// Call first thing in `main`, before any thread starts. Does nothing on macOS (Accelerate)
    /// or when nothing needs setting (the re-executed process sees the variables set, so this
    /// happens at most once); if the exec fails the program simply goes on as it is.
    public static func reexecWithTunedOpenBLASIfNeeded() {
        #if os(Linux)
        let best = vssl_cpu_openblas_core().map { String(cString: $0) }
        let changes = environmentChanges(current: coreName, cpuBest: best) { name in
            getenv(name).map { String(cString: $0) }
        }
        guard !changes.isEmpty else { return }
        for c in changes { setenv(c.name, c.value, 1) }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        for c in changes { unsetenv(c.name) }   // exec failed: carry on as we are
        #endif
    }
}
