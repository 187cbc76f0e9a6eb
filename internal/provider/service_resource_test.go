package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
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

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var testAccServiceResourceConfig_basic = testAccBed + `
variable "name" { type = string }
variable "image" { type = string }

resource "swarm_service" "test" {
  name   = var.name
  labels = { team = "acc" }

  mode {
    replicated {
      replicas = 1
    }
  }

  task_template {
    container_spec {
      image = var.image
      env   = { GREETING = "hello" }
    }
    restart_policy {
      condition = "on-failure"
      delay     = "1s"
    }
  }
  update_config {
    monitor = "2s"
    order   = "start-first"
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}
`

func TestAccServiceResource_basic(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	vars := config.Variables{"name": config.StringVariable(name), "image": config.StringVariable(testAccImageV1)}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps: []resource.TestStep{
			{
				Config:          testAccServiceResourceConfig_basic,
				ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_service.test", tfjsonpath.New("name"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue("swarm_service.test", tfjsonpath.New("id"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("swarm_service.test", tfjsonpath.New("update_config").AtMapKey("parallelism"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue("swarm_service.test", tfjsonpath.New("update_config").AtMapKey("failure_action"), knownvalue.StringExact("pause")),
				},
				Check: testAccCheckServiceEngine(t, name, func(s apiswarm.Service) error {
					cs := s.Spec.TaskTemplate.ContainerSpec
					if err := testAccExpectPinned(cs.Image, testAccImageV1); err != nil {
						return err
					}
					if !reflect.DeepEqual(cs.Env, []string{"GREETING=hello"}) {
						return fmt.Errorf("env %v", cs.Env)
					}
					if *s.Spec.Mode.Replicated.Replicas != 1 || s.Spec.Labels["team"] != "acc" {
						return fmt.Errorf("replicas %d labels %v", *s.Spec.Mode.Replicated.Replicas, s.Spec.Labels)
					}
					if s.Spec.UpdateConfig.Monitor != 2*time.Second || s.Spec.UpdateConfig.Order != "start-first" {
						return fmt.Errorf("update config %+v", *s.Spec.UpdateConfig)
					}
					if s.Spec.EndpointSpec.Mode != apiswarm.ResolutionModeDNSRR {
						return fmt.Errorf("endpoint mode %q", s.Spec.EndpointSpec.Mode)
					}
					return testAccServiceRunning(t, s.ID, 1)
				}),
			},
			{
				Config: testAccServiceResourceConfig_basic, ConfigVariables: vars,
				ResourceName:            "swarm_service.test",
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts", testAccImportImagePath},
				ImportStateCheck:        testAccImportedImagePinned(testAccImageV1),
			},
			importByIdentityStep(resource.TestStep{Config: testAccServiceResourceConfig_basic, ConfigVariables: vars}, "swarm_service.test"),
			{
				Config: testAccServiceResourceConfig_basic, ConfigVariables: vars,
				ResourceName:            "swarm_service.test",
				ImportState:             true,
				ImportStateId:           name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts", testAccImportImagePath},
				ImportStateCheck:        testAccImportedImagePinned(testAccImageV1),
			},
		},
	})
}

var testAccServiceResourceConfig_update = testAccBed + `
variable "name" { type = string }
variable "image" { type = string }
variable "env" { type = map(string) }
variable "replicas" { type = number }
variable "memory" { type = string }
variable "networks" { type = list(string) }
variable "secret_id" { type = string }

resource "swarm_network" "a" {
  name   = "${var.name}-a"
  driver = "overlay"
}

resource "swarm_network" "b" {
  name   = "${var.name}-b"
  driver = "overlay"
}

locals {
  networks = { a = swarm_network.a.id, b = swarm_network.b.name }
}

resource "swarm_service" "test" {
  name = var.name

  mode {
    replicated {
      replicas = var.replicas
    }
  }

  task_template {
    container_spec {
      image = var.image
      env   = var.env

      dynamic "secrets" {
        for_each = var.secret_id == "" ? [] : [var.secret_id]
        content {
          secret_id = secrets.value
          file_name = "token"
        }
      }
    }
    resources {
      limits {
        cpus   = 0.5
        memory = var.memory
      }
    }

    dynamic "networks" {
      for_each = var.networks
      content {
        target = local.networks[networks.value]
      }
    }
  }
  update_config {
    monitor     = "1s"
    parallelism = 0
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}
`

