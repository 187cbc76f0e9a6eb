package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/bench/callcount"
	"github.com/tfswarm/terraform-provider-swarm/internal/bench/procstats"
	"github.com/tfswarm/terraform-provider-swarm/internal/testbed/bedenv"
)

// servicesConfig is N swarm_service resources of the test image (from the bed's registry, with
// its credentials), one replica each (none above BENCH_TASKS_UP_TO).
const servicesConfig = `terraform {
  required_providers {
    swarm = {
      source = "tfswarm/swarm"
    }
  }
}

variable "host" {
  type = string
}

variable "n" {
  type = number
}

variable "prefix" {
  type = string
}

variable "image" {
  type = string
}

variable "replicas" {
  type = number
}

provider "swarm" {
  host = var.host

  # The test image comes from the bed's registry: its credentials, as ` + "`docker login`" + ` writes them.
  docker_config {
    path = "` + bedenv.DockerConfigDir + `"
  }
}

resource "swarm_service" "bench" {
  count = var.n
  name  = "${var.prefix}-${count.index}"

  mode {
    replicated {
      replicas = var.replicas
    }
  }

  task_template {
    container_spec {
      image = var.image
    }
  }

  endpoint_spec {
    mode = "dnsrr"
  }
}
`

// dataConfig is the floor: N terraform_data resources.
const dataConfig = `variable "n" {
  type = number
}

resource "terraform_data" "bench" {
  count = var.n
  input = "item-${count.index}"
}
`

// floorConfig is servicesConfig for the floor provider (internal/bench/floorprovider): the same
// resources and schema, a Read that returns the state untouched.
var floorConfig = strings.Replace(servicesConfig, `"tfswarm/swarm"`, `"tfswarm/swarmfloor"`, 1)

const (
	providerAddr = `provider["registry.terraform.io/tfswarm/swarm"]`
	floorAddr    = `provider["registry.terraform.io/tfswarm/swarmfloor"]`
)

