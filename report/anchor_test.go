package report

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/metrics"
	"github.com/latentlab/latent/model"
)

// TestAnchorInterp checks metrics.Smoothness against anchors/bench_interp.py
// pair by pair, on the same decoders and pairs: latent MLP models with the
// anchor's architecture, run through the anchor's PyTorch code by
// testdata/anchor_interp.py. It needs the full Fashion-MNIST test set and
// those files, so it runs only when asked:
//
//	latent train --data $D/train-images-idx3-ubyte.gz --model-type vae --arch mlp --hidden 512,256 --latent 20 --epochs 10 --seed 0 --out $M/vae
//	latent train ... --model-type ae ... --out $M/ae
//	/usr/bin/python3 report/testdata/anchor_interp.py $M $M/anchor.json
//	LATENT_ANCHOR_MODELS=$M go test ./report -run AnchorInterp -v
func TestAnchorInterp(t *testing.T) {
	dir := os.Getenv("LATENT_ANCHOR_MODELS")
	if dir == "" {
		t.Skip("set LATENT_ANCHOR_MODELS to a folder with vae, ae and anchor.json (see the test's comment)")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "anchor.json"))
	if err != nil {
		t.Fatal(err)
	}
	type figs struct {
		StepRatio    []float64 `json:"step_ratio"`
		Straightness []float64 `json:"straightness"`
		StepCV       []float64 `json:"step_cv"`
		LatentDist   []float64 `json:"latent_dist"`
	}
	var ref struct {
		Pairs [][2]int `json:"pairs"`
		VAE   figs     `json:"vae"`
		AE    figs     `json:"ae"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	data := os.Getenv("FMNIST_DIR")
	if data == "" {
		data = "/usr/share/datasets/fashion-mnist"
	}
	d, err := formats.Load(filepath.Join(data, "t10k-images-idx3-ubyte.gz"), formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for kind, f := range map[string]figs{"vae": ref.VAE, "ae": ref.AE} {
		m, err := model.Load(filepath.Join(dir, kind))
		if err != nil {
			t.Fatal(err)
		}
		mu, _, err := m.Encode(d.X, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := metrics.Smoothness(context.Background(), mu, func(z *mat32.Dense) (*mat32.Dense, error) { return m.Decode(z, nil) },
			metrics.SmoothnessOptions{PairIndex: ref.Pairs, Steps: 16, Reference: d.X})
		if err != nil {
			t.Fatal(err)
		}
		var worst float64
		for i, p := range r.PerPair {
			for _, c := range [][2]float64{{p.StepRatio, f.StepRatio[i]}, {p.Straightness, f.Straightness[i]}, {p.StepCV, f.StepCV[i]}} {
				worst = math.Max(worst, math.Abs(c[0]-c[1])/math.Max(math.Abs(c[1]), 1e-3))
			}
			if math.Abs(p.LatentDist-f.LatentDist[i]) > 1e-4*f.LatentDist[i] {
				t.Errorf("%s pair %d: code distance %g here, %g in PyTorch", kind, i, p.LatentDist, f.LatentDist[i])
			}
		}
		if worst > 1e-3 {
			t.Errorf("%s: per-pair figures differ from the anchor's code by up to %.2g (relative)", kind, worst)
		}
		t.Logf("%s: ratio mean %.4f max %.4f | step_ratio mean %.4f max %.4f | straightness mean %.4f min %.4f | step_cv mean %.4f max %.4f | code distance %.3f | midpoints mean %.3f median %.3f (ends %.3f, δ %.3f over %d rows); largest relative difference from the anchor's code %.2g",
			kind, r.RatioMean, r.RatioMax, r.StepRatioMean, r.StepRatioMax, r.StraightnessMean, r.StraightnessMin,
			r.StepCVMean, r.StepCVMax, r.LatentDistMean, r.MidpointMean, r.MidpointMedian, r.EndpointMean, r.RefNNMedian, r.RefSample, worst)
	}
}
