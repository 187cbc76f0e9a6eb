# The provider talks to the engine that becomes the first manager.
provider "swarm" {
  host = "ssh://admin@manager1.example.internal"
}

resource "swarm_cluster" "this" {
  advertise_addr    = "10.10.0.11"
  default_addr_pool = ["10.20.0.0/16"]
  subnet_size       = 24

  labels                       = { env = "production" }
  task_history_retention_limit = 5
  dispatcher_heartbeat_period  = "5s"
  raft {
    snapshot_interval = 10000
  }

  # Bump to rotate the join tokens.
  rotate_worker_token  = "2025-01"
  rotate_manager_token = "2025-01"

  # Destroying this resource dissolves the swarm.
  lifecycle {
    prevent_destroy = true
  }
}
