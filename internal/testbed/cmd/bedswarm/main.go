// Command bedswarm is the swarm membership of the local test bed: testbed.sh starts the engines
// (dockerd processes in network namespaces) and leaves to it everything about the swarm they
// form. It talks to the engines through internal/swarm.
//
// Usage:
//
//	bedswarm -run-dir DIR -state-dir DIR [-elapsed SECONDS] COMMAND
//
// Commands:
//
//	nodes       print the bed's engines, "<name> <role> <addr> <url>", the host first: what
//	            TESTBED_NODES, TESTBED_WORKERS, TESTBED_FREE and TESTBED_FAULT ask, plus the nodes
//	            of an earlier run (the bed never shrinks in `up`)
//	up          make the host's swarm (or repair it: lost quorum, a broken state), bring every
//	            manager and worker into it in its role, make the free engines leave any swarm,
//	            remove stale entries; the same for the fault swarm (fm1 its first manager);
//	            exit 3 with the names of the nodes whose swarm state must be wiped (testbed.sh
//	            wipes them and runs up again)
//	record      write the node lists the tests read (<run dir>/nodes, <run dir>/fault-nodes) and
//	            the names of the extra nodes for the next run (<state dir>/nodes.list)
//	leave-host  make the host's engine leave its swarm (for `down`)
//	status      print the node list, the engines that are not as they should be and the host's
//	            swarm; exit 1 if the bed is not up
//	registry-up   build (once per machine, cached), configure and start the bed's registry,
//	              write <run dir>/registry.env and <run dir>/docker-config/config.json (its
//	              credentials, as `docker login` writes them) and push the test images to it; the
//	              host engine keeps them under their local names only (registry.go)
//	registry-down stop the registry and remove what registry-up made outside the state directory
//
// TESTBED_ONLY=fault limits nodes and up to the fault swarm (and the host's line of nodes).
//
// Log lines go to stderr, as "testbed: [<seconds>s] ...", the seconds counted from -elapsed on.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// exitWipe is the exit code of `up` when some nodes' swarm state must be wiped.
const exitWipe = 3

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("bedswarm", flag.ContinueOnError)
	runDir := fs.String("run-dir", "", "the bed's run directory (sockets, the node list)")
	stateDir := fs.String("state-dir", "", "the bed's state directory (what the bed made)")
	elapsed := fs.Int("elapsed", 0, "seconds already spent by the caller, for the log")
	logDir := fs.String("log-dir", "/var/log/tfswarm-testbed", "the bed's log directory (the registry's log)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *runDir == "" || *stateDir == "" || fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: bedswarm -run-dir DIR -state-dir DIR [-elapsed SECONDS] nodes|up|record|leave-host|status|registry-up|registry-down")
		return 2
	}
	start := time.Now()
	var mu sync.Mutex
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(os.Stderr, "testbed: [%3ds] %s\n", *elapsed+int(time.Since(start).Seconds()), fmt.Sprintf(format, args...))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	limit := 20 * time.Minute
	if fs.Arg(0) == "registry-up" {
		// The first run on a machine builds the registry: minutes on idle cores, much longer on
		// busy ones.
		limit = 60 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	var code int
	var err error
	switch reg := (registryBed{runDir: *runDir, stateDir: *stateDir, logDir: *logDir, logf: logf}); fs.Arg(0) {
	case "registry-up":
		err = reg.up(ctx)
	case "registry-down":
		err = reg.down(ctx)
	default:
		code, err = command(ctx, fs.Arg(0), *runDir, *stateDir, logf)
	}
	if err != nil && code == 0 {
		code = 1
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbed: error: %v\n", err)
	}
	return code
}

