package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// testAccFreeEngines returns the test bed's engines that are in no swarm (at least n of them),
// their clients, and registers a cleanup that makes each leave any swarm, since CI reuses them.
func testAccFreeEngines(t *testing.T, n int) ([]testbedNode, []*swarm.Client) {
	t.Helper()
	nodes := testAccNodes(t, "free")
	if len(nodes) < n {
		t.Fatalf("the test bed has %d free engines, this test needs %d (TESTBED_FREE)", len(nodes), n)
	}
	nodes = nodes[:n]
	clients := make([]*swarm.Client, n)
	for i, node := range nodes {
		c, err := swarm.New(swarm.Config{Endpoints: []swarm.Endpoint{{Host: node.Host}}})
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = c
	}
	leaveAll := func() {
		// Workers first, the first manager last, so that nobody waits for a lost quorum.
		for i := len(clients) - 1; i >= 0; i-- {
			if err := clients[i].LeaveSwarm(context.Background(), true); err != nil {
				t.Logf("making %s leave its swarm: %v", nodes[i].Name, err)
			}
		}
	}
	for i, c := range clients {
		local, err := c.LocalNode(context.Background())
		if err != nil {
			t.Fatalf("free engine %s: %v", nodes[i].Name, err)
		}
		if local.LocalNodeState != apiswarm.LocalNodeStateInactive {
			t.Logf("free engine %s is in a swarm (%s) from an earlier run: leaving it", nodes[i].Name, local.LocalNodeState)
			leaveAll()
			break
		}
	}
	t.Cleanup(leaveAll)
	return nodes, clients
}

// engineCheck is a state check that asks the Engine (or reads the JSON state) instead of the
// legacy shimmed state, which terraform-plugin-testing cannot build while a for_each instance
// (a string index) is in the state.
type engineCheck func(*tfjson.State) error

func (f engineCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if err := f(req.State); err != nil {
		resp.Error = err
	}
}

// fromCheckFunc adapts a TestCheckFunc that does not look at the state.
func fromCheckFunc(f resource.TestCheckFunc) engineCheck {
	return func(*tfjson.State) error { return f(nil) }
}

// stateValues visits every attribute value of every resource in the JSON state.
func stateValues(s *tfjson.State, visit func(addr string, v any) error) error {
	if s == nil || s.Values == nil || s.Values.RootModule == nil {
		return nil
	}
	var walk func(addr string, v any) error
	walk = func(addr string, v any) error {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if err := walk(addr+"."+k, e); err != nil {
					return err
				}
			}
		case []any:
			for i, e := range x {
				if err := walk(fmt.Sprintf("%s[%d]", addr, i), e); err != nil {
					return err
				}
			}
		default:
			return visit(addr, v)
		}
		return nil
	}
	for _, r := range s.Values.RootModule.Resources {
		if err := walk(r.Address, r.AttributeValues); err != nil {
			return err
		}
	}
	return nil
}

// testAccCheckEnginesLeft is a CheckDestroy: every engine is in no swarm.
func testAccCheckEnginesLeft(clients []*swarm.Client, nodes []testbedNode) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for i, c := range clients {
			local, err := c.LocalNode(context.Background())
			if err != nil {
				return err
			}
			if local.LocalNodeState != apiswarm.LocalNodeStateInactive {
				return fmt.Errorf("engine %s is still in a swarm (%s)", nodes[i].Name, local.LocalNodeState)
			}
		}
		return nil
	}
}

// testAccCheckNoJoinToken fails when any attribute of any resource in the state holds a join
// token: the Engine's current ones, or anything that looks like one.
func testAccCheckNoJoinToken(c *swarm.Client) engineCheck {
	return func(s *tfjson.State) error {
		ctx := context.Background()
		_, worker, err := c.JoinToken(ctx, apiswarm.NodeRoleWorker)
		if err != nil {
			return err
		}
		_, manager, err := c.JoinToken(ctx, apiswarm.NodeRoleManager)
		if err != nil {
			return err
		}
		if worker == "" || manager == "" {
			return errors.New("the Engine gave no join token to look for")
		}
		return stateValues(s, func(addr string, v any) error {
			str, ok := v.(string)
			if ok && (strings.Contains(str, "SWMTKN-") || strings.Contains(str, worker) || strings.Contains(str, manager)) {
				return fmt.Errorf("%s holds a join token in the state", addr)
			}
			return nil
		})
	}
}