func TestAccServiceResource_update(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	secretID := testAccCreateSecret(t, name+"-token", "s3cret")
	vars := func(image string, env map[string]string, replicas int, memory string, networks []string, secret string) config.Variables {
		envVars := map[string]config.Variable{}
		for k, v := range env {
			envVars[k] = config.StringVariable(v)
		}
		nets := []config.Variable{}
		for _, n := range networks {
			nets = append(nets, config.StringVariable(n))
		}
		return config.Variables{
			"name": config.StringVariable(name), "image": config.StringVariable(image), "env": config.MapVariable(envVars),
			"replicas": config.IntegerVariable(replicas), "memory": config.StringVariable(memory),
			"networks": config.ListVariable(nets...), "secret_id": config.StringVariable(secret),
		}
	}
	var firstID string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps: []resource.TestStep{
			{
				ConfigVariables: vars(testAccImageV1, map[string]string{"A": "1"}, 1, "64M", []string{"a"}, ""),
				Config:          testAccServiceResourceConfig_update,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrWith("swarm_service.test", "id", func(v string) error { firstID = v; return nil }),
					testAccCheckServiceEngine(t, name, func(s apiswarm.Service) error {
						if got := s.Spec.TaskTemplate.Resources.Limits.MemoryBytes; got != 64<<20 {
							return fmt.Errorf("memory %d", got)
						}
						if got := s.Spec.TaskTemplate.Resources.Limits.NanoCPUs; got != 5e8 {
							return fmt.Errorf("cpus %d", got)
						}
						if len(s.Spec.TaskTemplate.Networks) != 1 {
							return fmt.Errorf("networks %v", s.Spec.TaskTemplate.Networks)
						}
						return nil
					}),
				),
			},
			{
				// Image tag, env, replicas, a limit (in another spelling too), networks (one by name)
				// and a secret, all in place.
				ConfigVariables: vars(testAccImageV2, map[string]string{"A": "2", "B": "x"}, 2, "0.125GiB", []string{"a", "b"}, secretID),
				Config:          testAccServiceResourceConfig_update,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_service.test", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrWith("swarm_service.test", "id", func(v string) error {
						if v != firstID {
							return fmt.Errorf("the service was replaced: %s then %s", firstID, v)
						}
						return nil
					}),
					resource.TestCheckResourceAttr("swarm_service.test", "task_template.networks.1.target", name+"-b"),
					resource.TestCheckResourceAttr("swarm_service.test", "task_template.container_spec.secrets.0.secret_name", name+"-token"),
					testAccCheckServiceEngine(t, name, func(s apiswarm.Service) error {
						cs := s.Spec.TaskTemplate.ContainerSpec
						if err := testAccExpectPinned(cs.Image, testAccImageV2); err != nil {
							return err
						}
						if !reflect.DeepEqual(cs.Env, []string{"A=2", "B=x"}) {
							return fmt.Errorf("env %v", cs.Env)
						}
						if *s.Spec.Mode.Replicated.Replicas != 2 {
							return fmt.Errorf("replicas %d", *s.Spec.Mode.Replicated.Replicas)
						}
						if got := s.Spec.TaskTemplate.Resources.Limits.MemoryBytes; got != 128<<20 {
							return fmt.Errorf("memory %d", got)
						}
						if len(s.Spec.TaskTemplate.Networks) != 2 {
							return fmt.Errorf("networks %v", s.Spec.TaskTemplate.Networks)
						}
						if len(cs.Secrets) != 1 || cs.Secrets[0].SecretID != secretID || cs.Secrets[0].File.Name != "token" {
							return fmt.Errorf("secrets %+v", cs.Secrets)
						}
						return testAccServiceRunning(t, s.ID, 2)
					}),
				),
			},
			{
				// The same limit spelled differently is no change.
				ConfigVariables: vars(testAccImageV2, map[string]string{"A": "2", "B": "x"}, 2, "128MiB", []string{"a", "b"}, secretID),
				Config:          testAccServiceResourceConfig_update,
				PlanOnly:        true,
			},
			{
				// Back: a network and the secret removed in place.
				ConfigVariables: vars(testAccImageV1, map[string]string{"A": "1"}, 1, "64M", []string{"b"}, ""),
				Config:          testAccServiceResourceConfig_update,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_service.test", plancheck.ResourceActionUpdate),
				}},
				Check: testAccCheckServiceEngine(t, name, func(s apiswarm.Service) error {
					if n := len(s.Spec.TaskTemplate.ContainerSpec.Secrets); n != 0 {
						return fmt.Errorf("%d secrets left", n)
					}
					if len(s.Spec.TaskTemplate.Networks) != 1 {
						return fmt.Errorf("networks %v", s.Spec.TaskTemplate.Networks)
					}
					return nil
				}),
			},
		},
	})
}

func TestAccServiceResource_disappears(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	vars := config.Variables{"name": config.StringVariable(name), "image": config.StringVariable(testAccImageV1)}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: testAccServiceResourceConfig_basic, ConfigVariables: vars,
				Check: func(*terraform.State) error {
					ctx := context.Background()
					c := testAccClient(t)
					if err := c.RemoveService(ctx, name); err != nil {
						return err
					}
					return c.WaitServiceRemoved(ctx, name)
				},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: testAccServiceResourceConfig_basic, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_service.test", plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

var testAccServiceResourceConfig_drift = testAccBed + `
variable "name" { type = string }

resource "swarm_service" "test" {
  name   = var.name
  labels = { team = "acc" }

  mode {
    replicated {
      replicas = 1
    }
  }

  task_template {
    container_spec {
      image = local.testapp_v1
      env   = { A = "1" }
      healthcheck {
        test     = ["CMD", "/testapp", "health"]
        interval = "1s"
        timeout  = "1s"
        retries  = 2
      }
    }
    resources {
      limits {
        memory = "64M"
      }
    }
    placement {
      constraints = ["node.role == manager"]
    }
  }
  update_config {
    monitor = "1s"
    order   = "start-first"
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}
`

// TestAccServiceResource_drift changes one thing at a time out of band: a refresh-only plan must
// show exactly that change, and apply must restore it.
func TestAccServiceResource_drift(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	netID := testAccCreateOverlay(t, name+"-extra")
	vars := config.Variables{"name": config.StringVariable(name)}

	type drift struct {
		what    string
		change  func(*apiswarm.ServiceSpec)
		changed []string // attribute paths (dotted, list indexes as numbers) the plan must change
		restore func(apiswarm.Service) error
	}
	drifts := []drift{
		{"replicas", func(s *apiswarm.ServiceSpec) { two := uint64(2); s.Mode.Replicated.Replicas = &two },
			[]string{"mode.replicated.replicas"},
			func(s apiswarm.Service) error {
				return expectEq("replicas", *s.Spec.Mode.Replicated.Replicas, uint64(1))
			}},
		{"image", func(s *apiswarm.ServiceSpec) { s.TaskTemplate.ContainerSpec.Image = testAccImageV2 },
			[]string{"task_template.container_spec.image"},
			func(s apiswarm.Service) error {
				return testAccExpectPinned(s.Spec.TaskTemplate.ContainerSpec.Image, testAccImageV1)
			}},
		{"env", func(s *apiswarm.ServiceSpec) {
			s.TaskTemplate.ContainerSpec.Env = append(s.TaskTemplate.ContainerSpec.Env, "B=2")
		}, []string{"task_template.container_spec.env.B"},
			func(s apiswarm.Service) error {
				return expectEq("env", strings.Join(s.Spec.TaskTemplate.ContainerSpec.Env, ","), "A=1")
			}},
		{"labels", func(s *apiswarm.ServiceSpec) { s.Labels["team"] = "other" },
			[]string{"labels.team"},
			func(s apiswarm.Service) error { return expectEq("label", s.Spec.Labels["team"], "acc") }},
		{"constraint", func(s *apiswarm.ServiceSpec) {
			s.TaskTemplate.Placement.Constraints = append(s.TaskTemplate.Placement.Constraints, "node.platform.os == linux")
		}, []string{"task_template.placement.constraints.1"},
			func(s apiswarm.Service) error {
				return expectEq("constraints", len(s.Spec.TaskTemplate.Placement.Constraints), 1)
			}},
		{"limit", func(s *apiswarm.ServiceSpec) { s.TaskTemplate.Resources.Limits.MemoryBytes = 96 << 20 },
			[]string{"task_template.resources.limits.memory"},
			func(s apiswarm.Service) error {
				return expectEq("memory", s.Spec.TaskTemplate.Resources.Limits.MemoryBytes, int64(64<<20))
			}},
		{"healthcheck", func(s *apiswarm.ServiceSpec) { s.TaskTemplate.ContainerSpec.Healthcheck.Retries = 5 },
			[]string{"task_template.container_spec.healthcheck.retries"},
			func(s apiswarm.Service) error {
				return expectEq("retries", s.Spec.TaskTemplate.ContainerSpec.Healthcheck.Retries, 2)
			}},
		{"network", func(s *apiswarm.ServiceSpec) {
			s.TaskTemplate.Networks = append(s.TaskTemplate.Networks, apiswarm.NetworkAttachmentConfig{Target: netID})
		}, []string{"task_template.networks.0"},
			func(s apiswarm.Service) error { return expectEq("networks", len(s.Spec.TaskTemplate.Networks), 0) }},
	}

	steps := []resource.TestStep{{Config: testAccServiceResourceConfig_drift, ConfigVariables: vars}}
	for _, d := range drifts {
		steps = append(steps,
			resource.TestStep{
				PreConfig:          func() { testAccServiceChangeOutOfBand(t, name, d.change) },
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				RefreshPlanChecks: resource.RefreshPlanChecks{PostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_service.test", plancheck.ResourceActionUpdate),
					expectOnlyChanged("swarm_service.test", d.changed...),
				}},
			},
			resource.TestStep{
				Config: testAccServiceResourceConfig_drift, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_service.test", plancheck.ResourceActionUpdate),
				}},
				Check: testAccCheckServiceEngine(t, name, d.restore),
			},
		)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps:                    steps,
	})
}

