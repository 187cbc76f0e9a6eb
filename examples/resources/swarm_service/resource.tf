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
