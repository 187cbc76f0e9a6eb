# Terraform 1.12 or newer: the name, and the host of the engine block for a volume of another engine.
import {
  to       = swarm_volume.cache
  identity = { name = "shop_cache" }
}

import {
  to = swarm_volume.db_data
  identity = {
    name        = "shop_db_data"
    engine_host = "ssh://ops@db1.example.com"
  }
}