var testAccServiceResourceConfig_replicasUnmanaged = testAccBed + `
variable "name" { type = string }

resource "swarm_service" "test" {
  name = var.name

  # The replica count is left out (unmanaged); the empty replicated block only makes the count
  # the Engine holds visible in state, where the steps below read it.
  mode {
    replicated {}
  }

  task_template {
    container_spec {
      image = local.testapp_v1
    }
  }
  update_config {
    monitor = "1s"
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}
`

func TestAccServiceResource_replicasUnmanaged(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	vars := config.Variables{"name": config.StringVariable(name)}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: testAccServiceResourceConfig_replicasUnmanaged, ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_service.test", tfjsonpath.New("mode").AtMapKey("replicated").AtMapKey("replicas"), knownvalue.Int64Exact(1)),
				},
			},
			{
				// Scaled out of band (an autoscaler): no diff, and the state follows.
				PreConfig: func() {
					testAccServiceChangeOutOfBand(t, name, func(s *apiswarm.ServiceSpec) { three := uint64(3); s.Mode.Replicated.Replicas = &three })
				},
				Config: testAccServiceResourceConfig_replicasUnmanaged, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_service.test", tfjsonpath.New("mode").AtMapKey("replicated").AtMapKey("replicas"), knownvalue.Int64Exact(3)),
				},
			},
			{
				// Another change does not scale it back.
				PreConfig: func() {},
				Config:    strings.Replace(testAccServiceResourceConfig_replicasUnmanaged, `monitor = "1s"`, `monitor = "2s"`, 1), ConfigVariables: vars,
				Check: testAccCheckServiceEngine(t, name, func(s apiswarm.Service) error {
					return expectEq("replicas", *s.Spec.Mode.Replicated.Replicas, uint64(3))
				}),
			},
			{
				// Scaled between plan and apply of another change: the apply keeps the count
				// the Engine holds then, not the one the plan read.
				Config: strings.Replace(testAccServiceResourceConfig_replicasUnmanaged, `monitor = "1s"`, `monitor = "3s"`, 1), ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_service.test", plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue("swarm_service.test", tfjsonpath.New("mode").AtMapKey("replicated").AtMapKey("replicas")),
					planCheckFunc(func() {
						testAccServiceChangeOutOfBand(t, name, func(s *apiswarm.ServiceSpec) { four := uint64(4); s.Mode.Replicated.Replicas = &four })
					}),
				}},
				Check: testAccCheckServiceEngine(t, name, func(s apiswarm.Service) error {
					return expectEq("replicas", *s.Spec.Mode.Replicated.Replicas, uint64(4))
				}),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_service.test", tfjsonpath.New("mode").AtMapKey("replicated").AtMapKey("replicas"), knownvalue.Int64Exact(4)),
				},
			},
		},
	})
}

var testAccServiceResourceConfig_noMode = testAccBed + `
variable "name" { type = string }

resource "swarm_service" "test" {
  name = var.name
  task_template {
    container_spec {
      image = local.testapp_v1
    }
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}
`

