package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// A one-node swarm on a free engine, with the settings of its node managed by swarm_node.
const testAccNodeResourceConfig_single = `
variable "host" { type = string }
variable "addr" { type = string }
variable "hostname" { type = string }
variable "cluster_labels" { type = map(string) }
variable "node_labels" { type = map(string) }
variable "availability" { type = string }

provider "swarm" {
  host = var.host
}

resource "swarm_cluster" "this" {
  advertise_addr = var.addr
  labels         = var.cluster_labels
}

resource "swarm_node" "this" {
  node         = var.hostname
  labels       = var.node_labels
  availability = var.availability

  depends_on = [swarm_cluster.this]
}

data "swarm_nodes" "managers" {
  role       = "manager"
  depends_on = [swarm_node.this]
}
`

func testAccSingleVars(n testbedNode, clusterLabels, nodeLabels map[string]string, availability string) config.Variables {
	toVars := func(m map[string]string) config.Variable {
		v := map[string]config.Variable{}
		for k, s := range m {
			v[k] = config.StringVariable(s)
		}
		return config.MapVariable(v)
	}
	return config.Variables{
		"host":           config.StringVariable(n.Host),
		"addr":           config.StringVariable(n.Addr),
		"hostname":       config.StringVariable(n.Name),
		"cluster_labels": toVars(clusterLabels),
		"node_labels":    toVars(nodeLabels),
		"availability":   config.StringVariable(availability),
	}
}

// testAccCheckNodeSpec checks a node's labels and availability on the Engine.
func testAccCheckNodeSpec(c *swarm.Client, hostname string, labels map[string]string, availability apiswarm.NodeAvailability) resource.TestCheckFunc {
	return func(*terraform.State) error {
		n, err := c.FindNode(context.Background(), hostname)
		if err != nil {
			return err
		}
		if !maps.Equal(n.Spec.Labels, labels) && (len(labels) != 0 || len(n.Spec.Labels) != 0) {
			return fmt.Errorf("node %s has labels %v, want %v", hostname, n.Spec.Labels, labels)
		}
		if n.Spec.Availability != availability {
			return fmt.Errorf("node %s is %s, want %s", hostname, n.Spec.Availability, availability)
		}
		return nil
	}
}

func TestAccNodeResource_basic(t *testing.T) {
	nodes, clients := testAccFreeEngines(t, 1)
	n, c := nodes[0], clients[0]
	vars := testAccSingleVars(n, map[string]string{"env": "acc"}, map[string]string{"db": "true", "zone": "a"}, "active")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckEnginesLeft(clients, nodes),
		Steps: []resource.TestStep{
			{
				Config:          testAccNodeResourceConfig_single,
				ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_node.this", tfjsonpath.New("hostname"), knownvalue.StringExact(n.Name)),
					statecheck.ExpectKnownValue("swarm_node.this", tfjsonpath.New("role"), knownvalue.StringExact("manager")),
					statecheck.ExpectKnownValue("swarm_node.this", tfjsonpath.New("availability"), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue("swarm_node.this", tfjsonpath.New("labels"), knownvalue.MapExact(map[string]knownvalue.Check{
						"db": knownvalue.StringExact("true"), "zone": knownvalue.StringExact("a"),
					})),
					statecheck.ExpectKnownValue("data.swarm_nodes.managers", tfjsonpath.New("nodes"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"hostname":             knownvalue.StringExact(n.Name),
							"role":                 knownvalue.StringExact("manager"),
							"status":               knownvalue.StringExact("ready"),
							"leader":               knownvalue.Bool(true),
							"manager_reachability": knownvalue.StringExact("reachable"),
							"address":              knownvalue.StringExact(n.Addr),
							"labels":               knownvalue.MapSizeExact(2),
						}),
					})),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckNodeSpec(c, n.Name, map[string]string{"db": "true", "zone": "a"}, apiswarm.NodeAvailabilityActive),
					testAccCheckSwarmOnEngine(c, func(sw apiswarm.Swarm) error {
						if sw.Spec.Labels["env"] != "acc" {
							return fmt.Errorf("swarm labels %v", sw.Spec.Labels)
						}
						return nil
					}),
				),
			},
			{
				Config:                  testAccNodeResourceConfig_single,
				ConfigVariables:         vars,
				ResourceName:            "swarm_node.this",
				ImportState:             true,
				ImportStateId:           n.Name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"remove_labels_on_destroy"},
			},
			{
				Config:                  testAccNodeResourceConfig_single,
				ConfigVariables:         vars,
				ResourceName:            "swarm_node.this",
				ImportState:             true,
				ImportStateIdFunc:       testAccStateID("swarm_node.this"),
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"node", "remove_labels_on_destroy"},
			},
			{
				Config:                  testAccNodeResourceConfig_single,
				ConfigVariables:         vars,
				ResourceName:            "swarm_cluster.this",
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"advertise_addr"},
			},
			importByIdentityStep(resource.TestStep{Config: testAccNodeResourceConfig_single, ConfigVariables: vars}, "swarm_node.this"),
			// advertise_addr is an init setting the Engine does not report: the import records it in
			// place, nothing else changes.
			importByIdentityStep(resource.TestStep{
				Config: testAccNodeResourceConfig_single, ConfigVariables: vars, ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_cluster.this", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("swarm_cluster.this", tfjsonpath.New("advertise_addr"), knownvalue.StringExact(n.Addr)),
				}},
			}, "swarm_cluster.this"),
		},
	})
}

