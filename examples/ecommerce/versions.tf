terraform {
  # Write-only attributes (data_wo) and ephemeral variables need Terraform 1.11.
  required_version = ">= 1.11"

  required_providers {
    swarm = {
      source = "tfswarm/swarm"
    }
  }
}

provider "swarm" {
  host = var.docker_host

  # The credentials of the private registry that holds the images: the provider sends them with
  # every service create and update, so that every node that runs a task can pull. The password
  # comes from an ephemeral variable: it never reaches the state or the plan. (Or `docker_config {}`:
  # the credentials of `docker login` and the Docker CLI's credential helpers.)
  dynamic "registry_auth" {
    for_each = var.registry_address == null ? [] : [var.registry_address]
    content {
      address  = registry_auth.value
      username = var.registry_username
      password = var.registry_password
    }
  }
}
