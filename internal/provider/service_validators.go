package provider

// Validators of swarm_service attributes and blocks.

import (
	"context"
	"fmt"
	"strings"
	"time"

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

// notEmptyObject refuses a nested object written with nothing in it (`dns_config = {}`): the
// Engine reads an empty setting back as no setting, so the object would be planned again at
// every run. Leaving it out says the same thing.
type notEmptyObject struct{}

func (notEmptyObject) Description(context.Context) string {
	return "must set at least one attribute (leave the object out instead of writing it empty)"
}

func (v notEmptyObject) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (notEmptyObject) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || !objectEmpty(req.ConfigValue) {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Empty object",
		fmt.Sprintf("%s is written empty. The Engine reads an empty setting back as no setting, so leave %s out, or set at least one of its attributes.", req.Path, req.Path))
}

// objectEmpty says whether every attribute of a known object is null, itself an empty object, or
// a nested block written no time (an empty list).
func objectEmpty(o types.Object) bool {
	for _, v := range o.Attributes() {
		if v.IsNull() {
			continue
		}
		switch inner := v.(type) {
		case types.Object:
			if inner.IsUnknown() || !objectEmpty(inner) {
				return false
			}
		case types.List:
			if inner.IsUnknown() || len(inner.Elements()) > 0 {
				return false
			}
			if _, isBlock := inner.ElementType(context.Background()).(types.ObjectType); !isBlock {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// durationAtLeast refuses a duration below min that the Engine would not keep as written: it
// refuses it, or reads it back as its default. why says what the Engine does with it.
type durationAtLeast struct {
	min time.Duration
	why string
}

func (v durationAtLeast) Description(context.Context) string { return "must be " + v.bound() }

// bound words the lower bound: "longer than 0s" for the smallest positive duration.
func (v durationAtLeast) bound() string {
	if v.min <= time.Nanosecond {
		return "longer than `0s`"
	}
	return "at least `" + formatDuration(v.min) + "`"
}

func (v durationAtLeast) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationAtLeast) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := parseDuration(req.ConfigValue.ValueString())
	if err != nil || d >= v.min {
		return // a malformed duration is reported by its type
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Duration too short",
		fmt.Sprintf("%s is %q, but must be %s: %s", req.Path, req.ConfigValue.ValueString(), v.bound(), v.why))
}

// positiveSize refuses a size of zero: the Engine reads 0 back as "not set" (no limit, the
// default size), so leaving the attribute out says the same thing.
type positiveSize struct{}

func (positiveSize) Description(context.Context) string { return "must be larger than 0" }

func (v positiveSize) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (positiveSize) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if n, err := parseSize(req.ConfigValue.ValueString()); err == nil && n == 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Size is zero",
			fmt.Sprintf("%s is %q: the Engine reads a size of 0 back as not set, so leave %s out instead.", req.Path, req.ConfigValue.ValueString(), req.Path))
	}
}

// canonicalIP requires an IP address in the spelling the Engine reads back (lower case, IPv6
// shortened: "2001:db8::1"), since the Engine keeps the parsed address, not the text.
type canonicalIP struct{}

func (canonicalIP) Description(context.Context) string {
	return "must be an IP address in its canonical spelling"
}

func (v canonicalIP) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (canonicalIP) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	a, err := parseAddr(s)
	switch {
	case err != nil:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid IP address", fmt.Sprintf("%q is not an IP address: %v", s, err))
	case a.String() != s:
		resp.Diagnostics.AddAttributeError(req.Path, "IP address not in canonical form",
			fmt.Sprintf("Write %q as %q: the Engine keeps the address and reads it back in that spelling.", s, a.String()))
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
