// The HDF5 C library (Debian libhdf5-dev, Homebrew hdf5), plus inline helpers for what Swift
// cannot import directly: HDF5's type and property constants are macros over global ids.
// Only functions whose signatures are the same in HDF5 1.10, 1.12 and 1.14 are used.
#ifndef VSSL_CHDF5_SHIM_H
#define VSSL_CHDF5_SHIM_H
#include <hdf5.h>

/// Native double / float memory types (H5T_NATIVE_DOUBLE, H5T_NATIVE_FLOAT).
static inline hid_t vssl_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t vssl_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
/// Default property list and whole-dataspace selection.
static inline hid_t vssl_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t vssl_h5s_all(void) { return H5S_ALL; }
/// Stops HDF5 from printing its error stack to standard error (errors are reported by the caller).
/// Also keeps HDF5 from registering its exit-time shutdown (it must be the process's first HDF5
/// call for that): HDF5 1.10 can leave internal state behind after refusing a corrupt file,
/// and its atexit handler then prints "infinite loop closing library" after our output.
static inline void vssl_h5_silence(void) {
    static int first = 1;
    if (first) { first = 0; H5dont_atexit(); }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}
/// Opens a file read-only; negative on failure.
static inline hid_t vssl_h5_open_readonly(const char *path) { return H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); }
/// 1 if the object at `name` (relative to `loc`) is a dataset, 2 if a group, 0 otherwise, negative on error.
static inline int vssl_h5_object_kind(hid_t loc, const char *name) {
    hid_t o = H5Oopen(loc, name, H5P_DEFAULT);
    if (o < 0) return -1;
    H5I_type_t t = H5Iget_type(o);
    H5Oclose(o);
    return t == H5I_DATASET ? 1 : (t == H5I_GROUP ? 2 : 0);
}
/// 1 if the dataset's element type is integer or floating point.
static inline int vssl_h5_is_numeric(hid_t dataset) {
    hid_t t = H5Dget_type(dataset);
    if (t < 0) return 0;
    H5T_class_t c = H5Tget_class(t);
    H5Tclose(t);
    return c == H5T_INTEGER || c == H5T_FLOAT;
}
/// A short name of the dataset's element type, e.g. "float32", "int16"; "other" if not numeric.
static inline const char *vssl_h5_type_name(hid_t dataset) {
    hid_t t = H5Dget_type(dataset);
    if (t < 0) return "other";
    H5T_class_t c = H5Tget_class(t);
    size_t size = H5Tget_size(t);
    H5T_sign_t sign = c == H5T_INTEGER ? H5Tget_sign(t) : H5T_SGN_NONE;
    H5Tclose(t);
    if (c == H5T_FLOAT) return size == 4 ? "float32" : (size == 8 ? "float64" : (size == 2 ? "float16" : "float"));
    if (c == H5T_INTEGER) {
        int u = sign == H5T_SGN_NONE;
        switch (size) {
        case 1: return u ? "uint8" : "int8";
        case 2: return u ? "uint16" : "int16";
        case 4: return u ? "uint32" : "int32";
        case 8: return u ? "uint64" : "int64";
        }
        return "int";
    }
    return "other";
}
/// Reads rows [first, first + count) of the slowest dimension of a dataset of rank `rank`
/// (dimensions `dims`) as doubles into `out`. Returns a negative value on failure.
static inline herr_t vssl_h5_read_rows(hid_t dataset, int rank, const hsize_t *dims, hsize_t first, hsize_t count,
                                       double *out) {
    if (rank < 1 || rank > 32) return -1;
    hsize_t start[32], size[32];
    for (int i = 0; i < rank; i++) { start[i] = 0; size[i] = dims[i]; }
    start[0] = first;
    size[0] = count;
    hid_t file_space = H5Dget_space(dataset);
    if (file_space < 0) return -1;
    herr_t status = H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, size, NULL);
    hid_t mem_space = status < 0 ? -1 : H5Screate_simple(rank, size, NULL);
    if (mem_space >= 0) {
        status = H5Dread(dataset, H5T_NATIVE_DOUBLE, mem_space, file_space, H5P_DEFAULT, out);
        H5Sclose(mem_space);
    } else {
        status = -1;
    }
    H5Sclose(file_space);
    return status;
}
/// Creates (truncating) `path` holding one contiguous float32 dataset `name` of rank `rank`.
/// Returns a negative value on failure. Used by the tests to build HDF5 inputs (h5py-like layout).
static inline herr_t vssl_h5_write_float32(const char *path, const char *name, int rank, const hsize_t *dims,
                                           const float *values) {
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0) return -1;
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t set = space < 0 ? -1 : H5Dcreate2(file, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t status = set < 0 ? -1 : H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
    if (set >= 0) H5Dclose(set);
    if (space >= 0) H5Sclose(space);
    if (H5Fclose(file) < 0) status = -1;
    return status;
}
#endif
