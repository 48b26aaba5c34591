package tsv

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/latentlab/latent/mat32"
)

// ConfigName is the file name the Projector looks for in a directory.
const ConfigName = "projector_config.json"

// MaxConfigBytes bounds the size of a projector_config.json.
const MaxConfigBytes = 16 << 20

// Config is a projector_config.json: the embeddings a Projector page shows.
// Field names and types follow the Projector's projector_config.proto in
// its JSON form.
type Config struct {
	Embeddings []Embedding `json:"embeddings"`
	// ModelCheckpointPath names a TensorFlow checkpoint; latent does not
	// read checkpoints and keeps the field only to write it back.
	ModelCheckpointPath string `json:"modelCheckpointPath,omitempty"`
}

// Embedding describes one tensor and its metadata. Paths are relative to
// the directory of the config file.
type Embedding struct {
	// TensorName names the embedding in the Projector's menu.
	TensorName string `json:"tensorName,omitempty"`
	// TensorShape is [rows, dims]; it is required for a raw float32
	// tensor file and checked against a .tsv one when given.
	TensorShape []int `json:"tensorShape,omitempty"`
	// TensorPath is a .tsv file, or any other name for raw little-endian
	// float32 values, row after row.
	TensorPath string `json:"tensorPath,omitempty"`
	// MetadataPath is a metadata.tsv with one row per tensor row.
	MetadataPath string `json:"metadataPath,omitempty"`
	// BookmarksPath is a JSON file of saved Projector views; not read.
	BookmarksPath string `json:"bookmarksPath,omitempty"`
	// Sprite holds one thumbnail per row; not read.
	Sprite *Sprite `json:"sprite,omitempty"`
}

// Sprite is a single image made of one thumbnail per row, each
// SingleImageDim = [width, height] pixels.
type Sprite struct {
	// ImagePath is the sprite image, a PNG or JPEG file.
	ImagePath string `json:"imagePath"`
	// SingleImageDim is the size of one thumbnail.
	SingleImageDim []int `json:"singleImageDim,omitempty"`
}

// A ConfigError reports an invalid projector_config.json.
type ConfigError struct {
	// Field locates the problem, e.g. "embeddings[0].tensorShape"; it is
	// empty for a syntax error.
	Field string
	// Line and Column locate a JSON syntax error, 1-based; zero otherwise.
	Line, Column int
	Err          error
}

func (e *ConfigError) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("line %d, column %d: %v", e.Line, e.Column, e.Err)
	case e.Field != "":
		return fmt.Sprintf("%s: %v", e.Field, e.Err)
	}
	return e.Err.Error()
}

func (e *ConfigError) Unwrap() error { return e.Err }

// ReadConfig reads a projector_config.json. Unknown fields are allowed, as
// newer Projectors add some, but known fields must have the right JSON
// types, there must be at least one embedding, and every shape must be two
// positive integers. Paths are checked when they are opened (see
// LoadProjector), not here.
func ReadConfig(r io.Reader) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxConfigBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxConfigBytes {
		return nil, &ConfigError{Err: fmt.Errorf("larger than %d bytes", MaxConfigBytes)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &ConfigError{Err: errors.New("empty file")}
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line, col := lineCol(data, se.Offset)
			return nil, &ConfigError{Line: line, Column: col, Err: err}
		case errors.As(err, &te):
			if te.Field == "" {
				return nil, &ConfigError{Err: fmt.Errorf("the file holds a JSON %s, want an object", te.Value)}
			}
			return nil, &ConfigError{Field: te.Field, Err: fmt.Errorf("got a JSON %s, want %s", te.Value, jsonType(te.Type.Kind().String()))}
		}
		return nil, &ConfigError{Err: err}
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// jsonType names a Go kind the way a JSON author would.
func jsonType(kind string) string {
	switch kind {
	case "int", "int64":
		return "an integer"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct", "ptr":
		return "an object"
	}
	return kind
}

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, max(col, 1)
}

