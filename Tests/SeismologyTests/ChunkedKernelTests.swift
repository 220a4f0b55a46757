import Testing
import VolcanoCore
@testable import Seismology

/// The multi-chunk (SIMD lanes, all cores) kernels used for long signals must equal the
/// single-pass recursions to rounding, and must not depend on the thread count.
@Test("chunked zero-phase band-pass and recursive STA/LTA equal the single pass on a long signal")
func chunkedKernelsEqualSerial() throws {
    let trace = syntheticStream(minutes: 60, seed: 21, events: 20)     // 360 000 samples at 100 Hz
    let x = trace.samples
    let sos = try Butterworth.bandpass(freqmin: 0.5, freqmax: 7, samplingRate: 100)
    var serial = x
    var s1 = SOSFilter.State(sectionCount: 4), s2 = SOSFilter.State(sectionCount: 4)
    sos.apply(&serial, state: &s1)
    sos.applyReversed(&serial, state: &s2)
    var chunked = x
    #expect(sos._chunkedPasses(&chunked))
    #expect(errorOfMax(chunked, serial) < 1e-12)
    #expect(sos.applyZeroPhase(x) == chunked)
    let (oneThread, cftOne) = try Threads.withCount(1) { (sos.applyZeroPhase(x), try recursiveSTALTA(serial, nsta: 15, nlta: 112)) }
    #expect(oneThread == chunked)
    var state = RecursiveSTALTAState(nsta: 15, nlta: 112)
    var reference: [Double] = []
    state.process(serial, into: &reference)
    let cft = try #require(_recursiveSTALTAChunked(serial, nsta: 15, nlta: 112))
    #expect(errorRelative(cft, reference) < 1e-12)
    #expect(cftOne == cft)
    // Six-section filters (the decimation prefilter) take the generic lane path.
    let cheb = chebyshev2Lowpass(freq: 25, samplingRate: 100)
    var c6 = x
    var z1 = SOSFilter.State(sectionCount: 6), z2 = SOSFilter.State(sectionCount: 6)
    cheb.apply(&c6, state: &z1)
    cheb.applyReversed(&c6, state: &z2)
    #expect(errorOfMax(cheb.applyZeroPhase(x), c6) < 1e-12)
}
