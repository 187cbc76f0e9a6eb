variable "docker_host" {
  description = "A manager of the swarm."
  type        = string
  default     = "unix:///var/run/docker.sock"
}

variable "images" {
  description = "Image of each service (the compose file's defaults when left out)."
  type        = map(string)
  default     = {}
}

variable "registry_address" {
  description = "A private registry that holds the images (host[:port]): the images are names within it, and the provider sends its credentials (registry_username, registry_password) with every service. Null: the images are pulled as named."
  type        = string
  default     = null
}

variable "registry_username" {
  description = "User name for registry_address."
  type        = string
  default     = null
}

variable "registry_password" {
  description = "Password or access token for registry_address."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = null
}

variable "publish_mode" {
  description = "How ports are published: ingress (the routing mesh) or host (on the nodes that run a task)."
  type        = string
  default     = "ingress"
}

variable "endpoint_mode" {
  description = "vip, or dnsrr where the kernel has no IPVS."
  type        = string
  default     = "vip"
}

variable "frontend_health_cmd" {
  description = "The frontend's health check command (run by the image's shell)."
  type        = string
  default     = "curl -f http://localhost/health || exit 1"
}

variable "ssl_cert_pem" {
  description = "Certificate and key of the frontend (the ssl_cert secret)."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "db_password" {
  description = "The database password (the db_password secret)."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "secrets_version" {
  description = "Raise it to write new secret values (they are write-only)."
  type        = number
  default     = 1
}