// TestAccServiceResource_noMode: a service written without mode, update_config, restart_policy
// or placement keeps those blocks null in state; its replica count is unmanaged; a change made out
// of band inside a left-out block shows as drift and the apply restores the Engine's default.
func TestAccServiceResource_noMode(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	vars := config.Variables{"name": config.StringVariable(name)}
	leftOut := []statecheck.StateCheck{
		statecheck.ExpectKnownValue("swarm_service.test", tfjsonpath.New("mode"), knownvalue.Null()),
		statecheck.ExpectKnownValue("swarm_service.test", tfjsonpath.New("update_config"), knownvalue.Null()),
		statecheck.ExpectKnownValue("swarm_service.test", tfjsonpath.New("rollback_config"), knownvalue.Null()),
		statecheck.ExpectKnownValue("swarm_service.test", tfjsonpath.New("task_template").AtMapKey("restart_policy"), knownvalue.Null()),
		statecheck.ExpectKnownValue("swarm_service.test", tfjsonpath.New("task_template").AtMapKey("placement"), knownvalue.Null()),
		statecheck.ExpectKnownValue("swarm_service.test", tfjsonpath.New("endpoint_spec").AtMapKey("mode"), knownvalue.StringExact("dnsrr")),
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: testAccServiceResourceConfig_noMode, ConfigVariables: vars,
				ConfigStateChecks: leftOut,
				Check: testAccCheckServiceEngine(t, name, func(s apiswarm.Service) error {
					return expectEq("replicas", *s.Spec.Mode.Replicated.Replicas, uint64(1))
				}),
			},
			{
				// Scaled out of band: no diff at all, the count is not managed.
				PreConfig: func() {
					testAccServiceChangeOutOfBand(t, name, func(s *apiswarm.ServiceSpec) { two := uint64(2); s.Mode.Replicated.Replicas = &two })
				},
				Config: testAccServiceResourceConfig_noMode, ConfigVariables: vars,
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: leftOut,
			},
			{
				// A change inside a left-out block is drift: the plan updates in place and the
				// apply restores the Engine's default, keeping the unmanaged count.
				PreConfig: func() {
					testAccServiceChangeOutOfBand(t, name, func(s *apiswarm.ServiceSpec) { s.UpdateConfig.Parallelism = 3 })
				},
				Config: testAccServiceResourceConfig_noMode, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_service.test", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: leftOut,
				Check: testAccCheckServiceEngine(t, name, func(s apiswarm.Service) error {
					if err := expectEq("parallelism", s.Spec.UpdateConfig.Parallelism, uint64(1)); err != nil {
						return err
					}
					return expectEq("replicas", *s.Spec.Mode.Replicated.Replicas, uint64(2))
				}),
			},
			{
				// Writing an empty replicated block later shows the count without managing it.
				Config:          strings.Replace(testAccServiceResourceConfig_noMode, "  task_template {", "  mode {\n    replicated {}\n  }\n  task_template {", 1),
				ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_service.test", tfjsonpath.New("mode").AtMapKey("replicated").AtMapKey("replicas"), knownvalue.Int64Exact(2)),
				},
			},
		},
	})
}

// planCheckFunc runs f between a step's plan and its apply (a plan check with a side effect), to
// change something out of band at exactly that moment.
type planCheckFunc func()

func (f planCheckFunc) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, _ *plancheck.CheckPlanResponse) {
	f()
}

var testAccServiceResourceConfig_global = testAccBed + `
variable "name" { type = string }

resource "swarm_service" "test" {
  name = var.name

  mode {
    global {}
  }

  task_template {
    container_spec {
      image = local.testapp_v1
    }
    placement {
      constraints = ["node.role == manager"]
    }
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}
`

func TestAccServiceResource_global(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps: []resource.TestStep{{
			Config: testAccServiceResourceConfig_global, ConfigVariables: config.Variables{"name": config.StringVariable(name)},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("swarm_service.test", tfjsonpath.New("mode").AtMapKey("global"), knownvalue.MapExact(map[string]knownvalue.Check{})),
				statecheck.ExpectKnownValue("swarm_service.test", tfjsonpath.New("mode").AtMapKey("replicated"), knownvalue.Null()),
			},
			Check: testAccCheckServiceEngine(t, name, func(s apiswarm.Service) error {
				if s.Spec.Mode.Global == nil {
					return errors.New("not global")
				}
				return testAccServiceRunning(t, s.ID, len(testAccNodes(t, "manager")))
			}),
		}, {
			// Swarm cannot change the kind of mode in place.
			Config:          strings.Replace(testAccServiceResourceConfig_global, "global {}", "replicated {\n      replicas = 1\n    }", 1),
			ConfigVariables: config.Variables{"name": config.StringVariable(name)},
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("swarm_service.test", plancheck.ResourceActionDestroyBeforeCreate),
			}},
			Check: testAccCheckServiceEngine(t, name, func(s apiswarm.Service) error {
				if s.Spec.Mode.Replicated == nil {
					return errors.New("not replicated")
				}
				return nil
			}),
		}},
	})
}

var testAccServiceResourceConfig_apiGate = testAccBed + `
variable "name" { type = string }

resource "swarm_service" "test" {
  name = var.name

  task_template {
    container_spec {
      image = local.testapp_v1
      oom_score_adj = -500
      healthcheck {
        test           = ["CMD", "/testapp", "health"]
        start_interval = "1s"
      }
      mounts {
        type   = "image"
        source = local.testapp_v2
        target = "/v2"
      }
      mounts {
        type   = "tmpfs"
        target = "/scratch"
        tmpfs_options {
          options = ["noexec"]
        }
      }
      mounts {
        type      = "bind"
        source    = "/tmp"
        target    = "/hosttmp"
        read_only = true
        bind_options {
          create_mountpoint       = true
          read_only_non_recursive = true
        }
      }
    }
    resources {
      memory_swappiness = 10
    }
  }
}
`

// TestAccServiceResource_apiGate: a field newer than the Engine's API fails the plan, naming the
// field and the version it needs.
func TestAccServiceResource_apiGate(t *testing.T) {
	t.Parallel()
	v, err := testAccClient(t).APIVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if swarm.APIAtLeast(v, "1.44") {
		t.Skipf("the Engine speaks API %s, which has healthcheck start_interval", v)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: testAccServiceResourceConfig_apiGate, ConfigVariables: config.Variables{"name": config.StringVariable(acctest.RandomWithPrefix("tfacc"))},
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`start_interval\S*\s+needs\s+Engine\s+API\s+1\.44`),
		}, {
			// Every field newer than this Engine is refused, each at its own attribute.
			Config: testAccServiceResourceConfig_apiGate, ConfigVariables: config.Variables{"name": config.StringVariable(acctest.RandomWithPrefix("tfacc"))},
			PlanOnly: true,
			// Terraform lists the errors in the order of the configuration.
			ExpectError: regexp.MustCompile(`(?s)oom_score_adj\S*\s+needs\s+Engine\s+API\s+1\.46.*type\s+=\s+"image"\S*\s+needs\s+Engine\s+API\s+1\.48.*` +
				`tmpfs_options\.options\S*\s+needs\s+Engine\s+API\s+1\.46.*create_mountpoint\S*\s+needs\s+Engine\s+API\s+1\.42.*` +
				`read_only_non_recursive\S*\s+needs\s+Engine\s+API\s+1\.44.*memory_swappiness\S*\s+needs\s+Engine\s+API\s+1\.52`),
		}},
	})
}

