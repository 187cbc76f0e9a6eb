package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"sync/atomic"
	"time"
)

const productsKey = "ecommerce:products"

// app holds the handlers' dependencies.
type app struct {
	store    productStore
	cache    cacheStore
	ttl      time.Duration
	version  string
	hostname string
	metrics  *metrics

	seeded   atomic.Bool
	draining atomic.Bool
}

func newApp(store productStore, cache cacheStore, ttl time.Duration, version, hostname string) *app {
	return &app{store: store, cache: cache, ttl: ttl, version: version, hostname: hostname, metrics: newMetrics()}
}

// productsResponse is the body of GET /products.
type productsResponse struct {
	Version  string    `json:"version"`
	Host     string    `json:"host"`
	Source   string    `json:"source"` // "cache" or "postgres"
	Products []product `json:"products"`
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /products", a.handleProducts)
	mux.HandleFunc("GET /health", a.handleHealth)
	mux.HandleFunc("GET /metrics", a.handleMetrics)
	mux.HandleFunc("GET /{$}", a.handleRoot)
	return a.instrument(mux)
}

// statusRecorder keeps the status code for the metrics.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

func (a *app) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		path := r.URL.Path
		switch path {
		case "/", "/products", "/health", "/metrics":
		default:
			path = "other" // bounded label values
		}
		a.metrics.observe(path, rec.code, time.Since(start))
	})
}

func (a *app) handleRoot(w http.ResponseWriter, _ *http.Request) {
	fmt.Fprintf(w, "ecommerce api %s %s\n", a.version, a.hostname)
}

// loadProducts answers from the cache when it can, else from PostgreSQL (and fills the cache).
// It returns the JSON of the products and whether it came from the cache.
func (a *app) loadProducts(ctx context.Context) ([]product, bool, error) {
	b, err := a.cache.Get(ctx, productsKey)
	switch {
	case err == nil:
		var ps []product
		if jerr := json.Unmarshal(b, &ps); jerr == nil {
			a.metrics.cache(true, nil)
			return ps, true, nil
		}
		a.metrics.cache(false, nil)
	case errors.Is(err, errNil):
		a.metrics.cache(false, nil)
	default:
		a.metrics.cache(false, err)
		log.Printf("api: cache read: %v", err)
	}
	ps, err := a.store.Products(ctx)
	if err != nil {
		return nil, false, err
	}
	if b, err := json.Marshal(ps); err == nil {
		if err := a.cache.Set(ctx, productsKey, b, a.ttl); err != nil {
			log.Printf("api: cache write: %v", err)
		}
	}
	return ps, false, nil
}

func (a *app) handleProducts(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	ps, hit, err := a.loadProducts(ctx)
	if err != nil {
		log.Printf("api: products: %v", err)
		http.Error(w, "products unavailable", http.StatusServiceUnavailable)
		return
	}
	resp := productsResponse{Version: a.version, Host: a.hostname, Source: "postgres", Products: ps}
	w.Header().Set("X-Cache", "MISS")
	if hit {
		resp.Source = "cache"
		w.Header().Set("X-Cache", "HIT")
	}
	w.Header().Set("X-Api-Version", a.version)
	w.Header().Set("Content-Type", "application/json")
	writeJSON(w, resp)
}

// handleHealth answers 200 only when PostgreSQL and Redis both answer, the table is seeded and
// the task is not draining.
func (a *app) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var problems []string
	if a.draining.Load() {
		problems = append(problems, "draining")
	}
	if err := a.store.Ping(ctx); err != nil {
		problems = append(problems, "postgres: "+err.Error())
	} else if !a.seeded.Load() {
		problems = append(problems, "postgres: not seeded yet")
	}
	if err := a.cache.Ping(ctx); err != nil {
		problems = append(problems, "redis: "+err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	if len(problems) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		writeJSON(w, map[string]any{"status": "unhealthy", "problems": problems})
		return
	}
	writeJSON(w, map[string]any{"status": "ok", "version": a.version})
}

// writeJSON writes v as the body; the status line is already out, so a failure is only logged.
func writeJSON(w http.ResponseWriter, v any) {
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("api: writing the response: %v", err)
	}
}

func (a *app) handleMetrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	a.metrics.write(w, a.version)
}

// seedLoop seeds the table, retrying until PostgreSQL answers.
func (a *app) seedLoop(ctx context.Context) {
	for {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := a.store.Seed(sctx)
		cancel()
		if err == nil {
			a.seeded.Store(true)
			log.Printf("api: products table ready")
			return
		}
		log.Printf("api: seeding (will retry): %v", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
}
