package models_test

import (
	"slices"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	_ "github.com/latentlab/latent/formats/idx"
	"github.com/latentlab/latent/model"
	"github.com/latentlab/latent/models"
)

// TestShippedModels loads each shipped model from the embedded files and
// measures it on the 2,000 Fashion-MNIST test images of the repository's
// fixture: the figures must stay near those models/README.md gives for
// the 10,000 test images.
func TestShippedModels(t *testing.T) {
	if got := models.Names(); !slices.Equal(got, []string{"fashion-ae", "fashion-vae"}) {
		t.Fatalf("Names() = %v", got)
	}
	d, err := formats.Load("../testdata/fashion-mnist/t10k-images-idx3-ubyte.gz", formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	img := dataset.ImageShape{Height: 28, Width: 28, Channels: 1}
	for _, tc := range []struct {
		name     string
		typ      model.Type
		maxMSE   float64
		maxRecon float64
	}{
		{"fashion-vae", model.VAE, 0.0125, 250},
		{"fashion-ae", model.AE, 0.0095, 230},
	} {
		m, err := models.Open(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		c, card := m.Config(), m.Card()
		if c.Type != tc.typ || c.Arch != model.Conv || c.Image != img || m.LatentDim() != 20 || card.Codes == nil || card.Stopped != "completed" {
			t.Errorf("%s: config %+v, card stopped %q", tc.name, c, card.Stopped)
		}
		mt, err := m.(*model.Autoencoder).Evaluate(d.X, nil, 1234)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s on %d fixture images: %+v", tc.name, mt.Rows, mt)
		if mt.MSE > tc.maxMSE || mt.Recon > tc.maxRecon {
			t.Errorf("%s: MSE %.5f, reconstruction %.2f nats", tc.name, mt.MSE, mt.Recon)
		}
		x, err := m.Sample(4, 1, nil)
		if err != nil || x.Rows != 4 || x.Cols != 784 {
			t.Errorf("%s: Sample: %v", tc.name, err)
		}
	}
	if models.Has("fashion-gan") {
		t.Error("Has(fashion-gan)")
	}
	if _, err := models.Open("fashion-gan"); err == nil {
		t.Error("Open(fashion-gan): no error")
	}
}
