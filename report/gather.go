package report

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strings"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/metrics"
	"github.com/latentlab/latent/model"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/reduce/pca"
	"github.com/latentlab/latent/reduce/tsne"
	"github.com/latentlab/latent/reduce/umap"
	"github.com/latentlab/latent/space"
	"github.com/latentlab/latent/viz"
)

// The dataset.NewRand streams of a report's random choices.
const (
	streamRows   = 1 // the rows used (dataset.SampleIndices has its own)
	streamPick   = 2 // the rows shown in grids and strips
	streamSample = 3 // samples from the prior (a seed offset)
)

// ActiveVariance is the variance of a code dimension's means over the data
// above which the dimension counts as an active unit (Burda et al. 2016).
const ActiveVariance = 0.01

// Layout of the image views.
const (
	gridCols        = 10 // images per grid row
	reconPerClass   = 2  // originals per class in the reconstructions
	reconMax        = 20 // originals without labels
	sampleCount     = 30 // samples from the prior
	interpPairs     = 4  // pairs in the lerp/slerp strips
	interpSteps     = 10 // images per strip
	traverseDims    = 8  // rows of the traversal
	mapWidth        = 600
	mapHeight       = 500
	maxPerplexity   = 30.0
	umapNeighbors   = 15
	traverseSigmaHi = 3
)

// ModelReport is the part of a report about one model.
type ModelReport struct {
	// Name is the model's name.
	Name string `json:"name"`
	// Config and Card are the model's configuration and model card.
	Config model.Config `json:"config"`
	Card   model.Card   `json:"card"`
	// CardRows is the model card as label/value pairs, as shown.
	CardRows []KV `json:"-"`
	// Metrics holds the model's figures on the data.
	Metrics Metrics `json:"metrics"`
	// Figures holds the pictures, by section; Maps the projections.
	Curves, Recon, Samples, Interp, Traversal, KL *Figure   `json:"-"`
	Maps                                          []*Figure `json:"-"`
	// Notes say what was left out for this model and why.
	Notes []string `json:"notes,omitempty"`

	labels []int // class index per used row for a conditional model
}

// KV is one line of a model card.
type KV struct{ Key, Value string }

// Figure is one picture of the page, inlined as a data: URI, or the reason
// it is missing.
type Figure struct {
	Title   string
	Caption string
	Width   int
	Height  int
	URI     template.URL
	// Chart marks a chart (drawn smoothly when scaled), as opposed to an
	// image grid (drawn pixelated).
	Chart bool
	// Missing says why there is no picture ("" when there is one).
	Missing string
}

// Metrics are a model's figures on the report's rows. A nil value was not
// measured (a model without an encoder, an AE's KL, no labels, ...).
type Metrics struct {
	// MSE and BCE are the reconstruction errors per value (metrics.MSE,
	// metrics.BCE) of decode(μ) against the rows; BCE only for rows and
	// reconstructions in [0, 1].
	MSE *float64 `json:"mse,omitempty"`
	BCE *float64 `json:"bce,omitempty"`
	// NegELBO is the negative ELBO in nats per row, with one sampled code
	// per row (VAEs); Recon its reconstruction term.
	NegELBO *float64 `json:"neg_elbo,omitempty"`
	Recon   *float64 `json:"recon,omitempty"`
	// KL is KL(q(z|x) ‖ N(0, I)) in nats per row and KLPerDim its share
	// per code dimension (VAEs), averaged over the rows.
	KL       *float64  `json:"kl,omitempty"`
	KLPerDim []float64 `json:"kl_per_dim,omitempty"`
	// Active counts the active units, dimensions whose μ varies over the
	// rows by more than ActiveVariance, of Latent dimensions; ActiveKL
	// counts those with KL above viz.DefaultKLThreshold (VAEs).
	Active   *int `json:"active_units,omitempty"`
	ActiveKL *int `json:"active_units_kl,omitempty"`
	Latent   int  `json:"latent"`
	// Trustworthiness and Continuity of the codes as an embedding of the
	// rows, with k neighbours.
	Trustworthiness *float64 `json:"trustworthiness,omitempty"`
	Continuity      *float64 `json:"continuity,omitempty"`
	// KNNAccuracy is the 5-fold k-NN classification accuracy of the
	// codes, KNNAccuracyStd its standard deviation over the folds.
	KNNAccuracy    *float64 `json:"knn_accuracy,omitempty"`
	KNNAccuracyStd *float64 `json:"knn_accuracy_std,omitempty"`
	// Lerp and Slerp are the interpolation-smoothness figures.
	Lerp  *metrics.SmoothnessResult `json:"smoothness_lerp,omitempty"`
	Slerp *metrics.SmoothnessResult `json:"smoothness_slerp,omitempty"`
	// Gap is the overfitting gap, GapKind how it was measured, TrainLoss
	// and HeldOutLoss its two terms (see the package documentation).
	Gap         *float64 `json:"gap,omitempty"`
	GapKind     string   `json:"gap_kind,omitempty"`
	TrainLoss   *float64 `json:"train_loss,omitempty"`
	HeldOutLoss *float64 `json:"held_out_loss,omitempty"`
	// MapTrust holds the trustworthiness of each map against the codes,
	// by method.
	MapTrust map[string]float64 `json:"map_trustworthiness,omitempty"`
}

