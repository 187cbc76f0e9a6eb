package provider

// Faults on the test bed: engines stopped in the middle of an apply, a worker lost during a
// rolling update, quorum lost, SIGINT while waiting for convergence; and no secret in the trace
// logs of these runs. The tests that stop engines do it on the bed's fault swarm (fm1-fm3
// managers, fw1 worker: a swarm of its own, testbed README), never on the host's swarm that
// every other test uses; each one leaves the fault swarm healthy again (all managers reachable,
// a leader) before it ends, and finds it so when it begins. None of them is parallel (they share
// the fault swarm), so they run in the suite's sequential phase.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// testAccFaultServicesConfig is several services pinned to one node, created in parallel.
var testAccFaultServicesConfig = testAccBedLocals + `
variable "hosts" { type = list(string) }
variable "prefix" { type = string }
variable "pin" { type = string }

provider "swarm" {
  hosts = var.hosts` + testAccBedDockerConfig + `}

resource "swarm_service" "svc" {
  count = 4
  name  = "${var.prefix}-${count.index}"

  mode {
    replicated {
      replicas = 1
    }
  }
  task_template {
    container_spec {
      image = local.testapp_v1
    }
    placement {
      constraints = ["node.hostname == ${var.pin}"]
    }
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}
`

// testbedFaultNodesFile lists the fault swarm's engines, in the node list's format, its first
// manager first (bedswarm writes it).
const testbedFaultNodesFile = "/run/tfswarm-testbed/fault-nodes"

// testAccFaultBed is the fault swarm: Lead is its first manager, which the tests never stop (they
// pin tasks to it and check through it); M2 and M3 are the managers they stop.
type testAccFaultBed struct {
	Lead, M2, M3, Worker testbedNode
}

// testAccFaultSwarm returns the fault swarm, healthy: one that a test before could not bring back
// is restored first. When the test ends, the swarm is brought back (engines restarted, members
// re-joined, quorum restored) and checked.
func testAccFaultSwarm(t *testing.T) testAccFaultBed {
	t.Helper()
	var f testAccFaultBed
	for _, n := range testAccNodesIn(t, testbedFaultNodesFile, "") {
		switch {
		case n.Role == "worker":
			f.Worker = n
		case f.Lead.Name == "":
			f.Lead = n
		case f.M2.Name == "":
			f.M2 = n
		default:
			f.M3 = n
		}
	}
	if f.M3.Name == "" || f.Worker.Name == "" {
		t.Fatalf("the test bed has no fault swarm of 3 managers and a worker (%s): run `make testbed` (TESTBED_FAULT=1)", testbedFaultNodesFile)
	}
	if err := testAccFaultSwarmHealthy(f); err != nil {
		t.Logf("the fault swarm is not healthy (%v): restoring it", err)
		testAccRestoreFaultSwarm(t, f)
	}
	t.Cleanup(func() { testAccRestoreFaultSwarm(t, f) })
	return f
}

// testAccFaultSwarmHealthy checks that every engine of the fault swarm answers and, through the
// lead, that every node is ready and active, every manager reachable, and one of them the leader.
// (An engine stopped a moment ago may still be listed as ready.)
func testAccFaultSwarmHealthy(f testAccFaultBed) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, n := range []testbedNode{f.Lead, f.M2, f.M3, f.Worker} {
		c, err := swarmNewAt(n.Host)
		if err != nil {
			return err
		}
		_, err = c.Engine(ctx)
		_ = c.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", n.Name, err)
		}
	}
	c, err := swarmNewAt(f.Lead.Host)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	nodes, err := c.ListNodes(ctx)
	if err != nil {
		return err
	}
	leaders, managers := 0, 0
	for _, n := range nodes {
		if n.Status.State != apiswarm.NodeStateReady || n.Spec.Availability != apiswarm.NodeAvailabilityActive {
			return fmt.Errorf("node %s is %s, %s", n.Description.Hostname, n.Status.State, n.Spec.Availability)
		}
		if m := n.ManagerStatus; m != nil {
			managers++
			if m.Leader {
				leaders++
			}
			if m.Reachability != apiswarm.ReachabilityReachable {
				return fmt.Errorf("manager %s is %s", n.Description.Hostname, m.Reachability)
			}
		}
	}
	if len(nodes) != 4 || managers != 3 || leaders != 1 {
		return fmt.Errorf("%d nodes, %d managers, %d leaders; want 4, 3, 1", len(nodes), managers, leaders)
	}
	return nil
}

