# Terraform 1.12 or newer: the service's ID.
import {
  to       = swarm_service.api
  identity = { id = "9yq0tb4w6jqz4cf8fpfb0cv3l" }
}
