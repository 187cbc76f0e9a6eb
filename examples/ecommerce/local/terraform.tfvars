# examples/ecommerce on this machine's test bed (internal/testbed): see ../README.md, "Local demo".
# Used by tf.sh together with a file it generates for this machine (the host node's name) and
# the secrets it generates (passed as TF_VAR_ environment variables: they are ephemeral).

docker_host = "unix:///var/run/docker.sock"
domain      = "localhost"

# Built by build-images.sh: nginx, Redis, PostgreSQL and Prometheus from Debian's packages, the API
# from ../api, and pushed to the test bed's private registry; the nodes pull them through the swarm
# with the provider's registry credentials. tf.sh sets registry_address and registry_username (in
# its machine.tfvars: the bed's registry.env) and registry_password (TF_VAR_registry_password, an
# ephemeral variable): the images below are names within that registry. Grafana is not packaged by
# Debian, so it is left out (enable_grafana = false below); the example still declares it.
images = {
  frontend   = "ecommerce/nginx:local"
  api        = "ecommerce/api"
  cache      = "ecommerce/redis:local"
  db         = "ecommerce/postgres:local"
  prometheus = "ecommerce/prometheus:local"
}
api_image_tag  = "v1"
enable_grafana = false

# No IPVS in this kernel: no routing mesh and no virtual IPs. Ports are published on the nodes
# that run a task, and services find each other by DNS round robin.
publish_mode  = "host"
endpoint_mode = "dnsrr"

# One nginx per manager (port 443 can be bound once per node), so that the host engine, a
# manager, always has one on loopback.
frontend_replicas              = 3
frontend_constraints           = ["node.role == manager"]
frontend_max_replicas_per_node = 1

# Prometheus and Grafana on the host engine, labelled monitoring=true by tf.sh's machine file.
monitoring_constraints = ["node.labels.monitoring == true"]
scrape_interval        = "5s"

# The test bed's worker w1 holds the database and its volume.
db_node          = "w1"
db_volume_engine = "unix:///run/tfswarm-testbed/w1.sock"

api_cache_ttl = "5s"

# The kernel here lacks the IPsec (ESP) transform: between nodes, an encrypted overlay drops all
# traffic (measured: a plain internal overlay answers, the same one with encrypted times out).
encrypt_backend = false
