# ---- where ----

variable "docker_host" {
  description = "The Docker Engine of a swarm manager: unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host."
  type        = string
  default     = "unix:///var/run/docker.sock"
}

variable "stack_name" {
  description = "Prefix of every object, as `docker stack deploy -c docker-compose.yml <stack_name>` would name them (ecommerce_frontend, ecommerce_api, …)."
  type        = string
  default     = "ecommerce"
}

variable "domain" {
  description = "The shop's domain name (nginx server_name; the certificate should match it)."
  type        = string
  default     = "shop.example.com"
}

# ---- the cluster ----

variable "manage_cluster" {
  description = "Whether this configuration also makes the swarm: swarm_cluster initialises it on docker_host and swarm_join joins the engines in join_managers and join_workers. Leave false for an existing swarm."
  type        = bool
  default     = false
}

variable "cluster_advertise_addr" {
  description = "With manage_cluster: the address the first manager advertises to the other nodes."
  type        = string
  default     = null
}

variable "join_managers" {
  description = "With manage_cluster: engines that join as managers (three managers in all keep quorum when one is lost). advertise_addr is the node's own address."
  type = list(object({
    host           = string
    advertise_addr = optional(string)
  }))
  default = []
}

variable "join_workers" {
  description = "With manage_cluster: engines that join as workers."
  type = list(object({
    host           = string
    advertise_addr = optional(string)
  }))
  default = []
}

variable "db_node" {
  description = "The node (ID or hostname) that holds the database: it gets the label db=true, and the db service runs only there. Null leaves node labels alone (some node must then carry db=true already)."
  type        = string
  default     = null
}

variable "node_labels" {
  description = "Further node labels, by node ID or hostname, e.g. { node3 = { monitoring = \"true\" } }. These are all the labels of those nodes. Do not name db_node here."
  type        = map(map(string))
  default     = {}
}

# ---- images ----

variable "images" {
  description = "Images of the services. The API is ours (./api); the defaults of the others are the upstream images of the seed's docker-compose.yml."
  type = object({
    frontend   = optional(string, "nginx:alpine")
    api        = optional(string, "ecommerce/api")
    cache      = optional(string, "redis:alpine")
    db         = optional(string, "postgres:13")
    prometheus = optional(string, "prom/prometheus")
    grafana    = optional(string, "grafana/grafana")
  })
  default = {}
}

variable "registry_address" {
  description = "A private registry that holds the images (host[:port], e.g. ghcr.io): the provider sends its credentials (registry_username, registry_password) with every service, and the images above are names within it (registry_address/image). Null: the images are pulled as named, without credentials."
  type        = string
  default     = null
}

variable "registry_username" {
  description = "User name for registry_address."
  type        = string
  default     = null
  validation {
    condition     = var.registry_address == null || var.registry_username != null
    error_message = "Set registry_username with registry_address."
  }
}

variable "api_image_tag" {
  description = "Tag of the API image. Changing it is a rolling update (start-first, with automatic rollback)."
  type        = string
  default     = "v1"
}

# ---- scale and placement ----

variable "frontend_replicas" {
  description = "nginx tasks."
  type        = number
  default     = 3
}

variable "api_replicas" {
  description = "API tasks. Null leaves the count to an external autoscaler (or `docker service scale`): the service is created with one task and Terraform never changes the count afterwards, so scaling shows no drift."
  type        = number
  default     = 5
}

variable "api_max_replicas_per_node" {
  description = "At most this many API tasks on one node (the seed's --replicas-max)."
  type        = number
  default     = 10
}

variable "cache_replicas" {
  description = "Redis tasks (on workers). Each is its own cache; the API writes to all of them and reads from any."
  type        = number
  default     = 2
}

variable "frontend_constraints" {
  description = "Extra placement constraints of nginx. With publish_mode host each node can run one nginx on port 443; constrain it to the nodes your load balancer or DNS points at."
  type        = list(string)
  default     = []
}