var testAccServiceResourceConfig_jobs = testAccBed + `
variable "name" { type = string }

resource "swarm_service" "replicated" {
  name = "${var.name}-rj"

  mode {
    replicated_job {
      max_concurrent    = 2
      total_completions = 3
    }
  }

  task_template {
    container_spec {
      image   = local.testapp_v1
      command = ["/testapp", "sleep", "1s"]
    }
    restart_policy {
      condition = "on-failure"
    }
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}

resource "swarm_service" "global" {
  name = "${var.name}-gj"

  mode {
    global_job {}
  }

  task_template {
    container_spec {
      image   = local.testapp_v1
      command = ["/testapp", "sleep", "1s"]
    }
    restart_policy {
      condition = "on-failure"
    }
    placement {
      constraints = ["node.role == manager"]
    }
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}
`

func TestAccServiceResource_jobs(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps: []resource.TestStep{{
			Config: testAccServiceResourceConfig_jobs, ConfigVariables: config.Variables{"name": config.StringVariable(name)},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("swarm_service.replicated", tfjsonpath.New("mode").AtMapKey("replicated_job").AtMapKey("total_completions"), knownvalue.Int64Exact(3)),
			},
			Check: resource.ComposeTestCheckFunc(
				testAccCheckServiceEngine(t, name+"-rj", func(s apiswarm.Service) error {
					return testAccServiceCompleted(t, s.ID, 3)
				}),
				testAccCheckServiceEngine(t, name+"-gj", func(s apiswarm.Service) error {
					return testAccServiceCompleted(t, s.ID, len(testAccNodes(t, "manager")))
				}),
			),
		}},
	})
}

var testAccServiceResourceConfig_healthcheck = testAccBed + `
variable "name" { type = string }
variable "mode" { type = string }

resource "swarm_service" "test" {
  name = var.name

  task_template {
    container_spec {
      image = local.testapp_v1
      env   = { TESTAPP_MODE = var.mode }
      healthcheck {
        test     = ["CMD", "/testapp", "health"]
        interval = "1s"
        timeout  = "1s"
        retries  = 1
      }
    }
    restart_policy {
      max_attempts = 1
    }
  }
  endpoint_spec {
    mode = "dnsrr"
  }
  timeouts {
    create = "2m"
  }
}
`

func TestAccServiceResource_healthcheck(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps: []resource.TestStep{
			{
				Config:          testAccServiceResourceConfig_healthcheck,
				ConfigVariables: config.Variables{"name": config.StringVariable(name), "mode": config.StringVariable("unhealthy")},
				ExpectError:     regexp.MustCompile(`(?i)unhealthy`),
			},
			{
				// The failed service stayed in state, tainted: the healthy one replaces it.
				Config:          testAccServiceResourceConfig_healthcheck,
				ConfigVariables: config.Variables{"name": config.StringVariable(name), "mode": config.StringVariable("healthy")},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_service.test", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: testAccCheckServiceEngine(t, name, func(s apiswarm.Service) error { return testAccServiceRunning(t, s.ID, 1) }),
			},
		},
	})
}

var testAccServiceResourceConfig_convergenceFailure = testAccBed + `
variable "name" { type = string }

resource "swarm_service" "test" {
  name = var.name

  task_template {
    container_spec {
      image = local.testapp_v1
    }
    placement {
      constraints = ["node.labels.tfacc_no_such_label == yes"]
    }
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}
`

func TestAccServiceResource_convergenceFailure(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	vars := config.Variables{"name": config.StringVariable(name)}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: testAccServiceResourceConfig_convergenceFailure, ConfigVariables: vars,
				ExpectError: regexp.MustCompile(`no suitable node`),
			},
			{
				// Still in state (and on the Engine): nothing was silently deleted.
				RefreshState: true,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrSet("swarm_service.test", "id"),
					testAccCheckServiceEngine(t, name, func(apiswarm.Service) error { return nil }),
				),
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

var testAccServiceResourceConfig_crashLogs = testAccBed + `
variable "name" { type = string }

resource "swarm_service" "test" {
  name = var.name

  task_template {
    container_spec {
      image = local.testapp_v1
      env   = { TESTAPP_EXIT_AFTER = "300ms", TESTAPP_EXIT_CODE = "3" }
      # A task counts as running only once healthy, which one that exits after 300ms never is:
      # without the check, a look that catches it running would count it as converged.
      healthcheck {
        test     = ["CMD", "/testapp", "health"]
        interval = "2s"
        retries  = 1
      }
    }
    restart_policy {
      condition = "on-failure"
      delay     = "100ms"
    }
  }
  timeouts {
    create = "2m"
  }
}
`

// TestAccServiceResource_convergenceFailureLogs: a task that exits with an error fails the
// apply, and the error quotes the last lines the task wrote (testapp says why it exits).
func TestAccServiceResource_convergenceFailureLogs(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc-logs")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps: []resource.TestStep{{
			Config: testAccServiceResourceConfig_crashLogs, ConfigVariables: config.Variables{"name": config.StringVariable(name)},
			ExpectError: regexp.MustCompile(`(?s)non-zero exit \(3\).*last\s+log\s+lines\s+of\s+the\s+task:.*\|\s+testapp:\s+exiting\s+with\s+code\s+3\s+after\s+300ms`),
		}},
	})
}

