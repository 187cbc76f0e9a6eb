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

const testAccVolumeDataSourceConfig_basic = `
variable "name" { type = string }

data "swarm_volume" "by_name" {
  name = var.name
}

# A volume's ID is its name.
data "swarm_volume" "by_id" {
  id = var.name
}
`

// TestAccVolumeDataSource_basic: a volume made outside the configuration on the provider's engine
// (as `docker volume create` would) is found by name, and by ID, which is its name.
func TestAccVolumeDataSource_basic(t *testing.T) {
	t.Parallel()
	skipUnlessAcc(t)
	ctx := context.Background()
	name := acctest.RandomWithPrefix("tfacc")
	c := testAccClient(t)
	if _, err := c.CreateVolume(ctx, client.VolumeCreateOptions{
		Name: name, Driver: "local", Labels: map[string]string{"team": "shop"},
		DriverOpts: map[string]string{"type": "tmpfs", "device": "tmpfs", "o": "size=1m"},
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.RemoveVolume(ctx, name, swarm.VolumeRemoveTimeout); err != nil {
			t.Errorf("removing the volume %s: %v", name, err)
		}
	})
	want := map[string]knownvalue.Check{
		"id":         knownvalue.StringExact(name),
		"name":       knownvalue.StringExact(name),
		"driver":     knownvalue.StringExact("local"),
		"scope":      knownvalue.StringExact("local"),
		"mountpoint": knownvalue.StringRegexp(regexpNonEmpty),
		"labels":     knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("shop")}),
		"driver_opts": knownvalue.MapExact(map[string]knownvalue.Check{
			"type": knownvalue.StringExact("tmpfs"), "device": knownvalue.StringExact("tmpfs"), "o": knownvalue.StringExact("size=1m")}),
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: testAccVolumeDataSourceConfig_basic, ConfigVariables: config.Variables{"name": config.StringVariable(name)},
			ConfigStateChecks: testAccExpectAttributes(want, "data.swarm_volume.by_name", "data.swarm_volume.by_id"),
		}},
	})
}

// TestAccVolumeDataSource_notFound: a name that no volume of the engine has is an error that
// names it, given as `name` or as `id`.
func TestAccVolumeDataSource_notFound(t *testing.T) {
	t.Parallel()
	missing := acctest.RandomWithPrefix("tfacc") + "-missing"
	testAccDataSourceNotFound(t, "volume", testAccLookup{"name", missing}, testAccLookup{"id", missing})
}
