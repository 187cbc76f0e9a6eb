# Terraform 1.12 or newer: the node ID.
import {
  to       = swarm_join.worker["worker1"]
  identity = { id = "xw1bq5mf3bizr1jtv5wv8o6e4" }
}