// cliConfig points Terraform at the providers built here (no registry, no `terraform init`).
func cliConfig(binDir string) string {
	return fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.terraform.io/tfswarm/swarm" = %[1]q
    "registry.terraform.io/tfswarm/swarmfloor" = %[1]q
  }
  direct {}
}
`, binDir)
}

type bench struct {
	tfPath, work, cliConfig string
	parallelism             int
	tasksUpTo               int            // above this many services, they run no task
	api                     *client.Client // the Engine, directly, for the swarm's own times
	engineHost              string         // its address
	registry                bedenv.Registry
}

// row is one line of the table: seconds, and the calls of the refresh-only plan.
type row struct {
	N int
	// Replicas is the tasks of each service: 1, or 0 above BENCH_TASKS_UP_TO.
	Replicas                uint64
	Apply, Refresh, Destroy time.Duration
	// DestroyCmd is when terraform destroy returned; Destroy, when no task of the services was left.
	DestroyCmd             time.Duration
	Calls, ServiceReads    int
	DataApply, DataRefresh time.Duration
	// The swarm's own time to run the services and to remove them (ownRun, ownRemoval).
	OwnRun, OwnRemoval time.Duration
	// The swarm's own time to run them -parallelism at a time (ownRunAt).
	OwnRunAt time.Duration
	// The refresh-only plan and the destroy of the same state with the floor provider.
	FloorRefresh, FloorDestroy time.Duration
	// What the provider processes of each refresh-only plan used.
	Prov, Floor usage
}

// usage is what the provider processes of one Terraform command used: CPU time of them all, of
// the busiest (the one that served the reads; the others only answered schema requests), and
// the highest peak resident memory.
type usage struct {
	CPU, BusiestCPU float64
	PeakKB          int64
	Processes       int
}

func usageOf(stats []procstats.Stats) usage {
	u := usage{Processes: len(stats)}
	for _, s := range stats {
		u.CPU += s.CPU()
		u.BusiestCPU = max(u.BusiestCPU, s.CPU())
		u.PeakKB = max(u.PeakKB, s.PeakRSSKB)
	}
	return u
}

// workspace is one Terraform configuration in its own directory, its output in terraform.log.
type workspace struct {
	tf  *tfexec.Terraform
	dir string
	log *os.File
	env map[string]string
}

// measured runs f with the provider processes writing their stats (procstats) into a directory
// of their own, and returns them.
func (w *workspace) measured(name string, f func() error) ([]procstats.Stats, error) {
	dir := filepath.Join(w.dir, "stats-"+name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	w.env[procstats.EnvProcStats] = dir
	defer delete(w.env, procstats.EnvProcStats)
	if err := w.tf.SetEnv(tfexec.CleanEnv(w.env)); err != nil {
		return nil, err
	}
	defer func() { _ = w.tf.SetEnv(tfexec.CleanEnv(w.env)) }()
	if err := f(); err != nil {
		return nil, err
	}
	stats, err := procstats.ReadDir(dir)
	if err == nil && len(stats) == 0 {
		err = fmt.Errorf("no provider process wrote its stats into %s", dir)
	}
	return stats, err
}

func (b *bench) workspace(ctx context.Context, name, config string) (*workspace, error) {
	dir := filepath.Join(b.work, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o644); err != nil {
		return nil, err
	}
	tf, err := tfexec.NewTerraform(dir, b.tfPath)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	env["TF_CLI_CONFIG_FILE"] = b.cliConfig
	env["CHECKPOINT_DISABLE"] = "1"
	if err := tf.SetEnv(tfexec.CleanEnv(env)); err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "terraform.log"))
	if err != nil {
		return nil, err
	}
	tf.SetStdout(logFile)
	tf.SetStderr(logFile)
	// terraform-exec asks Terraform its version once and caches it: ask before anything is timed.
	if _, _, err := tf.Version(ctx, false); err != nil {
		return nil, err
	}
	return &workspace{tf: tf, dir: dir, log: logFile, env: env}, nil
}

// timed runs one Terraform command and returns how long it took; a failure comes with the end
// of the log.
func (w *workspace) timed(what string, f func() error) (time.Duration, error) {
	fmt.Fprintf(w.log, "+ terraform %s\n", what)
	start := time.Now()
	err := f()
	elapsed := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("terraform %s in %s: %w\n%s", what, w.dir, err, tail(filepath.Join(w.dir, "terraform.log"), 60))
	}
	return elapsed, nil
}

func tail(path string, n int) string {
	raw, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// refreshOnly times a refresh-only plan and reads it back. Terraform 1.10 to 1.14 exit 2 from a
// refresh-only plan with -detailed-exitcode (which terraform-exec always passes) although nothing
// drifted (hashicorp/terraform#37406): the saved plan decides, not the exit code.
func (w *workspace) refreshOnly(ctx context.Context, opts ...tfexec.PlanOption) (time.Duration, *tfjson.Plan, error) {
	planFile := filepath.Join(w.dir, "refresh.tfplan")
	opts = append(opts, tfexec.RefreshOnly(true), tfexec.Out(planFile))
	d, err := w.timed("plan -refresh-only", func() error { _, err := w.tf.Plan(ctx, opts...); return err })
	if err != nil {
		return 0, nil, err
	}
	plan, err := w.tf.ShowPlanFile(ctx, planFile)
	return d, plan, err
}

// size measures one N: swarm_service apply, refresh-only plan (with the Engine calls it made),
// destroy; then the terraform_data floor.
// size measures one row: N services (name tells its workspaces apart from other rounds').
func (b *bench) size(ctx context.Context, n int, name, host, prefix string, counter *callcount.Counter) (row, callcount.Snapshot, error) {
	r := row{N: n, Replicas: 1}
	if n > b.tasksUpTo {
		r.Replicas = 0
	}
	image, err := pinnedImage(ctx, b.engineHost, b.registry)
	if err != nil {
		return r, callcount.Snapshot{}, err
	}
	svc, err := b.workspace(ctx, "services-"+name, servicesConfig)
	if err != nil {
		return r, callcount.Snapshot{}, err
	}
	defer svc.log.Close()
	vars := []string{"host=" + host, fmt.Sprintf("n=%d", n), "prefix=" + prefix, "image=" + b.registry.Image("v1"), fmt.Sprintf("replicas=%d", r.Replicas)}
	applyOpts := []tfexec.ApplyOption{tfexec.Parallelism(b.parallelism)}
	planOpts := []tfexec.PlanOption{tfexec.Parallelism(b.parallelism)}
	destroyOpts := []tfexec.DestroyOption{tfexec.Parallelism(b.parallelism)}
	for _, v := range vars {
		applyOpts = append(applyOpts, tfexec.Var(v))
		planOpts = append(planOpts, tfexec.Var(v))
		destroyOpts = append(destroyOpts, tfexec.Var(v))
	}

	logf("N=%d: the swarm's own time to run and remove %d services (API, concurrently)", n, n)
	if err := settle(ctx, "the swarm's own run"); err != nil {
		return r, callcount.Snapshot{}, err
	}
	own, ownRunTime, err := ownRun(ctx, b.api, b.registry, image, n, r.Replicas, prefix+"-own")
	if err != nil {
		return r, callcount.Snapshot{}, err
	}
	r.OwnRun = ownRunTime
	if err := settle(ctx, "the swarm's own removal"); err != nil {
		return r, callcount.Snapshot{}, err
	}
	if r.OwnRemoval, err = ownRemoval(ctx, b.api, own); err != nil {
		return r, callcount.Snapshot{}, err
	}

	logf("N=%d: the swarm's own time to run %d services %d at a time", n, n, b.parallelism)
	if err := settle(ctx, "the swarm's own run at -parallelism"); err != nil {
		return r, callcount.Snapshot{}, err
	}
	if own, r.OwnRunAt, err = ownRunAt(ctx, b.api, b.registry, image, n, b.parallelism, r.Replicas, prefix+"-par"); err != nil {
		return r, callcount.Snapshot{}, err
	}
	if _, err := ownRemoval(ctx, b.api, own); err != nil {
		return r, callcount.Snapshot{}, err
	}

	logf("N=%d: applying %d swarm_service resources", n, n)
	if err := settle(ctx, "the apply"); err != nil {
		return r, callcount.Snapshot{}, err
	}
	if r.Apply, err = svc.timed("apply", func() error { return svc.tf.Apply(ctx, applyOpts...) }); err != nil {
		return r, callcount.Snapshot{}, err
	}
	state, err := svc.tf.Show(ctx)
	if err != nil {
		return r, callcount.Snapshot{}, err
	}
	ids := resourceIDs(state, "swarm_service")
	if len(ids) != n {
		return r, callcount.Snapshot{}, fmt.Errorf("with N=%d, the state holds %d swarm_service resources after apply", n, len(ids))
	}

	logf("N=%d: refresh-only plan of %d swarm_service resources", n, n)
	counter.Reset()
	var d time.Duration
	var plan *tfjson.Plan
	stats, err := svc.measured("refresh", func() error {
		var err error
		d, plan, err = svc.refreshOnly(ctx, planOpts...)
		return err
	})
	if err != nil {
		return r, callcount.Snapshot{}, err
	}
	r.Prov = usageOf(stats)
	calls := counter.Snapshot()
	r.Refresh, r.Calls = d, calls.Total
	// GET /services/{id} is the Read itself; the rest is the provider's Configure (ping, version).
	r.ServiceReads = calls.Calls["GET /services/{id}"]
	if changed := planChanges(plan); len(changed) > 0 {
		return r, calls, fmt.Errorf("with N=%d, the refresh-only plan right after apply is not empty: %s", n, strings.Join(changed, ", "))
	}

	logf("N=%d: refresh-only plan and destroy of the same state with the floor provider", n)
	if r.FloorRefresh, r.FloorDestroy, r.Floor, err = b.floorRun(ctx, n, name, svc, planOpts, destroyOpts); err != nil {
		return r, calls, err
	}

	// Destroy is timed until no task of the services is left, as the swarm's own removal is: the
	// provider returns before the tasks of a service without bookings have stopped.
	logf("N=%d: destroying", n)
	if err := settle(ctx, "the destroy"); err != nil {
		return r, calls, err
	}
	start := time.Now()
	if r.DestroyCmd, err = svc.timed("destroy", func() error { return svc.tf.Destroy(ctx, destroyOpts...) }); err != nil {
		return r, calls, err
	}
	if err := waitTasksGone(ctx, b.api, ids); err != nil {
		return r, calls, err
	}
	r.Destroy = time.Since(start)

	logf("N=%d: terraform_data floor", n)
	data, err := b.workspace(ctx, "data-"+name, dataConfig)
	if err != nil {
		return r, calls, err
	}
	defer data.log.Close()
	nVar := tfexec.Var(fmt.Sprintf("n=%d", n))
	if r.DataApply, err = data.timed("apply", func() error { return data.tf.Apply(ctx, nVar, tfexec.Parallelism(b.parallelism)) }); err != nil {
		return r, calls, err
	}
	if r.DataRefresh, _, err = data.refreshOnly(ctx, nVar, tfexec.Parallelism(b.parallelism)); err != nil {
		return r, calls, err
	}
	if _, err := data.timed("destroy", func() error { return data.tf.Destroy(ctx, nVar, tfexec.Parallelism(b.parallelism)) }); err != nil {
		return r, calls, err
	}
	return r, calls, nil
}

// floorRun times a refresh-only plan of the state that svc holds with the floor provider (the
// state's provider address changed to it), checks that it found no drift either, and then times a
// destroy of that state with it (which removes nothing from the swarm).
func (b *bench) floorRun(ctx context.Context, n int, name string, svc *workspace, planOpts []tfexec.PlanOption, destroyOpts []tfexec.DestroyOption) (refresh, destroy time.Duration, u usage, err error) {
	floor, err := b.workspace(ctx, "floor-"+name, floorConfig)
	if err != nil {
		return 0, 0, usage{}, err
	}
	defer floor.log.Close()
	raw, err := os.ReadFile(filepath.Join(svc.dir, "terraform.tfstate"))
	if err != nil {
		return 0, 0, usage{}, err
	}
	quoted := func(s string) string { return strings.ReplaceAll(s, `"`, `\"`) }
	if !bytes.Contains(raw, []byte(quoted(providerAddr))) {
		return 0, 0, usage{}, fmt.Errorf("the state of %s does not name %s", svc.dir, providerAddr)
	}
	raw = bytes.ReplaceAll(raw, []byte(quoted(providerAddr)), []byte(quoted(floorAddr)))
	if err := os.WriteFile(filepath.Join(floor.dir, "terraform.tfstate"), raw, 0o644); err != nil {
		return 0, 0, usage{}, err
	}
	var plan *tfjson.Plan
	stats, err := floor.measured("refresh", func() error {
		var err error
		refresh, plan, err = floor.refreshOnly(ctx, planOpts...)
		return err
	})
	if err != nil {
		return 0, 0, usage{}, err
	}
	if changed := planChanges(plan); len(changed) > 0 {
		return 0, 0, usage{}, fmt.Errorf("with N=%d, the floor's refresh-only plan is not empty: %s", n, strings.Join(changed, ", "))
	}
	if destroy, err = floor.timed("destroy", func() error { return floor.tf.Destroy(ctx, destroyOpts...) }); err != nil {
		return 0, 0, usage{}, err
	}
	return refresh, destroy, usageOf(stats), nil
}

