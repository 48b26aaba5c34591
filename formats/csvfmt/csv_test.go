package csvfmt

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/mat32"
)

func TestRead(t *testing.T) {
	nan := float32(math.NaN())
	for _, tc := range []struct {
		name    string
		in      string
		opt     ReadOptions
		rows    int
		want    []float32
		labels  []string // per row, nil for none
		meta    []string // metadata column names
		classes []string
	}{
		{"iris-like: numeric columns and a text class",
			"sepal_length,sepal_width,species\n5.1,3.5,setosa\n7.0,3.2,versicolor\n", ReadOptions{},
			2, []float32{5.1, 3.5, 7, 3.2}, nil, []string{"species"}, nil},
		{"a label column by default name",
			"id,label,a,b\nr1,cat,1,2\nr2,dog,3,4\n", ReadOptions{},
			2, []float32{1, 2, 3, 4}, []string{"cat", "dog"}, []string{"id", "label"}, []string{"cat", "dog"}},
		{"numeric labels are not vectors",
			"label,p0,p1\n7,0,255\n2,12,0\n", ReadOptions{},
			2, []float32{0, 255, 12, 0}, []string{"7", "2"}, []string{"label"}, []string{"2", "7"}},
		{"chosen label column",
			"a,b,kind\n1,2,x\n3,4,y\n", ReadOptions{LabelColumn: "kind"},
			2, []float32{1, 2, 3, 4}, []string{"x", "y"}, []string{"kind"}, nil},
		{"label column by index",
			"a,b,c\n1,2,3\n4,5,6\n", ReadOptions{LabelColumn: "0"},
			2, []float32{2, 3, 5, 6}, []string{"1", "4"}, []string{"a"}, nil},
		{"no label column",
			"label,a\n1,2\n3,4\n", ReadOptions{LabelColumn: "-"},
			2, []float32{1, 2, 3, 4}, nil, nil, nil},
		{"chosen vector columns, in the order given",
			"a,b,c,d\n1,2,3,4\n5,6,7,8\n", ReadOptions{Columns: "d,1-2"},
			2, []float32{4, 2, 3, 8, 6, 7}, nil, []string{"a"}, nil},
		{"a label column chosen as a vector column is a vector column",
			"label,a\n1,2\n3,4\n", ReadOptions{Columns: "0-"},
			2, []float32{1, 2, 3, 4}, nil, nil, nil},
		{"semicolons",
			"a;b;name\n1.5;2;x\n3;4;y\n", ReadOptions{},
			2, []float32{1.5, 2, 3, 4}, nil, []string{"name"}, nil},
		{"quotes, BOM, CRLF, a blank line",
			"\xef\xbb\xbfa,b,\"note, with comma\"\r\n1,2,\"he said \"\"hi\"\"\"\r\n\r\n3,4,\"two\nlines\"\r\n", ReadOptions{},
			2, []float32{1, 2, 3, 4}, nil, []string{"note, with comma"}, nil},
		{"empty cells are NaN; NaN and Inf parse",
			"a,b\n1,\n,NaN\n-Inf,1e50\n", ReadOptions{},
			3, []float32{1, nan, nan, nan, float32(math.Inf(-1)), float32(math.Inf(1))}, nil, nil, nil},
		{"spaces around numbers",
			"a,b\n 1 , 2\n3,4\n", ReadOptions{},
			2, []float32{1, 2, 3, 4}, nil, nil, nil},
		{"pandas index columns are not vectors",
			",Unnamed: 0,a\n0,0,1.5\n1,1,2.5\n", ReadOptions{},
			2, []float32{1.5, 2.5}, nil, []string{"", "Unnamed: 0"}, nil},
		{"max rows",
			"a\n1\n2\n3\n", ReadOptions{MaxRows: 2},
			2, []float32{1, 2}, nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Read(strings.NewReader(tc.in), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if d.Len() != tc.rows || len(d.X.Data) != len(tc.want) {
				t.Fatalf("got %d×%d, want %d rows, %d values", d.Len(), d.Dim(), tc.rows, len(tc.want))
			}
			for i, v := range tc.want {
				if g := d.X.Data[i]; g != v && !(g != g && v != v) {
					t.Fatalf("value %d: got %v, want %v", i, g, v)
				}
			}
			if tc.labels == nil {
				if d.Labels != nil {
					t.Fatalf("got labels %v, want none", d.Labels)
				}
			} else {
				for i, l := range tc.labels {
					if d.Label(i) != l {
						t.Fatalf("row %d label %q, want %q", i, d.Label(i), l)
					}
				}
			}
			var names []string
			for _, c := range d.Meta {
				names = append(names, c.Name)
				if len(c.Values) != d.Len() {
					t.Fatalf("metadata %q has %d values", c.Name, len(c.Values))
				}
			}
			if !reflect.DeepEqual(names, tc.meta) {
				t.Fatalf("metadata columns %q, want %q", names, tc.meta)
			}
			if tc.classes != nil && !reflect.DeepEqual(d.Classes, tc.classes) {
				t.Fatalf("classes %q, want %q", d.Classes, tc.classes)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		opt  ReadOptions
		want string
		line int
	}{
		{"ragged row", "a,b,c\n1,2,3\n4,5\n", ReadOptions{}, "line 3: wrong number of fields: 2, the header has 3", 3},
		{"not a number", "a,b\n1,2\n3,x\n", ReadOptions{Columns: "a,b"}, `line 3, column "b": "x" is not a number`, 3},
		{"not a number after the sniffed rows", "a,b\n" + strings.Repeat("1,2\n", SniffRows) + "3,oops\n", ReadOptions{}, `line 1002, column "b": "oops" is not a number`, 1002},
		{"comma decimal", "a;b\n1,5;2\n", ReadOptions{Columns: "0-1"}, `line 2, column "a": "1,5" is not a number`, 2},
		{"missing vector column", "a,b\n1,2\n", ReadOptions{Columns: "a,z"}, `no column "z" (columns: "a", "b")`, 0},
		{"range outside", "a,b\n1,2\n", ReadOptions{Columns: "0-5"}, `column range "0-5" is outside columns 0-1`, 0},
		{"missing label column", "a,b\n1,2\n", ReadOptions{LabelColumn: "class"}, `label column: no column "class"`, 0},
		{"label index outside", "a,b\n1,2\n", ReadOptions{LabelColumn: "7"}, "label column: column 7 is outside columns 0-1", 0},
		{"label among the vectors", "a,b\n1,2\n", ReadOptions{Columns: "a,b", LabelColumn: "b"}, `column "b" is both the label column and a vector column`, 0},
		{"no numeric column", "name,city\nann,paris\n", ReadOptions{}, `no numeric columns among "name", "city"`, 0},
		{"empty", "", ReadOptions{}, "empty file", 0},
		{"header only", "a,b\n", ReadOptions{}, "no rows after the header", 0},
		{"bad quote", "a,b\n1,\"2\n", ReadOptions{}, "extraneous or missing \" in quoted-field", 2},
		{"invalid UTF-8 metadata", "a,name\n1,ok\n2,\xff\n", ReadOptions{}, `line 3, column "name": invalid UTF-8`, 3},
		{"selected twice", "a,b\n1,2\n", ReadOptions{Columns: "a,0"}, `column "a" selected twice`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.in), tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			var pe *ParseError
			if tc.line > 0 && (!errors.As(err, &pe) || pe.Line != tc.line) {
				t.Fatalf("got %#v, want a *ParseError on line %d", err, tc.line)
			}
		})
	}
}

func TestParseColumns(t *testing.T) {
	header := []string{"id", "px0", "px1", "px2", "Label", "2-3"}
	for spec, want := range map[string][]int{
		"1-3":       {1, 2, 3},
		"px0-px2":   {1, 2, 3},
		"px1, id":   {2, 0},
		"3-":        {3, 4, 5},
		"label":     {4},
		"2-3":       {5}, // a name wins over a range
		"0,2-2,px2": {0, 2, 3},
		"5":         {5},
		"PX0-PX1":   {1, 2},
	} {
		got, err := ParseColumns(spec, header)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseColumns(%q) = %v, %v; want %v", spec, got, err, want)
		}
	}
	for spec, want := range map[string]string{
		"":        "empty item",
		"1,,2":    "empty item",
		"6":       `no column "6"`,
		"3-1":     `column range "3-1" is outside`,
		"px2-px0": `column range "px2-px0" is outside`,
		"nope":    `no column "nope"`,
		"-1":      `no column "-1"`,
		"1-2,2":   `column "px1" selected twice`,
	} {
		if _, err := ParseColumns(spec, header); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseColumns(%q) = %v, want %q", spec, err, want)
		}
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	d := &dataset.Dataset{X: mat32.FromSlice(3, 2, []float32{0.1, -2e-30, float32(math.NaN()), float32(math.Inf(1)), 3, math.MaxFloat32})}
	d.SetLabels([]string{"a,b", "", `say "hi"`})
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	want := "label,x0,x1\n\"a,b\",0.1,-2e-30\n,NaN,+Inf\n\"say \"\"hi\"\"\",3,3.4028235e+38\n"
	if buf.String() != want {
		t.Fatalf("wrote %q, want %q", buf.String(), want)
	}
	back, err := Read(&buf, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range d.X.Data {
		if g := back.X.Data[i]; math.Float32bits(g) != math.Float32bits(v) && !(g != g && v != v) {
			t.Fatalf("value %d: %v read back as %v", i, v, g)
		}
	}
	for i := 0; i < 3; i++ {
		if back.Label(i) != d.Label(i) {
			t.Fatalf("row %d: label %q read back as %q", i, d.Label(i), back.Label(i))
		}
	}
}

func TestLoadSave(t *testing.T) {
	dir := t.TempDir()
	d := &dataset.Dataset{X: mat32.FromSlice(2, 3, []float32{1, 2, 3, 4, 5, 6})}
	d.SetLabels([]string{"x", "y"})
	for _, name := range []string{"out.csv", "out.csv.gz"} {
		p := filepath.Join(dir, name)
		if err := formats.Save(p, d, ""); err != nil {
			t.Fatal(err)
		}
		got, err := formats.Load(p, formats.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "out" || !reflect.DeepEqual(got.X, d.X) || got.Label(1) != "y" {
			t.Fatalf("%s: got %s %v labels %v", name, got.Name, got.X, got.Labels)
		}
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "out.csv.gz"))
	if zr, err := gzip.NewReader(bytes.NewReader(raw)); err != nil {
		t.Fatalf("out.csv.gz is not gzip: %v", err)
	} else {
		zr.Close()
	}
	// Labels from a separate file replace those of the CSV.
	lab := filepath.Join(dir, "labels.txt")
	os.WriteFile(lab, []byte("p\nq\n"), 0o644)
	got, err := formats.Load(filepath.Join(dir, "out.csv"), formats.Options{Labels: lab})
	if err != nil || got.Label(0) != "p" || got.Label(1) != "q" {
		t.Fatalf("--labels: %v, labels %v %v", err, got.Labels, got.Classes)
	}
	got, err = formats.Load(filepath.Join(dir, "out.csv"), formats.Options{Labels: lab, MaxRows: 1})
	if err != nil || got.Len() != 1 || got.Label(0) != "p" {
		t.Fatalf("--labels with MaxRows: %v", err)
	}
}

// TestBadInput checks that malformed files fail with an error that names
// the file and the problem.
func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		opt     formats.Options
		want    string
	}{
		{"empty", "", formats.Options{}, "empty file"},
		{"ragged", "a,b\n1,2\n3\n", formats.Options{}, "line 3: wrong number of fields"},
		{"non-numeric", "a,b\n1,2\n3,n/a\n", formats.Options{Columns: "a,b"}, `line 3, column "b": "n/a" is not a number`},
		{"missing column", "a,b\n1,2\n", formats.Options{Columns: "c"}, `no column "c"`},
		{"missing label column", "a,b\n1,2\n", formats.Options{LabelColumn: "y"}, `label column: no column "y"`},
		{"labels file count", "a\n1\n2\n", formats.Options{Labels: "LABELS"}, "has 3 metadata rows but"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "data.csv")
			os.WriteFile(p, []byte(tc.content), 0o644)
			if tc.opt.Labels == "LABELS" {
				tc.opt.Labels = filepath.Join(dir, "labels.txt")
				os.WriteFile(tc.opt.Labels, []byte("a\nb\nc\n"), 0o644)
			}
			_, err := formats.Load(p, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("got %v, want an error naming %s and containing %q", err, p, tc.want)
			}
			t.Log(err)
		})
	}
}
