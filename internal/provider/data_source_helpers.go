package provider

// What the data sources share: finding one object by its ID or by its name, and turning resource
// schemas into read-only data source attributes.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// lookup is how a data source finds one object: by its ID (`id`) or by its name (the attribute
// nameAttr: `name`, or `hostname` for nodes); exactly one of the two is set. The Engine's inspect
// also answers to names and to ID prefixes, so what find returns counts only when exact says that
// its ID, or its name, is exactly what was asked.
type lookup[T any] struct {
	kind     string // "secret", "network", …: for messages
	nameAttr string
	// find asks the Engine; byID says which attribute key comes from. ErrNotFound when none.
	find func(ctx context.Context, byID bool, key string) (T, error)
	// exact tells whether t is the object asked for.
	exact func(t T, byID bool, key string) bool
}

// validators make exactly one of `id` and the name attribute required.
func (l lookup[T]) validators() []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot(l.nameAttr)),
	}
}

// read finds the object the configuration asks for. Not found is an error that names what was
// asked: a data source describes an object that must exist.
func (l lookup[T]) read(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) (T, bool) {
	var zero T
	var id, name types.String
	diags.Append(config.GetAttribute(ctx, path.Root("id"), &id)...)
	diags.Append(config.GetAttribute(ctx, path.Root(l.nameAttr), &name)...)
	if diags.HasError() {
		return zero, false
	}
	byID, key, attr := true, id.ValueString(), "ID"
	if id.IsNull() {
		byID, key, attr = false, name.ValueString(), l.nameAttr
	}
	t, err := l.find(ctx, byID, key)
	if err == nil && !l.exact(t, byID, key) {
		err = swarm.ErrNotFound
	}
	if errors.Is(err, swarm.ErrNotFound) {
		diags.AddError(fmt.Sprintf("Swarm %s not found", l.kind), fmt.Sprintf("No %s has the %s %q.", l.kind, attr, key))
		return zero, false
	}
	if err != nil {
		diags.AddError(fmt.Sprintf("Error reading Swarm %s", l.kind), fmt.Sprintf("%s %s %q: %s", l.kind, attr, key, err))
		return zero, false
	}
	return t, true
}

// lookupAttributes are the `id` and name attributes of a data source that finds one object:
// optional, and filled from the object found.
func lookupAttributes(attrs map[string]dschema.Attribute, idDesc, nameAttr, nameDesc string) map[string]dschema.Attribute {
	either := fmt.Sprintf(" Set `id` or `%s`.", nameAttr)
	attrs["id"] = dschema.StringAttribute{MarkdownDescription: idDesc + either, Optional: true, Computed: true}
	attrs[nameAttr] = dschema.StringAttribute{MarkdownDescription: nameDesc + either, Optional: true, Computed: true}
	return attrs
}

// emptyStringMap is the prior that makes the flatten functions return an empty map rather than
// null: a data source shows an object without labels as `{}`.
var emptyStringMap = types.MapValueMust(types.StringType, nil)

// computedDataAttributes turns resource schema attributes and blocks into computed data source
// attributes, so that a data source keeps the shape of its resource. The resource's blocks (what
// users write) become read-only nested attributes.
func computedDataAttributes(attrs map[string]rschema.Attribute, blocks map[string]rschema.Block) map[string]dschema.Attribute {
	out := make(map[string]dschema.Attribute, len(attrs)+len(blocks))
	for k, a := range attrs {
		out[k] = computedDataAttribute(a)
	}
	for k, b := range blocks {
		out[k] = computedDataBlock(b)
	}
	return out
}

// resourceOnlySentences match what a resource's description says about writing a value, which
// a read-only value does not need: its default ("Defaults to `x`.", "Left out, …"), what a change
// does ("Changing it replaces the service."), whether it must be written ("Required.", "Required
// in this block.") and what may be written with it ("Not with a job mode.", "No two … may …",
// "Filled in from the ID when left out."). A sentence is text up to a period outside backticks.
var resourceOnlySentences = regexp.MustCompile("(^|\\s)(?:(?:Defaults to |Left out|Not with |No two |No published port |Filled in from |" +
	"Changing (?:[^.`]|`[^`]*`)* replaces )(?:[^.`]|`[^`]*`)*\\.|Required(?: in this block)?\\.)")

// readOnlyDescription is a resource attribute's description for the same value in a data source.
func readOnlyDescription(desc string) string {
	return strings.TrimSpace(resourceOnlySentences.ReplaceAllString(desc, ""))
}

func computedDataAttribute(a rschema.Attribute) dschema.Attribute {
	desc := readOnlyDescription(a.GetMarkdownDescription())
	switch a := a.(type) {
	case rschema.StringAttribute:
		return dschema.StringAttribute{MarkdownDescription: desc, Computed: true, CustomType: a.CustomType}
	case rschema.BoolAttribute:
		return dschema.BoolAttribute{MarkdownDescription: desc, Computed: true}
	case rschema.Int64Attribute:
		return dschema.Int64Attribute{MarkdownDescription: desc, Computed: true}
	case rschema.Float64Attribute:
		return dschema.Float64Attribute{MarkdownDescription: desc, Computed: true}
	case rschema.ListAttribute:
		return dschema.ListAttribute{MarkdownDescription: desc, Computed: true, ElementType: a.ElementType}
	case rschema.MapAttribute:
		return dschema.MapAttribute{MarkdownDescription: desc, Computed: true, ElementType: a.ElementType}
	case rschema.SingleNestedAttribute:
		return dschema.SingleNestedAttribute{MarkdownDescription: desc, Computed: true, Attributes: computedDataAttributes(a.Attributes, nil)}
	case rschema.ListNestedAttribute:
		return dschema.ListNestedAttribute{MarkdownDescription: desc, Computed: true,
			NestedObject: dschema.NestedAttributeObject{Attributes: computedDataAttributes(a.NestedObject.Attributes, nil)}}
	}
	panic(fmt.Sprintf("computedDataAttribute: unhandled attribute type %T", a))
}

func computedDataBlock(b rschema.Block) dschema.Attribute {
	desc := readOnlyDescription(b.GetMarkdownDescription())
	switch b := b.(type) {
	case rschema.SingleNestedBlock:
		return dschema.SingleNestedAttribute{MarkdownDescription: desc, Computed: true, Attributes: computedDataAttributes(b.Attributes, b.Blocks)}
	case rschema.ListNestedBlock:
		return dschema.ListNestedAttribute{MarkdownDescription: desc, Computed: true,
			NestedObject: dschema.NestedAttributeObject{Attributes: computedDataAttributes(b.NestedObject.Attributes, b.NestedObject.Blocks)}}
	}
	panic(fmt.Sprintf("computedDataBlock: unhandled block type %T", b))
}
