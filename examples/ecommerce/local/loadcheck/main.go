// Command loadcheck sends a bounded, steady stream of HTTPS requests to the example platform's
// nginx on loopback (during a rolling update of the API, for instance) and prints what it saw:
// requests, failures, latency percentiles and the API versions that answered.
//
//	loadcheck -url https://127.0.0.1/products -rate 40 -duration 3m -max-requests 20000
//
// It stops at whichever comes first: -duration, -max-requests, or SIGINT/SIGTERM (then it prints
// the figures so far). With -events FILE it also prints the figures of each event that FILE
// lists when it stops, one line a event: the event's name, then its start and end as RFC 3339
// times, separated by tabs (loadcheck.sh writes it around each apply or fault). Only loopback addresses are allowed as targets. The exit code is 1 when a
// request failed (a transport error or a status other than 200), 0 otherwise.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

type options struct {
	URL         string
	Rate        float64
	Duration    time.Duration
	MaxRequests int
	Workers     int
	Timeout     time.Duration
	CACert      string
	Insecure    bool
	Events      string
}

// result is the outcome of one request.
type result struct {
	Start   time.Time
	Latency time.Duration
	Err     string // empty on success
	Version string
}

// summary is what loadcheck prints.
type summary struct {
	Requests int
	Failures int
	P50, P99 time.Duration
	Max      time.Duration
	Versions map[string]int
	Errors   map[string]int
}

func main() {
	var o options
	flag.StringVar(&o.URL, "url", "https://127.0.0.1/products", "the URL to request (loopback only)")
	flag.Float64Var(&o.Rate, "rate", 40, "requests per second")
	flag.DurationVar(&o.Duration, "duration", 2*time.Minute, "stop after this long")
	flag.IntVar(&o.MaxRequests, "max-requests", 20000, "stop after this many requests")
	flag.IntVar(&o.Workers, "workers", 8, "requests in flight at most")
	flag.DurationVar(&o.Timeout, "timeout", 10*time.Second, "timeout of one request")
	flag.StringVar(&o.CACert, "cacert", "", "PEM file of the CA (the self-signed certificate) to trust")
	flag.BoolVar(&o.Insecure, "insecure", false, "do not verify the server's certificate")
	flag.StringVar(&o.Events, "events", "", "file of events (name, start, end; tab-separated) to print figures for at the end")
	flag.Parse()

	if err := validate(o); err != nil {
		fmt.Fprintln(os.Stderr, "loadcheck:", err)
		os.Exit(2)
	}
	client, err := newClient(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadcheck:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()

	results := run(ctx, o, func(ctx context.Context) result { return request(ctx, client, o.URL) })
	s := summarize(results)
	if o.Events != "" {
		events, err := readEvents(o.Events)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadcheck:", err)
			os.Exit(2)
		}
		for _, e := range events {
			fmt.Printf("event %s (%s): %s\n", e.Name, e.End.Sub(e.Start).Round(time.Second), summarize(e.results(results)).Line())
		}
		fmt.Println("all:")
	}
	fmt.Print(s.String())
	if s.Failures > 0 {
		os.Exit(1)
	}
}

// validate checks the bounds and that the target is on loopback.
func validate(o options) error {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" {
		return fmt.Errorf("-url: want an http(s) URL, got %q", o.URL)
	}
	if !isLoopback(u.Hostname()) {
		return fmt.Errorf("-url: %s is not a loopback address (127.0.0.0/8, ::1 or localhost)", u.Hostname())
	}
	switch {
	case o.Rate <= 0 || o.Rate > 1000:
		return errors.New("-rate: want 0 < rate <= 1000")
	case o.Duration <= 0 || o.Duration > 30*time.Minute:
		return errors.New("-duration: want 0 < duration <= 30m")
	case o.MaxRequests <= 0 || o.MaxRequests > 1_000_000:
		return errors.New("-max-requests: want 1 to 1000000")
	case o.Workers <= 0 || o.Workers > 256:
		return errors.New("-workers: want 1 to 256")
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func newClient(o options) (*http.Client, error) {
	tc := &tls.Config{InsecureSkipVerify: o.Insecure} //nolint:gosec // only with -insecure, on loopback
	if o.CACert != "" {
		pem, err := os.ReadFile(o.CACert)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no certificate", o.CACert)
		}
		tc.RootCAs = pool
	}
	tr := &http.Transport{
		TLSClientConfig:     tc,
		MaxIdleConnsPerHost: o.Workers,
		IdleConnTimeout:     30 * time.Second,
		// Only loopback: no proxy from the environment.
		Proxy: nil,
	}
	return &http.Client{Transport: tr, Timeout: o.Timeout}, nil
}

