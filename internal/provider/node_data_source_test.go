package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
)

const testAccNodeDataSourceConfig_basic = `
variable "hostname" { type = string }
variable "id" { type = string }

data "swarm_node" "by_hostname" {
  hostname = var.hostname
}

data "swarm_node" "by_id" {
  id = var.id
}
`

// TestAccNodeDataSource_basic: a worker of the test bed is found by hostname and by ID. It only
// reads, so it leaves the node alone.
func TestAccNodeDataSource_basic(t *testing.T) {
	t.Parallel()
	workers := testAccNodes(t, "worker")
	if len(workers) == 0 {
		t.Fatal("the test bed has no worker")
	}
	hostname := workers[0].Name
	n, err := testAccClient(t).FindNode(context.Background(), hostname)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]knownvalue.Check{
		"id":             knownvalue.StringExact(n.ID),
		"hostname":       knownvalue.StringExact(hostname),
		"role":           knownvalue.StringExact("worker"),
		"status":         knownvalue.StringExact("ready"),
		"address":        knownvalue.StringExact(workers[0].Addr),
		"leader":         knownvalue.Bool(false),
		"manager_addr":   knownvalue.Null(),
		"labels":         knownvalue.NotNull(),
		"engine_version": knownvalue.StringExact(n.Description.Engine.EngineVersion),
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:            testAccNodeDataSourceConfig_basic,
			ConfigVariables:   config.Variables{"hostname": config.StringVariable(hostname), "id": config.StringVariable(n.ID)},
			ConfigStateChecks: testAccExpectAttributes(want, "data.swarm_node.by_hostname", "data.swarm_node.by_id"),
		}},
	})
}

// TestAccNodeDataSource_notFound: a hostname or an ID that no node has is an error that names it.
func TestAccNodeDataSource_notFound(t *testing.T) {
	t.Parallel()
	workers := testAccNodes(t, "worker")
	if len(workers) == 0 {
		t.Fatal("the test bed has no worker")
	}
	missing := acctest.RandomWithPrefix("tfacc") + "-missing"
	testAccDataSourceNotFound(t, "node",
		testAccLookup{"hostname", missing}, testAccLookup{"id", missing},
		// The Engine answers to a hostname where an ID is asked; the data source does not.
		testAccLookup{"id", workers[0].Name})
}