// testAccRestoreFaultSwarm brings the fault swarm back, unless it is healthy: the bed's own
// repair, for the fault swarm only (TESTBED_ONLY=fault testbed.sh up restarts its dead engines,
// re-joins its members, and restores a lost quorum), then waits until it is healthy (3 minutes
// at most: managers that come back together hold an election first).
func testAccRestoreFaultSwarm(t *testing.T, f testAccFaultBed) {
	t.Helper()
	if testAccFaultSwarmHealthy(f) == nil {
		return
	}
	start := time.Now()
	if err := testAccFaultSwarmUp(); err != nil {
		t.Errorf("restoring the fault swarm: %v", err)
		return
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		err := testAccFaultSwarmHealthy(f)
		if err == nil {
			t.Logf("the fault swarm is healthy again after %s", time.Since(start).Round(time.Second))
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("the fault swarm is not healthy after restoring it: %v", err)
			return
		}
		time.Sleep(time.Second)
	}
}

// testAccFaultSwarmUp runs the bed's repair for the fault swarm only: it restarts the fault
// swarm's dead engines and brings them back into it, and touches nothing else of the bed.
func testAccFaultSwarmUp() error {
	cmd := exec.Command("bash", "../testbed/testbed.sh", "up")
	cmd.Env = append(os.Environ(), "TESTBED_ONLY=fault", "TESTBED_FAULT=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

// swarmNewAt is a client of the engine at host, closed by the caller.
func swarmNewAt(host string) (*swarm.Client, error) {
	return swarm.New(swarm.Config{Endpoints: []swarm.Endpoint{{Host: host}}})
}

// testAccEnginePID reads a bed engine's dockerd pid.
func testAccEnginePID(name string) (int, error) {
	raw, err := os.ReadFile("/run/tfswarm-testbed/" + name + ".pid")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(raw)))
}

