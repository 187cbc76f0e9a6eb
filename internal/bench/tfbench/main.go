// Command tfbench is the benchmark of `make bench` (not part of `make test`).
//
// For each N in BENCH_SIZES (default "10 50 100 500") it measures, in one run:
//   - the swarm's own time: N services of the test image, pinned to its digest as the provider
//     pins it (1 replica, 0 above BENCH_TASKS_UP_TO), created through the Engine's API directly
//     and concurrently, without waiting, then polled until every task runs; and the time to
//     remove them all until no task of theirs is left; and its time to run them -parallelism at
//     a time, each waited for before the next (what any provider that waits for convergence is
//     bound to);
//   - terraform apply of N swarm_service resources of the same spec (waiting for convergence, the
//     default), a refresh-only plan of them (with the Engine calls it made, counted by a proxy,
//     package callcount, and the CPU time and peak memory of the provider processes, which write
//     them from /proc when they stop, package procstats), and terraform destroy;
//   - the floor: a refresh-only plan and a destroy of the same state with the floor provider
//     (internal/bench/floorprovider: the same schema, a Read that returns the state untouched, a
//     Delete that removes nothing);
//   - N terraform_data resources, Terraform's own floor for small objects.
//
// Each timed run (the swarm's own run and removal, the apply, the destroy) starts once the
// machine is idle again (settle.go).
//
// It drives Terraform with terraform-exec, checks with terraform-json that the refresh-only plans
// right after apply find no drift and that the state holds the N services, and prints one table
// with the ratios to the floor and to the swarm's own times.
//
// Run it from the repository's root (it builds both providers there). Needs the local test bed up
// (`make testbed`) and Terraform on PATH.
//
// Environment: BENCH_SIZES, BENCH_UPSTREAM (the engine's socket, default /var/run/docker.sock),
// BENCH_PARALLELISM (terraform -parallelism, default 10), BENCH_TASKS_UP_TO (default 100: larger
// sizes run services of 0 replicas, since the two-core bed cannot start 500 containers at once:
// the swarm's own run of 500 drove its load average above 800 until the managers' raft requests
// timed out), BENCH_ROUNDS (default 1: how often each size is measured, each time a row of its
// own; with more than one, the medians of the ratios follow the table, since the swarm's own pace
// varies by a fifth from one run to the next on the bed), BENCH_KEEP=1 keeps the work directory.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/bench/callcount"
	"github.com/tfswarm/terraform-provider-swarm/internal/testbed/bedenv"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type settings struct {
	sizes       []int
	upstream    string
	parallelism int
	tasksUpTo   int
	rounds      int
	keep        bool
}

func readSettings(getenv func(string) string) (settings, error) {
	s := settings{upstream: "/var/run/docker.sock", parallelism: 10, tasksUpTo: 100, rounds: 1, keep: getenv("BENCH_KEEP") == "1"}
	var err error
	if s.sizes, err = parseSizes(getenv("BENCH_SIZES")); err != nil {
		return s, err
	}
	if v := getenv("BENCH_UPSTREAM"); v != "" {
		s.upstream = v
	}
	if v := getenv("BENCH_TASKS_UP_TO"); v != "" {
		if s.tasksUpTo, err = strconv.Atoi(v); err != nil || s.tasksUpTo < 0 {
			return s, fmt.Errorf("BENCH_TASKS_UP_TO=%s: want a number, 0 or more", v)
		}
	}
	if v := getenv("BENCH_ROUNDS"); v != "" {
		if s.rounds, err = strconv.Atoi(v); err != nil || s.rounds < 1 {
			return s, fmt.Errorf("BENCH_ROUNDS=%s: want a positive number", v)
		}
	}
	if v := getenv("BENCH_PARALLELISM"); v != "" {
		if s.parallelism, err = strconv.Atoi(v); err != nil || s.parallelism < 1 {
			return s, fmt.Errorf("BENCH_PARALLELISM=%s: want a positive number", v)
		}
	}
	return s, nil
}

