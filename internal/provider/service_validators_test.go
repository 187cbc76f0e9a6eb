package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func obj(attrs map[string]tftypes.Value) tftypes.Value {
	types := map[string]tftypes.Type{}
	for k, v := range attrs {
		types[k] = v.Type()
	}
	return tftypes.NewValue(tftypes.Object{AttributeTypes: types}, attrs)
}

func TestServiceValidators(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	list := func(vals ...string) types.List {
		elems := make([]attr.Value, len(vals))
		for i, v := range vals {
			elems[i] = types.StringValue(v)
		}
		return types.ListValueMust(types.StringType, elems)
	}
	for name, tc := range map[string]struct {
		in      types.List
		wantErr string
	}{
		"cmd":         {list("CMD", "/testapp", "health"), ""},
		"shell":       {list("CMD-SHELL", "curl -f localhost"), ""},
		"none":        {list("NONE"), ""},
		"none extra":  {list("NONE", "x"), "takes no further"},
		"cmd alone":   {list("CMD"), "needs the command"},
		"bad command": {list("RUN", "x"), "first element"},
	} {
		t.Run("healthcheck "+name, func(t *testing.T) {
			resp := &validator.ListResponse{}
			healthcheckTestValidator{}.ValidateList(ctx, validator.ListRequest{Path: path.Root("test"), ConfigValue: tc.in}, resp)
			checkDiag(t, resp.Diagnostics.Errors(), tc.wantErr)
		})
	}

	portT := map[string]attr.Type{"published_port": types.Int64Type, "protocol": types.StringType}
	port := func(p int64, proto string) attr.Value {
		return types.ObjectValueMust(portT, map[string]attr.Value{"published_port": types.Int64Value(p), "protocol": types.StringValue(proto)})
	}
	for name, tc := range map[string]struct {
		ports   []attr.Value
		wantErr string
	}{
		"distinct":            {[]attr.Value{port(80, "tcp"), port(443, "tcp")}, ""},
		"same port other udp": {[]attr.Value{port(53, "tcp"), port(53, "udp")}, ""},
		"duplicate":           {[]attr.Value{port(80, "tcp"), port(80, "tcp")}, "already published by ports[0]"},
	} {
		t.Run("ports "+name, func(t *testing.T) {
			resp := &validator.ListResponse{}
			in := types.ListValueMust(types.ObjectType{AttrTypes: portT}, tc.ports)
			uniquePublishedPortsValidator{}.ValidateList(ctx, validator.ListRequest{Path: path.Root("ports"), ConfigValue: in}, resp)
			checkDiag(t, resp.Diagnostics.Errors(), tc.wantErr)
		})
	}

	innerT := map[string]attr.Type{"memory": types.StringType}
	outerT := map[string]attr.Type{"cpus": types.Float64Type, "limits": types.ObjectType{AttrTypes: innerT}}
	dnsT := map[string]attr.Type{"search": types.ListType{ElemType: types.StringType}, "nameservers": types.ListType{ElemType: types.StringType}}
	for name, tc := range map[string]struct {
		in      types.Object
		wantErr string
	}{
		"null":  {types.ObjectNull(outerT), ""},
		"empty": {types.ObjectValueMust(outerT, map[string]attr.Value{"cpus": types.Float64Null(), "limits": types.ObjectNull(innerT)}), "is written empty"},
		"only an empty inner object": {types.ObjectValueMust(outerT, map[string]attr.Value{
			"cpus": types.Float64Null(), "limits": types.ObjectValueMust(innerT, map[string]attr.Value{"memory": types.StringNull()}),
		}), "is written empty"},
		"one value": {types.ObjectValueMust(outerT, map[string]attr.Value{"cpus": types.Float64Value(0.5), "limits": types.ObjectNull(innerT)}), ""},
		"inner value": {types.ObjectValueMust(outerT, map[string]attr.Value{
			"cpus": types.Float64Null(), "limits": types.ObjectValueMust(innerT, map[string]attr.Value{"memory": types.StringValue("64M")}),
		}), ""},
		"unknown inside": {types.ObjectValueMust(outerT, map[string]attr.Value{"cpus": types.Float64Unknown(), "limits": types.ObjectNull(innerT)}), ""},
		// dns_config { search = [] }: the Engine reads it back as no dns_config at all.
		"only an empty list": {types.ObjectValueMust(dnsT, map[string]attr.Value{
			"search": types.ListValueMust(types.StringType, nil), "nameservers": types.ListNull(types.StringType)}), "is written empty"},
		"a list with a value": {types.ObjectValueMust(dnsT, map[string]attr.Value{
			"search": types.ListValueMust(types.StringType, []attr.Value{types.StringValue("a")}), "nameservers": types.ListNull(types.StringType)}), ""},
	} {
		t.Run("not empty "+name, func(t *testing.T) {
			resp := &validator.ObjectResponse{}
			notEmptyObject{}.ValidateObject(ctx, validator.ObjectRequest{Path: path.Root("resources"), ConfigValue: tc.in}, resp)
			checkDiag(t, resp.Diagnostics.Errors(), tc.wantErr)
		})
	}

	modeT := modeObjectType()
	modeKinds := modeKindTypes()
	for name, tc := range map[string]struct {
		kinds   []string
		wantErr string
	}{
		"one":  {[]string{"global"}, ""},
		"two":  {[]string{"global", "replicated"}, "found 2"},
		"none": {nil, "found 0"},
	} {
		t.Run("mode "+name, func(t *testing.T) {
			vals := nullModeValues()
			for _, k := range tc.kinds {
				at := modeKinds[k].AttrTypes
				v := map[string]attr.Value{}
				for a, ty := range at {
					v[a] = nullOf(ty)
				}
				vals[k] = types.ObjectValueMust(at, v)
			}
			resp := &validator.ObjectResponse{}
			exactlyOneModeValidator{}.ValidateObject(ctx, validator.ObjectRequest{Path: path.Root("mode"), ConfigValue: types.ObjectValueMust(modeT.AttrTypes, vals)}, resp)
			checkDiag(t, resp.Diagnostics.Errors(), tc.wantErr)
		})
	}
}

