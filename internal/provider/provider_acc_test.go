package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// The provider's host comes from a resource, so it is unknown while the first plan is made.
const testAccProviderConfig_unknownHost = `
variable "name" { type = string }

resource "terraform_data" "engine" {
  input = "unix:///var/run/docker.sock"
}

provider "swarm" {
  host = terraform_data.engine.output
}

resource "swarm_network" "test" {
  name = var.name
}
`

// TestAccProvider_unknownConfiguration plans with a provider configuration that is not known yet
// (the connection is lazy, so the plan works), then applies, when it is known.
func TestAccProvider_unknownConfiguration(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:             testAccProviderConfig_unknownHost,
				ConfigVariables:    config.Variables{"name": config.StringVariable(name)},
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config:          testAccProviderConfig_unknownHost,
				ConfigVariables: config.Variables{"name": config.StringVariable(name)},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("swarm_network.test", plancheck.ResourceActionCreate),
						plancheck.ExpectUnknownValue("swarm_network.test", tfjsonpath.New("id")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_network.test", tfjsonpath.New("name"), knownvalue.StringExact(name)),
				},
			},
		},
	})
}
