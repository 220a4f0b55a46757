import VolcanoCore

/// Fourier resampling as ObsPy's `Trace.resample(sampling_rate, window='hann', no_filter=True)`.
///
/// The spectrum is multiplied by a Hann window centred on zero frequency (a gentle low-pass
/// over the original band, 1 at DC, 0 at the old Nyquist), linearly interpolated onto the
/// new frequency grid and transformed back with `num = Int(n · newRate / samplingRate)`
/// samples (truncated, as ObsPy). No anti-alias filter is applied: band-limit first (the
/// Etna chain band-passes 0.5–7 Hz before going to 15 Hz). The start time is unchanged.
/// - Parameters:
///   - x: samples at `samplingRate` (at least 1).
///   - samplingRate: Hz.
///   - newRate: target rate in Hz (any positive value, not necessarily an integer ratio).
///   - hannWindow: `false` = ObsPy `window=None` (plain Fourier interpolation).
/// - Returns: `max(1, Int(n / (samplingRate/newRate)))` samples at `newRate`.
/// - Throws: `InputError` for a non-positive rate or an empty input.
public func resample(_ x: [Double], samplingRate: Double, to newRate: Double, hannWindow: Bool = true) throws -> [Double] {
    guard samplingRate > 0, samplingRate.isFinite, newRate > 0, newRate.isFinite else {
        throw InputError("Resampling needs positive sampling rates, got \(samplingRate) Hz → \(newRate) Hz.")
    }
    guard !x.isEmpty else { throw InputError("Cannot resample an empty trace.") }
    let n = x.count
    let factor = samplingRate / newRate
    var num = Int(Double(n) / factor)
    if num == 0 { num = 1 }
    return _resample(x, samplingRate: samplingRate, newRate: newRate, count: num, hannWindow: hannWindow)
}

/// ObsPy's FFT resampling of `x` to exactly `count` samples.
func _resample(_ x: [Double], samplingRate: Double, newRate: Double, count num: Int, hannWindow: Bool) -> [Double] {
    let n = x.count
    var (xr, xi) = FFT.rfft(x)
    let bins = n / 2 + 1
    xi[0] = 0
    if n % 2 == 0 { xi[bins - 1] = 0 }
    if hannWindow {
        // ifftshift(periodic Hann)[k] = w[(k + n/2) mod n], w[j] = 0.5 − 0.5·cos(2πj/n)
        let h = n / 2
        // Even n: w[k + n/2] = 0.5 − 0.5·cos(2πk/n + π) = 0.5 + 0.5·cos(2πk/n).
        // cos(2πk/n) for k ≤ n/2 is the real-FFT untangling table the plan already holds.
        let table: [Double]? = n % 2 == 0 && n > 2 ? FFT.plan(n / 2).realTwiddles.cos : nil
        xr.withUnsafeMutableBufferPointer { rp in
            xi.withUnsafeMutableBufferPointer { ip in
                let r = rp.baseAddress!, i = ip.baseAddress!
                if let table {
                    table.withUnsafeBufferPointer { cp in
                        let c = cp.baseAddress!
                        for k in 0..<bins {
                            let w = 0.5 + 0.5 * c[k]
                            r[k] *= w
                            i[k] *= w
                        }
                    }
                    return
                }
                Parallel.forRanges(bins, minChunk: 1 << 16) { range in
                    for k in range {
                        let j = (k + h) % n
                        let w = 0.5 - 0.5 * _cos(2 * Double.pi * Double(j) / Double(n))
                        r[k] *= w
                        i[k] *= w
                    }
                }
            }
        }
    }
    let df = 1.0 / (Double(n) * (1.0 / samplingRate))
    let dF = 1.0 / Double(num) * newRate
    let outBins = num / 2 + 1
    var yr = [Double](repeating: 0, count: outBins), yi = [Double](repeating: 0, count: outBins)
    // np.interp(F, f, X): linear, clamped at the ends; F and f both increase.
    var j = 0
    let last = bins - 1
    for k in 0..<outBins {
        let fk = dF * Double(k)
        if last == 0 || fk >= df * Double(last) {
            yr[k] = xr[last]; yi[k] = xi[last]
            continue
        }
        while j + 1 < last && df * Double(j + 1) <= fk { j += 1 }
        let f0 = df * Double(j), f1 = df * Double(j + 1)
        let t = fk - f0
        yr[k] = (xr[j + 1] - xr[j]) / (f1 - f0) * t + xr[j]
        yi[k] = (xi[j + 1] - xi[j]) / (f1 - f0) * t + xi[j]
    }
    yi[0] = 0
    if num % 2 == 0 { yi[outBins - 1] = 0 }
    var y = FFT.irfft(re: yr, im: yi, count: num)
    let scale = Double(num) / Double(n)
    for i in y.indices { y[i] *= scale }
    return y
}
