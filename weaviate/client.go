package weaviate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Errors that callers can test for with errors.Is.
var (
	// ErrNotFound: the collection does not exist (or no longer does).
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized: the server refused the API key, or wants one.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrUnreachable: no node answered.
	ErrUnreachable = errors.New("unreachable")
	// ErrConflict: the collection exists with another shape or metric.
	ErrConflict = errors.New("conflict")
)

// Error is a request that failed on one node.
type Error struct {
	// Addr is the node's address.
	Addr string
	// Op says what was asked, e.g. "create collection".
	Op string
	// Status is the HTTP status of a REST call, 0 otherwise.
	Status int
	// Code is the gRPC status code of a gRPC call, codes.OK otherwise.
	Code codes.Code
	// Msg is the server's message.
	Msg string
	// Err is the underlying error: a transport error, or one of the
	// sentinel errors of this package.
	Err error
}

// Error implements the error interface.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "weaviate %s: %s", e.Addr, e.Op)
	switch {
	case e.Status != 0:
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	case e.Code != codes.OK:
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	if e.Msg != "" {
		fmt.Fprintf(&b, ": %s", e.Msg)
	}
	if e.Err != nil && !isSentinel(e.Err) {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

func isSentinel(err error) bool {
	return err == ErrNotFound || err == ErrUnauthorized || err == ErrUnreachable || err == ErrConflict
}

// Transient reports whether err may pass if the request is tried again: a
// refused, reset or timed-out connection, HTTP 5xx, 429 or 408, or gRPC
// Unavailable, DeadlineExceeded, ResourceExhausted or Aborted. A cancelled
// context is not transient.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		if e.Status != 0 {
			return e.Status >= 500 || e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout
		}
		switch e.Code {
		case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Aborted:
			return true
		case codes.OK:
		default:
			return false
		}
		if e.Err == nil {
			return false
		}
		err = e.Err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Client talks to the nodes of one Weaviate cluster over REST (schema,
// cluster state) and gRPC (import, search, iteration). It is safe for
// concurrent use. Create it with Dial and release it with Close.
type Client struct {
	cfg   Config
	retry Retry
	http  *http.Client
	nodes []*node
	next  atomic.Uint64

	mu   sync.Mutex
	cols map[string]*Collection
}

// node is one server of the cluster.
type node struct {
	rest, grpcAddr string
	conn           *grpc.ClientConn
	rpc            pb.WeaviateClient
	// downUntil is when (unix ns) the node may be tried again after it
	// failed to answer.
	downUntil atomic.Int64
}

// Dial connects to the cluster that cfg describes. It checks that at least
// one node answers within cfg.DialTimeout (an error naming every address
// otherwise: nothing hangs) and that the API key is accepted.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if len(cfg.Hosts) == 0 {
		return nil, errors.New("weaviate: no host given")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	gaddrs, err := cfg.grpcAddrs()
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	c := &Client{cfg: cfg, retry: cfg.Retry.withDefaults(), http: &http.Client{Transport: tr}, cols: map[string]*Collection{}}
	for i, h := range cfg.Hosts {
		conn, err := grpc.NewClient(gaddrs[i],
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1<<30), grpc.MaxCallSendMsgSize(1<<30)),
			// Reconnect to a node that comes back within seconds, not
			// gRPC's default of up to two minutes.
			grpc.WithConnectParams(grpc.ConnectParams{
				Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 3 * time.Second},
				MinConnectTimeout: cfg.DialTimeout,
			}),
			grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
				return dialer.DialContext(ctx, "tcp", addr)
			}))
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("weaviate %s: gRPC %s: %w", h, gaddrs[i], err)
		}
		c.nodes = append(c.nodes, &node{rest: h, grpcAddr: gaddrs[i], conn: conn, rpc: pb.NewWeaviateClient(conn)})
	}
	if err := c.check(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Open parses a store URL (see ParseURL) and dials it.
func Open(ctx context.Context, storeURL string) (*Client, error) {
	cfg, err := ParseURL(storeURL)
	if err != nil {
		return nil, err
	}
	return Dial(ctx, cfg)
}

// Close releases the connections.
func (c *Client) Close() error {
	var first error
	for _, n := range c.nodes {
		if err := n.conn.Close(); err != nil && first == nil {
			first = err
		}
	}
	c.http.CloseIdleConnections()
	return first
}

// Config returns the configuration the client was dialled with.
func (c *Client) Config() Config { return c.cfg }

// check asks every node whether it is ready, in parallel, and then
// whether the key is accepted, over REST and gRPC.
func (c *Client) check(ctx context.Context) error {
	errs := make([]error, len(c.nodes))
	var wg sync.WaitGroup
	for i, n := range c.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
			defer cancel()
			errs[i] = c.restOnce(cctx, n, "readiness check", http.MethodGet, "/v1/.well-known/ready", nil, nil)
		}()
	}
	wg.Wait()
	var up *node
	var msgs []string
	for i, err := range errs {
		var he *Error
		if err == nil || errors.As(err, &he) && he.Status != 0 && he.Status < 500 {
			// The node answered (a 4xx is for the meta check to explain).
			if up == nil {
				up = c.nodes[i]
			}
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.nodes[i].markDown(c.cfg.DialTimeout)
		msgs = append(msgs, err.Error())
	}
	if up == nil {
		return fmt.Errorf("weaviate: no node answers within %v: %s: %w", c.cfg.DialTimeout, strings.Join(msgs, "; "), ErrUnreachable)
	}
	cctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
	defer cancel()
	var meta struct {
		Version string `json:"version"`
	}
	if err := c.restOnce(cctx, up, "meta", http.MethodGet, "/v1/meta", nil, &meta); err != nil {
		return c.authHint(err)
	}
	// The gRPC port is separate: check it answers and takes the key too.
	_, err := up.rpc.Aggregate(c.grpcCtx(cctx), &pb.AggregateRequest{Collection: "LatentConnectionCheck", ObjectsCount: true})
	if err != nil {
		e := grpcError(up, "gRPC check", err)
		if e.Code == codes.Unavailable || e.Code == codes.DeadlineExceeded {
			return fmt.Errorf("weaviate %s: gRPC port %s does not answer (give it with ?grpc=PORT): %w", up.rest, up.grpcAddr, ErrUnreachable)
		}
		if errors.Is(e, ErrUnauthorized) {
			return c.authHint(e)
		}
		// Any other answer (the collection does not exist) means the port
		// works and the key is accepted.
	}
	return nil
}

