# By ID or name.
import {
  to = swarm_service.api
  id = "shop_api"
}
