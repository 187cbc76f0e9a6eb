package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

var testAccServiceDataSourceConfig_basic = testAccBed + `
variable "name" { type = string }

resource "swarm_service" "test" {
  count  = 2
  name   = "${var.name}-${count.index}"
  labels = { suite = var.name, index = tostring(count.index) }

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
    resources {
      limits {
        memory = "32M"
      }
    }
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}

data "swarm_service" "by_name" {
  name = swarm_service.test[0].name
}

data "swarm_service" "by_id" {
  id = swarm_service.test[1].id
}

data "swarm_services" "by_prefix" {
  name_prefix = var.name
  depends_on  = [swarm_service.test]
}

data "swarm_services" "by_label" {
  labels     = { suite = var.name, index = "1" }
  depends_on = [swarm_service.test]
}
`

func TestAccServiceDataSource_basic(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckServiceDestroy(t),
		Steps: []resource.TestStep{{
			Config:          testAccServiceDataSourceConfig_basic,
			ConfigVariables: config.Variables{"name": config.StringVariable(name)},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.swarm_service.by_name", tfjsonpath.New("task_template").AtMapKey("container_spec").AtMapKey("env"),
					knownvalue.MapExact(map[string]knownvalue.Check{"A": knownvalue.StringExact("1")})),
				statecheck.ExpectKnownValue("data.swarm_service.by_name", tfjsonpath.New("task_template").AtMapKey("resources").AtMapKey("limits").AtMapKey("memory"),
					knownvalue.StringExact("32M")),
				statecheck.ExpectKnownValue("data.swarm_service.by_id", tfjsonpath.New("name"), knownvalue.StringExact(name+"-1")),
				statecheck.ExpectKnownValue("data.swarm_service.by_id", tfjsonpath.New("mode").AtMapKey("replicated").AtMapKey("replicas"), knownvalue.Int64Exact(1)),
				statecheck.ExpectKnownValue("data.swarm_services.by_prefix", tfjsonpath.New("services"), knownvalue.ListSizeExact(2)),
				statecheck.ExpectKnownValue("data.swarm_services.by_prefix", tfjsonpath.New("services").AtSliceIndex(0).AtMapKey("name"), knownvalue.StringExact(name+"-0")),
				statecheck.ExpectKnownValue("data.swarm_services.by_label", tfjsonpath.New("services"), knownvalue.ListSizeExact(1)),
				statecheck.ExpectKnownValue("data.swarm_services.by_label", tfjsonpath.New("services").AtSliceIndex(0).AtMapKey("name"), knownvalue.StringExact(name+"-1")),
			},
			Check: resource.ComposeTestCheckFunc(
				resource.TestCheckResourceAttrPair("data.swarm_service.by_name", "id", "swarm_service.test.0", "id"),
				resource.TestCheckResourceAttrPair("data.swarm_services.by_label", "services.0.id", "swarm_service.test.1", "id"),
			),
		}},
	})
}
