package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
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

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

const testAccNetworkResourceConfig_basic = `
variable "name" { type = string }

resource "swarm_network" "test" {
  name       = var.name
  attachable = true
  labels     = { app = "shop" }
}
`

const testAccNetworkResourceConfig_full = `
variable "name" { type = string }
variable "subnet" { type = string }
variable "ip_range" { type = string }
variable "gateway" { type = string }
variable "aux" { type = string }
variable "label" { type = string }
variable "encrypted" { type = bool }

resource "swarm_network" "test" {
  name      = var.name
  internal  = true
  encrypted = var.encrypted
  options   = { "com.docker.network.driver.mtu" = "1400" }
  labels    = { tier = var.label }
  ipam {
    configs {
      subnet        = var.subnet
      ip_range      = var.ip_range
      gateway       = var.gateway
      aux_addresses = { reserved = var.aux }
    }
  }
}
`

// testAccSubnet returns a /24 of 192.168.0.0/16 that parallel tests are unlikely to share.
func testAccSubnet() (prefix string) {
	return fmt.Sprintf("192.168.%d", 100+rand.IntN(150))
}

func testAccNetworkFullVariables(name, net, label string, encrypted bool) config.Variables {
	return config.Variables{
		"name":      config.StringVariable(name),
		"subnet":    config.StringVariable(net + ".0/24"),
		"ip_range":  config.StringVariable(net + ".128/25"),
		"gateway":   config.StringVariable(net + ".1"),
		"aux":       config.StringVariable(net + ".5"),
		"label":     config.StringVariable(label),
		"encrypted": config.BoolVariable(encrypted),
	}
}

func TestNetworkResourceSchema(t *testing.T) {
	t.Parallel()
	ctx := testAccCtx(t)
	for name, r := range map[string]fwresource.Resource{"network": NewNetworkResource(), "volume": NewVolumeResource()} {
		resp := &fwresource.SchemaResponse{}
		r.Schema(ctx, fwresource.SchemaRequest{}, resp)
		if resp.Diagnostics.HasError() {
			t.Fatalf("%s: %v", name, resp.Diagnostics)
		}
		if diags := resp.Schema.ValidateImplementation(ctx); diags.HasError() {
			t.Fatalf("%s: %v", name, diags)
		}
	}
}

func TestAccNetworkResource_basic(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc")
	var id string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckNetworkDestroy(t),
		Steps: []resource.TestStep{
			{
				Config:          testAccNetworkResourceConfig_basic,
				ConfigVariables: config.Variables{"name": config.StringVariable(name)},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("name"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("driver"), knownvalue.StringExact("overlay")),
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("scope"), knownvalue.StringExact("swarm")),
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("attachable"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("encrypted"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("options"), knownvalue.Null()),
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("labels"), knownvalue.MapExact(map[string]knownvalue.Check{"app": knownvalue.StringExact("shop")})),
					// No ipam block is written: the Engine's choice shows in effective_ipam only.
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("ipam"), knownvalue.Null()),
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("effective_ipam").AtMapKey("driver"), knownvalue.StringExact("default")),
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("effective_ipam").AtMapKey("configs"), knownvalue.ListSizeExact(1)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccNetworkEngine(t, &id, func(n networkView) error {
						if !n.Attachable || n.Driver != "overlay" || n.Labels["app"] != "shop" {
							return fmt.Errorf("the Engine's network is not what was configured: %+v", n)
						}
						return nil
					}),
					// The Engine's choice of subnet is shown.
					testAccNetworkSubnetFromEngine(t, "swarm_network.test"),
				),
			},
			{
				ResourceName:      "swarm_network.test",
				ImportState:       true,
				ImportStateVerify: true,
				ConfigVariables:   config.Variables{"name": config.StringVariable(name)},
				Config:            testAccNetworkResourceConfig_basic,
			},
			importByIdentityStep(resource.TestStep{Config: testAccNetworkResourceConfig_basic, ConfigVariables: config.Variables{"name": config.StringVariable(name)}}, "swarm_network.test"),
			{
				ResourceName:      "swarm_network.test",
				ImportState:       true,
				ImportStateId:     name,
				ImportStateVerify: true,
				ConfigVariables:   config.Variables{"name": config.StringVariable(name)},
				Config:            testAccNetworkResourceConfig_basic,
			},
			{
				// Nothing changes on a second plan: the Engine's own options and IPAM cause no diff.
				Config:          testAccNetworkResourceConfig_basic,
				ConfigVariables: config.Variables{"name": config.StringVariable(name)},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

func TestAccNetworkResource_full(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc")
	net := testAccSubnet()
	vars := testAccNetworkFullVariables(name, net, "a", false)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckNetworkDestroy(t),
		Steps: []resource.TestStep{
			{
				Config:          testAccNetworkResourceConfig_full,
				ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("internal"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("options"),
						knownvalue.MapExact(map[string]knownvalue.Check{"com.docker.network.driver.mtu": knownvalue.StringExact("1400")})),
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("ipam"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"driver":  knownvalue.StringExact("default"),
						"options": knownvalue.Null(),
						"configs": knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
							"subnet":        knownvalue.StringExact(net + ".0/24"),
							"ip_range":      knownvalue.StringExact(net + ".128/25"),
							"gateway":       knownvalue.StringExact(net + ".1"),
							"aux_addresses": knownvalue.MapExact(map[string]knownvalue.Check{"reserved": knownvalue.StringExact(net + ".5")}),
						})}),
					})),
				},
				Check: testAccNetworkEngine(t, nil, func(n networkView) error {
					if !n.Internal || n.Options["com.docker.network.driver.mtu"] != "1400" || len(n.Subnets) != 1 || n.Subnets[0] != net+".0/24" {
						return fmt.Errorf("the Engine's network is not what was configured: %+v", n)
					}
					return nil
				}),
			},
			{
				ResourceName:      "swarm_network.test",
				ImportState:       true,
				ImportStateId:     name,
				ImportStateVerify: true,
				// The Engine does not report aux addresses of swarm networks.
				ImportStateVerifyIgnore: []string{"ipam.configs.0.aux_addresses"},
				ConfigVariables:         vars,
				Config:                  testAccNetworkResourceConfig_full,
			},
		},
	})
}

