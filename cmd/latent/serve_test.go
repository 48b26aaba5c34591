package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/latentlab/latent/store"
)

func TestImport(t *testing.T) {
	ws := filepath.Join(t.TempDir(), "ws")
	src := filepath.Join(t.TempDir(), "points.csv")
	os.WriteFile(src, []byte("a,b,kind\n1,2,x\n3,4,y\n5,6,x\n"), 0o644)
	code, out, errOut := runCLI(t, "import", src, "--workspace", ws, "--label-column", "kind")
	if code != 0 || !strings.Contains(out, "points\t3×2") {
		t.Fatalf("import: code %d, out %q, err %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, "import", src, "--workspace", ws, "--name", "again", "--json")
	var info store.Dataset
	if code != 0 || json.Unmarshal([]byte(out), &info) != nil || info.Name != "again" || info.Rows != 3 {
		t.Fatalf("import --json: code %d, out %q", code, out)
	}
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"import", src, "--workspace", ws}, 1, "already called \"points\""},
		{[]string{"import", src, "--workspace", ws, "--name", " bad"}, 2, "--name"},
		{[]string{"import", filepath.Join(t.TempDir(), "missing.csv"), "--workspace", ws}, 1, "missing.csv"},
		{[]string{"import", "--workspace", ws}, 2, "accepts 1 arg"},
		{[]string{"serve", "--addr", "0.0.0.0:0", "--workspace", ws}, 2, "needs --token"},
		{[]string{"serve", "--dev-ui", filepath.Join(ws, "nope"), "--addr", "127.0.0.1:0", "--workspace", ws}, 1, "not a folder"},
	}
	for _, tc := range tests {
		code, _, errOut := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: code %d, stderr %q; want %d with %q", tc.args, code, errOut, tc.code, tc.msg)
		}
	}
}

// startServe runs "latent serve" in this process until the test ends and
// returns its base URL.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var errb bytes.Buffer
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "-q"}, args...), pw, &errb)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited with %d", code)
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed nothing: %v", err)
	}
	go io.Copy(io.Discard, pr)
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("serve: %q", line)
	}
	return strings.TrimSuffix(strings.TrimSpace(line[i:]), "/")
}

func TestServe(t *testing.T) {
	ws := filepath.Join(t.TempDir(), "ws")
	src := filepath.Join(t.TempDir(), "points.csv")
	os.WriteFile(src, []byte("a,b\n1,2\n3,4\n5,6\n"), 0o644)
	if code, _, errOut := runCLI(t, "import", src, "--workspace", ws); code != 0 {
		t.Fatal(errOut)
	}
	url := startServe(t, "--workspace", ws, "--token", "tok")
	res, err := http.Get(url + "/api/datasets")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("without token: %d", res.StatusCode)
	}
	req, _ := http.NewRequest("GET", url+"/api/datasets/points", nil)
	req.Header.Set("Authorization", "Bearer tok")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var info store.Dataset
	json.NewDecoder(res.Body).Decode(&info)
	res.Body.Close()
	if res.StatusCode != 200 || info.Rows != 3 {
		t.Fatalf("dataset: %d %+v", res.StatusCode, info)
	}
	res, err = http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Contains(page, []byte("<canvas")) {
		t.Fatalf("explorer page: %d", res.StatusCode)
	}
}

// serveChild makes the test binary run "latent serve" on the workspace it
// names, for TestKillServerDuringImport.
const serveChild = "LATENT_SERVE_CHILD_WORKSPACE"

func TestServeChild(t *testing.T) {
	ws := os.Getenv(serveChild)
	if ws == "" {
		t.Skip("helper process for TestKillServerDuringImport")
	}
	os.Exit(run(context.Background(), []string{"serve", "--workspace", ws, "--addr", "127.0.0.1:0", "-q"}, os.Stdout, os.Stderr))
}

// TestKillServerDuringImport uploads datasets to a "latent serve" process,
// kills it (SIGKILL) in the middle of an upload, and checks that the
// workspace, reopened, holds every upload that was answered 201, intact,
// and nothing half-written.
func TestKillServerDuringImport(t *testing.T) {
	ws := filepath.Join(t.TempDir(), "ws")
	rows := 20000
	if testing.Short() {
		rows = 4000
	}
	var csv bytes.Buffer
	csv.WriteString("a,b,c,d\n")
	for i := range rows {
		fmt.Fprintf(&csv, "%d,%d.5,%d,%d\n", i, i%97, i%13, i%7)
	}
	committed := map[string]string{}
	for round := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$")
		cmd.Env = append(os.Environ(), serveChild+"="+ws)
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		i := strings.Index(line, "http://")
		if err != nil || i < 0 {
			cmd.Process.Kill()
			t.Fatalf("child: %q %v", line, err)
		}
		url := strings.TrimSuffix(strings.TrimSpace(line[i:]), "/")
		upload := func(name string, body io.Reader) (store.Dataset, int) {
			res, err := http.Post(url+"/api/datasets?filename=d.csv&name="+name, "text/csv", body)
			if err != nil {
				return store.Dataset{}, 0
			}
			defer res.Body.Close()
			var info store.Dataset
			json.NewDecoder(res.Body).Decode(&info)
			return info, res.StatusCode
		}
		for k := range 3 {
			name := fmt.Sprintf("r%d-%d", round, k)
			info, code := upload(name, bytes.NewReader(csv.Bytes()))
			if code != 201 {
				t.Fatalf("upload %s: %d", name, code)
			}
			committed[info.ID] = name
		}
		// An upload cut off half-way: the body stalls, the server is killed.
		pr, pw := io.Pipe()
		go upload("cut", pr)
		pw.Write(csv.Bytes()[:csv.Len()/2])
		// And one racing the kill: it may or may not commit.
		racing := make(chan store.Dataset, 1)
		go func() {
			info, code := upload(fmt.Sprintf("race%d", round), bytes.NewReader(csv.Bytes()))
			if code == 201 {
				racing <- info
			}
			close(racing)
		}()
		time.Sleep(time.Duration(5+20*round) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		pw.Close()
		if info, ok := <-racing; ok {
			committed[info.ID] = info.Name
		}
	}
	st, err := store.Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if probs, err := st.Verify(ctx); err != nil || len(probs) != 0 {
		t.Fatalf("Verify: %v %v", probs, err)
	}
	list, _ := st.Datasets(ctx)
	for id, name := range committed {
		d, err := st.LoadDataset(ctx, id)
		if err != nil {
			t.Fatalf("answered upload %s (%s) lost: %v", id, name, err)
		}
		if d.Len() != rows || d.X.Row(rows - 1)[0] != float32(rows-1) {
			t.Fatalf("upload %s: %d rows", id, d.Len())
		}
	}
	for _, d := range list {
		if d.Name == "cut" {
			t.Fatal("a cut-off upload was catalogued")
		}
	}
	ents, _ := os.ReadDir(filepath.Join(ws, "blobs", "datasets"))
	if len(ents) != len(list) {
		t.Fatalf("%d blob folders for %d datasets", len(ents), len(list))
	}
	if ents, _ := os.ReadDir(filepath.Join(ws, "tmp")); len(ents) != 0 {
		t.Fatalf("%d scratch files after reopening", len(ents))
	}
}
