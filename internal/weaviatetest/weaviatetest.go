// Package weaviatetest runs Weaviate servers on 127.0.0.1 for tests: a
// single node or a cluster of several, each with its own data folder,
// picked free ports, anonymous access or an API key, and no telemetry.
//
// The server binary is built once from the Go module proxy (go install
// github.com/weaviate/weaviate/cmd/weaviate-server@Version) into
// $XDG_CACHE_HOME/latent/bin (~/.cache/latent/bin), where scripts/setup.sh
// also puts it; $LATENT_WEAVIATE_SERVER names another binary. Concurrent
// test binaries wait on a lock file instead of building twice. Require
// skips a test, saying why, only when the binary cannot be had (no
// network to fetch the module, no Go toolchain).
//
// Weaviate binds its REST port, memberlist and Raft to 127.0.0.1 as told;
// its gRPC and internal data ports have no bind-address setting and listen
// on every interface, on the free ports picked here. Profiling (port 6060)
// and metrics are turned off.
package weaviatetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Version is the Weaviate release the tests run.
const Version = "v1.35.2"

// Module is the package path of the server's main package.
const Module = "github.com/weaviate/weaviate/cmd/weaviate-server"

// BinDir returns the folder the server binary is cached in.
func BinDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "latent", "bin"), nil
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Binary returns the path of the weaviate-server binary: $LATENT_WEAVIATE_SERVER
// when set, else the cached one, which it builds first if missing (this
// takes minutes). The result is remembered for the life of the process.
func Binary() (string, error) {
	buildOnce.Do(func() { buildPath, buildErr = binary() })
	return buildPath, buildErr
}