const testAccNetworkResourceConfig_ipamOptions = `
variable "name" { type = string }

resource "swarm_network" "test" {
  name = var.name
  ipam {
    options = { foo = "bar" }
  }
}
`

// TestAccNetworkResource_ipamOptions: swarmkit adds com.docker.network.ipam.serial to IPAM
// options that are set; it must show neither after apply nor after an import.
func TestAccNetworkResource_ipamOptions(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc")
	vars := config.Variables{"name": config.StringVariable(name)}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckNetworkDestroy(t),
		Steps: []resource.TestStep{
			{
				Config:          testAccNetworkResourceConfig_ipamOptions,
				ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("ipam").AtMapKey("options"),
						knownvalue.MapExact(map[string]knownvalue.Check{"foo": knownvalue.StringExact("bar")})),
				},
			},
			{
				ResourceName:      "swarm_network.test",
				ImportState:       true,
				ImportStateId:     name,
				ImportStateVerify: true,
				ConfigVariables:   vars,
				Config:            testAccNetworkResourceConfig_ipamOptions,
			},
		},
	})
}

const testAccNetworkResourceConfig_ipamWritten = `
variable "name" { type = string }
variable "ipam" { type = string } # none, subnet or driver
variable "subnet" { type = string }

resource "swarm_network" "test" {
  name = var.name
  dynamic "ipam" {
    for_each = var.ipam == "none" ? [] : [var.ipam]
    content {
      driver = ipam.value == "driver" ? "default" : null
      dynamic "configs" {
        for_each = ipam.value == "subnet" ? [var.subnet] : []
        content {
          subnet = configs.value
        }
      }
    }
  }
}
`

// testAccLazyString is a configuration variable whose value is read when the step runs, so that
// a step can use what an earlier step found.
type testAccLazyString struct{ p *string }

func (v testAccLazyString) MarshalJSON() ([]byte, error) { return json.Marshal(*v.p) }

