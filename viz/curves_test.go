package viz

import (
	"math"
	"strings"
	"testing"
)

func TestCurvesDrawBothSplits(t *testing.T) {
	train := []float64{9, 5, 3, 2.5, 2.2, 2.1}
	val := []float64{9.5, 6, 4, 3.6, 3.7, math.NaN()}
	f, err := Curves([]Panel{
		LossPanel("loss", train, val),
		{Title: "KL", LogY: true, Curves: []Curve{{Label: "train", Y: []float64{0, 1, 2, 4, 8, 9}}}},
	}, CurveOptions{Title: "training"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Width != 840 || f.Height != 400 {
		t.Fatalf("size %d×%d", f.Width, f.Height)
	}
	// One NaN validation value and one zero on the log axis are gaps.
	if f.Skipped != 2 || !strings.Contains(f.Caption, "2 values not drawn") {
		t.Fatalf("skipped %d caption %q", f.Skipped, f.Caption)
	}
	img := renderPNG(t, f)
	// "train" has the first colour in both panels, "validation" the second.
	if n := countColor(img, CategoryColor(0), 0); n < 300 {
		t.Fatalf("train colour on %d pixels", n)
	}
	if n := countColor(img, CategoryColor(1), 0); n < 100 {
		t.Fatalf("validation colour on %d pixels", n)
	}
	_, n := checkSVG(t, f)
	if n["path"] < 10 || n["text"] < 10 {
		t.Fatalf("SVG has %d paths and %d texts", n["path"], n["text"])
	}
}

func TestCurvesBadInput(t *testing.T) {
	ok := []float64{1, 2}
	for _, tc := range []struct {
		name   string
		panels []Panel
		want   string
	}{
		{"none", nil, "no curves"},
		{"empty panel", []Panel{{Title: "loss"}}, `panel "loss" has no curves`},
		{"empty curve", []Panel{{Title: "loss", Curves: []Curve{{Label: "train"}}}}, `curve "train" has no values`},
		{"x length", []Panel{{Curves: []Curve{{Label: "t", X: []float64{1}, Y: ok}}}}, `panel "panel 1": curve "t" has 1 x values for 2 y values`},
		{"all NaN", []Panel{{Title: "kl", Curves: []Curve{{Y: []float64{math.NaN()}}}}}, `panel "kl" has no finite values`},
		{"log of zero", []Panel{{Title: "kl", LogY: true, Curves: []Curve{{Y: []float64{0, -1}}}}}, "no finite values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Curves(tc.panels, CurveOptions{})
			wantErr(t, err, tc.want)
		})
	}
	_, err := Curves([]Panel{LossPanel("l", ok, nil)}, CurveOptions{Width: 10})
	wantErr(t, err, "figure size 10×400")
}

func TestKLBars(t *testing.T) {
	kl := []float64{2.5, 0.9, 0.05, 0.004, 0.0, math.NaN()}
	f, err := KLBars(kl, KLOptions{Title: "KL per dimension", Labels: []string{"z1", "z4", "z0", "z2", "z3", "z5"}})
	if err != nil {
		t.Fatal(err)
	}
	if f.Caption != "3 of 6 dimensions active (KL > 0.01 nats); 1 NaN/Inf value not drawn" || f.Skipped != 1 {
		t.Fatalf("caption %q skipped %d", f.Caption, f.Skipped)
	}
	img := renderPNG(t, f)
	if n := countColor(img, categorical[0], 0); n < 1000 {
		t.Fatalf("active bars on %d pixels", n)
	}
	if n := countColor(img, color3(0xbb), 0); n < 50 {
		t.Fatalf("inactive bar on %d pixels", n)
	}
	if n := countColor(img, categorical[3], 0); n < 50 {
		t.Fatalf("threshold line on %d pixels", n)
	}
	checkSVG(t, f)
	lin, err := KLBars(kl[:5], KLOptions{Linear: true, Threshold: 1})
	if err != nil {
		t.Fatal(err)
	}
	if lin.Caption != "1 of 5 dimensions active (KL > 1 nats)" {
		t.Fatalf("caption %q", lin.Caption)
	}
	renderPNG(t, lin)
	many := make([]float64, 300)
	for i := range many {
		many[i] = 1 / float64(i+1)
	}
	wide, err := KLBars(many, KLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	renderPNG(t, wide)

	_, err = KLBars(nil, KLOptions{})
	wantErr(t, err, "no KL values")
	_, err = KLBars([]float64{math.NaN()}, KLOptions{})
	wantErr(t, err, "all 1 KL values are NaN/Inf")
	_, err = KLBars(kl, KLOptions{Labels: []string{"a"}})
	wantErr(t, err, "1 labels for 6 KL values")
	_, err = KLBars(kl, KLOptions{Threshold: -1})
	wantErr(t, err, "threshold -1 is not a positive number")
}

func TestLogTicks(t *testing.T) {
	labels := func(lo, hi float64) string {
		var s []string
		for _, tk := range (logTicks{}).Ticks(lo, hi) {
			if tk.Label != "" {
				s = append(s, tk.Label)
			}
		}
		return strings.Join(s, " ")
	}
	for _, tc := range []struct {
		lo, hi float64
		want   string
	}{
		{5, 14, "5 10"},
		{0.9, 25, "1 2 3 5 10 20"},
		{0.01, 5, "0.01 0.02 0.05 0.1 0.2 0.5 1 2 5"},
		{1e-4, 10, "0.0001 0.001 0.01 0.1 1 10"},
	} {
		if got := labels(tc.lo, tc.hi); got != tc.want {
			t.Errorf("ticks on [%g, %g]: %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
	if (logTicks{}).Ticks(0, 1) != nil {
		t.Error("ticks on a range that includes 0")
	}
}
