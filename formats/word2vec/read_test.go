package word2vec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func bin(words []string, dim int, vals ...float32) string {
	var b bytes.Buffer
	b.WriteString(strconv.Itoa(len(words)) + " " + strconv.Itoa(dim) + "\n")
	for i, w := range words {
		b.WriteString(w + " ")
		for _, v := range vals[i*dim : (i+1)*dim] {
			binary.Write(&b, binary.LittleEndian, v)
		}
	}
	return b.String()
}

// TestGensimFiles reads files written by gensim 4.2.0's
// KeyedVectors.save_word2vec_format (see testdata/README.md), in both
// encodings, and compares them with each other and with the values gensim
// printed for two of the words.
func TestGensimFiles(t *testing.T) {
	var ds [2]*struct {
		binary bool
		words  []string
		data   []float32
	}
	for i, name := range []string{"testdata/gensim.bin", "testdata/gensim.txt"} {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		h, err := ReadHeader(bytes.NewReader(raw))
		if err != nil || h.Rows != 8 || h.Dim != 5 || h.Binary != (i == 0) {
			t.Fatalf("%s: header %+v, %v", name, h, err)
		}
		d, err := Read(bytes.NewReader(raw), ReadOptions{Size: int64(len(raw))})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d.Len() != 8 || d.Dim() != 5 {
			t.Fatalf("%s: %d×%d, want 8×5", name, d.Len(), d.Dim())
		}
		want := []string{"the", "of", "café", "日本", "naïve", "word2vec", "</s>", "x"}
		if !reflect.DeepEqual(d.Classes, want) || !reflect.DeepEqual(d.MetaColumn("word").Values, want) || d.Labels[3] != 3 {
			t.Fatalf("%s: classes %q, labels %v", name, d.Classes, d.Labels)
		}
		ds[i] = &struct {
			binary bool
			words  []string
			data   []float32
		}{h.Binary, d.Classes, d.X.Data}
	}
	if !reflect.DeepEqual(ds[0].data, ds[1].data) {
		t.Fatalf("binary and text files differ:\n%v\n%v", ds[0].data, ds[1].data)
	}
	// Printed by gensim: kv["café"] and kv["日本"].
	ref := map[int][]float64{
		2: {0.879397988319397, 0.7777919173240662, 0.06603069603443146, 1.1272412538528442, 0.46750932931900024},
		3: {-0.8592924475669861, 0.36875078082084656, -0.9588826298713684, 0.8784502744674683, -0.04992591217160225},
	}
	for row, vals := range ref {
		for j, v := range vals {
			if got := ds[0].data[row*5+j]; got != float32(v) {
				t.Errorf("row %d value %d: %v, gensim says %v", row, j, got, v)
			}
		}
	}
	if sub := ds[0].data[7*5+2]; sub != float32(1e-40) {
		t.Errorf("subnormal read as %v", sub)
	}
}

