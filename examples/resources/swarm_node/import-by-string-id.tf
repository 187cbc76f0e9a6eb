# By node ID or hostname.
import {
  to = swarm_node.db
  id = "worker1"
}
