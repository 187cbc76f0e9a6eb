package swarm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/testbed/bedenv"
)

// These tests create services through the Engine API on the local test bed (TF_ACC=1) to check
// the waiters against a real Swarm. Names start with "tfacc-conv-". The test image comes from the
// bed's registry, with its credentials (internal/testbed/bedenv).

// accRegistry is the bed's registry (registry.env), read once; accClient fails without it.
var accRegistry, accRegistryErr = bedenv.ReadRegistry()

func accClient(t *testing.T) (*Client, API) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to run against the local swarm")
	}
	if accRegistryErr != nil {
		t.Fatal(accRegistryErr)
	}
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	api, err := c.Manager(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return c, api
}

func accName(t *testing.T) string {
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "tfacc-conv-" + hex.EncodeToString(b)
}

func u64(v uint64) *uint64 { return &v }

func dur(d time.Duration) *time.Duration { return &d }

// accSpec is a service of the test image; change it before creating.
func accSpec(name string, env ...string) swarm.ServiceSpec {
	return swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: name},
		Mode:        swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: u64(1)}},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: &swarm.ContainerSpec{Image: accRegistry.Image("v1"), Env: env},
			RestartPolicy: &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionAny, Delay: dur(time.Second)},
		},
		EndpointSpec: &swarm.EndpointSpec{Mode: swarm.ResolutionModeDNSRR},
	}
}

// accAuth is the Engine's registry auth for the bed's registry.
func accAuth(t *testing.T) string {
	t.Helper()
	auth, err := accRegistry.AuthHeader()
	if err != nil {
		t.Fatal(err)
	}
	return auth
}

// accCreate creates the service with the registry's credentials and removes it (waiting for its tasks) when the test ends.
func accCreate(t *testing.T, c *Client, api API, spec swarm.ServiceSpec) string {
	t.Helper()
	res, err := api.ServiceCreate(context.Background(), client.ServiceCreateOptions{Spec: spec, EncodedRegistryAuth: accAuth(t)})
	if err != nil {
		t.Fatalf("creating %s: %v", spec.Name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := api.ServiceRemove(ctx, res.ID, client.ServiceRemoveOptions{}); err != nil {
			t.Errorf("removing %s: %v", spec.Name, err)
			return
		}
		if err := c.WaitServiceRemoved(ctx, res.ID); err != nil {
			t.Errorf("waiting for %s to go: %v", spec.Name, err)
		}
	})
	return res.ID
}

// accWait waits (two minutes at most) for service id to converge, logging the progress, and
// returns how long it took and the result.
func accWait(t *testing.T, c *Client, id string, opts ConvergeOptions) (time.Duration, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	opts.Interval = 250 * time.Millisecond
	opts.Progress = func(s string, fields map[string]any) { t.Log(s, fields) }
	start := time.Now()
	err := c.WaitConverged(ctx, id, opts)
	return time.Since(start), err
}

// wantConvergenceError checks that err is a *ConvergenceError, given up early (no Cause), whose
// text holds every want.
func wantConvergenceError(t *testing.T, err error, wants ...string) {
	t.Helper()
	ce := convergenceErrorOf(t, err)
	t.Logf("error:\n%s", err)
	if ce.Cause != nil {
		t.Errorf("want an early failure, the wait ran into its end: %v", ce.Cause)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not mention %q", w)
		}
	}
}

// convergenceErrorOf returns the *ConvergenceError in err, for checks of its fields; the test
// stops when there is none.
func convergenceErrorOf(t *testing.T, err error) *ConvergenceError {
	t.Helper()
	var ce *ConvergenceError
	if !errors.As(err, &ce) {
		t.Fatalf("want a *ConvergenceError, got %T: %v", err, err)
	}
	return ce
}

func TestAccWaitConverged_replicated(t *testing.T) {
	t.Parallel()
	c, api := accClient(t)
	spec := accSpec(accName(t))
	spec.Mode.Replicated.Replicas = u64(2)
	id := accCreate(t, c, api, spec)
	if took, err := accWait(t, c, id, ConvergeOptions{}); err != nil {
		t.Fatalf("after %s: %v", took, err)
	}
	tasks, err := api.TaskList(context.Background(), client.TaskListOptions{Filters: make(client.Filters).Add("service", id).Add("desired-state", "running")})
	if err != nil {
		t.Fatal(err)
	}
	running := 0
	for _, tk := range tasks.Items {
		if tk.Status.State == swarm.TaskStateRunning {
			running++
		}
	}
	if running != 2 {
		t.Errorf("converged with %d running tasks, want 2", running)
	}
}

