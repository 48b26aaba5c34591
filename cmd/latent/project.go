package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/reduce/pca"
)

func init() { register(newProjectCmd) }

// projectMethod is one --method of "latent project". Each method lives in
// its own file and adds itself with registerProjectMethod in an init
// function; the command itself knows none of them.
type projectMethod struct {
	name    string
	summary string
	// help is a paragraph on the method's flags for the command's help.
	help string
	// new returns a fresh projector for one run of the command.
	new func() projector
}

// projector computes one method's projection.
type projector interface {
	// flags adds the method's own flags; the command refuses them when
	// another method is chosen.
	flags(fs *pflag.FlagSet)
	// project fits (or applies a saved model) and returns the embedding.
	project(ctx context.Context, req *projectRequest) (*projectResult, error)
}

var projectMethods = map[string]projectMethod{}

func registerProjectMethod(m projectMethod) {
	if _, dup := projectMethods[m.name]; dup {
		panic("project method " + m.name + " registered twice")
	}
	projectMethods[m.name] = m
}

func projectMethodsHelp() string {
	var sb strings.Builder
	for _, n := range projectMethodNames() {
		fmt.Fprintf(&sb, "  %-6s %s\n", n, projectMethods[n].summary)
	}
	for _, n := range projectMethodNames() {
		sb.WriteString("\n" + projectMethods[n].help)
	}
	return sb.String()
}

