package viz_test

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/viz"
)

// A 2-D projection coloured by label; a point with a NaN coordinate is left
// out and the caption says so.
func ExampleScatter() {
	pts := mat32.FromRows([][]float32{{0, 0}, {1, 0.5}, {4, 4}, {5, 4.5}, {float32(math.NaN()), 1}})
	d := &dataset.Dataset{X: pts}
	d.SetLabels([]string{"cat", "cat", "dog", "dog", "dog"})
	f, err := viz.Scatter(pts, viz.ByLabels(d), viz.ScatterOptions{Title: "toy map", Width: 640, Height: 480})
	if err != nil {
		fmt.Println(err)
		return
	}
	png, err := f.Bytes(viz.PNG)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Width, f.Height, strings.HasPrefix(string(png), "\x89PNG"))
	fmt.Println(f.Caption)
	// Output:
	// 640 480 true
	// 4 points; 1 point with NaN/Inf coordinates not drawn
}

// Samples from a model drawn four to a row, scaled ×2 without smoothing.
func ExampleImageGrid() {
	shape := dataset.ImageShape{Height: 28, Width: 28, Channels: 1}
	samples := mat32.New(8, shape.Size())
	for i := range samples.Data {
		samples.Data[i] = float32(i%28) / 27
	}
	f, err := viz.ImageGrid(samples, shape, 4, nil, viz.GridOptions{Scale: 2, Pad: 2, Margin: 8})
	if err != nil {
		fmt.Println(err)
		return
	}
	// 4 cells of 56 px, 3 gaps of 2 px and margins of 8 px: 246 px wide.
	fmt.Println(f.Width, f.Height)

	// Rows that are not images: a report falls back to vector views.
	_, err = viz.ImageGrid(mat32.New(8, 50), dataset.ImageShape{}, 4, nil, viz.GridOptions{})
	fmt.Println(errors.Is(err, viz.ErrNotImage))
	// Output:
	// 246 130
	// true
}

// The KL of each latent dimension, sorted, with active units highlighted.
func ExampleKLBars() {
	kl := []float64{3.2, 1.1, 0.4, 0.009, 0.001, 0.0002}
	f, err := viz.KLBars(kl, viz.KLOptions{Title: "KL per dimension", Labels: []string{"z2", "z0", "z5", "z1", "z3", "z4"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Caption)
	// Output:
	// 3 of 6 dimensions active (KL > 0.01 nats)
}

// Training curves: the loss and its parts, train solid and validation
// dashed, inlined in an HTML page as a data: URI.
func ExampleCurves() {
	f, err := viz.Curves([]viz.Panel{
		viz.LossPanel("loss", []float64{210, 150, 130, 124}, []float64{214, 156, 138, 135}),
		viz.LossPanel("KL", []float64{12, 16, 17, 17.5}, []float64{12.2, 16.1, 17.3, 17.6}),
	}, viz.CurveOptions{Title: "VAE training"})
	if err != nil {
		fmt.Println(err)
		return
	}
	uri, err := f.DataURI(viz.SVG)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Width, f.Height, uri[:26])
	// Output:
	// 840 400 data:image/svg+xml;base64,
}

// A numeric metadata column with many values gets a colour bar; one with
// few values is treated as categories.
func ExampleByColumn() {
	d := &dataset.Dataset{Name: "shoes", X: mat32.New(20, 2)}
	price, size := make([]string, 20), make([]string, 20)
	for i := range 20 {
		price[i] = fmt.Sprint(10 + 3*i)
		size[i] = fmt.Sprint(38 + i%3)
	}
	d.Meta = []dataset.Column{{Name: "price", Values: price}, {Name: "size", Values: size}}
	for _, col := range []string{"price", "size", "colour"} {
		c, err := viz.ByColumn(d, col)
		switch {
		case err != nil:
			fmt.Println(err)
		case c.Values != nil:
			fmt.Println(col, "continuous")
		default:
			fmt.Println(col, "categories", c.Classes)
		}
	}
	// Output:
	// price continuous
	// size categories [38 39 40]
	// viz: shoes has no metadata column "colour": its columns are "price", "size"
}
