# Terraform 1.12 or newer: the stack's name.
import {
  to       = swarm_stack.shop
  identity = { id = "shop" }
}
