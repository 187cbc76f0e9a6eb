# A volume of the provider's engine by its name; a volume of another engine as <host>|<name>,
# with the same host (and any TLS or ssh settings) in the resource's engine block.
import {
  to = swarm_volume.cache
  id = "shop_cache"
}

import {
  to = swarm_volume.db_data
  id = "ssh://ops@db1.example.com|shop_db_data"
}