// TestAccNetworkResource_ipamWritten: writing into `ipam` what the network already has (the
// subnet the Engine chose), leaving out `configs`, or removing the block updates the state only;
// the network is kept. Another subnet replaces it.
func TestAccNetworkResource_ipamWritten(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc")
	var id, subnet, gateway string
	other := testAccSubnet() + ".0/24"
	vars := func(ipam string, subnet *string) config.Variables {
		return config.Variables{"name": config.StringVariable(name), "ipam": config.StringVariable(ipam), "subnet": testAccLazyString{subnet}}
	}
	kept := resource.TestCheckResourceAttrPtr("swarm_network.test", "id", &id)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckNetworkDestroy(t),
		Steps: []resource.TestStep{
			{
				Config:          testAccNetworkResourceConfig_ipamWritten,
				ConfigVariables: vars("none", &subnet),
				Check: func(s *terraform.State) error {
					attrs := s.RootModule().Resources["swarm_network.test"].Primary.Attributes
					id, subnet, gateway = attrs["id"], attrs["effective_ipam.configs.0.subnet"], attrs["effective_ipam.configs.0.gateway"]
					if subnet == "" || gateway == "" {
						return fmt.Errorf("effective_ipam shows no subnet and gateway: %v", attrs)
					}
					return nil
				},
			},
			{
				// The subnet the Engine chose, written: recorded, not replaced.
				Config:          testAccNetworkResourceConfig_ipamWritten,
				ConfigVariables: vars("subnet", &subnet),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("swarm_network.test", plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					kept,
					resource.TestCheckResourceAttrPtr("swarm_network.test", "ipam.configs.0.subnet", &subnet),
					resource.TestCheckResourceAttrPtr("swarm_network.test", "ipam.configs.0.gateway", &gateway),
					resource.TestCheckResourceAttr("swarm_network.test", "ipam.driver", "default"),
				),
			},
			{
				Config:          testAccNetworkResourceConfig_ipamWritten,
				ConfigVariables: vars("subnet", &subnet),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// configs left out: the network keeps its pool.
				Config:          testAccNetworkResourceConfig_ipamWritten,
				ConfigVariables: vars("driver", &subnet),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("swarm_network.test", plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("ipam").AtMapKey("configs"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("effective_ipam").AtMapKey("configs"), knownvalue.ListSizeExact(1)),
				},
				Check: kept,
			},
			{
				// The block removed: the network keeps its IPAM.
				Config:          testAccNetworkResourceConfig_ipamWritten,
				ConfigVariables: vars("none", &subnet),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("swarm_network.test", plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("ipam"), knownvalue.Null()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(kept, resource.TestCheckResourceAttrPtr("swarm_network.test", "effective_ipam.configs.0.subnet", &subnet)),
			},
			{
				// Another subnet than the network has: replaced.
				Config:          testAccNetworkResourceConfig_ipamWritten,
				ConfigVariables: vars("subnet", &other),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("swarm_network.test", plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("swarm_network.test", "ipam.configs.0.subnet", other),
					resource.TestCheckResourceAttr("swarm_network.test", "effective_ipam.configs.0.subnet", other),
					testAccNetworkEngine(t, nil, func(n networkView) error {
						if n.ID == id || len(n.Subnets) != 1 || n.Subnets[0] != other {
							return fmt.Errorf("the network was not replaced by one with subnet %s: %+v", other, n)
						}
						return nil
					}),
				),
			},
		},
	})
}

func TestAccNetworkResource_update(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc")
	net := testAccSubnet()
	var first, second, third string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckNetworkDestroy(t),
		Steps: []resource.TestStep{
			{
				Config:          testAccNetworkResourceConfig_full,
				ConfigVariables: testAccNetworkFullVariables(name, net, "a", false),
				Check:           testAccNetworkEngine(t, &first, nil),
			},
			{
				// A label change replaces the network: the Engine cannot update networks.
				Config:          testAccNetworkResourceConfig_full,
				ConfigVariables: testAccNetworkFullVariables(name, net, "b", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("swarm_network.test", plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("labels").AtMapKey("tier"), knownvalue.StringExact("b")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccNetworkEngine(t, &second, func(n networkView) error {
						if n.Labels["tier"] != "b" {
							return fmt.Errorf("labels on the Engine: %v", n.Labels)
						}
						return nil
					}),
					func(*terraform.State) error {
						if second == first {
							return errors.New("the network was not replaced")
						}
						return nil
					},
				),
			},
			{
				Config:          testAccNetworkResourceConfig_full,
				ConfigVariables: testAccNetworkFullVariables(name, net, "b", true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("swarm_network.test", plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("encrypted"), knownvalue.Bool(true)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccNetworkEngine(t, &third, func(n networkView) error {
						if _, ok := n.Options["encrypted"]; !ok {
							return fmt.Errorf("the Engine's network is not encrypted: %v", n.Options)
						}
						return nil
					}),
					func(*terraform.State) error {
						if third == second {
							return errors.New("the network was not replaced")
						}
						return nil
					},
				),
			},
		},
	})
}

