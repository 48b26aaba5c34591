package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/report"
)

func init() { register(newReportCmd) }

// fashionClasses names the ten Fashion-MNIST classes, in label order.
var fashionClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

func newReportCmd(a *app) *cobra.Command {
	var (
		load                        formats.Options
		modelName, compare, data    string
		out, methods, classNames    string
		force                       bool
		maxPoints, k, pairs, tsteps int
	)
	cmd := &cobra.Command{
		Use:   "report --model M --data D --out DIR [--compare M2] [--force]",
		Short: "Write a self-contained HTML report on a model, or two side by side",
		Long: `report measures a model (--model, a model file or a shipped model) on the
rows of --data and writes one self-contained page, DIR/index.html (every image
inline, no network), with report.json beside it: the model card, training
curves, reconstructions, samples from the prior, lerp and slerp
interpolations, traversals, PCA / t-SNE / UMAP maps of the codes coloured by
label, KL per dimension, and a metrics table (reconstruction MSE and BCE,
-ELBO and KL, active units, trustworthiness and continuity of the codes, kNN
accuracy, interpolation smoothness, train/validation gap). --compare M2 puts a
second model beside the first with a verdict per metric: the AE-against-VAE
view.

At most --max-points rows, drawn with --seed, are measured. Rows that are not
images get the maps and metrics and a note instead of image grids. Labels
named "0" to "9" of a file whose path mentions Fashion-MNIST are shown as the
class names (T-shirt/top, Trouser, ...); --class-names sets names for any data.

DIR must be empty or new; --force writes into a folder that holds files
(replacing index.html and report.json, leaving the rest). The report appears
only once complete.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if modelName == "" {
				return usagef("no model: give --model FILE or the name of a shipped model")
			}
			if data == "" {
				return usagef("no data: give --data FILE, the rows to measure the model on")
			}
			if out == "" {
				return usagef("no output folder: give --out DIR")
			}
			if compare == modelName {
				return usagef("--compare names the same model as --model")
			}
			ms, err := parseMethods(methods)
			if err != nil {
				return err
			}
			if maxPoints < 0 || k < 1 || pairs < 1 || tsteps < 3 {
				return usagef("--max-points must be ≥ 0 (0: %d), -k ≥ 1, --smooth-pairs ≥ 1 and --smooth-steps ≥ 3", report.DefaultMaxPoints)
			}
			if err := report.CheckDir(out, force); err != nil {
				return err
			}
			m1, err := loadModel(modelName)
			if err != nil {
				return err
			}
			subjects := []report.Subject{{Name: modelLabel(modelName), Model: m1}}
			if compare != "" {
				m2, err := loadModel(compare)
				if err != nil {
					return err
				}
				subjects = append(subjects, report.Subject{Name: modelLabel(compare), Model: m2})
				if subjects[0].Name == subjects[1].Name {
					subjects[0].Name, subjects[1].Name = modelName, compare
				}
			}
			d, err := loadData(data, load)
			if err != nil {
				return err
			}
			if err := nameClasses(d, data, classNames); err != nil {
				return err
			}
			bar := a.progressBar()
			defer bar.Finish()
			r, err := report.Build(cmd.Context(), d, subjects, report.Options{
				Methods: ms, MaxPoints: maxPoints, K: k, SmoothPairs: pairs, SmoothSteps: tsteps,
				Seed: a.seed, Progress: bar.Func(),
			})
			if err != nil {
				return err
			}
			if err := r.WriteDir(out, force); err != nil {
				return err
			}
			bar.Finish()
			if a.json {
				return r.WriteJSON(a.stdout)
			}
			printReport(a, r, out)
			return nil
		},
	}
	f := cmd.Flags()
	addModelFlag(f, &modelName)
	f.StringVar(&compare, "compare", "", "a second model to put beside the first")
	f.StringVar(&data, "data", "", "the rows to measure the models on")
	f.StringVar(&out, "out", "", "output folder for index.html and report.json")
	f.BoolVar(&force, "force", false, "write into an output folder that already holds files")
	f.IntVar(&maxPoints, "max-points", 0, fmt.Sprintf("measure and map at most this many rows, drawn with --seed (0 = %d)", report.DefaultMaxPoints))
	f.StringVar(&methods, "methods", strings.Join(report.Methods, ","), "maps of the codes: any of pca, tsne, umap, comma-separated (\"\" for none)")
	f.StringVar(&classNames, "class-names", "", "names of the classes in label order, comma-separated, or fashion-mnist")
	f.IntVarP(&k, "k", "k", report.DefaultK, "neighbours for trustworthiness, continuity and kNN accuracy")
	f.IntVar(&pairs, "smooth-pairs", 100, "random pairs of rows for the smoothness metric")
	f.IntVar(&tsteps, "smooth-steps", 16, "decoded points per pair for the smoothness metric (both ends included)")
	addLoadFlags(f, &load, "")
	return cmd
}

// parseMethods checks --methods.
func parseMethods(s string) ([]string, error) {
	out := []string{}
	for _, m := range strings.Split(s, ",") {
		m = strings.ToLower(strings.TrimSpace(m))
		if m == "" {
			continue
		}
		if m == "t-sne" {
			m = report.TSNE
		}
		if !slices.Contains(report.Methods, m) {
			return nil, usagef("--methods: unknown method %q (want %s)", m, strings.Join(report.Methods, ", "))
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out, nil
}

// modelLabel is the name a report gives a model: the shipped model's name,
// or the file's base name without its extension.
func modelLabel(name string) string {
	base := filepath.Base(name)
	return strings.TrimSuffix(strings.TrimSuffix(base, ".safetensors"), ".json")
}

// nameClasses applies --class-names, or the Fashion-MNIST class names to
// labels 0–9 of a file whose path mentions Fashion-MNIST.
func nameClasses(d *dataset.Dataset, path, names string) error {
	if names == "" {
		if digitClasses(d.Classes, len(fashionClasses)) && strings.Contains(strings.ToLower(path), "fashion") {
			renameClasses(d, fashionClasses)
		}
		return nil
	}
	if !d.HasLabels() {
		return usagef("--class-names: %s has no labels to name", path)
	}
	var list []string
	if strings.EqualFold(names, "fashion-mnist") {
		list = fashionClasses
	} else {
		for _, n := range strings.Split(names, ",") {
			list = append(list, strings.TrimSpace(n))
		}
	}
	if len(list) != len(d.Classes) {
		return usagef("--class-names gives %d names, %s has %d classes", len(list), path, len(d.Classes))
	}
	if digitClasses(d.Classes, len(d.Classes)) {
		renameClasses(d, list)
		return nil
	}
	d.Classes = list
	return nil
}

// digitClasses reports whether classes are the integers 0 … n−1 in some
// order.
func digitClasses(classes []string, n int) bool {
	if len(classes) != n {
		return false
	}
	seen := make([]bool, n)
	for _, c := range classes {
		v, err := strconv.Atoi(c)
		if err != nil || v < 0 || v >= n || seen[v] {
			return false
		}
		seen[v] = true
	}
	return true
}

// renameClasses names integer classes: class "3" becomes names[3].
func renameClasses(d *dataset.Dataset, names []string) {
	out := make([]string, len(d.Classes))
	for i, c := range d.Classes {
		v, _ := strconv.Atoi(c)
		out[i] = names[v]
	}
	d.Classes = out
}

// printReport prints where the report is and its metrics table.
func printReport(a *app, r *report.Report, out string) {
	page := filepath.Join(out, report.IndexFile)
	if abs, err := filepath.Abs(page); err == nil {
		page = abs
	}
	fmt.Fprintf(a.stdout, "wrote %s\n", page)
	for _, n := range r.Notes {
		fmt.Fprintf(a.stdout, "note: %s\n", n)
	}
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprint(w, "metric")
	for _, m := range r.Models {
		fmt.Fprintf(w, "\t%s", m.Name)
	}
	if len(r.Models) == 2 {
		fmt.Fprint(w, "\tverdict")
	}
	fmt.Fprintln(w)
	for _, row := range r.Table {
		fmt.Fprint(w, row.Name)
		for _, v := range row.Values {
			fmt.Fprintf(w, "\t%s", v)
		}
		if len(r.Models) == 2 {
			fmt.Fprintf(w, "\t%s", row.Verdict)
		}
		fmt.Fprintln(w)
	}
	w.Flush()
}
