package provider

// Acceptance tests of private images against the test bed's registry (internal/testbed: TLS from
// the bed's CA, htpasswd auth, its address and credentials in registry.env). Every test pushes
// the bed's test image to a repository of its own, which no node has ever pulled.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
	"github.com/tfswarm/terraform-provider-swarm/internal/testbed/bedenv"
)

type testRegistry = bedenv.Registry

// testbedBuildV1 and testbedBuildV2 are the bed's builds of the test images on the host engine,
// under their local names (internal/testbed): what these tests push to repositories of their own.
const (
	testbedBuildV1 = "tfswarm/testapp:v1"
	testbedBuildV2 = "tfswarm/testapp:v2"
)

// testAccRegistry is the bed's registry (registry.env); it skips the test without TF_ACC.
func testAccRegistry(t *testing.T) testRegistry {
	t.Helper()
	skipUnlessAcc(t)
	if testAccRegistryErr != nil {
		t.Fatal(testAccRegistryErr)
	}
	return testAccRegistryOfBed
}

// testAccPushImage tags the host engine's image src as target and pushes it to the bed's registry.
func testAccPushImage(t *testing.T, reg testRegistry, src, target string) {
	t.Helper()
	ctx := context.Background()
	api, err := testAccClient(t).Engine(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.ImageTag(ctx, client.ImageTagOptions{Source: src, Target: target}); err != nil {
		t.Fatalf("tagging %s: %v", target, err)
	}
	t.Cleanup(func() {
		_, _ = api.ImageRemove(context.Background(), target, client.ImageRemoveOptions{})
	})
	auth, err := reg.AuthHeader()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := api.ImagePush(ctx, target, client.ImagePushOptions{RegistryAuth: auth})
	if err != nil {
		t.Fatalf("pushing %s: %v", target, err)
	}
	defer resp.Close()
	if err := resp.Wait(ctx); err != nil {
		t.Fatalf("pushing %s: %v", target, err)
	}
}

// testAccWorkersLack fails when a worker's engine already has image: the test is about a node
// that never had it.
func testAccWorkersLack(t *testing.T, image string) {
	t.Helper()
	for _, n := range testAccNodes(t, "worker") {
		c, err := swarm.New(swarm.Config{Endpoints: []swarm.Endpoint{{Host: n.Host}}})
		if err != nil {
			t.Fatal(err)
		}
		api, err := c.Engine(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		_, err = api.ImageInspect(context.Background(), image)
		_ = c.Close()
		if err == nil {
			t.Fatalf("worker %s already has %s", n.Name, image)
		}
		if !cerrdefs.IsNotFound(err) {
			t.Fatal(err)
		}
	}
}

// testAccTraceLog makes Terraform and the provider under test log at trace level into one file of
// the test's own (TF_ACC_LOG_PATH: plugin-testing hands it to Terraform, and terraform-plugin-log's
// test sink writes the provider's logs there too), and returns a check that none of secrets
// appears in it.
func testAccTraceLog(t *testing.T) func(secrets ...string) {
	logFile := filepath.Join(t.TempDir(), "terraform.log")
	t.Setenv("TF_ACC_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	return func(secrets ...string) {
		t.Helper()
		b, err := os.ReadFile(logFile)
		if err != nil {
			t.Fatalf("the trace log was not written: %v", err)
		}
		log := string(b)
		// Both Terraform's trace and the provider's own lines are there.
		for _, want := range []string{"[TRACE]", "Docker Engine client configured", "swarm_service"} {
			if !strings.Contains(log, want) {
				t.Fatalf("the trace log (%d bytes) lacks %q", len(b), want)
			}
		}
		for _, s := range secrets {
			if strings.Contains(log, s) {
				t.Errorf("the trace log holds a registry password")
			}
		}
	}
}

// testAccStateLacks fails when a value of the state holds one of secrets.
func testAccStateLacks(secrets ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for addr, rs := range s.RootModule().Resources {
			for k, v := range rs.Primary.Attributes {
				for _, sec := range secrets {
					if strings.Contains(v, sec) {
						return fmt.Errorf("%s.%s holds a registry password", addr, k)
					}
				}
			}
		}
		return nil
	}
}

// testAccCheckTaskDigests checks that every running task of the service runs the image pinned to
// the digest in state, and that the digest is the one *want holds when want is set (or another
// when notWant is set); it records the digest in *got.
func testAccCheckTaskDigests(t *testing.T, image string, replicas int, got *string, notWant *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs := s.RootModule().Resources["swarm_service.test"]
		digest := rs.Primary.Attributes["image_digest"]
		if !strings.HasPrefix(digest, "sha256:") {
			return fmt.Errorf("image_digest = %q, want a sha256 digest", digest)
		}
		if notWant != nil && digest == *notWant {
			return fmt.Errorf("image_digest is still %s", digest)
		}
		if a := rs.Primary.Attributes["task_template.0.container_spec.0.image"]; a != "" && !strings.HasPrefix(a, image) {
			return fmt.Errorf("image in state = %q, want the configured %q", a, image)
		}
		if a := rs.Primary.Attributes["task_template.container_spec.image"]; a != "" && !strings.HasPrefix(a, image) {
			return fmt.Errorf("image in state = %q, want the configured %q", a, image)
		}
		running := 0
		for _, task := range testAccServiceTasks(t, rs.Primary.ID) {
			if task.DesiredState != apiswarm.TaskStateRunning {
				continue
			}
			if task.Status.State != apiswarm.TaskStateRunning {
				return fmt.Errorf("task %s is %s: %s", task.ID, task.Status.State, task.Status.Err)
			}
			if img := task.Spec.ContainerSpec.Image; img != image+"@"+digest {
				return fmt.Errorf("task %s runs %s, want %s@%s", task.ID, img, image, digest)
			}
			running++
		}
		if running != replicas {
			return fmt.Errorf("%d running tasks, want %d", running, replicas)
		}
		*got = digest
		return nil
	}
}

