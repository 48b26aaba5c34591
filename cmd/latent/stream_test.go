package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/internal/weaviatetest"
	"github.com/latentlab/latent/mat32"
)

// streamData writes n×d seeded random rows to a .npy file.
func streamData(t *testing.T, n, d int) string {
	t.Helper()
	rng := dataset.NewRand(7, 0)
	x := mat32.New(n, d)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64()) + float32(i%d)
	}
	p := filepath.Join(t.TempDir(), "x.npy")
	if err := npy.WriteFile(p, x); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProjectStreamNPY(t *testing.T) {
	in := streamData(t, 3000, 6)
	out := filepath.Join(t.TempDir(), "y.npy")
	code, stdout, stderr := runCLI(t, "project-stream", "--data", in, "--out", out, "--sample", "500", "--batch", "700", "--json", "--seed", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep streamReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v: %q", err, stdout)
	}
	if rep.Rows != 3000 || rep.Dims != 2 || rep.Sampled != 500 || rep.Method != "pca" {
		t.Fatalf("report %+v", rep)
	}
	y, _, err := npy.ReadFile(out, npy.ReadOptions{})
	if err != nil || y.Rows != 3000 || y.Cols != 2 {
		t.Fatalf("output: %v", err)
	}
}

func TestProjectStreamUsage(t *testing.T) {
	in := streamData(t, 50, 3)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"project-stream", "--out", "x.npy"}, 2, "give --data"},
		{[]string{"project-stream", "--data", in}, 2, "give --out"},
		{[]string{"project-stream", "--data", in, "--store", "weaviate://a:1", "--collection", "C", "--out", "o.npy"}, 2, "not both"},
		{[]string{"project-stream", "--store", "weaviate://a:1", "--out", "o.npy"}, 2, "both --store and --collection"},
		{[]string{"project-stream", "--data", in, "--property", "p"}, 2, "--property writes to a collection"},
		{[]string{"project-stream", "--data", in, "--out", "o.npy", "--method", "mds"}, 2, `unknown method "mds"`},
		{[]string{"project-stream", "--store", "http://a:1", "--collection", "C", "--out", "o.npy"}, 2, "want weaviate://"},
		{[]string{"project-stream", "--data", filepath.Join(t.TempDir(), "none.npy"), "--out", "o.npy"}, 1, "no such file"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
}

func TestPushUsageAndUnreachable(t *testing.T) {
	in := streamData(t, 20, 3)
	addr := closedAddr(t)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"push", "--data", in}, 2, "needs --data, --store and --collection"},
		{[]string{"push", "--data", in, "--store", "localhost:1", "--collection", "C"}, 2, "want weaviate://"},
		{[]string{"push", "--data", in, "--store", "weaviate://a:1", "--collection", "bad-name"}, 2, "collection name"},
		{[]string{"push", "--data", in, "--store", "weaviate://a:1", "--collection", "C", "--metric", "hamming"}, 2, "unknown metric"},
		{[]string{"push", "--data", in, "--store", "weaviate://a:1", "--collection", "C", "--consistency", "most"}, 2, "want one, quorum or all"},
		{[]string{"push", "--data", in, "--store", "weaviate://" + addr, "--collection", "C"}, 1, addr},
		{[]string{"push", "--data", in + ".missing", "--store", "weaviate://" + addr, "--collection", "C"}, 1, "no such file"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
}

// TestPushAndProjectCollection runs push and project-stream against a real
// single-node Weaviate server.
func TestPushAndProjectCollection(t *testing.T) {
	cl := weaviatetest.Start(t, weaviatetest.Options{})
	dir := t.TempDir()
	in := streamData(t, 1500, 5)
	labels := make([]int64, 1500)
	for i := range labels {
		labels[i] = int64(i % 3)
	}
	lp := filepath.Join(dir, "labels.npy")
	f, err := os.Create(lp)
	if err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteInt64(f, []int{1500}, labels); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ck := filepath.Join(dir, "push.ckpt")
	args := []string{"push", "--data", in, "--labels", lp, "--store", cl.URL(), "--collection", "cli_push", "--checkpoint", ck, "--batch", "200", "--json"}
	code, stdout, stderr := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("push: exit %d: %s", code, stderr)
	}
	var rep pushReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || rep.Sent != 1500 || rep.Collection != "Cli_push" || rep.Dim != 5 {
		t.Fatalf("push report %+v, %v", rep, err)
	}
	// Again with the checkpoint: nothing left to send.
	code, stdout, stderr = runCLI(t, args...)
	if code != 0 || json.Unmarshal([]byte(stdout), &rep) != nil || rep.Sent != 0 || rep.Resumed != 1500 {
		t.Fatalf("second push: exit %d, %s %s", code, stdout, stderr)
	}
	// Another dimension under the same name is refused.
	other := streamData(t, 10, 6)
	code, _, stderr = runCLI(t, "push", "--data", other, "--store", cl.URL(), "--collection", "cli_push")
	if code != 1 || !strings.Contains(stderr, "exists with dimension 5; the data has 6") {
		t.Fatalf("dimension conflict: exit %d, %s", code, stderr)
	}
	out := filepath.Join(dir, "y.npy")
	code, stdout, stderr = runCLI(t, "project-stream", "--store", cl.URL(), "--collection", "cli_push", "--out", out, "--property", "xy", "--sample", "400", "--json")
	if code != 0 {
		t.Fatalf("project-stream: exit %d: %s", code, stderr)
	}
	var srep streamReport
	if err := json.Unmarshal([]byte(stdout), &srep); err != nil || srep.Rows != 1500 || srep.Sampled != 400 {
		t.Fatalf("project-stream report %+v, %v", srep, err)
	}
	y, _, err := npy.ReadFile(out, npy.ReadOptions{})
	if err != nil || y.Rows != 1500 || y.Cols != 2 {
		t.Fatalf("output: %v", err)
	}
}
