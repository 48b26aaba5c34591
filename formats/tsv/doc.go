// Package tsv reads and writes the input files of the TensorFlow Embedding
// Projector: vectors.tsv (one vector per line, tab-separated numbers),
// metadata.tsv (labels and other per-row columns) and projector_config.json
// (which names a tensor file — a .tsv or raw little-endian float32 bytes — and
// its metadata). FORMAT.md next to this file is the specification.
//
// It registers two formats with package formats: "tsv", a vectors .tsv file
// with its sibling metadata file picked up by name (see MetadataPath), and
// "projector", a projector_config.json or a directory that holds one. Saving
// as "projector" writes vectors.tsv, metadata.tsv and projector_config.json
// into a directory, ready for projector.tensorflow.org or TensorBoard.
//
// # Invariants
//
// Readers work over an io.Reader and writers over an io.Writer; the
// file-level Load and Save functions add the file names to every error and
// write through a temporary file and a rename. A reader never allocates from
// a number it was told (a tensorShape, a row count) before the input has
// proved it holds that much: raw tensors are checked against the file size
// first, and data of unknown size grows as it is read.
//
// Bad input is returned as an error, never a panic: a *ParseError with the
// 1-based line and field for text, a *CountError when metadata and vectors
// disagree on the number of rows. NaN and ±Inf values (and numbers beyond
// the float32 range, which become ±Inf) are read without complaint; the
// algorithms that cannot use them refuse them later with a count. Caller
// bugs, such as writing metadata columns of different lengths, panic with a
// message that starts with "tsv:".
//
// Numbers are parsed with strconv.ParseFloat on the bytes of each field,
// without a string allocation per field; numbers are written in the shortest
// form that reads back to the same float32, so a write and a read give back
// the same bits.
package tsv
