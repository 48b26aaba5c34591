package weaviate

import (
	"context"
	"errors"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
)

func TestParseURL(t *testing.T) {
	t.Setenv("WEAVIATE_API_KEY", "k1")
	t.Setenv("OTHER_KEY", "k2")
	good := []struct {
		in         string
		hosts, grp []string
		key        string
		timeout    time.Duration
	}{
		{"weaviate://localhost:8080", []string{"localhost:8080"}, nil, "k1", 0},
		{"weaviate://a:1,b:2?grpc=50051", []string{"a:1", "b:2"}, []string{"a:50051", "b:50051"}, "k1", 0},
		{"weaviate://a:1,b:2?grpc=7,c:8&key_env=OTHER_KEY&timeout=3s", []string{"a:1", "b:2"}, []string{"a:7", "c:8"}, "k2", 3 * time.Second},
		{"WEAVIATE://[::1]:8080/", []string{"[::1]:8080"}, nil, "k1", 0},
	}
	for _, c := range good {
		cfg, err := ParseURL(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if strings.Join(cfg.Hosts, " ") != strings.Join(c.hosts, " ") || strings.Join(cfg.GRPC, " ") != strings.Join(c.grp, " ") || cfg.APIKey != c.key || cfg.Timeout != c.timeout {
			t.Errorf("%s: got %+v", c.in, cfg)
		}
	}
	bad := []struct{ in, want string }{
		{"http://a:1", "want weaviate://"},
		{"weaviate://", "no host"},
		{"weaviate://a", "want host:port"},
		{"weaviate://a:0", "out of range"},
		{"weaviate://a:70000", "out of range"},
		{"weaviate://user:secret@a:1", "credentials do not belong"},
		{"weaviate://a:1,b:2?grpc=1,2,3", "3 addresses for 2 hosts"},
		{"weaviate://a:1?grpc=99999", "out of range"},
		{"weaviate://a:1?timeout=-1s", "positive duration"},
		{"weaviate://a:1?key_env=", "empty key_env"},
		{"weaviate://a:1?color=red", `unknown parameter "color"`},
		{"weaviate://a:1?%zz", "query"},
		{"weaviate://[ 0]:1", "not a host name"},
		{"weaviate://a b:1", "not a host name"},
	}
	for _, c := range bad {
		_, err := ParseURL(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.in, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the error shows the secret: %v", c.in, err)
		}
	}
}

func TestObjectID(t *testing.T) {
	a := ObjectID("Fashion", 17)
	if a != ObjectID("Fashion", 17) {
		t.Fatal("ObjectID is not deterministic")
	}
	u, err := uuid.Parse(a)
	if err != nil || u.Version() != 5 {
		t.Fatalf("ObjectID %q: version %v, %v", a, u.Version(), err)
	}
	seen := map[string]bool{}
	for _, col := range []string{"Fashion", "Fashion1", "Other"} {
		for r := range 1000 {
			id := ObjectID(col, r)
			if seen[id] {
				t.Fatalf("ObjectID(%s, %d) repeats an ID", col, r)
			}
			seen[id] = true
		}
	}
}

func TestClassNameAndMetaProps(t *testing.T) {
	for in, want := range map[string]string{"fashion": "Fashion", "A_1": "A_1", "x": "X"} {
		if got, err := ClassName(in); err != nil || got != want {
			t.Errorf("ClassName(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "1abc", "a-b", "é", strings.Repeat("a", 232)} {
		if _, err := ClassName(in); err == nil || !strings.Contains(err.Error(), "collection name") {
			t.Errorf("ClassName(%q): error %v", in, err)
		}
	}
	got := metaProps([]string{"file name", "file_name", "FILE NAME", "ünï", ""})
	want := []string{"m_file_name", "m_file_name_2", "m_FILE_NAME_3", "m__n_", "m_"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("metaProps = %v, want %v", got, want)
	}
}

func TestTransient(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{context.Canceled, false},
		{context.DeadlineExceeded, true},
		{&Error{Status: 503}, true},
		{&Error{Status: 429}, true},
		{&Error{Status: 422}, false},
		{&Error{Status: 401, Err: ErrUnauthorized}, false},
		{&Error{Code: codes.Unavailable}, true},
		{&Error{Code: codes.ResourceExhausted}, true},
		{&Error{Code: codes.InvalidArgument}, false},
		{&Error{Err: &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}, true},
	}
	for i, c := range cases {
		if got := Transient(c.err); got != c.want {
			t.Errorf("case %d (%v): Transient = %v, want %v", i, c.err, got, c.want)
		}
	}
}

func TestDialUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	start := time.Now()
	_, err = Dial(context.Background(), Config{Hosts: []string{addr}, DialTimeout: 2 * time.Second})
	if err == nil || !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("Dial(%s): %v; want an unreachable error naming the address", addr, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Dial took %v", d)
	}
	// A host that accepts connections and never answers: the dial timeout
	// must end the wait.
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	go func() {
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start = time.Now()
	_, err = Dial(context.Background(), Config{Hosts: []string{hang.Addr().String()}, DialTimeout: 500 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), hang.Addr().String()) {
		t.Fatalf("Dial to a silent host: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Dial to a silent host took %v", d)
	}
}

func TestDialKey(t *testing.T) {
	f := newFake(t, "right")
	cfg := f.config()
	ctx := context.Background()
	for _, c := range []struct{ key, want string }{{"wrong", "refused"}, {"", "WEAVIATE_API_KEY"}} {
		cfg.APIKey = c.key
		_, err := Dial(ctx, cfg)
		if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("key %q: %v; want unauthorized mentioning %q", c.key, err, c.want)
		}
	}
	cfg.APIKey = "right"
	c, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// pushData returns n×d random rows with labels and one metadata column.
func pushData(n, d int) (*mat32.Dense, Side) {
	rng := dataset.NewRand(1, 0)
	x := mat32.New(n, d)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	side := Side{Labels: make([]int, n), Classes: []string{"a", "b", "c"}, Meta: []dataset.Column{{Name: "file name", Values: make([]string, n)}}}
	for i := range n {
		side.Labels[i] = i % 3
		side.Meta[0].Values[i] = "f" + string(rune('0'+i%10))
	}
	side.Labels[5] = dataset.NoLabel
	return x, side
}

func TestPushRetriesPartialAndResume(t *testing.T) {
	f := newFake(t, "")
	ctx := context.Background()
	c := f.dial(t)
	col, err := c.Create(ctx, Spec{Name: "things", Dim: 4, Metric: knn.Euclidean, Meta: []string{"file name"}})
	if err != nil {
		t.Fatal(err)
	}
	x, side := pushData(1000, 4)
	ck := filepath.Join(t.TempDir(), "push.ckpt")
	f.unavailable = 2
	// Rows 7 and 300 are refused on their first two tries, row 620 always.
	tries := map[int]int{}
	f.reject = func(call, row int) string {
		switch row {
		case 7, 300:
			tries[row]++
			if tries[row] <= 2 {
				return "shard is busy"
			}
		case 620:
			return "invalid vector"
		}
		return ""
	}
	opt := PushOptions{BatchSize: 100, Concurrency: 3, Checkpoint: ck, Source: "test"}
	res, err := col.Push(ctx, mat32.MatrixRows(x), side, opt)
	var pe *PartialError
	if !errors.As(err, &pe) || len(pe.Failed) != 1 || pe.Failed[0].Row != 620 || pe.Failed[0].ID != ObjectID("Things", 620) {
		t.Fatalf("push: %v; want a partial error for row 620 only", err)
	}
	if !strings.Contains(err.Error(), "row 620 (id "+ObjectID("Things", 620)+"): invalid vector") {
		t.Errorf("error message %q does not name the row, id and reason", err)
	}
	if res.Sent != 999 || f.stored() != 999 {
		t.Fatalf("sent %d, stored %d; want 999", res.Sent, f.stored())
	}
	saved, err := LoadCheckpoint(ck, "push", "push test×4 into Things", 1000)
	if err != nil || saved.Done != 600 {
		t.Fatalf("checkpoint after the partial failure: %+v, %v; want 600 rows done", saved, err)
	}
	// The second run starts at the failed batch and stores it.
	f.reject = nil
	calls := f.batchCalls()
	res, err = col.Push(ctx, mat32.MatrixRows(x), side, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed != 600 || res.Sent != 400 || f.batchCalls()-calls != 4 {
		t.Fatalf("resumed push: %+v after %d calls; want 600 resumed, 400 sent in 4 calls", res, f.batchCalls()-calls)
	}
	if f.stored() != 1000 {
		t.Fatalf("stored %d objects, want 1000", f.stored())
	}
	for r := range 1000 {
		o := f.objects[ObjectID("Things", r)]
		if o == nil {
			t.Fatalf("row %d missing", r)
		}
		got := make([]float32, 4)
		vectorFromBytes(got, o.VectorBytes)
		for j := range got {
			if got[j] != x.At(r, j) {
				t.Fatalf("row %d: vector %v, want %v", r, got, x.Row(r))
			}
		}
		fields := o.Properties.NonRefProperties.Fields
		if want := side.Meta[0].Values[r]; fields["m_file_name"].GetStringValue() != want {
			t.Fatalf("row %d: metadata %v, want %q", r, fields, want)
		}
		if _, has := fields[PropLabel]; has != (r != 5) {
			t.Fatalf("row %d: label present = %v", r, has)
		}
	}
	// A third run finds the checkpoint complete and sends nothing.
	calls = f.batchCalls()
	if res, err = col.Push(ctx, mat32.MatrixRows(x), side, opt); err != nil || res.Resumed != 1000 || f.batchCalls() != calls {
		t.Fatalf("third push: %+v, %v", res, err)
	}
	// Other data under the same checkpoint is refused.
	opt.Source = "other"
	if _, err := col.Push(ctx, mat32.MatrixRows(x), side, opt); err == nil || !strings.Contains(err.Error(), "another job") {
		t.Fatalf("push with another source: %v", err)
	}
}

func TestPushCancelResume(t *testing.T) {
	f := newFake(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	c := f.dial(t)
	col, err := c.Create(ctx, Spec{Name: "Stop", Dim: 3, Metric: knn.Cosine})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := pushData(2000, 3)
	ck := filepath.Join(t.TempDir(), "ck")
	var n atomic.Int32
	f.onBatch = func(call int) {
		if n.Add(1) == 5 {
			cancel()
		}
	}
	opt := PushOptions{BatchSize: 100, Concurrency: 2, Checkpoint: ck}
	_, err = col.Push(ctx, mat32.MatrixRows(x), Side{}, opt)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled push: %v", err)
	}
	saved, err := LoadCheckpoint(ck, "push", "push ×3 into Stop", 2000)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Done%100 != 0 || saved.Done > f.stored() || saved.Done == 2000 {
		t.Fatalf("checkpoint says %d done with %d stored", saved.Done, f.stored())
	}
	f.onBatch = nil
	res, err := col.Push(context.Background(), mat32.MatrixRows(x), Side{}, opt)
	if err != nil || res.Resumed != saved.Done || res.Sent != 2000-saved.Done || f.stored() != 2000 {
		t.Fatalf("resumed: %+v, %v, %d stored", res, err, f.stored())
	}
}

func TestPushBadInput(t *testing.T) {
	f := newFake(t, "")
	ctx := context.Background()
	c := f.dial(t)
	col, err := c.Create(ctx, Spec{Name: "Bad", Dim: 3, Metric: knn.Cosine, Meta: []string{"m"}})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := pushData(10, 3)
	nan := x.Clone()
	nan.Set(4, 1, float32(math.NaN()))
	zero := x.Clone()
	copy(zero.Row(6), []float32{0, 0, 0})
	cases := []struct {
		name string
		x    *mat32.Dense
		side Side
		want string
	}{
		{"dims", mat32.New(10, 4), Side{}, "the data has 4 columns, the collection 3"},
		{"nan", nan, Side{}, "row 4"},
		{"zero", zero, Side{}, "row 6 is a zero vector"},
		{"labels", x, Side{Labels: []int{0}}, "1 labels for 10 rows"},
		{"label range", x, Side{Labels: make([]int, 10), Classes: nil}, "label 0 out of range"},
		{"meta len", x, Side{Meta: []dataset.Column{{Name: "m", Values: []string{"a"}}}}, `"m" has 1 values for 10 rows`},
		{"meta unknown", x, Side{Meta: []dataset.Column{{Name: "zz", Values: make([]string, 10)}}}, `no metadata column "zz"`},
	}
	for _, cs := range cases {
		_, err := col.Push(ctx, mat32.MatrixRows(cs.x), cs.side, PushOptions{})
		if err == nil || !strings.Contains(err.Error(), cs.want) {
			t.Errorf("%s: %v, want an error containing %q", cs.name, err, cs.want)
		}
	}
}

func TestCreateConflictAndDeleted(t *testing.T) {
	f := newFake(t, "")
	ctx := context.Background()
	c := f.dial(t)
	if _, err := c.Create(ctx, Spec{Name: "Dims", Dim: 8, Metric: knn.Euclidean}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Create(ctx, Spec{Name: "dims", Dim: 16, Metric: knn.Euclidean})
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "exists with dimension 8; the data has 16") {
		t.Fatalf("dimension conflict: %v", err)
	}
	_, err = c.Create(ctx, Spec{Name: "Dims", Dim: 8, Metric: knn.Cosine})
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "metric euclidean") {
		t.Fatalf("metric conflict: %v", err)
	}
	col, err := c.Create(ctx, Spec{Name: "Dims", Dim: 8, Metric: knn.Euclidean, Meta: []string{"new"}})
	if err != nil || len(col.Meta) != 1 {
		t.Fatalf("reopen with a new column: %+v, %v", col, err)
	}
	if _, err := c.Collection(ctx, "Nothing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing collection: %v", err)
	}
	// The collection is dropped during a push: the error says so.
	x, _ := pushData(3000, 8)
	f.onBatch = func(call int) {
		if call == 2 {
			f.mu.Lock()
			delete(f.classes, "Dims")
			f.mu.Unlock()
		}
	}
	_, err = col.Push(ctx, mat32.MatrixRows(x), Side{}, PushOptions{BatchSize: 100, Concurrency: 1})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"Dims" no longer exists`) {
		t.Fatalf("push into a dropped collection: %v", err)
	}
}

func TestCheckpointBad(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, data, want string }{
		{"garbage", "not json", "not a checkpoint"},
		{"unknown field", `{"version":1,"kind":"push","job":"j","rows":5,"done":1,"extra":2}`, "unknown field"},
		{"version", `{"version":9,"kind":"push","job":"j","rows":5,"done":1}`, "version 9"},
		{"kind", `{"version":1,"kind":"project","job":"j","rows":5,"done":1}`, `a "project" checkpoint`},
		{"job", `{"version":1,"kind":"push","job":"k","rows":5,"done":1}`, "another job"},
		{"rows", `{"version":1,"kind":"push","job":"j","rows":6,"done":1}`, "another job"},
		{"done", `{"version":1,"kind":"push","job":"j","rows":5,"done":6}`, "6 of 5 rows"},
		{"negative", `{"version":1,"kind":"push","job":"j","rows":5,"done":-1}`, "-1 of 5 rows"},
		{"huge", `{"job":"` + strings.Repeat("x", maxCheckpoint) + `"}`, "larger than"},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, []byte(c.data), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadCheckpoint(p, "push", "j", 5)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v; want an error naming the file and containing %q", c.name, err, c.want)
		}
	}
	p := filepath.Join(dir, "good")
	ck := Checkpoint{Version: CheckpointVersion, Kind: "push", Job: "j", Rows: 5, Done: 3, After: "x"}
	if err := ck.Save(p); err != nil {
		t.Fatal(err)
	}
	got, err := LoadCheckpoint(p, "push", "j", 5)
	if err != nil || got != ck {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	got, err = LoadCheckpoint(filepath.Join(dir, "missing"), "push", "j", 5)
	if err != nil || got.Done != 0 || got.Job != "j" {
		t.Fatalf("missing file: %+v, %v", got, err)
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"weaviate://a:1", "weaviate://a:1,b:2?grpc=3,4&timeout=1s", "weaviate://[::1]:80?key_env=X", "weaviate://a:1?grpc=h:9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cfg, err := ParseURL(s)
		if err != nil {
			return
		}
		if len(cfg.Hosts) == 0 || (len(cfg.GRPC) != 0 && len(cfg.GRPC) != len(cfg.Hosts)) {
			t.Fatalf("%q: %+v", s, cfg)
		}
		// What String prints parses back to the same addresses.
		back, err := ParseURL(cfg.String())
		if err != nil || strings.Join(back.Hosts, ",") != strings.Join(cfg.Hosts, ",") || strings.Join(back.GRPC, ",") != strings.Join(cfg.GRPC, ",") {
			t.Fatalf("%q: String %q reads back as %+v, %v", s, cfg.String(), back, err)
		}
	})
}

func FuzzCheckpoint(f *testing.F) {
	for _, s := range []string{`{"version":1,"kind":"push","job":"j","rows":5,"done":2}`, `{"version":1}`, `[]`, `{"done":1e99}`} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "ck")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ck, err := LoadCheckpoint(p, "push", "j", 5)
		if err != nil {
			return
		}
		if ck.Done < 0 || ck.Done > 5 || ck.Job != "j" {
			t.Fatalf("accepted %+v", ck)
		}
	})
}

func TestStoreListInfo(t *testing.T) {
	f := newFake(t, "")
	ctx := context.Background()
	c := f.dial(t)
	var s Store = c
	a, err := c.Create(ctx, Spec{Name: "beta", Dim: 3, Metric: knn.Cosine, Meta: []string{"file name", "size"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, Spec{Name: "alpha", Dim: 5, Metric: knn.InnerProduct}); err != nil {
		t.Fatal(err)
	}
	// A class that latent did not write is left out of the list.
	f.mu.Lock()
	f.classes["Other"] = []byte(`{"class":"Other","properties":[{"name":"title","dataType":["text"]}],"vectorIndexConfig":{"distance":"cosine"}}`)
	f.mu.Unlock()
	x, _ := pushData(40, 3)
	if _, err := a.Push(ctx, mat32.MatrixRows(x), Side{}, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	infos, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 || infos[0].Name != "Alpha" || infos[1].Name != "Beta" {
		t.Fatalf("List = %+v", infos)
	}
	b := infos[1]
	if b.Rows != 40 || b.Dim != 3 || b.Metric != knn.Cosine || strings.Join(b.Meta, ",") != "file name,size" || b.Replication != 1 {
		t.Fatalf("Info(Beta) = %+v", b)
	}
	if infos[0].Metric != knn.InnerProduct || infos[0].Rows != 0 {
		t.Fatalf("Info(Alpha) = %+v", infos[0])
	}
	if _, err := s.Info(ctx, "Nothing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Info of a missing collection: %v", err)
	}
	if _, err := s.Info(ctx, "Other"); err == nil || !strings.Contains(err.Error(), "not written by latent push") {
		t.Fatalf("Info of a foreign class: %v", err)
	}
}
