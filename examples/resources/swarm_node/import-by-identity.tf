# Terraform 1.12 or newer: the node ID.
import {
  to       = swarm_node.db
  identity = { id = "xw1bq5mf3bizr1jtv5wv8o6e4" }
}