// evaluator is the optional method of models that measure their own
// objective (model.Autoencoder).
type evaluator interface {
	Evaluate(x *mat32.Dense, labels []int, seed uint64) (model.Metrics, error)
}

// builder carries a report's state while it is computed.
type builder struct {
	ctx    context.Context
	opt    Options
	set    Settings
	prog   progress.Func
	stage  int
	stages int

	d      *dataset.Dataset // the rows used
	shape  dataset.ImageShape
	image  bool
	grey   [2]float32 // the value range drawn from black to white (imageRange)
	picks  picks
	notes  []string
	noteOK map[string]bool
}

// picks are the rows shown in the image views, the same for every model.
type picks struct {
	recon  []int    // originals to reconstruct
	pairs  [][2]int // lerp/slerp strips
	anchor int      // the row whose code the traversals start from
}

func (b *builder) step(what string) error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	b.stage++
	b.prog.Report(progress.Update{Stage: "report", Done: int64(b.stage), Total: int64(b.stages), Message: what})
	return nil
}

// note adds a report-level note once.
func (b *builder) note(s string) {
	if b.noteOK == nil {
		b.noteOK = map[string]bool{}
	}
	if !b.noteOK[s] {
		b.noteOK[s] = true
		b.notes = append(b.notes, s)
	}
}

func (b *builder) build(full *dataset.Dataset, subjects []Subject) (*Report, error) {
	b.d = full
	if full.Len() > b.set.MaxPoints {
		b.d = full.Subset(dataset.SampleIndices(full.Len(), b.set.MaxPoints, b.set.Seed))
		b.d.Name = full.Name
		b.note(fmt.Sprintf("%d of the %d rows, drawn at random (seed %d), are measured and mapped.", b.d.Len(), full.Len(), b.set.Seed))
	}
	b.shape = full.Image
	if !b.shape.IsImage() {
		if s := subjects[0].Model.InputShape().Image; s.IsImage() && s.Size() == full.Dim() {
			b.shape = s
		}
	}
	b.image = b.shape.IsImage()
	if b.image {
		b.grey = imageRange(b.d.X)
	} else {
		b.note(fmt.Sprintf("The rows of %s are not images: the image views (reconstructions, samples, interpolations, traversals) are left out; the maps and metrics stand.", dataName(full)))
	}
	if !full.HasLabels() {
		b.note("The data have no labels: the maps are drawn in one colour and kNN accuracy is left out.")
	}
	b.picks = b.choose()
	r := &Report{
		Title:    b.opt.Title,
		Settings: b.set,
		Image:    b.image,
		Data: DataInfo{Name: dataName(full), Rows: full.Len(), Used: b.d.Len(), Dim: full.Dim(),
			Image: b.shape, Classes: full.Classes},
	}
	if full.HasLabels() {
		counts, _ := b.d.LabelCounts()
		for _, c := range counts {
			r.Data.Labelled += c
		}
	}
	if r.Title == "" {
		var names []string
		for _, s := range subjects {
			names = append(names, s.Name)
		}
		r.Title = "latent report: " + strings.Join(names, " vs ")
	}
	for _, s := range subjects {
		mr, err := b.model(s)
		if err != nil {
			return nil, err
		}
		r.Models = append(r.Models, mr)
	}
	r.Table = table(r, b.set)
	r.Notes = b.notes
	return r, nil
}

