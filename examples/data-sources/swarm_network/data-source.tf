# A network made outside this configuration (compose's `external: true` network), by name.
data "swarm_network" "edge" {
  name = "edge"
}

resource "swarm_service" "api" {
  name = "shop_api"
  task_template {
    container_spec {
      image = "shop/api:1.4.2"
    }
    networks {
      target = data.swarm_network.edge.id
    }
  }
}

output "edge_subnets" {
  value = [for c in data.swarm_network.edge.ipam.configs : c.subnet]
}
