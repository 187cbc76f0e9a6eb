# By node ID or hostname. The engine block and join settings come from the configuration.
import {
  to = swarm_join.worker["worker1"]
  id = "worker1"
}