// testAccStopEngineAsync stops an engine from another goroutine (no t.Fatal there): SIGTERM,
// then SIGKILL after 30 s.
func testAccStopEngineAsync(name string) error {
	pid, err := testAccEnginePID(name)
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

// testAccServicesByPrefix lists the services whose names start with prefix on the swarm of the
// engine at host: name → ID.
func testAccServicesByPrefix(host, prefix string) (map[string]string, error) {
	c, err := swarmNewAt(host)
	if err != nil {
		return nil, err
	}
	defer func() { _ = c.Close() }()
	api, err := c.Manager(context.Background())
	if err != nil {
		return nil, err
	}
	res, err := api.ServiceList(context.Background(), client.ServiceListOptions{Filters: make(client.Filters).Add("name", prefix)})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, s := range res.Items {
		if strings.HasPrefix(s.Spec.Name, prefix) {
			out[s.Spec.Name] = s.ID
		}
	}
	return out, nil
}

// testAccWhenServiceAppears runs do once a service named with prefix exists on the swarm of the
// engine at host (polling every 100 ms for at most a minute), in the background; the returned
// channel gives do's error.
func testAccWhenServiceAppears(host, prefix string, do func() error) <-chan error {
	done := make(chan error, 1)
	go func() {
		deadline := time.Now().Add(time.Minute)
		for time.Now().Before(deadline) {
			if svcs, err := testAccServicesByPrefix(host, prefix); err == nil && len(svcs) > 0 {
				done <- do()
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		done <- fmt.Errorf("no service %s* appeared", prefix)
	}()
	return done
}

// testAccCheckStateMatchesSwarm checks that exactly the services of the state with the prefix
// exist on the swarm of the engine at host, with the IDs the state holds: no duplicate, no orphan.
func testAccCheckStateMatchesSwarm(host, prefix string, want int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		live, err := testAccServicesByPrefix(host, prefix)
		if err != nil {
			return err
		}
		inState := map[string]string{}
		for _, r := range s.RootModule().Resources {
			if r.Type == "swarm_service" {
				inState[r.Primary.Attributes["name"]] = r.Primary.ID
			}
		}
		if len(inState) != want || len(live) != want {
			return fmt.Errorf("%d services in state, %d on the swarm, want %d each: state %v, swarm %v", len(inState), len(live), want, inState, live)
		}
		for name, id := range inState {
			if live[name] != id {
				return fmt.Errorf("service %s: state has ID %s, the swarm %q", name, id, live[name])
			}
		}
		return nil
	}
}

// TestAccFaults_managerKilledMidApply: with hosts listing three managers, the first one's engine
// stops while several services are being created; the apply completes through another manager,
// and the state matches the swarm.
func TestAccFaults_managerKilledMidApply(t *testing.T) {
	f := testAccFaultSwarm(t)
	prefix := acctest.RandomWithPrefix("tfacc-fault-mgr")
	vars := config.Variables{
		"hosts":  config.ListVariable(config.StringVariable(f.M2.Host), config.StringVariable(f.M3.Host), config.StringVariable(f.Lead.Host)),
		"prefix": config.StringVariable(prefix),
		"pin":    config.StringVariable(f.Lead.Name),
	}
	var stopped <-chan error
	t.Cleanup(func() {
		if stopped != nil {
			if err := <-stopped; err != nil {
				t.Errorf("stopping %s: %v", f.M2.Name, err)
			}
		}
	})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckNoServicesByPrefix(f.Lead.Host, prefix),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					stopped = testAccWhenServiceAppears(f.Lead.Host, prefix, func() error { return testAccStopEngineAsync(f.M2.Name) })
				},
				Config:          testAccFaultServicesConfig,
				ConfigVariables: vars,
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckStateMatchesSwarm(f.Lead.Host, prefix, 4),
					func(*terraform.State) error {
						if err := <-stopped; err != nil {
							return fmt.Errorf("stopping %s: %w", f.M2.Name, err)
						}
						stopped = nil
						return testAccCheckNodeState(f.Lead.Host, f.M2.Name, apiswarm.NodeStateDown)(nil)
					},
				),
			},
			{
				// Back: the same configuration plans nothing.
				PreConfig:       func() { testAccRestoreFaultSwarm(t, f) },
				Config:          testAccFaultServicesConfig,
				ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}

// testAccCheckNoServicesByPrefix is a CheckDestroy: no service with the prefix is left on the swarm
// of the engine at host.
func testAccCheckNoServicesByPrefix(host, prefix string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		live, err := testAccServicesByPrefix(host, prefix)
		if err != nil {
			return err
		}
		if len(live) > 0 {
			return fmt.Errorf("services left: %v", live)
		}
		return nil
	}
}

// TestAccFaults_engineRestartedMidCreate: the provider's only engine is restarted while services
// are being created. The apply finishes, or fails with an error that names the engine; the next
// apply converges with no duplicate and no orphan (a service whose create answer was lost is
// adopted by name). Driven through the CLI, since either outcome of the first apply is right.
func TestAccFaults_engineRestartedMidCreate(t *testing.T) {
	f := testAccFaultSwarm(t)
	prefix := acctest.RandomWithPrefix("tfacc-fault-rst")
	tf := newTerraformCLI(t, testAccCLIProviderBlock+testAccFaultServicesConfig)
	tfVars := []string{"-var", fmt.Sprintf(`hosts=["%s"]`, f.M2.Host), "-var", "prefix=" + prefix, "-var", "pin=" + f.Lead.Name}
	t.Cleanup(func() {
		// The engine back first (testAccFaultSwarm's own clean-up runs after this one).
		testAccRestoreFaultSwarm(t, f)
		if code, out := tf.run(append([]string{"destroy", "-auto-approve"}, tfVars...)...); code != 0 {
			t.Errorf("destroy exited %d:\n%s", code, out)
		}
	})
	// Stop the engine once the first service exists, then bring it back at once.
	bounce := testAccWhenServiceAppears(f.Lead.Host, prefix, func() error {
		if err := testAccStopEngineAsync(f.M2.Name); err != nil {
			return err
		}
		if err := testAccFaultSwarmUp(); err != nil {
			return err
		}
		return testAccWaitNodeReady(f.Lead.Host, f.M2.Name, 2*time.Minute)
	})
	code, out := tf.run(append([]string{"apply", "-auto-approve"}, tfVars...)...)
	if err := <-bounce; err != nil {
		t.Fatalf("restarting %s: %v", f.M2.Name, err)
	}
	t.Logf("first apply exited %d", code)
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "Error") || strings.Contains(line, "cannot reach") || strings.Contains(line, "adopted") {
			t.Logf("  %s", strings.TrimSpace(line))
		}
	}
	if code != 0 && !regexp.MustCompile(`cannot reach the Docker Engine at `+regexp.QuoteMeta(f.M2.Host)).MatchString(out) {
		t.Fatalf("the first apply failed without saying which engine it lost:\n%s", out)
	}
	tf.mustRun(append([]string{"apply", "-auto-approve"}, tfVars...)...)
	live, err := testAccServicesByPrefix(f.Lead.Host, prefix)
	if err != nil {
		t.Fatal(err)
	}
	list := tf.mustRun("state", "list")
	if len(live) != 4 || strings.Count(list, "swarm_service.svc[") != 4 {
		t.Fatalf("after the second apply: %d services on the swarm (%v), state:\n%s", len(live), live, list)
	}
	if code, out := tf.run(append([]string{"plan", "-detailed-exitcode"}, tfVars...)...); code != 0 {
		t.Fatalf("plan after convergence exited %d (want no changes):\n%s", code, out)
	}
}

