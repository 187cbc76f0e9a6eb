# Pin the database to a node labelled db=true.
resource "swarm_node" "db" {
  node         = "worker1"
  labels       = { db = "true" }
  availability = "active"
}
