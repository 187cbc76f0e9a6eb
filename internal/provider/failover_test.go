package provider

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

var testAccFailoverConfig = testAccBedLocals + `
variable "hosts" { type = list(string) }
variable "name" { type = string }
variable "greeting" { type = string }
variable "pin" { type = string }

provider "swarm" {
  hosts = var.hosts` + testAccBedDockerConfig + `}

resource "swarm_service" "test" {
  name = var.name

  mode {
    replicated {
      replicas = 1
    }
  }

  task_template {
    container_spec {
      image = local.testapp_v1
      env   = { GREETING = var.greeting }
    }
    placement {
      constraints = ["node.hostname == ${var.pin}"]
    }
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}

data "swarm_nodes" "managers" {
  role       = "manager"
  depends_on = [swarm_service.test]
}
`

// testAccStopEngine stops a test bed engine's dockerd (SIGTERM through its pid file) and waits
// until it is gone.
func testAccStopEngine(t *testing.T, name string) {
	t.Helper()
	raw, err := os.ReadFile("/run/tfswarm-testbed/" + name + ".pid")
	if err != nil {
		t.Fatalf("reading %s's pid: %v", name, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatalf("%s's pid file: %v", name, err)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatalf("stopping %s's dockerd (pid %d): %v", name, pid, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("stopped %s's dockerd (pid %d)", name, pid)
}

// testAccWaitNodeReady waits until the node with hostname is ready and, for a manager,
// reachable, as the engine at host sees it.
func testAccWaitNodeReady(host, hostname string, timeout time.Duration) error {
	c, err := swarmNewAt(host)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	deadline := time.Now().Add(timeout)
	for {
		n, err := c.FindNode(context.Background(), hostname)
		if err == nil && n.Status.State == apiswarm.NodeStateReady &&
			(n.ManagerStatus == nil || n.ManagerStatus.Reachability == apiswarm.ReachabilityReachable) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node %s is not ready after %s (last: %+v, %v)", hostname, timeout, n.Status, err)
		}
		time.Sleep(time.Second)
	}
}

// TestAccProviderFailover names three managers of the fault swarm in hosts, stops the first one's
// dockerd, and checks that plan, apply of a service change and refresh go through the others;
// then it starts the engine again and checks that it rejoins. Not parallel: it shares the fault
// swarm with the other tests that stop its engines (faults_test.go).
func TestAccProviderFailover(t *testing.T) {
	f := testAccFaultSwarm(t)
	// The lead, which is never stopped, comes last in hosts; the one to stop first.
	first, second, lead := f.M2, f.M3, f.Lead
	name := acctest.RandomWithPrefix("tfacc")
	vars := func(greeting string) config.Variables {
		return config.Variables{
			"hosts":    config.ListVariable(config.StringVariable(first.Host), config.StringVariable(second.Host), config.StringVariable(lead.Host)),
			"name":     config.StringVariable(name),
			"greeting": config.StringVariable(greeting),
			// The task stays on the lead, which is never stopped.
			"pin": config.StringVariable(lead.Name),
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceGoneAt(lead.Host, name),
		Steps: []resource.TestStep{
			{
				Config:          testAccFailoverConfig,
				ConfigVariables: vars("one"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_service.test", tfjsonpath.New("name"), knownvalue.StringExact(name)),
				},
			},
			{
				// The first manager is down: plan and apply of a change go through the next one.
				PreConfig:       func() { testAccStopEngine(t, first.Name) },
				Config:          testAccFailoverConfig,
				ConfigVariables: vars("two"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_service.test", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckServiceEnvAt(lead.Host, name, "GREETING=two"),
					testAccCheckNodeState(lead.Host, first.Name, apiswarm.NodeStateDown),
				),
			},
			{
				// Refresh too.
				RefreshState: true,
			},
			{
				// Back up: it rejoins, and the provider still works with all three.
				PreConfig:       func() { testAccRestoreFaultSwarm(t, f) },
				Config:          testAccFailoverConfig,
				ConfigVariables: vars("three"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_service.test", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckServiceEnvAt(lead.Host, name, "GREETING=three"),
					testAccCheckNodeState(lead.Host, first.Name, apiswarm.NodeStateReady),
				),
			},
		},
	})
}

// testAccCheckServiceEnvAt checks, through the engine at host, that the service's container has
// env.
func testAccCheckServiceEnvAt(host, name, env string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		c, err := swarmNewAt(host)
		if err != nil {
			return err
		}
		defer func() { _ = c.Close() }()
		api, err := c.Manager(context.Background())
		if err != nil {
			return err
		}
		res, err := api.ServiceInspect(context.Background(), name, client.ServiceInspectOptions{})
		if err != nil {
			return err
		}
		for _, e := range res.Service.Spec.TaskTemplate.ContainerSpec.Env {
			if e == env {
				return nil
			}
		}
		return fmt.Errorf("service %s has env %v, want %s", name, res.Service.Spec.TaskTemplate.ContainerSpec.Env, env)
	}
}

// testAccCheckNodeState checks the status of a node as the engine at host sees it.
func testAccCheckNodeState(host, hostname string, want apiswarm.NodeState) resource.TestCheckFunc {
	return func(*terraform.State) error {
		c, err := swarmNewAt(host)
		if err != nil {
			return err
		}
		defer func() { _ = c.Close() }()
		deadline := time.Now().Add(time.Minute)
		for {
			n, err := c.FindNode(context.Background(), hostname)
			if err != nil {
				return err
			}
			if n.Status.State == want {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("node %s is %s, want %s", hostname, n.Status.State, want)
			}
			time.Sleep(time.Second)
		}
	}
}

// testAccCheckServiceGoneAt is a CheckDestroy: the service is gone from the swarm of the engine at
// host.
func testAccCheckServiceGoneAt(host, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		c, err := swarmNewAt(host)
		if err != nil {
			return err
		}
		defer func() { _ = c.Close() }()
		api, err := c.Manager(context.Background())
		if err != nil {
			return err
		}
		_, err = api.ServiceInspect(context.Background(), name, client.ServiceInspectOptions{})
		if err == nil {
			return fmt.Errorf("service %s still exists", name)
		}
		if !cerrdefs.IsNotFound(err) {
			return err
		}
		return nil
	}
}