func dataName(d *dataset.Dataset) string {
	if d.Name != "" {
		return d.Name
	}
	return "the data"
}

// choose picks the rows the image views show: a few of each class (or the
// first rows without labels) and pairs of rows of different classes.
func (b *builder) choose() picks {
	d := b.d
	n := d.Len()
	rng := dataset.NewRand(b.set.Seed, streamPick)
	order := rng.Perm(n)
	var p picks
	if d.HasLabels() {
		per := map[int]int{}
		for _, i := range order {
			l := d.Labels[i]
			if l != dataset.NoLabel && per[l] < reconPerClass {
				per[l]++
				p.recon = append(p.recon, i)
			}
		}
		// Order by class, so that columns read as classes.
		slices.SortStableFunc(p.recon, func(a, c int) int { return d.Labels[a] - d.Labels[c] })
		if len(p.recon) > reconMax {
			p.recon = p.recon[:reconMax]
		}
		// Interleave the two rows of each class: first row of every
		// class, then the second row of every class.
		var first, second []int
		for k, i := range p.recon {
			if k > 0 && d.Labels[p.recon[k-1]] == d.Labels[i] {
				second = append(second, i)
			} else {
				first = append(first, i)
			}
		}
		p.recon = append(first, second...)
	}
	if len(p.recon) == 0 { // no labels, or no labelled row
		p.recon = order[:min(n, reconMax)]
	}
	for k := 0; k+1 < len(order) && len(p.pairs) < interpPairs; k += 2 {
		a, c := order[k], order[k+1]
		if d.HasLabels() && d.Labels[a] == d.Labels[c] && d.Labels[a] != dataset.NoLabel {
			continue
		}
		p.pairs = append(p.pairs, [2]int{a, c})
	}
	p.anchor = p.recon[0]
	return p
}

// model computes the section of one model.
func (b *builder) model(s Subject) (*ModelReport, error) {
	m := s.Model
	cfg := m.Config()
	mr := &ModelReport{Name: s.Name, Config: cfg, Card: m.Card()}
	mr.CardRows = cardRows(cfg, mr.Card)
	mr.Metrics.Latent = m.LatentDim()
	x := b.d.X
	if cfg.Type.Conditional() {
		lab, err := model.ClassIndices(cfg, b.d)
		if err != nil {
			return nil, fmt.Errorf("report: model %s: %w", s.Name, err)
		}
		mr.labels = lab
	}
	if err := b.step(s.Name + ": training curves"); err != nil {
		return nil, err
	}
	mr.Curves = curvesFigure(mr)

	if err := b.step(s.Name + ": encoding"); err != nil {
		return nil, err
	}
	mu, logVar, err := m.Encode(x, mr.labels)
	if errors.Is(err, model.ErrNoEncoder) {
		mr.Notes = append(mr.Notes, s.Name+" has no encoder (a GAN): no reconstructions, maps or code metrics; smoothness is measured between samples of its prior.")
		mu = nil
	} else if err != nil {
		return nil, fmt.Errorf("report: model %s: encoding %s: %w", s.Name, dataName(b.d), err)
	}
	if mu != nil {
		if err := b.reconstruction(mr, m, mu); err != nil {
			return nil, err
		}
		klDims(mr, mu, logVar)
	}

	if err := b.step(s.Name + ": samples"); err != nil {
		return nil, err
	}
	if err := b.samples(mr, m); err != nil {
		return nil, err
	}

	if err := b.step(s.Name + ": neighbourhood metrics"); err != nil {
		return nil, err
	}
	if mu != nil {
		if err := b.codeMetrics(mr, mu); err != nil {
			return nil, err
		}
	}

	if err := b.step(s.Name + ": smoothness"); err != nil {
		return nil, err
	}
	if err := b.smoothness(mr, m, mu); err != nil {
		return nil, err
	}

	if err := b.step(s.Name + ": interpolations and traversals"); err != nil {
		return nil, err
	}
	if mu != nil {
		if err := b.pathViews(mr, m, mu); err != nil {
			return nil, err
		}
	}
	for _, method := range b.set.Methods {
		if err := b.step(s.Name + ": " + methodName(method) + " map"); err != nil {
			return nil, err
		}
		f, err := b.mapFigure(mr, method, mu)
		if err != nil {
			return nil, err
		}
		mr.Maps = append(mr.Maps, f)
	}
	return mr, nil
}

