package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// clientFromProviderData is the Configure step every resource, data source and ephemeral
// resource shares. A nil ProviderData (validation before Configure) is not an error.
func clientFromProviderData(data any, diags *diag.Diagnostics) *swarm.Client {
	if data == nil {
		return nil
	}
	c, ok := data.(*swarm.Client)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *swarm.Client, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return c
}
