package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	files := map[string]string{"/run/secrets/db_password": "s3cret\n", "/custom": "other"}
	readFile := func(name string) ([]byte, error) {
		if v, ok := files[name]; ok {
			return []byte(v), nil
		}
		return nil, fs.ErrNotExist
	}
	cases := map[string]struct {
		env     map[string]string
		want    config
		wantErr string
	}{
		"defaults": {
			env: map[string]string{},
			want: config{Port: 8080, RedisAddr: "cache:6379", DBHost: "db", DBPort: 5432, DBUser: "postgres",
				DBName: "ecommerce", DBPassword: "s3cret", CacheTTL: 30 * time.Second, ShutdownDelay: 3 * time.Second},
		},
		"everything set": {
			env: map[string]string{"PORT": "9000", "REDIS_URL": "redis://ecommerce_cache", "DB_HOST": "ecommerce_db",
				"DB_PORT": "6543", "DB_USER": "shop", "DB_NAME": "shop", "POSTGRES_PASSWORD_FILE": "/custom",
				"CACHE_TTL": "5s", "SHUTDOWN_DELAY": "0s"},
			want: config{Port: 9000, RedisAddr: "ecommerce_cache:6379", DBHost: "ecommerce_db", DBPort: 6543, DBUser: "shop",
				DBName: "shop", DBPassword: "other", CacheTTL: 5 * time.Second},
		},
		"password from the environment": {
			env: map[string]string{"POSTGRES_PASSWORD": "plain", "REDIS_URL": "cache:7000"},
			want: config{Port: 8080, RedisAddr: "cache:7000", DBHost: "db", DBPort: 5432, DBUser: "postgres",
				DBName: "ecommerce", DBPassword: "plain", CacheTTL: 30 * time.Second, ShutdownDelay: 3 * time.Second},
		},
		"missing password file": {env: map[string]string{"POSTGRES_PASSWORD_FILE": "/nope"}, wantErr: "reading the database password"},
		"bad port":              {env: map[string]string{"PORT": "x"}, wantErr: "PORT"},
		"bad redis url":         {env: map[string]string{"REDIS_URL": "http://x"}, wantErr: "REDIS_URL"},
		"short ttl":             {env: map[string]string{"CACHE_TTL": "10ms"}, wantErr: "CACHE_TTL"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := configFromEnv(func(k string) string { return tc.env[k] }, readFile)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDSNQuotes(t *testing.T) {
	t.Parallel()
	got := dsn(config{DBHost: "db", DBPort: 5432, DBUser: "u", DBPassword: `it's\x`, DBName: "n"})
	want := `host='db' port=5432 user='u' password='it\'s\\x' dbname='n' sslmode=disable connect_timeout=3`
	if got != want {
		t.Errorf("dsn = %s, want %s", got, want)
	}
}

func TestRESP(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	if err := writeCommand(w, []byte("SET"), []byte("k"), []byte("v\r\n"), []byte("EX"), []byte("30")); err != nil {
		t.Fatal(err)
	}
	if want := "*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv\r\n\r\n$2\r\nEX\r\n$2\r\n30\r\n"; buf.String() != want {
		t.Errorf("command = %q, want %q", buf.String(), want)
	}

	cases := map[string]struct {
		in      string
		want    string
		wantErr string
	}{
		"simple":        {in: "+PONG\r\n", want: "PONG"},
		"integer":       {in: ":42\r\n", want: "42"},
		"bulk":          {in: "$5\r\nhe\r\no\r\n", want: "he\r\no"},
		"empty bulk":    {in: "$0\r\n\r\n", want: ""},
		"nil bulk":      {in: "$-1\r\n", wantErr: errNil.Error()},
		"array":         {in: "*2\r\n$1\r\na\r\n+b\r\n", want: "ab"},
		"error":         {in: "-ERR wrong\r\n", wantErr: "redis: ERR wrong"},
		"malformed":     {in: "+PONG\n", wantErr: "malformed"},
		"unknown type":  {in: "?x\r\n", wantErr: "unknown reply type"},
		"truncated":     {in: "$5\r\nab", wantErr: "EOF"},
		"bad bulk size": {in: "$x\r\n", wantErr: "malformed bulk length"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := readReply(bufio.NewReader(strings.NewReader(tc.in)))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("reply = %q, want %q", got, tc.want)
			}
		})
	}
}

