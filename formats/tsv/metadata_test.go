package tsv

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

func TestReadMetadata(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		n    int
		want []dataset.Column
	}{
		{"one column, no header", "cat\ndog\ncat\n", 3,
			[]dataset.Column{{Name: "label", Values: []string{"cat", "dog", "cat"}}}},
		{"a one-column first line is a label, whatever it says", "label\ndog\n", 2,
			[]dataset.Column{{Name: "label", Values: []string{"label", "dog"}}}},
		{"header with several columns", "word\tcount\nthe\t10\nof\t7\n", 2,
			[]dataset.Column{{Name: "word", Values: []string{"the", "of"}}, {Name: "count", Values: []string{"10", "7"}}}},
		{"empty line is an empty label", "a\n\nc\n", 3,
			[]dataset.Column{{Name: "label", Values: []string{"a", "", "c"}}}},
		{"empty fields", "a\tb\n\t1\nx\t\n", 2,
			[]dataset.Column{{Name: "a", Values: []string{"", "x"}}, {Name: "b", Values: []string{"1", ""}}}},
		{"blank row in a multi-column file", "a\tb\n1\t2\n\n5\t6\n", 3,
			[]dataset.Column{{Name: "a", Values: []string{"1", "", "5"}}, {Name: "b", Values: []string{"2", "", "6"}}}},
		{"trailing blank lines beyond the count are dropped", "a\nb\n\n\n", 2,
			[]dataset.Column{{Name: "label", Values: []string{"a", "b"}}}},
		{"blank lines skipped when that matches, as the Projector does", "a\n\nb\n\nc\n", 3,
			[]dataset.Column{{Name: "label", Values: []string{"a", "b", "c"}}}},
		{"crlf and bom", "\xef\xbb\xbfx\r\ny\r\n", 2,
			[]dataset.Column{{Name: "label", Values: []string{"x", "y"}}}},
		{"spaces are kept", " a b \n", 1,
			[]dataset.Column{{Name: "label", Values: []string{" a b "}}}},
		{"unknown count keeps every line", "a\n\n", -1,
			[]dataset.Column{{Name: "label", Values: []string{"a", ""}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadMetadata(strings.NewReader(tc.in), tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestReadMetadataErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		n    int
		want string
		line int
	}{
		{"too few rows", "a\nb\n", 3, "2 metadata rows for 3 vectors", 0},
		{"too many rows", "a\nb\nc\nd\n", 3, "4 metadata rows for 3 vectors", 0},
		{"one-column header by mistake", "label\na\nb\n", 2, "a one-column metadata file has no header row", 0},
		{"blank lines counted", "a\n\n\nb\nc\n", 2, "5 metadata rows for 2 vectors (2 of the rows blank)", 0},
		{"header only", "a\tb\n", 1, "0 metadata rows for 1 vector", 0},
		{"ragged row", "a\tb\n1\t2\n3\n", 2, "line 3, column 1: wrong number of fields: 1, want 2", 3},
		{"extra field", "a\tb\n1\t2\t3\n", 1, "line 2, column 3: wrong number of fields: 3, want 2", 2},
		{"tab in a one-column file after the first line", "a\nb\tc\n", 2, "line 2, column 2: wrong number of fields: 2, want 1", 2},
		{"invalid utf-8", "a\tb\nok\t\xff\n", 1, "line 2, column 2: invalid UTF-8", 2},
		{"empty file", "", 0, "empty metadata file", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadMetadata(strings.NewReader(tc.in), tc.n)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			var pe *ParseError
			if tc.line > 0 && (!errors.As(err, &pe) || pe.Line != tc.line) {
				t.Fatalf("got %#v, want a *ParseError on line %d", err, tc.line)
			}
			var ce *CountError
			if tc.line == 0 && tc.n > 0 && !errors.As(err, &ce) {
				t.Fatalf("got %#v, want a *CountError", err)
			}
		})
	}
}

func TestWriteMetadata(t *testing.T) {
	for _, tc := range []struct {
		name string
		cols []dataset.Column
		want string
	}{
		{"one column has no header",
			[]dataset.Column{{Name: "label", Values: []string{"a", "b"}}}, "a\nb\n"},
		{"several columns have one",
			[]dataset.Column{{Name: "w", Values: []string{"a", "b"}}, {Name: "n", Values: []string{"1", ""}}}, "w\tn\na\t1\nb\t\n"},
		{"tabs, newlines and bad UTF-8 are cleaned",
			[]dataset.Column{{Name: "l", Values: []string{"a\tb", "c\r\nd", "\xff"}}}, "a b\nc  d\n\uFFFD\n"},
		{"a blank row brings in an index column",
			[]dataset.Column{{Name: "label", Values: []string{"a", "", " "}}}, "index\tlabel\n0\ta\n1\t\n2\t \n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteMetadata(&buf, tc.cols); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tc.want {
				t.Fatalf("got %q, want %q", buf.String(), tc.want)
			}
			n := len(tc.cols[0].Values)
			back, err := ReadMetadata(&buf, n)
			if err != nil {
				t.Fatalf("reading back: %v", err)
			}
			if len(back[len(back)-1].Values) != n {
				t.Fatalf("read back %d rows, want %d", len(back[0].Values), n)
			}
		})
	}
}

