package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseConfig(t *testing.T) {
	t.Parallel()
	defaults := config{Port: 8080, Version: "dev", Mode: modeHealthy}
	tests := map[string]struct {
		env     map[string]string
		want    config
		wantErr []string
	}{
		"defaults": {
			want: defaults,
		},
		"all set": {
			env: map[string]string{
				"TESTAPP_PORT":        "9000",
				"TESTAPP_VERSION":     "v2",
				"TESTAPP_MODE":        "Unhealthy",
				"TESTAPP_START_DELAY": "1m30s",
				"TESTAPP_EXIT_AFTER":  "2s",
				"TESTAPP_EXIT_CODE":   "3",
			},
			want: config{
				Port: 9000, Version: "v2", Mode: modeUnhealthy, StartDelay: 90 * time.Second,
				Exit: true, ExitAfter: 2 * time.Second, ExitCode: 3,
			},
		},
		"plain seconds": {
			env:  map[string]string{"TESTAPP_START_DELAY": "1.5", "TESTAPP_EXIT_AFTER": "10"},
			want: config{Port: 8080, Version: "dev", Mode: modeHealthy, StartDelay: 1500 * time.Millisecond, Exit: true, ExitAfter: 10 * time.Second},
		},
		"exit at once": {
			env:  map[string]string{"TESTAPP_EXIT_AFTER": "0s"},
			want: config{Port: 8080, Version: "dev", Mode: modeHealthy, Exit: true},
		},
		"exit code alone does not exit": {
			env:  map[string]string{"TESTAPP_EXIT_CODE": "1"},
			want: config{Port: 8080, Version: "dev", Mode: modeHealthy, ExitCode: 1},
		},
		"blank values are defaults": {
			env:  map[string]string{"TESTAPP_PORT": " ", "TESTAPP_VERSION": "", "TESTAPP_MODE": ""},
			want: defaults,
		},
		"bad port": {
			env:     map[string]string{"TESTAPP_PORT": "70000"},
			wantErr: []string{"TESTAPP_PORT"},
		},
		"bad mode": {
			env:     map[string]string{"TESTAPP_MODE": "sick"},
			wantErr: []string{"TESTAPP_MODE"},
		},
		"bad durations and code": {
			env: map[string]string{
				"TESTAPP_START_DELAY": "soon",
				"TESTAPP_EXIT_AFTER":  "-1s",
				"TESTAPP_EXIT_CODE":   "256",
			},
			wantErr: []string{"TESTAPP_START_DELAY", "TESTAPP_EXIT_AFTER", "TESTAPP_EXIT_CODE"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := parseConfig(env(tc.env))
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("parseConfig() = %+v, want an error", got)
				}
				for _, s := range tc.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %s", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("parseConfig() error: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseConfig() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		cfg        config
		up         time.Duration
		path       string
		wantStatus int
		wantBody   string
	}{
		"root": {
			cfg: config{Version: "v1", Mode: modeHealthy}, path: "/",
			wantStatus: 200, wantBody: "testapp v1 node-a\n",
		},
		"root v2": {
			cfg: config{Version: "v2", Mode: modeHealthy}, path: "/",
			wantStatus: 200, wantBody: "testapp v2 node-a\n",
		},
		"healthy": {
			cfg: config{Mode: modeHealthy}, path: "/health",
			wantStatus: 200, wantBody: "ok\n",
		},
		"unhealthy": {
			cfg: config{Mode: modeUnhealthy}, up: time.Hour, path: "/health",
			wantStatus: 500, wantBody: "unhealthy\n",
		},
		"starting": {
			cfg: config{Mode: modeHealthy, StartDelay: 10 * time.Second}, up: 4 * time.Second, path: "/health",
			wantStatus: 500, wantBody: "starting: healthy in 6s\n",
		},
		"started": {
			cfg: config{Mode: modeHealthy, StartDelay: 10 * time.Second}, up: 10 * time.Second, path: "/health",
			wantStatus: 200, wantBody: "ok\n",
		},
		"unknown path": {
			cfg: config{Mode: modeHealthy}, path: "/nope",
			wantStatus: 404, wantBody: "404 page not found\n",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := &server{cfg: tc.cfg, hostname: "node-a", started: start, now: func() time.Time { return start.Add(tc.up) }}
			rec := httptest.NewRecorder()
			s.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
			if rec.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tc.wantStatus)
			}
			if got := rec.Body.String(); got != tc.wantBody {
				t.Errorf("body = %q, want %q", got, tc.wantBody)
			}
		})
	}
}

