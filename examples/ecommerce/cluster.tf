# The cluster: optionally the swarm itself (manage_cluster), and the node labels the placements use.

resource "swarm_cluster" "this" {
  count = var.manage_cluster ? 1 : 0

  advertise_addr = var.cluster_advertise_addr
}

# Join tokens are read when needed and never stored.
ephemeral "swarm_join_token" "manager" {
  count = var.manage_cluster && length(var.join_managers) > 0 ? 1 : 0

  role       = "manager"
  cluster_id = swarm_cluster.this[0].id
}

ephemeral "swarm_join_token" "worker" {
  count = var.manage_cluster && length(var.join_workers) > 0 ? 1 : 0

  role       = "worker"
  cluster_id = swarm_cluster.this[0].id
}

resource "swarm_join" "manager" {
  count = var.manage_cluster ? length(var.join_managers) : 0

  engine {
    host = var.join_managers[count.index].host
  }
  remote_addrs   = [var.cluster_advertise_addr]
  join_token_wo  = ephemeral.swarm_join_token.manager[0].token
  advertise_addr = var.join_managers[count.index].advertise_addr
}

resource "swarm_join" "worker" {
  count = var.manage_cluster ? length(var.join_workers) : 0

  engine {
    host = var.join_workers[count.index].host
  }
  remote_addrs   = [var.cluster_advertise_addr]
  join_token_wo  = ephemeral.swarm_join_token.worker[0].token
  advertise_addr = var.join_workers[count.index].advertise_addr
}

# db=true on the database node: the db service is constrained to it (node.labels.db == true).
# swarm_node's labels are all of the node's labels: labels set on that node outside this
# configuration are drift and are removed.
resource "swarm_node" "db" {
  count = var.db_node == null ? 0 : 1

  node   = var.db_node
  labels = { db = "true" }
  # The stack made the label; destroying the stack removes it.
  remove_labels_on_destroy = true

  depends_on = [swarm_join.manager, swarm_join.worker]
}

resource "swarm_node" "labels" {
  for_each = var.node_labels

  node                     = each.key
  labels                   = each.value
  remove_labels_on_destroy = true

  depends_on = [swarm_join.manager, swarm_join.worker]
}