// testAccCheckServiceOnNode checks, through the swarm's manager, that the service's running task
// is on the node with that hostname.
func testAccCheckServiceOnNode(c *swarm.Client, name, hostname string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx := context.Background()
		api, err := c.Manager(ctx)
		if err != nil {
			return err
		}
		tasks, err := api.TaskList(ctx, client.TaskListOptions{Filters: make(client.Filters).Add("service", name).Add("desired-state", "running")})
		if err != nil {
			return err
		}
		running := 0
		for _, task := range tasks.Items {
			if task.Status.State != apiswarm.TaskStateRunning {
				continue
			}
			running++
			node, err := c.InspectNode(ctx, task.NodeID)
			if err != nil {
				return err
			}
			if node.Description.Hostname != hostname {
				return fmt.Errorf("the task of %s runs on %s, not %s", name, node.Description.Hostname, hostname)
			}
		}
		if running == 0 {
			return fmt.Errorf("no task of %s is running: %+v", name, tasks.Items)
		}
		return nil
	}
}

func testAccCheckNodeRole(c *swarm.Client, hostname string, want apiswarm.NodeRole) resource.TestCheckFunc {
	return func(*terraform.State) error {
		n, err := c.FindNode(context.Background(), hostname)
		if err != nil {
			return err
		}
		if n.Spec.Role != want {
			return fmt.Errorf("node %s has role %s, want %s", hostname, n.Spec.Role, want)
		}
		return nil
	}
}

var testAccClusterResourceConfig_lifecycle = testAccBedLocals + `
variable "host" { type = string }
variable "addr" { type = string }
variable "manager" { type = object({ host = string, addr = string }) }
variable "workers" { type = map(object({ host = string, addr = string })) }
variable "manager_role" { type = string }
variable "rotate_tokens" { type = string }
variable "autolock" { type = bool }
variable "rotate_unlock_key" { type = string }
variable "service_name" { type = string }

provider "swarm" {
  host = var.host` + testAccBedDockerConfig + `}

resource "swarm_cluster" "this" {
  advertise_addr               = var.addr
  default_addr_pool            = ["10.200.0.0/16"]
  subnet_size                  = 26
  labels                       = { env = "acc" }
  task_history_retention_limit = 3
  dispatcher_heartbeat_period  = "10s"
  autolock                     = var.autolock
  rotate_worker_token          = var.rotate_tokens
  rotate_manager_token         = var.rotate_tokens
  rotate_unlock_key            = var.rotate_unlock_key
}

ephemeral "swarm_join_token" "manager" {
  role       = "manager"
  cluster_id = swarm_cluster.this.id
}

ephemeral "swarm_join_token" "worker" {
  role       = "worker"
  cluster_id = swarm_cluster.this.id
}

resource "swarm_join" "manager" {
  engine {
    host = var.manager.host
  }
  remote_addrs   = ["${var.addr}:2377"]
  advertise_addr = var.manager.addr
  join_token_wo  = ephemeral.swarm_join_token.manager.token
  role           = var.manager_role
}

resource "swarm_join" "worker" {
  for_each = var.workers

  engine {
    host = each.value.host
  }
  remote_addrs   = ["${var.addr}:2377"]
  advertise_addr = each.value.addr
  join_token_wo  = ephemeral.swarm_join_token.worker.token
}

resource "swarm_node" "db" {
  for_each = swarm_join.worker

  node   = each.value.hostname
  labels = { db = "true" }
}

# The database of the seed platform: it can only run on the node labelled db=true.
resource "swarm_service" "db" {
  count = length(var.workers) > 0 ? 1 : 0

  name = var.service_name
  task_template {
    container_spec {
      image = local.testapp_v1
    }
    placement {
      constraints = ["node.labels.db == true"]
    }
  }
  endpoint_spec {
    mode = "dnsrr"
  }
  depends_on = [swarm_node.db]
}
`

