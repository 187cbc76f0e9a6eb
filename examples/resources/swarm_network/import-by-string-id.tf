# By ID or name.
import {
  to = swarm_network.backend
  id = "shop_backend"
}