// resourceIDs is the set of the ids of the managed resources of a type in the root module of a
// state.
func resourceIDs(state *tfjson.State, typ string) map[string]bool {
	ids := map[string]bool{}
	if state == nil || state.Values == nil || state.Values.RootModule == nil {
		return ids
	}
	for _, r := range state.Values.RootModule.Resources {
		if r.Mode == tfjson.ManagedResourceMode && r.Type == typ {
			id, _ := r.AttributeValues["id"].(string)
			ids[id] = true
		}
	}
	return ids
}

// planChanges lists what a plan would change or found drifted, as "<address> (<actions>)".
func planChanges(plan *tfjson.Plan) []string {
	var out []string
	for _, group := range []struct {
		what    string
		changes []*tfjson.ResourceChange
	}{{"drift", plan.ResourceDrift}, {"change", plan.ResourceChanges}} {
		for _, rc := range group.changes {
			if rc.Change == nil || rc.Change.Actions.NoOp() {
				continue
			}
			out = append(out, fmt.Sprintf("%s (%s: %v)", rc.Address, group.what, rc.Change.Actions))
		}
	}
	for name, c := range plan.OutputChanges {
		if c != nil && !c.Actions.NoOp() {
			out = append(out, fmt.Sprintf("output.%s (%v)", name, c.Actions))
		}
	}
	sort.Strings(out)
	return out
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1f", d.Seconds()) }

func ratio(a, b time.Duration) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a.Seconds()/b.Seconds())
}

