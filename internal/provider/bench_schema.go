package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// ServiceResourceSchema is swarm_service's schema and identity schema, for the floor provider of
// `make bench` (internal/bench/floorprovider): a provider with the same schema whose Read returns
// the state untouched, which measures what Terraform and the framework cost for objects this
// large.
func ServiceResourceSchema(ctx context.Context) (schema.Schema, identityschema.Schema) {
	return serviceResourceSchema(ctx), idIdentitySchema("The service's ID.")
}
