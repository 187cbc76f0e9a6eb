package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

const testAccNetworkDataSourceConfig_basic = `
variable "name" { type = string }
variable "id" { type = string }

data "swarm_network" "by_name" {
  name = var.name
}

data "swarm_network" "by_id" {
  id = var.id
}

# A network of the manager's engine only.
data "swarm_network" "local" {
  name = "bridge"
}
`

// TestAccNetworkDataSource_basic: a network made outside the configuration (as `docker network
// create` would) is found by name and by ID, with the subnet the swarm gave it.
func TestAccNetworkDataSource_basic(t *testing.T) {
	t.Parallel()
	skipUnlessAcc(t)
	ctx := context.Background()
	name := acctest.RandomWithPrefix("tfacc")
	c := testAccClient(t)
	id, err := c.CreateNetwork(ctx, name, client.NetworkCreateOptions{
		Driver: "overlay", Attachable: true, Labels: map[string]string{"team": "shop"},
		Options: map[string]string{"com.docker.network.driver.mtu": "1400"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.RemoveNetwork(ctx, id, swarm.NetworkRemoveTimeout); err != nil {
			t.Errorf("removing the network %s: %v", name, err)
		}
	})
	want := map[string]knownvalue.Check{
		"id":         knownvalue.StringExact(id),
		"name":       knownvalue.StringExact(name),
		"driver":     knownvalue.StringExact("overlay"),
		"scope":      knownvalue.StringExact("swarm"),
		"attachable": knownvalue.Bool(true),
		"internal":   knownvalue.Bool(false),
		"encrypted":  knownvalue.Bool(false),
		"labels":     knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("shop")}),
		// The overlay's VXLAN ID, which the Engine adds, is left out.
		"options": knownvalue.MapExact(map[string]knownvalue.Check{"com.docker.network.driver.mtu": knownvalue.StringExact("1400")}),
		// One address pool, with the subnet the swarm chose from its default address pool.
		"ipam": knownvalue.ObjectPartial(map[string]knownvalue.Check{
			"configs": knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectPartial(map[string]knownvalue.Check{"subnet": knownvalue.StringRegexp(regexpNonEmpty)})}),
		}),
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: testAccNetworkDataSourceConfig_basic, ConfigVariables: config.Variables{"name": config.StringVariable(name), "id": config.StringVariable(id)},
			ConfigStateChecks: append(testAccExpectAttributes(want, "data.swarm_network.by_name", "data.swarm_network.by_id"),
				testAccExpectAttributes(map[string]knownvalue.Check{
					"scope": knownvalue.StringExact("local"), "driver": knownvalue.StringExact("bridge"),
				}, "data.swarm_network.local")...),
		}},
	})
}

// TestAccNetworkDataSource_notFound: a name or an ID that no network has is an error that names it.
func TestAccNetworkDataSource_notFound(t *testing.T) {
	t.Parallel()
	missing := acctest.RandomWithPrefix("tfacc") + "-missing"
	testAccDataSourceNotFound(t, "network",
		testAccLookup{"name", missing}, testAccLookup{"id", missing},
		// The Engine answers to a name where an ID is asked; the data source does not.
		testAccLookup{"id", "ingress"})
}