const testAccServiceResourceConfig_privateImage = `
variable "name" { type = string }
variable "image" { type = string }
variable "registry" { type = string }
variable "user" { type = string }
variable "password" {
  type      = string
  sensitive = true
}

provider "swarm" {
  registry_auth {
    address  = var.registry
    username = var.user
    password = var.password
  }
}

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
    }
    placement {
      constraints = ["node.role == worker"]
    }
  }
  endpoint_spec {
    mode = "dnsrr"
  }
  timeouts {
    create = "3m"
    update = "3m"
  }
}
`

// TestAccServiceResource_privateImage: a private image on workers that never had it runs after
// one apply with the provider's credentials, pinned to its digest on every task; a new build
// pushed under the same tag shows in the next plan and the apply rolls the service to it; the
// password reaches neither the state nor the trace log.
func TestAccServiceResource_privateImage(t *testing.T) {
	reg := testAccRegistry(t)
	noSecret := testAccTraceLog(t)
	name := acctest.RandomWithPrefix("tfacc")
	image := reg.Addr + "/" + name + "/app:stable"
	testAccWorkersLack(t, image)
	vars := config.Variables{
		"name": config.StringVariable(name), "image": config.StringVariable(image), "registry": config.StringVariable(reg.Addr),
		"user": config.StringVariable(reg.User), "password": config.StringVariable(reg.Password),
	}
	var first, second string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { testAccPushImage(t, reg, testbedBuildV1, image) },
				Config:    testAccServiceResourceConfig_privateImage, ConfigVariables: vars,
				Check: resource.ComposeTestCheckFunc(
					testAccCheckTaskDigests(t, image, 2, &first, nil),
					testAccStateLacks(reg.Password),
				),
			},
			{
				// Another build under the same tag: the plan shows the new digest, the apply rolls.
				PreConfig: func() { testAccPushImage(t, reg, testbedBuildV2, image) },
				Config:    testAccServiceResourceConfig_privateImage, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_service.test", plancheck.ResourceActionUpdate),
					plannedDigestCheck{notWant: &first},
				}},
				Check: resource.ComposeTestCheckFunc(
					testAccCheckTaskDigests(t, image, 2, &second, &first),
					testAccStateLacks(reg.Password),
				),
			},
		},
	})
	noSecret(reg.Password)
}

// plannedDigestCheck: the plan knows the new digest of swarm_service.test (resolved at plan
// time), and it is not *notWant.
type plannedDigestCheck struct{ notWant *string }

func (c plannedDigestCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != "swarm_service.test" {
			continue
		}
		after, _ := rc.Change.After.(map[string]any)
		before, _ := rc.Change.Before.(map[string]any)
		d, _ := after["image_digest"].(string)
		switch {
		case !strings.HasPrefix(d, "sha256:"):
			resp.Error = fmt.Errorf("planned image_digest = %v, want a known digest", after["image_digest"])
		case d == *c.notWant || d == before["image_digest"]:
			resp.Error = fmt.Errorf("planned image_digest %s is the old one", d)
		}
		return
	}
	resp.Error = fmt.Errorf("no change of swarm_service.test planned")
}

const testAccServiceResourceConfig_privateImageOverride = `
variable "name" { type = string }
variable "image" { type = string }
variable "user" { type = string }
variable "password" {
  type      = string
  sensitive = true
}
variable "password_version" { type = number }

resource "swarm_service" "test" {
  name          = var.name
  resolve_image = "changed"
  task_template {
    container_spec {
      image = var.image
    }
    placement {
      constraints = ["node.role == worker"]
    }
  }
  registry_auth {
    username            = var.user
    password_wo         = var.password
    password_wo_version = var.password_version
  }
  endpoint_spec {
    mode = "dnsrr"
  }
  timeouts {
    create = "3m"
    update = "3m"
  }
}
`