// decode decodes generated codes; a conditional model decodes them with
// its first class.
func decode(m model.Model, z *mat32.Dense) (*mat32.Dense, error) {
	var labels []int
	if m.Config().Type.Conditional() {
		labels = make([]int, z.Rows)
	}
	return m.Decode(z, labels)
}

// reconstruction measures the reconstruction of the rows from μ and the
// model's own objective, and draws originals against reconstructions.
func (b *builder) reconstruction(mr *ModelReport, m model.Model, mu *mat32.Dense) error {
	x := b.d.X
	recon, err := m.Decode(mu, mr.labels)
	if err != nil {
		return fmt.Errorf("report: model %s: decoding: %w", mr.Name, err)
	}
	mse, err := metrics.MSE(x, recon)
	if err != nil {
		return fmt.Errorf("report: model %s: %w", mr.Name, err)
	}
	mr.Metrics.MSE = &mse
	if inUnit(x) && inUnit(recon) {
		bce, err := metrics.BCE(x, recon)
		if err != nil {
			return fmt.Errorf("report: model %s: %w", mr.Name, err)
		}
		mr.Metrics.BCE = &bce
	}
	if ev, ok := m.(evaluator); ok {
		em, err := ev.Evaluate(x, mr.labels, b.set.Seed)
		if err != nil {
			mr.Notes = append(mr.Notes, fmt.Sprintf("The model's own loss could not be measured on these rows: %v", err))
		} else {
			rec := em.Recon
			mr.Metrics.Recon = &rec
			if m.Config().Type.Variational() {
				ne, kl := em.NegELBO, em.KL
				mr.Metrics.NegELBO, mr.Metrics.KL = &ne, &kl
			}
			b.gap(mr, em)
		}
	}
	if !b.image {
		return nil
	}
	orig := mat32.Gather(nil, x, b.picks.recon)
	rec := mat32.Gather(nil, recon, b.picks.recon)
	cols := min(gridCols, orig.Rows)
	f, err := viz.Reconstructions(orig, rec, b.shape, cols, viz.GridOptions{Range: b.grey})
	mr.Recon, err = b.figure(f, err, "Originals (odd rows) and their reconstructions from μ (even rows)")
	return err
}

// imageRange is the value range drawn from black to white: [0, 1] unless
// the data x go beyond it.
func imageRange(x *mat32.Dense) [2]float32 {
	lo, hi, _ := mat32.MinMax(x.Data)
	if lo >= 0 && hi <= 1 {
		return [2]float32{0, 1}
	}
	return [2]float32{lo, hi}
}

func inUnit(m *mat32.Dense) bool {
	lo, hi, _ := mat32.MinMax(m.Data)
	return lo >= 0 && hi <= 1
}

// gap fills in the overfitting gap: validation minus training loss at the
// best epoch when the card has validation losses, else the loss on the
// report's rows minus the last training loss.
func (b *builder) gap(mr *ModelReport, em model.Metrics) {
	h := mr.Card.History
	if len(h) == 0 {
		return
	}
	best := h[len(h)-1]
	for _, e := range h {
		if e.Epoch == mr.Card.BestEpoch {
			best = e
		}
	}
	unweighted := func(l model.Losses) float64 { return l.Recon + l.KL }
	train := unweighted(best.Train)
	if best.Val != nil {
		val := unweighted(*best.Val)
		g := val - train
		mr.Metrics.TrainLoss, mr.Metrics.HeldOutLoss, mr.Metrics.Gap = &train, &val, &g
		mr.Metrics.GapKind = fmt.Sprintf("validation − training loss at epoch %d (model card)", best.Epoch)
		return
	}
	held := em.Recon + em.KL
	g := held - train
	mr.Metrics.TrainLoss, mr.Metrics.HeldOutLoss, mr.Metrics.Gap = &train, &held, &g
	mr.Metrics.GapKind = fmt.Sprintf("loss on these rows − training loss of epoch %d (the card has no validation losses; meaningful when these rows were not trained on)", best.Epoch)
}