func binary() (string, error) {
	if p := os.Getenv("LATENT_WEAVIATE_SERVER"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("$LATENT_WEAVIATE_SERVER: %w", err)
		}
		return p, nil
	}
	dir, err := BinDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "weaviate-server")
	if ok, err := hasVersion(path); ok || err != nil {
		return path, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	unlock, err := lockFile(filepath.Join(dir, ".weaviate-server.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if ok, err := hasVersion(path); ok || err != nil {
		return path, err
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building weaviate-server: no Go toolchain: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "install", Module+"@"+Version)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-buildvcs=false")
	cmd.Dir = os.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		tail := string(out)
		if len(tail) > 2000 {
			tail = "…" + tail[len(tail)-2000:]
		}
		return "", fmt.Errorf("go install %s@%s: %v\n%s", Module, Version, err, tail)
	}
	if err := os.WriteFile(path+".version", []byte(Version+"\n"), 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// hasVersion reports whether the binary at path exists and was built from
// Version (a side file records it; a binary without one is trusted).
func hasVersion(path string) (bool, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	v, err := os.ReadFile(path + ".version")
	if err != nil {
		return true, nil
	}
	return strings.TrimSpace(string(v)) == Version, nil
}

// Require returns the server binary, or skips t with the reason when it
// cannot be built.
func Require(t testing.TB) string {
	t.Helper()
	p, err := Binary()
	if err != nil {
		t.Skipf("weaviate-server %s is not available, so this test cannot run (scripts/setup.sh builds it): %v", Version, err)
	}
	return p
}

// Options configures Start.
type Options struct {
	// Nodes is the number of nodes; 0 means 1.
	Nodes int
	// APIKey, when not empty, turns anonymous access off: requests must
	// carry this key.
	APIKey string
	// Env adds or overrides environment variables of every node.
	Env map[string]string
}

// Cluster is a running set of nodes.
type Cluster struct {
	bin   string
	dir   string
	key   string
	Nodes []*Node
}

// Node is one server process.
type Node struct {
	// Name is the node's cluster name (node0, node1, ...).
	Name string
	// HTTP and GRPC are its REST and gRPC addresses.
	HTTP, GRPC string
	c          *Cluster
	gossip     string
	rejoin     string
	env        map[string]string
	logPath    string
	mu         sync.Mutex
	cmd        *exec.Cmd
	exited     chan struct{}
	restarted  bool
}

// Start starts a cluster on loopback (see Launch) in a temporary folder
// of t, skipping t when the server cannot be built. The processes are
// killed when t ends; the logs of a failed test are printed.
func Start(t testing.TB, opt Options) *Cluster {
	t.Helper()
	Require(t)
	c, err := Launch(t.TempDir(), opt)
	if err != nil {
		t.Fatalf("weaviatetest: %v", err)
	}
	t.Cleanup(func() {
		c.Close()
		if t.Failed() {
			for _, nd := range c.Nodes {
				t.Logf("log of %s:\n%s", nd.Name, nd.LogTail(4000))
			}
		}
	})
	return c
}

// Launch starts a cluster on loopback with its data and logs in dir, and
// waits until every node is ready and, for several nodes, sees the others.
// Close stops it.
func Launch(dir string, opt Options) (*Cluster, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	n := max(opt.Nodes, 1)
	c := &Cluster{bin: bin, dir: dir, key: opt.APIKey}
	ok := false
	defer func() {
		if !ok {
			c.Close()
		}
	}()
	type ports struct{ http, grpc, gossip, raft int }
	ps := make([]ports, n)
	taken := map[int]bool{}
	for i := range ps {
		var p [4]int
		for j, span := range []int{1, 1, 2, 2} {
			if p[j], err = freePort(taken, span); err != nil {
				return nil, err
			}
		}
		ps[i] = ports{http: p[0], grpc: p[1], gossip: p[2], raft: p[3]}
	}
	var raftJoin []string
	for i := range n {
		raftJoin = append(raftJoin, fmt.Sprintf("node%d:%d", i, ps[i].raft))
	}
	for i := range n {
		p := ps[i]
		env := map[string]string{
			"PERSISTENCE_DATA_PATH":         filepath.Join(c.dir, fmt.Sprintf("node%d", i)),
			"CLUSTER_HOSTNAME":              fmt.Sprintf("node%d", i),
			"CLUSTER_IN_LOCALHOST":          "true",
			"CLUSTER_BIND_ADDR":             "127.0.0.1",
			"CLUSTER_ADVERTISE_ADDR":        "127.0.0.1",
			"CLUSTER_GOSSIP_BIND_PORT":      strconv.Itoa(p.gossip),
			"CLUSTER_DATA_BIND_PORT":        strconv.Itoa(p.gossip + 1),
			"RAFT_PORT":                     strconv.Itoa(p.raft),
			"RAFT_INTERNAL_RPC_PORT":        strconv.Itoa(p.raft + 1),
			"RAFT_JOIN":                     strings.Join(raftJoin, ","),
			"RAFT_BOOTSTRAP_EXPECT":         strconv.Itoa(n),
			"GRPC_PORT":                     strconv.Itoa(p.grpc),
			"DEFAULT_VECTORIZER_MODULE":     "none",
			"ENABLE_MODULES":                "",
			"DISABLE_TELEMETRY":             "true",
			"GO_PROFILING_DISABLE":          "true",
			"PROMETHEUS_MONITORING_ENABLED": "false",
			"LOG_LEVEL":                     "warning",
			"QUERY_DEFAULTS_LIMIT":          "25",
			"GOMAXPROCS":                    "2",
		}
		if i > 0 {
			env["CLUSTER_JOIN"] = fmt.Sprintf("127.0.0.1:%d", ps[0].gossip)
		}
		if opt.APIKey != "" {
			env["AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED"] = "false"
			env["AUTHENTICATION_APIKEY_ENABLED"] = "true"
			env["AUTHENTICATION_APIKEY_ALLOWED_KEYS"] = opt.APIKey
			env["AUTHENTICATION_APIKEY_USERS"] = "latent"
		} else {
			env["AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED"] = "true"
		}
		for k, v := range opt.Env {
			env[k] = v
		}
		nd := &Node{
			Name: fmt.Sprintf("node%d", i), c: c,
			HTTP:    fmt.Sprintf("127.0.0.1:%d", p.http),
			GRPC:    fmt.Sprintf("127.0.0.1:%d", p.grpc),
			gossip:  fmt.Sprintf("127.0.0.1:%d", p.gossip),
			logPath: filepath.Join(c.dir, fmt.Sprintf("node%d.log", i)),
			env:     env,
		}
		c.Nodes = append(c.Nodes, nd)
		if err := nd.start(); err != nil {
			return nil, fmt.Errorf("starting %s: %w", nd.Name, err)
		}
		if i == 0 && n > 1 {
			// The others join through the first node's memberlist port:
			// it must be listening before they start, or they give up.
			if err := nd.waitListening(nd.gossip, 90*time.Second); err != nil {
				return nil, err
			}
		}
	}
	// A node that restarts rejoins through any of the others.
	for _, nd := range c.Nodes {
		var others []string
		for _, o := range c.Nodes {
			if o != nd {
				others = append(others, o.gossip)
			}
		}
		nd.rejoin = strings.Join(others, ",")
	}
	for _, nd := range c.Nodes {
		if err := nd.WaitReady(90 * time.Second); err != nil {
			return nil, err
		}
	}
	if err := c.WaitHealthy(90 * time.Second); err != nil {
		return nil, err
	}
	ok = true
	return c, nil
}

// Close kills every node.
func (c *Cluster) Close() {
	for _, nd := range c.Nodes {
		nd.Kill()
	}
}

// Dir returns the folder of the nodes' data and logs.
func (c *Cluster) Dir() string { return c.dir }

// Hosts returns the REST addresses of the nodes.
func (c *Cluster) Hosts() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.HTTP
	}
	return out
}

// GRPCs returns the gRPC addresses of the nodes.
func (c *Cluster) GRPCs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.GRPC
	}
	return out
}

// URL returns the store URL of the cluster (every node).
func (c *Cluster) URL() string {
	return "weaviate://" + strings.Join(c.Hosts(), ",") + "?grpc=" + strings.Join(c.GRPCs(), ",")
}