func testAccStateID(addr string) resource.ImportStateIdFunc {
	return func(s *terraform.State) (string, error) {
		r := s.RootModule().Resources[addr]
		if r == nil {
			return "", errors.New(addr + " is not in the state")
		}
		return r.Primary.ID, nil
	}
}

func TestAccNodeResource_update(t *testing.T) {
	nodes, clients := testAccFreeEngines(t, 1)
	n, c := nodes[0], clients[0]
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckEnginesLeft(clients, nodes),
		Steps: []resource.TestStep{
			{
				Config:          testAccNodeResourceConfig_single,
				ConfigVariables: testAccSingleVars(n, map[string]string{"env": "acc"}, map[string]string{"db": "true"}, "active"),
				Check:           testAccCheckNodeSpec(c, n.Name, map[string]string{"db": "true"}, apiswarm.NodeAvailabilityActive),
			},
			{
				Config:          testAccNodeResourceConfig_single,
				ConfigVariables: testAccSingleVars(n, map[string]string{"env": "prod", "team": "x"}, map[string]string{"tier": "b"}, "pause"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_node.this", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("swarm_cluster.this", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_node.this", tfjsonpath.New("availability"), knownvalue.StringExact("pause")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckNodeSpec(c, n.Name, map[string]string{"tier": "b"}, apiswarm.NodeAvailabilityPause),
					testAccCheckSwarmOnEngine(c, func(sw apiswarm.Swarm) error {
						if !maps.Equal(sw.Spec.Labels, map[string]string{"env": "prod", "team": "x"}) {
							return fmt.Errorf("swarm labels %v", sw.Spec.Labels)
						}
						return nil
					}),
				),
			},
			{
				// Empty labels remove every label.
				Config:          testAccNodeResourceConfig_single,
				ConfigVariables: testAccSingleVars(n, map[string]string{}, map[string]string{}, "active"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_node.this", plancheck.ResourceActionUpdate),
				}},
				Check: testAccCheckNodeSpec(c, n.Name, map[string]string{}, apiswarm.NodeAvailabilityActive),
			},
		},
	})
}

