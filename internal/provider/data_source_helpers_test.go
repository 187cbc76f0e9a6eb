package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/moby/moby/api/types/network"
	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/api/types/volume"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

func TestReadOnlyDescription(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ in, want string }{
		"default":                 {"Whether it is on. Defaults to `false`.", "Whether it is on."},
		"default then rule":       {"The delay. Defaults to `5s`. Must be longer than `0s`.", "The delay. Must be longer than `0s`."},
		"default with a dot":      {"The ratio. Defaults to `0.5`.", "The ratio."},
		"replacement":             {"How tasks run. Changing the kind replaces the service.", "How tasks run."},
		"replacement with code":   {"The name. Changing `name` or `x.y` replaces the network (the Engine cannot update it).", "The name."},
		"replaces, not a change":  {"Arguments; replaces the image's CMD (compose's `command`).", "Arguments; replaces the image's CMD (compose's `command`)."},
		"only a default":          {"Defaults to `1`.", ""},
		"nothing of the resource": {"The node's ID.", "The node's ID."},
		"left out":                {"Where tasks may run. Left out, the Engine's defaults apply, and a change made outside Terraform shows as drift.", "Where tasks may run."},
		"required":                {"The container of each task. Required.", "The container of each task."},
		"required in a block":     {"Required in this block. Name of the driver.", "Name of the driver."},
		"not with, no two":        {"How updates roll out. Not with a job mode. No two may be equal. Left out with `x.y`, none.", "How updates roll out."},
		"filled in":               {"The secret's name (compose's `source`). Filled in from the ID when left out.", "The secret's name (compose's `source`)."},
		"required, not a rule":    {"Required components (`a.b`) of the name.", "Required components (`a.b`) of the name."},
	} {
		t.Run(name, func(t *testing.T) {
			if got := readOnlyDescription(tc.in); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// resourcePhrases are what a data source's read-only values must not say.
var resourcePhrases = regexp.MustCompile(`Defaults to|Changing [^.]* replaces|Required with|Conflicts with|Left out|Required\.|Required in this block|Not with|No two|Filled in from`)

// TestDataSourceSchemas checks every data source of the provider: a valid schema, a description
// for every attribute, and none that speaks of writing a read-only value.
func TestDataSourceSchemas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := New("test")()
	for _, newDS := range p.DataSources(ctx) {
		ds := newDS()
		meta := &datasource.MetadataResponse{}
		ds.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "swarm"}, meta)
		t.Run(meta.TypeName, func(t *testing.T) {
			t.Parallel()
			resp := &datasource.SchemaResponse{}
			ds.Schema(ctx, datasource.SchemaRequest{}, resp)
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			if d := resp.Schema.ValidateImplementation(ctx); d.HasError() {
				t.Fatal(d)
			}
			if resp.Schema.MarkdownDescription == "" {
				t.Error("no description")
			}
			walkDataAttributes(resp.Schema.Attributes, "", func(p string, a dschema.Attribute) {
				desc := a.GetMarkdownDescription()
				if desc == "" {
					t.Errorf("%s has no description", p)
				}
				if m := resourcePhrases.FindString(desc); m != "" && a.IsComputed() && !a.IsOptional() {
					t.Errorf("%s is read-only but its description says %q: %s", p, m, desc)
				}
			})
		})
	}
}

func walkDataAttributes(attrs map[string]dschema.Attribute, prefix string, f func(string, dschema.Attribute)) {
	for k, a := range attrs {
		p := prefix + k
		f(p, a)
		switch a := a.(type) {
		case dschema.SingleNestedAttribute:
			walkDataAttributes(a.Attributes, p+".", f)
		case dschema.ListNestedAttribute:
			walkDataAttributes(a.NestedObject.Attributes, p+".", f)
		}
	}
}

// testLookupConfig is the configuration of a data source that finds an object by `id` or `name`.
func testLookupConfig(id, name string) tfsdk.Config {
	s := dschema.Schema{Attributes: lookupAttributes(map[string]dschema.Attribute{}, "ID.", "name", "Name.")}
	val := func(v string) tftypes.Value {
		if v == "" {
			return tftypes.NewValue(tftypes.String, nil)
		}
		return tftypes.NewValue(tftypes.String, v)
	}
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"id": tftypes.String, "name": tftypes.String}}
	return tfsdk.Config{Schema: s, Raw: tftypes.NewValue(typ, map[string]tftypes.Value{"id": val(id), "name": val(name)})}
}

