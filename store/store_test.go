package store

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sample returns a small labelled image dataset with a metadata column.
func sample(n int, seed uint64) *dataset.Dataset {
	r := dataset.NewRand(seed, 1)
	x := mat32.New(n, 4)
	for i := range x.Data {
		x.Data[i] = float32(r.NormFloat64())
	}
	d := &dataset.Dataset{Name: "s", X: x, Image: dataset.ImageShape{Height: 2, Width: 2, Channels: 1}, SourceType: "float32"}
	names := make([]string, n)
	ids := make([]string, n)
	for i := range names {
		names[i] = []string{"cat", "dog", ""}[i%3]
		ids[i] = "row" + strconv.Itoa(i)
	}
	d.SetLabels(names)
	d.Meta = []dataset.Column{{Name: "id", Values: ids}}
	return d
}

func TestDatasetRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	d := sample(10, 1)
	info, err := s.AddDataset(ctx, "pets", "pets.csv", d)
	if err != nil {
		t.Fatal(err)
	}
	if !ValidID(KindDataset, info.ID) || info.Rows != 10 || info.Dim != 4 || !info.Labelled || len(info.Classes) != 2 || info.Meta[0] != "id" {
		t.Fatalf("entry %+v", info)
	}
	for _, ref := range []string{info.ID, "pets"} {
		got, err := s.Dataset(ctx, ref)
		if err != nil || got.ID != info.ID || got.Source != "pets.csv" || got.Image != d.Image {
			t.Fatalf("Dataset(%q) = %+v, %v", ref, got, err)
		}
	}
	back, err := s.LoadDataset(ctx, info.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.X.Data {
		if back.X.Data[i] != d.X.Data[i] {
			t.Fatalf("X[%d] = %v, want %v", i, back.X.Data[i], d.X.Data[i])
		}
	}
	for i := range d.Labels {
		if back.Labels[i] != d.Labels[i] {
			t.Fatalf("label %d = %d, want %d", i, back.Labels[i], d.Labels[i])
		}
	}
	if back.Meta[0].Values[7] != "row7" || back.Image != d.Image || back.Classes[1] != "dog" {
		t.Fatalf("side data lost: %+v", back)
	}
	list, err := s.Datasets(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("Datasets = %v, %v", list, err)
	}
	if probs, err := s.Verify(ctx); err != nil || len(probs) != 0 {
		t.Fatalf("Verify = %v, %v", probs, err)
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	d := sample(6, 1)
	if _, err := s.AddDataset(ctx, "a", "", d); err != nil {
		t.Fatal(err)
	}
	bad := &dataset.Dataset{X: mat32.New(3, 2), Labels: []int{0}}
	tests := []struct {
		name string
		err  func() error
		is   error
		msg  string
	}{
		{"empty name", func() error { _, err := s.AddDataset(ctx, "", "", d); return err }, ErrInvalid, "empty name"},
		{"control char", func() error { _, err := s.AddDataset(ctx, "a\x00b", "", d); return err }, ErrInvalid, "control character"},
		{"spaces", func() error { _, err := s.AddDataset(ctx, " a", "", d); return err }, ErrInvalid, "space"},
		{"long", func() error { _, err := s.AddDataset(ctx, strings.Repeat("x", 201), "", d); return err }, ErrInvalid, "longer than"},
		{"bad utf8", func() error { _, err := s.AddDataset(ctx, "\xff", "", d); return err }, ErrInvalid, "UTF-8"},
		{"duplicate", func() error { _, err := s.AddDataset(ctx, "a", "", d); return err }, ErrExists, "already called"},
		{"no rows", func() error { _, err := s.AddDataset(ctx, "b", "", &dataset.Dataset{X: mat32.New(0, 0)}); return err }, ErrInvalid, "no rows"},
		{"inconsistent", func() error { _, err := s.AddDataset(ctx, "b", "", bad); return err }, ErrInvalid, "dataset \"b\""},
		{"missing", func() error { _, err := s.Dataset(ctx, "nope"); return err }, ErrNotFound, "no dataset"},
		{"traversal id", func() error { return s.DeleteDataset(ctx, "../../etc") }, ErrInvalid, "not a dataset ID"},
		{"wrong kind id", func() error { _, err := s.Projection(ctx, "ds_0123456789abcdef"); return err }, ErrInvalid, "not a projection ID"},
		{"missing projection", func() error { _, err := s.Projection(ctx, "pj_0123456789abcdef"); return err }, ErrNotFound, "no projection"},
		{"projection rows", func() error {
			_, err := s.AddProjection(ctx, "a", "", "pca", nil, nil, mat32.New(5, 2))
			return err
		}, ErrInvalid, "needs 6 rows"},
		{"bookmark not object", func() error {
			info, _ := s.Dataset(ctx, "a")
			_, err := s.AddBookmark(ctx, info.ID, "v", json.RawMessage(`[1]`))
			return err
		}, ErrInvalid, "not a JSON object"},
		{"bookmark too big", func() error {
			info, _ := s.Dataset(ctx, "a")
			_, err := s.AddBookmark(ctx, info.ID, "v", json.RawMessage(`{"a":"`+strings.Repeat("x", MaxBookmarkState)+`"}`))
			return err
		}, ErrInvalid, "bytes, more than"},
		{"bookmark of missing dataset", func() error {
			_, err := s.AddBookmark(ctx, "ds_0123456789abcdef", "v", json.RawMessage(`{}`))
			return err
		}, ErrNotFound, "no dataset"},
		{"model writes nothing", func() error {
			_, err := s.AddModel(ctx, "m", "pca", "", nil, nil, func(string) error { return nil })
			return err
		}, nil, "nothing was written"},
		{"job final state", func() error { return s.FinishJob(ctx, "jb_0123456789abcdef", JobRunning, nil, "") }, ErrInvalid, "not a final"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %v, want %v containing %q", err, tc.is, tc.msg)
			}
		})
	}
	// Nothing half-made remains from the failures.
	ents, _ := os.ReadDir(filepath.Join(s.Dir(), "blobs", "models"))
	if len(ents) != 0 {
		t.Fatalf("failed model left %d folders", len(ents))
	}
}

