package weaviate

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// fake is a stand-in for a Weaviate node, for tests of the client's own
// logic (retries, partial failures, checkpoints, errors) that must run
// without a server: REST schema endpoints over httptest and the gRPC batch
// and aggregate calls, with injectable faults.
type fake struct {
	pb.UnimplementedWeaviateServer
	t    testing.TB
	key  string
	rest *httptest.Server
	grpc *grpc.Server
	gadr string

	mu      sync.Mutex
	classes map[string]json.RawMessage
	objects map[string]*pb.BatchObject
	calls   int
	// unavailable makes this many BatchObjects calls fail with Unavailable.
	unavailable int
	// reject says, per call, which objects (by row) to refuse; it returns
	// the message or "".
	reject func(call, row int) string
	// onBatch, when set, runs at the start of each BatchObjects call.
	onBatch func(call int)
}

func newFake(t testing.TB, key string) *fake {
	f := &fake{t: t, key: key, classes: map[string]json.RawMessage{}, objects: map[string]*pb.BatchObject{}}
	f.rest = httptest.NewServer(http.HandlerFunc(f.serveREST))
	t.Cleanup(f.rest.Close)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.gadr = l.Addr().String()
	f.grpc = grpc.NewServer()
	pb.RegisterWeaviateServer(f.grpc, f)
	go f.grpc.Serve(l)
	t.Cleanup(f.grpc.Stop)
	return f
}

func (f *fake) config() Config {
	return Config{Hosts: []string{strings.TrimPrefix(f.rest.URL, "http://")}, GRPC: []string{f.gadr}, APIKey: f.key,
		Retry: Retry{Attempts: 4, Base: 1, Max: 2}}
}

// dial connects a client to f, closed when the test ends.
func (f *fake) dial(t testing.TB) *Client {
	t.Helper()
	c, err := Dial(context.Background(), f.config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (f *fake) serveREST(w http.ResponseWriter, r *http.Request) {
	if f.key != "" && r.URL.Path != "/v1/.well-known/ready" && r.Header.Get("Authorization") != "Bearer "+f.key {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"code":401,"message":"anonymous access not enabled"}`))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.URL.Path == "/v1/.well-known/ready":
	case r.URL.Path == "/v1/meta":
		w.Write([]byte(`{"version":"fake"}`))
	case r.URL.Path == "/v1/schema" && r.Method == http.MethodPost:
		var c struct {
			Class string `json:"class"`
		}
		raw, _ := readAll(r)
		json.Unmarshal(raw, &c)
		if _, ok := f.classes[c.Class]; ok {
			w.WriteHeader(http.StatusUnprocessableEntity)
			w.Write([]byte(`{"error":[{"message":"class name ` + c.Class + ` already exists"}]}`))
			return
		}
		f.classes[c.Class] = raw
		w.Write(raw)
	case r.URL.Path == "/v1/schema" && r.Method == http.MethodGet:
		var cl []json.RawMessage
		for _, c := range f.classes {
			cl = append(cl, c)
		}
		json.NewEncoder(w).Encode(map[string]any{"classes": cl})
	case strings.HasPrefix(r.URL.Path, "/v1/schema/") && strings.HasSuffix(r.URL.Path, "/properties"):
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/schema/"), "/properties")
		var cls map[string]any
		if err := json.Unmarshal(f.classes[name], &cls); err != nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		raw, _ := readAll(r)
		var prop any
		json.Unmarshal(raw, &prop)
		props, _ := cls["properties"].([]any)
		cls["properties"] = append(props, prop)
		f.classes[name], _ = json.Marshal(cls)
		w.Write(raw)
	case strings.HasPrefix(r.URL.Path, "/v1/schema/"):
		name := strings.TrimPrefix(r.URL.Path, "/v1/schema/")
		c, ok := f.classes[name]
		switch {
		case !ok:
			w.WriteHeader(http.StatusNotFound)
		case r.Method == http.MethodGet:
			w.Write(c)
		case r.Method == http.MethodDelete:
			delete(f.classes, name)
		case r.Method == http.MethodPut:
			raw, _ := readAll(r)
			f.classes[name] = raw
		default:
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func readAll(r *http.Request) ([]byte, error) { return io.ReadAll(r.Body) }

func (f *fake) authorized(ctx context.Context) error {
	if f.key == "" {
		return nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("authorization"); len(v) == 1 && v[0] == "Bearer "+f.key {
		return nil
	}
	return status.Error(codes.Unauthenticated, "invalid api key")
}

func (f *fake) BatchObjects(ctx context.Context, req *pb.BatchObjectsRequest) (*pb.BatchObjectsReply, error) {
	if err := f.authorized(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.calls++
	call := f.calls
	hook := f.onBatch
	if f.unavailable > 0 {
		f.unavailable--
		f.mu.Unlock()
		return nil, status.Error(codes.Unavailable, "node is restarting")
	}
	f.mu.Unlock()
	if hook != nil {
		hook(call)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	reply := &pb.BatchObjectsReply{}
	for i, o := range req.Objects {
		if _, ok := f.classes[o.Collection]; !ok {
			return nil, status.Errorf(codes.Internal, "could not find class %s in schema", o.Collection)
		}
		row := int(o.GetProperties().GetNonRefProperties().GetFields()[PropRow].GetNumberValue())
		if f.reject != nil {
			if msg := f.reject(call, row); msg != "" {
				reply.Errors = append(reply.Errors, &pb.BatchObjectsReply_BatchError{Index: int32(i), Error: msg})
				continue
			}
		}
		f.objects[o.Uuid] = o
	}
	return reply, nil
}

func (f *fake) Aggregate(ctx context.Context, req *pb.AggregateRequest) (*pb.AggregateReply, error) {
	if err := f.authorized(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.classes[req.Collection]; !ok {
		return nil, status.Errorf(codes.Unknown, "could not find class %s in schema", req.Collection)
	}
	n := int64(0)
	for _, o := range f.objects {
		if o.Collection == req.Collection {
			n++
		}
	}
	return &pb.AggregateReply{Result: &pb.AggregateReply_SingleResult{SingleResult: &pb.AggregateReply_Single{ObjectsCount: &n}}}, nil
}

func (f *fake) stored() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.objects)
}

func (f *fake) batchCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}
