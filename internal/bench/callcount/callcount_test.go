package callcount

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalize(t *testing.T) {
	cases := map[string]string{
		"/v1.41/services/abc123":        "/services/{id}",
		"/v1.41/services/abc123/update": "/services/{id}/update",
		"/v1.41/services/create":        "/services/create",
		"/v1.41/services":               "/services",
		"/v1.41/tasks":                  "/tasks",
		"/_ping":                        "/_ping",
		"/v1.41/info":                   "/info",
		"/v1.41/networks/my-net":        "/networks/{id}",
		"/v1.41/containers/json":        "/containers/json",
		"/v1.41/containers/abc/json":    "/containers/{id}/json",
		"/v1.9/nodes/xyz":               "/nodes/{id}",
		"/version":                      "/version",
		"/v1.41/secrets/s1/update":      "/secrets/{id}/update",
		"/v1.41/distribution/img/json":  "/distribution/img/json",
		"/v1.41/volumes/prune":          "/volumes/prune",
		"/v1.41/configs/c1":             "/configs/{id}",
		"/v1.41/swarm":                  "/swarm",
		"/v1.41/swarm/unlockkey":        "/swarm/unlockkey",
		"/v1.41/plugins/p1/json":        "/plugins/{id}/json",
		"/v1.41/exec/e1/start":          "/exec/{id}/start",
		"/v1.41/services/abc123/logs":   "/services/{id}/logs",
		"/v1.41/tasks/t1":               "/tasks/{id}",
		"/v1.41/nodes":                  "/nodes",
		"/v1.41/networks/create":        "/networks/create",
		"/v1.41/services/abc123/":       "/services/{id}/",
	}
	for in, want := range cases {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestProxyCountsAndControl(t *testing.T) {
	dir := t.TempDir()
	upstream := filepath.Join(dir, "engine.sock")
	l, err := ListenUnix(upstream)
	if err != nil {
		t.Fatal(err)
	}
	engine := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "engine saw %s", r.URL.Path)
	})}
	go func() { _ = engine.Serve(l) }()
	t.Cleanup(func() { _ = engine.Close() })

	c := NewCounter()
	proxy := httptest.NewServer(c.Proxy(upstream))
	t.Cleanup(proxy.Close)
	for _, p := range []string{"/v1.41/services/abc", "/v1.41/services/def", "/_ping"} {
		resp, err := http.Get(proxy.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := "engine saw " + p; string(body) != want {
			t.Errorf("body = %q, want %q", body, want)
		}
	}
	want := Snapshot{Total: 3, Calls: map[string]int{"GET /services/{id}": 2, "GET /_ping": 1}}
	if d := cmp.Diff(want, c.Snapshot()); d != "" {
		t.Errorf("counts (-want +got):\n%s", d)
	}

	control := httptest.NewServer(c.Control())
	t.Cleanup(control.Close)
	resp, err := http.Get(control.URL + "/count")
	if err != nil {
		t.Fatal(err)
	}
	var got Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("GET /count (-want +got):\n%s", d)
	}
	resp, err = http.Post(control.URL+"/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := c.Snapshot(); s.Total != 0 || len(s.Calls) != 0 {
		t.Errorf("after POST /reset: %+v, want no calls", s)
	}
}
