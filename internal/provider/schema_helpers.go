package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/objectvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// Schema helpers shared by the resources: attributes with their defaults and descriptions, nested
// blocks, and the wording of enum values.

// enumDesc is the sentence that lists an attribute's values, from the same list its validator
// takes.
func enumDesc(values []string) string {
	return "One of " + quotedList(values) + "."
}

func optString(desc string) schema.StringAttribute {
	return schema.StringAttribute{MarkdownDescription: desc, Optional: true,
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)}}
}

func defString(desc, def string, enum []string) schema.StringAttribute {
	a := schema.StringAttribute{MarkdownDescription: desc + " Defaults to `" + def + "`.", Optional: true, Computed: true,
		Default: stringdefault.StaticString(def)}
	if enum != nil {
		a.MarkdownDescription = desc + " " + enumDesc(enum) + " Defaults to `" + def + "`."
		a.Validators = []validator.String{stringvalidator.OneOf(enum...)}
	}
	return a
}

func enumString(desc string, enum []string) schema.StringAttribute {
	return schema.StringAttribute{MarkdownDescription: desc + " " + enumDesc(enum), Optional: true,
		Validators: []validator.String{stringvalidator.OneOf(enum...)}}
}

func defBool(desc string) schema.BoolAttribute {
	return schema.BoolAttribute{MarkdownDescription: desc + " Defaults to `false`.", Optional: true, Computed: true,
		Default: booldefault.StaticBool(false)}
}

func defInt(desc string, def int64, v ...validator.Int64) schema.Int64Attribute {
	return schema.Int64Attribute{MarkdownDescription: fmt.Sprintf("%s Defaults to `%d`.", desc, def), Optional: true, Computed: true,
		Default: int64default.StaticInt64(def), Validators: v}
}

func stringList(desc string) schema.ListAttribute {
	return schema.ListAttribute{MarkdownDescription: desc, ElementType: types.StringType, Optional: true, Computed: true,
		Default: listdefault.StaticValue(types.ListValueMust(types.StringType, []attr.Value{}))}
}

func stringMap(desc string) schema.MapAttribute {
	return schema.MapAttribute{MarkdownDescription: desc, ElementType: types.StringType, Optional: true, Computed: true,
		Default: mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{}))}
}

func optDuration(desc string) schema.StringAttribute {
	return schema.StringAttribute{MarkdownDescription: desc + " A Go duration such as `10s` or `1m30s`.", Optional: true, CustomType: durationType,
		PlanModifiers: []planmodifier.String{keepSemanticState{kind: semDuration}}}
}

func defDuration(desc, def string) schema.StringAttribute {
	return schema.StringAttribute{MarkdownDescription: desc + " A Go duration such as `10s` or `1m30s`. Defaults to `" + def + "`.",
		Optional: true, Computed: true, CustomType: durationType, Default: stringdefault.StaticString(def),
		PlanModifiers: []planmodifier.String{keepSemanticState{kind: semDuration}}}
}

// fileModeDesc says how a file mode is written.
const fileModeDesc = " Written in octal as a string, as compose, kubernetes and local write it (`\"0444\"`, `\"0640\"`)."

func defFileMode(desc, def string) schema.StringAttribute {
	return schema.StringAttribute{MarkdownDescription: desc + fileModeDesc + " Defaults to `\"" + def + "\"`.",
		Optional: true, Computed: true, CustomType: fileModeType, Default: stringdefault.StaticString(def),
		PlanModifiers: []planmodifier.String{keepSemanticState{kind: semFileMode}}}
}

func optFileMode(desc string) schema.StringAttribute {
	return schema.StringAttribute{MarkdownDescription: desc + fileModeDesc, Optional: true, CustomType: fileModeType,
		PlanModifiers: []planmodifier.String{keepSemanticState{kind: semFileMode}}}
}

// withDurationMin adds a lower bound to a duration attribute.
func withDurationMin(a schema.StringAttribute, minimum time.Duration, why string) schema.StringAttribute {
	v := durationAtLeast{min: minimum, why: why}
	a.Validators = append(a.Validators, v)
	a.MarkdownDescription += " Must be " + v.bound() + "."
	return a
}

// convergenceMonitorAttribute is the convergence_monitor of swarm_service and swarm_stack
// (swarm.ConvergeOptions.Monitor): a duration, left out for no watch.
func convergenceMonitorAttribute(desc string) schema.StringAttribute {
	return withDurationMin(optDuration(desc), time.Nanosecond, "leave convergence_monitor out to end the wait as soon as every task runs")
}

func withListValidators(a schema.ListAttribute, v ...validator.List) schema.ListAttribute {
	a.Validators = append(a.Validators, v...)
	return a
}

func withMapValidators(a schema.MapAttribute, v ...validator.Map) schema.MapAttribute {
	a.Validators = append(a.Validators, v...)
	return a
}

func withStringValidators(a schema.StringAttribute, v ...validator.String) schema.StringAttribute {
	a.Validators = append(a.Validators, v...)
	return a
}

