package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseNode(t *testing.T) {
	cases := map[string]struct {
		want node
		ok   bool
	}{
		"m2":     {node{Name: "m2", Role: roleManager, Octet: 12}, true},
		"m9":     {node{Name: "m9", Role: roleManager, Octet: 19}, true},
		"w1":     {node{Name: "w1", Role: roleWorker, Octet: 21}, true},
		"free3":  {node{Name: "free3", Role: roleFree, Octet: 33}, true},
		"fm1":    {node{Name: "fm1", Role: roleManager, Octet: 41, Fault: true}, true},
		"fm3":    {node{Name: "fm3", Role: roleManager, Octet: 43, Fault: true}, true},
		"fw1":    {node{Name: "fw1", Role: roleWorker, Octet: 51, Fault: true}, true},
		"fm4":    {ok: false},
		"fw2":    {ok: false},
		"m1":     {ok: false}, // the host is the first manager
		"w0":     {ok: false},
		"free10": {ok: false},
		"host":   {ok: false},
		"vm":     {ok: false},
		"xm2":    {ok: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := parseNode(name)
			if ok != tc.ok || got != tc.want {
				t.Errorf("parseNode(%q) = %+v, %v; want %+v, %v", name, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestNodeAddressing(t *testing.T) {
	n, _ := parseNode("w2")
	if got, want := n.Addr(), "10.77.0.22"; got != want {
		t.Errorf("Addr() = %q, want %q", got, want)
	}
	if got, want := n.URL("/run/bed"), "unix:///run/bed/w2.sock"; got != want {
		t.Errorf("URL() = %q, want %q", got, want)
	}
	if got, want := hostNode.URL("/run/bed"), "unix:///var/run/docker.sock"; got != want {
		t.Errorf("host URL() = %q, want %q", got, want)
	}
}

func TestReadSizes(t *testing.T) {
	cases := map[string]struct {
		env     map[string]string
		want    sizes
		wantErr string
	}{
		"defaults":    {env: nil, want: sizes{1, 0, 0, 0}},
		"make's":      {env: map[string]string{"TESTBED_NODES": "3", "TESTBED_WORKERS": "1", "TESTBED_FREE": "3"}, want: sizes{3, 1, 3, 0}},
		"leading 0":   {env: map[string]string{"TESTBED_WORKERS": "09"}, want: sizes{1, 9, 0, 0}},
		"fault swarm": {env: map[string]string{"TESTBED_FAULT": "1"}, want: sizes{1, 0, 0, 1}},
		"two faults":  {env: map[string]string{"TESTBED_FAULT": "2"}, wantErr: "TESTBED_FAULT=2: want a number from 0 to 1"},
		"no managers": {env: map[string]string{"TESTBED_NODES": "0"}, wantErr: "TESTBED_NODES=0: want a number from 1 to 9"},
		"too many":    {env: map[string]string{"TESTBED_FREE": "10"}, wantErr: "TESTBED_FREE=10: want a number from 0 to 9"},
		"a word":      {env: map[string]string{"TESTBED_WORKERS": "two"}, wantErr: "TESTBED_WORKERS=two: want a number from 0 to 9"},
		"a sign":      {env: map[string]string{"TESTBED_WORKERS": "+2"}, wantErr: "TESTBED_WORKERS=+2: want a number from 0 to 9"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := readSizes(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("readSizes = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func names(nodes []node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.Name)
	}
	return out
}

func TestPlanNodes(t *testing.T) {
	cases := map[string]struct {
		sizes    sizes
		earlier  []string
		want     []string
		wantKept []string
	}{
		"host only":      {sizes: sizes{1, 0, 0, 0}},
		"make's bed":     {sizes: sizes{3, 1, 3, 0}, want: []string{"m2", "m3", "w1", "free1", "free2", "free3"}},
		"same as before": {sizes: sizes{3, 1, 3, 0}, earlier: []string{"m2", "m3", "w1", "free1", "free2", "free3"}, want: []string{"m2", "m3", "w1", "free1", "free2", "free3"}},
		"the demo's worker stays": {
			sizes: sizes{3, 1, 3, 0}, earlier: []string{"m2", "m3", "w1", "w2", "free1", "free2", "free3"},
			want: []string{"m2", "m3", "w1", "w2", "free1", "free2", "free3"}, wantKept: []string{"w2"},
		},
		"grows":                 {sizes: sizes{3, 2, 0, 0}, earlier: []string{"m2", "w1"}, want: []string{"m2", "m3", "w1", "w2"}},
		"unknown names ignored": {sizes: sizes{1, 0, 0, 0}, earlier: []string{"host", "x", "m1", "free12"}},
		"the fault swarm":       {sizes: sizes{3, 1, 0, 1}, want: []string{"m2", "m3", "w1", "fm1", "fm2", "fm3", "fw1"}},
		"the fault swarm stays": {sizes: sizes{3, 1, 0, 0}, earlier: []string{"fm1", "fm2", "fm3", "fw1"}, want: []string{"m2", "m3", "w1", "fm1", "fm2", "fm3", "fw1"}, wantKept: []string{"fm1", "fm2", "fm3", "fw1"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			nodes, kept := planNodes(tc.sizes, tc.earlier)
			if d := cmp.Diff(tc.want, names(nodes)); d != "" {
				t.Errorf("nodes (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantKept, kept); d != "" {
				t.Errorf("kept (-want +got):\n%s", d)
			}
		})
	}
}

// The tests read this file (internal/provider: testAccNodes); its format must not change.
func TestNodesFile(t *testing.T) {
	nodes, _ := planNodes(sizes{3, 1, 3, 0}, nil)
	want := `host manager 10.77.0.1 unix:///var/run/docker.sock
m2 manager 10.77.0.12 unix:///run/tfswarm-testbed/m2.sock
m3 manager 10.77.0.13 unix:///run/tfswarm-testbed/m3.sock
w1 worker 10.77.0.21 unix:///run/tfswarm-testbed/w1.sock
free1 free 10.77.0.31 unix:///run/tfswarm-testbed/free1.sock
free2 free 10.77.0.32 unix:///run/tfswarm-testbed/free2.sock
free3 free 10.77.0.33 unix:///run/tfswarm-testbed/free3.sock
`
	if d := cmp.Diff(want, nodesFile(nodes, "/run/tfswarm-testbed")); d != "" {
		t.Errorf("nodes file (-want +got):\n%s", d)
	}
	if d := cmp.Diff("m2\nm3\nw1\nfree1\nfree2\nfree3\n", nodesList(nodes)); d != "" {
		t.Errorf("nodes.list (-want +got):\n%s", d)
	}
}

// The fault swarm's nodes go to a list of their own (the tests read it: faults_test.go), its first
// manager first, and stay out of the node list.
func TestFaultNodesFile(t *testing.T) {
	nodes, _ := planNodes(sizes{3, 1, 0, 1}, nil)
	want := `fm1 manager 10.77.0.41 unix:///run/tfswarm-testbed/fm1.sock
fm2 manager 10.77.0.42 unix:///run/tfswarm-testbed/fm2.sock
fm3 manager 10.77.0.43 unix:///run/tfswarm-testbed/fm3.sock
fw1 worker 10.77.0.51 unix:///run/tfswarm-testbed/fw1.sock
`
	if d := cmp.Diff(want, faultNodesFile(nodes, "/run/tfswarm-testbed")); d != "" {
		t.Errorf("fault-nodes (-want +got):\n%s", d)
	}
	if strings.Contains(nodesFile(nodes, "/run/tfswarm-testbed"), "fm1") {
		t.Errorf("the node list holds the fault swarm")
	}
	if d := cmp.Diff("m2\nm3\nw1\nfm1\nfm2\nfm3\nfw1\n", nodesList(nodes)); d != "" {
		t.Errorf("nodes.list (-want +got):\n%s", d)
	}
}

func TestReadLinesAndWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nodes.list")
	lines, err := readLines(path)
	if err != nil || lines != nil {
		t.Fatalf("a missing file: %v, %v; want no lines and no error", lines, err)
	}
	if err := writeFile(path, "m2\n\n  w1 \n"); err != nil {
		t.Fatal(err)
	}
	lines, err = readLines(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"m2", "w1"}, lines); d != "" {
		t.Errorf("lines (-want +got):\n%s", d)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("the temporary file is left: %v", err)
	}
}