func command(ctx context.Context, cmd, runDir, stateDir string, logf func(string, ...any)) (int, error) {
	if cmd == "status" {
		ok, err := status(ctx, runDir, os.Stdout)
		if err != nil || !ok {
			return 1, err
		}
		return 0, nil
	}
	s, err := readSizes(os.Getenv)
	if err != nil {
		return 1, err
	}
	earlier, err := readLines(filepath.Join(stateDir, "nodes.list"))
	if err != nil {
		return 1, err
	}
	nodes, kept := planNodes(s, earlier)
	// TESTBED_ONLY=fault limits `nodes` and `up` to the fault swarm: the tests that stop its
	// managers bring it back that way, without touching the host's swarm.
	only := os.Getenv("TESTBED_ONLY")
	if only != "" && only != "fault" {
		return 1, fmt.Errorf("TESTBED_ONLY=%s: want fault or nothing", only)
	}
	selected := nodes
	if only == "fault" {
		_, selected = splitFault(nodes)
	}
	switch cmd {
	case "nodes":
		for _, name := range kept {
			logf("keeping %s from an earlier run (down, then up, to shrink the bed)", name)
		}
		fmt.Print(nodeLines(append([]node{hostNode}, selected...), runDir))
		return 0, nil
	case "record":
		if err := writeFile(filepath.Join(runDir, "nodes"), nodesFile(nodes, runDir)); err != nil {
			return 1, err
		}
		if fault := faultNodesFile(nodes, runDir); fault != "" {
			if err := writeFile(filepath.Join(runDir, "fault-nodes"), fault); err != nil {
				return 1, err
			}
		}
		return 0, writeFile(filepath.Join(stateDir, "nodes.list"), nodesList(nodes))
	case "up":
		var beds []*bed
		if only == "" {
			b, err := newBed(runDir, stateDir, nodes, logf)
			if err != nil {
				return 1, err
			}
			beds = append(beds, b)
		}
		fb, err := newFaultBed(runDir, stateDir, nodes, logf)
		if err != nil {
			return 1, err
		}
		if fb != nil {
			beds = append(beds, fb)
		}
		var wipe []node
		for _, b := range beds {
			defer b.close()
			w, err := b.up(ctx)
			if err != nil {
				return 1, err
			}
			wipe = append(wipe, w...)
		}
		if len(wipe) == 0 {
			return 0, nil
		}
		for _, n := range wipe {
			fmt.Println(n.Name)
		}
		return exitWipe, nil
	}
	b, err := newBed(runDir, stateDir, nodes, logf)
	if err != nil {
		return 1, err
	}
	defer b.close()
	switch cmd {
	case "leave-host":
		if err := b.leaveHost(ctx); err != nil {
			return 1, err
		}
		return 0, nil
	}
	return 2, fmt.Errorf("unknown command %q", cmd)
}

// status prints the node list, the engines that are not as they should be, and the host's swarm.
// The bed is up when every engine answers, the host's swarm answers, and every manager and worker
// is in a swarm. (Free engines may be in swarms that tests made.)
func status(ctx context.Context, runDir string, w io.Writer) (bool, error) {
	path := filepath.Join(runDir, "nodes")
	lines, err := readLines(path)
	if err != nil {
		return false, err
	}
	if lines == nil {
		fmt.Fprintf(w, "the test bed is not up (%s is missing)\n", path)
		return false, nil
	}
	// The fault swarm's engines, if the bed has them, are checked alike.
	fault, err := readLines(filepath.Join(runDir, "fault-nodes"))
	if err != nil {
		return false, err
	}
	lines = append(lines, fault...)
	fmt.Fprintln(w, strings.Join(lines, "\n"))
	fmt.Fprintln(w)
	type row struct{ name, role, addr, url string }
	var rows []row
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 4 {
			return false, fmt.Errorf("%s: malformed line %q", path, l)
		}
		rows = append(rows, row{f[0], f[1], f[2], f[3]})
	}
	states := make([]local, len(rows))
	var wg sync.WaitGroup
	b := &bed{}
	for i, r := range rows {
		c, err := newEngine(r.url)
		if err != nil {
			return false, err
		}
		defer c.Close()
		if r.name == hostName {
			b.host = c
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			states[i] = localOf(ctx, c)
		})
	}
	wg.Wait()
	ok := true
	for i, r := range rows {
		st := states[i].State
		switch {
		case st == notAnswering:
			fmt.Fprintf(w, "%s (%s): not answering\n", r.name, r.addr)
			ok = false
		case r.role != string(roleFree) && st != "active":
			fmt.Fprintf(w, "%s (%s): %s\n", r.name, r.addr, st)
			ok = false
		case r.role == string(roleFree) && st != "inactive":
			fmt.Fprintf(w, "%s (%s): swarm state %s (free engine; up makes it leave)\n", r.name, r.addr, st)
		}
	}
	if b.host == nil {
		return false, fmt.Errorf("%s: the host engine is not listed", path)
	}
	if err := b.printNodes(ctx, w); err != nil {
		ok = false
	}
	return ok, nil
}
