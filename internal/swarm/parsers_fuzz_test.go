package swarm

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/docker/cli/cli/connhelper"
)

// Fuzz tests of the parsers of this package. `go test` runs the seeds in
// testdata/fuzz/<FuzzName>/; `make fuzz` runs each for a minute.

// FuzzParseConstraint: the constraint parser never panics, what it accepts holds its own
// patterns, and writing an accepted constraint back gives the same constraint (the scheduler
// reads what the provider sends); the checks on top of it never panic either.
func FuzzParseConstraint(f *testing.F) {
	f.Fuzz(func(t *testing.T, expr string) {
		_ = CheckSpreadDescriptor(expr)
		c, err := ParseConstraint(expr)
		if err != nil {
			return
		}
		if !constraintKeyPattern.MatchString(c.Key) || !constraintValuePattern.MatchString(c.Value) {
			t.Fatalf("%q parsed to %+v, which breaks the patterns", expr, c)
		}
		if c.Op != ConstraintEqual && c.Op != ConstraintNotEqual {
			t.Fatalf("%q parsed to operator %q", expr, c.Op)
		}
		if strings.Contains(c.Value, "==") || strings.Contains(c.Value, "!=") || strings.Contains(c.Key, "=") {
			t.Fatalf("%q parsed to %+v: an operator is left in the key or value", expr, c)
		}
		again, err := ParseConstraint(c.String())
		if err != nil || again != c {
			t.Fatalf("%q parsed to %+v, written back as %q, which parses to %+v, %v", expr, c, c.String(), again, err)
		}
		_ = CheckConstraintMatchable(c)
	})
}

// FuzzParseHost: a host URL is refused or split into parts that dial what it names: a unix
// socket path, or a host and a port from 1 to 65535 for tcp and ssh, with the host after `--` on
// ssh's command line. The plan-time checks of an endpoint with that host never panic.
func FuzzParseHost(f *testing.F) {
	f.Fuzz(func(t *testing.T, host string) {
		yes := true
		_ = Endpoint{Host: host, CAPEM: "x", TLSVerify: &yes, SSHOpts: []string{"-v"}}.Check()
		target, err := ParseHost(host)
		if err != nil {
			return
		}
		if target.Raw != host {
			t.Fatalf("ParseHost(%q).Raw = %q", host, target.Raw)
		}
		switch target.Scheme {
		case SchemeUnix:
			if !strings.HasPrefix(target.Address, "/") {
				t.Fatalf("ParseHost(%q): the socket %q is not an absolute path", host, target.Address)
			}
			return
		case SchemeTCP, SchemeSSH:
		default:
			t.Fatalf("ParseHost(%q): scheme %q", host, target.Scheme)
		}
		h, port, err := net.SplitHostPort(target.Address)
		if err != nil || h == "" {
			t.Fatalf("ParseHost(%q): address %q does not split into a host and a port: %v", host, target.Address, err)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			t.Fatalf("ParseHost(%q): port %q", host, port)
		}
		if target.Scheme == SchemeSSH {
			// What ParseHost accepts, the Docker CLI's ssh transport takes too.
			if helper, err := connhelper.GetConnectionHelper(host); err != nil || helper == nil {
				t.Fatalf("ParseHost(%q) accepts an ssh host that connhelper refuses: %v", host, err)
			}
		}
	})
}