// TestAccClusterResource_lifecycle creates a swarm on free engine A, joins B as manager and C as
// worker (through for_each), labels C, runs a constrained service on C, demotes and promotes B,
// rotates the tokens and the unlock key, and destroys it all.
func TestAccClusterResource_lifecycle(t *testing.T) {
	nodes, clients := testAccFreeEngines(t, 3)
	a, b, cNode := nodes[0], nodes[1], nodes[2]
	mgr := clients[0]
	workerAddr := fmt.Sprintf("swarm_join.worker[%q]", cNode.Name)
	nodeAddr := fmt.Sprintf("swarm_node.db[%q]", cNode.Name)
	vars := func(role, rotateTokens string, autolock bool, rotateUnlock string, withWorker bool) config.Variables {
		workers := map[string]config.Variable{}
		if withWorker {
			workers[cNode.Name] = config.ObjectVariable(map[string]config.Variable{
				"host": config.StringVariable(cNode.Host), "addr": config.StringVariable(cNode.Addr),
			})
		}
		return config.Variables{
			"host": config.StringVariable(a.Host),
			"addr": config.StringVariable(a.Addr),
			"manager": config.ObjectVariable(map[string]config.Variable{
				"host": config.StringVariable(b.Host), "addr": config.StringVariable(b.Addr),
			}),
			"workers":           config.MapVariable(workers),
			"manager_role":      config.StringVariable(role),
			"rotate_tokens":     config.StringVariable(rotateTokens),
			"autolock":          config.BoolVariable(autolock),
			"rotate_unlock_key": config.StringVariable(rotateUnlock),
			"service_name":      config.StringVariable("tfacc-db-" + cNode.Name),
		}
	}
	var tokens [2]string
	var unlockKey string
	recordTokens := func() {
		var err error
		if _, tokens[0], err = mgr.JoinToken(context.Background(), apiswarm.NodeRoleWorker); err != nil {
			t.Fatal(err)
		}
		if _, tokens[1], err = mgr.JoinToken(context.Background(), apiswarm.NodeRoleManager); err != nil {
			t.Fatal(err)
		}
	}
	tokensChanged := engineCheck(func(*tfjson.State) error {
		_, worker, err := mgr.JoinToken(context.Background(), apiswarm.NodeRoleWorker)
		if err != nil {
			return err
		}
		_, manager, err := mgr.JoinToken(context.Background(), apiswarm.NodeRoleManager)
		if err != nil {
			return err
		}
		if worker == tokens[0] || manager == tokens[1] {
			return errors.New("the join tokens did not change")
		}
		return nil
	})
	// While the for_each instance is in the state, only state checks (JSON state) are used: the
	// testing framework's legacy state shim rejects string indexes. Imports come at the end, after
	// the worker left through for_each.
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckEnginesLeft(clients, nodes),
		Steps: []resource.TestStep{
			{
				Config:          testAccClusterResourceConfig_lifecycle,
				ConfigVariables: vars("manager", "1", false, "1", true),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_cluster.this", tfjsonpath.New("id"), knownvalue.StringRegexp(regexpNonEmpty)),
					statecheck.ExpectKnownValue("swarm_cluster.this", tfjsonpath.New("labels"), knownvalue.MapExact(map[string]knownvalue.Check{"env": knownvalue.StringExact("acc")})),
					statecheck.ExpectKnownValue("swarm_cluster.this", tfjsonpath.New("default_addr_pool"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("10.200.0.0/16")})),
					statecheck.ExpectKnownValue("swarm_cluster.this", tfjsonpath.New("subnet_size"), knownvalue.Int64Exact(26)),
					statecheck.ExpectKnownValue("swarm_cluster.this", tfjsonpath.New("task_history_retention_limit"), knownvalue.Int64Exact(3)),
					statecheck.ExpectKnownValue("swarm_cluster.this", tfjsonpath.New("dispatcher_heartbeat_period"), knownvalue.StringExact("10s")),
					statecheck.ExpectKnownValue("swarm_cluster.this", tfjsonpath.New("autolock"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("swarm_cluster.this", tfjsonpath.New("unlock_key"), knownvalue.Null()),
					statecheck.ExpectKnownValue("swarm_join.manager", tfjsonpath.New("role"), knownvalue.StringExact("manager")),
					statecheck.ExpectKnownValue("swarm_join.manager", tfjsonpath.New("hostname"), knownvalue.StringExact(b.Name)),
					statecheck.ExpectKnownValue("swarm_join.manager", tfjsonpath.New("join_token_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(workerAddr, tfjsonpath.New("role"), knownvalue.StringExact("worker")),
					statecheck.ExpectKnownValue(workerAddr, tfjsonpath.New("hostname"), knownvalue.StringExact(cNode.Name)),
					statecheck.ExpectKnownValue(nodeAddr, tfjsonpath.New("labels"), knownvalue.MapExact(map[string]knownvalue.Check{"db": knownvalue.StringExact("true")})),
					fromCheckFunc(testAccCheckSwarmOnEngine(mgr, func(sw apiswarm.Swarm) error {
						if sw.Spec.Labels["env"] != "acc" || *sw.Spec.Orchestration.TaskHistoryRetentionLimit != 3 ||
							sw.Spec.Dispatcher.HeartbeatPeriod != 10*time.Second || sw.SubnetSize != 26 {
							return fmt.Errorf("the swarm's spec is not the configured one: %+v", sw.Spec)
						}
						return nil
					})),
					fromCheckFunc(testAccCheckNodeRole(mgr, a.Name, apiswarm.NodeRoleManager)),
					fromCheckFunc(testAccCheckNodeRole(mgr, b.Name, apiswarm.NodeRoleManager)),
					fromCheckFunc(testAccCheckNodeRole(mgr, cNode.Name, apiswarm.NodeRoleWorker)),
					testAccCheckNoJoinToken(mgr),
					fromCheckFunc(testAccCheckServiceOnNode(mgr, "tfacc-db-"+cNode.Name, cNode.Name)),
				},
			},
			{
				// Demote in place.
				Config:          testAccClusterResourceConfig_lifecycle,
				ConfigVariables: vars("worker", "1", false, "1", true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_join.manager", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_join.manager", tfjsonpath.New("role"), knownvalue.StringExact("worker")),
					fromCheckFunc(testAccCheckNodeRole(mgr, b.Name, apiswarm.NodeRoleWorker)),
				},
			},
			{
				// Promote in place, and rotate both join tokens.
				PreConfig:       recordTokens,
				Config:          testAccClusterResourceConfig_lifecycle,
				ConfigVariables: vars("manager", "2", false, "1", true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_join.manager", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("swarm_cluster.this", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					fromCheckFunc(testAccCheckNodeRole(mgr, b.Name, apiswarm.NodeRoleManager)),
					tokensChanged,
					testAccCheckNoJoinToken(mgr),
				},
			},
			{
				// Autolock on: the unlock key is in state and is the Engine's.
				Config:          testAccClusterResourceConfig_lifecycle,
				ConfigVariables: vars("manager", "2", true, "1", true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_cluster.this", plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue("swarm_cluster.this", tfjsonpath.New("unlock_key")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{testAccCheckUnlockKey(mgr, &unlockKey)},
			},
			{
				// Rotating the unlock key changes the Engine's key.
				Config:          testAccClusterResourceConfig_lifecycle,
				ConfigVariables: vars("manager", "2", true, "2", true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_cluster.this", plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue("swarm_cluster.this", tfjsonpath.New("unlock_key")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{testAccCheckUnlockKey(mgr, &unlockKey)},
			},
			{
				// The worker leaves through for_each: drained, left, removed.
				Config:          testAccClusterResourceConfig_lifecycle,
				ConfigVariables: vars("manager", "2", true, "2", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(workerAddr, plancheck.ResourceActionDestroy),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckEnginesLeft(clients[2:], nodes[2:]),
					func(*terraform.State) error {
						if _, err := mgr.FindNode(context.Background(), cNode.Name); !errors.Is(err, swarm.ErrNotFound) {
							return fmt.Errorf("node %s is still listed by the swarm (%v)", cNode.Name, err)
						}
						return nil
					},
				),
			},
			{
				Config:                  testAccClusterResourceConfig_lifecycle,
				ConfigVariables:         vars("manager", "2", true, "2", false),
				ResourceName:            "swarm_cluster.this",
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"advertise_addr", "rotate_worker_token", "rotate_manager_token", "rotate_unlock_key"},
			},
			{
				Config:                  testAccClusterResourceConfig_lifecycle,
				ConfigVariables:         vars("manager", "2", true, "2", false),
				ResourceName:            "swarm_join.manager",
				ImportState:             true,
				ImportStateId:           b.Name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"engine", "remote_addrs", "advertise_addr"},
			},
		},
	})
}