func TestReadText(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		opt   ReadOptions
		words []string
		data  []float32
	}{
		{"plain", "2 3\nthe 1 2 3\nof 4 5 6\n", ReadOptions{}, []string{"the", "of"}, []float32{1, 2, 3, 4, 5, 6}},
		{"fastText trailing spaces, CRLF, no final newline", "2 2 \r\nthe 1 2 \r\nof 3 4 ", ReadOptions{}, []string{"the", "of"}, []float32{1, 2, 3, 4}},
		{"tabs and repeated spaces", "1 2\nw\t1   2\n", ReadOptions{}, []string{"w"}, []float32{1, 2}},
		{"a word with spaces", "2 2\n. . . 1 2\nat name@x.com 3 4\n", ReadOptions{}, []string{". . .", "at name@x.com"}, []float32{1, 2, 3, 4}},
		{"blank lines", "2 1\n\nw 1\n\nv 2\n\n", ReadOptions{}, []string{"w", "v"}, []float32{1, 2}},
		{"NaN and Inf", "1 3\nw NaN -Inf 1e50\n", ReadOptions{}, []string{"w"}, []float32{float32(math.NaN()), float32(math.Inf(-1)), float32(math.Inf(1))}},
		{"max rows", "3 1\na 1\nb 2\nc 3\n", ReadOptions{MaxRows: 2}, []string{"a", "b"}, []float32{1, 2}},
		{"max rows stops before bad rows", "3 1\na 1\nb 2\nc x\n", ReadOptions{MaxRows: 2}, []string{"a", "b"}, []float32{1, 2}},
		{"sized", "2 1\na 1\nb 2\n", ReadOptions{Size: 14}, []string{"a", "b"}, []float32{1, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Read(strings.NewReader(tc.in), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d.MetaColumn("word").Values, tc.words) {
				t.Fatalf("words %q, want %q", d.MetaColumn("word").Values, tc.words)
			}
			if len(d.X.Data) != len(tc.data) {
				t.Fatalf("%d values, want %d", len(d.X.Data), len(tc.data))
			}
			for i, v := range tc.data {
				if g := d.X.Data[i]; g != v && !(g != g && v != v) {
					t.Fatalf("value %d: %v, want %v", i, g, v)
				}
			}
			if d.SourceType != "text" {
				t.Fatalf("source type %q", d.SourceType)
			}
		})
	}
}

func TestDuplicateWordsKeepTheirRows(t *testing.T) {
	d, err := Read(strings.NewReader("4 1\nthe 1\nof 2\nthe 3\nof 4\n"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 4 || !reflect.DeepEqual(d.Classes, []string{"the", "of"}) || !reflect.DeepEqual(d.Labels, []int{0, 1, 0, 1}) {
		t.Fatalf("rows %d, classes %q, labels %v", d.Len(), d.Classes, d.Labels)
	}
	if Duplicates(d) != 2 {
		t.Fatalf("Duplicates = %d, want 2", Duplicates(d))
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestReadBinary(t *testing.T) {
	in := bin([]string{"a", "é"}, 2, 1, 2, 3, float32(math.Inf(1)))
	// The C tool writes a line break after each vector; gensim does not.
	withNL := strings.Replace(in, "é ", "\né ", 1) + "\n"
	for _, s := range []string{in, withNL} {
		d, err := Read(strings.NewReader(s), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(d.Classes, []string{"a", "é"}) || d.X.At(1, 1) != float32(math.Inf(1)) || d.SourceType != "float32" {
			t.Fatalf("got %q %v %s", d.Classes, d.X.Data, d.SourceType)
		}
	}
	d, err := Read(strings.NewReader(in), ReadOptions{MaxRows: 1})
	if err != nil || d.Len() != 1 {
		t.Fatalf("MaxRows 1: %v", err)
	}
}

func TestReadErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		opt  ReadOptions
		want string
		eof  bool // wraps io.ErrUnexpectedEOF
	}{
		{"empty", "", ReadOptions{}, "empty file", false},
		{"header of one number", "3\nw 1\n", ReadOptions{}, `line 1: the header is not "rows dims": "3"`, false},
		{"GloVe line as a header", "the 0.1 0.2\n", ReadOptions{}, `the header is not "rows dims"`, false},
		{"zero rows", "0 5\n", ReadOptions{}, "announces 0×5 vectors", false},
		{"negative", "-1 5\n", ReadOptions{}, `the header is not "rows dims"`, false},
		{"header overflow", "4611686018427387903 4611686018427387903\n", ReadOptions{}, "dimension overflow", false},
		{"fewer rows than announced", "3 2\na 1 2\nb 3 4\n", ReadOptions{}, "the header announces 3 vectors but the file ends after 2", true},
		{"more rows than announced", "1 2\na 1 2\nb 3 4\n", ReadOptions{}, "line 3: more rows than the 1 the header announces", false},
		{"short row", "2 3\na 1 2 3\nb 4 5\n", ReadOptions{}, "line 3: wrong number of values: 2, want 3", false},
		{"very short row", "2 3\na 1 2 3\nb\n", ReadOptions{}, "line 3: wrong number of values: 0, want 3", false},
		{"long row", "2 2\na 1 2\nb 3 4 5\n", ReadOptions{}, "line 3: wrong number of values: more than 2", false},
		{"not a number", "1 2\na 1 x\n", ReadOptions{}, `line 2: value 2: "x" is not a number`, false},
		{"invalid UTF-8 word", "2 1\nok 1\n\xc3\x28 2\n", ReadOptions{}, `line 3: word is not valid UTF-8: "\xc3("`, false},
		{"header larger than a sized input", "1000000 300\nw 1\n", ReadOptions{Size: 16}, "the header announces 1000000×300 vectors, which take at least", true},
		{"binary: invalid UTF-8 word", bin([]string{"ok", "\xff\xfe"}, 1, 1, 2), ReadOptions{}, "record 1 at byte 11: word is not valid UTF-8", false},
		{"binary: truncated vector", bin([]string{"ab", "cd"}, 2, 1, 2, 3, 4)[:20], ReadOptions{}, "record 1 at byte 15: the header announces 2 vectors but the file ends at byte 20", true},
		{"binary: truncated word", bin([]string{"ab", "cd"}, 2, 1, 2, 3, 4)[:18], ReadOptions{}, "record 1 at byte 15: the header announces 2 vectors but the file ends at byte 18", true},
		{"binary: data after the records", bin([]string{"ab"}, 1, 1) + "\nzz", ReadOptions{}, "record 1 at byte 12: data after the 1 vectors the header announces", false},
		{"binary: header larger than a sized input", "100000 300\n" + "w \x00\x00\x80\x3f\x00\x00\x80\x3f", ReadOptions{Size: 21}, "take at least 120200010 bytes as binary; the file has 21", true},
		{"binary: empty word", "1 1\n \x00\x00\x80\x3f", ReadOptions{}, "record 0 at byte 4: empty word", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.in), tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if tc.eof != errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("%v: wraps io.ErrUnexpectedEOF = %v, want %v", err, !tc.eof, tc.eof)
			}
		})
	}
}

