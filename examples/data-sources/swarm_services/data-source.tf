data "swarm_services" "shop" {
  name_prefix = "shop_"
  labels      = { tier = "backend" }
}

output "shop_services" {
  value = [for s in data.swarm_services.shop.services : s.name]
}
