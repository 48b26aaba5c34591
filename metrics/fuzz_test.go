package metrics

import (
	"context"
	"encoding/binary"
	"math"
	"slices"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// fuzzMatrix fills an r×c matrix from data: in raw mode each value is 4
// bytes of float32 bits (so NaN and Inf occur), otherwise one signed byte
// scaled by 1/8 (so ties are common). Bytes are reused cyclically.
func fuzzMatrix(data []byte, r, c int, raw bool) *mat32.Dense {
	m := mat32.New(r, c)
	if len(data) == 0 {
		return m
	}
	for i := range m.Data {
		if raw {
			var b [4]byte
			for j := range b {
				b[j] = data[(4*i+j)%len(data)]
			}
			m.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[:]))
		} else {
			m.Data[i] = float32(int8(data[i%len(data)])) / 8
		}
	}
	return m
}

// FuzzNeighborhood checks the blocked neighbourhood metrics against the
// brute-force definitions on small inputs full of ties, and that any input
// (NaN, Inf, huge values, bad k) gives a result or an error, never a panic.
func FuzzNeighborhood(f *testing.F) {
	f.Add(uint8(20), uint8(3), uint8(2), uint8(3), uint8(5), false, []byte{1, 2, 3, 250, 7, 9, 11, 130, 4})
	f.Add(uint8(33), uint8(12), uint8(2), uint8(5), uint8(8), false, []byte{0, 0, 1, 1, 2, 255, 3})
	f.Add(uint8(9), uint8(1), uint8(1), uint8(2), uint8(1), false, []byte{5})
	f.Add(uint8(12), uint8(10), uint8(9), uint8(2), uint8(4), true, []byte{0, 0, 192, 127, 1, 2, 3, 4})
	f.Add(uint8(40), uint8(20), uint8(3), uint8(19), uint8(40), false, []byte{200, 17, 64, 3, 99, 128, 0, 45, 77})
	f.Fuzz(func(t *testing.T, n, dx, dy, k, block uint8, raw bool, data []byte) {
		nn := 1 + int(n)%48
		x := fuzzMatrix(data, nn, 1+int(dx)%24, raw)
		y := fuzzMatrix(slices.Concat([]byte{17}, data), nn, 1+int(dy)%12, raw)
		kk := int(k) % 24
		got, err := Neighborhood(context.Background(), x, y, NeighborOptions{K: kk, BlockRows: int(block) % 50})
		if err != nil {
			return
		}
		if kk == 0 {
			kk = DefaultK
		}
		wt, wc, wp := refNeighborhood(x, y, kk)
		if got.Trustworthiness != wt || got.Continuity != wc || got.KNNPreservation != wp {
			t.Fatalf("got T %v C %v P %v, brute force T %v C %v P %v", got.Trustworthiness, got.Continuity, got.KNNPreservation, wt, wc, wp)
		}
	})
}

// FuzzKNNAccuracy checks the k-d tree and GEMM routes against the
// brute-force classifier on tie-heavy data, and that bad input never panics.
func FuzzKNNAccuracy(f *testing.F) {
	f.Add(uint8(30), uint8(2), uint8(3), uint8(3), uint8(2), false, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Add(uint8(45), uint8(11), uint8(5), uint8(2), uint8(3), false, []byte{0, 0, 1, 1, 255, 254})
	f.Add(uint8(20), uint8(1), uint8(1), uint8(4), uint8(4), false, []byte{3})
	f.Add(uint8(25), uint8(2), uint8(2), uint8(5), uint8(2), true, []byte{0, 0, 128, 127, 9, 9})
	f.Fuzz(func(t *testing.T, n, d, k, folds, classes uint8, raw bool, data []byte) {
		nn := 1 + int(n)%60
		x := fuzzMatrix(data, nn, 1+int(d)%16, raw)
		labels := make([]int, nn)
		nc := 1 + int(classes)%4
		for i := range labels {
			b := byte(i)
			if len(data) > 0 {
				b = data[(i*7+3)%len(data)]
			}
			labels[i] = int(b) % (nc + 1)
			if labels[i] == nc {
				labels[i] = dataset.NoLabel
			}
		}
		opt := KNNAccuracyOptions{K: int(k) % 8, Folds: int(folds) % 6, Seed: uint64(n)}
		got, err := KNNAccuracy(context.Background(), x, labels, opt)
		if err != nil {
			return
		}
		nf := opt.Folds
		if nf == 0 {
			nf = DefaultFolds
		}
		fold, err := StratifiedFolds(labels, nf, opt.Seed)
		if err != nil {
			t.Fatalf("KNNAccuracy succeeded but StratifiedFolds failed: %v", err)
		}
		kk := opt.K
		if kk == 0 {
			kk = DefaultK
		}
		if want := refKNNAccuracy(x, labels, fold, kk); !slices.Equal(got.FoldAccuracy, want) {
			t.Fatalf("fold accuracy %v, brute force %v", got.FoldAccuracy, want)
		}
	})
}

// FuzzSilhouette checks the silhouette samples against the definition.
func FuzzSilhouette(f *testing.F) {
	f.Add(uint8(20), uint8(2), uint8(3), []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Add(uint8(30), uint8(9), uint8(2), []byte{0, 0, 0, 1, 200})
	f.Add(uint8(5), uint8(1), uint8(4), []byte{7})
	f.Fuzz(func(t *testing.T, n, d, classes uint8, data []byte) {
		nn := 1 + int(n)%50
		x := fuzzMatrix(data, nn, 1+int(d)%14, false)
		labels := make([]int, nn)
		nc := 1 + int(classes)%5
		for i := range labels {
			b := byte(i * 5)
			if len(data) > 0 {
				b = data[(i*3+1)%len(data)]
			}
			labels[i] = int(b) % (nc + 1)
			if labels[i] == nc {
				labels[i] = dataset.NoLabel
			}
		}
		got, err := SilhouetteSamples(context.Background(), nil, x, labels, nil)
		if err != nil {
			return
		}
		tol := 1e-12
		if x.Cols > directMaxDim {
			tol = 1e-3 // float32 GEMM distances, far pairs only
		}
		for i, w := range refSilhouette(x, labels) {
			if math.IsNaN(w) != math.IsNaN(got[i]) || math.Abs(got[i]-w) > tol {
				t.Fatalf("row %d: %v, want %v", i, got[i], w)
			}
		}
	})
}
