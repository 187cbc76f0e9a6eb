# The digest that a tag points at now, asked with the provider's registry credentials.
data "swarm_registry_image" "api" {
  name = "registry.example.com:5000/shop/api:stable"
}

output "api_digest" {
  value = data.swarm_registry_image.api.digest # "sha256:…"
}

output "api_pinned" {
  value = data.swarm_registry_image.api.pinned # "registry.example.com:5000/shop/api:stable@sha256:…"
}
