package provider

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
)

var testAccServiceStateUpgradeConfig = testAccBed + `
terraform {
  required_providers {
    swarm = { source = "tfswarm/swarm" }
  }
}

resource "swarm_secret" "token" {
  name            = "NAME-token"
  data_wo         = "s3cret-token"
  data_wo_version = 1
}

resource "swarm_service" "app" {
  name = "NAME-svc"
  task_template {
    container_spec {
      image = local.testapp_v1
      hosts = { "db.internal" = ["10.0.0.2"] }
      secrets {
        secret_id = swarm_secret.token.id
        file_name = "token"
        mode      = "0400"
      }
      mounts {
        type   = "tmpfs"
        target = "/sticky"
        tmpfs_options {
          mode = "1777"
        }
      }
    }
  }
}
`

// TestAccServiceResource_stateUpgrade applies a service with the terraform CLI, rewrites its state
// as versions 1 and 0 stored it (file modes as numbers, one address per extra host), and checks
// that a plan then upgrades it without any change.
func TestAccServiceResource_stateUpgrade(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	testAccPreCheck(t)
	name := acctest.RandomWithPrefix("tfacc-upg")
	tf := newTerraformCLI(t, strings.ReplaceAll(testAccServiceStateUpgradeConfig, "NAME", name))
	t.Cleanup(func() {
		if code, out := tf.run("destroy", "-auto-approve", "-input=false"); code != 0 {
			t.Errorf("terraform destroy exited %d:\n%s", code, out)
		}
	})
	tf.mustRun("apply", "-auto-approve", "-input=false")
	stateFile := filepath.Join(tf.dir, "terraform.tfstate")
	current, err := os.ReadFile(stateFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, version := range []int{1, 0} {
		old := testAccOldServiceState(t, current, version)
		if err := os.WriteFile(stateFile, old, 0o600); err != nil {
			t.Fatal(err)
		}
		if code, out := tf.run("plan", "-detailed-exitcode", "-input=false"); code != 0 {
			t.Fatalf("plan of a version %d state exited %d, want 0 (no changes):\n%s", version, code, out)
		}
		// The upgraded state, as a refresh writes it, holds the octal strings again.
		tf.mustRun("apply", "-refresh-only", "-auto-approve", "-input=false")
		upgraded, err := os.ReadFile(stateFile)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"schema_version": 2`, `"mode": "0400"`, `"mode": "1777"`, `"db.internal": [`} {
			if !strings.Contains(string(upgraded), want) {
				t.Errorf("the state upgraded from version %d holds no %s:\n%s", version, want, upgraded)
			}
		}
	}
}

// testAccOldServiceState rewrites the swarm_service instance of a state file as the given
// schema version stored it.
func testAccOldServiceState(t *testing.T, state []byte, version int) []byte {
	t.Helper()
	var st map[string]any
	if err := json.Unmarshal(state, &st); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range jsonAs[[]any](t, st["resources"]) {
		res := jsonAs[map[string]any](t, r)
		if res["type"] != "swarm_service" {
			continue
		}
		inst := jsonAs[map[string]any](t, jsonAs[[]any](t, res["instances"])[0])
		inst["schema_version"] = version
		attrs := jsonAs[map[string]any](t, inst["attributes"])
		oldServiceAttributes(t, jsonAs[map[string]any](t, jsonAs[map[string]any](t, attrs["task_template"])["container_spec"]))
		found = true
	}
	if !found {
		t.Fatalf("no swarm_service in the state:\n%s", state)
	}
	out, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}
