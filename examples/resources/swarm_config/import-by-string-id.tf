# By the Engine ID of a version, or by the logical name.
import {
  to = swarm_config.nginx
  id = "shop_nginx_conf"
}
