# Config content is readable, so a config replaced outside Terraform shows as drift. Configs are
# not secrets: plans show what changes in `data`. Wrap it in sensitive() to hide it from plans, or
# use data_wo with data_wo_version to keep it out of the state.
resource "swarm_config" "nginx" {
  name       = "shop_nginx_conf"
  templating = "golang"
  data       = <<-EOT
    server {
      listen 80;
      server_name {{ .Service.Name }};
    }
  EOT
  labels     = { app = "shop" }
}

resource "swarm_service" "proxy" {
  name = "shop_proxy"
  task_template {
    container_spec {
      image = "nginx:1.27"
      configs {
        config_id = swarm_config.nginx.id
        file_name = "/etc/nginx/conf.d/default.conf"
      }
    }
  }
  update_config {
    order = "start-first"
  }
}
