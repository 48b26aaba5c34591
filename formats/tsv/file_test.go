package tsv

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/mat32"
)

// writeFiles creates the files (name → content) in a new directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func rawFloats(v ...float32) string {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return string(b)
}

func gz(s string) string {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(s))
	zw.Close()
	return buf.String()
}

func TestLoadPicksUpMetadata(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"vectors.tsv":          "1\t2\n3\t4\n5\t6\n",
		"metadata.tsv":         "word\tclass\nthe\tdet\ncat\tnoun\nsat\tverb\n",
		"w2v_tensor.tsv":       "1\t2\n",
		"w2v_metadata.tsv":     "hello\n",
		"plain.tsv":            "1\n2\n",
		"vecs.tsv.gz":          gz("1\t2\n3\t4\n"),
		"vecs_metadata.tsv":    "a\nb\n",
		"other/labels.txt":     "x\ny\nz\n",
		"other/no-sibling.tsv": "7\t8\n",
	})
	d, err := Load(filepath.Join(dir, "vectors.tsv"), formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "vectors" || d.Len() != 3 || d.Dim() != 2 || len(d.Meta) != 2 {
		t.Fatalf("got %s %d×%d with %d metadata columns", d.Name, d.Len(), d.Dim(), len(d.Meta))
	}
	if d.Label(1) != "noun" || d.MetaColumn("word").Values[2] != "sat" {
		t.Fatalf("labels %v classes %v, want the class column", d.Labels, d.Classes)
	}
	d, err = Load(filepath.Join(dir, "vectors.tsv"), formats.Options{LabelColumn: "word", MaxRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 2 || d.Label(1) != "cat" || len(d.Meta[0].Values) != 2 {
		t.Fatalf("MaxRows 2 with --label-column word: %d rows, label %q", d.Len(), d.Label(1))
	}
	d, err = Load(filepath.Join(dir, "w2v_tensor.tsv"), formats.Options{})
	if err != nil || d.Label(0) != "hello" {
		t.Fatalf("gensim names: %v, label %q", err, d.Label(0))
	}
	d, err = Load(filepath.Join(dir, "vecs.tsv.gz"), formats.Options{})
	if err != nil || d.Len() != 2 || d.Label(1) != "b" {
		t.Fatalf("gzip vectors with a plain metadata file: %v", err)
	}
	d, err = Load(filepath.Join(dir, "plain.tsv"), formats.Options{})
	if err != nil || d.Labels != nil || d.Meta != nil {
		t.Fatalf("no metadata: %v, labels %v", err, d.Labels)
	}
	d, err = Load(filepath.Join(dir, "other/no-sibling.tsv"), formats.Options{Labels: filepath.Join(dir, "other/labels.txt"), MaxRows: 1})
	if err != nil || d.Label(0) != "x" {
		t.Fatalf("--labels with MaxRows: %v", err)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	d := &dataset.Dataset{Name: "demo", X: mat32.FromSlice(3, 2, []float32{0.1, -2, 3e-8, float32(math.NaN()), 5, 6})}
	d.SetLabels([]string{"cat", "", "dog"})
	d.Meta = []dataset.Column{{Name: "note", Values: []string{"a\tb", "", "c"}}}
	for _, name := range []string{"out.tsv", "vectors.tsv.gz"} {
		p := filepath.Join(dir, name)
		if err := formats.Save(p, d, ""); err != nil {
			t.Fatal(err)
		}
		got, err := formats.Load(p, formats.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range d.X.Data {
			if a, b := d.X.Data[i], got.X.Data[i]; a != b && !(a != a && b != b) {
				t.Fatalf("%s: value %d: %v, want %v", name, i, b, a)
			}
		}
		for i := 0; i < 3; i++ {
			if got.Label(i) != d.Label(i) {
				t.Fatalf("%s: row %d label %q, want %q", name, i, got.Label(i), d.Label(i))
			}
		}
		if c := got.MetaColumn("note"); c == nil || c.Values[0] != "a b" {
			t.Fatalf("%s: note column %v", name, got.Meta)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out_metadata.tsv")); err != nil {
		t.Fatal(err)
	}
}

func TestProjectorRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	d := &dataset.Dataset{Name: "emb", X: mat32.FromSlice(2, 3, []float32{1, 2, 3, 4, 5, 6})}
	d.SetLabels([]string{"b", "a"})
	if err := formats.Save(dir, d, "projector"); err != nil {
		t.Fatal(err)
	}
	f, err := formats.Detect(dir)
	if err != nil || f.Name != "projector" {
		t.Fatalf("Detect(%s) = %v, %v", dir, f.Name, err)
	}
	cfg, err := os.ReadFile(filepath.Join(dir, ConfigName))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"tensorName": "emb"`, `"tensorShape": [`, `"tensorPath": "vectors.tsv"`, `"metadataPath": "metadata.tsv"`} {
		if !strings.Contains(strings.Join(strings.Fields(string(cfg)), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("config lacks %s:\n%s", want, cfg)
		}
	}
	meta, _ := os.ReadFile(filepath.Join(dir, "metadata.tsv"))
	if string(meta) != "b\na\n" {
		t.Fatalf("metadata.tsv = %q, want one column without header", meta)
	}
	for _, p := range []string{dir, filepath.Join(dir, ConfigName)} {
		got, err := formats.Load(p, formats.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "emb" || !reflect.DeepEqual(got.X, d.X) || got.Label(0) != "b" || got.Label(1) != "a" {
			t.Fatalf("got %s %v labels %v %v", got.Name, got.X, got.Labels, got.Classes)
		}
	}
}

func TestLoadProjectorRawTensor(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		ConfigName: `{"embeddings": [{"tensorName": "t", "tensorShape": [3, 2], "tensorPath": "data/t.bytes",
			"metadataPath": "data/m.tsv", "sprite": {"imagePath": "s.png", "singleImageDim": [28, 28]}, "futureField": {"x": 1}}],
			"modelCheckpointPath": "ignored"}`,
		"data/t.bytes": rawFloats(1, 2, 3, 4, 5, float32(math.Inf(-1))),
		"data/m.tsv":   "name\tkind\np\tx\nq\ty\nr\tx\n",
	})
	d, err := LoadProjector(dir, formats.Options{LabelColumn: "kind"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "t" || d.Len() != 3 || d.Dim() != 2 || d.X.At(2, 1) != float32(math.Inf(-1)) || d.SourceType != "float32" {
		t.Fatalf("got %s %v (%s)", d.Name, d.X, d.SourceType)
	}
	if !reflect.DeepEqual(d.Classes, []string{"x", "y"}) || d.Labels[2] != 0 {
		t.Fatalf("labels %v classes %v", d.Labels, d.Classes)
	}
	d, err = LoadProjector(dir, formats.Options{MaxRows: 2})
	if err != nil || d.Len() != 2 || len(d.Meta[0].Values) != 2 {
		t.Fatalf("MaxRows: %v", err)
	}
}

// TestBadInput checks that each malformed input fails with an error that
// names the offending file and the problem.
func TestBadInput(t *testing.T) {
	cfg := func(body string) string { return `{"embeddings": [` + body + `]}` }
	for _, tc := range []struct {
		name   string
		files  map[string]string
		load   string // file or directory to load, relative
		format string
		opt    formats.Options
		want   []string // substrings; "DIR" is replaced by the directory
	}{
		{"empty vectors", map[string]string{"v.tsv": ""}, "v.tsv", "tsv", formats.Options{},
			[]string{"DIR/v.tsv: empty file"}},
		{"blank vectors", map[string]string{"v.tsv": "\n\n"}, "v.tsv", "tsv", formats.Options{},
			[]string{"DIR/v.tsv: no vectors"}},
		{"ragged vectors", map[string]string{"v.tsv": "1\t2\n3\t4\n5\n"}, "v.tsv", "tsv", formats.Options{},
			[]string{"DIR/v.tsv: line 3", "wrong number of fields: 1, want 2"}},
		{"non-numeric vectors", map[string]string{"v.tsv": "1\t2\n3\tNA\n"}, "v.tsv", "tsv", formats.Options{},
			[]string{"DIR/v.tsv: line 2, column 2", `"NA" is not a number`}},
		{"metadata count", map[string]string{"vectors.tsv": "1\n2\n3\n", "metadata.tsv": "a\nb\n"}, "vectors.tsv", "tsv", formats.Options{},
			[]string{"DIR/metadata.tsv has 2 metadata rows but DIR/vectors.tsv has 3 vectors"}},
		{"metadata header in a one-column file", map[string]string{"vectors.tsv": "1\n2\n", "metadata.tsv": "label\na\nb\n"}, "vectors.tsv", "tsv", formats.Options{},
			[]string{"DIR/metadata.tsv has 3 metadata rows but DIR/vectors.tsv has 2 vectors", "no header row"}},
		{"ragged metadata", map[string]string{"vectors.tsv": "1\n2\n", "metadata.tsv": "a\tb\n1\t2\n3\n"}, "vectors.tsv", "tsv", formats.Options{},
			[]string{"DIR/metadata.tsv: line 3", "wrong number of fields"}},
		{"invalid UTF-8 metadata", map[string]string{"vectors.tsv": "1\n", "metadata.tsv": "\xc3\x28\n"}, "vectors.tsv", "tsv", formats.Options{},
			[]string{"DIR/metadata.tsv: line 1", "invalid UTF-8"}},
		{"empty metadata", map[string]string{"vectors.tsv": "1\n", "metadata.tsv": ""}, "vectors.tsv", "tsv", formats.Options{},
			[]string{"DIR/metadata.tsv: empty metadata file"}},
		{"missing label column", map[string]string{"vectors.tsv": "1\n", "metadata.tsv": "a\tb\n1\t2\n"}, "vectors.tsv", "tsv", formats.Options{LabelColumn: "c"},
			[]string{"DIR/metadata.tsv", `no metadata column "c" (columns: "a", "b")`}},
		{"label column without metadata", map[string]string{"v.tsv": "1\n"}, "v.tsv", "tsv", formats.Options{LabelColumn: "c"},
			[]string{"DIR/v.tsv: no metadata file", `label column "c"`}},
		{"missing labels file", map[string]string{"v.tsv": "1\n"}, "v.tsv", "tsv", formats.Options{Labels: "nope.tsv"},
			[]string{"nope.tsv", "no such file"}},
		{"empty config", map[string]string{ConfigName: ""}, ".", "", formats.Options{},
			[]string{"DIR/" + ConfigName + ": empty file"}},
		{"config syntax", map[string]string{ConfigName: "{\n  \"embeddings\": [,]\n}"}, ".", "", formats.Options{},
			[]string{"DIR/" + ConfigName + ": line 2, column 18", "invalid character ','"}},
		{"config not an object", map[string]string{ConfigName: "[1]"}, ".", "", formats.Options{},
			[]string{"DIR/" + ConfigName + ": the file holds a JSON array, want an object"}},
		{"config wrong type", map[string]string{ConfigName: cfg(`{"tensorPath": 5}`)}, ".", "", formats.Options{},
			[]string{"DIR/" + ConfigName + ": embeddings.tensorPath: got a JSON number, want a string"}},
		{"config fractional shape", map[string]string{ConfigName: cfg(`{"tensorShape": [2.5, 3]}`)}, ".", "", formats.Options{},
			[]string{"DIR/" + ConfigName, "embeddings.tensorShape", "want an integer"}},
		{"config shape of three", map[string]string{ConfigName: cfg(`{"tensorShape": [2, 3, 4], "tensorPath": "t"}`)}, ".", "", formats.Options{},
			[]string{"DIR/" + ConfigName + ": embeddings[0].tensorShape: want 2 numbers, got 3"}},
		{"config negative shape", map[string]string{ConfigName: cfg(`{"tensorShape": [-2, 3], "tensorPath": "t"}`)}, ".", "", formats.Options{},
			[]string{"DIR/" + ConfigName + ": embeddings[0].tensorShape: [-2, 3] is not a positive size"}},
		{"config no embeddings", map[string]string{ConfigName: `{"embeddings": []}`}, ".", "", formats.Options{},
			[]string{"DIR/" + ConfigName + ": embeddings: no embeddings"}},
		{"config checkpoint tensor", map[string]string{ConfigName: cfg(`{"tensorName": "w"}`)}, ".", "", formats.Options{},
			[]string{"DIR/" + ConfigName, "no tensor file", "checkpoints are not supported"}},
		{"traversal", map[string]string{"p/" + ConfigName: cfg(`{"tensorShape": [1, 1], "tensorPath": "../secret.bytes"}`), "secret.bytes": rawFloats(1)}, "p", "", formats.Options{},
			[]string{"DIR/p/" + ConfigName, `tensorPath "../secret.bytes" must be a relative path inside DIR/p`}},
		{"hidden traversal", map[string]string{"p/" + ConfigName: cfg(`{"tensorPath": "a/../../v.tsv"}`), "v.tsv": "1\n"}, "p", "", formats.Options{},
			[]string{"DIR/p/" + ConfigName, `"a/../../v.tsv" must be a relative path`}},
		{"absolute path", map[string]string{ConfigName: cfg(`{"tensorPath": "/etc/passwd"}`)}, ".", "", formats.Options{},
			[]string{"DIR/" + ConfigName, `"/etc/passwd" must be a relative path`}},
		{"metadata traversal", map[string]string{ConfigName: cfg(`{"tensorPath": "v.tsv", "metadataPath": "../m.tsv"}`), "v.tsv": "1\n"}, ".", "", formats.Options{},
			[]string{"DIR/" + ConfigName, `metadataPath "../m.tsv" must be a relative path`}},
		{"URL", map[string]string{ConfigName: cfg(`{"tensorPath": "https://example.org/t.bytes"}`)}, ".", "", formats.Options{},
			[]string{"DIR/" + ConfigName, "is a URL"}},
		{"missing tensor file", map[string]string{ConfigName: cfg(`{"tensorShape": [1, 1], "tensorPath": "t.bytes"}`)}, ".", "", formats.Options{},
			[]string{"DIR/" + ConfigName, "DIR/t.bytes: no such file"}},
		{"raw tensor shorter than its shape", map[string]string{ConfigName: cfg(`{"tensorShape": [3, 2], "tensorPath": "t.bytes"}`), "t.bytes": rawFloats(1, 2, 3, 4, 5)}, ".", "", formats.Options{},
			[]string{"DIR/t.bytes: holds 20 bytes, shape [3, 2] needs 24", "unexpected EOF"}},
		{"raw tensor longer than its shape", map[string]string{ConfigName: cfg(`{"tensorShape": [1, 2], "tensorPath": "t.bytes"}`), "t.bytes": rawFloats(1, 2, 3)}, ".", "", formats.Options{},
			[]string{"DIR/t.bytes: holds 12 bytes, shape [1, 2] needs only 8"}},
		{"raw tensor of a huge shape", map[string]string{ConfigName: cfg(`{"tensorShape": [4000000000000, 4000000], "tensorPath": "t.bytes"}`), "t.bytes": rawFloats(1)}, ".", "", formats.Options{},
			[]string{"DIR/t.bytes", "dimension overflow"}},
		{"raw tensor of a large shape", map[string]string{ConfigName: cfg(`{"tensorShape": [100000000, 1000], "tensorPath": "t.bytes"}`), "t.bytes": rawFloats(1)}, ".", "", formats.Options{},
			[]string{"DIR/t.bytes: holds 4 bytes, shape [100000000, 1000] needs 400000000000"}},
		{"raw tensor without shape", map[string]string{ConfigName: cfg(`{"tensorPath": "t.bytes"}`), "t.bytes": rawFloats(1)}, ".", "", formats.Options{},
			[]string{"DIR/" + ConfigName, "raw tensor file needs a shape"}},
		{"tsv tensor disagrees with its shape", map[string]string{ConfigName: cfg(`{"tensorShape": [2, 3], "tensorPath": "v.tsv"}`), "v.tsv": "1\t2\n3\t4\n"}, ".", "", formats.Options{},
			[]string{"DIR/" + ConfigName, "tensorShape is [2, 3] but DIR/v.tsv holds 2×2"}},
		{"tsv tensor ragged", map[string]string{ConfigName: cfg(`{"tensorPath": "v.tsv"}`), "v.tsv": "1\t2\n3\n"}, ".", "", formats.Options{},
			[]string{"DIR/v.tsv: line 2", "wrong number of fields"}},
		{"projector metadata count", map[string]string{ConfigName: cfg(`{"tensorPath": "v.tsv", "metadataPath": "m.tsv"}`), "v.tsv": "1\n2\n", "m.tsv": "a\n"}, ".", "", formats.Options{},
			[]string{"DIR/m.tsv has 1 metadata row but DIR/v.tsv has 2 vectors"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			opt := tc.opt
			opt.Format = tc.format
			if opt.Format == "" {
				opt.Format = "projector"
			}
			if opt.Labels != "" {
				opt.Labels = filepath.Join(dir, opt.Labels)
			}
			_, err := formats.Load(filepath.Join(dir, tc.load), opt)
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			for _, w := range tc.want {
				w = strings.ReplaceAll(w, "DIR", dir)
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestProjectorSymlinkEscape(t *testing.T) {
	outside := writeFiles(t, map[string]string{"secret.tsv": "1\t2\n"})
	dir := writeFiles(t, map[string]string{ConfigName: `{"embeddings": [{"tensorPath": "link.tsv"}]}`})
	if err := os.Symlink(filepath.Join(outside, "secret.tsv"), filepath.Join(dir, "link.tsv")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	_, err := LoadProjector(dir, formats.Options{})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, ConfigName)) {
		t.Fatalf("got %v, want an error for a link that leaves the directory", err)
	}
}

func TestReadTensor(t *testing.T) {
	m, err := ReadTensor(strings.NewReader(rawFloats(1, 2, 3, 4, 5, 6)), 2, 3)
	if err != nil || !reflect.DeepEqual(m.Data, []float32{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("got %v, %v", m, err)
	}
	for _, tc := range []struct {
		in   string
		n, d int
		want string
	}{
		{rawFloats(1, 2, 3), 2, 2, "ends at byte 12, shape [2, 2] needs 16"},
		{rawFloats(1, 2, 3) + "\x00", 2, 2, "ends at byte 13"},
		{rawFloats(1, 2, 3), 1, 2, "more than the 8 bytes"},
		{"", 1 << 40, 1 << 30, "dimension overflow"},
		{"", 0, 3, "not a positive size"},
	} {
		_, err := ReadTensor(strings.NewReader(tc.in), tc.n, tc.d)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadTensor(%d bytes, %d, %d) = %v, want %q", len(tc.in), tc.n, tc.d, err, tc.want)
		}
		if strings.Contains(tc.want, "ends at") && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("short tensor: %v does not wrap io.ErrUnexpectedEOF", err)
		}
	}
}

// TestReadTensorHugeShapeSmallInput checks that a shape promising terabytes
// does not allocate them when the input is short.
func TestReadTensorHugeShapeSmallInput(t *testing.T) {
	var before, after runtimeMem
	before.read()
	_, err := ReadTensor(strings.NewReader(rawFloats(1, 2)), 1<<20, 1<<18)
	after.read()
	if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v, want unexpected EOF", err)
	}
	if grew := after.total - before.total; grew > 16<<20 {
		t.Fatalf("allocated %d bytes for an 8-byte input", grew)
	}
}

func TestMetadataPath(t *testing.T) {
	for in, want := range map[string]string{
		"vectors.tsv":          "metadata.tsv",
		"a/b/vectors.tsv":      "a/b/metadata.tsv",
		"run/my_vectors.tsv":   "run/my_metadata.tsv",
		"model_tensor.tsv":     "model_metadata.tsv",
		"Tensors.TSV":          "metadata.tsv",
		"emb.tsv":              "emb_metadata.tsv",
		"vectors.tsv.gz":       "metadata.tsv.gz",
		"x/points.tsv.gz":      "x/points_metadata.tsv.gz",
		"no-extension":         "no-extension_metadata.tsv",
		"run.v2/embedding.tsv": "run.v2/embedding_metadata.tsv",
	} {
		if got := MetadataPath(filepath.FromSlash(in)); got != filepath.FromSlash(want) {
			t.Errorf("MetadataPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMatch(t *testing.T) {
	dir := writeFiles(t, map[string]string{"p/" + ConfigName: "{}", "q/x.json": `{"embeddings": []}`, "v.tsv": "1\n"})
	for path, want := range map[string]string{
		"v.tsv":           "tsv",
		"p":               "projector",
		"p/" + ConfigName: "projector",
		"q/x.json":        "projector",
	} {
		f, err := formats.Detect(filepath.Join(dir, path))
		if err != nil || f.Name != want {
			t.Errorf("Detect(%s) = %q, %v; want %q", path, f.Name, err, want)
		}
	}
}

type runtimeMem struct{ total uint64 }

func (m *runtimeMem) read() {
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	m.total = s.TotalAlloc
}
