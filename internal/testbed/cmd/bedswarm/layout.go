package main

// The bed's layout: which engines it has, their roles, addresses and sockets, and the files that
// record them. Names encode the role and the address:
//
//	host     manager  10.77.0.1       the host's own engine (unix:///var/run/docker.sock)
//	m<i>     manager  10.77.0.(10+i)  i = 2..9
//	w<i>     worker   10.77.0.(20+i)  i = 1..9
//	free<i>  free     10.77.0.(30+i)  i = 1..9: an engine in no swarm
//	fm<i>    manager  10.77.0.(40+i)  i = 1..3: the fault swarm, fm1 its first manager
//	fw1      worker   10.77.0.51      the fault swarm's worker
//
// The fault swarm (TESTBED_FAULT=1) is a swarm of its own, apart from the host's, for the tests
// that stop managers: whatever they do to it, the host's swarm, which every other test uses, is
// not touched. Its nodes are listed in <run dir>/fault-nodes, not in the node list.
//
// An extra node's engine listens on <run dir>/<name>.sock (testbed.sh starts it there).

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

const (
	subnet   = "10.77.0"
	hostAddr = subnet + ".1"
	hostURL  = "unix:///var/run/docker.sock"
	addrPool = "10.200.0.0/16"
	// faultAddrPool is the fault swarm's pool for overlay networks, apart from the host swarm's.
	faultAddrPool = "10.201.0.0/16"
	swarmPort     = "2377"
	hostName      = "host"
)

type role string

const (
	roleManager role = "manager"
	roleWorker  role = "worker"
	roleFree    role = "free"
)

// node is one engine of the bed other than the host's.
type node struct {
	Name string
	Role role
	// Octet is the last byte of the node's address and the third of its dockerd's --bip.
	Octet int
	// Fault marks the nodes of the fault swarm.
	Fault bool
}

func (n node) Addr() string { return fmt.Sprintf("%s.%d", subnet, n.Octet) }

// URL is where the node's engine answers.
func (n node) URL(runDir string) string {
	if n.Name == hostName {
		return hostURL
	}
	return "unix://" + filepath.Join(runDir, n.Name+".sock")
}

var nodeName = regexp.MustCompile(`^(m[2-9]|w[1-9]|free[1-9]|fm[1-3]|fw1)$`)

// parseNode turns a name of the layout into its node; ok is false for any other name (the host's
// included).
func parseNode(name string) (node, bool) {
	if !nodeName.MatchString(name) {
		return node{}, false
	}
	i, _ := strconv.Atoi(name[len(name)-1:])
	switch {
	case strings.HasPrefix(name, "fm"):
		return node{Name: name, Role: roleManager, Octet: 40 + i, Fault: true}, true
	case strings.HasPrefix(name, "fw"):
		return node{Name: name, Role: roleWorker, Octet: 50 + i, Fault: true}, true
	case strings.HasPrefix(name, "free"):
		return node{Name: name, Role: roleFree, Octet: 30 + i}, true
	case name[0] == 'm':
		return node{Name: name, Role: roleManager, Octet: 10 + i}, true
	default:
		return node{Name: name, Role: roleWorker, Octet: 20 + i}, true
	}
}

// sizes is what TESTBED_NODES (managers, the host included), TESTBED_WORKERS, TESTBED_FREE and
// TESTBED_FAULT (1: the fault swarm) ask.
type sizes struct {
	Managers, Workers, Free, Fault int
}

func readSizes(getenv func(string) string) (sizes, error) {
	var s sizes
	for _, v := range []struct {
		name          string
		def, min, max int
		to            *int
	}{
		{"TESTBED_NODES", 1, 1, 9, &s.Managers},
		{"TESTBED_WORKERS", 0, 0, 9, &s.Workers},
		{"TESTBED_FREE", 0, 0, 9, &s.Free},
		{"TESTBED_FAULT", 0, 0, 1, &s.Fault},
	} {
		raw := getenv(v.name)
		if raw == "" {
			*v.to = v.def
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < v.min || n > v.max || strings.ContainsAny(raw, "+-") {
			return sizes{}, fmt.Errorf("%s=%s: want a number from %d to %d", v.name, raw, v.min, v.max)
		}
		*v.to = n
	}
	return s, nil
}

// planNodes lists the extra nodes of a bed of size s, managers, then workers, then free engines.
// The bed grows to what is asked and never shrinks in `up`: the nodes of an earlier run (earlier,
// the names recorded then) are kept, and returned in kept; `down`, then `up`, shrinks it.
func planNodes(s sizes, earlier []string) (nodes []node, kept []string) {
	want := map[string]bool{}
	for i := 2; i <= s.Managers; i++ {
		want[fmt.Sprintf("m%d", i)] = true
	}
	for i := 1; i <= s.Workers; i++ {
		want[fmt.Sprintf("w%d", i)] = true
	}
	for i := 1; i <= s.Free; i++ {
		want[fmt.Sprintf("free%d", i)] = true
	}
	if s.Fault > 0 {
		for _, name := range faultNames {
			want[name] = true
		}
	}
	for _, name := range earlier {
		if _, ok := parseNode(name); ok && !want[name] {
			want[name] = true
			kept = append(kept, name)
		}
	}
	for _, prefix := range []string{"m", "w", "free", "fm", "fw"} {
		for i := 1; i <= 9; i++ {
			if n, ok := parseNode(fmt.Sprintf("%s%d", prefix, i)); ok && want[n.Name] {
				nodes = append(nodes, n)
			}
		}
	}
	return nodes, kept
}

// faultNames are the fault swarm's nodes, its first manager first.
var faultNames = []string{"fm1", "fm2", "fm3", "fw1"}

// splitFault parts the host swarm's nodes (and the free engines) from the fault swarm's.
func splitFault(nodes []node) (main, fault []node) {
	for _, n := range nodes {
		if n.Fault {
			fault = append(fault, n)
		} else {
			main = append(main, n)
		}
	}
	return main, fault
}

var hostNode = node{Name: hostName, Role: roleManager, Octet: 1}

// nodesFile is the node list the tests read: one line per engine, "<name> <role> <addr> <url>",
// the host first; the fault swarm's nodes are left out.
func nodesFile(nodes []node, runDir string) string {
	main, _ := splitFault(nodes)
	return nodeLines(append([]node{hostNode}, main...), runDir)
}

// faultNodesFile is the fault swarm's node list (<run dir>/fault-nodes), in the node list's
// format, its first manager first; empty without the fault swarm.
func faultNodesFile(nodes []node, runDir string) string {
	_, fault := splitFault(nodes)
	return nodeLines(fault, runDir)
}

func nodeLines(nodes []node, runDir string) string {
	var b strings.Builder
	for _, n := range nodes {
		fmt.Fprintf(&b, "%s %s %s %s\n", n.Name, n.Role, n.Addr(), n.URL(runDir))
	}
	return b.String()
}

// nodesList is what the bed records of its extra nodes for the next run: one name a line.
func nodesList(nodes []node) string {
	var b strings.Builder
	for _, n := range nodes {
		b.WriteString(n.Name + "\n")
	}
	return b.String()
}

// readLines reads the words of a file, one line each; a missing file is empty.
func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		if line := strings.TrimSpace(s.Text()); line != "" {
			lines = append(lines, line)
		}
	}
	return lines, s.Err()
}

// writeFile replaces path at once (a reader never sees half of it).
func writeFile(path, content string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