func TestWriteMetadataPanics(t *testing.T) {
	for name, cols := range map[string][]dataset.Column{
		"no columns":      nil,
		"unequal lengths": {{Name: "a", Values: []string{"x"}}, {Name: "b", Values: []string{"x", "y"}}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(r.(string), "tsv: ") {
					t.Fatalf("recovered %v, want a panic starting with \"tsv: \"", r)
				}
			}()
			WriteMetadata(&bytes.Buffer{}, cols)
		})
	}
}

func TestChooseLabels(t *testing.T) {
	mk := func(names ...string) *dataset.Dataset {
		d := &dataset.Dataset{X: mat32.New(2, 1)}
		for i, n := range names {
			d.Meta = append(d.Meta, dataset.Column{Name: n, Values: []string{n + "0", strings.Repeat(n, i+1)}})
		}
		return d
	}
	for _, tc := range []struct {
		names  []string
		choose string
		want   string // the class of row 0, "" for no labels
	}{
		{[]string{"word"}, "", "word0"},
		{[]string{"word", "Class"}, "", "Class0"},
		{[]string{"labels", "label"}, "", "label0"},
		{[]string{"word", "count"}, "", ""},
		{[]string{"word", "count"}, "count", "count0"},
		{[]string{"word", "count"}, "COUNT", "count0"},
		{[]string{"word", "count"}, "1", "count0"},
	} {
		d := mk(tc.names...)
		if err := ChooseLabels(d, tc.choose); err != nil {
			t.Fatalf("%v %q: %v", tc.names, tc.choose, err)
		}
		if got := d.Label(0); got != tc.want || (tc.want == "") != (d.Labels == nil) {
			t.Errorf("%v %q: label of row 0 = %q, want %q", tc.names, tc.choose, got, tc.want)
		}
	}
	err := ChooseLabels(mk("word", "count"), "colour")
	if err == nil || !strings.Contains(err.Error(), `no metadata column "colour" (columns: "word", "count")`) {
		t.Fatalf("unknown column: got %v", err)
	}
}

func TestMetadataColumns(t *testing.T) {
	d := &dataset.Dataset{X: mat32.New(3, 1)}
	if MetadataColumns(d) != nil {
		t.Fatal("no labels and no metadata should give no columns")
	}
	d.SetLabels([]string{"b", "", "a"})
	d.Meta = []dataset.Column{{Name: "label", Values: []string{"x", "y", "z"}}, {Name: "id", Values: []string{"1", "2", "3"}}}
	got := MetadataColumns(d)
	want := []dataset.Column{
		{Name: "label", Values: []string{"b", "", "a"}},
		{Name: "label_2", Values: []string{"x", "y", "z"}},
		{Name: "id", Values: []string{"1", "2", "3"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	// Labels already held by a "label" column are not written twice.
	d.Meta[0].Values = []string{"b", "", "a"}
	if got := MetadataColumns(d); len(got) != 2 || got[0].Name != "label" || got[1].Name != "id" {
		t.Fatalf("got %q, want the label column once", got)
	}
}