func TestAccWaitConverged_unsatisfiableConstraint(t *testing.T) {
	t.Parallel()
	c, api := accClient(t)
	spec := accSpec(accName(t))
	spec.TaskTemplate.Placement = &swarm.Placement{Constraints: []string{"node.labels.tfacc_conv_nope == yes"}}
	id := accCreate(t, c, api, spec)
	took, err := accWait(t, c, id, ConvergeOptions{})
	wantConvergenceError(t, err, "no suitable node", "pending", "0 of 1 tasks running")
	if took > 25*time.Second {
		t.Errorf("took %s to give up, want about the 10s grace", took)
	}
}

func TestAccWaitConverged_missingImage(t *testing.T) {
	t.Parallel()
	c, api := accClient(t)
	spec := accSpec(accName(t))
	spec.TaskTemplate.ContainerSpec.Image = "tfacc/nope:1"
	id := accCreate(t, c, api, spec)
	took, err := accWait(t, c, id, ConvergeOptions{})
	wantConvergenceError(t, err, "No such image: tfacc/nope:1", "rejected", "3 failed attempts in a row")
	ce := convergenceErrorOf(t, err)
	if len(ce.Tasks) != 1 || ce.Tasks[0].Node == "" {
		t.Errorf("want one task problem with its node's hostname, got %+v", ce.Tasks)
	}
	t.Logf("gave up after %s", took)
}

func TestAccWaitConverged_unhealthy(t *testing.T) {
	t.Parallel()
	c, api := accClient(t)
	spec := accSpec(accName(t), "TESTAPP_MODE=unhealthy")
	spec.TaskTemplate.ContainerSpec.Healthcheck = &container.HealthConfig{
		Test: []string{"CMD", "/testapp", "health"}, Interval: time.Second, Timeout: time.Second, Retries: 2,
	}
	id := accCreate(t, c, api, spec)
	_, err := accWait(t, c, id, ConvergeOptions{})
	wantConvergenceError(t, err, "unhealthy")
}

// A health check keeps a task "starting" until it is healthy, so a slow start is waited for.
func TestAccWaitConverged_slowHealthy(t *testing.T) {
	t.Parallel()
	c, api := accClient(t)
	spec := accSpec(accName(t), "TESTAPP_START_DELAY=6s")
	spec.TaskTemplate.ContainerSpec.Healthcheck = &container.HealthConfig{
		Test: []string{"CMD", "/testapp", "health"}, Interval: time.Second, Timeout: time.Second, Retries: 30,
	}
	id := accCreate(t, c, api, spec)
	took, err := accWait(t, c, id, ConvergeOptions{})
	if err != nil {
		t.Fatalf("after %s: %v", took, err)
	}
	if took < 6*time.Second {
		t.Errorf("converged after %s, before the health check could pass (6s)", took)
	}
}

func TestAccWaitConverged_replicatedJob(t *testing.T) {
	t.Parallel()
	c, api := accClient(t)
	spec := accSpec(accName(t), "TESTAPP_EXIT_AFTER=1s")
	spec.Mode = swarm.ServiceMode{ReplicatedJob: &swarm.ReplicatedJob{MaxConcurrent: u64(2), TotalCompletions: u64(2)}}
	spec.TaskTemplate.RestartPolicy = &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionOnFailure, Delay: dur(time.Second)}
	spec.EndpointSpec = nil
	id := accCreate(t, c, api, spec)
	if took, err := accWait(t, c, id, ConvergeOptions{}); err != nil {
		t.Fatalf("after %s: %v", took, err)
	}
	res, err := api.ServiceInspect(context.Background(), id, client.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st := res.Service.ServiceStatus; st != nil && st.CompletedTasks < 2 {
		t.Errorf("Swarm counts %d completed tasks, want 2", st.CompletedTasks)
	}
}

func TestAccWaitConverged_failingJob(t *testing.T) {
	t.Parallel()
	c, api := accClient(t)
	spec := accSpec(accName(t), "TESTAPP_EXIT_AFTER=1s", "TESTAPP_EXIT_CODE=1")
	spec.Mode = swarm.ServiceMode{ReplicatedJob: &swarm.ReplicatedJob{MaxConcurrent: u64(1), TotalCompletions: u64(1)}}
	spec.TaskTemplate.RestartPolicy = &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionOnFailure, Delay: dur(time.Second)}
	spec.EndpointSpec = nil
	id := accCreate(t, c, api, spec)
	_, err := accWait(t, c, id, ConvergeOptions{})
	wantConvergenceError(t, err, "non-zero exit (1)", "0 of 1 tasks completed")
}

