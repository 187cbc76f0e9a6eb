# Secrets with the label "team" (any value). Their content never leaves the Engine: the generated
# configuration writes `data = null # sensitive` for you to fill in (or use data_wo).
list "swarm_secret" "team" {
  provider         = swarm
  include_resource = true

  config {
    labels = { team = "" }
  }
}
