# Terraform 1.12 or newer: the Engine ID of the version in use.
import {
  to       = swarm_config.nginx
  identity = { id = "k3bsnlxs2z0ur2m9ogwjccjcx" }
}
