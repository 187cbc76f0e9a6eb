package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ datasource.DataSourceWithConfigure        = (*objectDataSource[configDataModel])(nil)
	_ datasource.DataSourceWithConfigValidators = (*objectDataSource[configDataModel])(nil)
)

// NewConfigDataSource is the swarm_config data source: one config by ID or name, without its
// content. objectDataSource does the work; here is what only configs have.
func NewConfigDataSource() datasource.DataSource {
	return &objectDataSource[configDataModel]{
		kind: swarm.KindConfig,
		extra: map[string]schema.Attribute{
			"data_sha256": schema.StringAttribute{
				MarkdownDescription: "SHA-256 (hex) of the config's content, to tell versions apart or to notice a change.",
				Computed:            true,
			},
		},
		description: " It holds the config's content only as a hash (`data_sha256`), never the content itself.",
		flatten:     flattenConfigData,
	}
}

type configDataModel struct {
	objectDataModel
	DataSHA256 types.String `tfsdk:"data_sha256"`
}

// flattenConfigData shows what the swarm_config resource shows of o, without the content.
func flattenConfigData(o swarm.Object, name types.String) configDataModel {
	m := configResourceModel{objectModel: objectModel{Labels: emptyStringMap}}
	flattenConfig(o, &m)
	return configDataModel{objectDataModel: objectDataFrom(o, m.objectModel, name), DataSHA256: m.DataSHA256}
}
