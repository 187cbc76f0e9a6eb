output "urls" {
  description = "Where the platform answers (with publish_mode host: on the nodes that run the task)."
  value = {
    shop       = "https://${var.domain}${var.https_port == 443 ? "" : ":${var.https_port}"}/products"
    prometheus = "http://${var.domain}:${var.prometheus_port}"
    grafana    = var.enable_grafana ? "http://${var.domain}:${var.grafana_port}" : "(not deployed: enable_grafana = false)"
  }
}

output "services" {
  description = "The services' names, as docker stack deploy would give them."
  value = concat(
    [for s in [swarm_service.frontend, swarm_service.api, swarm_service.cache, swarm_service.db, swarm_service.prometheus] : s.name],
    [for s in swarm_service.grafana : s.name],
  )
}

output "health_commands" {
  description = "Commands that check the platform."
  value = {
    tasks      = "docker stack ps ${local.stack} --filter desired-state=running"
    services   = "docker stack services ${local.stack}"
    api_health = "curl -fsk https://${var.domain}${var.https_port == 443 ? "" : ":${var.https_port}"}/health"
    targets    = "curl -s http://${var.domain}:${var.prometheus_port}/api/v1/targets?state=active"
  }
}

output "drift_command" {
  description = "Exits 2 when something was changed outside Terraform (e.g. docker service scale), 0 when not."
  value       = "terraform plan -refresh-only -detailed-exitcode"
}

output "api_replicas_managed" {
  description = "Whether Terraform manages the API's replica count (false: an autoscaler does)."
  value       = var.api_replicas != null
}