func TestShellArgs(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		args    []string
		want    []string
		wantErr bool
	}{
		"testapp path":   {args: []string{"-c", "/testapp health"}, want: []string{"health"}},
		"bare command":   {args: []string{"-c", "cat /run/secrets/x"}, want: []string{"cat", "/run/secrets/x"}},
		"quotes":         {args: []string{"-c", `testapp get 'http://a b/' "x\"y" z\ w ''`}, want: []string{"get", "http://a b/", `x"y`, "z w", ""}},
		"empty":          {args: []string{"-c", "  "}, want: nil},
		"no -c":          {args: []string{"script.sh"}, wantErr: true},
		"operator":       {args: []string{"-c", "/testapp health || exit 1"}, wantErr: true},
		"expansion":      {args: []string{"-c", "/testapp get $URL"}, wantErr: true},
		"unterminated":   {args: []string{"-c", "/testapp get 'x"}, wantErr: true},
		"trailing slash": {args: []string{"-c", `/testapp get x\`}, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := shellArgs(tc.args)
			if (err != nil) != tc.wantErr {
				t.Fatalf("shellArgs(%q) error = %v, want error %t", tc.args, err, tc.wantErr)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("shellArgs(%q) = %q, want %q", tc.args, got, tc.want)
			}
		})
	}
}

func TestRunCommands(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			http.Error(w, "broken", http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, "hello")
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	secret := filepath.Join(dir, "x")
	if err := os.WriteFile(secret, []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := map[string]struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		"health ok":      {args: []string{"health", srv.URL + "/health"}, wantCode: 0, wantOut: "hello"},
		"health fails":   {args: []string{"health", srv.URL + "/fail"}, wantCode: 1},
		"health refused": {args: []string{"health", "http://127.0.0.1:1/health"}, wantCode: 1},
		"get":            {args: []string{"get", srv.URL}, wantCode: 0, wantOut: "hello"},
		"get 500":        {args: []string{"get", srv.URL + "/fail"}, wantCode: 1, wantOut: "broken\n"},
		"get no url":     {args: []string{"get"}, wantCode: 2},
		"cat":            {args: []string{"cat", secret}, wantCode: 0, wantOut: "s3cret"},
		"cat missing":    {args: []string{"cat", filepath.Join(dir, "nope")}, wantCode: 1},
		"sleep":          {args: []string{"sleep", "1ms"}, wantCode: 0},
		"testapp prefix": {args: []string{"/testapp", "cat", secret}, wantCode: 0, wantOut: "s3cret"},
		"sleep bad":      {args: []string{"sleep", "forever"}, wantCode: 2},
		"unknown":        {args: []string{"frobnicate"}, wantCode: 2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := run(tc.args, env(nil), &out, &errOut)
			if code != tc.wantCode {
				t.Errorf("run(%q) = %d, want %d (stderr %q)", tc.args, code, tc.wantCode, errOut.String())
			}
			if got := out.String(); got != tc.wantOut {
				t.Errorf("run(%q) output = %q, want %q", tc.args, got, tc.wantOut)
			}
		})
	}
}

func TestHealthURL(t *testing.T) {
	t.Parallel()
	if got, want := healthURL(env(nil)), "http://127.0.0.1:8080/health"; got != want {
		t.Errorf("healthURL() = %q, want %q", got, want)
	}
	if got, want := healthURL(env(map[string]string{"TESTAPP_PORT": "9000"})), "http://127.0.0.1:9000/health"; got != want {
		t.Errorf("healthURL() = %q, want %q", got, want)
	}
}
