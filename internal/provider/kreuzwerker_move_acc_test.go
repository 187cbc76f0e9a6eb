package provider

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// testAccMoveConfig is testdata/kreuzwerker-v4/main.tf.txt written for this provider, as the
// migration guide says, with a `moved` block for each resource.
var testAccMoveConfig = testAccBedLocals + `
terraform {
  required_providers {
    swarm = { source = "tfswarm/swarm" }
  }
}

provider "swarm" {` + testAccBedDockerConfig + `}

moved {
  from = docker_network.backend
  to   = swarm_network.backend
}

moved {
  from = docker_volume.data
  to   = swarm_volume.data
}

moved {
  from = docker_secret.db_password
  to   = swarm_secret.db_password
}

moved {
  from = docker_config.app
  to   = swarm_config.app
}

moved {
  from = docker_service.api
  to   = swarm_service.api
}

moved {
  from = docker_service.agent
  to   = swarm_service.agent
}

resource "swarm_network" "backend" {
  name   = "NAME_backend"
  driver = "overlay"
  labels = { tier = "backend" }
}

resource "swarm_volume" "data" {
  name = "NAME_data"
}

resource "swarm_secret" "db_password" {
  name           = "NAME_db_password"
  data           = base64encode("not-a-real-password")
  data_is_base64 = true
}

resource "swarm_config" "app" {
  name           = "NAME_app_config"
  data           = base64encode("listen 8080\n")
  data_is_base64 = true
}

resource "swarm_service" "api" {
  name   = "NAME_api"
  labels = { tier = "backend" }

  task_template {
    container_spec {
      image = local.testapp_v1
      env   = { REDIS_URL = "redis://cache:6379", DB_HOST = "db" }
      # kreuzwerker/docker sends 0s when stop_grace_period is left out; the Engine's default is 10s.
      stop_grace_period = "0s"
      healthcheck {
        test     = ["CMD", "/testapp", "health"]
        interval = "5s"
        timeout  = "2s"
        retries  = 3
      }
      secrets {
        secret_id   = swarm_secret.db_password.id
        secret_name = swarm_secret.db_password.name
        file_name   = "/run/secrets/db_password"
      }
      configs {
        config_id   = swarm_config.app.id
        config_name = swarm_config.app.name
        file_name   = "/etc/app.conf"
      }
      mounts {
        target = "/data"
        source = swarm_volume.data.name
        type   = "volume"
      }
    }
    resources {
      limits {
        cpus   = 0.5
        memory = "512MiB"
      }
    }
    restart_policy {
      condition = "on-failure"
      delay     = "5s"
    }
    placement {
      constraints = ["node.role == manager"]
    }
    networks {
      target  = swarm_network.backend.id
      aliases = ["api"]
    }
  }
  mode {
    replicated {
      replicas = 2
    }
  }
  update_config {
    parallelism    = 1
    delay          = "10s"
    failure_action = "rollback"
    order          = "start-first"
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}

resource "swarm_service" "agent" {
  name = "NAME_agent"
  task_template {
    container_spec {
      image = local.testapp_v1
    }
  }
  mode {
    global {}
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}
`

