package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/tfswarm/terraform-provider-swarm/internal/bench/callcount"
	"github.com/tfswarm/terraform-provider-swarm/internal/bench/procstats"
)

func TestReadSettings(t *testing.T) {
	cases := map[string]struct {
		env     map[string]string
		want    settings
		wantErr string
	}{
		"defaults": {want: settings{sizes: []int{10, 50, 100, 500}, upstream: "/var/run/docker.sock", parallelism: 10, tasksUpTo: 100, rounds: 1}},
		"all set": {
			env: map[string]string{"BENCH_SIZES": " 5  20 ", "BENCH_UPSTREAM": "/run/x.sock", "BENCH_PARALLELISM": "4", "BENCH_KEEP": "1",
				"BENCH_TASKS_UP_TO": "0", "BENCH_ROUNDS": "3"},
			want: settings{sizes: []int{5, 20}, upstream: "/run/x.sock", parallelism: 4, rounds: 3, keep: true},
		},
		"bad tasks limit": {env: map[string]string{"BENCH_TASKS_UP_TO": "-1"}, wantErr: "BENCH_TASKS_UP_TO=-1"},
		"bad size":        {env: map[string]string{"BENCH_SIZES": "10 x"}, wantErr: `"x" is not a positive number`},
		"zero size":       {env: map[string]string{"BENCH_SIZES": "0"}, wantErr: `"0" is not a positive number`},
		"bad parallelism": {env: map[string]string{"BENCH_PARALLELISM": "0"}, wantErr: "BENCH_PARALLELISM=0"},
		"bad rounds":      {env: map[string]string{"BENCH_ROUNDS": "0"}, wantErr: "BENCH_ROUNDS=0"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := readSettings(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(settings{})); d != "" {
				t.Errorf("settings (-want +got):\n%s", d)
			}
		})
	}
}

func decodePlan(t *testing.T, raw string) *tfjson.Plan {
	t.Helper()
	var p tfjson.Plan
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func TestPlanChanges(t *testing.T) {
	cases := map[string]struct {
		plan string
		want []string
	}{
		"refresh-only, nothing drifted": {
			plan: `{"format_version":"1.2","terraform_version":"1.11.4"}`,
		},
		"no-op changes": {
			plan: `{"format_version":"1.2","resource_changes":[{"address":"swarm_service.bench[0]","change":{"actions":["no-op"]}}]}`,
		},
		"drift": {
			plan: `{"format_version":"1.2","resource_drift":[{"address":"swarm_service.bench[3]","change":{"actions":["update"]}}]}`,
			want: []string{"swarm_service.bench[3] (drift: [update])"},
		},
		"deleted out of band": {
			plan: `{"format_version":"1.2","resource_drift":[{"address":"swarm_service.bench[1]","change":{"actions":["delete"]}}],
				"resource_changes":[{"address":"swarm_service.bench[2]","change":{"actions":["delete","create"]}}]}`,
			want: []string{"swarm_service.bench[1] (drift: [delete])", "swarm_service.bench[2] (change: [delete create])"},
		},
		"an output": {
			plan: `{"format_version":"1.2","output_changes":{"x":{"actions":["create"]}}}`,
			want: []string{"output.x ([create])"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, planChanges(decodePlan(t, tc.plan))); d != "" {
				t.Errorf("changes (-want +got):\n%s", d)
			}
		})
	}
}

func TestResourceIDs(t *testing.T) {
	var s tfjson.State
	raw := `{"format_version":"1.0","values":{"root_module":{"resources":[
		{"address":"swarm_service.bench[0]","mode":"managed","type":"swarm_service","name":"bench","values":{"id":"a"}},
		{"address":"swarm_service.bench[1]","mode":"managed","type":"swarm_service","name":"bench","values":{"id":"b"}},
		{"address":"data.swarm_nodes.x","mode":"data","type":"swarm_service","name":"x","values":{"id":"c"}},
		{"address":"terraform_data.x","mode":"managed","type":"terraform_data","name":"x","values":{"id":"d"}}]}}}`
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]bool{"a": true, "b": true}, resourceIDs(&s, "swarm_service")); d != "" {
		t.Errorf("resourceIDs (-want +got):\n%s", d)
	}
	if got := resourceIDs(&tfjson.State{}, "swarm_service"); len(got) != 0 {
		t.Errorf("resourceIDs of an empty state = %v, want none", got)
	}
}

