# The local engine (or DOCKER_HOST) as the swarm's manager.
provider "swarm" {}

# A manager over TLS.
provider "swarm" {
  alias     = "tls"
  host      = "tcp://manager1.example.com:2376"
  cert_path = pathexpand("~/.docker/prod")
}

# A manager over ssh, through `docker system dial-stdio` on the remote host.
provider "swarm" {
  alias    = "ssh"
  host     = "ssh://ops@manager1.example.com"
  ssh_opts = ["-o", "StrictHostKeyChecking=yes"]
}

# Several managers: the first that answers is used, the next ones when it stops answering.
provider "swarm" {
  alias = "ha"
  hosts = [
    "ssh://ops@manager1.example.com",
    "ssh://ops@manager2.example.com",
    "ssh://ops@manager3.example.com",
  ]
}

# Private registries: credentials for any number of registries. The provider sends those of a
# service's image registry with every create and update, so that every node can pull, and uses
# them to resolve the image's digest.
variable "ghcr_token" {
  type      = string
  sensitive = true
}

provider "swarm" {
  alias = "private"

  registry_auth {
    address  = "ghcr.io"
    username = "ci-bot"
    password = var.ghcr_token
  }
  registry_auth {
    address  = "registry.example.com:5000"
    username = "deploy"
    password = var.ghcr_token
  }
}

# Or the Docker CLI's own credentials, as `docker stack deploy --with-registry-auth` uses them:
# $DOCKER_CONFIG/config.json (else ~/.docker/config.json) with its auths, credsStore and
# credHelpers. `path` or `content` name another config file.
provider "swarm" {
  alias = "cli"

  docker_config {}
}