func TestAccNetworkResource_disappears(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc")
	vars := config.Variables{"name": config.StringVariable(name)}
	var id string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckNetworkDestroy(t),
		Steps: []resource.TestStep{
			{
				Config:          testAccNetworkResourceConfig_basic,
				ConfigVariables: vars,
				Check:           testAccNetworkEngine(t, &id, nil),
			},
			{
				PreConfig:       func() { testAccRemoveNetwork(t, id) },
				Config:          testAccNetworkResourceConfig_basic,
				ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("swarm_network.test", plancheck.ResourceActionCreate)},
				},
				Check: testAccNetworkEngine(t, nil, nil),
			},
		},
	})
}

// TestAccNetworkResource_drift replaces the network out of band by another one of the same name:
// the refresh sees that the network with the resource's ID is gone, the plan creates it again,
// and the apply refuses to adopt the other network silently. Once that one is removed, the apply
// restores the network.
func TestAccNetworkResource_drift(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc")
	vars := config.Variables{"name": config.StringVariable(name)}
	var id, impostor, restored string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck: func() {
			testAccPreCheck(t)
			t.Cleanup(func() { testAccRemoveNetwork(t, name) })
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckNetworkDestroy(t),
		Steps: []resource.TestStep{
			{
				Config:          testAccNetworkResourceConfig_basic,
				ConfigVariables: vars,
				Check:           testAccNetworkEngine(t, &id, nil),
			},
			{
				PreConfig: func() {
					testAccRemoveNetwork(t, id)
					impostor = testAccCreateNetwork(t, name)
				},
				RefreshState: true,
				RefreshPlanChecks: resource.RefreshPlanChecks{
					PostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction("swarm_network.test", plancheck.ResourceActionCreate)},
				},
				ExpectNonEmptyPlan: true,
			},
			{
				Config:          testAccNetworkResourceConfig_basic,
				ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("swarm_network.test", plancheck.ResourceActionCreate)},
				},
				ExpectError: regexp.MustCompile(`exists already`),
			},
			{
				PreConfig:       func() { testAccRemoveNetwork(t, impostor) },
				Config:          testAccNetworkResourceConfig_basic,
				ConfigVariables: vars,
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccNetworkEngine(t, &restored, nil),
					func(*terraform.State) error {
						if restored == id || restored == impostor {
							return fmt.Errorf("the restored network has the ID %s of an earlier one", restored)
						}
						return nil
					},
				),
			},
		},
	})
}

const testAccNetworkResourceConfig_invalid = `
variable "name" { type = string }
variable "subnet" { type = string }
variable "gateway" { type = string }

resource "swarm_network" "test" {
  name = var.name
  ipam {
    configs {
      subnet  = var.subnet
      gateway = var.gateway
    }
  }
}
`

func TestAccNetworkResource_invalid(t *testing.T) {
	cases := map[string]struct {
		name, subnet, gateway string
		want                  string
	}{
		"invalid subnet":             {"tfacc-ok", "10.0.0.0/33", "10.0.0.1", `(?s)Invalid CIDR.*10\.0\.0\.0/33`},
		"host bits in subnet":        {"tfacc-ok", "10.0.0.1/24", "10.0.0.1", `(?s)Invalid CIDR.*10\.0\.0\.0/24`},
		"gateway outside subnet":     {"tfacc-ok", "10.0.0.0/24", "10.0.1.1", `(?s)Address outside its subnet.*gateway 10\.0\.1\.1`},
		"invalid gateway":            {"tfacc-ok", "10.0.0.0/24", "10.0.0", `Invalid IP address`},
		"ipv6 subnet not canonical":  {"tfacc-ok", "FD00:0::/64", "fd00::1", `(?s)Invalid CIDR.*write\s+fd00::/64`},
		"ipv6 gateway not canonical": {"tfacc-ok", "fd00::/64", "fd00:0::1", `(?s)Invalid IP address.*write\s+fd00::1`},
		"name with a dot":            {"tfacc.bad", "10.0.0.0/24", "10.0.0.1", `(?s)name.*DNS name component`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: testAccNetworkResourceConfig_invalid,
					ConfigVariables: config.Variables{
						"name": config.StringVariable(tc.name), "subnet": config.StringVariable(tc.subnet), "gateway": config.StringVariable(tc.gateway),
					},
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}

const testAccNetworkResourceConfig_withService = `
variable "name" { type = string }

resource "swarm_network" "test" {
  name = var.name
}
`

// TestAccNetworkResource_inUse: a service that Terraform does not know holds the network, so
// destroying it fails after the bounded wait and names the service; once the service is gone,
// the destroy succeeds.
func TestAccNetworkResource_inUse(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc")
	svc := name + "-svc"
	vars := config.Variables{"name": config.StringVariable(name)}
	var id string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck: func() {
			testAccPreCheck(t)
			t.Cleanup(func() { testAccRemoveService(t, svc) })
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckNetworkDestroy(t),
		Steps: []resource.TestStep{
			{
				Config:          testAccNetworkResourceConfig_withService,
				ConfigVariables: vars,
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccNetworkEngine(t, &id, nil),
					func(*terraform.State) error { testAccCreateService(t, svc, id); return nil },
				),
			},
			{
				Config:          testAccNetworkResourceConfig_withService,
				ConfigVariables: vars,
				Destroy:         true,
				ExpectError:     regexp.MustCompile(`(?s)still in use by.*services.*` + regexp.QuoteMeta(svc)),
			},
			{
				PreConfig:       func() { testAccRemoveService(t, svc) },
				Config:          testAccNetworkResourceConfig_withService,
				ConfigVariables: vars,
				Destroy:         true,
			},
		},
	})
}

