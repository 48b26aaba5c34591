package model_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/model"
	"github.com/latentlab/latent/space"
)

// circle returns n points of a noisy circle drawn into 64 values in
// [0, 1], labelled by quadrant.
func circle(n int) *dataset.Dataset {
	rng := dataset.NewRand(1, 0)
	x := mat32.New(n, 64)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		labels[i] = int(a / (math.Pi / 2))
		for j := 0; j < 64; j++ {
			v := 0.5 + 0.4*math.Cos(a+float64(j)*math.Pi/32) + 0.01*rng.NormFloat64()
			x.Set(i, j, float32(max(0, min(1, v))))
		}
	}
	return &dataset.Dataset{Name: "circle", X: x, Labels: labels, Classes: []string{"q1", "q2", "q3", "q4"}}
}

// Train a VAE with a 2-dimensional code, save it, load it, encode, decode
// and walk between two codes.
func Example() {
	d := circle(400)
	cfg := model.DefaultConfig(model.VAE, model.MLP, 2)
	cfg.Hidden = []int{32, 16}
	m, err := model.Train(context.Background(), d, cfg, model.TrainOptions{Epochs: 60, Batch: 32, LR: 3e-3, Val: 0.1, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	card := m.Card()
	fmt.Println("likelihood:", m.Config().Likelihood)
	fmt.Println("epochs:", card.Epochs, "on", card.TrainRows, "rows, validated on", card.ValRows)
	fmt.Println("validation MSE below 0.01:", card.Metrics.MSE < 0.01)

	dir, _ := os.MkdirTemp("", "model-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "circle-vae")
	if err := m.Save(path, model.SaveOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	loaded, err := model.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	mu, logVar, _ := loaded.Encode(d.X.Slice(0, 200), nil)
	fmt.Println("codes:", mu.Rows, "×", mu.Cols, "with log-variances:", logVar != nil)

	// Decode a path between the codes of rows 0 and 100 (a quarter turn).
	path2 := space.Path(nil, mu.Row(0), mu.Row(100), 5, space.Spherical)
	rows, _ := loaded.Decode(path2, nil)
	fmt.Println("decoded path:", rows.Rows, "rows of", rows.Cols)
	// Output:
	// likelihood: bernoulli
	// epochs: 60 on 360 rows, validated on 40
	// validation MSE below 0.01: true
	// codes: 200 × 2 with log-variances: true
	// decoded path: 5 rows of 64
}
