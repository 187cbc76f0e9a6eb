# The swarm's ID, as `docker info --format '{{.Swarm.Cluster.ID}}'` shows it on a manager.
import {
  to = swarm_cluster.this
  id = "6f3x9ak2dbpyf0ezyy0mbyr1r"
}