func TestLookupRead(t *testing.T) {
	t.Parallel()
	type obj struct{ id, name string }
	// engine answers as the Engine's inspect does: by ID, else by name, else by ID prefix.
	engine := []obj{{"abc123", "shop_db"}, {"def456", "abc"}}
	match := []func(o obj, key string) bool{
		func(o obj, key string) bool { return o.id == key },
		func(o obj, key string) bool { return o.name == key },
		func(o obj, key string) bool { return strings.HasPrefix(o.id, key) },
	}
	l := lookup[obj]{
		kind: "secret", nameAttr: "name",
		find: func(_ context.Context, _ bool, key string) (obj, error) {
			if key == "broken" {
				return obj{}, errors.New("connection refused")
			}
			for _, m := range match {
				for _, o := range engine {
					if m(o, key) {
						return o, nil
					}
				}
			}
			return obj{}, fmt.Errorf("secret %s: %w", key, swarm.ErrNotFound)
		},
		exact: func(o obj, byID bool, key string) bool { return byID && o.id == key || !byID && o.name == key },
	}
	for name, tc := range map[string]struct {
		id, name string
		want     obj
		err      string
	}{
		"by ID":                      {id: "abc123", want: obj{"abc123", "shop_db"}},
		"by name":                    {name: "shop_db", want: obj{"abc123", "shop_db"}},
		"an ID prefix is not an ID":  {id: "abc", err: `Swarm secret not found: No secret has the ID "abc".`},
		"a name is not an ID":        {id: "shop_db", err: `Swarm secret not found: No secret has the ID "shop_db".`},
		"an ID prefix is not a name": {name: "abc12", err: `Swarm secret not found: No secret has the name "abc12".`},
		"a name that is a prefix":    {name: "abc", want: obj{"def456", "abc"}},
		"not found":                  {name: "nope", err: `Swarm secret not found: No secret has the name "nope".`},
		"other errors":               {name: "broken", err: `Error reading Swarm secret: secret name "broken": connection refused`},
	} {
		t.Run(name, func(t *testing.T) {
			var diags diag.Diagnostics
			got, ok := l.read(context.Background(), testLookupConfig(tc.id, tc.name), &diags)
			if tc.err != "" {
				if ok || len(diags) != 1 || diags[0].Summary()+": "+diags[0].Detail() != tc.err {
					t.Fatalf("ok %v, diagnostics %v, want the error %q", ok, diags, tc.err)
				}
				return
			}
			if !ok || diags.HasError() {
				t.Fatalf("ok %v, diagnostics %v", ok, diags)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestObjectLookupExact(t *testing.T) {
	t.Parallel()
	family := swarm.Object{ID: "s2", Name: "shop_db-v2", Labels: swarm.ManagedLabels("shop_db", 2, 1)}
	plain := swarm.Object{ID: "s9", Name: "external_db"}
	l := objectLookup(nil, swarm.KindSecret)
	for name, tc := range map[string]struct {
		o    swarm.Object
		byID bool
		key  string
		want bool
	}{
		"ID":                            {family, true, "s2", true},
		"logical name":                  {family, false, "shop_db", true},
		"versioned name":                {family, false, "shop_db-v2", true},
		"plain name":                    {plain, false, "external_db", true},
		"name given as ID":              {plain, true, "external_db", false},
		"another name (prefix matched)": {plain, false, "external", false},
	} {
		t.Run(name, func(t *testing.T) {
			if got := l.exact(tc.o, tc.byID, tc.key); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFlattenObjectData(t *testing.T) {
	t.Parallel()
	labels := func(m map[string]string) types.Map {
		v, _ := types.MapValueFrom(context.Background(), types.StringType, m)
		return v
	}
	rotated := swarm.Object{ID: "s3", Name: "shop_db-v3", Labels: map[string]string{"app": "shop"}, Driver: &apiswarm.Driver{Name: "vault"}}
	for k, v := range swarm.ManagedLabels("shop_db", 3, 2) {
		rotated.Labels[k] = v
	}
	external := swarm.Object{ID: "s9", Name: "external_db", Template: &apiswarm.Driver{Name: "golang"}, Data: []byte("listen 80;\n")}
	for name, tc := range map[string]struct {
		o    swarm.Object
		name types.String
		want objectDataModel
	}{
		"rotated, by ID": {rotated, types.StringNull(), objectDataModel{
			ID: types.StringValue("s3"), Name: types.StringValue("shop_db"), VersionedName: types.StringValue("shop_db-v3"),
			Version: types.Int64Value(3), Labels: labels(map[string]string{"app": "shop"}), Templating: types.StringNull(),
		}},
		"rotated, by versioned name": {rotated, types.StringValue("shop_db-v3"), objectDataModel{
			ID: types.StringValue("s3"), Name: types.StringValue("shop_db-v3"), VersionedName: types.StringValue("shop_db-v3"),
			Version: types.Int64Value(3), Labels: labels(map[string]string{"app": "shop"}), Templating: types.StringNull(),
		}},
		"made elsewhere, no labels": {external, types.StringValue("external_db"), objectDataModel{
			ID: types.StringValue("s9"), Name: types.StringValue("external_db"), VersionedName: types.StringValue("external_db"),
			Version: types.Int64Value(1), Labels: labels(map[string]string{}), Templating: types.StringValue("golang"),
		}},
	} {
		t.Run(name, func(t *testing.T) {
			secret := flattenSecretData(tc.o, tc.name)
			if d := cmp.Diff(tc.want, secret.objectDataModel); d != "" {
				t.Errorf("secret (-want +got):\n%s", d)
			}
			if want := flattenDriver(tc.o.Driver); !secret.Driver.Equal(want) {
				t.Errorf("driver %v, want %v", secret.Driver, want)
			}
			config := flattenConfigData(tc.o, tc.name)
			if d := cmp.Diff(tc.want, config.objectDataModel); d != "" {
				t.Errorf("config (-want +got):\n%s", d)
			}
			if want := sha256Hex(tc.o.Data); config.DataSHA256.ValueString() != want {
				t.Errorf("data_sha256 %v, want %s", config.DataSHA256, want)
			}
		})
	}
}

func TestFlattenNetworkData(t *testing.T) {
	t.Parallel()
	n := network.Inspect{Network: network.Network{
		ID: "n1", Name: "shop_backend", Driver: "overlay", Scope: "swarm", Attachable: true,
		Options: map[string]string{"encrypted": "", "com.docker.network.driver.overlay.vxlanid_list": "4097"},
		IPAM:    network.IPAM{Driver: "default"},
	}}
	got, diags := flattenNetworkData(context.Background(), n)
	if diags.HasError() {
		t.Fatal(diags)
	}
	empty := types.MapValueMust(types.StringType, nil)
	if !got.Options.Equal(empty) || !got.Labels.Equal(empty) {
		t.Errorf("options %v and labels %v: want empty maps (the overlay's VXLAN ID and encrypted left out)", got.Options, got.Labels)
	}
	if !got.Encrypted.ValueBool() || !got.Attachable.ValueBool() || got.Internal.ValueBool() {
		t.Errorf("encrypted %v, attachable %v, internal %v", got.Encrypted, got.Attachable, got.Internal)
	}
	if got.IPAM.IsNull() || got.IPAM.Attributes()["driver"].String() != `"default"` {
		t.Errorf("ipam %v: want the Engine's IPAM", got.IPAM)
	}
	if got.Name.ValueString() != "shop_backend" || got.ID.ValueString() != "n1" || got.Scope.ValueString() != "swarm" {
		t.Errorf("name %v, id %v, scope %v", got.Name, got.ID, got.Scope)
	}
}

func TestVolumeAndNodeLookupExact(t *testing.T) {
	t.Parallel()
	v := volume.Volume{Name: "shop_pgdata"}
	vl := volumeLookup(nil)
	if !vl.exact(v, true, "shop_pgdata") || !vl.exact(v, false, "shop_pgdata") || vl.exact(v, false, "shop") {
		t.Error("a volume is found by its exact name, given as id or as name")
	}
	n := apiswarm.Node{ID: "n1abc", Description: apiswarm.NodeDescription{Hostname: "w1"}}
	nl := nodeLookup(nil)
	if !nl.exact(n, true, "n1abc") || !nl.exact(n, false, "w1") || nl.exact(n, true, "w1") || nl.exact(n, false, "n1abc") || nl.exact(n, true, "n1") {
		t.Error("a node is found by its exact ID as id, by its exact hostname as hostname")
	}
}

// testAccDataSourceNotFound asks the data source swarm_<kind> for objects that do not exist, one
// step each: each lookup sets one attribute (`id`, `name` or `hostname`) to a key, and expects
// the error that names it, as Terraform prints it: the summary, the data source's address and
// position, then the detail (maybe wrapped).
func testAccDataSourceNotFound(t *testing.T, kind string, lookups ...testAccLookup) {
	t.Helper()
	steps := make([]resource.TestStep, 0, len(lookups))
	for _, l := range lookups {
		shown := l.attr
		if l.attr == "id" {
			shown = "ID"
		}
		steps = append(steps, resource.TestStep{
			Config: "variable \"key\" { type = string }\n\n" +
				"data \"swarm_" + kind + "\" \"test\" {\n  " + l.attr + " = var.key\n}\n",
			ConfigVariables: config.Variables{"key": config.StringVariable(l.key)},
			ExpectError: regexp.MustCompile(regexp.QuoteMeta("Swarm "+kind+" not found") + `(?s:.*)` +
				wrappedText(fmt.Sprintf("No %s has the %s %q.", kind, shown, l.key)).String()),
		})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

// testAccLookup is one attribute of a data source that finds an object, and its value.
type testAccLookup struct{ attr, key string }

// testAccExpectAttributes checks the same top-level attribute values on every address: the data
// sources that found one object by name and by ID.
func testAccExpectAttributes(want map[string]knownvalue.Check, addrs ...string) []statecheck.StateCheck {
	var out []statecheck.StateCheck
	for _, addr := range addrs {
		for k, c := range want {
			out = append(out, statecheck.ExpectKnownValue(addr, tfjsonpath.New(k), c))
		}
	}
	return out
}
