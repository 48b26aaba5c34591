// Package csvfmt reads and writes CSV files with a header row: some columns
// hold the vector, one may hold class labels, the rest are kept as metadata.
// FORMAT.md next to this file is the specification. It registers the format
// "csv" with package formats.
//
// # Invariants
//
// Read works over an io.Reader and Write over an io.Writer; Load and Save
// add the file name to every error, and Save writes through a temporary file
// and a rename. The first row is always the header. Fields follow RFC 4180
// as encoding/csv reads them (quotes, doubled quotes, line breaks inside
// quotes); the separator is ',' or ';', chosen from the header line.
//
// Bad input is returned as an error, never a panic: a *ParseError names the
// line and the column (by its header name) for a value that is not a number,
// and the line for a row with a different number of fields than the header.
// An empty cell in a vector column is read as NaN, as pandas does, and NaN
// and ±Inf are not errors at load time; algorithms that cannot use them
// refuse them later with a count.
//
// Rows grow as they are read, so memory follows the input, and metadata
// strings are copied out of encoding/csv's per-row buffer so that a kept
// label does not pin a whole line.
package csvfmt
