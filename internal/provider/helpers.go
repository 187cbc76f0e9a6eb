package provider

import (
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

func apiVersionValidator() validator.String {
	return stringvalidator.RegexMatches(regexp.MustCompile(`^1\.[0-9]{1,2}$`), "must be an Engine API version such as 1.41")
}

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
