package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/metrics"
	"github.com/latentlab/latent/progress"
)

func init() { register(newEvalCmd) }

// evalMetric is one name --metrics accepts.
type evalMetric struct {
	name    string   // canonical name, the JSON key
	aliases []string // short names
	labels  bool     // needs class labels
	input   bool     // needs --input
	help    string
}

var evalMetrics = []evalMetric{
	{"trustworthiness", []string{"trust"}, false, true, "are the embedding's k neighbours true ones? (sklearn's definition)"},
	{"continuity", []string{"cont"}, false, true, "are the input's k neighbours kept in the embedding?"},
	{"knn_preservation", []string{"knnpres"}, false, true, "mean fraction of the k input neighbours among the k embedding neighbours"},
	{"knn_accuracy", []string{"knnacc"}, true, false, "k-NN classification accuracy of the embedding, stratified --folds cross-validation"},
	{"silhouette", []string{"sil"}, true, false, "silhouette score of the classes in the embedding"},
}

func lookupEvalMetric(s string) (evalMetric, bool) {
	for _, m := range evalMetrics {
		if s == m.name || slices.Contains(m.aliases, s) {
			return m, true
		}
	}
	return evalMetric{}, false
}

// evalReport is the --json output; absent metrics are left out.
type evalReport struct {
	Input            string       `json:"input,omitempty"`
	Embedding        string       `json:"embedding"`
	Rows             int          `json:"rows"`
	K                int          `json:"k"`
	Trustworthiness  *float64     `json:"trustworthiness,omitempty"`
	Continuity       *float64     `json:"continuity,omitempty"`
	KNNPreservation  *float64     `json:"knn_preservation,omitempty"`
	KNNAccuracy      *evalKNNAcc  `json:"knn_accuracy,omitempty"`
	Silhouette       *float64     `json:"silhouette,omitempty"`
	SilhouetteSample int          `json:"silhouette_sample,omitempty"`
	Classes          int          `json:"classes,omitempty"`
	Seconds          evalDuration `json:"seconds"`
}

type evalKNNAcc struct {
	Mean  float64   `json:"mean"`
	Std   float64   `json:"std"`
	Folds []float64 `json:"folds"`
}

type evalDuration struct {
	Neighborhood float64 `json:"neighborhood,omitempty"`
	KNNAccuracy  float64 `json:"knn_accuracy,omitempty"`
	Silhouette   float64 `json:"silhouette,omitempty"`
}

