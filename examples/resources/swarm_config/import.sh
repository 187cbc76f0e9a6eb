# By the Engine ID of a version, or by the logical name.
terraform import swarm_config.nginx shop_nginx_conf
