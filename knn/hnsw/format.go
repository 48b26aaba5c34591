package hnsw

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/internal/atomicfile"
	"github.com/latentlab/latent/knn"
)

// The on-disk format is described in FORMAT.md next to this file.
const (
	magic      = "LTNTHNSW"
	Version    = 1 // the format version this package writes and reads
	headerSize = 64
	maxDim     = 1 << 20
	maxM0      = 4096
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// FormatError reports an index file that is not valid: a bad header, a
// value out of range, a checksum mismatch.
type FormatError struct {
	Offset int64 // byte offset of the problem, -1 when it is not one place
	Msg    string
}

func (e *FormatError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("hnsw: invalid index at byte %d: %s", e.Offset, e.Msg)
	}
	return "hnsw: invalid index: " + e.Msg
}

// UnsupportedError reports a valid index file this build cannot read, such
// as one of a newer format version.
type UnsupportedError struct{ Msg string }

func (e *UnsupportedError) Error() string { return "hnsw: unsupported index: " + e.Msg }

type header struct {
	version, metric, dim, count, m, m0, efC, ef, maxLevel uint32
	entry                                                 int32
	upperWords                                            uint64
}

// size returns the total file size the header implies.
func (h header) size() uint64 {
	n := uint64(h.count)
	return headerSize + n + 4*n*uint64(h.dim) + 4*n*uint64(h.m0+1) + 4*h.upperWords + 4
}

// WriteTo writes the index to w in the format of FORMAT.md. It returns the
// number of bytes written.
func (ix *Index) WriteTo(w io.Writer) (int64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	crc := crc32.New(castagnoli)
	cw := &countWriter{w: io.MultiWriter(w, crc)}
	var upperWords uint64
	for _, u := range ix.upper {
		upperWords += uint64(len(u))
	}
	hb := make([]byte, headerSize)
	copy(hb, magic)
	le := binary.LittleEndian
	le.PutUint32(hb[8:], Version)
	le.PutUint32(hb[12:], uint32(ix.metric))
	le.PutUint32(hb[16:], uint32(ix.dim))
	le.PutUint32(hb[20:], uint32(ix.n))
	le.PutUint32(hb[24:], uint32(ix.m))
	le.PutUint32(hb[28:], uint32(ix.m0))
	le.PutUint32(hb[32:], uint32(ix.efC))
	le.PutUint32(hb[36:], uint32(ix.ef))
	le.PutUint32(hb[40:], uint32(ix.maxLevel))
	le.PutUint32(hb[44:], uint32(ix.entry))
	le.PutUint64(hb[48:], upperWords)
	cw.Write(hb)
	cw.Write(ix.levels)
	buf := make([]byte, 0, 1<<16)
	flush := func() {
		cw.Write(buf)
		buf = buf[:0]
	}
	for _, v := range ix.vecs {
		buf = le.AppendUint32(buf, math.Float32bits(v))
		if len(buf) == cap(buf) {
			flush()
		}
	}
	words := func(s []uint32) {
		for _, v := range s {
			buf = le.AppendUint32(buf, v)
			if len(buf) == cap(buf) {
				flush()
			}
		}
	}
	words(ix.links0)
	for _, u := range ix.upper {
		words(u)
	}
	flush()
	if cw.err != nil {
		return cw.n, cw.err
	}
	var tail [4]byte
	le.PutUint32(tail[:], crc.Sum32())
	n, err := w.Write(tail[:])
	return cw.n + int64(n), err
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

// Save writes the index to path atomically: a reader, a crash or an error
// never leaves a half-written file there.
func (ix *Index) Save(path string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := ix.WriteTo(w)
		return err
	})
}

// Load reads the index file at path. The header is checked against the
// file's size before anything is allocated; errors start with the path.
func Load(path string) (*Index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ix, err := read(bufio.NewReaderSize(f, 1<<20), st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ix, nil
}

// Read reads an index in the format of FORMAT.md from r. Memory grows with
// the data actually read, so a header that claims more than the stream
// holds fails with io.ErrUnexpectedEOF without a large allocation.
func Read(r io.Reader) (*Index, error) { return read(r, -1) }

// decoder reads sections, feeding the checksum and tracking the offset.
type decoder struct {
	r     io.Reader
	crc   hash.Hash32
	off   int64
	known bool // the total size was checked: allocate sections at once
	buf   []byte
}

// chunk is the most a section grows by per read when the size is unknown.
const chunk = 1 << 20

func (d *decoder) read(p []byte) error {
	n, err := io.ReadFull(d.r, p)
	d.crc.Write(p[:n])
	d.off += int64(n)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("hnsw: truncated index at byte %d: %w", d.off, io.ErrUnexpectedEOF)
		}
		return fmt.Errorf("hnsw: reading index at byte %d: %w", d.off, err)
	}
	return nil
}