// TestHugeHeaderDoesNotAllocate checks that a header announcing terabytes,
// followed by little data, fails without allocating much, whether or not
// the input size is known.
func TestHugeHeaderDoesNotAllocate(t *testing.T) {
	for _, in := range []string{
		"1000000000 1000000\nw 1 2\n",
		"1000000000 1000000\nw \x00\x00\x80\x3f\x00\x00\x80\x3f",
		"1 1000000000\nw 1 2\n",
		"1 1000000000\nw \x00\x00\x80\x3f\x00\x00\x80\x3f",
	} {
		for _, size := range []int64{0, int64(len(in))} {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Read(strings.NewReader(in), ReadOptions{Size: size})
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("no error")
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
				t.Fatalf("size %d: allocated %d bytes for a %d-byte input (%v)", size, grew, len(in), err)
			}
		}
	}
}

func TestReadGloVe(t *testing.T) {
	d, err := ReadGloVe(strings.NewReader("\nthe 0.418 0.24968 -0.41242\n, 0.013441 0.23682 -0.16899\n. . . 1 2 3\n\n"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 3 || d.Dim() != 3 || !reflect.DeepEqual(d.Classes, []string{"the", ",", ". . ."}) || d.X.At(0, 2) != -0.41242 {
		t.Fatalf("got %d×%d %q %v", d.Len(), d.Dim(), d.Classes, d.X.Data)
	}
	d, err = ReadGloVe(strings.NewReader("a 1\nb 2\nc 3\n"), ReadOptions{MaxRows: 2, Size: 12})
	if err != nil || d.Len() != 2 {
		t.Fatalf("MaxRows: %v", err)
	}
	d, err = ReadGloVe(strings.NewReader("a 1\nb 2\n"), ReadOptions{MaxRows: 1})
	if err != nil || d.Len() != 1 {
		t.Fatalf("MaxRows 1: %v", err)
	}
	for in, want := range map[string]string{
		"":                   "empty file",
		"\n \n":              "empty file",
		"400000 50\nthe 1\n": "line 1: \"400000 50\" is a word2vec header, not a GloVe line; read the file as word2vec",
		"word\n":             "line 1: wrong number of values: a word and no values",
		"a 1 2\nb 1\n":       "line 2: wrong number of values: 1, want 2",
		"a 1 2\nb 1 2 3\n":   "line 2: wrong number of values: more than 2",
		"a 1 2\nb x 2\n":     `line 2: value 1: "x" is not a number`,
		"a 1 2\n\xffb 1 2\n": "line 2: word is not valid UTF-8",
		"\xff 1\n":           "line 1: word is not valid UTF-8",
	} {
		if _, err := ReadGloVe(strings.NewReader(in), ReadOptions{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadGloVe(%q) = %v, want %q", in, err, want)
		}
	}
}

// TestTextChunks reads text cut into chunks of a few bytes (and so across
// many goroutines) and checks that rows, errors and line numbers are those
// of the whole.
func TestTextChunks(t *testing.T) {
	var good strings.Builder
	good.WriteString("300 3\n")
	for i := 0; i < 300; i++ {
		good.WriteString("w" + strconv.Itoa(i) + " " + strconv.Itoa(i) + " 0.5 -1\n")
		if i%7 == 0 {
			good.WriteString("\n")
		}
	}
	long := "1 20000\nlong" + strings.Repeat(" 1.25", 20000) + "\n"
	bad := strings.Replace(good.String(), "w250 250 0.5", "w250 250 oops", 1)
	extra := good.String() + "w300 1 2 3\n"
	saved := chunkBytes
	defer func() { chunkBytes = saved }()
	before := runtime.NumGoroutine()
	defer func() {
		// Every read, failed or cut short, must have stopped its goroutines.
		if after := runtime.NumGoroutine(); after > before {
			t.Errorf("%d goroutines before the reads, %d after", before, after)
		}
	}()
	for _, size := range []int{1 << 20, 64, 5, 1} {
		chunkBytes = size
		d, err := Read(strings.NewReader(good.String()), ReadOptions{})
		if err != nil || d.Len() != 300 || d.X.At(299, 0) != 299 || d.Label(123) != "w123" {
			t.Fatalf("chunks of %d: %v", size, err)
		}
		d, err = Read(strings.NewReader(good.String()), ReadOptions{MaxRows: 201})
		if err != nil || d.Len() != 201 {
			t.Fatalf("chunks of %d, MaxRows 201: %v", size, err)
		}
		d, err = Read(strings.NewReader(long), ReadOptions{})
		if err != nil || d.Dim() != 20000 || d.X.At(0, 19999) != 1.25 {
			t.Fatalf("chunks of %d, a long line: %v", size, err)
		}
		// Line 1 is the header; row i is on line 2+i plus the blank lines
		// after every seventh row before it.
		wantLine := 2 + 250 + 250/7 + 1
		if _, err := Read(strings.NewReader(bad), ReadOptions{}); err == nil || !strings.Contains(err.Error(), "line "+strconv.Itoa(wantLine)+": value 2") {
			t.Fatalf("chunks of %d: got %v, want an error on line %d", size, err, wantLine)
		}
		if _, err := Read(strings.NewReader(bad), ReadOptions{MaxRows: 250}); err != nil {
			t.Fatalf("chunks of %d: MaxRows before the bad line: %v", size, err)
		}
		if _, err := Read(strings.NewReader(extra), ReadOptions{}); err == nil || !strings.Contains(err.Error(), "more rows than the 300") {
			t.Fatalf("chunks of %d: got %v for an extra row", size, err)
		}
	}
}
