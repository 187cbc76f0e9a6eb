ephemeral "swarm_join_token" "worker" {
  role       = "worker"
  cluster_id = swarm_cluster.this.id
}

resource "swarm_join" "worker" {
  engine        = { host = "ssh://admin@worker1.example.internal" }
  remote_addrs  = ["10.10.0.11:2377"]
  join_token_wo = ephemeral.swarm_join_token.worker.token
}