const rowFormat = "%5s %5s | %9s %9s %6s %9s %6s | %9s %9s %6s | %8s %8s %8s %8s %8s | %9s %9s %9s %6s %9s | %9s | %9s\n"

// table is the printed result.
func table(rows []row, parallelism int) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "swarm_service benchmark (parallelism %d; times in seconds; CPU and peak memory of the provider processes of the refresh-only plan, from /proc)\n", parallelism)
	fmt.Fprintf(&b, rowFormat, "N", "tasks", "apply", "swarm run", "ratio", "swarm run", "ratio", "refresh", "floor", "ratio",
		"CPU", "CPU/svc", "floor", "extra/svc", "peak", "destroy", "tasks", "swarm rm", "ratio", "floor", "calls/svc", "tf_data")
	fmt.Fprintf(&b, rowFormat, "", "/svc", "", "(own)", "", "(own, -p)", "", "plan", "refresh", "", "(s)", "(ms)", "CPU (s)", "(ms)", "(MB)", "returns", "gone", "(own)", "", "destroy", "(refresh)", "apply/ref")
	for _, r := range rows {
		perSvc := func(s float64) string { return fmt.Sprintf("%.2f", 1000*s/float64(r.N)) }
		fmt.Fprintf(&b, rowFormat, fmt.Sprint(r.N), fmt.Sprint(r.Replicas),
			seconds(r.Apply), seconds(r.OwnRun), ratio(r.Apply, r.OwnRun), seconds(r.OwnRunAt), ratio(r.Apply, r.OwnRunAt),
			seconds(r.Refresh), seconds(r.FloorRefresh), ratio(r.Refresh, r.FloorRefresh),
			fmt.Sprintf("%.2f", r.Prov.CPU), perSvc(r.Prov.BusiestCPU), fmt.Sprintf("%.2f", r.Floor.CPU),
			perSvc(r.Prov.BusiestCPU-r.Floor.BusiestCPU), fmt.Sprintf("%.0f", float64(r.Prov.PeakKB)/1024),
			seconds(r.DestroyCmd), seconds(r.Destroy), seconds(r.OwnRemoval), ratio(r.Destroy, r.OwnRemoval), seconds(r.FloorDestroy),
			fmt.Sprintf("%.2f", float64(r.Calls)/float64(r.N)),
			seconds(r.DataApply)+"/"+seconds(r.DataRefresh))
	}
	b.WriteString(`
apply: terraform apply of N new services, waiting for convergence; swarm run: the same N created
through the API concurrently, then polled until every task runs; swarm run (own, -p): the same N
created -parallelism at a time, each waited for before the next, as Terraform lets a provider
(no provider that waits for convergence can beat it); refresh plan / floor refresh: a
refresh-only plan of the same state with this provider and with the floor provider (same schema,
Read returns the state untouched); CPU: all provider processes of the refresh plan; CPU/svc: the
process that served the reads, per service; extra/svc: the same minus the floor's; peak: highest
VmHWM of those processes; destroy returns / tasks gone vs swarm rm: when terraform destroy returned
and when no task of the services was left, vs removing through the API until no task is left (the
ratio is of the times until no task is left); floor destroy: terraform destroy of the same state
with the floor provider, whose delete removes nothing (what Terraform and the framework cost); calls/svc: Engine calls per refreshed service; tf_data: N terraform_data.
`)
	return b.String()
}

