package report

import (
	"context"
	"sync"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	_ "github.com/latentlab/latent/formats/idx"
	"github.com/latentlab/latent/model"
)

// fixture is the path of the bundled Fashion-MNIST subset, from this
// package's folder.
const fixture = "../testdata/fashion-mnist/t10k-images-idx3-ubyte.gz"

var fashionNames = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

var (
	fixtureOnce sync.Once
	fixtureData *dataset.Dataset
	fixtureErr  error
	tinyAE      model.Model
	tinyVAE     model.Model
)

// testData returns the last n rows of the fixture with the class names
// (the rows from 1,500 on were not trained on), and two small models
// trained on its first 1,500 rows.
func testData(t testing.TB, n int) (*dataset.Dataset, model.Model, model.Model) {
	t.Helper()
	fixtureOnce.Do(func() {
		d, err := formats.Load(fixture, formats.Options{})
		if err != nil {
			fixtureErr = err
			return
		}
		d.Classes = fashionNames
		fixtureData = d
		train := d.Head(1500)
		for _, typ := range []model.Type{model.AE, model.VAE} {
			c := model.DefaultConfig(typ, model.MLP, 6)
			c.Hidden = []int{64}
			m, err := model.Train(context.Background(), train, c, model.TrainOptions{Epochs: 3, Val: 0.2, Seed: 1, Batch: 64})
			if err != nil {
				fixtureErr = err
				return
			}
			if typ == model.AE {
				tinyAE = m
			} else {
				tinyVAE = m
			}
		}
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	d := fixtureData
	if n < d.Len() {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = d.Len() - n + i
		}
		d = d.Subset(idx)
		d.Name = fixtureData.Name
	}
	return d, tinyAE, tinyVAE
}