func request(ctx context.Context, c *http.Client, target string) result {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return result{Start: start, Err: err.Error()}
	}
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return result{Err: "canceled"}
		}
		return result{Start: start, Latency: time.Since(start), Err: shortError(err)}
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	r := result{Start: start, Latency: time.Since(start), Version: resp.Header.Get("X-Api-Version")}
	switch {
	case err != nil:
		r.Err = "reading body: " + shortError(err)
	case resp.StatusCode != http.StatusOK:
		r.Err = resp.Status
	}
	return r
}

func shortError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// run sends requests at o.Rate with at most o.Workers in flight until ctx ends or o.MaxRequests
// were sent, and returns every result. Requests cut short by the end of ctx are not counted.
func run(ctx context.Context, o options, do func(context.Context) result) []result {
	var (
		mu      sync.Mutex
		results []result
		wg      sync.WaitGroup
	)
	sem := make(chan struct{}, o.Workers)
	tick := time.NewTicker(time.Duration(float64(time.Second) / o.Rate))
	defer tick.Stop()
	// In-flight requests get their own context, so that the end of the run lets them finish.
	reqCtx, cancelReqs := context.WithCancel(context.Background())
	defer cancelReqs()
	for sent := 0; sent < o.MaxRequests; sent++ {
		select {
		case <-ctx.Done():
			sent = o.MaxRequests
			continue
		case <-tick.C:
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			sent = o.MaxRequests
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r := do(reqCtx)
			if r.Err == "canceled" {
				return
			}
			mu.Lock()
			results = append(results, r)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return results
}

// percentile returns the p-th percentile (0 < p <= 100) of sorted durations, nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999) - 1
	rank = max(0, min(rank, len(sorted)-1))
	return sorted[rank]
}

func summarize(results []result) summary {
	s := summary{Requests: len(results), Versions: map[string]int{}, Errors: map[string]int{}}
	lat := make([]time.Duration, 0, len(results))
	for _, r := range results {
		if r.Err != "" {
			s.Failures++
			s.Errors[r.Err]++
			continue
		}
		lat = append(lat, r.Latency)
		if r.Version != "" {
			s.Versions[r.Version]++
		}
	}
	slices.Sort(lat)
	s.P50, s.P99 = percentile(lat, 50), percentile(lat, 99)
	if len(lat) > 0 {
		s.Max = lat[len(lat)-1]
	}
	return s
}

func (s summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "requests: %d\nfailures: %d\n", s.Requests, s.Failures)
	fmt.Fprintf(&b, "p50: %s\np99: %s\nmax: %s\n", s.P50.Round(100*time.Microsecond), s.P99.Round(100*time.Microsecond), s.Max.Round(100*time.Microsecond))
	fmt.Fprintf(&b, "versions: %s\n", formatCounts(s.Versions))
	if len(s.Errors) > 0 {
		fmt.Fprintf(&b, "errors: %s\n", formatCounts(s.Errors))
	}
	return b.String()
}

// Line is the summary on one line, for an event.
func (s summary) Line() string {
	line := fmt.Sprintf("requests %d, failures %d, p50 %s, p99 %s, max %s", s.Requests, s.Failures,
		s.P50.Round(100*time.Microsecond), s.P99.Round(100*time.Microsecond), s.Max.Round(100*time.Microsecond))
	if len(s.Errors) > 0 {
		line += ", errors: " + formatCounts(s.Errors)
	}
	return line
}

// event is a span of time during which something happened to the platform.
type event struct {
	Name       string
	Start, End time.Time
}

// results are the results of the requests sent during the event.
func (e event) results(all []result) []result {
	var out []result
	for _, r := range all {
		if !r.Start.Before(e.Start) && !r.Start.After(e.End) {
			out = append(out, r)
		}
	}
	return out
}

func readEvents(path string) ([]event, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseEvents(string(raw))
}

func parseEvents(text string) ([]event, error) {
	var out []event
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("events line %d: want name, start and end separated by tabs, got %q", i+1, line)
		}
		start, err := time.Parse(time.RFC3339Nano, f[1])
		if err != nil {
			return nil, fmt.Errorf("events line %d: %w", i+1, err)
		}
		end, err := time.Parse(time.RFC3339Nano, f[2])
		if err != nil {
			return nil, fmt.Errorf("events line %d: %w", i+1, err)
		}
		if end.Before(start) {
			return nil, fmt.Errorf("events line %d: the end is before the start", i+1)
		}
		out = append(out, event{Name: f[0], Start: start, End: end})
	}
	return out, nil
}

func formatCounts(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, " ")
}