// klDims fills in the KL per dimension (VAEs) and the active units.
func klDims(mr *ModelReport, mu, logVar *mat32.Dense) {
	n, d := mu.Rows, mu.Cols
	means := make([]float64, d)
	for i := range n {
		for j, v := range mu.Row(i) {
			means[j] += float64(v)
		}
	}
	for j := range means {
		means[j] /= float64(n)
	}
	vars := make([]float64, d)
	for i := range n {
		for j, v := range mu.Row(i) {
			e := float64(v) - means[j]
			vars[j] += e * e
		}
	}
	active := 0
	for j := range vars {
		vars[j] /= float64(n)
		if vars[j] > ActiveVariance {
			active++
		}
	}
	mr.Metrics.Active = &active
	if logVar == nil {
		return
	}
	kl := make([]float64, d)
	for i := range n {
		lv := logVar.Row(i)
		for j, v := range mu.Row(i) {
			m, l := float64(v), float64(lv[j])
			kl[j] += 0.5 * (m*m + math.Exp(l) - l - 1)
		}
	}
	activeKL := 0
	for j := range kl {
		kl[j] /= float64(n)
		if kl[j] > viz.DefaultKLThreshold {
			activeKL++
		}
	}
	mr.Metrics.KLPerDim = kl
	mr.Metrics.ActiveKL = &activeKL
	order := dimOrder(kl)
	labels := make([]string, d)
	sorted := make([]float64, d)
	for k, j := range order {
		labels[k] = fmt.Sprintf("z%d", j)
		sorted[k] = kl[j]
	}
	f, err := viz.KLBars(sorted, viz.KLOptions{Labels: labels, Width: 560, Height: 340})
	if mr.KL, _ = figureOf(f, err, "KL divergence per code dimension, largest first (nats per row)"); mr.KL != nil {
		mr.KL.Chart = true
	}
}

// dimOrder returns the dimensions by decreasing value, ties by index.
func dimOrder(v []float64) []int {
	order := make([]int, len(v))
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, c int) int {
		switch {
		case v[a] > v[c]:
			return -1
		case v[a] < v[c]:
			return 1
		}
		return 0
	})
	return order
}

// samples draws codes from the model's prior and decodes them.
func (b *builder) samples(mr *ModelReport, m model.Model) error {
	if !b.image {
		return nil
	}
	var labels []int
	if c := m.Config(); c.Type.Conditional() {
		labels = make([]int, sampleCount)
		for i := range labels {
			labels[i] = i % len(c.Classes)
		}
	}
	x, err := m.Sample(sampleCount, b.set.Seed+streamSample, labels)
	if err != nil {
		mr.Samples = &Figure{Title: "Samples from the prior", Missing: err.Error()}
		return nil
	}
	f, err := viz.ImageGrid(x, b.shape, gridCols, nil, viz.GridOptions{Range: b.grey})
	what := "N(0, I)"
	if !m.Config().Type.Variational() && m.Config().Type != model.GAN {
		what = "the Gaussian fitted to the training codes"
	}
	mr.Samples, err = b.figure(f, err, fmt.Sprintf("%d codes drawn from %s, decoded", sampleCount, what))
	return err
}

// codeMetrics measures the codes as an embedding of the rows.
func (b *builder) codeMetrics(mr *ModelReport, mu *mat32.Dense) error {
	x := b.d.X
	ns, err := metrics.Neighborhood(b.ctx, x, mu, metrics.NeighborOptions{K: b.set.K, Progress: b.prog})
	if err != nil {
		return fmt.Errorf("report: model %s: %w", mr.Name, err)
	}
	mr.Metrics.Trustworthiness, mr.Metrics.Continuity = &ns.Trustworthiness, &ns.Continuity
	if !b.d.HasLabels() {
		return nil
	}
	r, err := metrics.KNNAccuracy(b.ctx, mu, b.d.Labels, metrics.KNNAccuracyOptions{K: b.set.K, Seed: b.set.Seed, Progress: b.prog})
	if err != nil {
		mr.Notes = append(mr.Notes, fmt.Sprintf("kNN accuracy left out: %v", err))
		return nil
	}
	mr.Metrics.KNNAccuracy, mr.Metrics.KNNAccuracyStd = &r.Mean, &r.Std
	return nil
}

