package main

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/metrics"
	"github.com/latentlab/latent/models"
	"github.com/latentlab/latent/report"
	"github.com/latentlab/latent/viz"
)

func init() { register(newDemoCmd) }

// demoData is a copy of testdata/fashion-mnist (the first 2,000 images of
// the Fashion-MNIST test set and their labels), built into the binary so
// that "latent demo" works from any folder, installed or not.
// TestDemoDataIsFixture checks that the two copies are the same.
//
//go:embed demodata/fashion-mnist/t10k-images-idx3-ubyte.gz demodata/fashion-mnist/t10k-labels-idx1-ubyte.gz
var demoData embed.FS

// The demo's models and data.
const (
	demoAE       = "fashion-ae"
	demoVAE      = "fashion-vae"
	demoImages   = "t10k-images-idx3-ubyte.gz"
	fullFashion  = "/usr/share/datasets/fashion-mnist"
	fullDirEnv   = "LATENT_FASHION_MNIST_DIR"
	demoFullRows = 10000
)

func newDemoCmd(a *app) *cobra.Command {
	var (
		out         string
		full, force bool
	)
	cmd := &cobra.Command{
		Use:   "demo [--full] [--out latent-demo] [--force]",
		Short: "Compare the shipped autoencoder and VAE on Fashion-MNIST in an HTML report",
		Long: `demo writes the report that compares the two shipped models, the autoencoder
fashion-ae and the variational autoencoder fashion-vae, on Fashion-MNIST test
images that neither was trained on: --out/index.html (default
latent-demo/index.html), one self-contained page to open in a browser. It
prints where the page is and the headline figures with the report's verdict:
how evenly each model's decoder moves along a straight line between two
codes, how far the decoded midpoints fall from real images, how well the
codes keep the classes apart (kNN accuracy) and the reconstruction error.

Without --full it uses the 2,000 images built into the binary (the first
2,000 of the test set; the same files as testdata/fashion-mnist) and takes
well under two minutes on two cores. --full uses all 10,000 test images of
the Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist,
or the folder in $LATENT_FASHION_MNIST_DIR).

The output folder must be new or empty unless --force is given, and the
report appears only once complete. --seed changes the rows, pairs and maps.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			start := time.Now()
			if out == "" {
				return usagef("--out: give a folder for the report")
			}
			if err := report.CheckDir(out, force); err != nil {
				if errors.Is(err, report.ErrNotEmpty) {
					return fmt.Errorf("%w, or choose another --out", err)
				}
				return err
			}
			d, source, cleanup, err := demoDataset(full)
			if err != nil {
				return err
			}
			defer cleanup()
			var subjects []report.Subject
			for _, name := range []string{demoAE, demoVAE} {
				m, err := models.Open(name)
				if err != nil {
					return fmt.Errorf("shipped model %s: %w", name, err)
				}
				subjects = append(subjects, report.Subject{Name: name, Model: m})
			}
			if !a.quiet && !a.json {
				fmt.Fprintf(a.stderr, "latent demo: %s and %s on %s\n", demoAE, demoVAE, source)
			}
			bar := a.progressBar()
			defer bar.Finish()
			r, err := report.Build(cmd.Context(), d, subjects, report.Options{
				Title:     "latent demo: an autoencoder and a VAE on Fashion-MNIST",
				MaxPoints: max(d.Len(), 1),
				Seed:      a.seed,
				Progress:  bar.Func(),
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
			printDemo(a, r, out, time.Since(start))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "latent-demo", "output folder for index.html and report.json")
	f.BoolVar(&full, "full", false, "use the 10,000 Fashion-MNIST test images of the dataset-fashion-mnist package")
	f.BoolVar(&force, "force", false, "write into an output folder that already holds files")
	return cmd
}

// demoDataset loads the demo's images with their class names: the built-in
// subset, or with full the installed test set. cleanup removes what
// loading left behind.
func demoDataset(full bool) (d *dataset.Dataset, source string, cleanup func(), err error) {
	cleanup = func() {}
	if full {
		dir := fullFashion
		if env := os.Getenv(fullDirEnv); env != "" {
			dir = env
		}
		path := filepath.Join(dir, demoImages)
		if _, err := os.Stat(path); err != nil {
			return nil, "", cleanup, fmt.Errorf("--full needs the Fashion-MNIST test set at %s, which is not there: install it with \"sudo apt-get install dataset-fashion-mnist\" (Debian/Ubuntu), or point %s at a folder holding %s and its labels file (%w)", path, fullDirEnv, demoImages, err)
		}
		d, err = formats.Load(path, formats.Options{MaxRows: demoFullRows})
		if err != nil {
			return nil, "", cleanup, err
		}
		source = fmt.Sprintf("%s (%s test images)", path, viz.Thousands(d.Len()))
	} else {
		// The IDX reader opens files by name: copy the built-in pair to a
		// temporary folder.
		tmp, err := os.MkdirTemp("", "latent-demo-data-*")
		if err != nil {
			return nil, "", cleanup, err
		}
		cleanup = func() { os.RemoveAll(tmp) }
		err = fs.WalkDir(demoData, "demodata/fashion-mnist", func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := demoData.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(tmp, e.Name()), b, 0o644)
		})
		if err == nil {
			d, err = formats.Load(filepath.Join(tmp, demoImages), formats.Options{})
		}
		if err != nil {
			cleanup()
			return nil, "", func() {}, fmt.Errorf("the built-in Fashion-MNIST subset: %w", err)
		}
		source = fmt.Sprintf("the built-in Fashion-MNIST subset (%s test images)", viz.Thousands(d.Len()))
	}
	if !d.HasLabels() || !digitClasses(d.Classes, len(fashionClasses)) {
		cleanup()
		return nil, "", func() {}, fmt.Errorf("%s: expected the ten Fashion-MNIST labels 0-9 next to the images", source)
	}
	renameClasses(d, fashionClasses)
	d.Name = "Fashion-MNIST test images"
	return d, source, cleanup, nil
}

// printDemo prints where the page is and the headline figures, with the
// report's verdict on each.
func printDemo(a *app, r *report.Report, out string, took time.Duration) {
	page, err := filepath.Abs(filepath.Join(out, report.IndexFile))
	if err != nil {
		page = filepath.Join(out, report.IndexFile)
	}
	ae, vae := r.Models[0], r.Models[1]
	verdicts := map[string]string{}
	for _, row := range r.Table {
		verdicts[row.Key] = row.Verdict
	}
	fmt.Fprintf(a.stdout, "Wrote the report: %s\nOpen it in a browser: file://%s\n\n", page, filepath.ToSlash(page))
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "%s test images\t%s\t%s\t\n", viz.Thousands(r.Data.Used), ae.Name, vae.Name)
	row := func(name, key, format string, get func(*report.ModelReport) *float64) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", name, fmtPtr(format, get(ae)), fmtPtr(format, get(vae)), verdicts[key])
	}
	smooth := func(s *metrics.SmoothnessResult, f func(*metrics.SmoothnessResult) float64) *float64 {
		if s == nil {
			return nil
		}
		v := f(s)
		return &v
	}
	row("interpolation evenness: largest step / mean step (1 = even)", "smooth_lerp", "%.2f", func(m *report.ModelReport) *float64 {
		return smooth(m.Metrics.Lerp, func(s *metrics.SmoothnessResult) float64 { return s.RatioMean })
	})
	row("interpolation midpoints: distance to the nearest real image / typical spacing", "midpoint_lerp", "%.2f", func(m *report.ModelReport) *float64 {
		return smooth(m.Metrics.Lerp, func(s *metrics.SmoothnessResult) float64 { return s.MidpointMean })
	})
	row("kNN accuracy of the codes (10 neighbours, 5 folds)", "knn_accuracy", "%.3f", func(m *report.ModelReport) *float64 { return m.Metrics.KNNAccuracy })
	row("reconstruction MSE per pixel", "mse", "%.4f", func(m *report.ModelReport) *float64 { return m.Metrics.MSE })
	w.Flush()
	fmt.Fprintf(a.stdout, "\nThe page also has the reconstructions, samples, lerp/slerp strips, traversals, PCA/t-SNE/UMAP maps and the full metrics table with definitions (%s).\n", took.Round(100*time.Millisecond))
}

func fmtPtr(format string, v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf(format, *v)
}
