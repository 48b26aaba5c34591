package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/metrics"
	"github.com/latentlab/latent/model"
	"github.com/latentlab/latent/viz"
)

// Directions of a metric: which value is better.
const (
	Higher = "higher"
	Lower  = "lower"
	// Info marks a figure that describes a model without ranking it.
	Info = ""
)

// EvenTolerance is the relative difference under which two models' values
// of a metric count as even in a comparison's verdict.
const EvenTolerance = 0.005

// Row is one metric of the metrics table.
type Row struct {
	// Key is a short stable name ("mse", "smooth_lerp", ...).
	Key string `json:"key"`
	// Name is shown in the first column; Definition under it.
	Name       string `json:"name"`
	Definition string `json:"definition"`
	// Better is Higher, Lower or Info.
	Better string `json:"better,omitempty"`
	// Values holds the value of each model as shown ("—" when not
	// measured) and Raw the number ranked (nil when not measured or not
	// ranked).
	Values []string   `json:"shown"`
	Raw    []*float64 `json:"values"`
	// Verdict says which model is better, for two models and a ranked
	// metric both have.
	Verdict string `json:"verdict,omitempty"`
}

// metricDef builds one row from the models' metrics.
type metricDef struct {
	key, name, def, better string
	value                  func(*ModelReport) (shown string, raw *float64)
	// paired, when not nil, returns the per-pair values behind the mean
	// (the same pairs for every model), so the verdict can tell a
	// difference from sampling noise.
	paired func(*ModelReport) []float64
	// scale, when not nil, is the magnitude EvenTolerance is relative to
	// (for a difference such as the gap, the losses it is a difference
	// of), instead of the values themselves.
	scale func(*ModelReport) float64
}

func f64(v float64) *float64 { return &v }

func fmtOpt(v *float64, format string) (string, *float64) {
	if v == nil {
		return "—", nil
	}
	return fmt.Sprintf(format, *v), v
}

func smoothDef(key, name, method string, get func(*Metrics) *metrics.SmoothnessResult, s Settings) []metricDef {
	return []metricDef{
		{key: "smooth_" + key, name: "Smoothness, " + name + ": largest step / mean step", better: Lower,
			def: fmt.Sprintf("Over %d random pairs of rows, %d points decoded along the %s between their codes; per pair the largest step between consecutive decoded rows over the mean step (1 = perfectly even). Mean over the pairs (largest in brackets).", s.SmoothPairs, s.SmoothSteps, method),
			value: func(m *ModelReport) (string, *float64) {
				r := get(&m.Metrics)
				if r == nil {
					return "—", nil
				}
				return fmt.Sprintf("%.3f (max %.2f)", r.RatioMean, r.RatioMax), f64(r.RatioMean)
			},
			paired: func(m *ModelReport) []float64 {
				return perPair(get(&m.Metrics), func(p metrics.PairSmoothness) float64 { return p.Ratio })
			}},
		{key: "midpoint_" + key, name: "Midpoints off the data, " + name, better: Lower,
			def: "Distance from each pair's decoded midpoint to the nearest of the rows used, over the median distance between a row and its nearest other row. Mean over the pairs; in brackets the same ratio for the decoded ends (reconstructions), the floor it can be judged against.",
			value: func(m *ModelReport) (string, *float64) {
				r := get(&m.Metrics)
				if r == nil || r.RefNNMedian == 0 {
					return "—", nil
				}
				return fmt.Sprintf("%.3f (ends %.3f)", r.MidpointMean, r.EndpointMean), f64(r.MidpointMean)
			},
			paired: func(m *ModelReport) []float64 {
				return perPair(get(&m.Metrics), func(p metrics.PairSmoothness) float64 { return p.Midpoint })
			}},
	}
}

