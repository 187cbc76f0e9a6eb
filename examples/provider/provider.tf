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
