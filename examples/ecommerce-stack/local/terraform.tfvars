# The test bed (internal/testbed): no IPVS. Every service runs the bed's test image, which the
# nodes pull from the bed's private registry with credentials: registry_address, registry_username
# and TF_VAR_registry_password come from the bed's registry.env (see ../README.md); ports are
# published on the nodes and services find each other by DNS round robin. The test bed's worker w1 needs the label db=true for the database
# (docker node update --label-add db=true w1).
images = {
  frontend   = "tfswarm/testapp:v1"
  api        = "tfswarm/testapp:v1"
  cache      = "tfswarm/testapp:v1"
  db         = "tfswarm/testapp:v1"
  prometheus = "tfswarm/testapp:v1"
  grafana    = "tfswarm/testapp:v1"
}
publish_mode  = "host"
endpoint_mode = "dnsrr"

# testapp's own health check (its /bin/sh runs the one testapp command).
frontend_health_cmd = "/testapp health"
