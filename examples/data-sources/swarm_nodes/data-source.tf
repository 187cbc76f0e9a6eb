data "swarm_nodes" "db" {
  role   = "worker"
  labels = { db = "true" }
}

output "db_nodes" {
  value = [for n in data.swarm_nodes.db.nodes : n.hostname if n.status == "ready"]
}