variable "frontend_max_replicas_per_node" {
  description = "At most this many nginx tasks on one node (0 is unlimited; 1 with publish_mode host)."
  type        = number
  default     = 0
}

variable "monitoring_constraints" {
  description = "Placement constraints of Prometheus and Grafana. Prometheus always runs on a manager (it reads the manager's Docker socket)."
  type        = list(string)
  default     = []
}

# ---- networking ----

variable "publish_mode" {
  description = "How ports are published: ingress (the routing mesh: any node answers) or host (only the nodes running a task)."
  type        = string
  default     = "ingress"
  validation {
    condition     = contains(["ingress", "host"], var.publish_mode)
    error_message = "publish_mode must be ingress or host."
  }
}

variable "endpoint_mode" {
  description = "How services find each other: vip (one virtual IP per service, load-balanced by IPVS) or dnsrr (the service name resolves to every task)."
  type        = string
  default     = "vip"
  validation {
    condition     = contains(["vip", "dnsrr"], var.endpoint_mode)
    error_message = "endpoint_mode must be vip or dnsrr."
  }
}

variable "encrypt_backend" {
  description = "Whether the backend overlay network is encrypted (IPsec). Needs the kernel's xfrm/ESP support on every node."
  type        = bool
  default     = true
}

variable "https_port" {
  description = "Published port of nginx (TLS)."
  type        = number
  default     = 443
}

variable "prometheus_port" {
  description = "Published port of Prometheus."
  type        = number
  default     = 9090
}

variable "grafana_port" {
  description = "Published port of Grafana."
  type        = number
  default     = 3000
}

# ---- monitoring ----

variable "enable_grafana" {
  description = "Whether Grafana runs. Its image is not built from Debian's packages (Grafana is not in Debian), so the local demo, whose images are built here, sets this to false."
  type        = bool
  default     = true
}

variable "scrape_interval" {
  description = "Prometheus scrape interval."
  type        = string
  default     = "15s"
}

# ---- secrets (write-only: never in state or plan) ----

variable "ssl_cert_pem" {
  description = "The TLS certificate and its private key, PEM, concatenated (nginx reads both from the one ssl_cert secret)."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "db_password" {
  description = "The password of db_user (the db_password secret, which the API reads). It is also the superuser's first password, set when the database is created (the db_init_password secret, never rotated)."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "db_user" {
  description = "The PostgreSQL role the API connects as. PostgreSQL keeps one password per role, so a rotation of db_password without a failed request alternates between two roles: give the role not in use the new password in the database (CREATE ROLE or ALTER ROLE), then apply the new db_password with db_user set to that role and secret_versions.db_password bumped. The API's tasks roll start-first; the old tasks keep the old role until they stop, and the database is not touched."
  type        = string
  default     = "postgres"
  nullable    = false
}

variable "registry_password" {
  description = "Password or access token for registry_address (e.g. TF_VAR_registry_password from a CI secret)."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = null
}

variable "grafana_admin_password" {
  description = "Grafana's admin password (a secret). Needed only with enable_grafana."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = null
  validation {
    condition     = !var.enable_grafana || var.grafana_admin_password != null
    error_message = "Set grafana_admin_password (or enable_grafana = false)."
  }
}

variable "secret_versions" {
  description = "Versions of the write-only secret values. Terraform cannot see a new value of a write-only attribute: bump a secret's version to rotate it, and the services move to the new secret in the same apply. For db_password, see db_user."
  type = object({
    ssl_cert               = optional(number, 1)
    db_password            = optional(number, 1)
    grafana_admin_password = optional(number, 1)
  })
  default = {}
}

variable "db_volume_engine" {
  description = "The Docker Engine of db_node (e.g. ssh://admin@db-host): when set, the volume db_data is a swarm_volume made there and destroyed with the stack. When null, the node that runs the db task makes the volume on demand (as docker stack deploy does) and it outlives the stack."
  type        = string
  default     = null
}

variable "api_cache_ttl" {
  description = "How long Redis keeps the API's product list (a Go duration)."
  type        = string
  default     = "30s"
}
