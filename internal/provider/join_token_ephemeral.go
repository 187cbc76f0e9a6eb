package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var _ ephemeral.EphemeralResourceWithConfigure = (*joinTokenEphemeral)(nil)

// NewJoinTokenEphemeralResource is the swarm_join_token ephemeral resource: a join token that
// Terraform never stores.
func NewJoinTokenEphemeralResource() ephemeral.EphemeralResource {
	return &joinTokenEphemeral{}
}

type joinTokenEphemeral struct {
	client *swarm.Client
}

type joinTokenEphemeralModel struct {
	Role      types.String `tfsdk:"role"`
	ClusterID types.String `tfsdk:"cluster_id"`
	Token     types.String `tfsdk:"token"`
}

func (e *joinTokenEphemeral) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_join_token"
}

func (e *joinTokenEphemeral) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The current join token of the swarm for a role, read through a manager each time Terraform needs it " +
			"and never stored in plan or state. Pass it to `swarm_join`'s write-only `join_token_wo`.",
		Attributes: map[string]schema.Attribute{
			"role": schema.StringAttribute{
				MarkdownDescription: "Which token: " + quotedList(nodeRoleValues) + ".",
				Required:            true,
				Validators:          []validator.String{stringvalidator.OneOf(nodeRoleValues...)},
			},
			"cluster_id": schema.StringAttribute{
				MarkdownDescription: "The ID of the swarm the token must belong to, typically `swarm_cluster.<name>.id`. " +
					"Setting it makes Terraform wait for the swarm to exist before reading the token, and checks that the " +
					"provider talks to that swarm. When not set, it is the ID of the swarm the token was read from.",
				Optional: true,
				Computed: true,
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "The join token.",
				Computed:            true,
				Sensitive:           true,
			},
		},
	}
}

func (e *joinTokenEphemeral) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (e *joinTokenEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m joinTokenEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	clusterID, token, err := e.client.JoinToken(ctx, apiswarm.NodeRole(m.Role.ValueString()))
	if err != nil {
		resp.Diagnostics.AddError("Error reading the swarm's join token", err.Error())
		return
	}
	if setAndKnown(m.ClusterID) && m.ClusterID.ValueString() != clusterID {
		resp.Diagnostics.AddAttributeError(path.Root("cluster_id"), "Wrong swarm",
			fmt.Sprintf("The provider talks to swarm %s, not %s.", clusterID, m.ClusterID.ValueString()))
		return
	}
	m.ClusterID = types.StringValue(clusterID)
	m.Token = types.StringValue(token)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}