func TestAccWaitConverged_global(t *testing.T) {
	t.Parallel()
	c, api := accClient(t)
	spec := accSpec(accName(t))
	spec.Mode = swarm.ServiceMode{Global: &swarm.GlobalService{}}
	id := accCreate(t, c, api, spec)
	took, err := accWait(t, c, id, ConvergeOptions{})
	if err != nil {
		t.Fatalf("after %s: %v", took, err)
	}
	nodes, err := api.NodeList(context.Background(), client.NodeListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := api.TaskList(context.Background(), client.TaskListOptions{Filters: make(client.Filters).Add("service", id).Add("desired-state", "running")})
	if err != nil {
		t.Fatal(err)
	}
	runningOn := map[string]bool{}
	for _, tk := range tasks.Items {
		if tk.Status.State == swarm.TaskStateRunning {
			runningOn[tk.NodeID] = true
		}
	}
	for _, n := range nodes.Items {
		if n.Status.State == swarm.NodeStateReady && n.Spec.Availability == swarm.NodeAvailabilityActive && !runningOn[n.ID] {
			t.Errorf("converged, but node %s runs no task", n.Description.Hostname)
		}
	}
}

func TestAccWaitConverged_globalConstraint(t *testing.T) {
	t.Parallel()
	c, api := accClient(t)
	spec := accSpec(accName(t))
	spec.Mode = swarm.ServiceMode{Global: &swarm.GlobalService{}}
	spec.TaskTemplate.Placement = &swarm.Placement{Constraints: []string{"node.role==worker"}}
	id := accCreate(t, c, api, spec)
	if took, err := accWait(t, c, id, ConvergeOptions{}); err != nil {
		t.Fatalf("after %s: %v", took, err)
	}
}

func TestAccWaitConverged_rollback(t *testing.T) {
	t.Parallel()
	c, api := accClient(t)
	spec := accSpec(accName(t))
	spec.UpdateConfig = &swarm.UpdateConfig{Parallelism: 1, FailureAction: swarm.UpdateFailureActionRollback, Monitor: 5 * time.Second}
	id := accCreate(t, c, api, spec)
	if took, err := accWait(t, c, id, ConvergeOptions{}); err != nil {
		t.Fatalf("create, after %s: %v", took, err)
	}
	ctx := context.Background()
	cur, err := api.ServiceInspect(ctx, id, client.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	next := cur.Service.Spec
	next.TaskTemplate.ContainerSpec.Image = "tfacc/nope:1"
	if _, err := api.ServiceUpdate(ctx, id, client.ServiceUpdateOptions{Version: cur.Service.Version, Spec: next}); err != nil {
		t.Fatal(err)
	}
	_, err = accWait(t, c, id, ConvergeOptions{PreviousVersion: cur.Service.Version.Index})
	// Swarm's own words for the cause ("update rolled back due to failure or early termination of
	// task …") live in UpdateStatus only while the rollback runs; once it has completed they read
	// "rollback completed". Which of the two a poll sees depends on timing, so the cause is
	// asserted through the failed task's own error, which the error always lists.
	wantConvergenceError(t, err, "rolled back the update")
	ce := convergenceErrorOf(t, err)
	if !ce.RolledBack {
		t.Error("RolledBack is false")
	}
	if !strings.Contains(err.Error(), "No such image: tfacc/nope:1") {
		t.Error("the error does not name the failed task's own error")
	}
}

// An update paused by Swarm (the default failure action) fails at once with Swarm's message.
func TestAccWaitConverged_paused(t *testing.T) {
	t.Parallel()
	c, api := accClient(t)
	spec := accSpec(accName(t))
	spec.UpdateConfig = &swarm.UpdateConfig{Parallelism: 1, FailureAction: swarm.UpdateFailureActionPause, Monitor: 5 * time.Second}
	id := accCreate(t, c, api, spec)
	if took, err := accWait(t, c, id, ConvergeOptions{}); err != nil {
		t.Fatalf("create, after %s: %v", took, err)
	}
	ctx := context.Background()
	cur, err := api.ServiceInspect(ctx, id, client.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	next := cur.Service.Spec
	next.TaskTemplate.ContainerSpec.Image = "tfacc/nope:1"
	if _, err := api.ServiceUpdate(ctx, id, client.ServiceUpdateOptions{Version: cur.Service.Version, Spec: next}); err != nil {
		t.Fatal(err)
	}
	_, err = accWait(t, c, id, ConvergeOptions{PreviousVersion: cur.Service.Version.Index})
	wantConvergenceError(t, err, "No such image: tfacc/nope:1")
}

func TestAccWaitServiceRemoved(t *testing.T) {
	t.Parallel()
	c, api := accClient(t)
	spec := accSpec(accName(t))
	spec.Mode.Replicated.Replicas = u64(3)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := api.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: spec, EncodedRegistryAuth: accAuth(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitConverged(ctx, res.ID, ConvergeOptions{Interval: 250 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.ServiceRemove(ctx, res.ID, client.ServiceRemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitServiceRemoved(ctx, res.ID); err != nil {
		t.Fatal(err)
	}
	all, err := api.TaskList(ctx, client.TaskListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range all.Items {
		if tk.ServiceID == res.ID {
			t.Errorf("task %s of the removed service is still listed (%s)", tk.ID, tk.Status.State)
		}
	}
}
