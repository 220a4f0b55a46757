// The C math library (glibc on Linux, Darwin's libm on macOS) under short names, one place for
// the platform imports: every module computes with the same functions ObsPy/NumPy/PyTorch call.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inlinable @inline(__always) public func _cos(_ x: Double) -> Double { cos(x) }
@inlinable @inline(__always) public func _sin(_ x: Double) -> Double { sin(x) }
@inlinable @inline(__always) public func _tan(_ x: Double) -> Double { tan(x) }
@inlinable @inline(__always) public func _atan(_ x: Double) -> Double { atan(x) }
@inlinable @inline(__always) public func _exp(_ x: Double) -> Double { exp(x) }
@inlinable @inline(__always) public func _log(_ x: Double) -> Double { log(x) }
@inlinable @inline(__always) public func _pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
@inlinable @inline(__always) public func _sinh(_ x: Double) -> Double { sinh(x) }
@inlinable @inline(__always) public func _cosh(_ x: Double) -> Double { cosh(x) }
@inlinable @inline(__always) public func _asinh(_ x: Double) -> Double { asinh(x) }
@inlinable @inline(__always) public func _acosh(_ x: Double) -> Double { acosh(x) }

@inlinable @inline(__always) public func _exp(_ x: Float) -> Float { expf(x) }
@inlinable @inline(__always) public func _log(_ x: Float) -> Float { logf(x) }
@inlinable @inline(__always) public func _tanh(_ x: Float) -> Float { tanhf(x) }
@inlinable @inline(__always) public func _erf(_ x: Float) -> Float { erff(x) }