// definitions lists the metrics of the table in order.
func definitions(s Settings) []metricDef {
	defs := []metricDef{
		{key: "mse", name: "Reconstruction MSE", better: Lower,
			def: "Mean squared error per value of decode(μ) against the rows, in data units (metrics.MSE).",
			value: func(m *ModelReport) (string, *float64) {
				return fmtOpt(m.Metrics.MSE, "%.5f")
			}},
		{key: "bce", name: "Reconstruction BCE", better: Lower,
			def: "Binary cross-entropy per value of decode(μ) against the rows, logarithms clipped at −100 as PyTorch's BCELoss (metrics.BCE); for values in [0, 1].",
			value: func(m *ModelReport) (string, *float64) {
				return fmtOpt(m.Metrics.BCE, "%.4f")
			}},
		{key: "neg_elbo", name: "−ELBO (nats per row)", better: Lower,
			def: "Reconstruction loss from one sampled code per row plus KL(q(z|x) ‖ N(0, I)): an upper bound on −log p(x) (VAEs).",
			value: func(m *ModelReport) (string, *float64) {
				return fmtOpt(m.Metrics.NegELBO, "%.2f")
			}},
		{key: "kl", name: "KL (nats per row)", better: Info,
			def: "KL(q(z|x) ‖ N(0, I)) averaged over the rows (VAEs): what the codes cost against the prior.",
			value: func(m *ModelReport) (string, *float64) {
				s, _ := fmtOpt(m.Metrics.KL, "%.2f")
				return s, nil
			}},
		{key: "kl_per_dim", name: "KL per dimension", better: Info,
			def: "Each code dimension's share of the KL (nats per row): largest, median and smallest (VAEs). The bars below show them all.",
			value: func(m *ModelReport) (string, *float64) {
				kl := m.Metrics.KLPerDim
				if kl == nil {
					return "—", nil
				}
				s := slices.Clone(kl)
				slices.Sort(s)
				med := s[len(s)/2]
				if len(s)%2 == 0 {
					med = (s[len(s)/2-1] + s[len(s)/2]) / 2
				}
				return fmt.Sprintf("%.3g / %.3g / %.3g", s[len(s)-1], med, s[0]), nil
			}},
		{key: "active_units", name: "Active units", better: Info,
			def: fmt.Sprintf("Code dimensions whose mean μ_j varies over the rows by more than %g (Burda et al. 2016), of the code's dimensions; for VAEs also those with KL above %g nats.", ActiveVariance, 0.01),
			value: func(m *ModelReport) (string, *float64) {
				if m.Metrics.Active == nil {
					return "—", nil
				}
				s := fmt.Sprintf("%d of %d", *m.Metrics.Active, m.Metrics.Latent)
				if m.Metrics.ActiveKL != nil {
					s += fmt.Sprintf(" (KL: %d)", *m.Metrics.ActiveKL)
				}
				return s, nil
			}},
		{key: "trustworthiness", name: fmt.Sprintf("Trustworthiness (codes, k = %d)", s.K), better: Higher,
			def: "Are the codes' nearest neighbours neighbours in the data? sklearn.manifold.trustworthiness of the codes μ as an embedding of the rows (metrics.Trustworthiness).",
			value: func(m *ModelReport) (string, *float64) {
				return fmtOpt(m.Metrics.Trustworthiness, "%.4f")
			}},
		{key: "continuity", name: fmt.Sprintf("Continuity (codes, k = %d)", s.K), better: Higher,
			def: "Are the data's nearest neighbours kept among the codes' neighbours? Trustworthiness with data and codes exchanged.",
			value: func(m *ModelReport) (string, *float64) {
				return fmtOpt(m.Metrics.Continuity, "%.4f")
			}},
		{key: "knn_accuracy", name: fmt.Sprintf("kNN accuracy (codes, k = %d)", s.K), better: Higher,
			def: "Accuracy of a k-nearest-neighbour classifier on the codes, stratified 5-fold cross-validation (metrics.KNNAccuracy); ± the standard deviation over the folds.",
			value: func(m *ModelReport) (string, *float64) {
				if m.Metrics.KNNAccuracy == nil {
					return "—", nil
				}
				return fmt.Sprintf("%.4f ± %.4f", *m.Metrics.KNNAccuracy, *m.Metrics.KNNAccuracyStd), m.Metrics.KNNAccuracy
			}},
	}
	defs = append(defs, smoothDef("lerp", "lerp", "straight line (lerp)", func(m *Metrics) *metrics.SmoothnessResult { return m.Lerp }, s)...)
	defs = append(defs, smoothDef("slerp", "slerp", "great circle (slerp)", func(m *Metrics) *metrics.SmoothnessResult { return m.Slerp }, s)...)
	defs = append(defs,
		metricDef{key: "gap", name: "Train/validation gap (nats per row)", better: Lower,
			def: "Held-out minus training loss, both the unweighted objective (reconstruction + KL for VAEs, reconstruction for AEs), per row: validation against training at the best epoch when the model card has validation losses, else these rows against the last epoch's training loss. Large and positive means overfitting.",
			value: func(m *ModelReport) (string, *float64) {
				if m.Metrics.Gap == nil {
					return "—", nil
				}
				return fmt.Sprintf("%+.2f (%.2f vs %.2f)", *m.Metrics.Gap, *m.Metrics.HeldOutLoss, *m.Metrics.TrainLoss), m.Metrics.Gap
			},
			scale: func(m *ModelReport) float64 {
				if m.Metrics.TrainLoss == nil {
					return 0
				}
				return math.Abs(*m.Metrics.TrainLoss)
			}},
		metricDef{key: "training_time", name: "Training time", better: Info,
			def: "Wall-clock time of training, from the model card.",
			value: func(m *ModelReport) (string, *float64) {
				if m.Card.Seconds <= 0 {
					return "—", nil
				}
				return duration(m.Card.Seconds), nil
			}},
	)
	return defs
}

