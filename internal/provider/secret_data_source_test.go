package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// A compose-style external secret: made outside the configuration, referenced by name.
var testAccSecretDataSourceConfig_basic = testAccBed + `
variable "name" { type = string }
variable "id" { type = string }

data "swarm_secret" "by_name" {
  name = var.name
}

data "swarm_secret" "by_id" {
  id = var.id
}

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
      secrets {
        secret_id = data.swarm_secret.by_name.id
        file_name = "db_password"
      }
    }
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}
`

// A secret rotated by swarm_secret, read by its logical name.
const testAccSecretDataSourceConfig_rotated = testAccSecretResourceConfig_basic + `
data "swarm_secret" "by_name" {
  name       = var.name
  depends_on = [swarm_secret.test]
}
`

// testAccCreateExternalObject makes a secret or a config as `docker secret create` would (no
// provider labels) and removes it when the test ends; it returns the ID.
func testAccCreateExternalObject(t *testing.T, kind swarm.Kind, name, data string, labels map[string]string) string {
	t.Helper()
	ctx := context.Background()
	api, err := testAccClient(t).Manager(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ann := apiswarm.Annotations{Name: name, Labels: labels}
	var id string
	if kind == swarm.KindSecret {
		res, err := api.SecretCreate(ctx, client.SecretCreateOptions{Spec: apiswarm.SecretSpec{Annotations: ann, Data: []byte(data)}})
		if err != nil {
			t.Fatal(err)
		}
		id = res.ID
		t.Cleanup(func() {
			if _, err := api.SecretRemove(ctx, id, client.SecretRemoveOptions{}); err != nil {
				t.Errorf("removing the secret %s: %v", name, err)
			}
		})
		return id
	}
	res, err := api.ConfigCreate(ctx, client.ConfigCreateOptions{Spec: apiswarm.ConfigSpec{
		Annotations: ann, Data: []byte(data), Templating: &apiswarm.Driver{Name: "golang"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	id = res.ID
	t.Cleanup(func() {
		if _, err := api.ConfigRemove(ctx, id, client.ConfigRemoveOptions{}); err != nil {
			t.Errorf("removing the config %s: %v", name, err)
		}
	})
	return id
}

// TestAccSecretDataSource_basic: a secret made outside the configuration is found by name and by
// ID, a service mounts it through the data source, and its value is nowhere in the state.
func TestAccSecretDataSource_basic(t *testing.T) {
	t.Parallel()
	skipUnlessAcc(t)
	name := acctest.RandomWithPrefix("tfacc")
	value := "external-" + acctest.RandString(24)
	id := testAccCreateExternalObject(t, swarm.KindSecret, name, value, map[string]string{"team": "shop"})
	vars := config.Variables{"name": config.StringVariable(name), "id": config.StringVariable(id)}
	want := map[string]knownvalue.Check{
		"id":             knownvalue.StringExact(id),
		"name":           knownvalue.StringExact(name),
		"versioned_name": knownvalue.StringExact(name),
		"version":        knownvalue.Int64Exact(1),
		"labels":         knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("shop")}),
		"driver":         knownvalue.Null(),
		"templating":     knownvalue.Null(),
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps: []resource.TestStep{{
			Config: testAccSecretDataSourceConfig_basic, ConfigVariables: vars,
			ConfigStateChecks: append(testAccExpectAttributes(want, "data.swarm_secret.by_name", "data.swarm_secret.by_id"),
				noValueInState{[]string{value}}),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("swarm_service.test", "task_template.container_spec.secrets.0.secret_id", id),
				testAccCheckTaskReads(t, name, "/run/secrets/db_password", value),
				noValueInRawState(value),
			),
		}},
	})
}

// TestAccSecretDataSource_rotated: the logical name of a secret that swarm_secret rotates finds
// its newest version.
func TestAccSecretDataSource_rotated(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	step := func(version int) resource.TestStep {
		return testAccObjectRotatedStep(swarm.KindSecret, name, version, testAccSecretDataSourceConfig_rotated,
			testAccSecretVars(name, "v", version, map[string]string{"app": "shop"}, 1),
			// The provider's own labels are not shown.
			map[string]knownvalue.Check{"labels": knownvalue.MapExact(map[string]knownvalue.Check{"app": knownvalue.StringExact("shop")})})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckObjectDestroy(t, swarm.KindSecret),
		Steps:                    []resource.TestStep{step(1), step(2)},
	})
}

// testAccObjectRotatedStep is a step of a _rotated test: the data source by_name, which depends
// on the resource test, finds the version of the logical name that the resource made, and shows
// what want says besides.
func testAccObjectRotatedStep(kind swarm.Kind, name string, version int, cfg string, vars config.Variables, want map[string]knownvalue.Check) resource.TestStep {
	ds, rs := "data.swarm_"+string(kind)+".by_name", "swarm_"+string(kind)+".test"
	want["name"] = knownvalue.StringExact(name)
	want["versioned_name"] = knownvalue.StringExact(swarm.VersionedName(name, version))
	want["version"] = knownvalue.Int64Exact(int64(version))
	return resource.TestStep{
		Config: cfg, ConfigVariables: vars,
		ConfigStateChecks: append(testAccExpectAttributes(want, ds),
			statecheck.CompareValuePairs(ds, tfjsonpath.New("id"), rs, tfjsonpath.New("id"), compare.ValuesSame())),
	}
}

// TestAccSecretDataSource_notFound: a name or an ID that no secret has is an error that names it.
func TestAccSecretDataSource_notFound(t *testing.T) {
	t.Parallel()
	testAccObjectDataSourceNotFound(t, swarm.KindSecret)
}

// testAccObjectDataSourceNotFound asks for a name and an ID that no object of the kind has. The
// name of an object that exists, given as `id`, is not found either, although the Engine
// answers to it.
func testAccObjectDataSourceNotFound(t *testing.T, kind swarm.Kind) {
	skipUnlessAcc(t)
	name := acctest.RandomWithPrefix("tfacc")
	testAccCreateExternalObject(t, kind, name, "v", nil)
	missing := name + "-missing"
	testAccDataSourceNotFound(t, string(kind),
		testAccLookup{"name", missing}, testAccLookup{"id", missing}, testAccLookup{"id", name})
}
