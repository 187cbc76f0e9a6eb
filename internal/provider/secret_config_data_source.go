package provider

// What the swarm_secret and swarm_config data sources share: an object found by ID or name, never
// its content.

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// objectDataModel holds the attributes the swarm_secret and swarm_config data sources share: what
// identifies a version, never its content.
type objectDataModel struct {
	ID            types.String `tfsdk:"id"`
	Name          types.String `tfsdk:"name"`
	VersionedName types.String `tfsdk:"versioned_name"`
	Version       types.Int64  `tfsdk:"version"`
	Labels        types.Map    `tfsdk:"labels"`
	Templating    types.String `tfsdk:"templating"`
}

// objectDataAttributes are the data source attributes both kinds share.
func objectDataAttributes(kind swarm.Kind) map[string]dschema.Attribute {
	k := string(kind)
	attrs := map[string]dschema.Attribute{
		"versioned_name": dschema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("The Engine name of the %s found: `name` for a first version or a %s made "+
				"elsewhere, `<name>-v<n>` for the n-th version made by `swarm_%s`.", k, k, k),
			Computed: true,
		},
		"version": dschema.Int64Attribute{
			MarkdownDescription: fmt.Sprintf("The number of the version found: `n` for `<name>-v<n>`, `1` for the first "+
				"version and for a %s made outside this provider.", k),
			Computed: true,
		},
		"labels": dschema.MapAttribute{
			MarkdownDescription: fmt.Sprintf("The labels of the %s, without the `com.tfswarm.` ones the provider sets on "+
				"the versions it makes.", k),
			ElementType: types.StringType,
			Computed:    true,
		},
		"templating": dschema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("The templating driver the Engine renders the %s with, if any.", k),
			Computed:            true,
		},
	}
	return lookupAttributes(attrs,
		fmt.Sprintf("The Engine ID of the %s: the `%s_id` of a service's `%ss` block.", k, k, k),
		"name", fmt.Sprintf("The name of the %s. A name finds the newest version of the %ss that `swarm_%s` makes "+
			"under that logical name (`<name>`, `<name>-v2`, …), or else the %s called exactly so (made with `docker "+
			"%s create` or by a stack); the Engine name of one version (`<name>-v2`) finds that version. Given `id`, it "+
			"is the logical name of the version found.", k, k, k, k, k))
}

// objectDataSourceDescription is the description of both data sources.
func objectDataSourceDescription(kind swarm.Kind) string {
	return fmt.Sprintf("One Swarm %[1]s that exists outside this configuration (made with `docker %[1]s create`, "+
		"by a stack, or by `swarm_%[1]s` in another configuration), found by ID or by name, so that services can "+
		"reference it.", kind)
}

// objectLookup finds a secret or a config: by exact ID, or by name (the current version of a
// logical name, see swarm.Client.FindCurrent, or an object with exactly that Engine name).
func objectLookup(c *swarm.Client, kind swarm.Kind) lookup[swarm.Object] {
	return lookup[swarm.Object]{
		kind: string(kind), nameAttr: "name",
		find: func(ctx context.Context, byID bool, key string) (swarm.Object, error) {
			if byID {
				return c.InspectObject(ctx, kind, key)
			}
			return c.FindCurrent(ctx, kind, key)
		},
		exact: func(o swarm.Object, byID bool, key string) bool {
			return byID && o.ID == key || !byID && (o.Family() == key || o.Name == key)
		},
	}
}

// objectDataFrom is what the data sources show of an object: the resource's flattened attributes
// (m, flattened from o) without the content ones. name is the configured name: a data source keeps
// what was asked (a versioned name stays as written).
func objectDataFrom(o swarm.Object, m objectModel, name types.String) objectDataModel {
	if name.IsNull() || name.IsUnknown() {
		name = m.Name
	}
	return objectDataModel{
		ID:            m.ID,
		Name:          name,
		VersionedName: m.VersionedName,
		Version:       types.Int64Value(int64(max(o.Generation(), 1))),
		Labels:        m.Labels,
		Templating:    m.Templating,
	}
}

// objectDataSource is the swarm_secret and the swarm_config data source: everything but the
// kind's own attributes (extra, flattened by flatten from the object found, given the configured
// name).
type objectDataSource[M any] struct {
	client      *swarm.Client
	kind        swarm.Kind
	extra       map[string]dschema.Attribute
	description string // after objectDataSourceDescription
	flatten     func(o swarm.Object, name types.String) M
}

func (d *objectDataSource[M]) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + string(d.kind)
}

func (d *objectDataSource[M]) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := objectDataAttributes(d.kind)
	for k, a := range d.extra {
		attrs[k] = a
	}
	resp.Schema = dschema.Schema{
		MarkdownDescription: objectDataSourceDescription(d.kind) + d.description,
		Attributes:          attrs,
	}
}

func (d *objectDataSource[M]) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (d *objectDataSource[M]) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return objectLookup(nil, d.kind).validators()
}

func (d *objectDataSource[M]) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	o, ok := objectLookup(d.client, d.kind).read(ctx, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	var name types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("name"), &name)...)
	m := d.flatten(o, name)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