// WaitHealthy waits until the first live node reports every node healthy.
func (c *Cluster) WaitHealthy(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		for _, nd := range c.Nodes {
			if !nd.Running() {
				continue
			}
			healthy, msg := nd.healthyPeers()
			if healthy == len(c.Nodes) {
				return nil
			}
			last = msg
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("the cluster did not become healthy within %v: %s", timeout, last)
}

// healthyPeers asks the node how many nodes it sees healthy.
func (n *Node) healthyPeers() (int, string) {
	resp, err := httpGet(n.HTTP+"/v1/nodes", n.c.key)
	if err != nil {
		return 0, err.Error()
	}
	var r struct {
		Nodes []struct {
			Name   string `json:"name"`
			Status string `json:"status"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal(resp, &r); err != nil {
		return 0, err.Error()
	}
	h := 0
	var states []string
	for _, x := range r.Nodes {
		states = append(states, x.Name+"="+x.Status)
		if x.Status == "HEALTHY" {
			h++
		}
	}
	return h, strings.Join(states, " ")
}

func httpGet(addr, key string) ([]byte, error) {
	cl := http.Client{Timeout: 2 * time.Second}
	req, err := http.NewRequest(http.MethodGet, "http://"+addr, nil)
	if err != nil {
		return nil, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := cl.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s: HTTP %d: %s", addr, resp.StatusCode, bytes.TrimSpace(b))
	}
	return b, nil
}

// start launches the node's process with its environment.
func (n *Node) start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	logf, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(n.HTTP)
	cmd := exec.Command(n.c.bin, "--host", host, "--port", port, "--scheme", "http")
	cmd.Env = minimalEnv()
	for k, v := range n.env {
		if k == "CLUSTER_JOIN" && n.restarted {
			continue
		}
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if n.restarted && n.rejoin != "" {
		cmd.Env = append(cmd.Env, "CLUSTER_JOIN="+n.rejoin)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		logf.Close()
		close(exited)
	}()
	n.cmd, n.exited = cmd, exited
	return nil
}

// minimalEnv is the environment a node inherits: only what a process
// needs to run, so a developer's WEAVIATE_* or CLUSTER_* settings do not
// leak in.
func minimalEnv() []string {
	var out []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "TZ"} {
		if v, ok := os.LookupEnv(k); ok {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// WaitReady waits until the node answers its readiness check.
func (n *Node) WaitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if !n.Running() {
			return fmt.Errorf("%s exited while starting:\n%s", n.Name, n.LogTail(3000))
		}
		if _, err := httpGet(n.HTTP+"/v1/.well-known/ready", ""); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready within %v:\n%s", n.Name, timeout, n.LogTail(3000))
}

// waitListening waits until addr accepts TCP connections.
func (n *Node) waitListening(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if !n.Running() {
			return fmt.Errorf("%s exited while starting:\n%s", n.Name, n.LogTail(3000))
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s: %s not listening within %v:\n%s", n.Name, addr, timeout, n.LogTail(3000))
}

// CPUTime returns the CPU time the node's current process has used (Linux
// only), for benchmarks on a busy machine where wall time says more about
// the neighbours than about the work.
func (n *Node) CPUTime() (time.Duration, error) {
	n.mu.Lock()
	cmd := n.cmd
	n.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return 0, fmt.Errorf("%s is not running", n.Name)
	}
	return cpuTime(cmd.Process.Pid)
}

// Running reports whether the node's process is alive.
func (n *Node) Running() bool {
	n.mu.Lock()
	ch := n.exited
	n.mu.Unlock()
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return false
	default:
		return true
	}
}

// Kill ends the node's process with SIGKILL, as a crash would, and waits
// for it to exit. Killing a stopped node does nothing.
func (n *Node) Kill() {
	n.mu.Lock()
	cmd, ch := n.cmd, n.exited
	n.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-ch
}

// Restart starts a killed node again with the same data folder and ports,
// and waits until it is ready.
func (n *Node) Restart(timeout time.Duration) error {
	if n.Running() {
		return fmt.Errorf("%s is running", n.Name)
	}
	n.mu.Lock()
	n.restarted = true
	n.mu.Unlock()
	if err := n.start(); err != nil {
		return err
	}
	return n.WaitReady(timeout)
}

// LogTail returns the last max bytes of the node's log.
func (n *Node) LogTail(max int) string {
	b, err := os.ReadFile(n.logPath)
	if err != nil {
		return err.Error()
	}
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// freePort returns a port p on 127.0.0.1 such that p..p+span−1 are free
// for TCP (and UDP, which memberlist also uses) and not already taken.
func freePort(taken map[int]bool, span int) (int, error) {
	for try := 0; try < 200; try++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("no free port: %w", err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if p+span > 65535 {
			continue
		}
		ok := true
		for q := p; q < p+span && ok; q++ {
			ok = !taken[q] && portFree(q)
		}
		if ok {
			for q := p; q < p+span; q++ {
				taken[q] = true
			}
			return p, nil
		}
	}
	return 0, fmt.Errorf("no run of %d free ports", span)
}

func portFree(p int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
	if err != nil {
		return false
	}
	l.Close()
	u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p))
	if err != nil {
		return false
	}
	u.Close()
	return true
}
