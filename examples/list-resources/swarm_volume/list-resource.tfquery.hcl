# The volumes of the stack "shop" on the provider's engine.
list "swarm_volume" "shop" {
  provider         = swarm
  include_resource = true

  config {
    stack = "shop"
  }
}

# The volumes of another engine (volumes belong to one node).
list "swarm_volume" "worker1" {
  provider         = swarm
  include_resource = true

  config {
    engine {
      host = "ssh://admin@worker1.example.com"
    }
  }
}