// smoothness measures lerp and slerp paths between the codes of the rows
// (or, without an encoder, between codes drawn from the prior), decoded
// points measured against the rows.
func (b *builder) smoothness(mr *ModelReport, m model.Model, mu *mat32.Dense) error {
	z := mu
	if z == nil {
		g, err := m.Prior()
		if err != nil {
			mr.Notes = append(mr.Notes, fmt.Sprintf("Smoothness left out: %v", err))
			return nil
		}
		z, err = g.Sample(nil, b.d.Len(), 1, dataset.NewRand(b.set.Seed, streamSample))
		if err != nil {
			mr.Notes = append(mr.Notes, fmt.Sprintf("Smoothness left out: %v", err))
			return nil
		}
	}
	dec := func(c *mat32.Dense) (*mat32.Dense, error) { return decode(m, c) }
	for _, method := range []space.Method{space.Linear, space.Spherical} {
		r, err := metrics.Smoothness(b.ctx, z, dec, metrics.SmoothnessOptions{
			Pairs: b.set.SmoothPairs, Steps: b.set.SmoothSteps, Method: method, Seed: b.set.Seed,
			Reference: b.d.X, ReferenceSample: -1, Progress: b.prog,
		})
		if err != nil {
			if b.ctx.Err() != nil {
				return b.ctx.Err()
			}
			mr.Notes = append(mr.Notes, fmt.Sprintf("%s smoothness left out: %v", method, err))
			continue
		}
		if method == space.Linear {
			mr.Metrics.Lerp = &r
		} else {
			mr.Metrics.Slerp = &r
		}
	}
	return nil
}

// pathViews draws the lerp and slerp strips and the traversals.
func (b *builder) pathViews(mr *ModelReport, m model.Model, mu *mat32.Dense) error {
	if !b.image {
		return nil
	}
	x := b.d.X
	lat := mu.Cols
	np := len(b.picks.pairs)
	if np > 0 {
		codes := mat32.New(2*np*interpSteps, lat)
		ends := mat32.New(4*np, x.Cols)
		labels := make([]string, 0, 2*np)
		for p, pr := range b.picks.pairs {
			for k, method := range []space.Method{space.Linear, space.Spherical} {
				strip := 2*p + k
				space.Path(codes.Slice(strip*interpSteps, (strip+1)*interpSteps), mu.Row(pr[0]), mu.Row(pr[1]), interpSteps, method)
				copy(ends.Row(2*strip), x.Row(pr[0]))
				copy(ends.Row(2*strip+1), x.Row(pr[1]))
				labels = append(labels, method.String())
			}
		}
		paths, err := decode(m, codes)
		if err != nil {
			return fmt.Errorf("report: model %s: decoding interpolations: %w", mr.Name, err)
		}
		f, err := viz.Interpolations(paths, interpSteps, b.shape, labels, ends, viz.GridOptions{RowGroup: 2, Range: b.grey})
		if mr.Interp, err = b.figure(f, err, fmt.Sprintf("%d decoded points between the codes of two rows (framed at the ends): straight line (lerp) and great circle (slerp)", interpSteps)); err != nil {
			return err
		}
	}
	// Traversals: the dimensions that matter most, from the code of one
	// row, each set to its mean + v standard deviations over the rows.
	means, sds := colStats(mu)
	key := mr.Metrics.KLPerDim
	what := "KL"
	if key == nil {
		key = make([]float64, lat)
		for j := range key {
			key[j] = sds[j] * sds[j]
		}
		what = "var"
	}
	order := dimOrder(key)[:min(traverseDims, lat)]
	values := space.Linspace(-traverseSigmaHi, traverseSigmaHi, 2*traverseSigmaHi+1)
	codes := mat32.New(len(order)*len(values), lat)
	rowLabels := make([]string, len(order))
	for r, j := range order {
		vals := make([]float64, len(values))
		for k, v := range values {
			vals[k] = means[j] + v*sds[j]
		}
		space.Traverse(codes.Slice(r*len(values), (r+1)*len(values)), mu.Row(b.picks.anchor), j, vals)
		rowLabels[r] = fmt.Sprintf("z%d %s %.2g", j, what, key[j])
	}
	frames, err := decode(m, codes)
	if err != nil {
		return fmt.Errorf("report: model %s: decoding traversals: %w", mr.Name, err)
	}
	f, err := viz.Traversals(frames, b.shape, values, rowLabels, viz.GridOptions{Range: b.grey})
	sortedBy := "KL per dimension"
	if what == "var" {
		sortedBy = "variance of μ"
	}
	mr.Traversal, err = b.figure(f, err, fmt.Sprintf("One row per code dimension, by %s: the code of one row with that dimension set to its mean + v standard deviations over the rows (v in the column heads)", sortedBy))
	return err
}

