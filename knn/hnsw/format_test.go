package hnsw

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/latentlab/latent/knn"
)

// smallIndex returns the bytes of a small valid index.
func smallIndex(t testing.TB) []byte {
	ix := build(t, clustered(20, 60, 3, 3), Config{M: 3, EfConstruction: 10, Workers: 1, Seed: 2})
	var b bytes.Buffer
	if _, err := ix.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// reseal recomputes the checksum after an edit, so that the structural
// checks (not the checksum) must catch it.
func reseal(b []byte) []byte {
	b = bytes.Clone(b)
	sum := crc32.Checksum(b[:len(b)-4], castagnoli)
	binary.LittleEndian.PutUint32(b[len(b)-4:], sum)
	return b
}

func put32(b []byte, off int, v uint32) []byte {
	b = bytes.Clone(b)
	binary.LittleEndian.PutUint32(b[off:], v)
	return b
}

func TestReadCorrupt(t *testing.T) {
	good := smallIndex(t)
	n := 60
	l0 := headerSize + n + 4*n*3 // start of the layer-0 links
	// A level-0 node's offset in the levels section, for the layer check.
	var lowNode int
	for i := 0; i < n; i++ {
		if good[headerSize+i] == 0 {
			lowNode = i
			break
		}
	}
	flipped := bytes.Clone(good)
	flipped[l0+20] ^= 0x40
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty file"},
		{"short header", good[:20], "truncated index at byte 20"},
		{"bad magic", append([]byte("NOTHNSW!"), good[8:]...), "bad magic number"},
		{"newer version", reseal(put32(good, 8, 2)), "unsupported index: format version 2"},
		{"bad metric", reseal(put32(good, 12, 9)), "unknown metric 9"},
		{"zero dim", reseal(put32(good, 16, 0)), "dimension 0 outside"},
		{"huge dim", reseal(put32(good, 16, 1<<30)), "dimension 1073741824 outside"},
		{"bad M", reseal(put32(good, 24, 1)), "M=1 outside"},
		{"bad M0", reseal(put32(good, 28, 2)), "layer-0 degree 2 outside"},
		{"entry out of range", reseal(put32(good, 44, 60)), "entry point 60 outside [0,60)"},
		{"truncated body", good[:len(good)-100], "truncated index"},
		{"truncated checksum", good[:len(good)-2], "truncated index"},
		{"flipped byte", flipped, "checksum mismatch"},
		{"neighbour out of range", reseal(put32(good, l0+4, 60)), "invalid neighbour 60 on layer 0"},
		{"self neighbour", reseal(put32(put32(good, l0+4, 0), l0, 1)), "node 0 has an invalid neighbour 0"},
		{"too many neighbours", reseal(put32(good, l0, 7)), "node 0 has 7 neighbours on layer 0, at most 6"},
		{"level above top", reseal(func() []byte { b := bytes.Clone(good); b[headerSize+lowNode] = 30; return b }()), "above the top layer"},
		{"NaN vector", reseal(put32(good, headerSize+n+8, 0x7fc00000)), "vector 0 holds NaN/Inf"},
	}
	for _, c := range cases {
		_, err := Read(bytes.NewReader(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	if _, err := Read(bytes.NewReader(good[:len(good)-9])); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated stream: %v, want io.ErrUnexpectedEOF", err)
	}
	var fe *FormatError
	if _, err := Read(bytes.NewReader(flipped)); !errors.As(err, &fe) {
		t.Errorf("flipped byte: %T, want *FormatError", err)
	}
	var ue *UnsupportedError
	if _, err := Read(bytes.NewReader(reseal(put32(good, 8, 2)))); !errors.As(err, &ue) {
		t.Errorf("newer version: %T, want *UnsupportedError", err)
	}
}

// TestLoadChecksSizeFirst: a header claiming 2^31 vectors in a small file
// fails on the size check, before any allocation.
func TestLoadChecksSizeFirst(t *testing.T) {
	good := smallIndex(t)
	dir := t.TempDir()
	huge := reseal(put32(good, 20, 1<<31-1))
	p := filepath.Join(dir, "huge.hnsw")
	os.WriteFile(p, huge, 0o644)
	_, err := Load(p)
	if err == nil || !strings.Contains(err.Error(), p+": ") || !strings.Contains(err.Error(), "its header describes") {
		t.Errorf("Load: %v", err)
	}
	// The same bytes as a stream: memory grows with the data read.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = Read(bytes.NewReader(huge))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Read: %v, want io.ErrUnexpectedEOF", err)
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > 8<<20 {
		t.Errorf("Read of a lying header allocated %d bytes", a)
	}
	p2 := filepath.Join(dir, "trunc.hnsw")
	os.WriteFile(p2, good[:len(good)-1], 0o644)
	if _, err := Load(p2); err == nil || !strings.Contains(err.Error(), "truncated or corrupt") {
		t.Errorf("Load truncated: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "none.hnsw")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load missing: %v", err)
	}
}

func TestRoundTripBytes(t *testing.T) {
	good := smallIndex(t)
	ix, err := Read(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	n, err := ix.WriteTo(&b)
	if err != nil || n != int64(len(good)) || !bytes.Equal(b.Bytes(), good) {
		t.Fatalf("round trip changed the bytes (n=%d, err=%v)", n, err)
	}
}

// tinyIndex is a 12-node index of 2-d vectors (about 400 bytes): seeds this
// small keep the fuzzer's minimisation of new inputs quick.
func tinyIndex(t testing.TB, m knn.Metric) []byte {
	ix := build(t, clustered(22, 12, 2, 2), Config{M: 2, EfConstruction: 6, Workers: 1, Seed: 3, Metric: m})
	var b bytes.Buffer
	if _, err := ix.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// FuzzRead: no input may panic the reader; what it accepts must search
// without panicking and write back to the same bytes. The committed corpus
// (testdata/fuzz/FuzzRead) holds tiny valid indexes of each metric, an
// empty one and broken variants.
func FuzzRead(f *testing.F) {
	good := tinyIndex(f, knn.Euclidean)
	f.Add(good)
	f.Add(good[:headerSize])
	f.Fuzz(func(t *testing.T, data []byte) {
		ix, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		q := make([]float32, ix.Dim())
		for i := range q {
			q[i] = float32(i + 1)
		}
		if _, _, err := ix.Search(q, min(3, ix.Len()), 5); err != nil && ix.Len() > 0 {
			t.Fatalf("search on an accepted index: %v", err)
		}
		var b bytes.Buffer
		if _, err := ix.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), data[:b.Len()]) {
			t.Fatal("accepted index does not write back to its bytes")
		}
	})
}