func TestDeleteCascades(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	info, err := s.AddDataset(ctx, "a", "", sample(8, 2))
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.AddProjection(ctx, info.ID, "", "pca", map[string]int{"dims": 2}, nil, mat32.New(8, 2))
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.AddModel(ctx, "m", "pca", info.ID, nil, nil, func(dir string) error {
		return os.WriteFile(filepath.Join(dir, "w.bin"), []byte("weights"), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.AddEmbedding(ctx, info.ID, m.ID, mat32.New(8, 3))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.AddBookmark(ctx, info.ID, "view", json.RawMessage(`{"zoom":2}`))
	if err != nil {
		t.Fatal(err)
	}
	if bs, _ := s.Bookmarks(ctx, info.ID); len(bs) != 1 || bs[0].ID != b.ID {
		t.Fatalf("bookmarks %v", bs)
	}
	if err := s.DeleteDataset(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Projection(ctx, p.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("projection after dataset delete: %v", err)
	}
	if _, err := s.Embedding(ctx, e.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("embedding after dataset delete: %v", err)
	}
	if bs, _ := s.Bookmarks(ctx, info.ID); len(bs) != 0 {
		t.Fatalf("bookmarks after delete: %v", bs)
	}
	mm, err := s.Model(ctx, m.ID)
	if err != nil || mm.DatasetID != "" || mm.Files[0] != "w.bin" {
		t.Fatalf("model after dataset delete: %+v %v", mm, err)
	}
	for _, k := range []string{"datasets", "projections", "embeddings"} {
		if ents, _ := os.ReadDir(filepath.Join(s.Dir(), "blobs", k)); len(ents) != 0 {
			t.Fatalf("blobs/%s still holds %d folders", k, len(ents))
		}
	}
	if err := s.DeleteDataset(ctx, info.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if err := s.DeleteModel(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
}

func TestRecoveryAtOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.AddDataset(ctx, "a", "", sample(5, 3))
	if err != nil {
		t.Fatal(err)
	}
	j, err := s.CreateJob(ctx, "umap", info.ID, map[string]int{"dims": 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StartJob(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// A crash before a row committed leaves an orphan folder; scratch files
	// are left too.
	orphan := filepath.Join(dir, "blobs", "datasets", "ds_00000000000000ff")
	os.MkdirAll(orphan, 0o755)
	os.WriteFile(filepath.Join(orphan, "x.npy"), []byte("half"), 0o644)
	os.WriteFile(filepath.Join(dir, "tmp", "upload-1"), []byte("half"), 0o644)

	s = open(t, dir)
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Fatalf("orphan folder survived open: %v", err)
	}
	if ents, _ := os.ReadDir(s.TempDir()); len(ents) != 0 {
		t.Fatalf("scratch files survived open: %d", len(ents))
	}
	got, err := s.Job(ctx, j.ID)
	if err != nil || got.State != JobInterrupted || got.Finished == nil {
		t.Fatalf("job after restart: %+v %v", got, err)
	}
	if _, err := s.LoadDataset(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyFindsDamage(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	info, err := s.AddDataset(ctx, "a", "", sample(5, 4))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(s.Dir(), "blobs", "datasets", info.ID, "x.npy")
	b, _ := os.ReadFile(p)
	b[len(b)-1] ^= 1
	os.WriteFile(p, b, 0o644)
	os.Remove(filepath.Join(s.Dir(), "blobs", "datasets", info.ID, "side.json"))
	probs, err := s.Verify(ctx)
	if err != nil || len(probs) != 2 {
		t.Fatalf("Verify = %v, %v; want 2 problems", probs, err)
	}
	if _, err := s.LoadDataset(ctx, info.ID); err == nil || !strings.Contains(err.Error(), info.ID) {
		t.Fatalf("loading a damaged dataset: %v", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`INSERT INTO schema_migrations(version, applied_at) VALUES (?, '')`, SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer catalogue: %v", err)
	}
}

func TestTwoProcessesShareWorkspace(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := open(t, dir)
	b := open(t, dir) // does not get the lock, so it cleans nothing
	if a.lock == nil || b.lock != nil {
		t.Fatalf("lock holders: a %v b %v", a.lock != nil, b.lock != nil)
	}
	info, err := b.AddDataset(ctx, "from-b", "", sample(4, 5))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.LoadDataset(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddDataset(ctx, "from-b", "", sample(4, 5)); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate across stores: %v", err)
	}
}

func TestJobsLifecycle(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	j, err := s.CreateJob(ctx, "pca", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StartJob(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.StartJob(ctx, j.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("starting a running job: %v", err)
	}
	if err := s.FinishJob(ctx, j.ID, JobDone, map[string]string{"projection": "pj_x"}, ""); err != nil {
		t.Fatal(err)
	}
	got, err := s.Job(ctx, j.ID)
	if err != nil || got.State != JobDone || string(got.Result) != `{"projection":"pj_x"}` || got.Started == nil {
		t.Fatalf("job %+v %v", got, err)
	}
	list, err := s.Jobs(ctx, 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("Jobs = %v %v", list, err)
	}
}

// crashChild is the environment variable that makes the test binary act as
// a process importing datasets in a loop until it is killed.
const crashChild = "LATENT_STORE_CRASH_CHILD"

// TestCrashChild is the child of TestKillDuringImport; it does nothing in a
// normal run.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChild)
	if dir == "" {
		t.Skip("helper process for TestKillDuringImport")
	}
	s, err := Open(dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		d := sample(3000, uint64(i)) // a 48 kB matrix plus labels and metadata
		info, err := s.AddDataset(context.Background(), fmt.Sprintf("d%d-%d", os.Getpid(), i), "", d)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Printf("committed %s %s\n", info.ID, checksum(d.X))
	}
}

func checksum(m *mat32.Dense) string {
	var s float64
	for i, v := range m.Data {
		s += float64(v) * float64(i%7+1)
	}
	return strconv.FormatFloat(s, 'g', -1, 64)
}

// TestKillDuringImport kills (SIGKILL) a process in the middle of importing
// datasets, reopens the workspace and checks that every import the child
// saw committed is there and intact, and that nothing half-written remains.
func TestKillDuringImport(t *testing.T) {
	dir := t.TempDir()
	rounds := 3
	if testing.Short() {
		rounds = 1
	}
	committed := map[string]string{}
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v=false")
		cmd.Env = append(os.Environ(), crashChild+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		seen := 0
		want := 3 + round
		deadline := time.Now().Add(30 * time.Second)
		for seen < want && sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 3 && f[0] == "committed" {
				committed[f[1]] = f[2]
				seen++
			} else if len(f) > 0 && f[0] == "error" {
				t.Fatalf("child: %s", sc.Text())
			}
			if time.Now().After(deadline) {
				break
			}
		}
		// Kill in the middle of the next import (sleep a varying fraction of
		// one import's time).
		time.Sleep(time.Duration(round*3+1) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		for sc.Scan() { // imports that committed before the kill
			if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "committed" {
				committed[f[1]] = f[2]
			}
		}
		cmd.Wait()
		if seen < want {
			t.Fatalf("round %d: child committed only %d imports", round, seen)
		}
	}
	ctx := context.Background()
	s := open(t, dir)
	probs, err := s.Verify(ctx)
	if err != nil || len(probs) != 0 {
		t.Fatalf("Verify after kill: %v %v", probs, err)
	}
	list, err := s.Datasets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, d := range list {
		ids[d.ID] = true
	}
	for id, sum := range committed {
		if !ids[id] {
			t.Fatalf("committed dataset %s is lost", id)
		}
		d, err := s.LoadDataset(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := checksum(d.X); got != sum {
			t.Fatalf("dataset %s: checksum %s, want %s", id, got, sum)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "blobs", "datasets"))
	if len(ents) != len(list) {
		t.Fatalf("%d blob folders for %d datasets after recovery", len(ents), len(list))
	}
	t.Logf("%d datasets committed before the kills, %d in the catalogue", len(committed), len(list))
}

func ExampleStore() {
	dir, _ := os.MkdirTemp("", "workspace")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := Open(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	x := mat32.FromRows([][]float32{{0, 1}, {1, 0}, {1, 1}})
	d := &dataset.Dataset{X: x}
	d.SetLabels([]string{"a", "b", "a"})
	info, _ := s.AddDataset(ctx, "tiny", "example", d)
	p, _ := s.AddProjection(ctx, info.ID, "", "identity", nil, nil, x)
	back, _ := s.LoadProjection(ctx, p.ID)
	fmt.Println(info.Name, info.Rows, info.Dim, info.Classes, p.Method, back.Row(2))
	// Output: tiny 3 2 [a b] identity [1 1]
}

// TestLinkDataset: a linked dataset is catalogued without files, holds
// projections and bookmarks, passes Verify, survives a reopen and is
// refused by LoadDataset.
func TestLinkDataset(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir)
	info, err := s.LinkDataset(ctx, "Fashion", "weaviate:Fashion", 100, 8, []string{"file"})
	if err != nil {
		t.Fatal(err)
	}
	if !info.Linked() || info.Rows != 100 || info.Dim != 8 || info.Source != "weaviate:Fashion" || !ValidID(KindDataset, info.ID) {
		t.Fatalf("link %+v", info)
	}
	if _, err := s.LinkDataset(ctx, "Fashion", "weaviate:Other", 1, 1, nil); !errors.Is(err, ErrExists) {
		t.Fatalf("second link with the name: %v", err)
	}
	if _, err := s.LinkDataset(ctx, "x", "", 1, 1, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("link without a source: %v", err)
	}
	if _, err := s.LoadDataset(ctx, info.ID); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "weaviate:Fashion") {
		t.Fatalf("LoadDataset of a link: %v", err)
	}
	p, err := s.AddProjection(ctx, info.ID, "", "pca", nil, nil, mat32.New(100, 2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddBookmark(ctx, info.ID, "view", json.RawMessage(`{}`)); err != nil {
		t.Fatal(err)
	}
	if probs, err := s.Verify(ctx); err != nil || len(probs) != 0 {
		t.Fatalf("verify: %v %v", probs, err)
	}
	s.Close()
	s = open(t, dir)
	got, err := s.Dataset(ctx, "Fashion")
	if err != nil || got.ID != info.ID || !got.Linked() || len(got.Meta) != 1 {
		t.Fatalf("after reopen: %+v %v", got, err)
	}
	if err := s.DeleteDataset(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Projection(ctx, p.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("projection after unlinking: %v", err)
	}
}
