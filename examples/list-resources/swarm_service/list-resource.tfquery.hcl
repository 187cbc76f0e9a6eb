# The services of the stack "shop" (`docker stack deploy -c compose.yaml shop`).
list "swarm_service" "shop" {
  provider         = swarm
  include_resource = true

  config {
    stack = "shop"
  }
}

# Services whose name begins with "api-" and that carry the label tier=backend.
list "swarm_service" "backend_apis" {
  provider = swarm

  config {
    name_prefix = "api-"
    labels      = { tier = "backend" }
  }
}
