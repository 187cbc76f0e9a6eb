variable "db_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

# The value reaches the Engine only: it is never stored in the state or shown in a plan.
# Bump data_wo_version to rotate: services that reference the id update in the same apply.
resource "swarm_secret" "db_password" {
  name            = "shop_db_password"
  data_wo         = var.db_password
  data_wo_version = 3
  labels          = { app = "shop" }
}

resource "swarm_service" "api" {
  name = "shop_api"
  task_template {
    container_spec {
      image = "shop/api:1.4.2"
      secrets {
        secret_id = swarm_secret.db_password.id
        file_name = "db_password"
      }
    }
  }
  update_config {
    order = "start-first"
  }
}
