package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"
)

// latencyBuckets are the upper bounds (seconds) of the request duration histogram.
var latencyBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

type requestKey struct {
	Path string
	Code int
}

// metrics are the service's counters, written in the Prometheus text format by hand.
type metrics struct {
	mu          sync.Mutex
	requests    map[requestKey]uint64
	cacheHits   uint64
	cacheMisses uint64
	cacheErrors uint64
	buckets     []uint64 // cumulative counts are computed when written
	count       uint64
	sum         float64
}

func newMetrics() *metrics {
	return &metrics{requests: map[requestKey]uint64{}, buckets: make([]uint64, len(latencyBuckets))}
}

func (m *metrics) observe(path string, code int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{path, code}]++
	s := d.Seconds()
	if i, _ := slices.BinarySearch(latencyBuckets, s); i < len(latencyBuckets) {
		m.buckets[i]++
	}
	m.count++
	m.sum += s
}

func (m *metrics) cache(hit bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case err != nil:
		m.cacheErrors++
	case hit:
		m.cacheHits++
	default:
		m.cacheMisses++
	}
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// write writes every metric in the Prometheus text exposition format (version 0.0.4).
func (m *metrics) write(w io.Writer, version string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintf(w, "# HELP api_build_info The API's version.\n# TYPE api_build_info gauge\n")
	fmt.Fprintf(w, "api_build_info{version=%q} 1\n", version)

	fmt.Fprintf(w, "# HELP api_http_requests_total HTTP requests by path and status code.\n# TYPE api_http_requests_total counter\n")
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b requestKey) int {
		if a.Path != b.Path {
			if a.Path < b.Path {
				return -1
			}
			return 1
		}
		return a.Code - b.Code
	})
	for _, k := range keys {
		fmt.Fprintf(w, "api_http_requests_total{path=%q,code=\"%d\"} %d\n", k.Path, k.Code, m.requests[k])
	}

	fmt.Fprintf(w, "# HELP api_cache_hits_total Product reads answered by Redis.\n# TYPE api_cache_hits_total counter\napi_cache_hits_total %d\n", m.cacheHits)
	fmt.Fprintf(w, "# HELP api_cache_misses_total Product reads that went to PostgreSQL.\n# TYPE api_cache_misses_total counter\napi_cache_misses_total %d\n", m.cacheMisses)
	fmt.Fprintf(w, "# HELP api_cache_errors_total Cache reads that failed (then PostgreSQL answered).\n# TYPE api_cache_errors_total counter\napi_cache_errors_total %d\n", m.cacheErrors)

	fmt.Fprintf(w, "# HELP api_http_request_duration_seconds HTTP request latency.\n# TYPE api_http_request_duration_seconds histogram\n")
	var cum uint64
	for i, le := range latencyBuckets {
		cum += m.buckets[i]
		fmt.Fprintf(w, "api_http_request_duration_seconds_bucket{le=%q} %d\n", formatFloat(le), cum)
	}
	fmt.Fprintf(w, "api_http_request_duration_seconds_bucket{le=\"+Inf\"} %d\n", m.count)
	fmt.Fprintf(w, "api_http_request_duration_seconds_sum %s\n", formatFloat(m.sum))
	fmt.Fprintf(w, "api_http_request_duration_seconds_count %d\n", m.count)
}