// table builds the metrics table of r, with verdicts for two models.
func table(r *Report, s Settings) []Row {
	var rows []Row
	for _, d := range definitions(s) {
		row := Row{Key: d.key, Name: d.name, Definition: d.def, Better: d.better}
		measured := false
		for _, m := range r.Models {
			shown, raw := d.value(m)
			row.Values = append(row.Values, shown)
			row.Raw = append(row.Raw, raw)
			measured = measured || shown != "—"
		}
		if !measured {
			continue
		}
		if len(r.Models) == 2 {
			a, b := r.Models[0], r.Models[1]
			var scale float64
			if d.scale != nil {
				scale = max(d.scale(a), d.scale(b))
			}
			row.Verdict = verdict(d.better, a.Name, b.Name, row.Raw[0], row.Raw[1], scale)
			if d.paired != nil && row.Raw[0] != nil && row.Raw[1] != nil {
				if v := pairedVerdict(d.better, a.Name, b.Name, d.paired(a), d.paired(b)); v != "" {
					row.Verdict = v
				}
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// verdict says which of two values is better in one line. They are even
// when they differ by less than EvenTolerance times scale, or times the
// larger of them when scale is 0.
func verdict(better, na, nb string, a, b *float64, scale float64) string {
	if better == Info {
		return "not ranked"
	}
	if a == nil || b == nil {
		return "not comparable (measured for one model only)"
	}
	x, y := *a, *b
	if scale == 0 {
		scale = max(math.Abs(x), math.Abs(y))
	}
	if math.Abs(x-y) <= EvenTolerance*scale {
		return "even (within 0.5%)"
	}
	win := na
	if (better == Higher) != (x > y) {
		win = nb
	}
	return win + " is better"
}

// perPair returns one value per pair of a smoothness result (NaN for
// static pairs), or nil.
func perPair(r *metrics.SmoothnessResult, f func(metrics.PairSmoothness) float64) []float64 {
	if r == nil {
		return nil
	}
	v := make([]float64, len(r.PerPair))
	for i, p := range r.PerPair {
		v[i] = f(p)
	}
	return v
}

// pairedVerdict compares two models over the same pairs: the mean of the
// differences against twice its standard error. It returns "" when the
// values are not paired (different lengths, too few pairs).
func pairedVerdict(better, na, nb string, a, b []float64) string {
	if len(a) != len(b) {
		return ""
	}
	var n int
	var sum, sum2 float64
	for i := range a {
		d := a[i] - b[i]
		if math.IsNaN(d) {
			continue
		}
		n++
		sum += d
		sum2 += d * d
	}
	if n < 2 {
		return ""
	}
	mean := sum / float64(n)
	sd := math.Sqrt(max(0, (sum2-float64(n)*mean*mean)/float64(n-1)))
	se := sd / math.Sqrt(float64(n))
	if math.Abs(mean) <= 2*se {
		return fmt.Sprintf("even (mean difference under 2 standard errors, %d pairs)", n)
	}
	win := na
	if (better == Higher) != (mean > 0) {
		win = nb
	}
	return win + " is better"
}

// duration formats seconds as "1 h 02 min", "3 min 05 s" or "12.3 s".
func duration(sec float64) string {
	d := time.Duration(sec * float64(time.Second))
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%d h %02d min", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%d min %02d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%.1f s", sec)
}

// cardRows lays out a model card.
func cardRows(c model.Config, card model.Card) []KV {
	kv := []KV{
		{"type", typeName(c.Type)},
		{"architecture", orDash(card.Architecture)},
		{"parameters", viz.Thousands(card.Parameters)},
		{"code", fmt.Sprintf("%d dimensions", c.Latent)},
		{"likelihood", string(c.Likelihood)},
		{"normalisation", normName(c.Normalizer)},
	}
	var obj []string
	if c.Type.Variational() {
		obj = append(obj, fmt.Sprintf("β = %g", c.Beta))
		if c.WarmupEpochs > 0 {
			obj = append(obj, fmt.Sprintf("KL warm-up %g epochs", c.WarmupEpochs))
		}
		if c.FreeBits > 0 {
			obj = append(obj, fmt.Sprintf("free bits %g", c.FreeBits))
		}
	}
	if c.Noise > 0 {
		obj = append(obj, fmt.Sprintf("input noise %g", c.Noise))
	}
	if c.NeighborWeight > 0 {
		obj = append(obj, fmt.Sprintf("neighbour term %g (k = %d)", c.NeighborWeight, c.NeighborK))
	}
	if c.WeightDecay > 0 {
		obj = append(obj, fmt.Sprintf("weight decay %g", c.WeightDecay))
	}
	if len(obj) > 0 {
		kv = append(kv, KV{"objective", strings.Join(obj, ", ")})
	}
	data := orDash(card.Data)
	if card.DataRows > 0 {
		data += fmt.Sprintf(" (%s rows: %s for training, %s for validation)", viz.Thousands(card.DataRows), viz.Thousands(card.TrainRows), viz.Thousands(card.ValRows))
	}
	t := card.Training
	kv = append(kv,
		KV{"training data", data},
		KV{"training", fmt.Sprintf("%d epochs of batches of %d, Adam at %g, seed %d", t.Epochs, t.Batch, t.LR, t.Seed)},
	)
	if card.Epochs > 0 {
		kv = append(kv, KV{"epochs run", fmt.Sprintf("%d (best %d, %s)", card.Epochs, card.BestEpoch, orDash(card.Stopped))})
	}
	tt := "—"
	if card.Seconds > 0 {
		tt = duration(card.Seconds)
	}
	kv = append(kv, KV{"training time", tt})
	return kv
}

func typeName(t model.Type) string {
	switch t {
	case model.AE:
		return "autoencoder (ae)"
	case model.VAE:
		return "variational autoencoder (vae)"
	case model.DAE:
		return "denoising autoencoder (dae)"
	case model.CVAE:
		return "conditional VAE (cvae)"
	case model.GAN:
		return "generative adversarial network (gan)"
	}
	return string(t)
}

func normName(n dataset.Normalizer) string {
	switch n.Kind {
	case dataset.NormScale:
		return fmt.Sprintf("scale from [%g, %g] to [0, 1]", n.Min, n.Max)
	case dataset.NormStandardize:
		return fmt.Sprintf("standardise each of %d columns", len(n.Mean))
	case dataset.NormNone, "":
		return "none (data used as they are)"
	}
	return n.Kind
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