const testAccNetworkResourceConfig_deleteTimeout = `
variable "name" { type = string }

resource "swarm_network" "test" {
  name = var.name
  timeouts {
    delete = "3s"
  }
}
`

// TestAccNetworkResource_deleteTimeout: with a delete timeout of 3s, destroying a network that a
// service Terraform does not know holds fails after 3s (not the default 2m), naming the wait and
// the timeout (`timeouts.delete`); the network stays, and without the service the destroy succeeds.
func TestAccNetworkResource_deleteTimeout(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc-ntimeout")
	svc := name + "-svc"
	vars := config.Variables{"name": config.StringVariable(name)}
	var id string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck: func() {
			testAccPreCheck(t)
			t.Cleanup(func() { testAccRemoveService(t, svc) })
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckNetworkDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: testAccNetworkResourceConfig_deleteTimeout, ConfigVariables: vars,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("swarm_network.test", "timeouts.delete", "3s"),
					testAccNetworkEngine(t, &id, nil),
					func(*terraform.State) error { testAccCreateService(t, svc, id); return nil },
				),
			},
			{
				Config: testAccNetworkResourceConfig_deleteTimeout, ConfigVariables: vars, Destroy: true,
				ExpectError: wordsRe("Error deleting Swarm network", timedOut("swarm_network", "delete"), "still in use by", svc, "after waiting 3s"),
			},
			{
				PreConfig: func() { testAccRemoveService(t, svc) },
				Config:    testAccNetworkResourceConfig_deleteTimeout, ConfigVariables: vars, Destroy: true,
			},
		},
	})
}

var testAccNetworkResourceConfig_withServiceResource = testAccBed + `
variable "name" { type = string }

resource "swarm_network" "test" {
  name = var.name
}

resource "swarm_service" "test" {
  name = "${var.name}-svc"
  mode {
    replicated {
      replicas = 1
    }
  }
  task_template {
    container_spec {
      image = local.testapp_v1
    }
    networks {
      target = swarm_network.test.id
    }
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}
`

// TestAccNetworkResource_withService: a service attached to the network and the network are
// destroyed together in one run (the network's removal waits for the tasks to detach).
func TestAccNetworkResource_withService(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc")
	vars := config.Variables{"name": config.StringVariable(name)}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckNetworkDestroy(t),
		Steps: []resource.TestStep{
			{
				Config:          testAccNetworkResourceConfig_withServiceResource,
				ConfigVariables: vars,
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccNetworkEngine(t, nil, nil),
					func(*terraform.State) error { return testAccWaitRunningTask(t, name+"-svc") },
				),
			},
			{
				Config:          testAccNetworkResourceConfig_withServiceResource,
				ConfigVariables: vars,
				Destroy:         true,
			},
		},
	})
}

// networkView is what the tests compare on the Engine's network.
type networkView struct {
	ID, Driver, Scope    string
	Attachable, Internal bool
	Labels, Options      map[string]string
	Subnets              []string
}

// testAccNetworkEngine reads swarm_network.test's network from the Engine, stores its ID in id
// (when not nil) and runs check (when not nil) on it.
func testAccNetworkEngine(t *testing.T, id *string, check func(networkView) error) resource.TestCheckFunc {
	const addr = "swarm_network.test"
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s is not in the state", addr)
		}
		n, err := testAccClient(t).InspectNetworkByID(testAccCtx(t), rs.Primary.ID)
		if err != nil {
			return fmt.Errorf("%s (%s) on the Engine: %w", addr, rs.Primary.ID, err)
		}
		if id != nil {
			*id = n.ID
		}
		if check == nil {
			return nil
		}
		v := networkView{ID: n.ID, Driver: n.Driver, Scope: n.Scope, Attachable: n.Attachable, Internal: n.Internal, Labels: n.Labels, Options: n.Options}
		for _, c := range n.IPAM.Config {
			v.Subnets = append(v.Subnets, c.Subnet.String())
		}
		return check(v)
	}
}

