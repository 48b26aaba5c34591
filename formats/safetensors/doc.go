// Package safetensors reads and writes the safetensors tensor file format
// (an 8-byte little-endian header length, a JSON header, then one byte
// buffer that holds every tensor), the format latent keeps model weights in.
// FORMAT.md next to this file is the specification this package implements.
//
// Files may come from strangers, so the reader is strict and checks every
// number before it uses it: the header length against a 100 MB cap and
// against the input, the header for valid UTF-8 JSON that starts with '{' and
// has no duplicate keys (at any level) and no unknown fields, every dtype
// against the known ones, every shape product × element size against its
// byte span (with overflow checks), and the tensors' data_offsets against
// each other: sorted by offset they must tile the byte buffer exactly, from 0
// to its last byte, with no hole, no overlap and no trailing byte. A file that
// fails any check is a *FormatError (an UnsupportedError for a valid dtype the
// package does not know); a file that ends early wraps io.ErrUnexpectedEOF
// and names the offset. Nothing is allocated from a header value before the
// value has been checked against the input size (ReadFile knows the file
// size; Read over a plain io.Reader grows its buffers only as bytes arrive).
//
// # Invariants
//
//   - Tensor data is little-endian and row-major (C order), as the format
//     requires; Tensor.Data holds exactly Len()×DType.Size() bytes.
//   - File.Tensors are in the order of their data in the file.
//   - Write orders tensors by element size (largest first, so that every
//     tensor starts at an offset aligned to its element size, as the
//     reference writer does) and then by name, pads the header with spaces
//     to a multiple of 8 bytes, and writes the "__metadata__" entry first
//     with sorted keys: the same tensors and metadata always give the same
//     bytes.
//   - F32 round-trips bit for bit. Reading converts the other numeric dtypes
//     to float32 only on request (Tensor.Float32s); File.Float32 refuses a
//     tensor that is not F32.
//
// Caller bugs, such as a tensor built with a shape that does not match its
// data, panic with a message that starts with "safetensors:".
//
// # Model files
//
// WriteModel and ReadModel keep a weights file "name.safetensors" next to a
// JSON config "name.json". Both are written to temporary files and synced
// before either is renamed into place; the config records the SHA-256 of the
// weights file, so ReadModel detects a pair that a crash between the two
// renames (or a hand copy) left mismatched.
//
// # Dataset format
//
// The package also registers the dataset format "safetensors" with package
// formats: a tensor "x" (or "embeddings", or the only tensor with two
// dimensions) holds the rows, an optional integer tensor "labels" the class
// of each row, and "__metadata__" the class names and image shape as JSON.
// FORMAT.md describes the convention.
package safetensors