// TestAccKreuzwerkerMove_plan makes on the bed the objects of testdata/kreuzwerker-v4 as
// kreuzwerker/docker made them (the same Engine specs), writes the kreuzwerker state of the
// fixture with their IDs, and plans testAccMoveConfig: Terraform calls this provider's move for
// each `moved` block (a stand-in provider, internal/testbed/cmd/kwstub, is installed at the
// kreuzwerker/docker address, since Terraform wants one there), and no object is replaced.
// Nothing changes but the services: both get the digest of their tag pinned (kreuzwerker/docker
// ran it unpinned; resolve_image = "always" pins it), and the agent, whose configuration leaves out
// what kreuzwerker/docker sends for every service without saying so (stop_grace_period 0s, an
// empty health check), loses exactly those (the migration guide says both).
func TestAccKreuzwerkerMove_plan(t *testing.T) {
	skipUnlessAcc(t)
	testAccPreCheck(t)
	name := acctest.RandomWithPrefix("tfacc-kw")
	ids := testAccMakeKreuzwerkerObjects(t, name)

	tf := newTerraformCLI(t, strings.ReplaceAll(testAccMoveConfig, "NAME", name))
	stub := filepath.Join(t.TempDir(), "kwstub")
	if out, err := exec.Command("go", "build", "-o", filepath.Join(stub, "terraform-provider-docker"), "../testbed/cmd/kwstub").CombinedOutput(); err != nil {
		t.Fatalf("building the kreuzwerker stand-in: %v\n%s", err, out)
	}
	rc := filepath.Join(tf.dir, "dev.tfrc")
	rcText, err := os.ReadFile(rc)
	if err != nil {
		t.Fatal(err)
	}
	rcText = []byte(strings.Replace(string(rcText), "dev_overrides {", "dev_overrides {\n    \"registry.terraform.io/kreuzwerker/docker\" = \""+stub+"\"", 1))
	if err := os.WriteFile(rc, rcText, 0o600); err != nil {
		t.Fatal(err)
	}

	// The fixture's state, naming the objects made here.
	state, err := os.ReadFile(filepath.FromSlash(kreuzwerkerFixture))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(state), "kwfix_", name+"_")
	// The fixture's image is the test image, which the bed serves from its registry.
	s = strings.ReplaceAll(s, `"tfswarm/testapp:v1"`, strconv.Quote(testAccImageV1))
	for old, id := range ids {
		s = strings.ReplaceAll(s, old, id)
	}
	if err := os.WriteFile(filepath.Join(tf.dir, "terraform.tfstate"), []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}

	out := tf.mustRun("plan", "-input=false", "-out=move.tfplan")
	showOut := tf.mustRun("show", "-json", "move.tfplan")
	var plan struct {
		ResourceChanges []struct {
			Address         string `json:"address"`
			PreviousAddress string `json:"previous_address"`
			Change          struct {
				Actions []string       `json:"actions"`
				Before  map[string]any `json:"before"`
				After   map[string]any `json:"after"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(showOut[strings.Index(showOut, "{"):]), &plan); err != nil {
		t.Fatalf("terraform show -json: %v\n%s", err, showOut)
	}
	moved := map[string]bool{}
	for _, rc := range plan.ResourceChanges {
		if !strings.HasPrefix(rc.PreviousAddress, "docker_") {
			t.Errorf("%s was not moved from a docker_ resource (previous address %q)", rc.Address, rc.PreviousAddress)
		}
		moved[rc.Address] = true
		actions := strings.Join(rc.Change.Actions, ",")
		wantActions, wantDiff := "no-op", []string(nil)
		switch rc.Address {
		case "swarm_service.api":
			// kreuzwerker/docker ran the tag unpinned; resolve_image = "always" pins it.
			wantActions = "update"
			wantDiff = []string{"image_digest"}
		case "swarm_service.agent":
			wantActions = "update"
			wantDiff = []string{"image_digest", "task_template.container_spec.healthcheck", "task_template.container_spec.stop_grace_period"}
		}
		if actions != wantActions {
			t.Errorf("%s: plan actions %s, want %s:\n%s", rc.Address, actions, wantActions, out)
		}
		if diff := changedPaths("", rc.Change.Before, rc.Change.After); !reflect.DeepEqual(diff, wantDiff) {
			t.Errorf("%s: the plan changes %v, want %v:\n%s", rc.Address, diff, wantDiff, out)
		}
	}
	for _, addr := range []string{"swarm_network.backend", "swarm_volume.data", "swarm_secret.db_password", "swarm_config.app", "swarm_service.api", "swarm_service.agent"} {
		if !moved[addr] {
			t.Errorf("%s is not in the plan:\n%s", addr, out)
		}
	}
}

// changedPaths lists, sorted, the paths (a.0.b) where two JSON values of a plan differ.
func changedPaths(at string, before, after any) []string {
	join := func(k string) string {
		if at == "" {
			return k
		}
		return at + "." + k
	}
	switch b := before.(type) {
	case map[string]any:
		a, ok := after.(map[string]any)
		if !ok {
			break
		}
		var out []string
		keys := map[string]bool{}
		for k := range b {
			keys[k] = true
		}
		for k := range a {
			keys[k] = true
		}
		for k := range keys {
			out = append(out, changedPaths(join(k), b[k], a[k])...)
		}
		sort.Strings(out)
		return out
	case []any:
		a, ok := after.([]any)
		if !ok || len(a) != len(b) || len(b) == 0 {
			break
		}
		var out []string
		for i := range b {
			out = append(out, changedPaths(join(strconv.Itoa(i)), b[i], a[i])...)
		}
		return out
	}
	if reflect.DeepEqual(before, after) {
		return nil
	}
	return []string{at}
}

// testAccMakeKreuzwerkerObjects makes what testdata/kreuzwerker-v4/main.tf.txt made, with the
// Engine specs kreuzwerker/docker sent (its state records them), and returns the fixture's IDs
// mapped to the new ones. Cleanup removes them.
func testAccMakeKreuzwerkerObjects(t *testing.T, name string) map[string]string {
	t.Helper()
	ctx := context.Background()
	c := testAccClient(t)
	api, err := c.Manager(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var cleanups []func()
	t.Cleanup(func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	})
	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("creating %s: %v", what, err)
		}
	}
	ids := map[string]string{}

	netRes, err := api.NetworkCreate(ctx, name+"_backend", client.NetworkCreateOptions{Driver: "overlay", Scope: "swarm", Labels: map[string]string{"tier": "backend"}})
	check("network", err)
	ids["sqdep8ljo0dr9uqz5i4hueldq"] = netRes.ID
	cleanups = append(cleanups, func() { _, _ = api.NetworkRemove(ctx, netRes.ID, client.NetworkRemoveOptions{}) })
	_, err = api.VolumeCreate(ctx, client.VolumeCreateOptions{Name: name + "_data", Driver: "local"})
	check("volume", err)
	cleanups = append(cleanups, func() { testAccRemoveVolumeEverywhere(t, name+"_data") })
	sec, err := api.SecretCreate(ctx, client.SecretCreateOptions{Spec: apiswarm.SecretSpec{
		Annotations: apiswarm.Annotations{Name: name + "_db_password"}, Data: []byte("not-a-real-password")}})
	check("secret", err)
	ids["s92qxssodtvnncwm5xmoqm1k1"] = sec.ID
	cleanups = append(cleanups, func() { _, _ = api.SecretRemove(ctx, sec.ID, client.SecretRemoveOptions{}) })
	cfg, err := api.ConfigCreate(ctx, client.ConfigCreateOptions{Spec: apiswarm.ConfigSpec{
		Annotations: apiswarm.Annotations{Name: name + "_app_config"}, Data: []byte("listen 8080\n")}})
	check("config", err)
	ids["oplw1890g1sorld29z1y3dl7m"] = cfg.ID
	cleanups = append(cleanups, func() { _, _ = api.ConfigRemove(ctx, cfg.ID, client.ConfigRemoveOptions{}) })

	two, zero, five := uint64(2), time.Duration(0), 5*time.Second
	apiSpec := apiswarm.ServiceSpec{
		Annotations: apiswarm.Annotations{Name: name + "_api", Labels: map[string]string{"tier": "backend"}},
		TaskTemplate: apiswarm.TaskSpec{
			ContainerSpec: &apiswarm.ContainerSpec{
				Image:           testAccImageV1,
				Env:             []string{"DB_HOST=db", "REDIS_URL=redis://cache:6379"},
				StopGracePeriod: &zero,
				Isolation:       container.IsolationDefault,
				DNSConfig:       &apiswarm.DNSConfig{},
				Healthcheck: &container.HealthConfig{Test: []string{"CMD", "/testapp", "health"},
					Interval: 5 * time.Second, Timeout: 2 * time.Second, Retries: 3},
				Secrets: []*apiswarm.SecretReference{{SecretID: sec.ID, SecretName: name + "_db_password",
					File: &apiswarm.SecretReferenceFileTarget{Name: "/run/secrets/db_password", UID: "0", GID: "0", Mode: 0o444}}},
				Configs: []*apiswarm.ConfigReference{{ConfigID: cfg.ID, ConfigName: name + "_app_config",
					File: &apiswarm.ConfigReferenceFileTarget{Name: "/etc/app.conf", UID: "0", GID: "0", Mode: 0o444}}},
				Mounts: []mount.Mount{{Type: mount.TypeVolume, Source: name + "_data", Target: "/data"}},
			},
			Resources: &apiswarm.ResourceRequirements{Limits: &apiswarm.Limit{NanoCPUs: 500000000, MemoryBytes: 536870912}},
			RestartPolicy: &apiswarm.RestartPolicy{Condition: apiswarm.RestartPolicyConditionOnFailure,
				Delay: &five, Window: &zero},
			Placement: &apiswarm.Placement{Constraints: []string{"node.role == manager"}},
			Networks:  []apiswarm.NetworkAttachmentConfig{{Target: netRes.ID, Aliases: []string{"api"}}},
			Runtime:   apiswarm.RuntimeContainer,
		},
		Mode: apiswarm.ServiceMode{Replicated: &apiswarm.ReplicatedService{Replicas: &two}},
		UpdateConfig: &apiswarm.UpdateConfig{Parallelism: 1, Delay: 10 * time.Second, FailureAction: apiswarm.UpdateFailureActionRollback,
			Monitor: 5 * time.Second, Order: apiswarm.UpdateOrderStartFirst},
		EndpointSpec: &apiswarm.EndpointSpec{Mode: apiswarm.ResolutionModeDNSRR},
	}
	agentSpec := apiswarm.ServiceSpec{
		Annotations: apiswarm.Annotations{Name: name + "_agent"},
		TaskTemplate: apiswarm.TaskSpec{
			ContainerSpec: &apiswarm.ContainerSpec{Image: testAccImageV1, StopGracePeriod: &zero,
				Isolation: container.IsolationDefault, DNSConfig: &apiswarm.DNSConfig{}, Healthcheck: &container.HealthConfig{}},
			Resources:     &apiswarm.ResourceRequirements{},
			RestartPolicy: &apiswarm.RestartPolicy{Condition: apiswarm.RestartPolicyConditionAny},
			Placement:     &apiswarm.Placement{},
			Runtime:       apiswarm.RuntimeContainer,
		},
		Mode:         apiswarm.ServiceMode{Global: &apiswarm.GlobalService{}},
		EndpointSpec: &apiswarm.EndpointSpec{Mode: apiswarm.ResolutionModeDNSRR},
	}
	for old, spec := range map[string]apiswarm.ServiceSpec{"wm3t54pcr5vo2y0psiel30epe": apiSpec, "it3vylaniatpud45hk7b8egxj": agentSpec} {
		res, err := api.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: spec, EncodedRegistryAuth: testAccRegistryAuth(t)})
		check(spec.Name, err)
		ids[old] = res.ID
		cleanups = append(cleanups, func() {
			_ = c.RemoveService(ctx, res.ID)
			_ = c.WaitServiceRemoved(ctx, res.ID)
		})
	}
	return ids
}