// colStats returns the mean and population standard deviation of each
// column.
func colStats(m *mat32.Dense) (means, sds []float64) {
	means = make([]float64, m.Cols)
	sds = make([]float64, m.Cols)
	for i := range m.Rows {
		for j, v := range m.Row(i) {
			means[j] += float64(v)
		}
	}
	for j := range means {
		means[j] /= float64(m.Rows)
	}
	for i := range m.Rows {
		for j, v := range m.Row(i) {
			e := float64(v) - means[j]
			sds[j] += e * e
		}
	}
	for j := range sds {
		sds[j] = math.Sqrt(sds[j] / float64(m.Rows))
	}
	return means, sds
}

func methodName(m string) string {
	switch m {
	case PCA:
		return "PCA"
	case TSNE:
		return "t-SNE"
	case UMAP:
		return "UMAP"
	}
	return m
}

// mapFigure projects the codes to 2-D with method and draws them coloured
// by label.
func (b *builder) mapFigure(mr *ModelReport, method string, mu *mat32.Dense) (*Figure, error) {
	title := methodName(method) + " of the codes"
	if mu == nil {
		return &Figure{Title: title, Missing: "no codes (the model has no encoder)"}, nil
	}
	if mu.Cols < 2 {
		return &Figure{Title: title, Missing: "the codes have a single dimension"}, nil
	}
	n := mu.Rows
	var emb *mat32.Dense
	var how string
	switch method {
	case PCA:
		var p pca.PCA
		if err := p.Fit(mu, pca.Options{Components: 2}); err != nil {
			return &Figure{Title: title, Missing: err.Error()}, nil
		}
		emb = p.Transform(nil, mu)
		r := p.ExplainedVarianceRatio(nil)
		how = fmt.Sprintf("explained variance %.0f%% + %.0f%%", 100*r[0], 100*r[1])
	case TSNE:
		perp := min(maxPerplexity, math.Floor(float64(n)/3)-1)
		if perp < 2 {
			return &Figure{Title: title, Missing: fmt.Sprintf("too few rows (%d) for t-SNE", n)}, nil
		}
		tm, err := tsne.Fit(b.ctx, mu, tsne.Options{Perplexity: perp, Seed: b.set.Seed, Progress: b.prog})
		if err != nil {
			if b.ctx.Err() != nil {
				return nil, b.ctx.Err()
			}
			return &Figure{Title: title, Missing: err.Error()}, nil
		}
		emb = tm.Embedding(nil)
		how = fmt.Sprintf("perplexity %g, KL %.3f", perp, tm.KL())
	case UMAP:
		o := umap.DefaultOptions()
		o.Neighbors = min(umapNeighbors, n-1)
		o.Seed = b.set.Seed
		o.Progress = b.prog
		var u umap.UMAP
		var err error
		emb, err = u.FitTransform(b.ctx, nil, mu, o)
		if err != nil {
			if b.ctx.Err() != nil {
				return nil, b.ctx.Err()
			}
			return &Figure{Title: title, Missing: err.Error()}, nil
		}
		how = fmt.Sprintf("%d neighbours, min_dist %g", o.Neighbors, o.MinDist)
	}
	ns, err := metrics.Neighborhood(b.ctx, mu, emb, metrics.NeighborOptions{K: b.set.K})
	if err == nil {
		if mr.Metrics.MapTrust == nil {
			mr.Metrics.MapTrust = map[string]float64{}
		}
		mr.Metrics.MapTrust[method] = ns.Trustworthiness
		how += fmt.Sprintf("; trustworthiness %.3f against the codes (k = %d)", ns.Trustworthiness, b.set.K)
	} else if b.ctx.Err() != nil {
		return nil, b.ctx.Err()
	}
	f, err := viz.Scatter(emb, viz.ByLabels(b.d), viz.ScatterOptions{Width: mapWidth, Height: mapHeight,
		Title: title, Seed: b.set.Seed, AxisLabels: []string{methodName(method) + " 1", methodName(method) + " 2"}})
	fig, err := figureOf(f, err, fmt.Sprintf("%d codes (μ), coloured by label; %s", n, how))
	if err != nil {
		return nil, fmt.Errorf("report: model %s: %w", mr.Name, err)
	}
	fig.Title, fig.Chart = title, true
	return fig, nil
}

