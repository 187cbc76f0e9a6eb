# Terraform 1.12 or newer.
import {
  to       = swarm_cluster.this
  identity = { id = "6f3x9ak2dbpyf0ezyy0mbyr1r" }
}
