# The configs of the stack "shop"; the generated configuration holds their content in `data`.
list "swarm_config" "shop" {
  provider         = swarm
  include_resource = true

  config {
    stack = "shop"
  }
}
