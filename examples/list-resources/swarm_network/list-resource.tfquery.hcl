# The swarm-scoped networks whose name begins with "shop_" (the ingress network is never listed).
list "swarm_network" "shop" {
  provider         = swarm
  include_resource = true

  config {
    name_prefix = "shop_"
  }
}
