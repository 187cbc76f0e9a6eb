# Prometheus (9090) scrapes the swarm's tasks found through Swarm service discovery; Grafana (3000)
# is provisioned with Prometheus as its data source.

resource "swarm_config" "prometheus" {
  name = "${local.stack}_prometheus_yml"
  data = templatefile("${path.module}/templates/prometheus.yml.tftpl", {
    network          = swarm_network.backend.name
    scrape_interval  = var.scrape_interval
    refresh_interval = "10s"
  })
  labels = local.stack_labels
}

resource "swarm_service" "prometheus" {
  name   = local.names.prometheus
  labels = local.stack_labels

  mode {
    replicated {
      replicas = 1
    }
  }

  task_template {
    container_spec {
      image = local.images.prometheus
      # Swarm service discovery reads the Docker socket, which only root may open.
      user = "root"
      args = [
        "--config.file=/etc/prometheus/prometheus.yml",
        "--storage.tsdb.path=/prometheus",
        "--web.listen-address=:9090",
      ]

      configs {
        config_id = swarm_config.prometheus.id
        file_name = "/etc/prometheus/prometheus.yml"
      }
      mounts {
        type      = "bind"
        source    = "/var/run/docker.sock"
        target    = "/var/run/docker.sock"
        read_only = true
      }
    }
    placement {
      # The socket must be a manager's: only managers know the swarm's tasks.
      constraints = concat(["node.role == manager"], var.monitoring_constraints)
    }
    networks {
      target = swarm_network.frontend.id
    }
    networks {
      target  = swarm_network.backend.id
      aliases = ["prometheus"]
    }
  }

  endpoint_spec {
    mode = var.endpoint_mode
    ports {
      target_port    = 9090
      published_port = var.prometheus_port
      publish_mode   = var.publish_mode
    }
  }

  depends_on = [swarm_node.labels]
}

resource "swarm_secret" "grafana_admin_password" {
  count = var.enable_grafana ? 1 : 0

  name            = "${local.stack}_grafana_admin_password"
  data_wo         = var.grafana_admin_password
  data_wo_version = var.secret_versions.grafana_admin_password
  labels          = local.stack_labels
}

resource "swarm_config" "grafana_datasource" {
  count = var.enable_grafana ? 1 : 0

  name = "${local.stack}_grafana_datasource"
  data = templatefile("${path.module}/templates/grafana-datasource.yml.tftpl", {
    prometheus_url = "http://prometheus:9090"
  })
  labels = local.stack_labels
}

resource "swarm_service" "grafana" {
  count = var.enable_grafana ? 1 : 0

  name   = local.names.grafana
  labels = local.stack_labels

  mode {
    replicated {
      replicas = 1
    }
  }

  task_template {
    container_spec {
      image = local.images.grafana
      env = {
        GF_SECURITY_ADMIN_PASSWORD__FILE = "/run/secrets/grafana_admin_password"
      }

      configs {
        config_id = swarm_config.grafana_datasource[0].id
        file_name = "/etc/grafana/provisioning/datasources/prometheus.yml"
      }
      secrets {
        secret_id = swarm_secret.grafana_admin_password[0].id
        file_name = "grafana_admin_password"
      }
    }
    placement {
      constraints = var.monitoring_constraints
    }
    networks {
      target = swarm_network.frontend.id
    }
    networks {
      target = swarm_network.backend.id
    }
  }

  endpoint_spec {
    mode = var.endpoint_mode
    ports {
      target_port    = 3000
      published_port = var.grafana_port
      publish_mode   = var.publish_mode
    }
  }

  depends_on = [swarm_service.prometheus]
}
