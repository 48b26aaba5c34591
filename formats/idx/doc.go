// Package idx reads and writes IDX files, the format of MNIST and
// Fashion-MNIST: a big-endian header giving an element type and the
// dimensions, followed by the values in row-major order. Files may be
// gzip-compressed; the readers sniff the gzip magic rather than trusting a
// ".gz" extension. FORMAT.md next to this file describes the layout and what
// the package accepts.
//
// The package registers the format "idx" with package formats. An images
// file (n×h×w or n×h×w×c) loads as a dataset.Dataset whose rows are the
// images, uint8 values scaled to [0,1]; a 1-D file loads as labels. The
// companion labels file (…-images-idx3-ubyte[.gz] → …-labels-idx1-ubyte[.gz])
// is picked up automatically.
//
// Invariants:
//   - Every value comes back as float32, in file order (row-major): element
//     i of item k is at k*per+i. Integer readers (ReadInts) return exact
//     values; int32 values beyond ±2^24 are rounded by the float32 readers.
//   - Nothing is allocated from a header before the header has been checked:
//     dimension products that overflow are refused, a header that claims
//     more data than a file of known size holds fails before any allocation,
//     and for a stream of unknown size (gzip) memory grows with the data
//     actually read, from a bounded first guess.
//   - Invalid input returns a FormatError, valid input this package does not
//     handle an UnsupportedError, and input that ends early an error wrapping
//     io.ErrUnexpectedEOF that gives the byte offset (in the decompressed
//     stream for gzip). Errors from the file helpers start with the path.
//     Caller bugs (data whose length disagrees with the dimensions given to
//     a writer) panic with a message starting "idx:".
//   - NaN and ±Inf values are data, not errors.
//
// Large inputs are decompressed by one goroutine while another converts the
// bytes to float32, so loading is bound by decompression alone; the gzip
// decoder is github.com/klauspost/compress, about 25% faster here than
// compress/gzip.
package idx
