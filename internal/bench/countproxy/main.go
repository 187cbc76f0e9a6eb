// Command countproxy forwards the Docker Engine API from a unix socket to the engine's socket and
// counts the requests, by method and path (API version prefix dropped, object IDs and names
// replaced by {id}). The benchmark (internal/bench/bench.sh) points the provider at it to count
// the Engine calls a refresh makes.
//
// Usage:
//
//	countproxy -listen PROXY.sock -control CONTROL.sock [-upstream /var/run/docker.sock]
//
// On the control socket: GET /count answers the counts as JSON ({"total": n, "calls": {"GET
// /services/{id}": n, ...}}); POST /reset sets them to zero. SIGUSR1 prints the counts to stderr.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
)

type counter struct {
	mu    sync.Mutex
	calls map[string]int
	total int
}

func (c *counter) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[key]++
	c.total++
}

type snapshot struct {
	Total int            `json:"total"`
	Calls map[string]int `json:"calls"`
}

func (c *counter) snapshot() snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := snapshot{Total: c.total, Calls: make(map[string]int, len(c.calls))}
	for k, v := range c.calls {
		s.Calls[k] = v
	}
	return s
}

func (c *counter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = map[string]int{}
	c.total = 0
}

var versionPrefix = regexp.MustCompile(`^/v[0-9]+\.[0-9]+(/|$)`)

// collections whose next path element is an object ID or name.
var collections = map[string]bool{
	"services": true, "tasks": true, "nodes": true, "networks": true, "secrets": true,
	"configs": true, "volumes": true, "containers": true, "plugins": true, "exec": true,
}

// normalize turns "/v1.41/services/abc/update" into "/services/{id}/update".
func normalize(p string) string {
	p = versionPrefix.ReplaceAllString(p, "/")
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i := 1; i < len(parts); i++ {
		if collections[parts[i-1]] && parts[i] != "" && parts[i] != "create" && parts[i] != "prune" && parts[i] != "json" {
			parts[i] = "{id}"
		}
	}
	return "/" + strings.Join(parts, "/")
}

func (c *counter) print() {
	s := c.snapshot()
	keys := make([]string, 0, len(s.Calls))
	for k := range s.Calls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(os.Stderr, "countproxy: %d requests\n", s.Total)
	for _, k := range keys {
		fmt.Fprintf(os.Stderr, "  %6d %s\n", s.Calls[k], k)
	}
}

func listenUnix(path string) (net.Listener, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return net.Listen("unix", path)
}

func main() {
	listen := flag.String("listen", "", "unix socket to serve the proxied Engine API on")
	control := flag.String("control", "", "unix socket for GET /count and POST /reset")
	upstream := flag.String("upstream", "/var/run/docker.sock", "the Docker Engine's unix socket")
	flag.Parse()
	if *listen == "" || *control == "" {
		fmt.Fprintln(os.Stderr, "countproxy: -listen and -control are required")
		os.Exit(2)
	}

	c := &counter{calls: map[string]int{}}
	target, _ := url.Parse("http://docker")
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1
	proxy.Transport = &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", *upstream)
		},
		MaxIdleConnsPerHost: 32,
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.add(r.Method + " " + normalize(r.URL.Path))
		proxy.ServeHTTP(w, r)
	})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /count", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(c.snapshot())
	})
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, _ *http.Request) {
		c.reset()
		w.WriteHeader(http.StatusNoContent)
	})

	pl, err := listenUnix(*listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "countproxy:", err)
		os.Exit(1)
	}
	cl, err := listenUnix(*control)
	if err != nil {
		fmt.Fprintln(os.Stderr, "countproxy:", err)
		os.Exit(1)
	}
	go func() { _ = http.Serve(cl, mux) }()
	go func() { _ = http.Serve(pl, api) }()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT)
	for s := range sigs {
		c.print()
		if s != syscall.SIGUSR1 {
			_ = os.Remove(*listen)
			_ = os.Remove(*control)
			return
		}
	}
}