func (d *decoder) bytes(n uint64) ([]byte, error) {
	var out []byte
	if d.known {
		out = make([]byte, 0, n)
	}
	for rem := n; rem > 0; {
		c := min(rem, chunk)
		l := len(out)
		out = append(out, make([]byte, c)...)
		if err := d.read(out[l:]); err != nil {
			return nil, err
		}
		rem -= c
	}
	return out, nil
}

// words reads n little-endian 32-bit words and passes each chunk to fn.
func (d *decoder) words(n uint64, fn func([]byte)) error {
	for rem := n; rem > 0; {
		c := min(rem, chunk/4)
		if cap(d.buf) < int(4*c) {
			d.buf = make([]byte, 4*c)
		}
		b := d.buf[:4*c]
		if err := d.read(b); err != nil {
			return err
		}
		fn(b)
		rem -= c
	}
	return nil
}

func (d *decoder) uint32s(n uint64) ([]uint32, error) {
	var out []uint32
	if d.known {
		out = make([]uint32, 0, n)
	}
	err := d.words(n, func(b []byte) {
		for i := 0; i < len(b); i += 4 {
			out = append(out, binary.LittleEndian.Uint32(b[i:]))
		}
	})
	return out, err
}

func (d *decoder) float32s(n uint64) ([]float32, error) {
	var out []float32
	if d.known {
		out = make([]float32, 0, n)
	}
	err := d.words(n, func(b []byte) {
		for i := 0; i < len(b); i += 4 {
			out = append(out, math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
		}
	})
	return out, err
}

func read(r io.Reader, size int64) (*Index, error) {
	d := &decoder{r: r, crc: crc32.New(castagnoli)}
	hb := make([]byte, headerSize)
	if err := d.read(hb); err != nil {
		if d.off == 0 {
			return nil, &FormatError{0, "empty file"}
		}
		return nil, err
	}
	if string(hb[:8]) != magic {
		return nil, &FormatError{0, "not an HNSW index (bad magic number)"}
	}
	le := binary.LittleEndian
	h := header{
		version: le.Uint32(hb[8:]), metric: le.Uint32(hb[12:]), dim: le.Uint32(hb[16:]),
		count: le.Uint32(hb[20:]), m: le.Uint32(hb[24:]), m0: le.Uint32(hb[28:]),
		efC: le.Uint32(hb[32:]), ef: le.Uint32(hb[36:]), maxLevel: le.Uint32(hb[40:]),
		entry: int32(le.Uint32(hb[44:])), upperWords: le.Uint64(hb[48:]),
	}
	if h.version != Version {
		return nil, &UnsupportedError{fmt.Sprintf("format version %d (this build reads version %d)", h.version, Version)}
	}
	if err := h.check(); err != nil {
		return nil, err
	}
	if le.Uint64(hb[56:]) != 0 {
		return nil, &FormatError{56, "reserved header bytes are not zero"}
	}
	if size >= 0 {
		if want := h.size(); uint64(size) != want {
			return nil, &FormatError{-1, fmt.Sprintf("file is %d bytes, its header describes %d (truncated or corrupt)", size, want)}
		}
		d.known = true
	}
	n := uint64(h.count)
	levels, err := d.bytes(n)
	if err != nil {
		return nil, err
	}
	vecs, err := d.float32s(n * uint64(h.dim))
	if err != nil {
		return nil, err
	}
	links0, err := d.uint32s(n * uint64(h.m0+1))
	if err != nil {
		return nil, err
	}
	upperFlat, err := d.uint32s(h.upperWords)
	if err != nil {
		return nil, err
	}
	sum := d.crc.Sum32()
	var tail [4]byte
	if err := d.read(tail[:]); err != nil {
		return nil, err
	}
	if got := le.Uint32(tail[:]); got != sum {
		return nil, &FormatError{d.off - 4, fmt.Sprintf("checksum mismatch (stored %08x, computed %08x)", got, sum)}
	}
	ix := &Index{
		dim: int(h.dim), metric: knn.Metric(h.metric), m: int(h.m), m0: int(h.m0),
		efC: int(h.efC), ef: int(h.ef), mult: 1 / math.Log(float64(h.m)),
		rng: dataset.NewRand(uint64(h.count), 1), n: int(n),
		vecs: vecs, levels: levels, links0: links0, locks: make([]uint32, n),
		upper: make([][]uint32, n), entry: h.entry, maxLevel: int(h.maxLevel),
	}
	ix.setBias()
	if err := ix.validate(upperFlat, h); err != nil {
		return nil, err
	}
	return ix, nil
}

func (h header) check() error {
	bad := func(off int64, format string, a ...any) error {
		return &FormatError{off, fmt.Sprintf(format, a...)}
	}
	switch {
	case !knn.Metric(h.metric).Valid():
		return bad(12, "unknown metric %d", h.metric)
	case h.dim == 0 || h.dim > maxDim:
		return bad(16, "dimension %d outside [1,%d]", h.dim, maxDim)
	case h.count > math.MaxInt32:
		return bad(20, "%d vectors, at most %d", h.count, math.MaxInt32)
	case h.m < 2 || h.m > 1024:
		return bad(24, "M=%d outside [2,1024]", h.m)
	case h.m0 < h.m || h.m0 > maxM0:
		return bad(28, "layer-0 degree %d outside [M=%d,%d]", h.m0, h.m, maxM0)
	case h.efC == 0 || h.ef == 0:
		return bad(32, "ef_construction %d and ef %d must be positive", h.efC, h.ef)
	case h.maxLevel > maxLevelCap:
		return bad(40, "top layer %d above %d", h.maxLevel, maxLevelCap)
	case h.count == 0 && (h.entry != -1 || h.maxLevel != 0 || h.upperWords != 0):
		return bad(44, "an empty index with an entry point or upper layers")
	case h.count > 0 && (h.entry < 0 || uint32(h.entry) >= h.count):
		return bad(44, "entry point %d outside [0,%d)", h.entry, h.count)
	case h.upperWords > uint64(h.count)*uint64(h.maxLevel)*uint64(h.m+1):
		return bad(48, "%d upper-layer words for %d vectors of at most %d layers", h.upperWords, h.count, h.maxLevel)
	}
	return nil
}

// validate checks every level, vector and link of a decoded index and
// splits the upper-layer section into per-node lists.
func (ix *Index) validate(upperFlat []uint32, h header) error {
	n := ix.n
	levOff := int64(headerSize)
	vecOff := levOff + int64(n)
	l0Off := vecOff + 4*int64(n)*int64(ix.dim)
	upOff := l0Off + 4*int64(n)*int64(ix.m0+1)
	var words uint64
	for i, l := range ix.levels {
		if int(l) > ix.maxLevel {
			return &FormatError{levOff + int64(i), fmt.Sprintf("node %d on layer %d, above the top layer %d", i, l, ix.maxLevel)}
		}
		words += uint64(l) * uint64(ix.m+1)
	}
	if words != h.upperWords {
		return &FormatError{48, fmt.Sprintf("levels need %d upper-layer words, header says %d", words, h.upperWords)}
	}
	if n > 0 && int(ix.levels[ix.entry]) != ix.maxLevel {
		return &FormatError{44, fmt.Sprintf("entry point %d is on layer %d, not the top layer %d", ix.entry, ix.levels[ix.entry], ix.maxLevel)}
	}
	for i, v := range ix.vecs {
		if v != v || math.IsInf(float64(v), 0) {
			return &FormatError{vecOff + 4*int64(i), fmt.Sprintf("vector %d holds NaN/Inf", i/ix.dim)}
		}
	}
	checkList := func(node uint32, lev int, l []uint32, maxN int, off int64) error {
		c := l[0]
		if int(c) > maxN {
			return &FormatError{off, fmt.Sprintf("node %d has %d neighbours on layer %d, at most %d", node, c, lev, maxN)}
		}
		for j, x := range l[1 : 1+c] {
			if int(x) >= n || x == node || int(ix.levels[x]) < lev {
				return &FormatError{off + 4*int64(1+j), fmt.Sprintf("node %d has an invalid neighbour %d on layer %d", node, x, lev)}
			}
		}
		return nil
	}
	for i := 0; i < n; i++ {
		o := i * (ix.m0 + 1)
		if err := checkList(uint32(i), 0, ix.links0[o:o+ix.m0+1], ix.m0, l0Off+4*int64(o)); err != nil {
			return err
		}
	}
	pos := 0
	for i := 0; i < n; i++ {
		l := int(ix.levels[i])
		if l == 0 {
			continue
		}
		w := l * (ix.m + 1)
		ix.upper[i] = upperFlat[pos : pos+w : pos+w]
		for lev := 1; lev <= l; lev++ {
			o := (lev - 1) * (ix.m + 1)
			if err := checkList(uint32(i), lev, ix.upper[i][o:o+ix.m+1], ix.m, upOff+4*int64(pos+o)); err != nil {
				return err
			}
		}
		pos += w
	}
	return nil
}
