module github.com/tfswarm/terraform-provider-swarm/examples/ecommerce

go 1.26.8

require (
	github.com/google/go-cmp v0.7.0
	github.com/lib/pq v1.12.3
)
