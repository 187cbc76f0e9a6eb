// Package callcount forwards the Docker Engine API to an engine's unix socket and counts the
// requests by method and path (the API version prefix dropped, object IDs and names replaced by
// {id}). The refresh benchmark (internal/bench/tfbench) and the countproxy command point the
// provider at it to count the Engine calls a refresh makes.
package callcount

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
)

// Counter counts requests by "METHOD /normalized/path".
type Counter struct {
	mu    sync.Mutex
	calls map[string]int
	total int
}

func NewCounter() *Counter { return &Counter{calls: map[string]int{}} }

func (c *Counter) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[key]++
	c.total++
}

// Snapshot is the counts at one moment.
type Snapshot struct {
	Total int            `json:"total"`
	Calls map[string]int `json:"calls"`
}

func (c *Counter) Snapshot() Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Snapshot{Total: c.total, Calls: make(map[string]int, len(c.calls))}
	for k, v := range c.calls {
		s.Calls[k] = v
	}
	return s
}

// Reset sets every count to zero.
func (c *Counter) Reset() {
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

// Normalize turns "/v1.41/services/abc/update" into "/services/{id}/update".
func Normalize(p string) string {
	p = versionPrefix.ReplaceAllString(p, "/")
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i := 1; i < len(parts); i++ {
		if collections[parts[i-1]] && parts[i] != "" && parts[i] != "create" && parts[i] != "prune" && parts[i] != "json" {
			parts[i] = "{id}"
		}
	}
	return "/" + strings.Join(parts, "/")
}

// Proxy forwards every request to the engine listening on the unix socket upstream, counting it.
func (c *Counter) Proxy(upstream string) http.Handler {
	target, _ := url.Parse("http://docker")
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1
	proxy.Transport = &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", upstream)
		},
		MaxIdleConnsPerHost: 32,
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.add(r.Method + " " + Normalize(r.URL.Path))
		proxy.ServeHTTP(w, r)
	})
}

// Control serves GET /count (the counts as JSON) and POST /reset.
func (c *Counter) Control() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /count", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(c.Snapshot())
	})
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, _ *http.Request) {
		c.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// ListenUnix listens on a unix socket, replacing a stale socket file.
func ListenUnix(path string) (net.Listener, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return net.Listen("unix", path)
}