// TestAccServiceResource_privateImageOverride: the same with the service's own credentials
// (write-only password) and no provider credentials; a new password version updates in place.
func TestAccServiceResource_privateImageOverride(t *testing.T) {
	reg := testAccRegistry(t)
	noSecret := testAccTraceLog(t)
	name := acctest.RandomWithPrefix("tfacc")
	image := reg.Addr + "/" + name + "/app:v1"
	testAccWorkersLack(t, image)
	vars := func(version int) config.Variables {
		return config.Variables{
			"name": config.StringVariable(name), "image": config.StringVariable(image),
			"user": config.StringVariable(reg.User), "password": config.StringVariable(reg.Password),
			"password_version": config.IntegerVariable(version),
		}
	}
	var first, second string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { testAccPushImage(t, reg, testbedBuildV1, image) },
				Config:    testAccServiceResourceConfig_privateImageOverride, ConfigVariables: vars(1),
				Check: resource.ComposeTestCheckFunc(
					testAccCheckTaskDigests(t, image, 1, &first, nil),
					resource.TestCheckNoResourceAttr("swarm_service.test", "registry_auth.password_wo"),
					resource.TestCheckResourceAttr("swarm_service.test", "registry_auth.username", reg.User),
					testAccStateLacks(reg.Password),
				),
			},
			{
				// resolve_image = "changed": a new password version updates the service (with the
				// credentials) and keeps the digest it runs.
				Config: testAccServiceResourceConfig_privateImageOverride, ConfigVariables: vars(2),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_service.test", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(
					testAccCheckTaskDigests(t, image, 1, &second, nil),
					func(*terraform.State) error { return expectEq("digest", second, first) },
					testAccStateLacks(reg.Password),
				),
			},
		},
	})
	noSecret(reg.Password)
}

// TestAccServiceResource_privateImageWrongPassword: a wrong password fails the apply within the
// convergence timeout with the registry's own words and the image name; the service stays in
// state (tainted).
func TestAccServiceResource_privateImageWrongPassword(t *testing.T) {
	reg := testAccRegistry(t)
	name := acctest.RandomWithPrefix("tfacc")
	image := reg.Addr + "/" + name + "/app:v1"
	wrong := "wrong-" + acctest.RandString(12)
	noSecret := testAccTraceLog(t)
	vars := config.Variables{
		"name": config.StringVariable(name), "image": config.StringVariable(image), "registry": config.StringVariable(reg.Addr),
		"user": config.StringVariable(reg.User), "password": config.StringVariable(wrong),
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { testAccPushImage(t, reg, testbedBuildV1, image) },
				Config:    testAccServiceResourceConfig_privateImage, ConfigVariables: vars,
				ExpectError: regexp.MustCompile(`(?s)did not converge.*` + regexp.QuoteMeta(image) + `.*registry answered:.*unauthorized`),
			},
			{
				RefreshState: true,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrSet("swarm_service.test", "id"),
					testAccStateLacks(wrong),
				),
				ExpectNonEmptyPlan: true,
			},
		},
	})
	noSecret(wrong)
}

const testAccRegistryImageDataSourceConfig = `
variable "image" { type = string }
variable "registry" { type = string }
variable "user" { type = string }
variable "password" {
  type      = string
  sensitive = true
}

provider "swarm" {
  registry_auth {
    address  = var.registry
    username = var.user
    password = var.password
  }
}

data "swarm_registry_image" "test" {
  name = var.image
}
`

// TestAccRegistryImageDataSource_basic: the digest a tag points at, with the provider's
// credentials, is the one the host engine recorded when it pushed the image.
func TestAccRegistryImageDataSource_basic(t *testing.T) {
	reg := testAccRegistry(t)
	name := acctest.RandomWithPrefix("tfacc")
	image := reg.Addr + "/" + name + "/app:v1"
	vars := config.Variables{
		"image": config.StringVariable(image), "registry": config.StringVariable(reg.Addr),
		"user": config.StringVariable(reg.User), "password": config.StringVariable(reg.Password),
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { testAccPushImage(t, reg, testbedBuildV1, image) },
				Config:    testAccRegistryImageDataSourceConfig, ConfigVariables: vars,
				Check: func(s *terraform.State) error {
					a := s.RootModule().Resources["data.swarm_registry_image.test"].Primary.Attributes
					api, err := testAccClient(t).Engine(context.Background())
					if err != nil {
						return err
					}
					inspect, err := api.ImageInspect(context.Background(), image)
					if err != nil {
						return err
					}
					want := ""
					for _, rd := range inspect.RepoDigests {
						if ref, d := swarm.SplitDigest(rd); strings.HasPrefix(image, ref+":") {
							want = d
						}
					}
					if want == "" {
						return fmt.Errorf("the host engine has no repo digest of %s: %v", image, inspect.RepoDigests)
					}
					if err := expectEq("digest", a["digest"], want); err != nil {
						return err
					}
					if err := expectEq("pinned", a["pinned"], image+"@"+want); err != nil {
						return err
					}
					return expectEq("registry", a["registry"], reg.Addr)
				},
			},
		},
	})
}