// fakeRedis is a tiny in-memory RESP server on loopback: GET, SET (EX ignored), PING.
type fakeRedis struct {
	ln   net.Listener
	mu   sync.Mutex
	data map[string]string
}

func startFakeRedis(t *testing.T) *fakeRedis {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRedis{ln: ln, data: map[string]string{}}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *fakeRedis) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		var n int
		if _, err := fmt.Sscanf(line, "*%d\r\n", &n); err != nil {
			return
		}
		args := make([]string, n)
		for i := range n {
			b, err := readReply(r)
			if err != nil {
				return
			}
			args[i] = string(b)
		}
		var reply string
		f.mu.Lock()
		switch strings.ToUpper(args[0]) {
		case "PING":
			reply = "+PONG\r\n"
		case "GET":
			if v, ok := f.data[args[1]]; ok {
				reply = "$" + strconv.Itoa(len(v)) + "\r\n" + v + "\r\n"
			} else {
				reply = "$-1\r\n"
			}
		case "SET":
			f.data[args[1]] = args[2]
			reply = "+OK\r\n"
		default:
			reply = "-ERR unknown command\r\n"
		}
		f.mu.Unlock()
		if _, err := c.Write([]byte(reply)); err != nil {
			return
		}
	}
}

func (f *fakeRedis) get(k string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.data[k]
	return v, ok
}

// TestRedisCacheReplicas checks that a name resolving to two servers gets every write on both,
// and that reads go on when one of them is gone.
func TestRedisCacheReplicas(t *testing.T) {
	t.Parallel()
	a, b := startFakeRedis(t), startFakeRedis(t)
	// The two fakes listen on different ports of one address, so the look-up returns host:port
	// pairs and joinAddr keeps them as they are.
	c := newCache("cache:6379")
	c.lookup = func(context.Context, string) ([]string, error) {
		return []string{a.ln.Addr().String(), b.ln.Addr().String()}, nil
	}
	c.joinAddr = func(addr, _ string) string { return addr }
	defer c.Close()
	ctx := context.Background()

	if _, err := c.Get(ctx, "k"); !errors.Is(err, errNil) {
		t.Fatalf("Get of a missing key: %v, want errNil", err)
	}
	if err := c.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]*fakeRedis{"a": a, "b": b} {
		if v, ok := f.get("k"); !ok || v != "v" {
			t.Errorf("server %s holds %q, %v; want v", name, v, ok)
		}
	}
	for range 4 { // reads rotate over both servers
		got, err := c.Get(ctx, "k")
		if err != nil || string(got) != "v" {
			t.Fatalf("Get = %q, %v", got, err)
		}
	}
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	a.ln.Close()
	c.mu.Lock()
	c.nodes[a.ln.Addr().String()].close()
	c.mu.Unlock()
	for range 4 {
		if got, err := c.Get(ctx, "k"); err != nil || string(got) != "v" {
			t.Fatalf("Get with one server down = %q, %v", got, err)
		}
	}
}

// fakeStore is a productStore in memory.
type fakeStore struct {
	products []product
	err      error
	reads    int
}

func (s *fakeStore) Products(context.Context) ([]product, error) { s.reads++; return s.products, s.err }
func (s *fakeStore) Seed(context.Context) error                  { return s.err }
func (s *fakeStore) Ping(context.Context) error                  { return s.err }

// fakeCache is a cacheStore in memory.
type fakeCache struct {
	data map[string][]byte
	err  error
}

func (c *fakeCache) Get(_ context.Context, k string) ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	if v, ok := c.data[k]; ok {
		return v, nil
	}
	return nil, errNil
}

func (c *fakeCache) Set(_ context.Context, k string, v []byte, _ time.Duration) error {
	if c.err != nil {
		return c.err
	}
	c.data[k] = v
	return nil
}

