package provider

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// misspelledKey is the argument every case writes where no argument of that name exists.
const misspelledKey = "tfacc_misspelled_key"

// misspelledKeyError is Terraform's own error for it (words may be wrapped).
var misspelledKeyError = regexp.MustCompile(`An\s+argument\s+named\s+"` + misspelledKey + `"\s+is\s+not\s+expected\s+here`)

// schemaBlockPaths lists every nested block of a schema, depth first, as dotted paths ("" is the
// top level).
func schemaBlockPaths(b *tfprotov6.SchemaBlock, prefix string) []string {
	out := []string{prefix}
	if b == nil {
		return out
	}
	for _, nb := range b.BlockTypes {
		p := nb.TypeName
		if prefix != "" {
			p = prefix + "." + nb.TypeName
		}
		out = append(out, schemaBlockPaths(nb.Block, p)...)
	}
	return out
}

// misspelledKeyBody is a body with the misspelled key inside the nested blocks of path.
func misspelledKeyBody(path string) string {
	var names []string
	if path != "" {
		names = strings.Split(path, ".")
	}
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n + " {\n")
	}
	b.WriteString(misspelledKey + " = 1\n")
	b.WriteString(strings.Repeat("}\n", len(names)))
	return b.String()
}

// TestMisspelledKeysRejected proves, for every resource, data source, ephemeral resource and the
// provider block, that a misspelled argument at the top level and inside every nested block level
// is rejected at plan time with Terraform's own error naming the key: nested settings are blocks,
// and Terraform silently drops unknown keys only in objects given to nested attributes
// (hashicorp/terraform#33570). The paths come from the provider's own schema, so a new block is
// covered as soon as it exists.
func TestMisspelledKeysRejected(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range schemas.Diagnostics {
		t.Fatalf("provider schema: %s: %s", d.Summary, d.Detail)
	}

	type target struct {
		name  string // test name
		open  string // the configuration's opening line
		paths []string
		more  string // configuration after the block
	}
	// Terraform validates a provider block only when something uses the provider.
	targets := []target{{name: "provider", open: `provider "swarm" {`, paths: schemaBlockPaths(schemas.Provider.Block, ""),
		more: `data "swarm_cluster" "test" {}` + "\n"}}
	add := func(kind string, m map[string]*tfprotov6.Schema) {
		for _, typ := range slices.Sorted(maps.Keys(m)) {
			targets = append(targets, target{name: kind + "/" + typ, open: fmt.Sprintf("%s %q %q {", kind, typ, "test"),
				paths: schemaBlockPaths(m[typ].Block, "")})
		}
	}
	add("resource", schemas.ResourceSchemas)
	add("data", schemas.DataSourceSchemas)
	add("ephemeral", schemas.EphemeralResourceSchemas)

	// Guard against a walk that finds nothing: these nested settings must be blocks.
	mustHave := map[string][]string{
		"resource/swarm_service": {"mode.replicated", "mode.global", "task_template.container_spec.healthcheck",
			"task_template.container_spec.mounts.volume_options.driver_config", "task_template.container_spec.privileges.seccomp",
			"task_template.resources.reservations.generic_resources", "task_template.placement.platforms", "task_template.networks",
			"update_config", "rollback_config", "endpoint_spec.ports", "timeouts"},
		"resource/swarm_network": {"ipam.configs"},
		"resource/swarm_volume":  {"engine"},
		"resource/swarm_join":    {"engine"},
		"resource/swarm_cluster": {"raft"},
	}
	for _, tg := range targets {
		for _, want := range mustHave[tg.name] {
			if !slices.Contains(tg.paths, want) {
				t.Errorf("%s: %q is not a nested block (blocks: %v)", tg.name, want, tg.paths)
			}
		}
	}

	for _, tg := range targets {
		t.Run(strings.ReplaceAll(tg.name, "/", "_"), func(t *testing.T) {
			t.Parallel()
			sort.Strings(tg.paths)
			steps := make([]resource.TestStep, 0, len(tg.paths))
			for _, p := range tg.paths {
				steps = append(steps, resource.TestStep{
					Config:      tg.open + "\n" + misspelledKeyBody(p) + "}\n" + tg.more,
					PlanOnly:    true,
					ExpectError: misspelledKeyError,
				})
			}
			resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
		})
	}
}
