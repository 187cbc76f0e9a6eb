# The seed's platform from its own compose file: `docker stack deploy -c docker-compose.yml
# ecommerce`, as Terraform. The file declares ssl_cert and db_password as external: they are
# created here, with write-only data, before the stack.

resource "swarm_secret" "ssl_cert" {
  name            = "ssl_cert"
  data_wo         = var.ssl_cert_pem
  data_wo_version = var.secrets_version
}

resource "swarm_secret" "db_password" {
  name            = "db_password"
  data_wo         = var.db_password
  data_wo_version = var.secrets_version
}

resource "swarm_stack" "ecommerce" {
  name          = "ecommerce"
  compose_files = [file("${path.module}/docker-compose.yml")]
  working_dir   = path.module

  variables = merge(
    { for k, v in var.images : "${upper(k)}_IMAGE" => var.registry_address == null ? v : "${var.registry_address}/${v}" },
    {
      PUBLISH_MODE        = var.publish_mode
      ENDPOINT_MODE       = var.endpoint_mode
      FRONTEND_HEALTH_CMD = var.frontend_health_cmd
    },
  )

  depends_on = [swarm_secret.ssl_cert, swarm_secret.db_password]
}

output "services" {
  description = "ID, image and replica count of each service."
  value = {
    for name, s in swarm_stack.ecommerce.services : name => {
      id       = s.id
      image    = s.image
      replicas = s.replicas
    }
  }
}

check "api_replicas" {
  assert {
    condition     = swarm_stack.ecommerce.services["api"].replicas >= 2
    error_message = "The API runs fewer than two replicas."
  }
}