// withItemValidators adds validators of each block of a list block.
func withItemValidators(b schema.ListNestedBlock, v ...validator.Object) schema.ListNestedBlock {
	b.NestedObject.Validators = append(b.NestedObject.Validators, v...)
	return b
}

// withSizeMin adds a lower bound to a size attribute; why says who refuses less.
func withSizeMin(a schema.StringAttribute, minimum int64, why string) schema.StringAttribute {
	v := sizeAtLeast{min: minimum, why: why}
	a.Validators = append(a.Validators, v)
	a.MarkdownDescription += " Must be " + v.Description(context.Background()) + "."
	return a
}

// numericIDValidator requires a user or group ID as a number: the Engine parses it as one when it
// writes the file into the container.
func numericIDValidator() validator.String {
	return stringvalidator.RegexMatches(regexp.MustCompile(`^[0-9]+$`), "must be a numeric ID (the Engine parses it as a number when it starts the task)")
}

func optSize(desc string) schema.StringAttribute {
	return schema.StringAttribute{MarkdownDescription: desc + " A size as compose files write it: `512M`, `1.5GiB` (binary units), or bytes.",
		Optional: true, CustomType: sizeType, PlanModifiers: []planmodifier.String{keepSemanticState{kind: semSize}},
		Validators: []validator.String{positiveSize{}}}
}

// singleBlock is a nested block written at most once. Blocks, unlike nested attributes, make
// Terraform reject a misspelled argument instead of dropping it (hashicorp/terraform#33570).
func singleBlock(desc string, attrs map[string]schema.Attribute, blocks map[string]schema.Block, v ...validator.Object) schema.SingleNestedBlock {
	if attrs == nil {
		attrs = map[string]schema.Attribute{}
	}
	return schema.SingleNestedBlock{MarkdownDescription: desc, Attributes: attrs, Blocks: blocks, Validators: v}
}

// withRequired makes a single block require the named string attributes whenever it is written.
// The framework checks a Required attribute even where its single block is left out, so such an
// attribute is Optional and its block requires it.
func withRequired(b schema.SingleNestedBlock, names ...string) schema.SingleNestedBlock {
	exprs := make([]path.Expression, len(names))
	for i, n := range names {
		exprs[i] = path.MatchRelative().AtName(n)
		a, ok := b.Attributes[n].(schema.StringAttribute)
		if !ok {
			panic("withRequired: " + n + " is not a string attribute of the block")
		}
		a.Optional, a.Required = true, false
		a.MarkdownDescription = "Required in this block. " + a.MarkdownDescription
		b.Attributes[n] = a
	}
	b.Validators = append(b.Validators, objectvalidator.AlsoRequires(exprs...))
	return b
}

// listBlock is a nested block written any number of times; left out, it is an empty list.
func listBlock(desc string, attrs map[string]schema.Attribute, blocks map[string]schema.Block, v ...validator.List) schema.ListNestedBlock {
	return schema.ListNestedBlock{MarkdownDescription: desc, NestedObject: schema.NestedBlockObject{Attributes: attrs, Blocks: blocks}, Validators: v}
}

// quotedList renders enum values for a description: `a`, `b` or `c`.
func quotedList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + v + "`"
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// withBlockTypes returns a copy of blocks in which every nested block, at any depth, carries its
// own type as its CustomType: the type the framework computes for it, computed once. Without a
// CustomType, the framework rebuilds a block's type from its attributes and nested blocks on every
// Type() call, recursively, and it calls Type() for each path it converts while it validates and
// plans: for swarm_service that was a third of the provider's CPU in a plan (measured with
// TFSWARM_CPUPROFILE). Values and the protocol schema are the same either way.
func withBlockTypes(blocks map[string]schema.Block) map[string]schema.Block {
	if blocks == nil {
		return nil
	}
	out := make(map[string]schema.Block, len(blocks))
	for name, b := range blocks {
		switch b := b.(type) {
		case schema.SingleNestedBlock:
			b.Blocks = withBlockTypes(b.Blocks)
			if t, ok := b.Type().(basetypes.ObjectTypable); ok && b.CustomType == nil {
				b.CustomType = t
			}
			out[name] = b
		case schema.ListNestedBlock:
			b.NestedObject = withNestedObjectType(b.NestedObject)
			if t, ok := b.Type().(basetypes.ListTypable); ok && b.CustomType == nil {
				b.CustomType = t
			}
			out[name] = b
		case schema.SetNestedBlock:
			b.NestedObject = withNestedObjectType(b.NestedObject)
			if t, ok := b.Type().(basetypes.SetTypable); ok && b.CustomType == nil {
				b.CustomType = t
			}
			out[name] = b
		default:
			out[name] = b
		}
	}
	return out
}

func withNestedObjectType(o schema.NestedBlockObject) schema.NestedBlockObject {
	o.Blocks = withBlockTypes(o.Blocks)
	if o.CustomType == nil {
		o.CustomType = o.Type()
	}
	return o
}
