package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := options{URL: "https://127.0.0.1/products", Rate: 10, Duration: time.Minute, MaxRequests: 10, Workers: 2}
	cases := map[string]struct {
		mutate  func(*options)
		wantErr string
	}{
		"loopback v4":     {mutate: func(*options) {}},
		"localhost":       {mutate: func(o *options) { o.URL = "https://localhost:8443/x" }},
		"loopback v6":     {mutate: func(o *options) { o.URL = "http://[::1]:80/" }},
		"other loopback":  {mutate: func(o *options) { o.URL = "https://127.0.0.9/" }},
		"private address": {mutate: func(o *options) { o.URL = "https://10.77.0.12/" }, wantErr: "not a loopback"},
		"public name":     {mutate: func(o *options) { o.URL = "https://example.com/" }, wantErr: "not a loopback"},
		"bad scheme":      {mutate: func(o *options) { o.URL = "ftp://127.0.0.1/" }, wantErr: "-url"},
		"no rate":         {mutate: func(o *options) { o.Rate = 0 }, wantErr: "-rate"},
		"too long":        {mutate: func(o *options) { o.Duration = time.Hour }, wantErr: "-duration"},
		"unbounded count": {mutate: func(o *options) { o.MaxRequests = 0 }, wantErr: "-max-requests"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o := ok
			tc.mutate(&o)
			err := validate(o)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	cases := map[string]struct {
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		"empty":      {in: nil, p: 50, want: 0},
		"one":        {in: ms(7), p: 99, want: 7 * time.Millisecond},
		"median 4":   {in: ms(1, 2, 3, 4), p: 50, want: 2 * time.Millisecond},
		"p99 of 100": {in: ms(hundred...), p: 99, want: 99 * time.Millisecond},
		"p50 of 100": {in: ms(hundred...), p: 50, want: 50 * time.Millisecond},
		"p100":       {in: ms(1, 2, 3), p: 100, want: 3 * time.Millisecond},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := percentile(tc.in, tc.p); got != tc.want {
				t.Errorf("percentile = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	got := summarize([]result{
		{Latency: 3 * time.Millisecond, Version: "v1"},
		{Latency: 1 * time.Millisecond, Version: "v2"},
		{Latency: 2 * time.Millisecond, Version: "v1"},
		{Latency: 9 * time.Millisecond, Err: "502 Bad Gateway"},
	})
	want := summary{
		Requests: 4, Failures: 1,
		P50: 2 * time.Millisecond, P99: 3 * time.Millisecond, Max: 3 * time.Millisecond,
		Versions: map[string]int{"v1": 2, "v2": 1},
		Errors:   map[string]int{"502 Bad Gateway": 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	out := got.String()
	for _, line := range []string{"requests: 4\n", "failures: 1\n", "p50: 2ms\n", "versions: v1=2 v2=1\n", "errors: 502 Bad Gateway=1\n"} {
		if !strings.Contains(out, line) {
			t.Errorf("output lacks %q:\n%s", line, out)
		}
	}
}

// TestRunAgainstServer runs the real loop against a loopback server that fails every fifth
// request, and checks the bounds and the counts.
func TestRunAgainstServer(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1)%5 == 0 {
			http.Error(w, "nope", http.StatusBadGateway)
			return
		}
		w.Header().Set("X-Api-Version", "v1")
	}))
	defer srv.Close()
	o := options{URL: srv.URL, Rate: 500, Duration: 10 * time.Second, MaxRequests: 50, Workers: 4, Timeout: 5 * time.Second, Insecure: true}
	if err := validate(o); err != nil {
		t.Fatal(err)
	}
	client, err := newClient(o)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := run(context.Background(), o, func(ctx context.Context) result { return request(ctx, client, o.URL) })
	s := summarize(res)
	if s.Requests != 50 || s.Failures != 10 || s.Versions["v1"] != 40 {
		t.Errorf("got %+v, want 50 requests, 10 failures, 40 answered by v1", s)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("50 requests at 500/s took %s", time.Since(start))
	}

	// The duration bound: a run cut short by its context stops early.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	o.Rate, o.MaxRequests = 20, 1000
	res = run(ctx, o, func(ctx context.Context) result { return request(ctx, client, o.URL) })
	if len(res) > 10 {
		t.Errorf("a 200ms run at 20/s made %d requests", len(res))
	}
}

func TestEvents(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)
	events, err := parseEvents("rotation\t2026-11-30T01:00:10Z\t2026-11-30T01:00:20Z\n\nworker loss\t2026-11-30T01:00:30Z\t2026-11-30T01:00:40.5Z\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[1].Name != "worker loss" || !events[1].End.Equal(t0.Add(40500*time.Millisecond)) {
		t.Fatalf("events = %+v", events)
	}
	all := []result{
		{Start: t0.Add(5 * time.Second), Latency: time.Millisecond},
		{Start: t0.Add(10 * time.Second), Latency: 2 * time.Millisecond},
		{Start: t0.Add(15 * time.Second), Err: "502 Bad Gateway"},
		{Start: t0.Add(20 * time.Second), Latency: 4 * time.Millisecond},
		{Start: t0.Add(25 * time.Second), Latency: time.Millisecond},
	}
	s := summarize(events[0].results(all))
	if s.Requests != 3 || s.Failures != 1 || s.Max != 4*time.Millisecond {
		t.Errorf("rotation: %+v", s)
	}
	if got := s.Line(); got != "requests 3, failures 1, p50 2ms, p99 4ms, max 4ms, errors: 502 Bad Gateway=1" {
		t.Errorf("Line() = %q", got)
	}
	if n := len(events[1].results(all)); n != 0 {
		t.Errorf("worker loss: %d results, want 0", n)
	}
	for _, bad := range []string{"x\t2026-11-30T01:00:10Z", "x\tnot a time\t2026-11-30T01:00:10Z", "x\t2026-11-30T01:00:10Z\t2026-11-30T01:00:00Z"} {
		if _, err := parseEvents(bad); err == nil {
			t.Errorf("parseEvents(%q): want an error", bad)
		}
	}
}
