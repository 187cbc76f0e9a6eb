package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ datasource.DataSourceWithConfigure        = (*objectDataSource[secretDataModel])(nil)
	_ datasource.DataSourceWithConfigValidators = (*objectDataSource[secretDataModel])(nil)
)

// NewSecretDataSource is the swarm_secret data source: one secret by ID or name, never its value.
// objectDataSource does the work; here is what only secrets have.
func NewSecretDataSource() datasource.DataSource {
	return &objectDataSource[secretDataModel]{
		kind: swarm.KindSecret,
		extra: map[string]schema.Attribute{
			"driver": schema.StringAttribute{
				MarkdownDescription: "The secrets driver plugin that provides the value, if any.",
				Computed:            true,
			},
		},
		description: " It holds no value: the Engine never returns a secret's value.",
		flatten:     flattenSecretData,
	}
}

type secretDataModel struct {
	objectDataModel
	Driver types.String `tfsdk:"driver"`
}

// flattenSecretData shows what the swarm_secret resource shows of o, without the content.
func flattenSecretData(o swarm.Object, name types.String) secretDataModel {
	m := secretResourceModel{objectModel: objectModel{Labels: emptyStringMap}}
	flattenSecret(o, &m)
	return secretDataModel{objectDataModel: objectDataFrom(o, m.objectModel, name), Driver: m.Driver}
}
