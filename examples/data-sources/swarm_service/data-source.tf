data "swarm_service" "api" {
  name = "shop_api"
}

output "api_image" {
  value = data.swarm_service.api.task_template.container_spec.image
}
