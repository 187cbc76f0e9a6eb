package provider

import (
	"context"
	"encoding/base64"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

func TestObjectResourceSchemas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, tc := range map[string]struct {
		r             fwresource.Resource
		dataSensitive bool
	}{
		"secret": {NewSecretResource(), true},
		// Configs are not secrets: plans show their content (wrap it in sensitive() to hide it).
		"config": {NewConfigResource(), false},
	} {
		r := tc.r
		t.Run(name, func(t *testing.T) {
			resp := &fwresource.SchemaResponse{}
			r.Schema(ctx, fwresource.SchemaRequest{}, resp)
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			if diags := resp.Schema.ValidateImplementation(ctx); diags.HasError() {
				t.Fatal(diags)
			}
			for n, a := range resp.Schema.Attributes {
				if a.GetMarkdownDescription() == "" {
					t.Errorf("attribute %q has no description", n)
				}
			}
			if got := resp.Schema.Attributes["data"].IsSensitive(); got != tc.dataSensitive {
				t.Errorf("data sensitive: %v, want %v", got, tc.dataSensitive)
			}
			if !resp.Schema.Attributes["data_wo"].IsSensitive() {
				t.Error("data_wo must be sensitive")
			}
			if !resp.Schema.Attributes["data_wo"].IsWriteOnly() {
				t.Error("data_wo must be write-only")
			}
		})
	}
}

// TestObjectDataWarning: `data` of a secret warns that it is stored in the state; `data` of a
// config does not (configs are not secrets).
func TestObjectDataWarning(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	server, schemas := testProviderServer(t)
	for rt, want := range map[string]bool{"swarm_secret": true, "swarm_config": false} {
		t.Run(rt, func(t *testing.T) {
			typ := testObjectType(t, schemas.ResourceSchemas[rt].ValueType())
			cfg := testObjectValue(t, typ, map[string]tftypes.Value{
				"name": tftypes.NewValue(tftypes.String, "shop_app"),
				"data": tftypes.NewValue(tftypes.String, "content"),
			})
			resp, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
				TypeName: rt, Config: testDynamicValue(t, typ, cfg), ClientCapabilities: testWriteOnlyAllowed,
			})
			if err != nil {
				t.Fatal(err)
			}
			testExpectDiagnostic(t, resp.Diagnostics, "")
			warned := false
			for _, d := range resp.Diagnostics {
				if d.Severity == tfprotov6.DiagnosticSeverityWarning && d.Summary == "Content stored in the Terraform state" {
					warned = true
				}
			}
			if warned != want {
				t.Errorf("warning %q: %v, want %v", "Content stored in the Terraform state", warned, want)
			}
		})
	}
}

