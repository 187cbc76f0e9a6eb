# The swarm, initialised on the engine the provider talks to (manager1, 10.10.0.11).
resource "swarm_cluster" "this" {
  advertise_addr = "10.10.0.11"
}

variable "managers" {
  description = "Extra managers: hostname => { host, addr }."
  type        = map(object({ host = string, addr = string }))
  default = {
    manager2 = { host = "ssh://admin@manager2.example.internal", addr = "10.10.0.12" }
    manager3 = { host = "ssh://admin@manager3.example.internal", addr = "10.10.0.13" }
  }
}

variable "workers" {
  type = map(object({ host = string, addr = string }))
  default = {
    worker1 = { host = "ssh://admin@worker1.example.internal", addr = "10.10.0.21" }
  }
}

ephemeral "swarm_join_token" "manager" {
  role       = "manager"
  cluster_id = swarm_cluster.this.id
}

ephemeral "swarm_join_token" "worker" {
  role       = "worker"
  cluster_id = swarm_cluster.this.id
}

resource "swarm_join" "manager" {
  for_each = var.managers

  engine {
    host = each.value.host
  }
  advertise_addr = each.value.addr
  remote_addrs   = ["10.10.0.11:2377"]
  join_token_wo  = ephemeral.swarm_join_token.manager.token
}

resource "swarm_join" "worker" {
  for_each = var.workers

  engine {
    host = each.value.host
  }
  advertise_addr = each.value.addr
  remote_addrs   = ["10.10.0.11:2377"]
  join_token_wo  = ephemeral.swarm_join_token.worker.token
}
