terraform {
  # swarm_stack's compose inputs and the secrets' data_wo are write-only: Terraform 1.11.
  required_version = ">= 1.11"

  required_providers {
    swarm = {
      source = "tfswarm/swarm"
    }
  }
}

provider "swarm" {
  host = var.docker_host

  # A private registry's credentials, sent with every service of the stack (as
  # `docker stack deploy --with-registry-auth`); the password is ephemeral: never stored.
  dynamic "registry_auth" {
    for_each = var.registry_address == null ? [] : [var.registry_address]
    content {
      address  = registry_auth.value
      username = var.registry_username
      password = var.registry_password
    }
  }
}
