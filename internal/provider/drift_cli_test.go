package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/moby/moby/client"
)

var (
	buildProviderOnce sync.Once
	builtProviderDir  string
	buildProviderErr  error
)

// testAccBuildProvider builds the provider binary once per test run, for tests that run the
// terraform CLI itself (with dev_overrides) rather than the in-process test framework.
//
// The binary goes to a directory of its own rather than t.TempDir(): the first test's temporary
// directory goes away when that test ends, and the later tests still use the binary. The
// directory is left in the system temporary directory after the run (one small binary per run
// of these tests).
func testAccBuildProvider(t *testing.T) string {
	t.Helper()
	buildProviderOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tfswarm-provider") //nolint:usetesting // shared by every test of the run, built once
		if err != nil {
			buildProviderErr = err
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-swarm"), "../..").CombinedOutput()
		if err != nil {
			buildProviderErr = errors.New(string(out))
			return
		}
		builtProviderDir = dir
	})
	if buildProviderErr != nil {
		t.Fatalf("building the provider: %v", buildProviderErr)
	}
	return builtProviderDir
}

// terraformCLI runs terraform in dir with the built provider through dev_overrides.
type terraformCLI struct {
	t   *testing.T
	dir string
	env []string
}

func newTerraformCLI(t *testing.T, mainTF string) *terraformCLI {
	t.Helper()
	bin := testAccBuildProvider(t)
	dir := t.TempDir()
	rc := filepath.Join(dir, "dev.tfrc")
	if err := os.WriteFile(rc, []byte(`provider_installation {
  dev_overrides {
    "registry.terraform.io/tfswarm/swarm" = "`+bin+`"
  }
  direct {}
}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(mainTF), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"TF_CLI_CONFIG_FILE=" + rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TF_") {
			env = append(env, kv)
		}
	}
	return &terraformCLI{t: t, dir: dir, env: env}
}

// run returns the exit code and the combined output; it fails the test only when terraform
// could not be started.
func (c *terraformCLI) run(args ...string) (int, string) {
	c.t.Helper()
	bin := "terraform"
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		bin = p // the newer Terraform of `make test`'s second run
	}
	cmd := exec.Command(bin, append(args, "-no-color")...)
	cmd.Dir, cmd.Env = c.dir, c.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &exitErr):
		return exitErr.ExitCode(), out.String()
	}
	c.t.Fatalf("terraform %s: %v", strings.Join(args, " "), err)
	return -1, ""
}

func (c *terraformCLI) mustRun(args ...string) string {
	c.t.Helper()
	code, out := c.run(args...)
	if code != 0 {
		c.t.Fatalf("terraform %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

var testAccDriftCLIConfig = testAccBed + `
terraform {
  required_providers {
    swarm = { source = "tfswarm/swarm" }
  }
}

variable "name" {
  type    = string
  default = "NAME"
}

resource "swarm_network" "app" {
  name       = "${var.name}-net"
  attachable = true
}

resource "swarm_secret" "token" {
  name            = "${var.name}-token"
  data_wo         = "s3cret-token"
  data_wo_version = 1
}

resource "swarm_config" "conf" {
  name = "${var.name}-conf"
  data = "greeting = hello\n"
}

resource "swarm_volume" "data" {
  name = "${var.name}-data"
}

resource "swarm_service" "app" {
  name   = "${var.name}-svc"
  labels = { tier = "backend" }

  mode {
    replicated {
      replicas = 1
    }
  }

  task_template {
    container_spec {
      image = local.testapp_v1
      env   = { GREETING = "hello" }
      healthcheck {
        test     = ["CMD", "/testapp", "health"]
        interval = "1s"
        timeout  = "1s"
        retries  = 3
      }
      secrets {
        secret_id = swarm_secret.token.id
        file_name = "token"
      }
      configs {
        config_id = swarm_config.conf.id
        file_name = "/etc/app.conf"
      }
      mounts {
        type   = "volume"
        source = swarm_volume.data.name
        target = "/data"
      }
    }
    resources {
      limits {
        cpus   = 0.25
        memory = "64M"
      }
    }
    networks {
      target  = swarm_network.app.id
      aliases = ["app"]
    }
  }
  update_config {
    parallelism = 1
    order       = "start-first"
    monitor     = "1s"
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}
`

// driftedResources runs a refresh-only plan with -json and returns the addresses of the
// resources it reports as changed outside of Terraform, with the messages.
func (c *terraformCLI) driftedResources() (map[string]string, string) {
	c.t.Helper()
	code, out := c.run("plan", "-refresh-only", "-json", "-input=false")
	if code != 0 {
		c.t.Fatalf("terraform plan -refresh-only -json exited %d:\n%s", code, out)
	}
	drifted := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		var msg struct {
			Type   string `json:"type"`
			Change struct {
				Resource struct {
					Addr string `json:"addr"`
				} `json:"resource"`
			} `json:"change"`
			Message string `json:"@message"`
		}
		if json.Unmarshal([]byte(line), &msg) == nil && msg.Type == "resource_drift" {
			drifted[msg.Change.Resource.Addr] = msg.Message
		}
	}
	return drifted, out
}

// TestAccProvider_refreshOnlyDrift runs the terraform CLI as drift checks in CI do, with every
// resource type together: right after an apply a refresh-only plan reports no drift and a plan
// no change; after an out-of-band `docker service scale` the refresh-only plan reports exactly
// that service, `-detailed-exitcode` exits 2, and apply restores it.
//
// Terraform 1.11 itself exits 2 from `plan -refresh-only -detailed-exitcode` when nothing drifted
// for resource types with number attributes (hashicorp/terraform#36403; its saved prior and
// previous states are identical), so "no drift" is checked on the plan's resource_drift messages,
// as the drift-detection guide recommends, not on that exit code.
func TestAccProvider_refreshOnlyDrift(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	testAccPreCheck(t)
	name := acctest.RandomWithPrefix("tfacc")
	tf := newTerraformCLI(t, strings.ReplaceAll(testAccDriftCLIConfig, `"NAME"`, `"`+name+`"`))
	t.Cleanup(func() {
		if code, out := tf.run("destroy", "-auto-approve", "-input=false"); code != 0 {
			t.Errorf("terraform destroy exited %d:\n%s", code, out)
		}
		testAccRemoveVolumeEverywhere(t, name+"-data")
	})

	tf.mustRun("apply", "-auto-approve", "-input=false")
	if drifted, out := tf.driftedResources(); len(drifted) != 0 {
		t.Fatalf("refresh-only plan right after apply reports drift %v:\n%s", drifted, out)
	}
	if code, out := tf.run("plan", "-detailed-exitcode", "-input=false"); code != 0 {
		t.Fatalf("plan right after apply exited %d, want 0 (no changes):\n%s", code, out)
	}

	// Out of band, as `docker service scale <name>=2` would.
	ctx := context.Background()
	api, err := testAccClient(t).Manager(ctx)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := api.ServiceInspect(ctx, name+"-svc", client.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec := svc.Service.Spec
	two := uint64(2)
	spec.Mode.Replicated.Replicas = &two
	if _, err := api.ServiceUpdate(ctx, svc.Service.ID, client.ServiceUpdateOptions{Version: svc.Service.Version, Spec: spec}); err != nil {
		t.Fatal(err)
	}

	drifted, out := tf.driftedResources()
	if len(drifted) != 1 || drifted["swarm_service.app"] == "" {
		t.Fatalf("refresh-only plan after an out-of-band scale reports drift %v, want swarm_service.app only:\n%s", drifted, out)
	}
	code, out := tf.run("plan", "-refresh-only", "-detailed-exitcode", "-input=false")
	if code != 2 {
		t.Fatalf("refresh-only plan after an out-of-band scale exited %d, want 2:\n%s", code, out)
	}
	if !strings.Contains(out, "replicas") || !strings.Contains(out, "1 -> 2") {
		t.Errorf("the refresh-only plan does not show the replica change:\n%s", out)
	}
	tf.mustRun("apply", "-auto-approve", "-input=false")
	if drifted, out := tf.driftedResources(); len(drifted) != 0 {
		t.Fatalf("refresh-only plan after the apply that restored the service reports drift %v:\n%s", drifted, out)
	}
	if n := testAccServiceReplicas(t, name+"-svc"); n != 1 {
		t.Errorf("replicas after the restoring apply = %d, want 1", n)
	}
}

func testAccServiceReplicas(t *testing.T, name string) uint64 {
	t.Helper()
	ctx := context.Background()
	api, err := testAccClient(t).Manager(ctx)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := api.ServiceInspect(ctx, name, client.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return *svc.Service.Spec.Mode.Replicated.Replicas
}
