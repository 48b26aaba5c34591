package model

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/nn"
)

// blobs returns n rows of dim values in [0, 1]: each row is one of
// `classes` random prototypes plus a little noise, clipped, labelled by
// its prototype. With img set the rows are side×side×1 images.
func blobs(n, dim, classes int, seed uint64) *dataset.Dataset {
	rng := dataset.NewRand(seed, 99)
	protos := make([][]float32, classes)
	for c := range protos {
		protos[c] = make([]float32, dim)
		for j := range protos[c] {
			protos[c][j] = rng.Float32()
		}
	}
	x := mat32.New(n, dim)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		c := i % classes
		labels[i] = c
		for j, v := range protos[c] {
			x.Data[i*dim+j] = max(0, min(1, v+float32(rng.NormFloat64()*0.1)))
		}
	}
	names := make([]string, classes)
	for c := range names {
		names[c] = string(rune('a' + c))
	}
	return &dataset.Dataset{Name: "blobs", X: x, Labels: labels, Classes: names}
}

// imageBlobs is blobs shaped as side×side×1 images.
func imageBlobs(n, side, classes int, seed uint64) *dataset.Dataset {
	d := blobs(n, side*side, classes, seed)
	d.Image = dataset.ImageShape{Height: side, Width: side, Channels: 1}
	return d
}

// smallConfig returns a configuration with small hidden layers for tests.
func smallConfig(t Type, a Arch, latent int) Config {
	c := DefaultConfig(t, a, latent)
	if a == MLP {
		c.Hidden = []int{24, 12}
	} else {
		c.Channels = []int{4, 8}
		c.Hidden = nil
	}
	return c
}

// mustSetup prepares a training session without running it.
func mustSetup(t *testing.T, d *dataset.Dataset, c Config, opt TrainOptions) *session {
	t.Helper()
	s, err := setup(context.Background(), d, c, opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// params returns a session's trainable parameters.
func (s *session) params() []*nn.Param {
	switch t := s.t.(type) {
	case *aeTrainer:
		return t.ps
	case *ganTrainer:
		return append(append([]*nn.Param(nil), t.gps...), t.dps...)
	}
	return nil
}

// flat returns all of a model's tensors in one slice.
func flat(ps []*nn.Param) []float32 {
	var out []float32
	for _, p := range ps {
		out = append(out, p.Data...)
	}
	return out
}

func tensorsOf(m Model) []*nn.Param {
	switch m := m.(type) {
	case *Autoencoder:
		return m.net.tensors()
	case *Adversarial:
		return m.net.genTensors()
	}
	return nil
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func wantErr(t *testing.T, what string, err error, sub string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one containing %q", what, sub)
		return
	}
	if !strings.Contains(err.Error(), sub) {
		t.Errorf("%s: error %q does not contain %q", what, err, sub)
	}
}

// withThreads runs f with mat32 and the Go runtime limited to n threads.
func withThreads(n int, f func()) {
	mat32.SetThreads(n)
	defer mat32.SetThreads(0)
	f()
}