func testAccNetworkSubnetFromEngine(t *testing.T, addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs := s.RootModule().Resources[addr]
		n, err := testAccClient(t).InspectNetworkByID(testAccCtx(t), rs.Primary.ID)
		if err != nil {
			return err
		}
		if len(n.IPAM.Config) != 1 {
			return fmt.Errorf("the Engine has %d IPAM configs", len(n.IPAM.Config))
		}
		return resource.ComposeAggregateTestCheckFunc(
			resource.TestCheckResourceAttr(addr, "effective_ipam.configs.0.subnet", n.IPAM.Config[0].Subnet.String()),
			resource.TestCheckResourceAttr(addr, "effective_ipam.configs.0.gateway", n.IPAM.Config[0].Gateway.String()),
		)(s)
	}
}

func testAccCheckNetworkDestroy(t *testing.T) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "swarm_network" {
				continue
			}
			_, err := testAccClient(t).InspectNetworkByID(testAccCtx(t), rs.Primary.ID)
			if err == nil {
				return fmt.Errorf("network %s still exists", rs.Primary.ID)
			}
			if !errors.Is(err, swarm.ErrNotFound) {
				return err
			}
		}
		return nil
	}
}

func testAccManager(t *testing.T) client.APIClient {
	t.Helper()
	api, err := testAccClient(t).Manager(testAccCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func testAccRemoveNetwork(t *testing.T, idOrName string) {
	t.Helper()
	if idOrName == "" {
		return
	}
	if _, err := testAccManager(t).NetworkRemove(testAccCtx(t), idOrName, client.NetworkRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
		t.Errorf("removing network %s out of band: %v", idOrName, err)
	}
}

func testAccCreateNetwork(t *testing.T, name string) string {
	t.Helper()
	res, err := testAccManager(t).NetworkCreate(testAccCtx(t), name, client.NetworkCreateOptions{
		Driver: "overlay", Labels: map[string]string{"made-by": "out-of-band"},
	})
	if err != nil {
		t.Fatalf("creating network %s out of band: %v", name, err)
	}
	return res.ID
}

// testAccCreateService starts a one-replica service of the test image on the network.
func testAccCreateService(t *testing.T, name, networkID string) {
	t.Helper()
	spec := apiswarm.ServiceSpec{
		Annotations: apiswarm.Annotations{Name: name},
		TaskTemplate: apiswarm.TaskSpec{
			ContainerSpec: &apiswarm.ContainerSpec{Image: testAccImageV1},
			Networks:      []apiswarm.NetworkAttachmentConfig{{Target: networkID}},
		},
		EndpointSpec: &apiswarm.EndpointSpec{Mode: apiswarm.ResolutionModeDNSRR},
	}
	if _, err := testAccManager(t).ServiceCreate(testAccCtx(t), client.ServiceCreateOptions{Spec: spec, EncodedRegistryAuth: testAccRegistryAuth(t)}); err != nil {
		t.Fatalf("creating service %s out of band: %v", name, err)
	}
}

func testAccRemoveService(t *testing.T, name string) {
	t.Helper()
	if _, err := testAccManager(t).ServiceRemove(testAccCtx(t), name, client.ServiceRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
		t.Errorf("removing service %s: %v", name, err)
	}
}

// testAccWaitRunningTask waits (up to a minute) until the service has a running task, so that
// its removal leaves a task to detach.
func testAccWaitRunningTask(t *testing.T, service string) error {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		res, err := testAccManager(t).TaskList(testAccCtx(t), client.TaskListOptions{Filters: make(client.Filters).Add("service", service)})
		if err != nil {
			return err
		}
		for _, task := range res.Items {
			if task.Status.State == apiswarm.TaskStateRunning {
				return nil
			}
		}
		time.Sleep(time.Second)
	}
	return fmt.Errorf("service %s has no running task after a minute", service)
}

// testAccCtx is the context of the network and volume test helpers: the test's own, but also
// usable from t.Cleanup, where the test's context is cancelled already.
func testAccCtx(t *testing.T) context.Context {
	return context.WithoutCancel(t.Context())
}
