package space_test

import (
	"fmt"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/space"
)

// Five points from one code to another, straight and along the great
// circle: slerp keeps the norm of the ends (1 here) where lerp cuts the
// corner.
func ExamplePath() {
	a, b := []float32{1, 0}, []float32{0, 1}
	for _, m := range []space.Method{space.Linear, space.Spherical} {
		p := space.Path(nil, a, b, 5, m)
		fmt.Printf("%-5s", m)
		for i := 0; i < p.Rows; i++ {
			r := p.Row(i)
			fmt.Printf(" (%.2f,%.2f)", r[0], r[1])
		}
		fmt.Println()
	}
	// Output:
	// lerp  (1.00,0.00) (0.75,0.25) (0.50,0.50) (0.25,0.75) (0.00,1.00)
	// slerp (1.00,0.00) (0.92,0.38) (0.71,0.71) (0.38,0.92) (0.00,1.00)
}

// An attribute vector is the mean code of one group minus that of another;
// adding it to a code moves the code toward the first group.
func ExampleAttributeVector() {
	codes := mat32.FromRows([][]float32{
		{2, 1}, {4, 1}, // with the attribute
		{0, 0}, {0, 2}, // without
	})
	v, _ := space.AttributeVector(nil, codes, []int{0, 1}, []int{2, 3})
	moved := space.AddScaled(nil, []float32{0, 5}, v, []float64{0, 0.5, 1})
	fmt.Println("vector", v)
	for i := 0; i < moved.Rows; i++ {
		fmt.Println(moved.Row(i))
	}
	// Output:
	// vector [3 0]
	// [0 5]
	// [1.5 5]
	// [3 5]
}

// Fit a Gaussian to codes and draw new ones from it.
func ExampleFitGaussian() {
	codes := mat32.FromRows([][]float32{{1, 2}, {3, 4}, {2, 2}, {2, 4}})
	g, _ := space.FitGaussian(codes)
	fmt.Printf("mean %.1f\ncov %.3f\n", g.Mean, g.Cov)
	z, _ := g.Sample(nil, 2, 1, dataset.NewRand(1, 0))
	fmt.Println(z.Rows, "codes of", z.Cols)
	// Output:
	// mean [2.0 3.0]
	// cov [0.667 0.667 0.667 1.333]
	// 2 codes of 2
}
