# Terraform 1.12 or newer: the network's ID.
import {
  to       = swarm_network.backend
  identity = { id = "u8r1f3lb0x9o7e2v4d6q1n5kz" }
}
