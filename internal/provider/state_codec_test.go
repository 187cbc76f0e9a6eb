package provider

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// serviceCodecModels are service models as Read and Create write them: every fixture with every
// block shown, with none, and as an import reads it; with and without the provider's own
// attributes set.
func serviceCodecModels(t *testing.T) map[string]serviceResourceModel {
	t.Helper()
	withTimeouts := serviceResourceModel{WaitForConvergence: types.BoolValue(false)}
	tv, d := types.ObjectValue(map[string]attr.Type{"create": types.StringType, "update": types.StringType, "delete": types.StringType},
		map[string]attr.Value{"create": types.StringValue("3m"), "update": types.StringNull(), "delete": types.StringValue("1m")})
	if d.HasError() {
		t.Fatal(d)
	}
	withTimeouts.Timeouts = timeouts.Value{Object: tv}
	out := map[string]serviceResourceModel{}
	for name, svc := range benchServices(t) {
		for pname, present := range map[string]serviceBlocks{"all": allServiceBlocks, "imported": importedServiceBlocks, "none": {}} {
			out[name+"/"+pname] = serviceResourceModel{}.withLive(svc, nil, present)
			out[name+"/"+pname+"/timeouts"] = withTimeouts.withLive(svc, nil, present)
		}
	}
	return out
}

// TestServiceStateCodec: the codec writes exactly what tfsdk.State.Set writes, and reads back
// exactly what tfsdk.State.Get reads.
func TestServiceStateCodec(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := serviceResourceSchema(ctx)
	codec, err := serviceStateCodec.get(ctx)
	if err != nil {
		t.Fatalf("the codec of serviceResourceModel does not build from the schema: %v", err)
	}
	for name, m := range serviceCodecModels(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := tfsdk.State{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}
			if d := want.Set(ctx, &m); d.HasError() {
				t.Fatal(d)
			}
			got := tfsdk.State{Schema: s}
			if d := setState(ctx, &got, &serviceStateCodec, m); d.HasError() {
				t.Fatal(d)
			}
			if !got.Raw.Equal(want.Raw) {
				diffs, _ := got.Raw.Diff(want.Raw)
				t.Fatalf("the codec writes another value than tfsdk.State.Set:\n%v", diffs)
			}
			var back, fwBack serviceResourceModel
			if err := codec.Decode(ctx, want.Raw, &back); err != nil {
				t.Fatal(err)
			}
			if d := want.Get(ctx, &fwBack); d.HasError() {
				t.Fatal(d)
			}
			if d := cmp.Diff(fwBack, back, flexCmpOpts); d != "" {
				t.Fatalf("the codec reads another model than tfsdk.State.Get (-framework +codec):\n%s", d)
			}
			if d := cmp.Diff(m, back, flexCmpOpts); d != "" {
				t.Fatalf("reading back what was written differs (-written +read):\n%s", d)
			}
		})
	}
}

