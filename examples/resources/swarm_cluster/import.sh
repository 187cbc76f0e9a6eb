# The swarm's ID, as `docker info --format '{{.Swarm.Cluster.ID}}'` shows it on a manager.
terraform import swarm_cluster.this 6f3x9ak2dbpyf0ezyy0mbyr1r
