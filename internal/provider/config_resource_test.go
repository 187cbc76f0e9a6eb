package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
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

const testAccConfigResourceConfig_basic = `
variable "name" { type = string }
variable "content" { type = string }
variable "labels" {
  type    = map(string)
  default = null
}
variable "keep" {
  type    = number
  default = 1
}

resource "swarm_config" "test" {
  name             = var.name
  data             = var.content
  templating       = "golang"
  labels           = var.labels
  versions_to_keep = var.keep
}
`

const testAccConfigResourceConfig_writeOnly = `
variable "name" { type = string }
variable "content" {
  type      = string
  ephemeral = true
}
variable "content_version" { type = number }

resource "swarm_config" "test" {
  name            = var.name
  data_wo         = var.content
  data_wo_version = var.content_version
}
`

// testAccConfigVars feeds testAccConfigResourceConfig_basic; every test keeps one old version.
func testAccConfigVars(name, content string, labels map[string]string) config.Variables {
	v := config.Variables{
		"name":    config.StringVariable(name),
		"content": config.StringVariable(content),
		"keep":    config.IntegerVariable(1),
	}
	if labels != nil {
		m := map[string]config.Variable{}
		for k, x := range labels {
			m[k] = config.StringVariable(x)
		}
		v["labels"] = config.MapVariable(m)
	}
	return v
}

func testAccConfigContent(want string) func(swarm.Object) error {
	return func(o swarm.Object) error {
		if string(o.Data) != want {
			return fmt.Errorf("the Engine's config holds %q, want %q", o.Data, want)
		}
		return nil
	}
}

func TestAccConfigResource_basic(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	content := "listen {{ .Service.Name }}\n"
	vars := testAccConfigVars(name, content, map[string]string{"app": "shop"})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckObjectDestroy(t, swarm.KindConfig),
		Steps: []resource.TestStep{
			{
				Config: testAccConfigResourceConfig_basic, ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_config.test", tfjsonpath.New("name"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue("swarm_config.test", tfjsonpath.New("versioned_name"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue("swarm_config.test", tfjsonpath.New("id"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("swarm_config.test", tfjsonpath.New("templating"), knownvalue.StringExact("golang")),
					statecheck.ExpectKnownValue("swarm_config.test", tfjsonpath.New("data_sha256"), knownvalue.StringExact(sha256Hex([]byte(content)))),
					statecheck.ExpectKnownValue("swarm_config.test", tfjsonpath.New("labels"), knownvalue.MapExact(map[string]knownvalue.Check{"app": knownvalue.StringExact("shop")})),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccObjectEngine(t, swarm.KindConfig, "swarm_config.test", testAccObjectLabels(managedPlus(name, 1, map[string]string{"app": "shop"}))),
					testAccObjectEngine(t, swarm.KindConfig, "swarm_config.test", testAccConfigContent(content)),
					testAccObjectEngine(t, swarm.KindConfig, "swarm_config.test", func(o swarm.Object) error {
						if o.Template == nil || o.Template.Name != "golang" {
							return fmt.Errorf("templating on the Engine: %+v", o.Template)
						}
						return nil
					}),
				),
			},
			{
				ResourceName: "swarm_config.test", ImportState: true, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"data"},
				Config:                  testAccConfigResourceConfig_basic, ConfigVariables: vars,
			},
			// The Engine never returns what Terraform keeps of the content (data_wo_version, or data):
			// the import records it in place, and creates no new version (same ID and name).
			importByIdentityStep(resource.TestStep{
				Config: testAccConfigResourceConfig_basic, ConfigVariables: vars, ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_config.test", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("swarm_config.test", tfjsonpath.New("versioned_name"), knownvalue.StringExact(name)),
					plancheck.ExpectKnownValue("swarm_config.test", tfjsonpath.New("id"), knownvalue.NotNull()),
				}},
			}, "swarm_config.test"),
			{
				ResourceName: "swarm_config.test", ImportState: true, ImportStateVerify: true, ImportStateId: name,
				ImportStateVerifyIgnore: []string{"data"},
				Config:                  testAccConfigResourceConfig_basic, ConfigVariables: vars,
			},
		},
	})
}

func TestAccConfigResource_update(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	sameID := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckObjectDestroy(t, swarm.KindConfig),
		Steps: []resource.TestStep{
			{
				Config: testAccConfigResourceConfig_basic, ConfigVariables: testAccConfigVars(name, "a", map[string]string{"app": "shop"}),
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue("swarm_config.test", tfjsonpath.New("id"))},
			},
			{
				// Labels change in place.
				Config: testAccConfigResourceConfig_basic, ConfigVariables: testAccConfigVars(name, "a", map[string]string{"app": "cart"}),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_config.test", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("swarm_config.test", tfjsonpath.New("id"), knownvalue.NotNull()),
				}},
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue("swarm_config.test", tfjsonpath.New("id"))},
				Check: testAccObjectEngine(t, swarm.KindConfig, "swarm_config.test",
					testAccObjectLabels(managedPlus(name, 1, map[string]string{"app": "cart"}))),
			},
			{
				// New content: a new version, in place. The plan shows the content (configs are not secrets).
				Config: testAccConfigResourceConfig_basic, ConfigVariables: testAccConfigVars(name, "b", map[string]string{"app": "cart"}),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_config.test", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("swarm_config.test", tfjsonpath.New("data"), knownvalue.StringExact("b")),
					expectNotSensitive{"swarm_config.test", "data"},
					plancheck.ExpectUnknownValue("swarm_config.test", tfjsonpath.New("id")),
					plancheck.ExpectKnownValue("swarm_config.test", tfjsonpath.New("data_sha256"), knownvalue.StringExact(sha256Hex([]byte("b")))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_config.test", tfjsonpath.New("versioned_name"), knownvalue.StringExact(name+"-v2")),
				},
				Check: testAccObjectEngine(t, swarm.KindConfig, "swarm_config.test", testAccConfigContent("b")),
			},
		},
	})
}