const testAccClusterResourceConfig_raft = `
variable "host" { type = string }
variable "addr" { type = string }
variable "snapshot_interval" {
  type    = number
  default = null # no raft block
}

provider "swarm" {
  host = var.host
}

resource "swarm_cluster" "this" {
  advertise_addr = var.addr
  dynamic "raft" {
    for_each = var.snapshot_interval == null ? [] : [var.snapshot_interval]
    content {
      snapshot_interval = raft.value
    }
  }
}
`

// TestAccClusterResource_raft: without a raft block the swarm has the Engine's defaults and the
// block stays null; a change made outside Terraform shows as drift and the apply restores the
// defaults; a written block is filled from the Engine, is imported (its values are not the
// defaults), and removing it restores the defaults.
func TestAccClusterResource_raft(t *testing.T) {
	nodes, clients := testAccFreeEngines(t, 1)
	n, c := nodes[0], clients[0]
	vars := func(snapshotInterval int) config.Variables {
		v := config.Variables{"host": config.StringVariable(n.Host), "addr": config.StringVariable(n.Addr)}
		if snapshotInterval > 0 {
			v["snapshot_interval"] = config.IntegerVariable(snapshotInterval)
		}
		return v
	}
	engineSnapshotInterval := func(want uint64) resource.TestCheckFunc {
		return testAccCheckSwarmOnEngine(c, func(sw apiswarm.Swarm) error {
			if sw.Spec.Raft.SnapshotInterval != want || sw.Spec.Raft.ElectionTick != 10 || sw.Spec.Raft.HeartbeatTick != 1 ||
				sw.Spec.Raft.LogEntriesForSlowFollowers != 500 {
				return fmt.Errorf("the swarm's raft settings are %+v, want the defaults with snapshot interval %d", sw.Spec.Raft, want)
			}
			return nil
		})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckEnginesLeft(clients, nodes),
		Steps: []resource.TestStep{
			{
				Config:          testAccClusterResourceConfig_raft,
				ConfigVariables: vars(0),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_cluster.this", tfjsonpath.New("raft"), knownvalue.Null()),
				},
				Check: engineSnapshotInterval(10000),
			},
			{
				PreConfig: func() {
					if err := c.UpdateSwarm(context.Background(), func(s *apiswarm.Spec) { s.Raft.SnapshotInterval = 5000 }, swarm.Rotation{}); err != nil {
						t.Fatal(err)
					}
				},
				RefreshState: true,
				RefreshPlanChecks: resource.RefreshPlanChecks{
					PostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction("swarm_cluster.this", plancheck.ResourceActionUpdate)},
				},
				ExpectNonEmptyPlan: true,
				Check:              resource.TestCheckResourceAttr("swarm_cluster.this", "raft.snapshot_interval", "5000"),
			},
			{
				Config:          testAccClusterResourceConfig_raft,
				ConfigVariables: vars(0),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_cluster.this", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_cluster.this", tfjsonpath.New("raft"), knownvalue.Null()),
				},
				Check: engineSnapshotInterval(10000),
			},
			{
				Config:          testAccClusterResourceConfig_raft,
				ConfigVariables: vars(20000),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_cluster.this", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_cluster.this", tfjsonpath.New("raft"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"snapshot_interval":              knownvalue.Int64Exact(20000),
						"keep_old_snapshots":             knownvalue.Int64Exact(0),
						"log_entries_for_slow_followers": knownvalue.Int64Exact(500),
						"heartbeat_tick":                 knownvalue.Int64Exact(1),
						"election_tick":                  knownvalue.Int64Exact(10),
					})),
				},
				Check: engineSnapshotInterval(20000),
			},
			{
				Config:                  testAccClusterResourceConfig_raft,
				ConfigVariables:         vars(20000),
				ResourceName:            "swarm_cluster.this",
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"advertise_addr"},
			},
			{
				Config:          testAccClusterResourceConfig_raft,
				ConfigVariables: vars(0),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_cluster.this", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_cluster.this", tfjsonpath.New("raft"), knownvalue.Null()),
				},
				Check: engineSnapshotInterval(10000),
			},
		},
	})
}

var regexpNonEmpty = regexp.MustCompile(`^.+$`)

// testAccCheckSwarmOnEngine runs check on the swarm as the Engine reports it.
func testAccCheckSwarmOnEngine(c *swarm.Client, check func(apiswarm.Swarm) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		sw, err := c.ReadSwarm(context.Background())
		if err != nil {
			return err
		}
		return check(sw)
	}
}

// testAccCheckUnlockKey checks that the state's unlock key is the Engine's, differs from *old
// (when set), and records it in *old.
func testAccCheckUnlockKey(c *swarm.Client, old *string) engineCheck {
	return func(s *tfjson.State) error {
		engineKey, err := c.UnlockKey(context.Background())
		if err != nil {
			return err
		}
		if engineKey == "" {
			return errors.New("the Engine has no unlock key")
		}
		var inState any
		for _, r := range s.Values.RootModule.Resources {
			if r.Address == "swarm_cluster.this" {
				inState = r.AttributeValues["unlock_key"]
			}
		}
		if inState != engineKey {
			return errors.New("unlock_key in state is not the Engine's key")
		}
		if *old != "" && engineKey == *old {
			return errors.New("the unlock key did not change")
		}
		*old = engineKey
		return nil
	}
}
