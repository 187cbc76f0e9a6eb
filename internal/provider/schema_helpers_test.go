package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// withBlockTypes keeps each block's own type at every depth, leaves its input alone, and changes
// no type: the service schema's type is the same with and without it.
func TestWithBlockTypes(t *testing.T) {
	blocks := map[string]schema.Block{
		"one": singleBlock("", map[string]schema.Attribute{"a": optString("")}, map[string]schema.Block{
			"inner": listBlock("", map[string]schema.Attribute{"b": optString("")}, map[string]schema.Block{
				"deep": singleBlock("", map[string]schema.Attribute{"c": defBool("")}, nil),
			}),
		}),
		"many": schema.SetNestedBlock{NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{"d": stringList("")}}},
	}
	got := withBlockTypes(blocks)
	for name, b := range blocks {
		if !got[name].Type().Equal(b.Type()) {
			t.Errorf("%s: type %s, want %s", name, got[name].Type(), b.Type())
		}
	}
	one, _ := got["one"].(schema.SingleNestedBlock)
	inner, _ := one.Blocks["inner"].(schema.ListNestedBlock)
	deep, _ := inner.NestedObject.Blocks["deep"].(schema.SingleNestedBlock)
	many, _ := got["many"].(schema.SetNestedBlock)
	if one.CustomType == nil || inner.CustomType == nil || inner.NestedObject.CustomType == nil || deep.CustomType == nil ||
		many.CustomType == nil || many.NestedObject.CustomType == nil {
		t.Errorf("a block without its type: one %v, inner %v/%v, deep %v, many %v/%v", one.CustomType, inner.CustomType,
			inner.NestedObject.CustomType, deep.CustomType, many.CustomType, many.NestedObject.CustomType)
	}
	orig, _ := blocks["one"].(schema.SingleNestedBlock)
	if origInner, _ := orig.Blocks["inner"].(schema.ListNestedBlock); orig.CustomType != nil || origInner.CustomType != nil {
		t.Error("withBlockTypes changed its input")
	}

	// A block's own CustomType (the timeouts block's) is kept.
	kept, _ := withBlockTypes(map[string]schema.Block{"timeouts": timeouts.Block(context.Background(), timeouts.Opts{Create: true})})["timeouts"].(schema.SingleNestedBlock)
	if _, ok := kept.CustomType.(timeouts.Type); !ok {
		t.Errorf("the timeouts block's type became %T", kept.CustomType)
	}

	// The service schema's Terraform type is the one without the kept types.
	ctx := context.Background()
	s := serviceResourceSchema(ctx)
	plain := s
	plain.Blocks = withoutBlockTypes(s.Blocks)
	if got, want := s.Type().TerraformType(ctx), plain.Type().TerraformType(ctx); !got.Equal(want) {
		t.Errorf("the service schema's type changed:\n%s\nwithout the kept types:\n%s", got, want)
	}
}

// withoutBlockTypes drops every block's CustomType (the timeouts block's too, which changes no
// Terraform type).
func withoutBlockTypes(blocks map[string]schema.Block) map[string]schema.Block {
	out := make(map[string]schema.Block, len(blocks))
	for name, b := range blocks {
		switch b := b.(type) {
		case schema.SingleNestedBlock:
			b.Blocks, b.CustomType = withoutBlockTypes(b.Blocks), nil
			out[name] = b
		case schema.ListNestedBlock:
			b.NestedObject.Blocks, b.NestedObject.CustomType, b.CustomType = withoutBlockTypes(b.NestedObject.Blocks), nil, nil
			out[name] = b
		case schema.SetNestedBlock:
			b.NestedObject.Blocks, b.NestedObject.CustomType, b.CustomType = withoutBlockTypes(b.NestedObject.Blocks), nil, nil
			out[name] = b
		default:
			out[name] = b
		}
	}
	return out
}