func (c *fakeCache) Ping(context.Context) error { return c.err }

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestProductsMissThenHit(t *testing.T) {
	t.Parallel()
	store := &fakeStore{products: []product{{ID: 1, Name: "mug", PriceCents: 100}}}
	a := newApp(store, &fakeCache{data: map[string][]byte{}}, time.Minute, "v1", "h1")
	h := a.routes()

	for i, want := range []string{"MISS", "HIT", "HIT"} {
		rec := get(t, h, "/products")
		if rec.Code != http.StatusOK {
			t.Fatalf("request %d: status %d", i, rec.Code)
		}
		if got := rec.Header().Get("X-Cache"); got != want {
			t.Errorf("request %d: X-Cache = %q, want %q", i, got, want)
		}
		var body productsResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		wantBody := productsResponse{Version: "v1", Host: "h1", Source: map[string]string{"MISS": "postgres", "HIT": "cache"}[want], Products: store.products}
		if diff := cmp.Diff(wantBody, body); diff != "" {
			t.Errorf("request %d body (-want +got):\n%s", i, diff)
		}
	}
	if store.reads != 1 {
		t.Errorf("PostgreSQL read %d times, want 1", store.reads)
	}
	m := get(t, h, "/metrics").Body.String()
	for _, line := range []string{
		"api_cache_hits_total 2\n",
		"api_cache_misses_total 1\n",
		`api_http_requests_total{path="/products",code="200"} 3` + "\n",
		`api_http_request_duration_seconds_count 3` + "\n",
		`api_build_info{version="v1"} 1` + "\n",
	} {
		if !strings.Contains(m, line) {
			t.Errorf("metrics lack %q:\n%s", line, m)
		}
	}
}

func TestProductsCacheDown(t *testing.T) {
	t.Parallel()
	store := &fakeStore{products: []product{{ID: 1, Name: "mug", PriceCents: 100}}}
	a := newApp(store, &fakeCache{err: errors.New("connection refused")}, time.Minute, "v1", "h1")
	rec := get(t, a.routes(), "/products")
	if rec.Code != http.StatusOK || rec.Header().Get("X-Cache") != "MISS" {
		t.Fatalf("status %d X-Cache %q: PostgreSQL must answer when Redis is down", rec.Code, rec.Header().Get("X-Cache"))
	}
	if !strings.Contains(get(t, a.routes(), "/metrics").Body.String(), "api_cache_errors_total 1\n") {
		t.Error("the cache error is not counted")
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		storeErr, cacheErr error
		seeded, draining   bool
		want               int
		wantText           string
	}{
		"healthy":       {seeded: true, want: 200, wantText: `"status":"ok"`},
		"postgres down": {seeded: true, storeErr: errors.New("refused"), want: 503, wantText: "postgres: refused"},
		"redis down":    {seeded: true, cacheErr: errors.New("refused"), want: 503, wantText: "redis: refused"},
		"not seeded":    {want: 503, wantText: "not seeded"},
		"draining":      {seeded: true, draining: true, want: 503, wantText: "draining"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := newApp(&fakeStore{err: tc.storeErr}, &fakeCache{err: tc.cacheErr, data: map[string][]byte{}}, time.Minute, "v1", "h")
			a.seeded.Store(tc.seeded)
			a.draining.Store(tc.draining)
			rec := get(t, a.routes(), "/health")
			if rec.Code != tc.want || !strings.Contains(rec.Body.String(), tc.wantText) {
				t.Errorf("status %d body %s; want %d with %q", rec.Code, rec.Body.String(), tc.want, tc.wantText)
			}
		})
	}
}

func TestMetricsHistogram(t *testing.T) {
	t.Parallel()
	m := newMetrics()
	m.observe("/products", 200, 3*time.Millisecond)
	m.observe("/products", 200, 2*time.Second)
	m.observe("/products", 503, 10*time.Second) // past the last bucket: only +Inf
	var buf bytes.Buffer
	m.write(&buf, "v2")
	out := buf.String()
	for _, line := range []string{
		`api_http_request_duration_seconds_bucket{le="0.001"} 0`,
		`api_http_request_duration_seconds_bucket{le="0.005"} 1`,
		`api_http_request_duration_seconds_bucket{le="2.5"} 2`,
		`api_http_request_duration_seconds_bucket{le="5"} 2`,
		`api_http_request_duration_seconds_bucket{le="+Inf"} 3`,
		`api_http_request_duration_seconds_count 3`,
		`api_http_requests_total{path="/products",code="200"} 2`,
		`api_http_requests_total{path="/products",code="503"} 1`,
	} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("missing %q in:\n%s", line, out)
		}
	}
}

func TestRedisAddr(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"redis://cache":            "cache:6379",
		"redis://cache:7000/0":     "cache:7000",
		"ecommerce_cache":          "ecommerce_cache:6379",
		"redis://[::1]:6380":       "[::1]:6380",
		"redis://user:pw@h:1/2?x=": "h:1",
	} {
		got, err := redisAddr(in)
		if err != nil || got != want {
			t.Errorf("redisAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