// TestServicePriorModel: what Read takes from the prior state is what the state holds, by the
// framework's own GetAttribute.
func TestServicePriorModel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := serviceResourceSchema(ctx)
	states := map[string]tftypes.Value{}
	for name, m := range serviceCodecModels(t) {
		st := tfsdk.State{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}
		if d := st.Set(ctx, &m); d.HasError() {
			t.Fatal(d)
		}
		states[name] = st.Raw
	}
	imported := tfsdk.State{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}
	if d := imported.SetAttribute(ctx, path.Root("id"), "svc1"); d.HasError() {
		t.Fatal(d)
	}
	states["import"] = imported.Raw
	for name, raw := range states {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st := tfsdk.State{Schema: s, Raw: raw}
			var p servicePriorModel
			if d := getState(ctx, st, &servicePriorCodec, &p); d.HasError() {
				t.Fatal(d)
			}
			var id types.String
			var wait types.Bool
			var to timeouts.Value
			var nets []networkAttachModel
			for at, target := range map[string]any{"id": &id, "wait_for_convergence": &wait, "timeouts": &to} {
				if d := st.GetAttribute(ctx, path.Root(at), target); d.HasError() {
					t.Fatal(d)
				}
			}
			_ = st.GetAttribute(ctx, path.Root("task_template").AtName("networks"), &nets)
			var gotNets []networkAttachModel
			if p.TaskTemplate != nil {
				gotNets = p.TaskTemplate.Networks
			}
			if !p.ID.Equal(id) || !p.WaitForConvergence.Equal(wait) || !p.Timeouts.Equal(to) {
				t.Errorf("id %s/%s, wait_for_convergence %s/%s, timeouts %s/%s (codec/framework)", p.ID, id, p.WaitForConvergence, wait, p.Timeouts, to)
			}
			if d := cmp.Diff(nets, gotNets, flexCmpOpts); d != "" {
				t.Errorf("networks (-framework +codec):\n%s", d)
			}
			var name types.String
			_ = st.GetAttribute(ctx, path.Root("name"), &name)
			want := importedServiceBlocks
			if !name.IsNull() {
				var m serviceResourceModel
				if d := st.Get(ctx, &m); d.HasError() {
					t.Fatal(d)
				}
				want = m.spec().blocks()
			}
			if got := p.blocks(); got != want {
				t.Errorf("blocks %+v, want %+v", got, want)
			}
		})
	}
}

// A model and a schema that do not match do not make a codec: a field added to the schema and
// not to the model (or the other way round) is found when the codec is built, by the tests above.
func TestStateCodecMismatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	typ := types.ObjectType{AttrTypes: map[string]attr.Type{
		"name": types.StringType, "size": types.Int64Type, "tags": types.ListType{ElemType: types.StringType},
	}}
	type full struct {
		Name types.String `tfsdk:"name"`
		Size int64        `tfsdk:"size"`
		Tags []string     `tfsdk:"tags"`
	}
	type lacking struct {
		Name types.String `tfsdk:"name"`
		Size int64        `tfsdk:"size"`
	}
	type extra struct {
		full
		Other string `tfsdk:"other"`
	}
	type wrongKind struct {
		Name bool     `tfsdk:"name"`
		Size int64    `tfsdk:"size"`
		Tags []string `tfsdk:"tags"`
	}
	for name, tc := range map[string]struct {
		goType reflect.Type
		want   string
	}{
		"lacking":    {reflect.TypeFor[lacking](), "no field for the schema's tags"},
		"untagged":   {reflect.TypeFor[extra](), "has no tfsdk tag"},
		"wrong kind": {reflect.TypeFor[wrongKind](), "name: bool for a schema tftypes.String"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := newStateCodec(ctx, typ, tc.goType)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	// A partial model may leave attributes out, and only reads.
	c, err := newPartialStateCodec(ctx, typ, reflect.TypeFor[lacking]())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Encode(ctx, lacking{}); err == nil {
		t.Error("a partial codec wrote a value")
	}
	fc, err := newStateCodec(ctx, typ, reflect.TypeFor[full]())
	if err != nil {
		t.Fatal(err)
	}
	v, err := fc.Encode(ctx, full{Name: types.StringValue("a"), Size: 3, Tags: []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	var l lacking
	if err := c.Decode(ctx, v, &l); err != nil || l.Name.ValueString() != "a" || l.Size != 3 {
		t.Errorf("partial read %+v, %v", l, err)
	}
	// Null and unknown values go only into Go types that can hold them.
	nullSize := tftypes.NewValue(typ.TerraformType(ctx), map[string]tftypes.Value{
		"name": tftypes.NewValue(tftypes.String, nil), "size": tftypes.NewValue(tftypes.Number, nil),
		"tags": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, tftypes.UnknownValue),
	})
	var f full
	if err := fc.Decode(ctx, nullSize, &f); err == nil || !strings.Contains(err.Error(), "size: a null value cannot go into int64") {
		t.Errorf("decoding a null size: %v", err)
	}
}