func (c *Client) authHint(err error) error {
	if errors.Is(err, ErrUnauthorized) {
		if c.cfg.APIKey == "" {
			return fmt.Errorf("%w (the server wants an API key: set $%s)", err, DefaultKeyEnv)
		}
		return fmt.Errorf("%w (the API key was refused)", err)
	}
	return err
}

func (n *node) markDown(d time.Duration) { n.downUntil.Store(time.Now().Add(d).UnixNano()) }

// pick returns the nodes in the order a request tries them: round robin
// over the nodes that are not marked down, then those that are.
func (c *Client) pick() []*node {
	k := len(c.nodes)
	start := int(c.next.Add(1) % uint64(k))
	now := time.Now().UnixNano()
	out := make([]*node, 0, k)
	var down []*node
	for i := range k {
		n := c.nodes[(start+i)%k]
		if n.downUntil.Load() > now {
			down = append(down, n)
		} else {
			out = append(out, n)
		}
	}
	return append(out, down...)
}

// do runs fn on a node and retries it, on the next node and with backoff,
// while it fails transiently and attempts remain. It returns the last error.
func (c *Client) do(ctx context.Context, fn func(ctx context.Context, n *node) error) error {
	var err error
	order := c.pick()
	for attempt := 0; attempt < c.retry.Attempts; attempt++ {
		if attempt > 0 {
			// A different node may answer at once; wait only after every
			// node has been tried in this round.
			if attempt%len(order) == 0 {
				if werr := c.sleep(ctx, attempt/len(order)-1); werr != nil {
					return werr
				}
				order = c.pick()
			}
		}
		n := order[attempt%len(order)]
		rctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		err = fn(rctx, n)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !Transient(err) {
			return err
		}
		if isDown(err) {
			n.markDown(2 * time.Second)
		}
	}
	return err
}

