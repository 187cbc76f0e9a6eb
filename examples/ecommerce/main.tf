# The seed's e-commerce platform (docker-compose.yml deployed as the stack "ecommerce"):
# nginx (TLS) → our API → Redis cache and PostgreSQL, with Prometheus and Grafana.

locals {
  stack = var.stack_name

  # The images, within registry_address when it is set.
  images = { for k, v in var.images : k => var.registry_address == null ? v : "${var.registry_address}/${v}" }
  # docker stack deploy labels every object with its stack: `docker stack services ecommerce`
  # and `docker stack ps ecommerce` then work on what Terraform made.
  stack_labels = { "com.docker.stack.namespace" = local.stack }

  names = {
    frontend   = "${local.stack}_frontend"
    api        = "${local.stack}_api"
    cache      = "${local.stack}_cache"
    db         = "${local.stack}_db"
    prometheus = "${local.stack}_prometheus"
    grafana    = "${local.stack}_grafana"
  }

  # The services reach each other on the backend network by the short names of the compose file
  # (network aliases, as docker stack deploy sets them).
  api_port = 8080
}

# ---- networks ----

resource "swarm_network" "frontend" {
  name   = "${local.stack}_frontend"
  labels = local.stack_labels
}

# The backend carries the API, cache and database traffic: internal (no way out of the swarm) and,
# by default, encrypted.
resource "swarm_network" "backend" {
  name      = "${local.stack}_backend"
  internal  = true
  encrypted = var.encrypt_backend
  labels    = local.stack_labels
}

# ---- secrets and configs ----

resource "swarm_secret" "ssl_cert" {
  name            = "${local.stack}_ssl_cert"
  data_wo         = var.ssl_cert_pem
  data_wo_version = var.secret_versions.ssl_cert
  labels          = local.stack_labels
}

# The password the API connects with (as var.db_user). Rotating it (a new value and a bumped
# secret_versions.db_password) moves only the API's tasks: see db_user for the order.
resource "swarm_secret" "db_password" {
  name            = "${local.stack}_db_password"
  data_wo         = var.db_password
  data_wo_version = var.secret_versions.db_password
  labels          = local.stack_labels
}

# The superuser's first password, which PostgreSQL reads only when it creates its data directory.
# A secret of its own, never rotated with db_password: were the database to take db_password, each
# rotation would restart it, and every request would fail until it is back.
resource "swarm_secret" "db_init_password" {
  name            = "${local.stack}_db_init_password"
  data_wo         = var.db_password
  data_wo_version = 1
  labels          = local.stack_labels
}

resource "swarm_config" "nginx" {
  name = "${local.stack}_nginx_conf"
  data = templatefile("${path.module}/templates/nginx.conf.tftpl", {
    domain   = var.domain
    api_host = "api"
    api_port = local.api_port
  })
  labels = local.stack_labels
}

# ---- volume ----

# With db_volume_engine the volume is made on the database node's engine and destroyed with the
# stack; without it the node that runs the db task makes it on first use (as docker stack deploy
# does), and it outlives `terraform destroy`.
resource "swarm_volume" "db_data" {
  count = var.db_volume_engine == null ? 0 : 1

  name   = "${local.stack}_db_data"
  labels = local.stack_labels

  engine {
    host = var.db_volume_engine
  }
}

# ---- services ----

resource "swarm_service" "frontend" {
  name   = local.names.frontend
  labels = local.stack_labels

  mode {
    replicated {
      replicas = var.frontend_replicas
    }
  }

  task_template {
    container_spec {
      image = local.images.frontend
      # SIGQUIT is nginx's graceful shutdown: it finishes the requests in flight and closes idle
      # keep-alive connections cleanly (SIGTERM drops them), as the official image's STOPSIGNAL.
      stop_signal       = "SIGQUIT"
      stop_grace_period = "10s"

      configs {
        config_id = swarm_config.nginx.id
        file_name = "/etc/nginx/nginx.conf"
      }
      secrets {
        secret_id = swarm_secret.ssl_cert.id
        file_name = "ssl_cert"
        mode      = "0400"
      }
      healthcheck {
        test         = ["CMD-SHELL", "curl -fsk https://127.0.0.1/nginx-health || wget -q -O /dev/null --no-check-certificate https://127.0.0.1/nginx-health"]
        interval     = "5s"
        timeout      = "3s"
        retries      = 3
        start_period = "5s"
      }
    }
    restart_policy {
      condition = "any"
    }
    placement {
      constraints  = var.frontend_constraints
      max_replicas = var.frontend_max_replicas_per_node
    }
    networks {
      target = swarm_network.frontend.id
    }
    networks {
      target = swarm_network.backend.id
    }
  }

  update_config {
    parallelism    = 1
    delay          = "10s"
    failure_action = "rollback"
  }

  endpoint_spec {
    mode = var.endpoint_mode
    ports {
      target_port    = 443
      published_port = var.https_port
      publish_mode   = var.publish_mode
    }
  }

  depends_on = [swarm_service.api]
}

