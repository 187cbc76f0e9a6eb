# A config made outside this configuration, referenced by name (compose's `external: true`). The
# data source never holds the content; data_sha256 tells versions apart.
data "swarm_config" "nginx" {
  name = "shop_nginx_conf"
}

resource "swarm_service" "proxy" {
  name = "shop_proxy"
  task_template {
    container_spec {
      image = "nginx:1.27"
      configs {
        config_id = data.swarm_config.nginx.id
        file_name = "/etc/nginx/conf.d/default.conf"
      }
    }
  }
}

output "nginx_conf_version" {
  value = data.swarm_config.nginx.versioned_name
}