func TestTable(t *testing.T) {
	rows := []row{{
		N: 10, Replicas: 1, Apply: 12340 * time.Millisecond, Refresh: 1500 * time.Millisecond, Destroy: 8 * time.Second, DestroyCmd: 6 * time.Second,
		Calls: 13, ServiceReads: 10, DataApply: 900 * time.Millisecond, DataRefresh: 800 * time.Millisecond,
		OwnRun: 10 * time.Second, OwnRunAt: 11 * time.Second, OwnRemoval: 4 * time.Second, FloorRefresh: 1200 * time.Millisecond, FloorDestroy: 3 * time.Second,
		Prov:  usage{CPU: 0.5, BusiestCPU: 0.3, PeakKB: 51200, Processes: 2},
		Floor: usage{CPU: 0.4, BusiestCPU: 0.25, PeakKB: 40960, Processes: 2},
	}}
	got := table(rows, 10)
	lines := strings.Split(got, "\n")
	want := "   10     1 |      12.3      10.0   1.23      11.0   1.12 |       1.5       1.2   1.25 |     0.50    30.00     0.40     5.00       50 |       6.0       8.0       4.0   2.00       3.0 |      1.30 |   0.9/0.8"
	if len(lines) < 4 || lines[3] != want {
		t.Errorf("table row:\n%q\nwant\n%q\nin:\n%s", lines[3], want, got)
	}
}

func TestMedians(t *testing.T) {
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	r := func(n int, apply, own float64) row {
		return row{N: n, Apply: sec(apply), OwnRun: sec(own), Refresh: sec(1), FloorRefresh: sec(2),
			DestroyCmd: sec(1), Destroy: sec(3), OwnRemoval: sec(2)}
	}
	got := medians([]row{r(50, 11, 10), r(50, 9, 10), r(50, 12, 10), r(100, 20, 10), r(100, 30, 10)})
	want := `medians over the rounds (each round's ratio in brackets, in order):
  N=50: apply/swarm run 1.10 [1.10 0.90 1.20]; refresh/floor 0.50 [0.50 0.50 0.50]; destroy returns/swarm rm 0.50 [0.50 0.50 0.50]; tasks gone/swarm rm 1.50 [1.50 1.50 1.50]
  N=100: apply/swarm run 2.50 [2.00 3.00]; refresh/floor 0.50 [0.50 0.50]; destroy returns/swarm rm 0.50 [0.50 0.50]; tasks gone/swarm rm 1.50 [1.50 1.50]
`
	if got != want {
		t.Errorf("medians:\n%s\nwant\n%s", got, want)
	}
	// A ratio whose swarm's own time is missing (a row measured without it) is left out.
	if got := medians([]row{{N: 10, Apply: sec(1)}}); got != "medians over the rounds (each round's ratio in brackets, in order):\n  N=10: \n" {
		t.Errorf("medians without own times = %q", got)
	}
}

func TestIdleShare(t *testing.T) {
	a, err := parseCPULine("cpu  100 5 50 1000 20 1 2 0 40 0\ncpu0 1 2 3 4 5\n")
	if err != nil {
		t.Fatal(err)
	}
	// 300 ticks later: user 60, system 30, idle 180, iowait 30 (guest 40 more, inside user).
	b, err := parseCPULine("cpu  160 5 80 1180 50 1 2 0 80 0\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := idleShare(a, b); got != 0.7 {
		t.Errorf("idleShare = %v, want 0.7", got)
	}
	if got := idleShare(a, a); got != 1 {
		t.Errorf("idleShare of no time = %v, want 1", got)
	}
	for _, bad := range []string{"", "intr 1 2 3\n", "cpu 1 2 x 4 5\n", "cpu 1 2\n"} {
		if _, err := parseCPULine(bad); err == nil {
			t.Errorf("parseCPULine(%q) = no error", bad)
		}
	}
}

func TestUsageOf(t *testing.T) {
	got := usageOf([]procstats.Stats{
		{PID: 1, UserSec: 0.1, SystemSec: 0.05, PeakRSSKB: 30000},
		{PID: 2, UserSec: 1.0, SystemSec: 0.25, PeakRSSKB: 50000},
	})
	want := usage{CPU: 1.4, BusiestCPU: 1.25, PeakKB: 50000, Processes: 2}
	if d := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); d != "" {
		t.Errorf("usage (-want +got):\n%s", d)
	}
}

func TestBreakdown(t *testing.T) {
	s := callcount.Snapshot{Total: 13, Calls: map[string]int{"GET /services/{id}": 10, "GET /_ping": 1, "GET /version": 1, "HEAD /_ping": 1}}
	want := "13 in all; GET /services/{id}: 10, GET /_ping: 1, GET /version: 1, HEAD /_ping: 1"
	if got := breakdown(s); got != want {
		t.Errorf("breakdown = %q, want %q", got, want)
	}
}

func TestCLIConfig(t *testing.T) {
	got := cliConfig("/opt/bench/bin")
	if !strings.Contains(got, `"registry.terraform.io/tfswarm/swarm" = "/opt/bench/bin"`) {
		t.Errorf("the CLI configuration does not override the provider:\n%s", got)
	}
	if !strings.Contains(got, `"registry.terraform.io/tfswarm/swarmfloor" = "/opt/bench/bin"`) {
		t.Errorf("the CLI configuration does not override the floor provider:\n%s", got)
	}
	if !strings.Contains(floorConfig, `source = "tfswarm/swarmfloor"`) {
		t.Errorf("the floor's configuration does not use the floor provider:\n%s", floorConfig)
	}
}
