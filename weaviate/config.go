package weaviate

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Defaults of Config and Retry.
const (
	// DefaultTimeout bounds one request.
	DefaultTimeout = 30 * time.Second
	// DefaultDialTimeout bounds connecting to a node and its readiness check.
	DefaultDialTimeout = 5 * time.Second
	// DefaultGRPCPort is Weaviate's default gRPC port.
	DefaultGRPCPort = 50051
	// DefaultKeyEnv is the environment variable ParseURL reads the API key
	// from unless the URL names another with key_env.
	DefaultKeyEnv = "WEAVIATE_API_KEY"
)

// Config says how to reach a Weaviate cluster. Only Hosts is required.
type Config struct {
	// Hosts are the REST addresses (host:port) of the nodes to talk to.
	// Requests start at one node and move to the next when a node does not
	// answer, so naming several nodes of a cluster keeps work going while
	// one of them is down.
	Hosts []string
	// GRPC holds the gRPC address of each host, in the same order. When
	// empty, every host's name with DefaultGRPCPort is used.
	GRPC []string
	// APIKey, when not empty, is sent with every request as a bearer token.
	APIKey string
	// Timeout bounds each request; 0 means DefaultTimeout.
	Timeout time.Duration
	// DialTimeout bounds connecting to a node; 0 means DefaultDialTimeout.
	DialTimeout time.Duration
	// Retry says how transient failures are retried.
	Retry Retry
}

// Retry configures the retries of requests that failed for a reason that
// may pass: a node that refuses connections or times out, HTTP 5xx, 429
// and 408, gRPC Unavailable, DeadlineExceeded, ResourceExhausted and
// Aborted. The n-th retry waits a random time in [0, min(Max, Base·2ⁿ)]
// ("full jitter"), so that many clients do not retry in step.
type Retry struct {
	// Attempts is the number of tries of one request, the first included;
	// 0 means 8.
	Attempts int
	// Base is the first backoff step; 0 means 100 ms.
	Base time.Duration
	// Max caps one wait; 0 means 5 s.
	Max time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 8
	}
	if r.Base <= 0 {
		r.Base = 100 * time.Millisecond
	}
	if r.Max <= 0 {
		r.Max = 5 * time.Second
	}
	return r
}

// IsURL reports whether s is a store URL for this package (weaviate://...).
func IsURL(s string) bool { return strings.HasPrefix(strings.ToLower(s), "weaviate://") }

// ParseURL reads a store address of the form
//
//	weaviate://HOST:PORT[,HOST:PORT...][?grpc=PORTS&key_env=VAR&timeout=DUR]
//
// HOST:PORT are the REST addresses of one or more nodes. grpc gives the
// gRPC port (or host:port) of every node, one value for all or a
// comma-separated list with one per node; the default is 50051 on each
// host. The API key is read from the environment variable key_env
// (default WEAVIATE_API_KEY); a key is never written in the URL. timeout
// is a Go duration (e.g. 10s) bounding each request.
func ParseURL(s string) (Config, error) {
	var cfg Config
	if !IsURL(s) {
		return cfg, fmt.Errorf("store %q: want weaviate://host:port[,host:port...]", s)
	}
	rest := s[len("weaviate://"):]
	hosts, query, _ := strings.Cut(rest, "?")
	hosts = strings.TrimSuffix(hosts, "/")
	if strings.Contains(hosts, "@") {
		return cfg, fmt.Errorf("store %q: credentials do not belong in the URL; put the API key in $%s", redact(s), DefaultKeyEnv)
	}
	if hosts == "" {
		return cfg, fmt.Errorf("store %q: no host", s)
	}
	for _, h := range strings.Split(hosts, ",") {
		addr, err := hostPort(h, 0)
		if err != nil {
			return cfg, fmt.Errorf("store %q: %w", s, err)
		}
		cfg.Hosts = append(cfg.Hosts, addr)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return cfg, fmt.Errorf("store %q: query: %w", s, err)
	}
	keyEnv := DefaultKeyEnv
	for k, v := range q {
		val := v[len(v)-1]
		switch k {
		case "grpc":
			parts := strings.Split(val, ",")
			if len(parts) != 1 && len(parts) != len(cfg.Hosts) {
				return cfg, fmt.Errorf("store %q: grpc lists %d addresses for %d hosts", s, len(parts), len(cfg.Hosts))
			}
			for i, h := range cfg.Hosts {
				p := parts[0]
				if len(parts) > 1 {
					p = parts[i]
				}
				addr, err := grpcAddr(h, p)
				if err != nil {
					return cfg, fmt.Errorf("store %q: grpc: %w", s, err)
				}
				cfg.GRPC = append(cfg.GRPC, addr)
			}
		case "key_env":
			if val == "" {
				return cfg, fmt.Errorf("store %q: empty key_env", s)
			}
			keyEnv = val
		case "timeout":
			d, err := time.ParseDuration(val)
			if err != nil || d <= 0 {
				return cfg, fmt.Errorf("store %q: timeout %q: want a positive duration such as 10s", s, val)
			}
			cfg.Timeout = d
		default:
			return cfg, fmt.Errorf("store %q: unknown parameter %q (known: grpc, key_env, timeout)", s, k)
		}
	}
	cfg.APIKey = os.Getenv(keyEnv)
	return cfg, nil
}

// redact hides what sits before an @ in a URL.
func redact(s string) string {
	if i := strings.LastIndex(s, "@"); i >= 0 {
		return "weaviate://…" + s[i:]
	}
	return s
}

// hostPort checks a host:port address; a missing port is defaultPort when
// that is not 0, else an error.
func hostPort(s string, defaultPort int) (string, error) {
	s = strings.TrimSpace(s)
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		if defaultPort == 0 {
			return "", fmt.Errorf("address %q: want host:port", s)
		}
		host, port = s, strconv.Itoa(defaultPort)
	}
	if host == "" {
		return "", fmt.Errorf("address %q: no host", s)
	}
	for _, r := range host {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_:%", r)) {
			return "", fmt.Errorf("address %q: %q is not a host name or IP address", s, host)
		}
	}
	if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
		return "", fmt.Errorf("address %q: port %q out of range", s, port)
	}
	return net.JoinHostPort(host, port), nil
}

// grpcAddr is the gRPC address for REST address rest given p, a port or a
// host:port.
func grpcAddr(rest, p string) (string, error) {
	p = strings.TrimSpace(p)
	if n, err := strconv.Atoi(p); err == nil {
		if n <= 0 || n > 65535 {
			return "", fmt.Errorf("port %d out of range", n)
		}
		host, _, _ := net.SplitHostPort(rest)
		return net.JoinHostPort(host, p), nil
	}
	return hostPort(p, 0)
}

// grpcAddrs returns the gRPC address of every host.
func (c Config) grpcAddrs() ([]string, error) {
	if len(c.GRPC) == 0 {
		out := make([]string, len(c.Hosts))
		for i, h := range c.Hosts {
			a, err := grpcAddr(h, strconv.Itoa(DefaultGRPCPort))
			if err != nil {
				return nil, err
			}
			out[i] = a
		}
		return out, nil
	}
	if len(c.GRPC) != len(c.Hosts) {
		return nil, fmt.Errorf("weaviate: %d gRPC addresses for %d hosts", len(c.GRPC), len(c.Hosts))
	}
	return c.GRPC, nil
}

// String returns the URL that ParseURL reads back (without the key).
func (c Config) String() string {
	s := "weaviate://" + strings.Join(c.Hosts, ",")
	if len(c.GRPC) > 0 {
		s += "?grpc=" + strings.Join(c.GRPC, ",")
	}
	return s
}
