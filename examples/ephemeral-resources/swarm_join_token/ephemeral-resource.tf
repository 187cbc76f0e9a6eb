# The swarm this configuration creates (or imports).
resource "swarm_cluster" "this" {
  advertise_addr = "10.10.0.11"
}

# A join token opened for this run only: it never reaches the state or the plan. cluster_id
# makes Terraform wait for the swarm before it opens the token.
ephemeral "swarm_join_token" "worker" {
  role       = "worker"
  cluster_id = swarm_cluster.this.id
}

resource "swarm_join" "worker" {
  engine {
    host = "ssh://admin@worker1.example.internal"
  }
  remote_addrs  = ["10.10.0.11:2377"]
  join_token_wo = ephemeral.swarm_join_token.worker.token
}
