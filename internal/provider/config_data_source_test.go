package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

const testAccConfigDataSourceConfig_basic = `
variable "name" { type = string }
variable "id" { type = string }

data "swarm_config" "by_name" {
  name = var.name
}

data "swarm_config" "by_id" {
  id = var.id
}
`

// A config rotated by swarm_config, read by its logical name.
const testAccConfigDataSourceConfig_rotated = testAccConfigResourceConfig_basic + `
data "swarm_config" "by_name" {
  name       = var.name
  depends_on = [swarm_config.test]
}
`

// TestAccConfigDataSource_basic: a config made outside the configuration is found by name and by
// ID; its content is nowhere in the state, only its hash.
func TestAccConfigDataSource_basic(t *testing.T) {
	t.Parallel()
	skipUnlessAcc(t)
	name := acctest.RandomWithPrefix("tfacc")
	content := "external-" + acctest.RandString(24) + " {{ .Service.Name }}\n"
	id := testAccCreateExternalObject(t, swarm.KindConfig, name, content, map[string]string{"team": "shop"})
	want := map[string]knownvalue.Check{
		"id":             knownvalue.StringExact(id),
		"name":           knownvalue.StringExact(name),
		"versioned_name": knownvalue.StringExact(name),
		"version":        knownvalue.Int64Exact(1),
		"labels":         knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("shop")}),
		"templating":     knownvalue.StringExact("golang"),
		"data_sha256":    knownvalue.StringExact(sha256Hex([]byte(content))),
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: testAccConfigDataSourceConfig_basic, ConfigVariables: config.Variables{"name": config.StringVariable(name), "id": config.StringVariable(id)},
			ConfigStateChecks: append(testAccExpectAttributes(want, "data.swarm_config.by_name", "data.swarm_config.by_id"),
				noValueInState{[]string{content}}),
			Check: noValueInRawState(content),
		}},
	})
}

// TestAccConfigDataSource_rotated: the logical name of a config that swarm_config rotates finds
// its newest version.
func TestAccConfigDataSource_rotated(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	step := func(version int, content string) resource.TestStep {
		return testAccObjectRotatedStep(swarm.KindConfig, name, version, testAccConfigDataSourceConfig_rotated,
			testAccConfigVars(name, content, nil), map[string]knownvalue.Check{
				"data_sha256": knownvalue.StringExact(sha256Hex([]byte(content))),
				"labels":      knownvalue.MapSizeExact(0),
			})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckObjectDestroy(t, swarm.KindConfig),
		Steps:                    []resource.TestStep{step(1, "a"), step(2, "b")},
	})
}

// TestAccConfigDataSource_notFound: a name or an ID that no config has is an error that names it.
func TestAccConfigDataSource_notFound(t *testing.T) {
	t.Parallel()
	testAccObjectDataSourceNotFound(t, swarm.KindConfig)
}
