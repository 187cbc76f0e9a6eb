# A compose file deployed as the stack "shop", as `docker stack deploy -c docker-compose.yml
# -c docker-compose.prod.yml shop` would. Usually the files are read with
# file("${path.module}/docker-compose.yml"); here the content is inline.
resource "swarm_stack" "shop" {
  name = "shop"

  compose_files = [
    <<-YAML
    version: "3.8"
    services:
      web:
        image: nginx:$${WEB_TAG:-1.27}
        ports:
          - target: 80
            published: 8080
            mode: host
        deploy:
          replicas: 2
        configs:
          - source: site
            target: /etc/nginx/conf.d/default.conf
      api:
        image: registry.example.com/shop/api:$${API_TAG}
        environment:
          LOG_LEVEL: info
        secrets: [api_key]
    configs:
      site:
        file: ./site.conf
    secrets:
      api_key:
        external: true
    YAML
    ,
    # Later files override earlier ones.
    <<-YAML
    version: "3.8"
    services:
      api:
        deploy:
          replicas: 3
    YAML
  ]

  # ${API_TAG} and ${WEB_TAG} of the files; variables win over env_file.
  variables = {
    API_TAG = "2.4.1"
  }
  env_file = "WEB_TAG=1.27\n"

  # Relative paths in the files (site.conf) are relative to this directory.
  working_dir = path.module

  # An autoscaler owns the replica count of api.
  unmanaged_replicas = ["api"]

  timeouts {
    create = "15m"
    update = "15m"
  }
}

output "api_replicas" {
  value = swarm_stack.shop.services["api"].replicas
}
