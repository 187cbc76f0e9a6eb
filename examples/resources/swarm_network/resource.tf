# An overlay network for the services of one stack. The Engine picks the subnet.
resource "swarm_network" "backend" {
  name       = "shop_backend"
  attachable = true
  labels = {
    stack = "shop"
  }
}

# Encrypted data plane, no route outside, and a fixed address plan.
resource "swarm_network" "db" {
  name      = "shop_db"
  internal  = true
  encrypted = true
  options = {
    "com.docker.network.driver.mtu" = "1400"
  }
  ipam {
    configs {
      subnet   = "10.40.0.0/24"
      ip_range = "10.40.0.128/25"
      gateway  = "10.40.0.1"
    }
  }
}
