package provider

import (
	"context"
	"strings"
	"testing"

	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// TestOtherToolsNames: a setting named differently here than in a compose file or in
// kreuzwerker/docker's docker_service and docker_network says so in its description, so that
// someone who knows either finds it. Each path lists the other names its description must give.
func TestOtherToolsNames(t *testing.T) {
	t.Parallel()
	const cs, tt = "task_template.container_spec.", "task_template."
	cases := map[string]struct {
		r     fwresource.Resource
		names map[string][]string
	}{
		"swarm_service": {NewServiceResource(), map[string][]string{
			"labels":        {"`deploy.labels`"},
			"mode":          {"`deploy.mode`", "`deploy.replicas`"},
			"task_template": {"`task_spec`"},

			cs + "command":         {"`entrypoint`"},
			cs + "args":            {"`command`"},
			cs + "env":             {"`environment`"},
			cs + "dir":             {"`working_dir`"},
			cs + "groups":          {"`group_add`"},
			cs + "labels":          {"compose's `labels`"},
			cs + "open_stdin":      {"`stdin_open`"},
			cs + "hosts":           {"`extra_hosts`"},
			cs + "sysctls":         {"`sysctl`"},
			cs + "capability_add":  {"`cap_add`"},
			cs + "capability_drop": {"`cap_drop`"},

			cs + "mounts":                                        {"`volumes`"},
			cs + "mounts.bind_options":                           {"`bind`"},
			cs + "mounts.bind_options.non_recursive":             {"`bind.recursive: disabled`"},
			cs + "mounts.volume_options":                         {"`volume`"},
			cs + "mounts.volume_options.no_copy":                 {"`nocopy`"},
			cs + "mounts.volume_options.driver_config":           {"`driver_name`", "`driver_options`"},
			cs + "mounts.tmpfs_options":                          {"`tmpfs`"},
			cs + "mounts.tmpfs_options.size":                     {"`size_bytes`"},
			cs + "mounts.bind_options.create_mountpoint":         {"`bind.create_host_path`"},
			cs + "mounts.bind_options.read_only_non_recursive":   {"`bind.recursive: writable`"},
			cs + "mounts.bind_options.read_only_force_recursive": {"`bind.recursive: readonly`"},
			cs + "mounts.image_options":                          {"`image`"},
			cs + "secrets.mode":                                  {"`file_mode`"},
			tt + "resources.memory_swappiness":                   {"`mem_swappiness`"},

			cs + "secrets.secret_name": {"`source`"},
			cs + "secrets.file_name":   {"`target`"},
			cs + "secrets.uid":         {"`file_uid`"},
			cs + "secrets.gid":         {"`file_gid`"},
			cs + "configs.config_name": {"`source`"},
			cs + "configs.file_name":   {"`target`"},
			cs + "configs.mode":        {"`file_mode`"},

			cs + "dns_config.nameservers":                                  {"`dns`"},
			cs + "dns_config.search":                                       {"`dns_search`"},
			cs + "dns_config.options":                                      {"`dns_opt`"},
			cs + "privileges":                                              {"`security_opt`", "`credential_spec`"},
			cs + "privileges.no_new_privileges":                            {"no-new-privileges"},
			cs + "privileges.selinux_context":                              {"`se_linux_context`", "label:"},
			cs + "privileges.seccomp":                                      {"seccomp="},
			cs + "privileges.apparmor":                                     {"apparmor="},
			tt + "resources.limits.cpus":                                   {"`nano_cpus`"},
			tt + "resources.limits.memory":                                 {"`memory_bytes`"},
			tt + "resources.reservations":                                  {"`reservation`"},
			tt + "resources.reservations.memory":                           {"`memory_bytes`"},
			tt + "resources.reservations.generic_resources.named_value":    {"`named_resources_spec`"},
			tt + "resources.reservations.generic_resources.discrete_value": {"`discrete_resource_spec.value`", "`discrete_resources_spec`"},

			tt + "placement.preferences":  {"`preferences", "`prefs`"},
			tt + "placement.max_replicas": {"`max_replicas_per_node`"},
			tt + "placement.platforms":    {"`platform`"},
			tt + "networks":               {"compose's `networks`", "`networks_advanced`"},
			tt + "networks.target":        {"`name`"},
			tt + "log_driver":             {"`logging`", "`driver`"},

			"endpoint_spec.mode":                 {"`deploy.endpoint_mode`"},
			"endpoint_spec.ports":                {"compose's `ports`"},
			"endpoint_spec.ports.target_port":    {"`target`"},
			"endpoint_spec.ports.published_port": {"`published`"},
			"endpoint_spec.ports.publish_mode":   {"compose's `mode`"},
		}},
		"swarm_network": {NewNetworkResource(), map[string][]string{
			"ipv6":                       {"`enable_ipv6`"},
			"options":                    {"`driver_opts`"},
			"ipam.configs":               {"`ipam.config`", "`ipam_config`"},
			"ipam.configs.aux_addresses": {"`aux_address`"},
		}},
	}
	for typ, tc := range cases {
		t.Run(typ, func(t *testing.T) {
			resp := &fwresource.SchemaResponse{}
			tc.r.Schema(context.Background(), fwresource.SchemaRequest{}, resp)
			for p, names := range tc.names {
				desc, ok := resourceSchemaDescription(resp.Schema.Attributes, resp.Schema.Blocks, strings.Split(p, "."))
				if !ok {
					t.Errorf("%s: no such attribute or block", p)
					continue
				}
				for _, n := range names {
					if !strings.Contains(desc, n) {
						t.Errorf("%s: the description does not mention %s: %s", p, n, desc)
					}
				}
			}
		})
	}
}

// resourceSchemaDescription is the description of the attribute or block at path.
func resourceSchemaDescription(attrs map[string]schema.Attribute, blocks map[string]schema.Block, path []string) (string, bool) {
	if a, ok := attrs[path[0]]; ok && len(path) == 1 {
		return a.GetMarkdownDescription(), true
	}
	b, ok := blocks[path[0]]
	if !ok {
		return "", false
	}
	if len(path) == 1 {
		return b.GetMarkdownDescription(), true
	}
	switch b := b.(type) {
	case schema.SingleNestedBlock:
		return resourceSchemaDescription(b.Attributes, b.Blocks, path[1:])
	case schema.ListNestedBlock:
		return resourceSchemaDescription(b.NestedObject.Attributes, b.NestedObject.Blocks, path[1:])
	}
	return "", false
}
