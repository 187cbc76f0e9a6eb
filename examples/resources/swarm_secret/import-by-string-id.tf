# By the Engine ID of a version, or by the logical name (the newest version made by the provider,
# or a secret made elsewhere with exactly that name).
import {
  to = swarm_secret.db_password
  id = "shop_db_password"
}