var testAccServiceResourceConfig_monitor = testAccBed + `
variable "name" { type = string }
variable "env" { type = map(string) }

resource "swarm_service" "test" {
  name                = var.name
  convergence_monitor = "4s"

  task_template {
    container_spec {
      image = local.testapp_v1
      env   = var.env
    }
    restart_policy {
      condition = "on-failure"
      delay     = "100ms"
    }
  }
  timeouts {
    create = "2m"
  }
}
`

// TestAccServiceResource_convergenceMonitor: without a health check, a task that exits a second
// after it starts is running at the wait's first look; convergence_monitor keeps watching, so the
// crash fails the apply with the task's error. A service that stays up converges after the watch.
func TestAccServiceResource_convergenceMonitor(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc-monitor")
	vars := func(env map[string]string) config.Variables {
		m := map[string]config.Variable{}
		for k, v := range env {
			m[k] = config.StringVariable(v)
		}
		return config.Variables{"name": config.StringVariable(name), "env": config.MapVariable(m)}
	}
	var start time.Time
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: testAccServiceResourceConfig_monitor, ConfigVariables: vars(map[string]string{"TESTAPP_EXIT_AFTER": "1s", "TESTAPP_EXIT_CODE": "3"}),
				ExpectError: regexp.MustCompile(`non-zero exit \(3\)`),
			},
			{
				// The tainted service is replaced by one that stays up: the watch passes.
				PreConfig: func() { start = time.Now() },
				Config:    testAccServiceResourceConfig_monitor, ConfigVariables: vars(map[string]string{}),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("swarm_service.test", "convergence_monitor", "4s"),
					testAccCheckServiceEngine(t, name, func(s apiswarm.Service) error { return testAccServiceRunning(t, s.ID, 1) }),
					testAccCheckWatched(&start, 4*time.Second),
				),
			},
		},
	})
}

// testAccCheckWatched checks that the apply that began at *start lasted at least the watch of
// convergence_monitor (a create without it takes a second or two on the bed).
func testAccCheckWatched(start *time.Time, watch time.Duration) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if took := time.Since(*start); took < watch {
			return fmt.Errorf("the apply took %s, less than the %s watch", took, watch)
		}
		return nil
	}
}

var testAccServiceResourceConfig_rollback = testAccBed + `
variable "name" { type = string }
variable "mode" { type = string }

resource "swarm_service" "test" {
  name = var.name

  task_template {
    container_spec {
      image = local.testapp_v1
      env   = { TESTAPP_MODE = var.mode }
      healthcheck {
        test     = ["CMD", "/testapp", "health"]
        interval = "1s"
        timeout  = "1s"
        retries  = 1
      }
    }
  }
  update_config {
    failure_action = "rollback"
    monitor        = "3s"
  }
  rollback_config {
    monitor = "1s"
  }
  endpoint_spec {
    mode = "dnsrr"
  }
  timeouts {
    update = "2m"
  }
}
`

func TestAccServiceResource_rollback(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps: []resource.TestStep{
			{
				Config:          testAccServiceResourceConfig_rollback,
				ConfigVariables: config.Variables{"name": config.StringVariable(name), "mode": config.StringVariable("healthy")},
			},
			{
				Config:          testAccServiceResourceConfig_rollback,
				ConfigVariables: config.Variables{"name": config.StringVariable(name), "mode": config.StringVariable("unhealthy")},
				ExpectError:     regexp.MustCompile(`Swarm rolled\s+back the update of service`),
			},
			{
				// Swarm rolled the spec back: the Engine has the healthy one again.
				RefreshState: true,
				Check: testAccCheckServiceEngine(t, name, func(s apiswarm.Service) error {
					return expectEq("env", strings.Join(s.Spec.TaskTemplate.ContainerSpec.Env, ","), "TESTAPP_MODE=healthy")
				}),
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

// ---- helpers ----

func expectEq[T comparable](what string, got, want T) error {
	if got != want {
		return fmt.Errorf("%s: got %v, want %v", what, got, want)
	}
	return nil
}

func testAccCheckServiceDestroy(t *testing.T) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		c := testAccClient(t)
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "swarm_service" {
				continue
			}
			_, err := c.InspectService(context.Background(), rs.Primary.ID)
			if err == nil {
				return fmt.Errorf("service %s still exists", rs.Primary.ID)
			}
			if !errors.Is(err, swarm.ErrNotFound) {
				return err
			}
		}
		return nil
	}
}

// testAccCheckServiceTasksGone checks that no task of the state's swarm_service resources is left
// on the swarm (the Engine refuses a task filter naming a service that is gone: all are listed).
func testAccCheckServiceTasksGone(t *testing.T) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		api, err := testAccClient(t).Manager(context.Background())
		if err != nil {
			return err
		}
		res, err := api.TaskList(context.Background(), client.TaskListOptions{})
		if err != nil {
			return err
		}
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "swarm_service" {
				continue
			}
			for _, task := range res.Items {
				if task.ServiceID == rs.Primary.ID {
					return fmt.Errorf("task %s of the destroyed service %s is still there (%s)", task.ID, rs.Primary.ID, task.Status.State)
				}
			}
		}
		return nil
	}
}

// testAccCheckServiceEngine inspects the service on the Engine and runs check on it.
func testAccCheckServiceEngine(t *testing.T, name string, check func(apiswarm.Service) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		s, err := testAccClient(t).InspectService(context.Background(), name)
		if err != nil {
			return err
		}
		return check(s)
	}
}

