data "swarm_cluster" "current" {}

output "swarm" {
  value = {
    id       = data.swarm_cluster.current.id
    managers = data.swarm_cluster.current.managers
    workers  = data.swarm_cluster.current.workers
    ready    = data.swarm_cluster.current.ready_nodes
    api      = data.swarm_cluster.current.api_version
  }
}
