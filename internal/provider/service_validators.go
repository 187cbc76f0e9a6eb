package provider

// Validators of swarm_service attributes and blocks.

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// healthcheckTestValidator checks the form of a health check's test.
type healthcheckTestValidator struct{}

func (healthcheckTestValidator) Description(context.Context) string {
	return "the first element is " + strings.Join(serviceHealthcheckTestCommands, ", ")
}
func (v healthcheckTestValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (healthcheckTestValidator) ValidateList(ctx context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	elems := req.ConfigValue.Elements()
	if len(elems) == 0 {
		return
	}
	first, ok := elems[0].(types.String)
	if !ok || first.IsUnknown() {
		return
	}
	cmd := first.ValueString()
	switch {
	case cmd == "NONE" && len(elems) != 1:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid health check test", `["NONE"] takes no further elements.`)
	case (cmd == "CMD" || cmd == "CMD-SHELL") && len(elems) < 2:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid health check test", fmt.Sprintf("%q needs the command after it.", cmd))
	case cmd != "NONE" && cmd != "CMD" && cmd != "CMD-SHELL":
		resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(0), "Invalid health check test",
			fmt.Sprintf("The first element must be one of %s, not %q.", strings.Join(serviceHealthcheckTestCommands, ", "), cmd))
	}
}

// uniquePublishedPortsValidator refuses the same published port (and protocol) twice.
type uniquePublishedPortsValidator struct{}

func (uniquePublishedPortsValidator) Description(context.Context) string {
	return "no published port (with its protocol) may appear twice"
}
func (v uniquePublishedPortsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (uniquePublishedPortsValidator) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	seen := map[string]int{}
	for i, e := range req.ConfigValue.Elements() {
		o, ok := e.(types.Object)
		if !ok || o.IsNull() || o.IsUnknown() {
			continue
		}
		attrs := o.Attributes()
		pub, _ := attrs["published_port"].(types.Int64)
		if pub.IsNull() || pub.IsUnknown() {
			continue
		}
		proto := "tcp"
		if p, ok := attrs["protocol"].(types.String); ok && !p.IsNull() && !p.IsUnknown() {
			proto = p.ValueString()
		}
		key := fmt.Sprintf("%d/%s", pub.ValueInt64(), proto)
		if j, dup := seen[key]; dup {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i).AtName("published_port"), "Duplicate published port",
				fmt.Sprintf("The port %s is already published by ports[%d].", key, j))
			continue
		}
		seen[key] = i
	}
}

// cpusValidator requires a positive CPU count that the Engine keeps exactly: it stores
// billionths of a CPU, so more than 9 decimals would read back rounded.
type cpusValidator struct{}

func (cpusValidator) Description(context.Context) string {
	return "must be at least 0.000000001, with at most 9 decimals"
}

func (v cpusValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (cpusValidator) ValidateFloat64(_ context.Context, req validator.Float64Request, resp *validator.Float64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	c := req.ConfigValue.ValueFloat64()
	n := cpusToNano(&c)
	switch {
	case n < 1:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CPU count",
			fmt.Sprintf("%s is %v; it must be at least 0.000000001 (leave it out for no limit).", req.Path, c))
	case *nanoToCPUs(n) != c:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CPU count",
			fmt.Sprintf("%s is %v, but the Engine keeps CPUs in billionths and would read it back as %v: write at most 9 decimals.",
				req.Path, c, *nanoToCPUs(n)))
	}
}
