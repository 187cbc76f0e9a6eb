# By the Engine ID of a version, or by the logical name.
terraform import swarm_config.example shop_nginx_conf