// isDown reports whether err says the node itself did not answer.
func isDown(err error) bool {
	var e *Error
	if errors.As(err, &e) && e.Code == codes.Unavailable {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// sleep waits the backoff of the n-th retry round, or until ctx ends.
func (c *Client) sleep(ctx context.Context, n int) error {
	return backoffWait(ctx, c.retry, n)
}

func backoffWait(ctx context.Context, r Retry, n int) error {
	d := r.Base << min(n, 20)
	if d > r.Max || d <= 0 {
		d = r.Max
	}
	d = time.Duration(rand.Int64N(int64(d) + 1))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// rest runs a REST call with retries.
func (c *Client) rest(ctx context.Context, op, method, path string, body, out any) error {
	return c.do(ctx, func(ctx context.Context, n *node) error {
		return c.restOnce(ctx, n, op, method, path, body, out)
	})
}

// restOnce runs one REST call on node n. out, when not nil, receives the
// decoded JSON answer of a 2xx status.
func (c *Client) restOnce(ctx context.Context, n *node, op, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("weaviate: %s: %w", op, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+n.rest+path, rd)
	if err != nil {
		return &Error{Addr: n.rest, Op: op, Err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &Error{Addr: n.rest, Op: op, Err: unwrapURL(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return &Error{Addr: n.rest, Op: op, Err: err}
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Addr: n.rest, Op: op, Status: resp.StatusCode, Msg: restMessage(data)}
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			e.Err = ErrUnauthorized
		case http.StatusNotFound:
			e.Err = ErrNotFound
		}
		return e
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return &Error{Addr: n.rest, Op: op, Msg: "malformed answer", Err: err}
		}
	}
	return nil
}

// unwrapURL drops the *url.Error layer, which repeats the URL.
func unwrapURL(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if in := ue.Unwrap(); in != nil {
			return in
		}
	}
	return err
}

// restMessage extracts Weaviate's error messages from an error body.
func restMessage(data []byte) string {
	var e struct {
		Error []struct {
			Message string `json:"message"`
		} `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &e) == nil {
		var m []string
		for _, x := range e.Error {
			m = append(m, x.Message)
		}
		if e.Message != "" {
			m = append(m, e.Message)
		}
		if len(m) > 0 {
			return strings.Join(m, "; ")
		}
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// grpcCtx adds the API key to a gRPC call's metadata.
func (c *Client) grpcCtx(ctx context.Context) context.Context {
	if c.cfg.APIKey == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.cfg.APIKey)
}

// grpcError turns a gRPC failure into an *Error.
func grpcError(n *node, op string, err error) *Error {
	st, ok := status.FromError(err)
	if !ok {
		return &Error{Addr: n.grpcAddr, Op: op, Err: err}
	}
	e := &Error{Addr: n.grpcAddr, Op: op, Code: st.Code(), Msg: st.Message()}
	switch st.Code() {
	case codes.Unauthenticated, codes.PermissionDenied:
		e.Err = ErrUnauthorized
	case codes.NotFound:
		e.Err = ErrNotFound
	default:
		if notFoundMessage(st.Message()) {
			e.Err = ErrNotFound
		}
	}
	if st.Code() == codes.Unknown && strings.Contains(strings.ToLower(st.Message()), "unauthenticated") {
		e.Err = ErrUnauthorized
	}
	return e
}

// notFoundMessage reports whether a server message says a collection does
// not exist (Weaviate answers searches on a missing class this way rather
// than with NotFound).
func notFoundMessage(m string) bool {
	m = strings.ToLower(m)
	return strings.Contains(m, "could not find class") || strings.Contains(m, "class") && strings.Contains(m, "not found") ||
		strings.Contains(m, "collection") && (strings.Contains(m, "not found") || strings.Contains(m, "does not exist")) ||
		strings.Contains(m, "no such class")
}
