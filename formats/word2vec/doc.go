// Package word2vec reads and writes word vectors in the word2vec text and
// binary formats (also fastText's .vec files) and the GloVe text format.
// Each word becomes a row; FORMAT.md next to this file is the
// specification. It registers the formats "word2vec" (text or binary,
// told apart by the bytes after the header) and "glove" with package
// formats.
//
// # Words become labels
//
// A dataset read here has one class per distinct word, in file order:
// Classes are the words and Labels[i] is the class of row i's word, so for a
// file without repeated words Labels[i] == i. The words are also the
// metadata column "word". A word that appears again keeps its row (rows are
// never dropped, so row i is the i-th vector of the file) and shares the
// class of its first appearance; Duplicates counts such rows.
//
// # Invariants
//
// Readers work over an io.Reader and writers over an io.Writer; Load and
// Save add the file name to every error and Save writes through a temporary
// file and a rename. A header's row and dimension counts are never trusted
// for an allocation: with the input size known (ReadOptions.Size, which
// Load sets for uncompressed files) they are checked against it first,
// and otherwise the matrix grows as rows arrive, so a header that promises
// more than the data holds fails with io.ErrUnexpectedEOF instead of
// allocating. Fewer rows than announced, more rows, ragged rows, values that
// are not numbers and words that are not valid UTF-8 are errors (a
// *ParseError with the line for text, the record index and byte offset for
// binary); nothing panics on bad input. NaN and ±Inf values are read
// without complaint, and numbers beyond the float32 range become ±Inf.
//
// Text is parsed with strconv.ParseFloat on the bytes of each field, without
// a string allocation per field, in chunks of whole lines on all CPUs that
// are merged in file order: the rows, and the error reported for the first
// bad line, do not depend on the number of CPUs.
package word2vec
