# Terraform 1.12 or newer: the Engine ID of the version in use.
import {
  to       = swarm_secret.db_password
  identity = { id = "p1l0yvd6dxyq6kmj8xqkb7vq3" }
}