func testAccServiceTasks(t *testing.T, serviceID string) []apiswarm.Task {
	t.Helper()
	api, err := testAccClient(t).Manager(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	res, err := api.TaskList(context.Background(), client.TaskListOptions{Filters: client.Filters{}.Add("service", serviceID)})
	if err != nil {
		t.Fatal(err)
	}
	return res.Items
}

func testAccServiceRunning(t *testing.T, serviceID string, want int) error {
	n := 0
	for _, task := range testAccServiceTasks(t, serviceID) {
		if task.Status.State == apiswarm.TaskStateRunning && task.DesiredState == apiswarm.TaskStateRunning {
			n++
		}
	}
	return expectEq("running tasks", n, want)
}

func testAccServiceCompleted(t *testing.T, serviceID string, want int) error {
	n := 0
	for _, task := range testAccServiceTasks(t, serviceID) {
		if task.Status.State == apiswarm.TaskStateComplete {
			n++
		}
	}
	return expectEq("completed tasks", n, want)
}

func testAccServiceChangeOutOfBand(t *testing.T, name string, change func(*apiswarm.ServiceSpec)) {
	t.Helper()
	_, err := testAccClient(t).UpdateService(context.Background(), name, "", func(s apiswarm.Service) (apiswarm.ServiceSpec, error) {
		spec := s.Spec
		change(&spec)
		return spec, nil
	})
	if err != nil {
		t.Fatalf("changing service %s out of band: %v", name, err)
	}
}

func testAccCreateOverlay(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	c := testAccClient(t)
	id, err := c.CreateNetwork(ctx, name, client.NetworkCreateOptions{Driver: "overlay"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.RemoveNetwork(context.Background(), id, time.Minute) })
	return id
}

func testAccCreateSecret(t *testing.T, name, data string) string {
	t.Helper()
	ctx := context.Background()
	api, err := testAccClient(t).Manager(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := api.SecretCreate(ctx, client.SecretCreateOptions{Spec: apiswarm.SecretSpec{Annotations: apiswarm.Annotations{Name: name}, Data: []byte(data)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = api.SecretRemove(context.Background(), res.ID, client.SecretRemoveOptions{}) })
	return res.ID
}

// expectOnlyChanged is a plan check: the resource's planned change touches exactly the given
// attribute paths (dotted; list indexes and map keys as path elements).
func expectOnlyChanged(addr string, paths ...string) plancheck.PlanCheck {
	return onlyChangedCheck{addr: addr, want: paths}
}

type onlyChangedCheck struct {
	addr string
	want []string
}

func (c onlyChangedCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.addr {
			continue
		}
		var got []string
		diffPaths("", normalizeJSON(rc.Change.Before), normalizeJSON(rc.Change.After), &got)
		sort.Strings(got)
		want := append([]string(nil), c.want...)
		sort.Strings(want)
		if !reflect.DeepEqual(got, want) {
			resp.Error = fmt.Errorf("%s: planned changes at %v, want exactly %v", c.addr, got, want)
		}
		return
	}
	resp.Error = fmt.Errorf("%s: not in the plan", c.addr)
}

func normalizeJSON(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// diffPaths collects the leaf paths where a and b differ; a list element or map entry that only
// one side has counts as one path.
func diffPaths(prefix string, a, b any, out *[]string) {
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			*out = append(*out, prefix)
			return
		}
		keys := map[string]bool{}
		for k := range av {
			keys[k] = true
		}
		for k := range bv {
			keys[k] = true
		}
		for k := range keys {
			diffPaths(join(k), av[k], bv[k], out)
		}
	case []any:
		bv, ok := b.([]any)
		if !ok {
			*out = append(*out, prefix)
			return
		}
		for i := 0; i < max(len(av), len(bv)); i++ {
			if i >= len(av) || i >= len(bv) {
				*out = append(*out, join(fmt.Sprint(i)))
				continue
			}
			diffPaths(join(fmt.Sprint(i)), av[i], bv[i], out)
		}
	default:
		if !reflect.DeepEqual(a, b) {
			*out = append(*out, prefix)
		}
	}
}

var testAccServiceResourceConfig_full = testAccBed + `
variable "name" { type = string }

resource "swarm_service" "test" {
  name   = var.name
  labels = { team = "acc" }

  mode {
    replicated {
      replicas = 1
    }
  }

  task_template {
    force_update = 1

    container_spec {
      image             = local.testapp_v1
      command           = ["/testapp"]
      args              = []
      env               = { A = "1", EMPTY = "" }
      dir               = "/"
      user              = "0"
      groups            = ["100"]
      hostname          = "{{.Task.Slot}}-host"
      labels            = { c = "1" }
      init              = false
      tty               = false
      read_only         = true
      stop_signal       = "SIGTERM"
      stop_grace_period = "1500ms"
      hosts             = { "db.internal" = ["10.0.0.2", "fd00::2"] }
      sysctls           = { "net.core.somaxconn" = "1024" }
      capability_add    = ["NET_ADMIN"]
      capability_drop   = ["MKNOD"]

      healthcheck {
        test         = ["CMD", "/testapp", "health"]
        interval     = "1s"
        timeout      = "1s"
        retries      = 2
        start_period = "1s"
      }

      mounts {
        type   = "tmpfs"
        target = "/scratch"
        tmpfs_options {
          size = "16M"
          mode = "0700"
        }
      }
      mounts {
        type   = "volume"
        source = "${var.name}-vol"
        target = "/data"
        volume_options {
          no_copy = true
          labels  = { v = "1" }
          driver_config {
            name = "local"
          }
        }
      }
      mounts {
        type      = "bind"
        source    = "/tmp"
        target    = "/hosttmp"
        read_only = true
        bind_options {
          propagation = "rprivate"
        }
      }
      # The sticky bit (01777) and a bind without a propagation read back as written.
      mounts {
        type   = "tmpfs"
        target = "/sticky"
        tmpfs_options {
          mode = "1777"
        }
      }
      mounts {
        type   = "bind"
        source = "/tmp"
        target = "/hosttmp2"
        bind_options {
          non_recursive = true
        }
      }

      dns_config {
        nameservers = ["10.0.0.53", "2001:db8::53"]
        search      = ["example.com"]
        options     = ["ndots:2"]
      }
      privileges {
        selinux_context {
          disable = true
        }
      }
      ulimits {
        name = "nofile"
        soft = 1024
        hard = 2048
      }
    }
    resources {
      limits {
        cpus   = 0.25
        memory = "64MiB"
        pids   = 100
      }
      reservations {
        cpus   = 0.01
        memory = "8M"
      }
    }
    restart_policy {
      condition    = "on-failure"
      delay        = "2s"
      max_attempts = 3
      window       = "1m"
    }
    placement {
      constraints  = ["node.role == manager"]
      preferences  = ["node.labels.zone"]
      max_replicas = 1
      platforms {
        architecture = "amd64"
        os           = "linux"
      }
    }
    log_driver {
      name    = "json-file"
      options = { "max-size" = "1m" }
    }
  }
  update_config {
    parallelism       = 2
    delay             = "1s"
    failure_action    = "continue"
    monitor           = "1s"
    max_failure_ratio = 0.1
    order             = "start-first"
  }
  rollback_config {
    parallelism    = 0
    monitor        = "1s"
    failure_action = "continue"
  }
  endpoint_spec {
    mode = "dnsrr"
    ports {
      target_port    = 8080
      published_port = var.port
      publish_mode   = "host"
    }
  }
}

variable "port" { type = number }
`

// TestAccServiceResource_full applies most of the spec, imports it and checks that a plan right
// after shows nothing.
func TestAccServiceResource_full(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	vars := config.Variables{"name": config.StringVariable(name), "port": config.IntegerVariable(20000 + acctest.RandIntRange(0, 9999))}
	t.Cleanup(func() { testAccRemoveVolumeEverywhere(t, name+"-vol") })
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// The service publishes a port in host mode: its destroy returns only once its tasks
		// have gone, so that a replacement can take the port.
		CheckDestroy: resource.ComposeTestCheckFunc(testAccCheckServiceDestroy(t), testAccCheckServiceTasksGone(t)),
		Steps: []resource.TestStep{
			{
				Config: testAccServiceResourceConfig_full, ConfigVariables: vars,
				Check: testAccCheckServiceEngine(t, name, func(s apiswarm.Service) error {
					cs := s.Spec.TaskTemplate.ContainerSpec
					if len(cs.Mounts) != 5 || cs.Mounts[0].TmpfsOptions.SizeBytes != 16<<20 || cs.Mounts[3].TmpfsOptions.Mode != 0o1777 ||
						!cs.Mounts[4].BindOptions.NonRecursive || !cs.ReadOnly || len(cs.Ulimits) != 1 || cs.Mounts[0].TmpfsOptions.Mode != 0o700 ||
						!slices.Equal(cs.Hosts, []string{"10.0.0.2 db.internal", "fd00::2 db.internal"}) {
						return fmt.Errorf("container spec %+v", cs)
					}
					if *cs.StopGracePeriod != 1500*time.Millisecond || cs.Privileges == nil || cs.Privileges.SELinuxContext == nil || !cs.Privileges.SELinuxContext.Disable {
						return fmt.Errorf("stop grace %v privileges %+v", cs.StopGracePeriod, cs.Privileges)
					}
					return testAccServiceRunning(t, s.ID, 1)
				}),
			},
			{
				// The imported state spells these canonically ("1.5s" for "1500ms"); the next
				// step shows that the plan after the import is still empty.
				Config: testAccServiceResourceConfig_full, ConfigVariables: vars,
				ResourceName: "swarm_service.test", ImportState: true, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts", "task_template.container_spec.stop_grace_period",
					"task_template.resources.limits.memory", "task_template.restart_policy.window", testAccImportImagePath},
				ImportStateCheck: testAccImportedImagePinned(testAccImageV1),
			},
			{
				// An import block with this configuration plans a no-op import: no diff.
				Config: testAccServiceResourceConfig_full, ConfigVariables: vars,
				ResourceName: "swarm_service.test", ImportState: true, ImportStateKind: resource.ImportBlockWithID,
			},
		},
	})
}