func (c *Config) validate() error {
	if len(c.Embeddings) == 0 {
		return &ConfigError{Field: "embeddings", Err: errors.New("no embeddings")}
	}
	for i := range c.Embeddings {
		e := &c.Embeddings[i]
		field := fmt.Sprintf("embeddings[%d]", i)
		if len(e.TensorShape) == 0 {
			e.TensorShape = nil // [] and a missing shape mean the same
		}
		if e.Sprite != nil && len(e.Sprite.SingleImageDim) == 0 {
			e.Sprite.SingleImageDim = nil
		}
		if len(e.TensorShape) != 0 {
			if _, _, err := shape2(e.TensorShape); err != nil {
				return &ConfigError{Field: field + ".tensorShape", Err: err}
			}
		}
		if e.Sprite != nil && len(e.Sprite.SingleImageDim) != 0 {
			if _, _, err := shape2(e.Sprite.SingleImageDim); err != nil {
				return &ConfigError{Field: field + ".sprite.singleImageDim", Err: err}
			}
		}
	}
	return nil
}

// shape2 checks that s is two positive integers.
func shape2(s []int) (int, int, error) {
	if len(s) != 2 {
		return 0, 0, fmt.Errorf("want 2 numbers, got %d", len(s))
	}
	if s[0] <= 0 || s[1] <= 0 {
		return 0, 0, fmt.Errorf("[%d, %d] is not a positive size", s[0], s[1])
	}
	return s[0], s[1], nil
}

// WriteConfig writes c as indented JSON.
func WriteConfig(w io.Writer, c *Config) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// tensorBytes returns the size of an n×d float32 tensor, or an error if it
// overflows.
func tensorBytes(n, d int) (int64, error) {
	if n <= 0 || d <= 0 {
		return 0, fmt.Errorf("shape [%d, %d] is not a positive size", n, d)
	}
	if int64(n) > math.MaxInt64/4/int64(d) || n > math.MaxInt/d {
		return 0, fmt.Errorf("shape [%d, %d]: dimension overflow", n, d)
	}
	return int64(n) * int64(d) * 4, nil
}

// ReadTensor reads an n×d tensor of little-endian float32 values stored
// row after row, as the Projector's raw tensor files are. The shape is not
// trusted: the matrix grows as bytes arrive, so a short input fails with
// io.ErrUnexpectedEOF (and the byte offset) without a large allocation.
// Bytes beyond n×d values are an error too.
func ReadTensor(r io.Reader, n, d int) (*mat32.Dense, error) {
	return readTensor(r, n, d, n, -1)
}

// readTensor reads the first rows rows of an n×d tensor of size bytes
// (-1: unknown). With a known size the shape is checked against it before
// anything is allocated.
func readTensor(r io.Reader, n, d, rows int, size int64) (*mat32.Dense, error) {
	want, err := tensorBytes(n, d)
	if err != nil {
		return nil, err
	}
	if size >= 0 && size != want {
		if size < want {
			return nil, fmt.Errorf("holds %d bytes, shape [%d, %d] needs %d: %w", size, n, d, want, io.ErrUnexpectedEOF)
		}
		return nil, fmt.Errorf("holds %d bytes, shape [%d, %d] needs only %d", size, n, d, want)
	}
	rows = min(rows, n)
	total := rows * d
	var data []float32
	if size >= 0 {
		data = make([]float32, 0, total)
	}
	buf := make([]byte, min(int64(total)*4, 1<<20))
	var off int64
	for len(data) < total {
		k := min(len(buf), (total-len(data))*4)
		got, err := io.ReadFull(r, buf[:k])
		off += int64(got)
		for i := 0; i+4 <= got; i += 4 {
			data = append(data, math.Float32frombits(binary.LittleEndian.Uint32(buf[i:])))
		}
		if err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, fmt.Errorf("ends at byte %d, shape [%d, %d] needs %d: %w", off, n, d, want, io.ErrUnexpectedEOF)
			}
			return nil, err
		}
	}
	if size < 0 && rows == n {
		var one [1]byte
		if k, _ := io.ReadFull(r, one[:]); k > 0 {
			return nil, fmt.Errorf("more than the %d bytes shape [%d, %d] needs", want, n, d)
		}
	}
	return mat32.FromSlice(rows, d, data), nil
}

// isURL reports whether p looks like a URL rather than a file path.
func isURL(p string) bool {
	i := strings.Index(p, "://")
	return i > 0 && !strings.ContainsAny(p[:i], `/\.`)
}
