resource "swarm_network" "backend" {
  name   = "shop_backend"
  driver = "overlay"
}

resource "swarm_service" "api" {
  name   = "shop_api"
  labels = { tier = "backend" }

  mode {
    replicated {
      replicas = 3
    }
  }

  task_template {
    container_spec {
      image = "shop/api:1.4.2"
      env   = { REDIS_URL = "redis://cache", DB_HOST = "db" }

      healthcheck {
        test         = ["CMD", "/app", "health"]
        interval     = "5s"
        timeout      = "2s"
        retries      = 3
        start_period = "10s"
      }

      mounts {
        type   = "tmpfs"
        target = "/tmp"
        tmpfs_options {
          size = "64M"
        }
      }
    }

    resources {
      limits {
        cpus   = 0.5
        memory = "512M"
      }
      reservations {
        memory = "128M"
      }
    }

    restart_policy {
      condition = "any"
      delay     = "5s"
    }

    placement {
      constraints = ["node.role == worker"]
    }

    networks {
      target  = swarm_network.backend.id
      aliases = ["api"]
    }
  }

  update_config {
    parallelism    = 1
    delay          = "10s"
    failure_action = "rollback"
    order          = "start-first"
    monitor        = "30s"
  }

  endpoint_spec {
    mode = "dnsrr"

    ports {
      target_port    = 8080
      published_port = 8080
      publish_mode   = "host"
    }
  }

  timeouts {
    create = "15m"
  }
}

# A service whose replica count an autoscaler manages: leave replicas out.
resource "swarm_service" "worker" {
  name = "shop_worker"

  task_template {
    container_spec {
      image = "shop/worker:1.4.2"
      args  = ["--queue", "orders"]
    }
  }
}

# A one-off job that must complete three times, two at a time.
resource "swarm_service" "migrate" {
  name = "shop_migrate"

  mode {
    replicated_job {
      max_concurrent    = 2
      total_completions = 3
    }
  }

  task_template {
    container_spec {
      image   = "shop/api:1.4.2"
      command = ["/app", "migrate"]
    }
    restart_policy {
      condition = "on-failure"
    }
  }
}

resource "swarm_secret" "agent_token" {
  name            = "shop_agent_token"
  data_wo         = var.agent_token
  data_wo_version = 1
}

variable "agent_token" {
  type      = string
  sensitive = true
}

# One task on every node, with every container setting group: log driver, ulimits, sysctls,
# capabilities, privileges, init, DNS, extra hosts (several addresses for one name), a secret file
# with an octal mode, generic resources, placement preferences and platforms, a force_update
# counter, and a port published in host mode (with DNS round robin, as the routing mesh is not
# used).
resource "swarm_service" "agent" {
  name = "shop_agent"

  mode {
    global {}
  }

  task_template {
    force_update = 1

    container_spec {
      image           = "shop/agent:2.0.1"
      args            = ["--listen", ":9100"]
      init            = true
      user            = "1000:1000"
      read_only       = true
      hosts           = { "metrics.internal" = ["10.0.0.20", "fd00::20"] }
      sysctls         = { "net.core.somaxconn" = "1024" }
      capability_add  = ["NET_ADMIN"]
      capability_drop = ["MKNOD"]

      ulimits {
        name = "nofile"
        soft = 4096
        hard = 8192
      }

      secrets {
        secret_id = swarm_secret.agent_token.id
        file_name = "agent_token"
        uid       = "1000"
        gid       = "1000"
        mode      = "0400"
      }

      mounts {
        type      = "bind"
        source    = "/var/run/docker.sock"
        target    = "/var/run/docker.sock"
        read_only = true
      }

      dns_config {
        nameservers = ["10.0.0.53"]
        search      = ["shop.internal"]
        options     = ["ndots:2"]
      }

      privileges {
        no_new_privileges = true
        apparmor {
          mode = "default"
        }
      }
    }

    resources {
      limits {
        memory = "128M"
        pids   = 200
      }
      reservations {
        generic_resources {
          kind           = "ssd"
          discrete_value = 1
        }
      }
    }

    placement {
      constraints = ["node.platform.os == linux"]
      preferences = ["node.labels.zone"]
      platforms {
        os           = "linux"
        architecture = "amd64"
      }
    }

    log_driver {
      name    = "json-file"
      options = { "max-size" = "10m", "max-file" = "3" }
    }
  }

  endpoint_spec {
    mode = "dnsrr"

    ports {
      target_port    = 9100
      published_port = 9100
      publish_mode   = "host"
    }
  }
}

# A clean-up that runs to completion once on every node.
resource "swarm_service" "prune" {
  name = "shop_prune"

  mode {
    global_job {}
  }

  task_template {
    container_spec {
      image = "shop/agent:2.0.1"
      args  = ["prune", "--older-than", "72h"]
      mounts {
        type   = "tmpfs"
        target = "/scratch"
        tmpfs_options {
          size = "16M"
          mode = "1777"
        }
      }
    }
  }
}

# A private image with the service's own credentials (the password is write-only: it is never
# stored; bump password_wo_version to send a new one). resolve_image = "always" (the default)
# pins the tag to its digest at every plan, so a re-pushed :stable rolls the service.
variable "registry_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "swarm_service" "billing" {
  name          = "shop_billing"
  resolve_image = "always"

  task_template {
    container_spec {
      image = "registry.example.com:5000/shop/billing:stable"
    }
  }

  registry_auth {
    username            = "deploy"
    password_wo         = var.registry_password
    password_wo_version = 1
  }
}