func TestObjectContent(t *testing.T) {
	t.Parallel()
	b64 := base64.StdEncoding.EncodeToString([]byte{0, 1, 2})
	for name, tc := range map[string]struct {
		plan, config objectModel
		want         []byte
		present      bool
		known        bool
		err          bool
	}{
		"data":          {plan: objectModel{Data: types.StringValue("s3cret"), DataIsBase64: types.BoolValue(false)}, want: []byte("s3cret"), present: true, known: true},
		"data base64":   {plan: objectModel{Data: types.StringValue(b64), DataIsBase64: types.BoolValue(true)}, want: []byte{0, 1, 2}, present: true, known: true},
		"bad base64":    {plan: objectModel{Data: types.StringValue("%%%"), DataIsBase64: types.BoolValue(true)}, present: true, known: true, err: true},
		"write-only":    {plan: objectModel{DataIsBase64: types.BoolValue(false)}, config: objectModel{DataWO: types.StringValue("wo")}, want: []byte("wo"), present: true, known: true},
		"wo base64":     {plan: objectModel{DataIsBase64: types.BoolValue(true)}, config: objectModel{DataWO: types.StringValue(b64)}, want: []byte{0, 1, 2}, present: true, known: true},
		"unknown data":  {plan: objectModel{Data: types.StringUnknown()}, present: true},
		"unknown wo":    {config: objectModel{DataWO: types.StringUnknown()}, present: true},
		"none (driver)": {known: true},
	} {
		t.Run(name, func(t *testing.T) {
			got, present, known, err := objectContent(tc.plan, tc.config)
			if (err != nil) != tc.err || present != tc.present || known != tc.known {
				t.Fatalf("present %v known %v err %v", present, known, err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestSecretDataRotation(t *testing.T) {
	t.Parallel()
	data := func(v string) objectModel {
		return objectModel{Data: types.StringValue(v), DataIsBase64: types.BoolValue(false)}
	}
	wo := func(v int64) objectModel {
		return objectModel{DataWOVersion: types.Int64Value(v), DataIsBase64: types.BoolValue(false)}
	}
	woCfg := objectModel{DataWO: types.StringValue("x")}
	b64 := objectModel{Data: types.StringValue(base64.StdEncoding.EncodeToString([]byte("a"))), DataIsBase64: types.BoolValue(true)}
	for name, tc := range map[string]struct {
		prior, plan, config objectModel
		want                rotationDecision
	}{
		"same data":           {data("a"), data("a"), objectModel{}, rotateNo},
		"new data":            {data("a"), data("b"), objectModel{}, rotateYes},
		"same bytes base64":   {data("a"), b64, objectModel{}, rotateNo},
		"unknown data":        {data("a"), objectModel{Data: types.StringUnknown(), DataIsBase64: types.BoolValue(false)}, objectModel{}, rotateMaybe},
		"same wo version":     {wo(1), wo(1), woCfg, rotateNo},
		"bumped wo version":   {wo(1), wo(2), woCfg, rotateYes},
		"unknown wo version":  {wo(1), objectModel{DataWOVersion: types.Int64Unknown()}, woCfg, rotateMaybe},
		"data to wo":          {data("a"), wo(1), woCfg, rotateYes},
		"wo to data":          {wo(1), data("a"), objectModel{}, rotateYes},
		"imported, then wo":   {objectModel{}, wo(3), woCfg, rotateNo},
		"imported, then data": {objectModel{}, data("a"), objectModel{}, rotateNo},
		"to driver only":      {data("a"), objectModel{}, objectModel{}, rotateNo},
	} {
		t.Run(name, func(t *testing.T) {
			if got := secretDataRotation(tc.prior, tc.plan, tc.config); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestConfigDataRotation(t *testing.T) {
	t.Parallel()
	sha := func(s string) types.String { return types.StringValue(sha256Hex([]byte(s))) }
	data := func(v string) objectModel {
		return objectModel{Data: types.StringValue(v), DataIsBase64: types.BoolValue(false)}
	}
	wo := func(v int64) objectModel {
		return objectModel{DataWOVersion: types.Int64Value(v), DataIsBase64: types.BoolValue(false)}
	}
	for name, tc := range map[string]struct {
		prior, plan, config objectModel
		priorSHA            types.String
		want                rotationDecision
	}{
		"same content":              {data("a"), data("a"), objectModel{}, sha("a"), rotateNo},
		"new content":               {data("a"), data("b"), objectModel{}, sha("a"), rotateYes},
		"replaced out of band":      {data("a"), data("a"), objectModel{}, sha("other"), rotateYes},
		"imported, same content":    {objectModel{}, data("a"), objectModel{}, sha("a"), rotateNo},
		"imported, other content":   {objectModel{}, data("a"), objectModel{}, sha("b"), rotateYes},
		"wo same":                   {wo(1), wo(1), objectModel{DataWO: types.StringValue("a")}, sha("a"), rotateNo},
		"wo content changed":        {wo(1), wo(1), objectModel{DataWO: types.StringValue("b")}, sha("a"), rotateYes},
		"wo bumped, same content":   {wo(1), wo(2), objectModel{DataWO: types.StringValue("a")}, sha("a"), rotateYes},
		"wo unknown":                {wo(1), wo(1), objectModel{DataWO: types.StringUnknown()}, sha("a"), rotateMaybe},
		"data unknown":              {data("a"), objectModel{Data: types.StringUnknown(), DataIsBase64: types.BoolValue(false)}, objectModel{}, sha("a"), rotateMaybe},
		"imported wo, same content": {objectModel{}, wo(7), objectModel{DataWO: types.StringValue("a")}, sha("a"), rotateNo},
	} {
		t.Run(name, func(t *testing.T) {
			if got := configDataRotation(tc.prior, tc.plan, tc.config, tc.priorSHA); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFlattenObjectLabels(t *testing.T) {
	t.Parallel()
	managed := swarm.ManagedLabels("db", 2, 1)
	withUser := map[string]string{"app": "shop"}
	for k, v := range managed {
		withUser[k] = v
	}
	empty := types.MapValueMust(types.StringType, map[string]attr.Value{})
	for name, tc := range map[string]struct {
		labels map[string]string
		prior  types.Map
		want   types.Map
	}{
		"only managed, prior null":  {managed, types.MapNull(types.StringType), types.MapNull(types.StringType)},
		"only managed, prior empty": {managed, empty, empty},
		"none, prior unknown":       {nil, types.MapUnknown(types.StringType), types.MapNull(types.StringType)},
		"user labels":               {withUser, types.MapNull(types.StringType), types.MapValueMust(types.StringType, map[string]attr.Value{"app": types.StringValue("shop")})},
	} {
		t.Run(name, func(t *testing.T) {
			if got := flattenObjectLabels(tc.labels, tc.prior); !got.Equal(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestObjectRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := objectModel{
		Name:           types.StringValue("db"),
		Labels:         types.MapValueMust(types.StringType, map[string]attr.Value{"app": types.StringValue("shop")}),
		Data:           types.StringValue("x"),
		DataIsBase64:   types.BoolValue(false),
		Templating:     types.StringValue("golang"),
		VersionsToKeep: types.Int64Value(2),
	}
	spec, diags := expandObjectSpec(ctx, m, []byte("x"))
	if diags.HasError() {
		t.Fatal(diags)
	}
	want := swarm.ObjectSpec{Name: "db", Labels: map[string]string{"app": "shop"}, Data: []byte("x"), Template: &apiswarm.Driver{Name: "golang"}, Keep: 2}
	if d := cmp.Diff(want, spec); d != "" {
		t.Fatalf("expand (-want +got):\n%s", d)
	}
	// What the Engine returns for that spec, as generation 3.
	labels := map[string]string{"app": "shop"}
	for k, v := range swarm.ManagedLabels("db", 3, 2) {
		labels[k] = v
	}
	o := swarm.Object{ID: "abc", Name: swarm.VersionedName("db", 3), Labels: labels, Template: spec.Template, CreatedAt: time.Now()}
	got := m
	got.ID, got.VersionedName = types.StringUnknown(), types.StringUnknown()
	flattenObject(o, &got)
	want2 := m
	want2.ID, want2.VersionedName, want2.DataWO = types.StringValue("abc"), types.StringValue("db-v3"), types.StringNull()
	if d := cmp.Diff(want2, got); d != "" {
		t.Errorf("flatten (-want +got):\n%s", d)
	}
}

func TestReservedLabelValidator(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		key  string
		fail bool
	}{
		"user":     {"app", false},
		"similar":  {"com.tfswarmx", false},
		"docker":   {"com.docker.stack.namespace", false},
		"family":   {swarm.LabelFamily, true},
		"reserved": {"com.tfswarm.other", true},
	} {
		t.Run(name, func(t *testing.T) {
			var resp validator.StringResponse
			reservedLabelValidator{}.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("labels"), ConfigValue: types.StringValue(tc.key)}, &resp)
			if resp.Diagnostics.HasError() != tc.fail {
				t.Errorf("got %v", resp.Diagnostics)
			}
		})
	}
}

const testAccObjectResourceConfig_invalid = `
variable "type" { type = string }
variable "name" { type = string }
variable "data" {
  type    = string
  default = null
}
variable "data_wo" {
  type      = string
  default   = null
  ephemeral = true
}
variable "data_wo_version" {
  type    = number
  default = null
}
variable "labels" {
  type    = map(string)
  default = null
}

resource "swarm_secret" "test" {
  count           = var.type == "secret" ? 1 : 0
  name            = var.name
  data            = var.data
  data_wo         = var.data_wo
  data_wo_version = var.data_wo_version
  labels          = var.labels
}

resource "swarm_config" "test" {
  count           = var.type == "config" ? 1 : 0
  name            = var.name
  data            = var.data
  data_wo         = var.data_wo
  data_wo_version = var.data_wo_version
  labels          = var.labels
}
`

// TestObjectResource_invalid checks bad input at plan time; no Engine is needed.
func TestObjectResource_invalid(t *testing.T) {
	t.Parallel()
	vars := func(kind, name string, extra config.Variables) config.Variables {
		v := config.Variables{"type": config.StringVariable(kind), "name": config.StringVariable(name)}
		for k, x := range extra {
			v[k] = x
		}
		return v
	}
	both := config.Variables{"data": config.StringVariable("a"), "data_wo": config.StringVariable("b"), "data_wo_version": config.IntegerVariable(1)}
	var steps []resource.TestStep
	for _, kind := range []string{"secret", "config"} {
		for _, tc := range []struct {
			vars config.Variables
			err  string
		}{
			{vars(kind, "ok", both), `(?s)Invalid Attribute Combination|cannot be specified when|These attributes cannot`},
			{vars(kind, "bad name!", config.Variables{"data": config.StringVariable("a")}), `(?s)must consist of letters.*digits`},
			{vars(kind, "-dash", config.Variables{"data": config.StringVariable("a")}), `(?s)must consist of letters`},
			{vars(kind, "ok", config.Variables{"data_wo": config.StringVariable("a")}), `(?s)data_wo_version`},
			{vars(kind, "ok", config.Variables{"data": config.StringVariable("a"), "labels": config.MapVariable(map[string]config.Variable{"com.tfswarm.family": config.StringVariable("x")})}), `(?s)Reserved label`},
			{vars(kind, "ok", nil), `(?s)Missing secret value|Exactly one of these attributes must be configured`},
		} {
			steps = append(steps, resource.TestStep{
				Config: testAccObjectResourceConfig_invalid, ConfigVariables: tc.vars,
				PlanOnly: true, ExpectError: regexp.MustCompile(tc.err),
			})
		}
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}
