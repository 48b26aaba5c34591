// Package npy reads and writes NumPy .npy files: a magic string, a version,
// a Python-dict header giving the dtype, the memory order and the shape,
// then the raw values. FORMAT.md next to this file describes the layout and
// what the package accepts.
//
// Reading handles float16/32/64, int8/16/32/64, uint8/16/32/64 and bool, in
// either byte order, C or Fortran order, header versions 1.0, 2.0 and 3.0.
// Writing produces little-endian float32 (or int64, for labels) in C order,
// version 1.0 like numpy.save.
// RowReader and RowWriter stream C-order files larger than memory a batch of
// rows at a time.
//
// The package registers the format "npy" with package formats. An array
// loads as a matrix with one row per entry of its first dimension: 1-D as
// n×1, 2-D as n×d, higher dimensions flattened into d. A 3-D array (n,h,w)
// sets the image shape h×w×1 and a 4-D array (n,h,w,c) with c in {1,3,4}
// sets h×w×c; uint8 image arrays are scaled to [0,1] like IDX images, every
// other array keeps its values.
//
// Invariants:
//   - Values come back as float32 in C (row-major) order whatever the file's
//     order; integer readers return exact int64 values.
//   - Nothing is allocated from a header before it is checked: shapes whose
//     product overflows are refused, a file whose length disagrees with its
//     header fails before any allocation, and from a stream of unknown
//     length memory grows with the data actually read.
//   - Invalid input returns a FormatError, valid input this package does not
//     handle (structured or complex dtypes, strings, objects) an
//     UnsupportedError, and input that ends early an error wrapping
//     io.ErrUnexpectedEOF that gives the byte offset. Errors from the file
//     helpers start with the path. Caller bugs (a shape that disagrees with
//     the data, a batch with the wrong number of columns) panic with a
//     message starting "npy:".
//   - NaN and ±Inf values are data, not errors.
//
// Little-endian float32 data, the common case, is read straight into the
// matrix's backing array through a byte view of it, with no conversion pass
// (this relies on a little-endian host; others take the converting path).
package npy
