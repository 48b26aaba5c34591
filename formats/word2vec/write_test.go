package word2vec

import (
	"bytes"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/mat32"
)

func randomDataset(n, d int) *dataset.Dataset {
	rng := rand.New(rand.NewPCG(7, 8))
	x := mat32.New(n, d)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	x.Data[0] = math.Float32frombits(1) // the smallest subnormal
	words := make([]string, n)
	for i := range words {
		words[i] = string(rune('a'+i%26)) + strings.Repeat("é", i/26)
	}
	return &dataset.Dataset{X: x, Meta: []dataset.Column{{Name: "word", Values: words}}}
}

func TestWriteReadRoundTrip(t *testing.T) {
	d := randomDataset(60, 7)
	for name, tc := range map[string]struct {
		write func(io.Writer, *dataset.Dataset) error
		read  func(io.Reader, ReadOptions) (*dataset.Dataset, error)
	}{
		"text":   {WriteText, Read},
		"binary": {WriteBinary, Read},
		"glove":  {WriteGloVe, ReadGloVe},
	} {
		var buf bytes.Buffer
		if err := tc.write(&buf, d); err != nil {
			t.Fatal(err)
		}
		back, err := tc.read(bytes.NewReader(buf.Bytes()), ReadOptions{Size: int64(buf.Len())})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(back.X, d.X) {
			t.Fatalf("%s: values differ", name)
		}
		if !reflect.DeepEqual(back.MetaColumn("word").Values, d.Meta[0].Values) {
			t.Fatalf("%s: words differ", name)
		}
	}
}

func TestWords(t *testing.T) {
	d := &dataset.Dataset{X: mat32.New(4, 1)}
	if got := Words(d); !reflect.DeepEqual(got, []string{"0", "1", "2", "3"}) {
		t.Fatalf("no labels: %q", got)
	}
	d.SetLabels([]string{"Ankle boot", "", "T-shirt/top", "bad\xffutf8"})
	if got := Words(d); !reflect.DeepEqual(got, []string{"Ankle_boot", "1", "T-shirt/top", "bad\uFFFDutf8"}) {
		t.Fatalf("labels: %q", got)
	}
	d.Meta = []dataset.Column{{Name: "word", Values: []string{"a", "b\tc", " ", "d\ne"}}}
	if got := Words(d); !reflect.DeepEqual(got, []string{"a", "b_c", "2", "d_e"}) {
		t.Fatalf("word column: %q", got)
	}
	var buf bytes.Buffer
	WriteText(&buf, d)
	if !strings.HasPrefix(buf.String(), "4 1\na 0\nb_c 0\n2 0\nd_e 0\n") {
		t.Fatalf("wrote %q", buf.String())
	}
}

func TestLoadSave(t *testing.T) {
	dir := t.TempDir()
	d := randomDataset(30, 4)
	for _, tc := range []struct{ name, format string }{
		{"v.bin", "word2vec"}, {"v.bin.gz", "word2vec"}, {"v.vec", "word2vec"}, {"v.w2v.gz", "word2vec"},
		{"glove.6B.4d.txt", "glove"}, {"v.glove", "glove"},
	} {
		p := filepath.Join(dir, tc.name)
		if err := formats.Save(p, d, ""); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		f, err := formats.Detect(p)
		if err != nil || f.Name != tc.format {
			t.Fatalf("Detect(%s) = %q, %v; want %s", tc.name, f.Name, err, tc.format)
		}
		back, err := formats.Load(p, formats.Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(back.X, d.X) || back.Label(3) != d.Meta[0].Values[3] {
			t.Fatalf("%s: round trip differs", tc.name)
		}
		if strings.HasSuffix(tc.name, ".bin") != (back.SourceType == "float32") && !strings.HasSuffix(tc.name, ".gz") {
			t.Fatalf("%s: source type %s", tc.name, back.SourceType)
		}
	}
	// A metadata file replaces the words as labels; the words stay.
	meta := filepath.Join(dir, "meta.tsv")
	rows := []string{"pos\tfreq"}
	for i := 0; i < 30; i++ {
		rows = append(rows, []string{"noun", "verb"}[i%2]+"\t1")
	}
	os.WriteFile(meta, []byte(strings.Join(rows, "\n")+"\n"), 0o644)
	back, err := formats.Load(filepath.Join(dir, "v.bin"), formats.Options{Labels: meta, LabelColumn: "pos", MaxRows: 5})
	if err != nil {
		t.Fatal(err)
	}
	if back.Len() != 5 || !reflect.DeepEqual(back.Classes, []string{"noun", "verb"}) || back.MetaColumn("word") == nil {
		t.Fatalf("--labels: %d rows, classes %q", back.Len(), back.Classes)
	}
}

// TestBadInput checks that malformed files fail with an error naming the
// file and the problem.
func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, file, content string
		opt                 formats.Options
		want                string
	}{
		{"empty", "e.vec", "", formats.Options{Format: "word2vec"}, "empty file"},
		{"empty glove", "e.txt", "", formats.Options{Format: "glove"}, "empty file"},
		{"ragged", "r.vec", "2 2\na 1 2\nb 3\n", formats.Options{}, "line 3: wrong number of values: 1, want 2"},
		{"non-numeric", "n.vec", "1 2\na 1 y\n", formats.Options{}, `line 2: value 2: "y" is not a number`},
		{"invalid UTF-8 word", "u.vec", "1 1\n\xe2\x82 1\n", formats.Options{}, "line 2: word is not valid UTF-8"},
		{"invalid UTF-8 binary word", "u.bin", "1 1\n\xe2\x82 \x00\x00\x80\x3f", formats.Options{}, "record 0 at byte 4: word is not valid UTF-8"},
		{"fewer rows", "f.vec", "3 1\na 1.000000\n", formats.Options{}, "the header announces 3 vectors but the file ends after 1"},
		{"huge header", "h.bin", "50000000 300\nw \x00\x00\x80\x3f", formats.Options{Format: "word2vec"}, "the header announces 50000000×300 vectors, which take at least"},
		{"label column", "l.vec", "1 1\na 1\n", formats.Options{LabelColumn: "pos"}, `no column "pos"`},
		{"glove given a header", "g.txt", "2 1\na 1\nb 2\n", formats.Options{Format: "glove"}, "is a word2vec header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tc.file)
			os.WriteFile(p, []byte(tc.content), 0o644)
			_, err := formats.Load(p, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("got %v, want an error naming %s and containing %q", err, p, tc.want)
			}
			t.Log(err)
		})
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		name, head string
		want       string
	}{
		{"x.bin", "3 300\nthe ", "word2vec"},
		{"x.txt", "400000 100\nthe 0.1", "word2vec"},
		{"wiki.en.vec", "2519370 300\n, 0.1", "word2vec"},
		{"glove.6B.50d.txt", "the 0.418 0.24968 -0.41242 0.1217 0.34527", "glove"},
		{"vectors.txt", "the 0.418 0.24968\nof 1 2\n", "glove"},
	} {
		p := filepath.Join(t.TempDir(), tc.name)
		os.WriteFile(p, []byte(tc.head), 0o644)
		f, err := formats.Detect(p)
		if err != nil || f.Name != tc.want {
			t.Errorf("Detect(%s with %q) = %q, %v; want %s", tc.name, tc.head, f.Name, err, tc.want)
		}
	}
	for _, head := range []string{"hello world\n", "label\n1 2 3\n", "the 0.4\n"} {
		if looksLikeGloVe([]byte(head)) {
			t.Errorf("looksLikeGloVe(%q) = true", head)
		}
	}
}