func projectMethodNames() []string {
	var names []string
	for n := range projectMethods {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// projectRequest is what every method gets: the input, the target
// dimension, the model files and the run's settings.
type projectRequest struct {
	dataPath  string
	load      formats.Options
	dims      int
	dimsSet   bool   // --dims was given explicitly
	model     string // apply this saved model instead of fitting
	saveModel string // save the fitted model here
	init      string // --init, shared by the methods in sharedFlags["init"]; "" = the method's default
	seed      uint64
	progress  progress.Func

	loaded *dataset.Dataset
}

// data loads the input once and refuses NaN/Inf, naming the file.
func (r *projectRequest) data() (*dataset.Dataset, error) {
	if r.loaded != nil {
		return r.loaded, nil
	}
	d, err := loadData(r.dataPath, r.load)
	if err != nil {
		return nil, err
	}
	if err := dataset.CheckFinite(r.dataPath, d.X); err != nil {
		return nil, err
	}
	r.loaded = d
	return d, nil
}

// modelData loads the input for the saved model --model, which takes feat
// columns.
func (r *projectRequest) modelData(feat int) (*dataset.Dataset, error) {
	src, err := r.data()
	if err != nil {
		return nil, err
	}
	if src.Dim() != feat {
		return nil, fmt.Errorf("%s has %d columns; the model %s expects %d", r.dataPath, src.Dim(), r.model, feat)
	}
	return src, nil
}

// fixedByModel refuses the flags among names that were given with
// --model: the saved model fixes them.
func fixedByModel(fs *pflag.FlagSet, names []string) error {
	for _, f := range names {
		if fs.Changed(f) {
			return usagef("--%s does not apply with --model: the saved model fixes it", f)
		}
	}
	return nil
}

// projectResult is a method's answer.
type projectResult struct {
	// embedding holds one row per input row, with the input's labels.
	embedding *dataset.Dataset
	// details are printed under "result" with --json.
	details any
	// print writes the human-readable summary.
	print func(w io.Writer)
}

// embeddingOf returns a dataset of z that carries src's labels and
// metadata (nil src: none).
func embeddingOf(src *dataset.Dataset, z *mat32.Dense, suffix string) *dataset.Dataset {
	out := &dataset.Dataset{X: z, SourceType: "float32"}
	if src != nil {
		out.Name = src.Name + suffix
		out.Labels, out.Classes, out.Meta = src.Labels, src.Classes, src.Meta
	}
	return out
}

// projectReport is the --json output.
type projectReport struct {
	Method  string  `json:"method"`
	Input   string  `json:"input"`
	Rows    int     `json:"rows"`
	Dims    int     `json:"dims"`
	Out     string  `json:"out,omitempty"`
	Seconds float64 `json:"seconds"`
	Result  any     `json:"result"`
}

func newProjectCmd(a *app) *cobra.Command {
	req := &projectRequest{}
	var method, out string
	// One projector per method for this command, and the flags each adds.
	projectors := map[string]projector{}
	methodFlags := map[string][]string{}
	cmd := &cobra.Command{
		Use:   "project --data FILE [--method pca] [--dims 2] [--out FILE]",
		Short: "Project rows to a few dimensions (PCA, t-SNE, UMAP) and print what the projection keeps",
		Long: `project maps every row of --data to --dims dimensions with --method and writes
the result to --out (format from the name: .npy, .tsv, .csv, .safetensors, ...),
carrying the input's labels when the format holds them. It prints a summary of
the fit (for PCA, the explained variance of each component) as a table or,
with --json, as JSON.

A fitted model can be kept with --save-model M.safetensors (which also writes
M.json) and applied to other data with --model M.safetensors.

Methods:
` + projectMethodsHelp(),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, ok := projectMethods[method]
			if !ok {
				return usagef("unknown --method %q (known: %s)", method, strings.Join(projectMethodNames(), ", "))
			}
			if err := checkMethodFlags(cmd.Flags(), method, methodFlags); err != nil {
				return err
			}
			if req.dataPath == "" {
				return usagef("no input: give --data FILE")
			}
			if req.dims < 1 {
				return usagef("--dims must be at least 1, got %d", req.dims)
			}
			if req.model != "" && req.saveModel != "" {
				return usagef("--model applies a saved model; it cannot be combined with --save-model")
			}
			req.dimsSet = cmd.Flags().Changed("dims")
			req.seed = a.seed
			bar := a.progressBar()
			req.progress = bar.Func()
			start := time.Now()
			res, err := projectors[method].project(cmd.Context(), req)
			bar.Finish()
			if err != nil {
				return err
			}
			secs := time.Since(start).Seconds()
			if err := cmd.Context().Err(); err != nil {
				return err
			}
			if out != "" {
				if err := formats.Save(out, res.embedding, ""); err != nil {
					return err
				}
			}
			z := res.embedding.X
			if a.json {
				return writeJSON(a.stdout, projectReport{Method: m.name, Input: req.dataPath, Rows: z.Rows, Dims: z.Cols,
					Out: out, Seconds: secs, Result: res.details})
			}
			res.print(a.stdout)
			if !a.quiet {
				if out != "" {
					fmt.Fprintf(a.stderr, "wrote %s: %d×%d in %.2f s\n", out, z.Rows, z.Cols, secs)
				} else {
					fmt.Fprintf(a.stderr, "no --out given: the %d×%d projection was not written\n", z.Rows, z.Cols)
				}
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&method, "method", "pca", "projection method ("+strings.Join(projectMethodNames(), ", ")+")")
	fs.StringVar(&req.dataPath, "data", "", "input data file (any format latent reads)")
	fs.IntVar(&req.dims, "dims", 2, "output dimensions")
	fs.StringVar(&out, "out", "", "write the projection here (.npy, .tsv, .csv, .safetensors, ...)")
	fs.StringVar(&req.saveModel, "save-model", "", "save the fitted model (NAME.safetensors plus NAME.json)")
	fs.StringVar(&req.model, "model", "", "apply this saved model instead of fitting")
	fs.StringVar(&req.init, "init", "", "initial layout: t-SNE pca (default) or random; UMAP spectral (default), random or pca")
	addLoadFlags(fs, &req.load, "")
	for _, name := range projectMethodNames() {
		p := projectMethods[name].new()
		projectors[name] = p
		before := flagNames(fs)
		p.flags(fs)
		for _, f := range flagNames(fs) {
			if !slices.Contains(before, f) {
				methodFlags[name] = append(methodFlags[name], f)
			}
		}
	}
	return cmd
}

func flagNames(fs *pflag.FlagSet) []string {
	var n []string
	fs.VisitAll(func(f *pflag.Flag) { n = append(n, f.Name) })
	return n
}

// sharedFlags are the flags that project defines once for several methods
// (each method reads them from its projectRequest), with those methods.
var sharedFlags = map[string][]string{"init": {"tsne", "umap"}}

// checkMethodFlags refuses flags that belong to a method other than the
// chosen one.
func checkMethodFlags(fs *pflag.FlagSet, method string, methodFlags map[string][]string) error {
	var err error
	fs.Visit(func(f *pflag.Flag) {
		if users, ok := sharedFlags[f.Name]; ok && !slices.Contains(users, method) && err == nil {
			err = usagef("--%s applies to --method %s, not %s", f.Name, strings.Join(users, " or "), method)
		}
		for owner, names := range methodFlags {
			if owner != method && slices.Contains(names, f.Name) && err == nil {
				err = usagef("--%s applies to --method %s, not %s", f.Name, owner, method)
			}
		}
	})
	return err
}

// ---- PCA ----

func init() {
	registerProjectMethod(projectMethod{
		name:    "pca",
		summary: "principal component analysis (exact, randomized or incremental)",
		help: `pca: --solver full is exact (float64), randomized is Halko et al.'s
randomized SVD (seeded by --seed), incremental fits batches of --batch-size
rows and, for a .npy input, streams it from disk so that it need not fit in
memory; auto (the default) picks full for small data and randomized
otherwise, like scikit-learn. --whiten scales every component to unit
variance.
`,
		new: func() projector { return &pcaProjector{} },
	})
}

type pcaProjector struct {
	solver string
	whiten bool
	batch  int
	fs     *pflag.FlagSet
}

func (p *pcaProjector) flags(fs *pflag.FlagSet) {
	p.fs = fs
	fs.StringVar(&p.solver, "solver", "auto", "PCA solver: auto, full, randomized or incremental")
	fs.BoolVar(&p.whiten, "whiten", false, "PCA: scale every component to unit variance")
	fs.IntVar(&p.batch, "batch-size", 0, "PCA incremental solver: rows per batch (0 = 5 × columns)")
}

// pcaDetails is the "result" of --json.
type pcaDetails struct {
	Solver                 string    `json:"solver"`
	Features               int       `json:"features"`
	Components             int       `json:"components"`
	FittedRows             int       `json:"fitted_rows"`
	Whiten                 bool      `json:"whiten"`
	ExplainedVariance      []float64 `json:"explained_variance"`
	ExplainedVarianceRatio []float64 `json:"explained_variance_ratio"`
	SingularValues         []float64 `json:"singular_values"`
	TotalVariance          float64   `json:"total_variance"`
	NoiseVariance          float64   `json:"noise_variance"`
	Model                  string    `json:"model,omitempty"`
	SavedModel             string    `json:"saved_model,omitempty"`
}

func (p *pcaProjector) project(ctx context.Context, req *projectRequest) (*projectResult, error) {
	var model pca.PCA
	var z *mat32.Dense
	var src *dataset.Dataset
	switch {
	case req.model != "":
		if err := fixedByModel(p.fs, []string{"solver", "whiten", "batch-size"}); err != nil {
			return nil, err
		}
		m, err := pca.Load(req.model)
		if err != nil {
			return nil, err
		}
		feat, k := m.Dims()
		if req.dimsSet && req.dims != k {
			return nil, usagef("--dims %d, but the model %s has %d components", req.dims, req.model, k)
		}
		if src, err = req.modelData(feat); err != nil {
			return nil, err
		}
		model = *m
		z = model.Transform(nil, src.X)
	case p.solver == pca.SolverIncremental && isNpy(req.dataPath, req.load):
		var err error
		if z, src, err = p.stream(ctx, req, &model); err != nil {
			return nil, err
		}
	default:
		var err error
		if src, err = req.data(); err != nil {
			return nil, err
		}
		z, err = model.FitTransform(ctx, nil, src.X, p.options(req))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", req.dataPath, err)
		}
	}
	det := pcaDetailsOf(&model)
	if req.model != "" {
		det.Model = req.model
	}
	if req.saveModel != "" {
		if err := model.Save(req.saveModel); err != nil {
			return nil, err
		}
		det.SavedModel = req.saveModel
	}
	return &projectResult{
		embedding: embeddingOf(src, z, "-pca"),
		details:   det,
		print:     func(w io.Writer) { printPCA(w, det) },
	}, nil
}

func (p *pcaProjector) options(req *projectRequest) pca.Options {
	return pca.Options{Components: req.dims, Solver: p.solver, Whiten: p.whiten,
		Seed: req.seed, BatchSize: p.batch, Progress: req.progress}
}

// isNpy reports whether the input is a .npy file read whole (no row limit),
// which the incremental solver can stream.
func isNpy(path string, opt formats.Options) bool {
	if opt.MaxRows > 0 || (opt.Format != "" && opt.Format != "npy") {
		return false
	}
	f, err := formats.Detect(path)
	return err == nil && f.Name == "npy"
}

// stream fits the incremental solver on a .npy file read in batches, then
// reads it again to project it, so only a batch of the input is in memory.
func (p *pcaProjector) stream(ctx context.Context, req *projectRequest, model *pca.PCA) (*mat32.Dense, *dataset.Dataset, error) {
	r, err := npy.OpenRows(req.dataPath)
	if err != nil {
		return nil, nil, err
	}
	err = model.FitStream(ctx, r, p.options(req))
	r.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", req.dataPath, err)
	}
	if r, err = npy.OpenRows(req.dataPath); err != nil {
		return nil, nil, err
	}
	defer r.Close()
	_, k := model.Dims()
	z := mat32.New(r.Rows(), k)
	buf := mat32.New(min(max(p.batch, 4096), r.Rows()), r.Cols())
	for done := 0; done < r.Rows(); {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		n, err := r.Next(buf)
		if n > 0 {
			model.Transform(z.Slice(done, done+n), buf.Slice(0, n))
			done += n
		}
		if errors.Is(err, io.EOF) && done < r.Rows() {
			return nil, nil, fmt.Errorf("%s: %w after %d of %d rows", req.dataPath, io.ErrUnexpectedEOF, done, r.Rows())
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, nil, err
		}
		if n == 0 && err == nil {
			return nil, nil, fmt.Errorf("%s: no rows read after row %d", req.dataPath, done)
		}
	}
	src := &dataset.Dataset{Name: formats.Stem(req.dataPath)}
	if req.load.Labels != "" {
		names, err := formats.ReadLabels(req.load.Labels)
		if err != nil {
			return nil, nil, err
		}
		if len(names) != z.Rows {
			return nil, nil, fmt.Errorf("%s holds %d rows but its labels file %s holds %d labels", req.dataPath, z.Rows, req.load.Labels, len(names))
		}
		src.SetLabels(names)
	}
	return z, src, nil
}

func pcaDetailsOf(m *pca.PCA) pcaDetails {
	feat, k := m.Dims()
	return pcaDetails{
		Solver: m.Solver(), Features: feat, Components: k, FittedRows: m.Samples(), Whiten: m.Whitened(),
		ExplainedVariance:      m.ExplainedVariance(nil),
		ExplainedVarianceRatio: m.ExplainedVarianceRatio(nil),
		SingularValues:         m.SingularValues(nil),
		TotalVariance:          m.TotalVariance(),
		NoiseVariance:          m.NoiseVariance(),
	}
}

func printPCA(w io.Writer, d pcaDetails) {
	how := d.Solver
	if d.Whiten {
		how += ", whitened"
	}
	if d.Model != "" {
		fmt.Fprintf(w, "PCA model %s (%s, fitted on %d rows): %d features → %d components\n", d.Model, how, d.FittedRows, d.Features, d.Components)
	} else {
		fmt.Fprintf(w, "PCA (%s): %d rows × %d features → %d components\n", how, d.FittedRows, d.Features, d.Components)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "component\tvariance\tratio\tcumulative\t")
	var cum float64
	for j, v := range d.ExplainedVariance {
		cum += d.ExplainedVarianceRatio[j]
		fmt.Fprintf(tw, "%d\t%.6g\t%.6f\t%.6f\t\n", j+1, v, d.ExplainedVarianceRatio[j], cum)
	}
	tw.Flush()
	fmt.Fprintf(w, "explained %.6f of the total variance %.6g; noise variance %.6g\n", cum, d.TotalVariance, d.NoiseVariance)
	if d.SavedModel != "" {
		fmt.Fprintf(w, "saved the model to %s\n", d.SavedModel)
	}
}