// testAccCLIProviderBlock names the provider's source for the CLI runs.
const testAccCLIProviderBlock = `
terraform {
  required_providers {
    swarm = { source = "tfswarm/swarm" }
  }
}
`

var testAccFaultWorkerConfig = testAccBedLocals + `
variable "hosts" { type = list(string) }
variable "image" { type = string }
variable "name" { type = string }
variable "greeting" { type = string }

provider "swarm" {
  hosts = var.hosts` + testAccBedDockerConfig + `}

resource "swarm_service" "test" {
  name = var.name

  mode {
    replicated {
      replicas = 2
    }
  }
  task_template {
    container_spec {
      image = var.image
      env   = { GREETING = var.greeting }
    }
    placement {
      constraints = ["node.role == worker"]
    }
  }
  update_config {
    parallelism = 1
    delay       = "3s"
  }
  endpoint_spec {
    mode = "dnsrr"
  }
  timeouts {
    update = "2m"
  }
}
`

// TestAccFaults_workerLostDuringUpdate: the worker that runs the tasks is lost in the middle of a
// rolling update; the convergence error names it; once it is back, an apply converges.
func TestAccFaults_workerLostDuringUpdate(t *testing.T) {
	f := testAccFaultSwarm(t)
	w := f.Worker
	name := acctest.RandomWithPrefix("tfacc-fault-wrk")
	vars := func(image, greeting string) config.Variables {
		return config.Variables{
			"hosts": config.ListVariable(config.StringVariable(f.Lead.Host)),
			"image": config.StringVariable(image), "name": config.StringVariable(name), "greeting": config.StringVariable(greeting),
		}
	}
	var stopped <-chan error
	t.Cleanup(func() {
		if stopped != nil {
			if err := <-stopped; err != nil {
				t.Logf("stopping %s: %v", w.Name, err)
			}
		}
	})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceGoneAt(f.Lead.Host, name),
		Steps: []resource.TestStep{
			{Config: testAccFaultWorkerConfig, ConfigVariables: vars(testAccImageV1, "one")},
			{
				// The worker stops once the update has begun.
				PreConfig: func() {
					stopped = testAccWhenServiceUpdating(f.Lead.Host, name, func() error { return testAccStopEngineAsync(w.Name) })
				},
				Config:          testAccFaultWorkerConfig,
				ConfigVariables: vars(testAccImageV2, "one"),
				ExpectError:     regexp.MustCompile(`(?s)did not converge.*node\(s\) ` + regexp.QuoteMeta(w.Name) + ` down`),
			},
			{
				PreConfig: func() {
					if err := <-stopped; err != nil {
						t.Fatalf("stopping %s: %v", w.Name, err)
					}
					stopped = nil
					testAccRestoreFaultSwarm(t, f)
				},
				Config:          testAccFaultWorkerConfig,
				ConfigVariables: vars(testAccImageV2, "two"),
				Check:           testAccCheckServiceEnvAt(f.Lead.Host, name, "GREETING=two"),
			},
		},
	})
}

