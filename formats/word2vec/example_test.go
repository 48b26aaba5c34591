package word2vec_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/latentlab/latent/formats/word2vec"
)

func ExampleRead() {
	// A fastText .vec file: a "rows dims" header, then a word and its
	// values per line (fastText leaves a space before the line break).
	in := "3 4\n" +
		"the -0.0653 0.0911 -0.0110 0.1440 \n" +
		"of 0.0141 -0.0470 0.0830 0.0272 \n" +
		"the 0.5 0.5 0.5 0.5 \n"
	d, err := word2vec.Read(strings.NewReader(in), word2vec.ReadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d×%d, classes %q, labels %v, %d duplicate\n", d.Len(), d.Dim(), d.Classes, d.Labels, word2vec.Duplicates(d))
	fmt.Println(d.MetaColumn("word").Values, d.X.Row(1))
	// Output:
	// 3×4, classes ["the" "of"], labels [0 1 0], 1 duplicate
	// [the of the] [0.0141 -0.047 0.083 0.0272]
}

func ExampleReadGloVe() {
	// The first lines of glove.6B.50d.txt, cut to three dimensions.
	in := "the 0.418 0.24968 -0.41242\n, 0.013441 0.23682 -0.16899\n"
	d, err := word2vec.ReadGloVe(strings.NewReader(in), word2vec.ReadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Classes, d.X.Row(0))

	_, err = word2vec.ReadGloVe(strings.NewReader(in+"and 0.26818 0.14346\n"), word2vec.ReadOptions{})
	fmt.Println(err)
	// Output:
	// [the ,] [0.418 0.24968 -0.41242]
	// line 3: wrong number of values: 2, want 3
}

func ExampleWriteText() {
	d, _ := word2vec.ReadGloVe(strings.NewReader("king 0.5 -1\nqueen 0.25 2\n"), word2vec.ReadOptions{})
	word2vec.WriteText(os.Stdout, d)
	// Output:
	// 2 2
	// king 0.5 -1
	// queen 0.25 2
}