// TestAccNodeResource_drift: a label added and the availability changed outside Terraform show
// in a refresh-only plan, and apply restores them. The swarm's labels drift too.
func TestAccNodeResource_drift(t *testing.T) {
	nodes, clients := testAccFreeEngines(t, 1)
	n, c := nodes[0], clients[0]
	vars := testAccSingleVars(n, map[string]string{"env": "acc"}, map[string]string{"db": "true"}, "active")
	outOfBand := func() {
		ctx := context.Background()
		node, err := c.FindNode(ctx, n.Name)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.UpdateNode(ctx, node.ID, func(s *apiswarm.NodeSpec) {
			s.Labels["extra"] = "1"
			s.Availability = apiswarm.NodeAvailabilityPause
		}); err != nil {
			t.Fatal(err)
		}
		if err := c.UpdateSwarm(ctx, func(s *apiswarm.Spec) { s.Labels["sneaky"] = "yes" }, swarm.Rotation{}); err != nil {
			t.Fatal(err)
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckEnginesLeft(clients, nodes),
		Steps: []resource.TestStep{
			{
				Config:          testAccNodeResourceConfig_single,
				ConfigVariables: vars,
			},
			{
				PreConfig:          outOfBand,
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				RefreshPlanChecks: resource.RefreshPlanChecks{PostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_node.this", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("swarm_cluster.this", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("swarm_node.this", "availability", "pause"),
					resource.TestCheckResourceAttr("swarm_node.this", "labels.%", "2"),
					resource.TestCheckResourceAttr("swarm_node.this", "labels.extra", "1"),
					resource.TestCheckResourceAttr("swarm_cluster.this", "labels.%", "2"),
					resource.TestCheckResourceAttr("swarm_cluster.this", "labels.sneaky", "yes"),
				),
			},
			{
				Config:          testAccNodeResourceConfig_single,
				ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_node.this", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("swarm_cluster.this", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckNodeSpec(c, n.Name, map[string]string{"db": "true"}, apiswarm.NodeAvailabilityActive),
					testAccCheckSwarmOnEngine(c, func(sw apiswarm.Swarm) error {
						if !maps.Equal(sw.Spec.Labels, map[string]string{"env": "acc"}) {
							return fmt.Errorf("swarm labels %v", sw.Spec.Labels)
						}
						return nil
					}),
				),
			},
		},
	})
}

const testAccClusterResourceConfig_alone = `
variable "host" { type = string }
variable "addr" { type = string }

provider "swarm" {
  host = var.host
}

resource "swarm_cluster" "this" {
  advertise_addr = var.addr
}
`

// TestAccClusterResource_disappears: the engine leaves the swarm outside Terraform; the next plan
// creates the swarm again.
func TestAccClusterResource_disappears(t *testing.T) {
	nodes, clients := testAccFreeEngines(t, 1)
	n, c := nodes[0], clients[0]
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckEnginesLeft(clients, nodes),
		Steps: []resource.TestStep{
			{
				Config:          testAccClusterResourceConfig_alone,
				ConfigVariables: config.Variables{"host": config.StringVariable(n.Host), "addr": config.StringVariable(n.Addr)},
				Check: func(*terraform.State) error {
					return c.LeaveSwarm(context.Background(), true)
				},
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_cluster.this", plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

// TestAccNodesDataSource_basic reads the test bed's own swarm: its three managers.
func TestAccNodesDataSource_basic(t *testing.T) {
	t.Parallel()
	managers := testAccNodes(t, "manager")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
data "swarm_nodes" "managers" {
  role = "manager"
}
data "swarm_nodes" "none" {
  labels = { "tfacc-no-such-label" = "x" }
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.swarm_nodes.managers", tfjsonpath.New("nodes"), knownvalue.ListSizeExact(len(managers))),
					statecheck.ExpectKnownValue("data.swarm_nodes.none", tfjsonpath.New("nodes"), knownvalue.ListSizeExact(0)),
					engineCheck(func(s *tfjson.State) error {
						leaders := 0
						return stateValues(s, func(addr string, v any) error {
							if b, ok := v.(bool); ok && b && len(addr) > 7 && addr[len(addr)-7:] == ".leader" {
								leaders++
								if leaders > 1 {
									return errors.New("more than one leader listed")
								}
							}
							return nil
						})
					}),
				},
			},
		},
	})
}
