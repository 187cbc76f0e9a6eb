// Command api is the example platform's API service (examples/ecommerce): products kept in
// PostgreSQL and cached in Redis. It is built into the FROM scratch images ecommerce/api:v1 and
// ecommerce/api:v2 by examples/ecommerce/local/build-images.sh.
//
//	GET /products  the products, from Redis when cached, else from PostgreSQL (then cached for
//	               CACHE_TTL); the header X-Cache (HIT or MISS) and the field "source" tell which
//	GET /health    200 only when PostgreSQL and Redis both answer (and the table is seeded)
//	GET /metrics   Prometheus text format: requests, cache hits and misses, a latency histogram
//	GET /          the version and the task's hostname
//
// Environment:
//
//	PORT                    the port to listen on (default 8080)
//	REDIS_URL               redis://HOST[:PORT] (default redis://cache:6379); when HOST resolves to
//	                        several addresses (a dnsrr service with replicas), each is a cache
//	                        replica: reads go to one, writes to all
//	DB_HOST, DB_PORT        PostgreSQL (default db:5432)
//	DB_USER, DB_NAME        default postgres and ecommerce
//	POSTGRES_PASSWORD_FILE  the file holding the password (a swarm secret; default
//	                        /run/secrets/db_password), or POSTGRES_PASSWORD
//	CACHE_TTL               how long Redis keeps the products (default 30s)
//	SHUTDOWN_DELAY          after SIGTERM, how long /health fails while requests are still
//	                        served, so that proxies stop choosing this task (default 3s)
//
// The image has no shell: "api health" is the health check command.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is set at build time (-ldflags "-X main.version=v1").
var version = "dev"

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "health":
			os.Exit(healthCommand(os.Args[2:]))
		case "serve":
		default:
			fmt.Fprintf(os.Stderr, "usage: %s [serve|health [url]]\n", os.Args[0])
			os.Exit(2)
		}
	}
	cfg, err := configFromEnv(os.Getenv, os.ReadFile)
	if err != nil {
		log.Fatalf("api: %v", err)
	}
	if err := serve(cfg); err != nil {
		log.Fatalf("api: %v", err)
	}
}

// healthCommand GETs the health endpoint and returns the exit code: 0 on 200.
func healthCommand(args []string) int {
	url := "http://127.0.0.1:" + envOr(os.Getenv, "PORT", "8080") + "/health"
	if len(args) > 0 {
		url = args[0]
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, resp.Status)
		return 1
	}
	return 0
}

func serve(cfg config) error {
	db, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	cache := newCache(cfg.RedisAddr)
	defer cache.Close()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	hostname, _ := os.Hostname()
	app := newApp(db, cache, cfg.CacheTTL, version, hostname)
	go app.seedLoop(ctx)

	srv := &http.Server{
		Addr:              fmt.Sprintf(":%d", cfg.Port),
		Handler:           app.routes(),
		ReadHeaderTimeout: 5 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("api %s listening on %s (redis %s, postgres %s)", version, srv.Addr, cfg.RedisAddr, cfg.DBAddr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Draining: /health fails so that health checks and proxies leave this task, while requests
	// still get answers; then the in-flight ones finish.
	app.draining.Store(true)
	log.Printf("api: draining for %s", cfg.ShutdownDelay)
	time.Sleep(cfg.ShutdownDelay)
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Printf("api: stopped")
	return nil
}