// figure finishes an image view: ErrNotImage turns into a note, other
// errors are returned.
func (b *builder) figure(f *viz.Figure, err error, caption string) (*Figure, error) {
	if errors.Is(err, viz.ErrNotImage) {
		b.note("Image views left out: " + err.Error())
		return nil, nil
	}
	fig, err := figureOf(f, err, caption)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return fig, nil
}

// figureOf encodes a viz figure as a PNG data URI with its caption (and
// the figure's own caption, when it has one).
func figureOf(f *viz.Figure, err error, caption string) (*Figure, error) {
	if err != nil {
		return nil, err
	}
	uri, err := f.DataURI(viz.PNG)
	if err != nil {
		return nil, err
	}
	if f.Caption != "" {
		caption += " — " + f.Caption
	}
	return &Figure{Caption: caption, Width: f.Width, Height: f.Height, URI: template.URL(uri)}, nil
}

// curvesFigure draws the training history of the card: the loss, the
// reconstruction and (VAEs) the KL, training solid and validation dashed.
func curvesFigure(mr *ModelReport) *Figure {
	h := mr.Card.History
	title := "Training curves"
	if len(h) == 0 {
		return &Figure{Title: title, Missing: "the model card has no training history"}
	}
	pick := func(f func(model.Losses) float64) (tr, val []float64) {
		tr = make([]float64, len(h))
		hasVal := false
		for i, e := range h {
			tr[i] = f(e.Train)
			hasVal = hasVal || e.Val != nil
		}
		if hasVal {
			val = make([]float64, len(h))
			for i, e := range h {
				val[i] = math.NaN()
				if e.Val != nil {
					val[i] = f(*e.Val)
				}
			}
		}
		return tr, val
	}
	var panels []viz.Panel
	if mr.Config.Type == model.GAN {
		d, _ := pick(func(l model.Losses) float64 { return l.D })
		g, _ := pick(func(l model.Losses) float64 { return l.G })
		panels = append(panels, viz.LossPanel("discriminator", d, nil), viz.LossPanel("generator", g, nil))
	} else {
		tr, val := pick(func(l model.Losses) float64 { return l.Loss })
		p := viz.LossPanel("loss", tr, val)
		p.YLabel = "per row"
		panels = append(panels, p)
		tr, val = pick(func(l model.Losses) float64 { return l.Recon })
		panels = append(panels, viz.LossPanel("reconstruction", tr, val))
		if mr.Config.Type.Variational() {
			tr, val = pick(func(l model.Losses) float64 { return l.KL })
			panels = append(panels, viz.LossPanel("KL", tr, val))
		}
	}
	f, err := viz.Curves(panels, viz.CurveOptions{Width: 300 * len(panels), Height: 300})
	caption := "Per epoch: training (solid, mean over the epoch's batches) and validation (dashed, at the end of the epoch)"
	if h[len(h)-1].Val == nil && mr.Config.Type != model.GAN {
		caption = "Per epoch, training only: the model was trained without a validation split"
	}
	fig, err := figureOf(f, err, caption)
	if err != nil {
		return &Figure{Title: title, Missing: err.Error()}
	}
	fig.Title, fig.Chart = title, true
	return fig
}
