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
}
