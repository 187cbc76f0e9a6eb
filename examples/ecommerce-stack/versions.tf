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
}