// testAccWhenServiceUpdating runs do in the background once the service's update is under way, as
// the engine at host sees it.
func testAccWhenServiceUpdating(host, name string, do func() error) <-chan error {
	done := make(chan error, 1)
	go func() {
		c, err := swarmNewAt(host)
		if err != nil {
			done <- err
			return
		}
		defer func() { _ = c.Close() }()
		deadline := time.Now().Add(time.Minute)
		for time.Now().Before(deadline) {
			if svc, err := c.InspectService(context.Background(), name); err == nil && svc.UpdateStatus != nil && svc.UpdateStatus.State == apiswarm.UpdateStateUpdating {
				done <- do()
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		done <- fmt.Errorf("the update of %s never started", name)
	}()
	return done
}

// TestAccFaults_quorumLost: with two of three managers down, an apply fails with an error that
// names the cause (the quorum lost, and the managers that are missing) and leaves the state as it
// was; once they are back, the apply succeeds.
func TestAccFaults_quorumLost(t *testing.T) {
	f := testAccFaultSwarm(t)
	name := acctest.RandomWithPrefix("tfacc-fault-qrm")
	vars := func(greeting string) config.Variables {
		return config.Variables{
			"hosts":    config.ListVariable(config.StringVariable(f.Lead.Host)),
			"name":     config.StringVariable(name),
			"greeting": config.StringVariable(greeting),
			"pin":      config.StringVariable(f.Lead.Name),
		}
	}
	// The error names both managers that are down, by their swarm addresses (sorted), whether the
	// swarm's node list or the provider's own look at their swarm ports found them.
	wantErr := regexp.MustCompile(`(?s)lost\s+its\s+quorum,\s+1\s+of\s+3\s+managers\s+reachable.*` +
		regexp.QuoteMeta(f.M2.Addr+":2377") + `.*` + regexp.QuoteMeta(f.M3.Addr+":2377"))
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceGoneAt(f.Lead.Host, name),
		Steps: []resource.TestStep{
			{Config: testAccFailoverConfig, ConfigVariables: vars("one")},
			{
				PreConfig: func() {
					for _, m := range []testbedNode{f.M2, f.M3} {
						if err := testAccStopEngineAsync(m.Name); err != nil {
							t.Fatalf("stopping %s: %v", m.Name, err)
						}
					}
				},
				Config:          testAccFailoverConfig,
				ConfigVariables: vars("two"),
				ExpectError:     wantErr,
			},
			{
				// Back: the state still held "one". The refused update is either lost (the plan
				// updates again) or, as Raft allows, committed once the managers are back (the
				// leader had logged it before the deadline): then the refresh finds "two" and the
				// plan is empty. Either way the swarm ends with "two" and nothing else changes.
				PreConfig:       func() { testAccRestoreFaultSwarm(t, f) },
				Config:          testAccFailoverConfig,
				ConfigVariables: vars("two"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					testAccExpectUpdateOrNoop("swarm_service.test"),
				}},
				Check: testAccCheckServiceEnvAt(f.Lead.Host, name, "GREETING=two"),
			},
		},
	})
}

// testAccExpectUpdateOrNoop is a plan check: the resource at addr is updated in place or left
// alone (neither replaced, created nor destroyed).
type testAccExpectUpdateOrNoop string

func (addr testAccExpectUpdateOrNoop) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != string(addr) {
			continue
		}
		if !rc.Change.Actions.Update() && !rc.Change.Actions.NoOp() {
			resp.Error = fmt.Errorf("%s: planned %v, want an update in place or nothing", addr, rc.Change.Actions)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", addr)
}