// testAccRemoveVolumeEverywhere removes a named volume from every swarm node of the test bed:
// Swarm creates a mount's volume on demand on whichever node runs a task, and destroying the
// service leaves those copies behind. A task's container may still be going away on its node, so
// each removal is retried for a few seconds.
func testAccRemoveVolumeEverywhere(t *testing.T, name string) {
	for _, n := range testAccNodes(t, "") {
		if n.Role == "free" {
			continue
		}
		api := testAccEngineAPI(t, n.Host)
		for attempt := 0; attempt < 20; attempt++ {
			_, err := api.VolumeRemove(context.Background(), name, client.VolumeRemoveOptions{})
			if err == nil || cerrdefs.IsNotFound(err) {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
}

var testAccServiceResourceConfig_importCLI = testAccBed + `
variable "name" { type = string }

# The CLI's service runs the tag unpinned (--no-resolve-image): see the test.
resource "swarm_service" "test" {
  name          = var.name
  resolve_image = "never"

  mode {
    replicated {
      replicas = 1
    }
  }

  task_template {
    container_spec {
      image = local.testapp_v1
      env   = { A = "1" }
    }
  }
}
`

// TestAccServiceResource_importCLI imports a service made by `docker service create`, which
// writes the Engine's defaults explicitly: with a configuration that leaves them out, the import
// plans no change.
func TestAccServiceResource_importCLI(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	resource.Test(t, resource.TestCase{
		PreCheck: func() {
			testAccPreCheck(t)
			// --no-resolve-image, and resolve_image = "never" in the configuration, which the
			// import sets for a service running its tag unpinned: the defaults are what this test
			// is about. A digest that the CLI resolves comes with the image's platforms in
			// Placement.Platforms, which an import of a configuration without placement plans to
			// remove (not yet taken as a default: found when the test images moved to the
			// registry, where digests resolve).
			cmd := exec.Command("docker", "service", "create", "--detach", "--quiet", "--with-registry-auth", "--no-resolve-image", "--name", name, "--env", "A=1", testAccImageV1)
			cmd.Env = testAccDockerCLIEnv()
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("docker service create: %v\n%s", err, out)
			}
			t.Cleanup(func() { _ = testAccClient(t).RemoveService(context.Background(), name) })
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: testAccServiceResourceConfig_importCLI, ConfigVariables: config.Variables{"name": config.StringVariable(name)},
			ResourceName: "swarm_service.test", ImportState: true, ImportStateKind: resource.ImportBlockWithID, ImportStateId: name,
		}},
	})
}
