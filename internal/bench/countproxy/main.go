// Command countproxy forwards the Docker Engine API from a unix socket to the engine's socket and
// counts the requests, by method and path (package callcount). The refresh benchmark runs the same
// proxy in-process; this command is for counting the calls of any other run by hand.
//
// Usage:
//
//	countproxy -listen PROXY.sock -control CONTROL.sock [-upstream /var/run/docker.sock]
//
// On the control socket: GET /count answers the counts as JSON ({"total": n, "calls": {"GET
// /services/{id}": n, ...}}); POST /reset sets them to zero. SIGUSR1 prints the counts to stderr.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/tfswarm/terraform-provider-swarm/internal/bench/callcount"
)

func printCounts(c *callcount.Counter) {
	s := c.Snapshot()
	keys := make([]string, 0, len(s.Calls))
	for k := range s.Calls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(os.Stderr, "countproxy: %d requests\n", s.Total)
	for _, k := range keys {
		fmt.Fprintf(os.Stderr, "  %6d %s\n", s.Calls[k], k)
	}
}

func main() {
	listen := flag.String("listen", "", "unix socket to serve the proxied Engine API on")
	control := flag.String("control", "", "unix socket for GET /count and POST /reset")
	upstream := flag.String("upstream", "/var/run/docker.sock", "the Docker Engine's unix socket")
	flag.Parse()
	if *listen == "" || *control == "" {
		fmt.Fprintln(os.Stderr, "countproxy: -listen and -control are required")
		os.Exit(2)
	}

	c := callcount.NewCounter()
	pl, err := callcount.ListenUnix(*listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "countproxy:", err)
		os.Exit(1)
	}
	cl, err := callcount.ListenUnix(*control)
	if err != nil {
		fmt.Fprintln(os.Stderr, "countproxy:", err)
		os.Exit(1)
	}
	go func() { _ = http.Serve(cl, c.Control()) }()
	go func() { _ = http.Serve(pl, c.Proxy(*upstream)) }()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT)
	for s := range sigs {
		printCounts(c)
		if s != syscall.SIGUSR1 {
			_ = os.Remove(*listen)
			_ = os.Remove(*control)
			return
		}
	}
}