var testAccFaultInterruptConfig = testAccBed + `
variable "name" { type = string }
variable "secret" {
  type      = string
  sensitive = true
}

resource "swarm_secret" "db" {
  name = "${var.name}-db"
  data = var.secret
}

resource "swarm_service" "slow" {
  name = var.name

  mode {
    replicated {
      replicas = 1
    }
  }
  task_template {
    container_spec {
      image = local.testapp_v1
      # Unhealthy for ten minutes, inside the health check's start period: the task stays
      # "starting" and the apply waits.
      env = { TESTAPP_START_DELAY = "10m" }
      healthcheck {
        test         = ["CMD", "/testapp", "health"]
        interval     = "1s"
        timeout      = "1s"
        retries      = 3
        start_period = "10m"
      }
      secrets {
        secret_id = swarm_secret.db.id
        file_name = "db"
      }
    }
  }
  endpoint_spec {
    mode = "dnsrr"
  }
  timeouts {
    create = "10m"
  }
}
`

// TestAccFaults_interruptWhileConverging sends SIGINT to terraform while it waits for a service
// to converge: terraform stops within seconds and the state records the secret and the service.
// The trace log of the run (provider included) holds neither the secret's value nor the swarm's
// join tokens.
func TestAccFaults_interruptWhileConverging(t *testing.T) {
	skipUnlessAcc(t)
	testAccPreCheck(t)
	name := acctest.RandomWithPrefix("tfacc-fault-int")
	secret := "s3cret-" + acctest.RandString(16)
	tf := newTerraformCLI(t, testAccCLIProviderBlock+testAccFaultInterruptConfig)
	logPath := filepath.Join(t.TempDir(), "trace.log")
	tf.env = append(tf.env, "TF_LOG=trace", "TF_LOG_PATH="+logPath, "TF_VAR_secret="+secret)
	tfVars := []string{"-var", "name=" + name}
	t.Cleanup(func() {
		if code, out := tf.run(append([]string{"destroy", "-auto-approve"}, tfVars...)...); code != 0 {
			t.Errorf("destroy exited %d:\n%s", code, out)
		}
	})

	cmd := exec.Command("terraform", append([]string{"apply", "-auto-approve", "-no-color"}, tfVars...)...)
	cmd.Dir, cmd.Env = tf.dir, tf.env
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	appeared := testAccWhenServiceAppears(swarm.DefaultHost, name, func() error { return nil })
	if err := <-appeared; err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("%v\n%s", err, out.String())
	}
	time.Sleep(2 * time.Second) // inside the wait for convergence
	sent := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		t.Logf("terraform: %v", err) // an interrupted apply exits non-zero; checked below
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("terraform did not stop within 30 s of SIGINT (%v):\n%s", <-waited, out.String())
	}
	took := time.Since(sent)
	t.Logf("terraform stopped %s after SIGINT", took.Round(100*time.Millisecond))
	if took > 15*time.Second {
		t.Errorf("terraform took %s to stop after SIGINT, want seconds", took)
	}
	if cmd.ProcessState.ExitCode() == 0 {
		t.Errorf("the interrupted apply exited 0:\n%s", out.String())
	}
	list := tf.mustRun("state", "list")
	for _, addr := range []string{"swarm_secret.db", "swarm_service.slow"} {
		if !strings.Contains(list, addr) {
			t.Errorf("the state does not record %s, which exists:\n%s\napply output:\n%s", addr, list, out.String())
		}
	}
	testAccCheckLogHoldsNoSecrets(t, logPath, secret)
}

// testAccCheckLogHoldsNoSecrets greps a trace log for the secret value and the swarm's join
// tokens.
func testAccCheckLogHoldsNoSecrets(t *testing.T, logPath string, secrets ...string) {
	t.Helper()
	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) == 0 {
		t.Fatalf("the trace log %s is empty: the check would prove nothing", logPath)
	}
	c := testAccClient(t)
	api, err := c.Manager(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sw, err := api.SwarmInspect(context.Background(), client.SwarmInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	needles := append([]string{sw.Swarm.JoinTokens.Worker, sw.Swarm.JoinTokens.Manager}, secrets...)
	for _, n := range needles {
		if n != "" && strings.Contains(string(raw), n) {
			t.Errorf("the trace log (%d bytes) holds a secret value or join token (%.12s…)", len(raw), n)
		}
	}
	t.Logf("trace log: %d bytes, %d values looked for, none found", len(raw), len(needles))
}
