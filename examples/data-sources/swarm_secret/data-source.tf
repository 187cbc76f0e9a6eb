# A secret made outside this configuration (`docker secret create`, a stack, or swarm_secret in
# another configuration), referenced by name like a compose `external: true` secret. A logical
# name that swarm_secret rotates finds its newest version (`<name>-vN`).
data "swarm_secret" "db_password" {
  name = "shop_db_password"
}

resource "swarm_service" "api" {
  name = "shop_api"
  task_template {
    container_spec {
      image = "shop/api:1.4.2"
      secrets {
        secret_id = data.swarm_secret.db_password.id
        file_name = "db_password"
      }
    }
  }
}
