package main

import "testing"

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
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}
