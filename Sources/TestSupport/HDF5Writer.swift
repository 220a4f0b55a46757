import CHDF5
import Foundation

/// Writes HDF5 inputs for tests, laid out as h5py writes them (one contiguous little-endian
/// float32 dataset per file), e.g. stand-ins of the public Llaima release.
public enum HDF5Writer {
    /// Creates `url` (replacing it) holding `values` as dataset `name` of shape `shape`.
    public static func writeFloat32(_ url: URL, dataset name: String, shape: [Int], values: [Float]) throws {
        precondition(shape.reduce(1, *) == values.count, "HDF5Writer: shape \(shape) does not hold \(values.count) values")
        vssl_h5_silence()
        let dims = shape.map { hsize_t($0) }
        let status = values.withUnsafeBufferPointer {
            vssl_h5_write_float32(url.path, name, Int32(shape.count), dims, $0.baseAddress)
        }
        guard status >= 0 else { throw HDF5WriterError(message: "could not write \(url.path)") }
    }
}

public struct HDF5WriterError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