func TestAccConfigResource_writeOnly(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	one, two := "config-one-"+acctest.RandString(16), "config-two-"+acctest.RandString(16)
	vars := func(content string, version int) config.Variables {
		return config.Variables{"name": config.StringVariable(name), "content": config.StringVariable(content), "content_version": config.IntegerVariable(version)}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckObjectDestroy(t, swarm.KindConfig),
		Steps: []resource.TestStep{
			{
				Config: testAccConfigResourceConfig_writeOnly, ConfigVariables: vars(one, 1),
				ConfigStateChecks: []statecheck.StateCheck{noValueInState{[]string{one}}},
				Check:             testAccObjectEngine(t, swarm.KindConfig, "swarm_config.test", testAccConfigContent(one)),
			},
			{
				Config: testAccConfigResourceConfig_writeOnly, ConfigVariables: vars(two, 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_config.test", plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue("swarm_config.test", tfjsonpath.New("id")),
				}},
				Check: testAccObjectEngine(t, swarm.KindConfig, "swarm_config.test", testAccConfigContent(two)),
			},
			{
				ResourceName: "swarm_config.test", ImportState: true, ImportStateVerify: true, ImportStateId: name,
				ImportStateVerifyIgnore: []string{"data_wo", "data_wo_version"},
				Config:                  testAccConfigResourceConfig_writeOnly, ConfigVariables: vars(two, 2),
			},
		},
	})
}

func testAccRemoveConfig(t *testing.T, name string) {
	t.Helper()
	api, err := testAccClient(t).Manager(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	o, err := testAccClient(t).FindObjectByName(context.Background(), swarm.KindConfig, name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.ConfigRemove(context.Background(), o.ID, client.ConfigRemoveOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestAccConfigResource_disappears(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	vars := testAccConfigVars(name, "a", nil)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckObjectDestroy(t, swarm.KindConfig),
		Steps: []resource.TestStep{
			{Config: testAccConfigResourceConfig_basic, ConfigVariables: vars},
			{
				PreConfig: func() { testAccRemoveConfig(t, name) },
				Config:    testAccConfigResourceConfig_basic, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_config.test", plancheck.ResourceActionCreate),
				}},
				Check: testAccObjectEngine(t, swarm.KindConfig, "swarm_config.test", testAccConfigContent("a")),
			},
		},
	})
}

// TestAccConfigResource_drift: a config replaced outside Terraform by one with other content under
// the same name shows as drift, and the next apply restores the content as a new version.
func TestAccConfigResource_drift(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	vars := testAccConfigVars(name, "original", nil)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckObjectDestroy(t, swarm.KindConfig),
		Steps: []resource.TestStep{
			{Config: testAccConfigResourceConfig_basic, ConfigVariables: vars},
			{
				PreConfig: func() {
					testAccRemoveConfig(t, name)
					api, err := testAccClient(t).Manager(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					if _, err := api.ConfigCreate(context.Background(), client.ConfigCreateOptions{Spec: apiswarm.ConfigSpec{
						Annotations: apiswarm.Annotations{Name: name}, Data: []byte("tampered"),
					}}); err != nil {
						t.Fatal(err)
					}
				},
				RefreshState: true,
				RefreshPlanChecks: resource.RefreshPlanChecks{PostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectNonEmptyPlan(),
				}},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: testAccConfigResourceConfig_basic, ConfigVariables: vars,
				PlanOnly: true, ExpectNonEmptyPlan: true,
			},
			{
				Config: testAccConfigResourceConfig_basic, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_config.test", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("swarm_config.test", tfjsonpath.New("data_sha256"), knownvalue.StringExact(sha256Hex([]byte("original")))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_config.test", tfjsonpath.New("data_sha256"), knownvalue.StringExact(sha256Hex([]byte("original")))),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccObjectEngine(t, swarm.KindConfig, "swarm_config.test", testAccConfigContent("original")),
					func(s *terraform.State) error {
						if got := s.RootModule().Resources["swarm_config.test"].Primary.Attributes["versioned_name"]; got != name+"-v2" {
							return fmt.Errorf("versioned_name %q, want %s-v2", got, name)
						}
						return nil
					},
				),
			},
		},
	})
}

// expectNotSensitive fails when the plan marks a top-level attribute of a resource as sensitive
// (Terraform would then show "(sensitive value)" instead of the change).
type expectNotSensitive struct{ addr, attr string }

func (c expectNotSensitive) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.addr {
			continue
		}
		for _, marks := range []any{rc.Change.BeforeSensitive, rc.Change.AfterSensitive} {
			if m, ok := marks.(map[string]any); ok && m[c.attr] == true {
				resp.Error = fmt.Errorf("%s.%s is sensitive in the plan", c.addr, c.attr)
				return
			}
		}
		return
	}
	resp.Error = fmt.Errorf("%s not in the plan", c.addr)
}
