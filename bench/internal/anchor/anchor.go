// Package anchor runs the reference Python benchmarks in ../shared/anchors
// and parses their RESULT lines, so that bench commands can print latent's
// figures next to the anchor's from the same run.
package anchor

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Result is one "RESULT task word key=value ..." line of an anchor script.
type Result struct {
	Task   string
	Words  []string          // bare words after the task, e.g. "faiss_flat_l2"
	Values map[string]string // key=value pairs
	Line   string
}

// Float returns the value of key as a float64, and whether it parsed.
func (r Result) Float(key string) (float64, bool) {
	v, ok := r.Values[key]
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil
}

// Has reports whether every word and key=value in want appears in r.
func (r Result) Has(want ...string) bool {
	for _, w := range want {
		if k, v, ok := strings.Cut(w, "="); ok {
			if r.Values[k] != v {
				return false
			}
			continue
		}
		found := false
		for _, x := range r.Words {
			if x == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Find returns the first result of task that Has all of want.
func Find(rs []Result, task string, want ...string) (Result, bool) {
	for _, r := range rs {
		if r.Task == task && r.Has(want...) {
			return r, true
		}
	}
	return Result{}, false
}

// Flags are the command-line flags every bench command shares.
type Flags struct {
	Dir     string
	Skip    bool
	Python  string
	Threads int
}

// Register adds -anchors, -skip-anchor, -python and -threads to fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Dir, "anchors", defaultDir(), "folder of the anchor scripts")
	fs.BoolVar(&f.Skip, "skip-anchor", false, "measure latent only")
	fs.StringVar(&f.Python, "python", "/usr/bin/python3", "Python interpreter with the anchor tools")
	fs.IntVar(&f.Threads, "threads", 2, "threads for both latent and the anchor")
}

func defaultDir() string {
	for _, d := range []string{"../shared/anchors", "../../shared/anchors", "/work/shared/anchors"} {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			abs, _ := filepath.Abs(d)
			return abs
		}
	}
	return "../shared/anchors"
}

// Run runs script (a file in f.Dir) with args, with the thread variables
// set to f.Threads, echoes its output to stderr, and returns its RESULT lines.
func (f *Flags) Run(ctx context.Context, script string, args ...string) ([]Result, error) {
	return f.RunIn(ctx, f.Dir, script, args...)
}

// RunIn is Run with the working directory dir (script is relative to it).
func (f *Flags) RunIn(ctx context.Context, dir, script string, args ...string) ([]Result, error) {
	cmd := exec.CommandContext(ctx, f.Python, append([]string{script}, args...)...)
	cmd.Dir = dir
	t := strconv.Itoa(f.Threads)
	cmd.Env = append(os.Environ(), "OMP_NUM_THREADS="+t, "OPENBLAS_NUM_THREADS="+t, "MKL_NUM_THREADS="+t, "NUMBA_NUM_THREADS="+t)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	os.Stderr.Write(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("anchor %s: %w", script, err)
	}
	return Parse(out.Bytes()), nil
}

// Parse extracts the RESULT lines of an anchor script's output.
func Parse(out []byte) []Result {
	var rs []Result
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "RESULT ") {
			continue
		}
		fields := strings.Fields(strings.TrimPrefix(line, "RESULT "))
		if len(fields) == 0 {
			continue
		}
		r := Result{Task: fields[0], Values: map[string]string{}, Line: line}
		for _, w := range fields[1:] {
			if k, v, ok := strings.Cut(w, "="); ok {
				r.Values[k] = v
			} else {
				r.Words = append(r.Words, w)
			}
		}
		rs = append(rs, r)
	}
	return rs
}
