package csvfmt_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/latentlab/latent/formats/csvfmt"
)

func ExampleRead() {
	// The first rows of the Iris data set as scikit-learn's CSV has them.
	in := `sepal length,sepal width,petal length,petal width,class
5.1,3.5,1.4,0.2,Iris-setosa
7.0,3.2,4.7,1.4,Iris-versicolor
6.3,3.3,6.0,2.5,Iris-virginica
`
	d, err := csvfmt.Read(strings.NewReader(in), csvfmt.ReadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d×%d, classes %q, row 2: %v %s\n", d.Len(), d.Dim(), d.Classes, d.X.Row(2), d.Label(2))

	// Only the petals, by name range.
	d, _ = csvfmt.Read(strings.NewReader(in), csvfmt.ReadOptions{Columns: "petal length-petal width"})
	fmt.Println(d.X.Row(0))

	// A "?" makes a column text: by default it becomes metadata, and asking
	// for it as a vector column is an error.
	bad := in + "5.9,3.0,5.1,?,Iris-virginica\n"
	d, _ = csvfmt.Read(strings.NewReader(bad), csvfmt.ReadOptions{})
	fmt.Println(d.Dim(), d.Meta[0].Name)
	_, err = csvfmt.Read(strings.NewReader(bad), csvfmt.ReadOptions{Columns: "0-3"})
	fmt.Println(err)
	// Output:
	// 3×4, classes ["Iris-setosa" "Iris-versicolor" "Iris-virginica"], row 2: [6.3 3.3 6 2.5] Iris-virginica
	// [1.4 0.2]
	// 3 petal width
	// line 5, column "petal width": "?" is not a number
}

func ExampleWrite() {
	d, _ := csvfmt.Read(strings.NewReader("a,b,label\n1,0.5,x\n2,-1,\"y, z\"\n"), csvfmt.ReadOptions{})
	csvfmt.Write(os.Stdout, d)
	// Output:
	// label,x0,x1
	// x,1,0.5
	// "y, z",2,-1
}
