# One node by hostname (or by `id`): place a service on it, and check that it takes tasks.
data "swarm_node" "db" {
  hostname = "w1"

  lifecycle {
    postcondition {
      condition     = self.availability == "active" && self.status == "ready"
      error_message = "The database node must be ready and active."
    }
  }
}

resource "swarm_service" "db" {
  name = "shop_db"
  task_template {
    container_spec {
      image = "postgres:16"
    }
    placement {
      constraints = ["node.id == ${data.swarm_node.db.id}"]
    }
  }
}
