package tsv_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/formats/tsv"
	"github.com/latentlab/latent/mat32"
)

func ExampleReadVectors() {
	// The first lines of a vectors.tsv written by the TensorFlow word
	// embeddings tutorial: one vector per line, no header.
	in := "0.1022\t-0.0567\t0.3471\n-0.2143\t0.0009\t0.1200\n"
	m, err := tsv.ReadVectors(strings.NewReader(in), 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d×%d, row 1: %v\n", m.Rows, m.Cols, m.Row(1))

	_, err = tsv.ReadVectors(strings.NewReader("1\t2\n3\n"), 0)
	fmt.Println(err)
	// Output:
	// 2×3, row 1: [-0.2143 0.0009 0.12]
	// line 2, column 1: wrong number of fields: 1, want 2
}

func ExampleReadMetadata() {
	// One column: no header, every line is a label.
	cols, _ := tsv.ReadMetadata(strings.NewReader("cat\ndog\n"), 2)
	fmt.Printf("%s: %q\n", cols[0].Name, cols[0].Values)

	// Several columns: the first line names them.
	cols, _ = tsv.ReadMetadata(strings.NewReader("word\tfreq\nthe\t0.05\nof\t0.03\n"), 2)
	for _, c := range cols {
		fmt.Printf("%s: %q\n", c.Name, c.Values)
	}

	// A header on a one-column file is a classic mistake.
	_, err := tsv.ReadMetadata(strings.NewReader("label\ncat\ndog\n"), 2)
	fmt.Println(err)
	// Output:
	// label: ["cat" "dog"]
	// word: ["the" "of"]
	// freq: ["0.05" "0.03"]
	// 3 metadata rows for 2 vectors (a one-column metadata file has no header row)
}

func ExampleSaveProjector() {
	dir, err := os.MkdirTemp("", "projector")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	d := &dataset.Dataset{Name: "points", X: mat32.FromSlice(3, 2, []float32{0, 1, 2.5, -1, 1e-3, 4})}
	d.SetLabels([]string{"a", "b", "a"})
	if err := tsv.SaveProjector(dir, d); err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"vectors.tsv", "metadata.tsv", tsv.ConfigName} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		fmt.Printf("== %s\n%s", name, b)
	}

	back, err := formats.Load(dir, formats.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(back.Name, back.Len(), back.Dim(), back.Classes)
	// Output:
	// == vectors.tsv
	// 0	1
	// 2.5	-1
	// 0.001	4
	// == metadata.tsv
	// a
	// b
	// a
	// == projector_config.json
	// {
	//   "embeddings": [
	//     {
	//       "tensorName": "points",
	//       "tensorShape": [
	//         3,
	//         2
	//       ],
	//       "tensorPath": "vectors.tsv",
	//       "metadataPath": "metadata.tsv"
	//     }
	//   ]
	// }
	// points 3 2 [a b]
}