resource "swarm_service" "api" {
  name = local.names.api
  labels = merge(local.stack_labels, {
    "prometheus.scrape" = "true"
    "prometheus.port"   = tostring(local.api_port)
  })

  # api_replicas = null: replicas left out, so an autoscaler owns the count (see README).
  mode {
    replicated {
      replicas = var.api_replicas
    }
  }

  task_template {
    container_spec {
      image = "${local.images.api}:${var.api_image_tag}"
      env = {
        REDIS_URL              = "redis://cache:6379"
        DB_HOST                = "db"
        DB_NAME                = "ecommerce"
        DB_USER                = var.db_user
        POSTGRES_PASSWORD_FILE = "/run/secrets/db_password"
        CACHE_TTL              = var.api_cache_ttl
        SHUTDOWN_DELAY         = "3s"
      }
      stop_grace_period = "20s"

      secrets {
        secret_id = swarm_secret.db_password.id
        file_name = "db_password"
      }
      healthcheck {
        test         = ["CMD", "/app", "health"]
        interval     = "5s"
        timeout      = "3s"
        retries      = 3
        start_period = "10s"
      }
    }
    resources {
      limits {
        cpus   = 0.5
        memory = "512M"
      }
    }
    restart_policy {
      condition = "any"
    }
    placement {
      max_replicas = var.api_max_replicas_per_node
    }
    networks {
      target  = swarm_network.backend.id
      aliases = ["api"]
    }
  }

  # Rolling updates start each new task before its old one stops; a task that fails its health
  # check during the update rolls the whole service back.
  update_config {
    parallelism    = 2
    delay          = "5s"
    order          = "start-first"
    failure_action = "rollback"
    monitor        = "15s"
  }
  rollback_config {
    parallelism = 2
    order       = "start-first"
  }

  endpoint_spec {
    mode = var.endpoint_mode
  }

  depends_on = [swarm_service.cache, swarm_service.db]
}

resource "swarm_service" "cache" {
  name   = local.names.cache
  labels = local.stack_labels

  mode {
    replicated {
      replicas = var.cache_replicas
    }
  }

  task_template {
    container_spec {
      image = local.images.cache
      healthcheck {
        test     = ["CMD", "redis-cli", "ping"]
        interval = "5s"
        timeout  = "3s"
        retries  = 3
      }
    }
    placement {
      constraints = ["node.role == worker"]
    }
    networks {
      target  = swarm_network.backend.id
      aliases = ["cache"]
    }
  }

  endpoint_spec {
    mode = var.endpoint_mode
  }

  depends_on = [swarm_node.db, swarm_node.labels, swarm_join.manager, swarm_join.worker]
}

resource "swarm_service" "db" {
  name   = local.names.db
  labels = local.stack_labels

  mode {
    replicated {
      replicas = 1
    }
  }

  task_template {
    container_spec {
      image = local.images.db
      env = {
        POSTGRES_PASSWORD_FILE = "/run/secrets/db_password"
        POSTGRES_DB            = "ecommerce"
      }
      stop_grace_period = "30s"

      secrets {
        secret_id = swarm_secret.db_init_password.id
        file_name = "db_password"
      }
      mounts {
        type   = "volume"
        source = var.db_volume_engine == null ? "${local.stack}_db_data" : swarm_volume.db_data[0].name
        target = "/var/lib/postgresql/data"
        volume_options {
          labels = local.stack_labels
        }
      }
      healthcheck {
        test         = ["CMD-SHELL", "pg_isready -h 127.0.0.1 -U postgres"]
        interval     = "5s"
        timeout      = "3s"
        retries      = 5
        start_period = "20s"
      }
    }
    placement {
      constraints = ["node.labels.db == true"]
    }
    networks {
      target  = swarm_network.backend.id
      aliases = ["db"]
    }
  }

  # One database task: stop the old one before the new one starts (they share the volume).
  update_config {
    order = "stop-first"
  }

  endpoint_spec {
    mode = var.endpoint_mode
  }

  depends_on = [swarm_node.db, swarm_node.labels, swarm_join.manager, swarm_join.worker]
}