func newEvalCmd(a *app) *cobra.Command {
	var (
		inOpt, embOpt   formats.Options
		input, emb, sel string
		k, folds        int
		sample          int
	)
	var help strings.Builder
	for _, m := range evalMetrics {
		fmt.Fprintf(&help, "  %-17s %-8s %s\n", m.name, m.aliases[0], m.help)
	}
	cmd := &cobra.Command{
		Use:   "eval --embedding Y [--input X] [--labels L] [-k 10] [--metrics LIST]",
		Short: "Judge an embedding: trustworthiness, continuity, kNN preservation and accuracy, silhouette",
		Long: `eval scores an embedding Y of the data X (the same rows, in the same order).

Metrics (--metrics takes a comma-separated list of names or short names):
` + help.String() + `
Without --metrics, eval computes the first three when --input is given and
the last two when class labels are known: from --labels, else from the
input's labels (an IDX images file brings its companion labels file), else
from the embedding's. Unlabelled rows take no part in the label metrics.

The neighbourhood metrics need O(n²·d) time but only a few blocks of
distances in memory: 70,000 Fashion-MNIST images against a 2-D embedding
fit in well under a gigabyte. k must be below n/2 for trustworthiness and
continuity. Results do not depend on --threads; kNN accuracy folds depend
on --seed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			want, err := parseEvalMetrics(sel, input != "")
			if err != nil {
				return err
			}
			if k <= 0 {
				return usagef("-k %d: need at least 1 neighbour", k)
			}
			if folds < 2 {
				return usagef("--folds %d: need at least 2", folds)
			}
			if sample < 0 {
				return usagef("--silhouette-sample %d: must be 0 (all rows) or positive", sample)
			}
			if emb == "" {
				return usagef("no --embedding file given")
			}
			for _, m := range want {
				if m.input && input == "" {
					return usagef("%s needs --input, the data the embedding was made from", m.name)
				}
			}
			// Labels go with the input when there is one.
			if input == "" {
				embOpt.Labels = inOpt.Labels
			}
			ed, err := loadData(emb, embOpt)
			if err != nil {
				return err
			}
			if err := dataset.CheckFinite(emb, ed.X); err != nil {
				return err
			}
			var xd *dataset.Dataset
			if input != "" {
				if xd, err = loadData(input, inOpt); err != nil {
					return err
				}
				if err := dataset.CheckFinite(input, xd.X); err != nil {
					return err
				}
				if xd.Len() != ed.Len() {
					return fmt.Errorf("%s has %d rows but %s has %d: an embedding must have one row per input row", input, xd.Len(), emb, ed.Len())
				}
			}
			labels := ed.Labels
			classes := len(ed.Classes)
			if xd != nil && xd.HasLabels() {
				labels, classes = xd.Labels, len(xd.Classes)
			}
			if sel == "" && labels != nil {
				for _, m := range evalMetrics {
					if m.labels {
						want = append(want, m)
					}
				}
			}
			for _, m := range want {
				if m.labels && labels == nil {
					return usagef("%s needs class labels: pass --labels, or an input or embedding file that has them", m.name)
				}
			}
			if len(want) == 0 {
				return usagef("nothing to compute: give --input for the neighbourhood metrics, or labels for the class metrics")
			}
			rep := evalReport{Input: input, Embedding: emb, Rows: ed.Len(), K: k}
			bar := a.progressBar()
			defer bar.Finish()
			if err := runEval(cmd.Context(), &rep, want, xd, ed, labels, folds, sample, a.seed, bar.Func()); err != nil {
				return err
			}
			bar.Finish()
			if rep.KNNAccuracy != nil || rep.Silhouette != nil {
				rep.Classes = classes
			}
			if a.json {
				return writeJSON(a.stdout, rep)
			}
			printEval(a, &rep, folds)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&emb, "embedding", "", "the embedding to judge (one row per input row)")
	f.StringVar(&input, "input", "", "the data the embedding was made from")
	f.StringVar(&sel, "metrics", "", "comma-separated metrics (default: all that the inputs allow)")
	f.IntVarP(&k, "k", "k", metrics.DefaultK, "neighbours for every metric")
	f.IntVar(&folds, "folds", metrics.DefaultFolds, "cross-validation folds for knn_accuracy")
	f.IntVar(&sample, "silhouette-sample", 0, "score the silhouette on this many random rows (0 = all)")
	addLoadFlags(f, &inOpt, "")
	addLoadFlags(f, &embOpt, "embedding-")
	return cmd
}

// parseEvalMetrics turns --metrics into metrics, in the table's order;
// "" means the neighbourhood metrics when there is an input (the label
// metrics are added once labels are known).
func parseEvalMetrics(sel string, haveInput bool) ([]evalMetric, error) {
	if sel == "" {
		var out []evalMetric
		for _, m := range evalMetrics {
			if m.input && haveInput {
				out = append(out, m)
			}
		}
		return out, nil
	}
	seen := map[string]bool{}
	for _, s := range strings.Split(sel, ",") {
		s = strings.ToLower(strings.TrimSpace(s))
		m, ok := lookupEvalMetric(s)
		if !ok {
			var names []string
			for _, m := range evalMetrics {
				names = append(names, m.name+" ("+m.aliases[0]+")")
			}
			return nil, usagef("--metrics: unknown metric %q (known: %s)", s, strings.Join(names, ", "))
		}
		seen[m.name] = true
	}
	var out []evalMetric
	for _, m := range evalMetrics {
		if seen[m.name] {
			out = append(out, m)
		}
	}
	return out, nil
}

// runEval computes the chosen metrics into rep.
func runEval(ctx context.Context, rep *evalReport, want []evalMetric, xd, ed *dataset.Dataset, labels []int, folds, sample int, seed uint64, prog progress.Func) error {
	has := func(name string) bool {
		return slices.ContainsFunc(want, func(m evalMetric) bool { return m.name == name })
	}
	if has("trustworthiness") || has("continuity") || has("knn_preservation") {
		start := time.Now()
		r, err := metrics.Neighborhood(ctx, xd.X, ed.X, metrics.NeighborOptions{
			K: rep.K, Progress: prog,
			PreservationOnly: !has("trustworthiness") && !has("continuity"),
		})
		if err != nil {
			return err
		}
		rep.Seconds.Neighborhood = time.Since(start).Seconds()
		if has("trustworthiness") {
			rep.Trustworthiness = &r.Trustworthiness
		}
		if has("continuity") {
			rep.Continuity = &r.Continuity
		}
		if has("knn_preservation") {
			rep.KNNPreservation = &r.KNNPreservation
		}
	}
	if has("knn_accuracy") {
		start := time.Now()
		r, err := metrics.KNNAccuracy(ctx, ed.X, labels, metrics.KNNAccuracyOptions{K: rep.K, Folds: folds, Seed: seed, Progress: prog})
		if err != nil {
			return err
		}
		rep.Seconds.KNNAccuracy = time.Since(start).Seconds()
		rep.KNNAccuracy = &evalKNNAcc{Mean: r.Mean, Std: r.Std, Folds: r.FoldAccuracy}
	}
	if has("silhouette") {
		start := time.Now()
		s, err := metrics.Silhouette(ctx, ed.X, labels, metrics.SilhouetteOptions{SampleSize: sample, Seed: seed, Progress: prog})
		if err != nil {
			return err
		}
		rep.Seconds.Silhouette = time.Since(start).Seconds()
		rep.Silhouette = &s
		rep.SilhouetteSample = sample
	}
	return nil
}

func printEval(a *app, rep *evalReport, folds int) {
	if rep.Input != "" {
		fmt.Fprintf(a.stdout, "%s (%d rows) judged against %s, k = %d\n", rep.Embedding, rep.Rows, rep.Input, rep.K)
	} else {
		fmt.Fprintf(a.stdout, "%s (%d rows), k = %d\n", rep.Embedding, rep.Rows, rep.K)
	}
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "metric\tvalue\t")
	row := func(name string, v *float64, note string) {
		if v != nil {
			fmt.Fprintf(w, "%s\t%.4f\t%s\n", name, *v, note)
		}
	}
	row("trustworthiness", rep.Trustworthiness, "")
	row("continuity", rep.Continuity, "")
	row("knn_preservation", rep.KNNPreservation, "")
	if r := rep.KNNAccuracy; r != nil {
		fmt.Fprintf(w, "knn_accuracy\t%.4f\t± %.4f over %d folds, %d classes\n", r.Mean, r.Std, folds, rep.Classes)
	}
	note := fmt.Sprintf("%d classes", rep.Classes)
	if rep.SilhouetteSample > 0 && rep.SilhouetteSample < rep.Rows {
		note += fmt.Sprintf(", %d sampled rows", rep.SilhouetteSample)
	}
	row("silhouette", rep.Silhouette, note)
	w.Flush()
}