// breakdown prints the calls of a snapshot by method and path, the busiest first.
func breakdown(s callcount.Snapshot) string {
	keys := make([]string, 0, len(s.Calls))
	for k := range s.Calls {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if s.Calls[keys[i]] != s.Calls[keys[j]] {
			return s.Calls[keys[i]] > s.Calls[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, s.Calls[k])
	}
	return fmt.Sprintf("%d in all; %s", s.Total, strings.Join(parts, ", "))
}

// medians sums up rounds of the same sizes: for each N, the median of each ratio over its rows,
// with every row's value after it.
func medians(rows []row) string {
	var sizes []int
	byN := map[int][]row{}
	for _, r := range rows {
		if _, ok := byN[r.N]; !ok {
			sizes = append(sizes, r.N)
		}
		byN[r.N] = append(byN[r.N], r)
	}
	ratios := []struct {
		name string
		a, b func(row) time.Duration
	}{
		{"apply/swarm run", func(r row) time.Duration { return r.Apply }, func(r row) time.Duration { return r.OwnRun }},
		{"apply/swarm run at -p", func(r row) time.Duration { return r.Apply }, func(r row) time.Duration { return r.OwnRunAt }},
		{"refresh/floor", func(r row) time.Duration { return r.Refresh }, func(r row) time.Duration { return r.FloorRefresh }},
		{"destroy returns/swarm rm", func(r row) time.Duration { return r.DestroyCmd }, func(r row) time.Duration { return r.OwnRemoval }},
		{"tasks gone/swarm rm", func(r row) time.Duration { return r.Destroy }, func(r row) time.Duration { return r.OwnRemoval }},
	}
	var b strings.Builder
	b.WriteString("medians over the rounds (each round's ratio in brackets, in order):\n")
	for _, n := range sizes {
		parts := make([]string, 0, len(ratios))
		for _, q := range ratios {
			var vals []float64
			for _, r := range byN[n] {
				if q.b(r) > 0 {
					vals = append(vals, q.a(r).Seconds()/q.b(r).Seconds())
				}
			}
			if len(vals) == 0 {
				continue
			}
			each := make([]string, len(vals))
			for i, v := range vals {
				each[i] = fmt.Sprintf("%.2f", v)
			}
			parts = append(parts, fmt.Sprintf("%s %.2f [%s]", q.name, median(vals), strings.Join(each, " ")))
		}
		fmt.Fprintf(&b, "  N=%d: %s\n", n, strings.Join(parts, "; "))
	}
	return b.String()
}

// median of vals (the mean of the middle two for an even count); vals is not changed.
func median(vals []float64) float64 {
	s := append([]float64(nil), vals...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 0 {
		return (s[m-1] + s[m]) / 2
	}
	return s[m]
}
