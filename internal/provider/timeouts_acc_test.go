package provider

// Acceptance tests of the `timeouts` blocks: each makes a wait really run out (an operation that
// genuinely takes longer than the timeout), checks that the error names the timeout to raise and
// that nothing is lost (the object stays in state and on the Engine), and that a later apply with
// the default timeout completes. The swarm_network delete timeout is tested in
// network_resource_test.go (TestAccNetworkResource_deleteTimeout).

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/moby/moby/api/types/mount"
	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// wordsRe matches the words in order, whatever whitespace (Terraform wraps long error lines)
// separates them, with anything between the groups.
func wordsRe(groups ...string) *regexp.Regexp {
	parts := make([]string, len(groups))
	for i, g := range groups {
		words := regexp.MustCompile(`\s+`).Split(g, -1)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		parts[i] = strings.Join(words, `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

// timedOut is the wording of an operation that ran out of its timeout (timeoutErr).
func timedOut(typ, op string) string {
	return fmt.Sprintf("the %s %s did not finish within its timeout (`timeouts.%s`)", typ, op, op)
}

const testAccVolumeResourceConfig_deleteTimeout = `
variable "name" { type = string }

resource "swarm_volume" "test" {
  name = var.name
  timeouts {
    delete = "3s"
  }
}
`

// TestAccVolumeResource_deleteTimeout: a service Terraform does not know runs a task on the
// provider's engine that mounts the volume. Removal waits for task containers (they go by
// themselves once their service is removed), here for the 3s of timeouts.delete: the destroy
// fails naming the timeout, and the volume stays. Once the service is gone, the destroy succeeds.
func TestAccVolumeResource_deleteTimeout(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc-vtimeout")
	svc := name + "-svc"
	vars := config.Variables{"name": config.StringVariable(name)}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck: func() {
			testAccPreCheck(t)
			t.Cleanup(func() { testAccRemoveService(t, svc) })
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckVolumeDestroy(t, ""),
		Steps: []resource.TestStep{
			{
				Config: testAccVolumeResourceConfig_deleteTimeout, ConfigVariables: vars,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("swarm_volume.test", "timeouts.delete", "3s"),
					func(*terraform.State) error {
						testAccCreateVolumeService(t, svc, name)
						return testAccWaitRunningTask(t, svc)
					},
				),
			},
			{
				Config: testAccVolumeResourceConfig_deleteTimeout, ConfigVariables: vars, Destroy: true,
				ExpectError: wordsRe("Error deleting volume", timedOut("swarm_volume", "delete"), "in use by containers "+svc, "after waiting 3s"),
			},
			{
				// Nothing was force-removed; the state still holds the volume, and without the
				// service the destroy succeeds (the task's container goes a moment later).
				PreConfig: func() {
					if _, err := testAccClient(t).InspectVolume(testAccCtx(t), name); err != nil {
						t.Errorf("the volume is gone after the failed destroy: %v", err)
					}
					testAccRemoveService(t, svc)
				},
				Config: testAccVolumeResourceConfig_deleteTimeout, ConfigVariables: vars, Destroy: true,
			},
		},
	})
}

// testAccCreateVolumeService creates, out of band, a service whose one task runs on the provider's
// engine (the host) and mounts the volume.
func testAccCreateVolumeService(t *testing.T, name, volumeName string) {
	t.Helper()
	hostname, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	spec := apiswarm.ServiceSpec{
		Annotations: apiswarm.Annotations{Name: name},
		TaskTemplate: apiswarm.TaskSpec{
			ContainerSpec: &apiswarm.ContainerSpec{
				Image:  testAccImageV1,
				Mounts: []mount.Mount{{Type: mount.TypeVolume, Source: volumeName, Target: "/data"}},
			},
			Placement: &apiswarm.Placement{Constraints: []string{"node.hostname == " + hostname}},
		},
		EndpointSpec: &apiswarm.EndpointSpec{Mode: apiswarm.ResolutionModeDNSRR},
	}
	if _, err := testAccManager(t).ServiceCreate(testAccCtx(t), client.ServiceCreateOptions{Spec: spec, EncodedRegistryAuth: testAccRegistryAuth(t)}); err != nil {
		t.Fatalf("creating service %s out of band: %v", name, err)
	}
}

// A stack whose one service becomes healthy only after var.delay: its tasks stay "starting" until
// then, so the apply waits for them.
var testAccStackResourceConfig_timeout = testAccBed + `
variable "name" { type = string }
variable "delay" { type = string }
variable "create_timeout" {
  type    = string
  default = null
}

resource "swarm_stack" "test" {
  name = var.name
  compose_files = [<<-EOT
    services:
      web:
        image: ${local.testapp_v1}
        environment:
          TESTAPP_START_DELAY: "${var.delay}"
        healthcheck:
          test: ["CMD", "/testapp", "health"]
          interval: 1s
          timeout: 1s
          retries: 3
          start_period: 10m
        deploy:
          endpoint_mode: dnsrr
  EOT
  ]
  timeouts {
    create = var.create_timeout
  }
}
`

// TestAccStackResource_createTimeout: the service of the stack stays unhealthy for ten minutes,
// so with timeouts.create = 3s the apply stops waiting and fails naming the timeout. The stack is
// in state (tainted, so the next plan replaces it, which shows that it was recorded) and on the
// Engine; with the service healthy at once and the default timeout, the next apply completes.
func TestAccStackResource_createTimeout(t *testing.T) {
	prefix := acctest.RandomWithPrefix("tfacc")
	ns := "stto" + prefix[len("tfacc-"):]
	vars := func(delay, timeout string) config.Variables {
		v := config.Variables{"name": config.StringVariable(ns), "delay": config.StringVariable(delay)}
		if timeout != "" {
			v["create_timeout"] = config.StringVariable(timeout)
		}
		return v
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckStackDestroy(t, ns),
		Steps: []resource.TestStep{
			{
				Config: testAccStackResourceConfig_timeout, ConfigVariables: vars("10m", "3s"),
				ExpectError: wordsRe("Error creating Swarm stack", timedOut("swarm_stack", "create"), "did not converge"),
			},
			{
				PreConfig: func() {
					if _, err := testAccClient(t).InspectService(testAccCtx(t), ns+"_web"); err != nil {
						t.Errorf("the stack's service is gone after the failed apply: %v", err)
					}
				},
				Config: testAccStackResourceConfig_timeout, ConfigVariables: vars("0s", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_stack.test", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: testAccCheckStackService(t, ns+"_web", func(s apiswarm.Service) error {
					if env := s.Spec.TaskTemplate.ContainerSpec.Env; len(env) != 1 || env[0] != "TESTAPP_START_DELAY=0s" {
						return fmt.Errorf("env %v", env)
					}
					return nil
				}),
			},
		},
	})
}

// testAccFreePairVariables and testAccFreePairSwarm are what the role and join timeout configs
// share: the variables of testAccFreePairVars plus the role and its update timeout, and a swarm on
// the first free engine with a worker join token.
const testAccFreePairVariables = `variable "host" { type = string }
variable "addr" { type = string }
variable "worker" { type = object({ host = string, addr = string }) }
variable "role" { type = string }
variable "update_timeout" {
  type    = string
  default = null
}
`

const testAccFreePairSwarm = `
provider "swarm" {
  host = var.host
}

resource "swarm_cluster" "this" {
  advertise_addr = var.addr
}

ephemeral "swarm_join_token" "worker" {
  role       = "worker"
  cluster_id = swarm_cluster.this.id
}
`

// Two free engines: a swarm on the first, the second joined as a worker, its role managed by
// swarm_node with an update timeout.
const testAccNodeResourceConfig_roleTimeout = "\n" + testAccFreePairVariables + testAccFreePairSwarm + `
resource "swarm_join" "worker" {
  engine {
    host = var.worker.host
  }
  remote_addrs   = ["${var.addr}:2377"]
  advertise_addr = var.worker.addr
  join_token_wo  = ephemeral.swarm_join_token.worker.token
}

resource "swarm_node" "worker" {
  node = swarm_join.worker.hostname
  role = var.role
  timeouts {
    update = var.update_timeout
  }
}
`

// testAccFreePairVars are the variables of a swarm on free engine a with b joining it, and more;
// an updateTimeout of "" leaves update_timeout null, the default.
func testAccFreePairVars(a, b testbedNode, updateTimeout string, more config.Variables) config.Variables {
	v := config.Variables{
		"host": config.StringVariable(a.Host),
		"addr": config.StringVariable(a.Addr),
		"worker": config.ObjectVariable(map[string]config.Variable{
			"host": config.StringVariable(b.Host), "addr": config.StringVariable(b.Addr),
		}),
	}
	if updateTimeout != "" {
		v["update_timeout"] = config.StringVariable(updateTimeout)
	}
	for k, x := range more {
		v[k] = x
	}
	return v
}

// TestAccNodeResource_roleTimeout: a promotion takes a few seconds (a new manager certificate,
// joining the raft group); with timeouts.update = 1ms the wait for it runs out and the error names
// the timeout. The node stays in state; the next apply with the default timeout completes, and
// the node is a reachable manager.
func TestAccNodeResource_roleTimeout(t *testing.T) {
	nodes, clients := testAccFreeEngines(t, 2)
	a, b := nodes[0], nodes[1]
	vars := func(role, timeout string) config.Variables {
		return testAccFreePairVars(a, b, timeout, config.Variables{"role": config.StringVariable(role)})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckEnginesLeft(clients, nodes),
		Steps: []resource.TestStep{
			{
				Config: testAccNodeResourceConfig_roleTimeout, ConfigVariables: vars("worker", "1ms"),
				Check: testAccCheckNodeRole(clients[0], b.Name, apiswarm.NodeRoleWorker),
			},
			{
				Config: testAccNodeResourceConfig_roleTimeout, ConfigVariables: vars("manager", "1ms"),
				ExpectError: wordsRe("Error changing the swarm node's role", timedOut("swarm_node", "update"), "to become a manager"),
			},
			{
				Config: testAccNodeResourceConfig_roleTimeout, ConfigVariables: vars("manager", ""),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("swarm_node.worker", "role", "manager"),
					testAccCheckReachableManager(clients[0], b.Name),
				),
			},
		},
	})
}

// testAccCheckReachableManager checks that the node is a manager the others reach.
func testAccCheckReachableManager(c *swarm.Client, hostname string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		n, err := c.FindNode(context.Background(), hostname)
		if err != nil {
			return err
		}
		if n.Spec.Role != apiswarm.NodeRoleManager || n.ManagerStatus == nil || n.ManagerStatus.Reachability != apiswarm.ReachabilityReachable {
			return fmt.Errorf("node %s: role %s, manager status %+v", hostname, n.Spec.Role, n.ManagerStatus)
		}
		return nil
	}
}

// Two free engines: a swarm on the first, the second joined with a role and timeouts.
const testAccJoinResourceConfig_timeouts = "\n" + testAccFreePairVariables + testAccFreePairSwarm + `
resource "swarm_join" "this" {
  engine {
    host = var.worker.host
  }
  remote_addrs   = ["${var.addr}:2377"]
  advertise_addr = var.worker.addr
  join_token_wo  = ephemeral.swarm_join_token.worker.token
  role           = var.role
  timeouts {
    update = var.update_timeout
  }
}
`

// TestAccJoinResource_timeouts: a promotion (update) takes seconds (a manager certificate, joining
// the raft group), longer than a 1ms timeout: the update fails naming its timeout, the node stays
// in the swarm and in state, and an apply with the default timeout completes it.
//
// Delete's timeouts are not tested here, as none of its waits can run out reliably on the bed:
// the drain running out is only a warning (the node leaves anyway), and the demotion of a joined
// manager took 10-60 ms after the Engine accepted it (measured on the bed), about as long as the
// wait's first look (2-9 ms, more on a loaded machine), which then sees it done. A destroy with
// timeouts.delete = 1ms timed out on most runs and succeeded on some. TestJoinResourceDelete_demotionTimesOut
// covers a demotion that outlasts the timeout, with a fake Engine.
func TestAccJoinResource_timeouts(t *testing.T) {
	nodes, clients := testAccFreeEngines(t, 2)
	a, b := nodes[0], nodes[1]
	vars := func(role, timeout string) config.Variables {
		return testAccFreePairVars(a, b, timeout, config.Variables{"role": config.StringVariable(role)})
	}
	stillJoined := func() {
		local, err := clients[1].LocalNode(context.Background())
		if err != nil || local.LocalNodeState != apiswarm.LocalNodeStateActive {
			t.Errorf("engine %s after the failed operation: %+v, %v; want still in the swarm", b.Name, local.LocalNodeState, err)
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckEnginesLeft(clients, nodes),
		Steps: []resource.TestStep{
			{
				Config: testAccJoinResourceConfig_timeouts, ConfigVariables: vars("worker", ""),
				Check: testAccCheckNodeRole(clients[0], b.Name, apiswarm.NodeRoleWorker),
			},
			{
				Config: testAccJoinResourceConfig_timeouts, ConfigVariables: vars("manager", "1ms"),
				ExpectError: wordsRe("Error changing the node's role", timedOut("swarm_join", "update"), "to become a manager"),
			},
			{
				PreConfig: stillJoined,
				Config:    testAccJoinResourceConfig_timeouts, ConfigVariables: vars("manager", ""),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("swarm_join.this", "role", "manager"),
					testAccCheckReachableManager(clients[0], b.Name),
				),
			},
		},
	})
}

// Two free engines, both managers: the swarm loses its quorum while either one does not answer.
const testAccClusterResourceConfig_updateTimeout = `
variable "host" { type = string }
variable "addr" { type = string }
variable "worker" { type = object({ host = string, addr = string }) }
variable "env" { type = string }
variable "update_timeout" {
  type    = string
  default = null
}

provider "swarm" {
  host = var.host
}

resource "swarm_cluster" "this" {
  advertise_addr = var.addr
  labels         = { env = var.env }
  timeouts {
    update = var.update_timeout
  }
}

ephemeral "swarm_join_token" "manager" {
  role       = "manager"
  cluster_id = swarm_cluster.this.id
}

resource "swarm_join" "manager" {
  engine {
    host = var.worker.host
  }
  remote_addrs   = ["${var.addr}:2377"]
  advertise_addr = var.worker.addr
  join_token_wo  = ephemeral.swarm_join_token.manager.token
  role           = "manager"
}
`

// TestAccClusterResource_updateTimeout: with the second of two managers frozen (its dockerd
// stopped with SIGSTOP, so the raft group has no quorum), a change of the swarm's labels cannot be
// committed: the Engine call waits for a leader (the provider retries "no leader" answers) until
// timeouts.update (3s) runs out, and the error names it. Once the manager is thawed, an apply with
// the default timeout completes. The frozen engine is a free engine of the bed, thawed whatever
// happens.
func TestAccClusterResource_updateTimeout(t *testing.T) {
	nodes, clients := testAccFreeEngines(t, 2)
	a, b := nodes[0], nodes[1]
	pid, err := testAccEnginePID(b.Name)
	if err != nil {
		t.Fatal(err)
	}
	frozen := false
	thaw := func() {
		if frozen {
			if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
				t.Errorf("thawing %s's dockerd (pid %d): %v", b.Name, pid, err)
			}
			frozen = false
		}
	}
	t.Cleanup(thaw) // before testAccFreeEngines' clean-up, which makes the engines leave
	vars := func(env, timeout string) config.Variables {
		return testAccFreePairVars(a, b, timeout, config.Variables{"env": config.StringVariable(env)})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckEnginesLeft(clients, nodes),
		Steps: []resource.TestStep{
			{
				Config: testAccClusterResourceConfig_updateTimeout, ConfigVariables: vars("one", "3s"),
				Check: testAccCheckReachableManager(clients[0], b.Name),
			},
			{
				PreConfig: func() {
					if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
						t.Fatalf("freezing %s's dockerd (pid %d): %v", b.Name, pid, err)
					}
					frozen = true
				},
				Config: testAccClusterResourceConfig_updateTimeout, ConfigVariables: vars("two", "3s"),
				ExpectError: wordsRe("Error updating the swarm", timedOut("swarm_cluster", "update")),
			},
			{
				PreConfig: thaw,
				Config:    testAccClusterResourceConfig_updateTimeout, ConfigVariables: vars("two", ""),
				Check: testAccCheckSwarmOnEngine(clients[0], func(sw apiswarm.Swarm) error {
					if sw.Spec.Labels["env"] != "two" {
						return fmt.Errorf("swarm labels %v", sw.Spec.Labels)
					}
					return nil
				}),
			},
		},
	})
}

const testAccClusterResourceConfig_initOutlived = `
variable "host" { type = string }
variable "addr" { type = string }

provider "swarm" {
  host = var.host
}

resource "swarm_cluster" "this" {
  advertise_addr = var.addr
  labels         = { env = "outlived" }
  timeouts {
    create = "3s"
  }
}
`

// TestAccClusterResource_initOutlived: a create whose init answer comes after its timeout, while
// the engine finished the init (a proxy in front of a free engine holds the first init's answer
// until the provider gives up), keeps the new swarm in the state instead of losing it: tainted,
// so that the next apply replaces it. The replacement leaves that swarm and initialises another,
// whose answer comes through.
func TestAccClusterResource_initOutlived(t *testing.T) {
	nodes, clients := testAccFreeEngines(t, 1)
	a := nodes[0]
	proxy := testAccLoseFirstAnswer(t, a.Host, true, "/swarm/init")
	var first string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckEnginesLeft(clients, nodes),
		Steps: []resource.TestStep{
			{
				Config:          testAccClusterResourceConfig_initOutlived,
				ConfigVariables: config.Variables{"host": config.StringVariable(proxy), "addr": config.StringVariable(a.Addr)},
				ExpectError: wordsRe("Error creating the swarm", timedOut("swarm_cluster", "create"),
					"the engine went on with the init", "is kept in the state, marked tainted"),
			},
			{
				PreConfig: func() {
					sw, err := clients[0].ReadSwarm(context.Background())
					if err != nil {
						t.Fatalf("the engine is in no swarm after the outlived init: %v", err)
					}
					first = sw.ID
				},
				Config:          testAccClusterResourceConfig_initOutlived,
				ConfigVariables: config.Variables{"host": config.StringVariable(proxy), "addr": config.StringVariable(a.Addr)},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_cluster.this", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(s *terraform.State) error {
					id := s.RootModule().Resources["swarm_cluster.this"].Primary.ID
					sw, err := clients[0].ReadSwarm(context.Background())
					switch {
					case err != nil:
						return err
					case id == first || sw.ID != id:
						return fmt.Errorf("the engine is in swarm %s and the state holds %s; the outlived swarm was %s", sw.ID, id, first)
					case sw.Spec.Labels["env"] != "outlived":
						return fmt.Errorf("labels %v: the replacement must write the configuration's settings", sw.Spec.Labels)
					}
					return nil
				},
			},
		},
	})
}