func nullOf(t attr.Type) attr.Value {
	if t == types.Int64Type {
		return types.Int64Null()
	}
	return types.StringNull()
}

func checkDiag(t *testing.T, errs diag.Diagnostics, want string) {
	t.Helper()
	if want == "" {
		if len(errs) > 0 {
			t.Fatalf("unexpected errors: %v", errs)
		}
		return
	}
	for _, e := range errs {
		if strings.Contains(e.Detail(), want) {
			return
		}
	}
	t.Fatalf("want an error containing %q, got %v", want, errs)
}

func TestValueValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v     semString
		valid bool
	}{
		{newDuration("10s"), true}, {newDuration("10"), false}, {newDuration("-1s"), false},
		{newSize("512M"), true}, {newSize("1.5GiB"), true}, {newSize("lots"), false},
		{newImage("nginx"), true}, {newImage(" "), false},
	} {
		resp := &xattr.ValidateAttributeResponse{}
		tc.v.ValidateAttribute(context.Background(), xattr.ValidateAttributeRequest{Path: path.Root("x")}, resp)
		if got := !resp.Diagnostics.HasError(); got != tc.valid {
			t.Errorf("%q valid = %v, want %v", tc.v.ValueString(), got, tc.valid)
		}
	}
}

// TestValuesTheEngineDoesNotKeep covers values the Engine would read back otherwise (0s as a
// default, a rounded CPU count, a re-spelled address): they are refused at plan time.
func TestValuesTheEngineDoesNotKeep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	str := func(v validator.String, in string) diag.Diagnostics {
		resp := &validator.StringResponse{}
		v.ValidateString(ctx, validator.StringRequest{Path: path.Root("x"), ConfigValue: types.StringValue(in)}, resp)
		return resp.Diagnostics.Errors()
	}
	health := durationAtLeast{min: time.Millisecond, why: healthcheckDurationWhy}
	monitor := durationAtLeast{min: time.Nanosecond, why: "default"}
	for name, tc := range map[string]struct {
		v       validator.String
		in      string
		wantErr string
	}{
		"health 0s":           {health, "0s", "at least `1ms`"},
		"health 500us":        {health, "500us", "at least `1ms`"},
		"health 1ms":          {health, "1ms", ""},
		"health 1m":           {health, "1m", ""},
		"health malformed":    {health, "soon", ""}, // reported by the type
		"monitor 0s":          {monitor, "0s", "longer than `0s`"},
		"monitor 1ns":         {monitor, "1ns", ""},
		"size 0":              {positiveSize{}, "0", "reads a size of 0 back as not set"},
		"size 0M":             {positiveSize{}, "0M", "reads a size of 0 back as not set"},
		"size 64M":            {positiveSize{}, "64M", ""},
		"ip v4":               {ipValidator{}, "8.8.8.8", ""},
		"ip v6":               {ipValidator{}, "2001:db8::1", ""},
		"ip v6 upper case":    {ipValidator{}, "2001:DB8::1", `as "2001:db8::1"`},
		"ip v6 not shortened": {ipValidator{}, "2001:db8:0:0:0:0:0:1", `as "2001:db8::1"`},
		"not an ip":           {ipValidator{}, "dns.example", "is not an IP address"},
	} {
		t.Run(name, func(t *testing.T) { checkDiag(t, str(tc.v, tc.in), tc.wantErr) })
	}

	for name, tc := range map[string]struct {
		in      float64
		wantErr string
	}{
		"quarter":        {0.25, ""},
		"one":            {1, ""},
		"one and a half": {1.5, ""},
		"tenth":          {0.1, ""},
		"nine decimals":  {0.123456789, ""},
		"many":           {64.000000001, ""},
		"a thousandth":   {0.001, ""},
		"ten decimals":   {0.0123456789012, "write at most 9 decimals"},
		"below swarm's":  {0.000999999, "at least 0.001"},
		"too small":      {0.0000000001, "at least 0.001"},
		"zero":           {0, "at least 0.001"},
		"negative":       {-1, "at least 0.001"},
		"too large":      {1e10, "must be less than"},
	} {
		t.Run("cpus "+name, func(t *testing.T) {
			resp := &validator.Float64Response{}
			cpusValidator{}.ValidateFloat64(ctx, validator.Float64Request{Path: path.Root("cpus"), ConfigValue: types.Float64Value(tc.in)}, resp)
			checkDiag(t, resp.Diagnostics.Errors(), tc.wantErr)
		})
	}

	modeT := modeObjectType()
	sch := schema.Schema{Attributes: map[string]schema.Attribute{"mode": schema.ObjectAttribute{AttributeTypes: modeT.AttrTypes, Optional: true}}}
	updT := map[string]attr.Type{"parallelism": types.Int64Type}
	for name, tc := range map[string]struct {
		kind    string
		update  types.Object
		wantErr string
	}{
		"job with update_config":    {"replicated_job", types.ObjectValueMust(updT, map[string]attr.Value{"parallelism": types.Int64Value(3)}), "Swarm keeps no update or rollback settings for jobs"},
		"global job":                {"global_job", types.ObjectValueMust(updT, map[string]attr.Value{"parallelism": types.Int64Value(3)}), "the mode is global_job"},
		"job without update_config": {"replicated_job", types.ObjectNull(updT), ""},
		"replicated":                {"replicated", types.ObjectValueMust(updT, map[string]attr.Value{"parallelism": types.Int64Value(3)}), ""},
		"mode left out":             {"", types.ObjectValueMust(updT, map[string]attr.Value{"parallelism": types.Int64Value(3)}), ""},
	} {
		t.Run("update config "+name, func(t *testing.T) {
			modeVal := types.ObjectNull(modeT.AttrTypes)
			if tc.kind != "" {
				vals := nullModeValues()
				at := modeKindTypes()[tc.kind].AttrTypes
				v := map[string]attr.Value{}
				for a, ty := range at {
					v[a] = nullOf(ty)
				}
				vals[tc.kind] = types.ObjectValueMust(at, v)
				modeVal = types.ObjectValueMust(modeT.AttrTypes, vals)
			}
			raw, err := types.ObjectValueMust(map[string]attr.Type{"mode": modeT}, map[string]attr.Value{"mode": modeVal}).ToTerraformValue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			resp := &validator.ObjectResponse{}
			updateNotWithJob.ValidateObject(ctx, validator.ObjectRequest{Path: path.Root("update_config"), ConfigValue: tc.update,
				Config: tfsdk.Config{Schema: sch, Raw: raw}}, resp)
			checkDiag(t, resp.Diagnostics.Errors(), tc.wantErr)
		})
	}
}
