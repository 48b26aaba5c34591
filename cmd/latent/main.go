// Command latent builds, projects, explores and evaluates latent spaces.
// Run "latent help" for the list of commands. Each subcommand lives in its
// own file and only parses flags and prints: the work is done by the
// library packages.
//
// Exit status: 0 on success, 1 on a runtime error, 2 on a usage error.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// app holds the global flags and the output streams every command uses.
type app struct {
	seed    uint64
	threads int
	quiet   bool
	json    bool
	stdout  io.Writer
	stderr  io.Writer
}

// commands lists the constructors of the subcommands; each command's file
// adds itself in an init function.
var commands []func(*app) *cobra.Command

func register(f func(*app) *cobra.Command) { commands = append(commands, f) }

// usageError marks an error caused by how the command was called (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usage error.
func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr}
	root := newRoot(a)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "latent:", err)
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		return 2
	}
	return 1
}

func newRoot(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "latent",
		Short: "Build, project, explore and evaluate latent spaces",
		Long: `latent builds latent spaces (autoencoders, VAEs, a GAN), projects them
(PCA, t-SNE, UMAP), moves through them (encode, decode, sample, interpolate,
neighbours), shows them (plots, an HTML report, a web explorer) and judges
them (quality metrics). One binary, no Python.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			if a.threads > 0 {
				mat32.SetThreads(a.threads)
			} else {
				mat32.SetThreads(0)
			}
		},
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.Uint64Var(&a.seed, "seed", 0, "random seed: the same seed and data give the same output")
	pf.IntVar(&a.threads, "threads", 0, "worker threads (0 = one per CPU)")
	pf.BoolVarP(&a.quiet, "quiet", "q", false, "print no progress")
	pf.BoolVar(&a.json, "json", false, "print results as JSON")
	for _, f := range commands {
		root.AddCommand(f(a))
	}
	return root
}

// isCobraUsage reports whether err is one of cobra's argument-count or
// unknown-command errors, which it returns as plain errors.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "requires at most", "unknown flag", "unknown shorthand", "invalid argument", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// progressBar returns a bar on stderr that is hidden with --quiet, --json
// or when stderr is not a terminal.
func (a *app) progressBar() *progress.Bar {
	return progress.NewBar(a.stderr, !a.quiet && !a.json)
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
