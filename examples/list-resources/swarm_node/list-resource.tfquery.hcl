# Every node of the swarm, to manage their availability and labels.
list "swarm_node" "all" {
  provider         = swarm
  include_resource = true
}

# The nodes labelled zone=eu-1.
list "swarm_node" "eu" {
  provider = swarm

  config {
    labels = { zone = "eu-1" }
  }
}