// parseSizes reads BENCH_SIZES: numbers separated by spaces; empty means 10 50 100 500.
func parseSizes(v string) ([]int, error) {
	fields := strings.Fields(v)
	if len(fields) == 0 {
		return []int{10, 50, 100, 500}, nil
	}
	sizes := make([]int, len(fields))
	for i, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("BENCH_SIZES=%q: %q is not a positive number", v, f)
		}
		sizes[i] = n
	}
	return sizes, nil
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

func run(ctx context.Context) error {
	s, err := readSettings(os.Getenv)
	if err != nil {
		return err
	}
	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run it from the repository's root (make bench)")
	}
	tfPath, err := exec.LookPath("terraform")
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "tfswarm-bench.")
	if err != nil {
		return err
	}
	prefix := "tfacc-bench-" + randomHex(4)
	defer func() {
		removeLeftovers(s.upstream, prefix)
		if s.keep {
			logf("work directory kept: %s", work)
		} else {
			_ = os.RemoveAll(work)
		}
	}()

	logf("building the provider and the floor provider")
	for bin, pkg := range map[string]string{"terraform-provider-swarm": ".", "terraform-provider-swarmfloor": "./internal/bench/floorprovider"} {
		build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(work, "bin", bin), pkg)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building %s: %w", pkg, err)
		}
	}
	rc := filepath.Join(work, "terraformrc")
	if err := os.WriteFile(rc, []byte(cliConfig(filepath.Join(work, "bin"))), 0o644); err != nil {
		return err
	}

	counter := callcount.NewCounter()
	sock := filepath.Join(work, "docker.sock")
	l, err := callcount.ListenUnix(sock)
	if err != nil {
		return err
	}
	proxy := &http.Server{Handler: counter.Proxy(s.upstream)}
	go func() { _ = proxy.Serve(l) }()
	defer proxy.Close()

	engineHost := "unix://" + s.upstream
	api, err := client.New(client.WithHost(engineHost))
	if err != nil {
		return err
	}
	defer api.Close()
	reg, err := bedenv.ReadRegistry()
	if err != nil {
		return err
	}
	b := &bench{tfPath: tfPath, work: work, cliConfig: rc, parallelism: s.parallelism, tasksUpTo: s.tasksUpTo, api: api, engineHost: engineHost, registry: reg}
	var rows []row
	var last callcount.Snapshot
	for _, n := range s.sizes {
		for round := 1; round <= s.rounds; round++ {
			name := fmt.Sprint(n)
			if s.rounds > 1 {
				name = fmt.Sprintf("%d-r%d", n, round)
			}
			r, calls, err := b.size(ctx, n, name, "unix://"+sock, fmt.Sprintf("%s-%s", prefix, name), counter)
			if err != nil {
				if len(rows) > 0 {
					// What was measured before the failure is kept.
					fmt.Println()
					fmt.Print(table(rows, s.parallelism))
				}
				return fmt.Errorf("with N=%d (round %d): %w", n, round, err)
			}
			rows = append(rows, r)
			last = calls
			logf("N=%d round %d done:\n%s", n, round, table([]row{r}, s.parallelism))
		}
	}
	fmt.Println()
	fmt.Print(table(rows, s.parallelism))
	if s.rounds > 1 {
		fmt.Println()
		fmt.Print(medians(rows))
	}
	fmt.Println()
	fmt.Println("Engine calls of the last refresh-only plan, by method and path:", breakdown(last))
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// removeLeftovers removes whatever services of this run a failure left behind, by their prefix.
func removeLeftovers(upstream, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	api, err := client.New(client.WithHost("unix://" + upstream))
	if err != nil {
		return
	}
	defer api.Close()
	res, err := api.ServiceList(ctx, client.ServiceListOptions{Filters: make(client.Filters).Add("name", prefix)})
	if err != nil {
		logf("could not list the leftover services of %s; remove them by hand (docker service ls --filter name=%s): %v", prefix, prefix, err)
		return
	}
	if len(res.Items) == 0 {
		return
	}
	logf("removing %d leftover services of %s", len(res.Items), prefix)
	for _, svc := range res.Items {
		_, _ = api.ServiceRemove(ctx, svc.ID, client.ServiceRemoveOptions{})
	}
}
