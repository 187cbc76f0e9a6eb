# By the stack's name.
import {
  to = swarm_stack.shop
  id = "shop"
}
