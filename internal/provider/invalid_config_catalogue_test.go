package provider

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// The catalogue of invalid configurations: each is refused at plan time by the provider's own
// validation, with one error whose summary and attribute path are asserted, before any Engine is
// reached. Most cases go through the protocol (ValidateResourceConfig and its siblings), as
// Terraform calls it; TestInvalidConfigCatalogueTerraform runs a few through terraform itself to
// show that it points at the attribute's line, and that misspelled keys in nested blocks are
// refused (the protocol cannot carry those: see also TestMisspelledKeysRejected).

// catalogueCase is one invalid configuration.
type catalogueCase struct {
	name string
	kind string // resource, data, ephemeral or provider
	typ  string // the resource or data source type; "" for the provider
	body hcl
	// summary and path of the one error wanted.
	summary, path string
}

// Valid bodies that the cases change in one place.
func catalogueService() hcl {
	return hcl{"name": "web", "task_template": hcl{"container_spec": hcl{"image": "nginx:1.27"}}}
}

func catalogueStack() hcl {
	return hcl{"name": "shop", "compose_files": []any{"version: '3.8'\nservices:\n  web:\n    image: nginx:1.27\n"}}
}

func catalogueJoin() hcl {
	return hcl{"engine": hcl{"host": "tcp://10.0.0.2:2376"}, "remote_addrs": []any{"10.0.0.1:2377"}, "join_token_wo": "SWMTKN-1-x"}
}

// catalogueBases are the valid bodies of every type; TestInvalidConfigCatalogue checks that
// they pass.
var catalogueBases = map[string]struct {
	kind, typ string
	body      func() hcl
}{
	"swarm_service":              {"resource", "swarm_service", catalogueService},
	"swarm_network":              {"resource", "swarm_network", func() hcl { return hcl{"name": "backend"} }},
	"swarm_secret":               {"resource", "swarm_secret", func() hcl { return hcl{"name": "db-password", "data_wo": "s3cret", "data_wo_version": 1} }},
	"swarm_config":               {"resource", "swarm_config", func() hcl { return hcl{"name": "nginx-conf", "data_wo": "x", "data_wo_version": 1} }},
	"swarm_volume":               {"resource", "swarm_volume", func() hcl { return hcl{"name": "pgdata"} }},
	"swarm_cluster":              {"resource", "swarm_cluster", func() hcl { return hcl{} }},
	"swarm_join":                 {"resource", "swarm_join", catalogueJoin},
	"swarm_node":                 {"resource", "swarm_node", func() hcl { return hcl{"node": "worker-1"} }},
	"swarm_stack":                {"resource", "swarm_stack", catalogueStack},
	"data.swarm_cluster":         {"data", "swarm_cluster", func() hcl { return hcl{} }},
	"data.swarm_nodes":           {"data", "swarm_nodes", func() hcl { return hcl{} }},
	"data.swarm_service":         {"data", "swarm_service", func() hcl { return hcl{"name": "web"} }},
	"data.swarm_services":        {"data", "swarm_services", func() hcl { return hcl{} }},
	"data.swarm_secret":          {"data", "swarm_secret", func() hcl { return hcl{"name": "db-password"} }},
	"data.swarm_config":          {"data", "swarm_config", func() hcl { return hcl{"name": "nginx-conf"} }},
	"data.swarm_network":         {"data", "swarm_network", func() hcl { return hcl{"name": "backend"} }},
	"data.swarm_volume":          {"data", "swarm_volume", func() hcl { return hcl{"name": "pgdata"} }},
	"data.swarm_node":            {"data", "swarm_node", func() hcl { return hcl{"hostname": "worker-1"} }},
	"data.swarm_registry_image":  {"data", "swarm_registry_image", func() hcl { return hcl{"name": "registry.example.com:5000/team/app:1"} }},
	"ephemeral.swarm_join_token": {"ephemeral", "swarm_join_token", func() hcl { return hcl{"role": "worker"} }},
	"provider":                   {"provider", "", func() hcl { return hcl{} }},
}

func catalogueCases() []catalogueCase {
	svc := func(name, p string, v any, summary, errPath string) catalogueCase {
		return catalogueCase{name: "swarm_service/" + name, kind: "resource", typ: "swarm_service",
			body: with(catalogueService(), p, v), summary: summary, path: errPath}
	}
	cs := "task_template.container_spec"
	limits := "task_template.resources.limits"
	placement := "task_template.placement"
	pairs := func(h hcl, kv ...any) hcl {
		for i := 0; i+1 < len(kv); i += 2 {
			h[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return h
	}
	port := func(kv ...any) hcl { return pairs(hcl{"target_port": 80}, kv...) }
	mount := func(kv ...any) hcl { return pairs(hcl{}, kv...) }
	secretRef := func(id string) hcl { return hcl{"secret_id": id, "file_name": "db"} }
	const attrValue = "Invalid Attribute Value"
	const attrMatch = "Invalid Attribute Value Match"
	const attrLength = "Invalid Attribute Value Length"
	const attrCombination = "Invalid Attribute Combination"
	const connection = "Invalid Docker Engine connection"

	cases := []catalogueCase{
		// swarm_service: the name, the image and the container.
		svc("name with a dot", "name", "shop.api", "Invalid service name", "name"),
		svc("name beginning with a dash", "name", "-web", "Invalid service name", "name"),
		svc("name of 64 characters", "name", strings.Repeat("a", 64), "Invalid service name", "name"),
		svc("image that does not parse", cs+".image", "Nginx:Latest:bad", "Invalid image", cs+".image"),
		svc("image with upper case", cs+".image", "Nginx:latest", "Invalid image", cs+".image"),
		svc("image with an empty tag", cs+".image", "nginx:", "Invalid image", cs+".image"),
		svc("empty image", cs+".image", "", "Invalid image", cs+".image"),
		svc("extra host address", cs+".hosts", map[string]any{"db": []any{"10.0.0.2", "db.internal"}}, "Invalid IP address", cs+`.hosts["db"]`),
		svc("extra host address with a zone", cs+".hosts", map[string]any{"db": []any{"fe80::1%eth0"}}, "Invalid IP address", cs+`.hosts["db"]`),
		svc("extra host address twice", cs+".hosts", map[string]any{"db": []any{"10.0.0.2", "10.0.0.2"}}, "Duplicate address", cs+`.hosts["db"]`),
		svc("extra host without an address", cs+".hosts", map[string]any{"db": []any{}}, "No address", cs+`.hosts["db"]`),
		svc("extra host name with a space", cs+".hosts", map[string]any{"db main": []any{"10.0.0.2"}}, "Invalid host name", cs+`.hosts["db main"]`),
		svc("extra host name with a colon", cs+".hosts", map[string]any{"db:5432": []any{"10.0.0.2"}}, "Invalid host name", cs+`.hosts["db:5432"]`),
		svc("secret file mode in decimal", cs+".secrets", []hcl{{"secret_id": "s1", "file_name": "a", "mode": "292"}}, "Invalid file mode", cs+".secrets[0].mode"),
		svc("config file mode not octal", cs+".configs", []hcl{{"config_id": "c1", "file_name": "a", "mode": "0489"}}, "Invalid file mode", cs+".configs[0].mode"),
		svc("image mount without a source", cs+".mounts", []hcl{mount("type", "image", "target", "/app")}, "Missing mount source", cs+".mounts[0].source"),
		svc("image mount of a bad reference", cs+".mounts", []hcl{mount("type", "image", "source", "Bad:Ref:x", "target", "/app")}, "Invalid mount source", cs+".mounts[0].source"),
		svc("image options on a volume", cs+".mounts", []hcl{mount("type", "volume", "target", "/v", "image_options", hcl{"subpath": "etc"})}, "Options of another mount type", cs+".mounts[0].image_options"),
		svc("read-only recursion on a writable bind", cs+".mounts", []hcl{mount("type", "bind", "source", "/srv", "target", "/v", "bind_options", hcl{"read_only_non_recursive": true})}, "Bind option needs a read-only mount", cs+".mounts[0].bind_options.read_only_non_recursive"),
		svc("both read-only recursions", cs+".mounts", []hcl{mount("type", "bind", "source", "/srv", "target", "/v", "read_only", true, "bind_options", hcl{"read_only_non_recursive": true, "read_only_force_recursive": true})}, "Conflicting bind options", cs+".mounts[0].bind_options.read_only_force_recursive"),
		svc("tmpfs option with a space", cs+".mounts", []hcl{mount("type", "tmpfs", "target", "/tmp", "tmpfs_options", hcl{"options": []any{"uid 1000"}})}, attrMatch, cs+".mounts[0].tmpfs_options.options[0]"),
		svc("oom score out of range", cs+".oom_score_adj", 1001, attrValue, cs+".oom_score_adj"),
		svc("memory swappiness out of range", "task_template.resources", hcl{"memory_swappiness": 101}, attrValue, "task_template.resources.memory_swappiness"),
		svc("tmpfs mode zero", cs+".mounts", []hcl{mount("type", "tmpfs", "target", "/tmp", "tmpfs_options", hcl{"mode": "0000"})}, "File mode is zero", cs+".mounts[0].tmpfs_options.mode"),
		svc("environment name with =", cs+".env", map[string]any{"A=B": "1"}, "Invalid environment variable name", cs+`.env["A=B"]`),
		svc("stop grace period negative", cs+".stop_grace_period", "-1s", "Invalid duration", cs+".stop_grace_period"),
		svc("health check command", cs+".healthcheck", hcl{"test": []any{"RUN", "x"}}, "Invalid health check test", cs+".healthcheck.test[0]"),
		svc("health check interval below 1ms", cs+".healthcheck", hcl{"interval": "500us"}, "Duration too short", cs+".healthcheck.interval"),
		svc("health check retries 0", cs+".healthcheck", hcl{"retries": 0}, attrValue, cs+".healthcheck.retries"),
		svc("name server not an IP", cs+".dns_config", hcl{"nameservers": []any{"dns.example"}}, "Invalid IP address", cs+".dns_config.nameservers[0]"),
		svc("seccomp mode", cs+".privileges", hcl{"seccomp": hcl{"mode": "strict"}}, attrMatch, cs+".privileges.seccomp.mode"),
		svc("privileges written empty", cs+".privileges", hcl{}, "Empty object", cs+".privileges"),
		svc("dns config with an empty list", cs+".dns_config", hcl{"search": []any{}}, "Empty object", cs+".dns_config"),
		svc("resolve_image unknown", "resolve_image", "sometimes", attrMatch, "resolve_image"),
		svc("registry_auth without password", "registry_auth", hcl{"username": "ci"}, attrCombination, "registry_auth"),
		svc("ulimit unknown", cs+".ulimits", []hcl{{"name": "files", "soft": 1, "hard": 2}}, "Invalid ulimit", cs+".ulimits[0].name"),
		svc("ulimit soft above hard", cs+".ulimits", []hcl{{"name": "nofile", "soft": 4096, "hard": 1024}}, "Invalid ulimit", cs+".ulimits[0].soft"),
		svc("ulimit below -1", cs+".ulimits", []hcl{{"name": "nofile", "soft": -2, "hard": -1}}, attrValue, cs+".ulimits[0].soft"),
		// Mounts.
		svc("bind mount without source", cs+".mounts", []hcl{mount("type", "bind", "target", "/data")}, "Missing mount source", cs+".mounts[0].source"),
		svc("bind mount with a relative source", cs+".mounts", []hcl{mount("type", "bind", "source", "data", "target", "/data")}, "Invalid mount source", cs+".mounts[0].source"),
		svc("volume mount with a path as source", cs+".mounts", []hcl{mount("type", "volume", "source", "/srv/data", "target", "/data")}, "Invalid mount source", cs+".mounts[0].source"),
		svc("tmpfs mount with a source", cs+".mounts", []hcl{mount("type", "tmpfs", "source", "x", "target", "/tmp")}, "Invalid mount source", cs+".mounts[0].source"),
		svc("mount target relative", cs+".mounts", []hcl{mount("type", "volume", "source", "data", "target", "data")}, "Invalid mount target", cs+".mounts[0].target"),
		svc("mount target root", cs+".mounts", []hcl{mount("type", "volume", "source", "data", "target", "/")}, "Invalid mount target", cs+".mounts[0].target"),
		svc("mount target twice", cs+".mounts", []hcl{mount("type", "volume", "source", "a", "target", "/data"), mount("type", "volume", "source", "b", "target", "/data/")},
			"Duplicate mount target", cs+".mounts[1].target"),
		svc("bind mount with volume options", cs+".mounts", []hcl{mount("type", "bind", "source", "/srv", "target", "/data", "volume_options", hcl{"no_copy": true})},
			"Options of another mount type", cs+".mounts[0].volume_options"),
		svc("volume subpath outside the volume", cs+".mounts", []hcl{mount("type", "volume", "source", "data", "target", "/data", "volume_options", hcl{"subpath": "../etc"})},
			"Invalid volume subpath", cs+".mounts[0].volume_options.subpath"),
		svc("subpath of an anonymous volume", cs+".mounts", []hcl{mount("type", "volume", "target", "/data", "volume_options", hcl{"subpath": "x"})},
			"Invalid volume subpath", cs+".mounts[0].volume_options.subpath"),
		svc("mount type", cs+".mounts", []hcl{mount("type", "nfs", "source", "x", "target", "/data")}, attrMatch, cs+".mounts[0].type"),
		svc("tmpfs mode", cs+".mounts", []hcl{mount("type", "tmpfs", "target", "/tmp", "tmpfs_options", hcl{"mode": "10000"})}, "Invalid file mode", cs+".mounts[0].tmpfs_options.mode"),
		svc("tmpfs size", cs+".mounts", []hcl{mount("type", "tmpfs", "target", "/tmp", "tmpfs_options", hcl{"size": "big"})}, "Invalid size", cs+".mounts[0].tmpfs_options.size"),
		// Secrets and configs.
		svc("secret file name twice", cs+".secrets", []hcl{secretRef("s1"), secretRef("s2")}, "Duplicate secret file name", cs+".secrets[1].file_name"),
		svc("config file name twice", cs+".configs", []hcl{{"config_id": "c1", "file_name": "/etc/app.conf"}, {"config_id": "c2", "file_name": "/etc/app.conf"}},
			"Duplicate config file name", cs+".configs[1].file_name"),
		svc("secret uid not a number", cs+".secrets", []hcl{with(secretRef("s1"), "uid", "root")}, attrMatch, cs+".secrets[0].uid"),
		svc("secret mode", cs+".secrets", []hcl{with(secretRef("s1"), "mode", "10000")}, "Invalid file mode", cs+".secrets[0].mode"),
		// Resources.
		svc("memory that is no size", limits+".memory", "lots", "Invalid size", limits+".memory"),
		svc("memory zero", limits+".memory", "0", "Size is zero", limits+".memory"),
		svc("memory limit below 6M", limits+".memory", "4M", "Size too small", limits+".memory"),
		svc("memory reservation below 4M", "task_template.resources.reservations.memory", "1M", "Size too small", "task_template.resources.reservations.memory"),
		svc("cpus zero", limits+".cpus", 0.0, "Invalid CPU count", limits+".cpus"),
		svc("cpus below a thousandth", limits+".cpus", 0.0001, "Invalid CPU count", limits+".cpus"),
		svc("cpus with ten decimals", limits+".cpus", 0.1234567891, "Invalid CPU count", limits+".cpus"),
		svc("pids zero", limits+".pids", 0, attrValue, limits+".pids"),
		svc("named generic resource", "task_template.resources.reservations.generic_resources", []hcl{{"kind": "gpu", "named_value": "gpu-0"}},
			"Named generic resource", "task_template.resources.reservations.generic_resources[0].named_value"),
		svc("resources written empty", "task_template.resources", hcl{}, "Empty object", "task_template.resources"),
		// Placement.
		svc("constraint with ===", placement+".constraints", []any{"node.role === worker"}, "Invalid placement constraint", placement+".constraints[0]"),
		svc("constraint without operator", placement+".constraints", []any{"node.role ~ worker"}, "Invalid placement constraint", placement+".constraints[0]"),
		svc("constraint with a quote", placement+".constraints", []any{"node.role == worker", `node.labels.zone == "a"`}, "Invalid placement constraint", placement+".constraints[1]"),
		svc("constraint on an unknown key", placement+".constraints", []any{"node.label.zone == a"}, "Unusable placement constraint", placement+".constraints[0]"),
		svc("constraint on a role that is none", placement+".constraints", []any{"node.role == workers"}, "Unusable placement constraint", placement+".constraints[0]"),
		svc("constraint on node.ip that is no address", placement+".constraints", []any{"node.ip == 10.0.0"}, "Unusable placement constraint", placement+".constraints[0]"),
		svc("preference written spread=", placement+".preferences", []any{"spread=node.labels.zone"}, "Invalid placement preference", placement+".preferences[0]"),
		svc("preference on a descriptor that is no label", placement+".preferences", []any{"node.hostname"}, "Invalid placement preference", placement+".preferences[0]"),
		svc("max replicas negative", placement+".max_replicas", -1, attrValue, placement+".max_replicas"),
		// Restart, update, mode.
		svc("restart delay in words", "task_template.restart_policy", hcl{"delay": "5 seconds"}, "Invalid duration", "task_template.restart_policy.delay"),
		svc("restart condition", "task_template.restart_policy", hcl{"condition": "always"}, attrMatch, "task_template.restart_policy.condition"),
		svc("update monitor 0s", "update_config", hcl{"monitor": "0s"}, "Duration too short", "update_config.monitor"),
		svc("update failure ratio above 1", "update_config", hcl{"max_failure_ratio": 1.5}, attrValue, "update_config.max_failure_ratio"),
		svc("update failure ratio with 9 digits", "update_config", hcl{"max_failure_ratio": 0.123456789}, "Number not kept exactly", "update_config.max_failure_ratio"),
		svc("rollback failure action rollback", "rollback_config", hcl{"failure_action": "rollback"}, attrMatch, "rollback_config.failure_action"),
		svc("two kinds of mode", "mode", hcl{"replicated": hcl{"replicas": 2}, "global": hcl{}}, "Invalid service mode", "mode"),
		svc("negative replicas", "mode", hcl{"replicated": hcl{"replicas": -1}}, attrValue, "mode.replicated.replicas"),
		{name: "swarm_service/update settings on a job", kind: "resource", typ: "swarm_service",
			body:    with(with(catalogueService(), "mode", hcl{"replicated_job": hcl{}}), "update_config", hcl{"parallelism": 2}),
			summary: "Update settings on a job", path: "update_config"},
		svc("convergence monitor 0s", "convergence_monitor", "0s", "Duration too short", "convergence_monitor"),
		{name: "swarm_service/convergence monitor without the wait", kind: "resource", typ: "swarm_service",
			body:    with(with(catalogueService(), "wait_for_convergence", false), "convergence_monitor", "5s"),
			summary: "Convergence watch without the wait", path: "convergence_monitor"},
		{name: "swarm_service/convergence monitor on a job", kind: "resource", typ: "swarm_service",
			body:    with(with(catalogueService(), "mode", hcl{"global_job": hcl{}}), "convergence_monitor", "5s"),
			summary: "Convergence watch on a job", path: "convergence_monitor"},
		svc("force update negative", "task_template.force_update", -1, attrValue, "task_template.force_update"),
		svc("log driver without name", "task_template.log_driver", hcl{"options": map[string]any{"max-size": "10m"}}, attrCombination, "task_template.log_driver"),
		// Endpoint.
		svc("published port twice", "endpoint_spec", hcl{"ports": []hcl{port("published_port", 8080), port("published_port", 8080, "target_port", 81)}},
			"Duplicate published port", "endpoint_spec.ports[1].published_port"),
		svc("ingress port with dnsrr", "endpoint_spec", hcl{"mode": "dnsrr", "ports": []hcl{port("published_port", 8080)}},
			"Ingress port with dnsrr", "endpoint_spec.ports[0].publish_mode"),
		svc("target port 0", "endpoint_spec", hcl{"ports": []hcl{port("target_port", 0)}}, attrValue, "endpoint_spec.ports[0].target_port"),
		svc("published port above 65535", "endpoint_spec", hcl{"ports": []hcl{port("published_port", 70000)}}, attrValue, "endpoint_spec.ports[0].published_port"),
		svc("port protocol", "endpoint_spec", hcl{"ports": []hcl{port("protocol", "icmp")}}, attrMatch, "endpoint_spec.ports[0].protocol"),

		// swarm_stack.
		{name: "swarm_stack/name with a space", kind: "resource", typ: "swarm_stack", body: with(catalogueStack(), "name", "my shop"), summary: attrMatch, path: "name"},
		{name: "swarm_stack/convergence monitor 0s", kind: "resource", typ: "swarm_stack", body: with(catalogueStack(), "convergence_monitor", "0s"),
			summary: "Duration too short", path: "convergence_monitor"},
		{name: "swarm_stack/unknown compose key", kind: "resource", typ: "swarm_stack",
			body:    with(catalogueStack(), "compose_files", []any{"version: '3.8'\nservices:\n  web:\n    image: nginx\n", "version: '3.8'\nservices:\n  web:\n    imag: nginx\n"}),
			summary: "Invalid compose file", path: "compose_files[1]"},
		{name: "swarm_stack/compose syntax error", kind: "resource", typ: "swarm_stack",
			body: with(catalogueStack(), "compose_files", []any{"services:\n  web:\n    image: x: y\n"}), summary: "Invalid compose file", path: "compose_files[0]"},
		{name: "swarm_stack/bad env file", kind: "resource", typ: "swarm_stack",
			body: with(catalogueStack(), "env_file", "A=1\nnot a pair\n"), summary: "Invalid compose file", path: "env_file"},

		// swarm_network.
		{name: "swarm_network/name with a space", kind: "resource", typ: "swarm_network", body: hcl{"name": "back end"}, summary: attrMatch, path: "name"},
		{name: "swarm_network/subnet with host bits", kind: "resource", typ: "swarm_network",
			body: hcl{"name": "backend", "ipam": hcl{"configs": []hcl{{"subnet": "10.20.0.1/24"}}}}, summary: "Invalid CIDR", path: "ipam.configs[0].subnet"},
		{name: "swarm_network/gateway outside the subnet", kind: "resource", typ: "swarm_network",
			body: hcl{"name": "backend", "ipam": hcl{"configs": []hcl{{"subnet": "10.20.0.0/24", "gateway": "10.30.0.1"}}}}, summary: "Address outside its subnet", path: "ipam.configs[0].gateway"},
		{name: "swarm_network/aux address not an IP", kind: "resource", typ: "swarm_network",
			body: hcl{"name": "backend", "ipam": hcl{"configs": []hcl{{"subnet": "10.20.0.0/24", "aux_addresses": map[string]any{"router": "r1"}}}}}, summary: "Invalid IP address", path: `ipam.configs[0].aux_addresses["router"]`},
		{name: "swarm_network/encrypted as an option", kind: "resource", typ: "swarm_network",
			body: hcl{"name": "backend", "options": map[string]any{"encrypted": ""}}, summary: attrMatch, path: `options["encrypted"]`},

		// swarm_secret and swarm_config.
		{name: "swarm_secret/name with a space", kind: "resource", typ: "swarm_secret", body: hcl{"name": "db password", "data_wo": "x", "data_wo_version": 1}, summary: attrMatch, path: "name"},
		{name: "swarm_secret/data and data_wo", kind: "resource", typ: "swarm_secret", body: hcl{"name": "db", "data": "x", "data_wo": "x", "data_wo_version": 1}, summary: attrCombination, path: "data"},
		{name: "swarm_secret/reserved label", kind: "resource", typ: "swarm_secret",
			body: hcl{"name": "db", "data_wo": "x", "data_wo_version": 1, "labels": map[string]any{"com.tfswarm.family": "x"}}, summary: "Reserved label", path: `labels["com.tfswarm.family"]`},
		{name: "swarm_secret/base64 that is not", kind: "resource", typ: "swarm_secret",
			body: hcl{"name": "db", "data_wo": "not base64!", "data_wo_version": 1, "data_is_base64": true}, summary: "Invalid base64 content", path: "data_wo"},
		{name: "swarm_secret/versions to keep", kind: "resource", typ: "swarm_secret", body: hcl{"name": "db", "data_wo": "x", "data_wo_version": 1, "versions_to_keep": 101}, summary: attrValue, path: "versions_to_keep"},
		{name: "swarm_secret/no value", kind: "resource", typ: "swarm_secret", body: hcl{"name": "db"}, summary: "Missing secret value", path: "data_wo"},
		{name: "swarm_config/name too long for versions", kind: "resource", typ: "swarm_config", body: hcl{"name": strings.Repeat("c", 57), "data_wo": "x", "data_wo_version": 1}, summary: attrLength, path: "name"},
		{name: "swarm_config/data_wo without version", kind: "resource", typ: "swarm_config", body: hcl{"name": "app", "data_wo": "x"}, summary: attrCombination, path: "data_wo"},
		{name: "swarm_config/templating driver", kind: "resource", typ: "swarm_config", body: hcl{"name": "app", "data_wo": "x", "data_wo_version": 1, "templating": "jinja"}, summary: attrMatch, path: "templating"},

		// swarm_volume.
		{name: "swarm_volume/name of one character", kind: "resource", typ: "swarm_volume", body: hcl{"name": "a"}, summary: attrMatch, path: "name"},
		{name: "swarm_volume/engine host URL", kind: "resource", typ: "swarm_volume", body: hcl{"name": "pgdata", "engine": hcl{"host": "http://10.0.0.2:2375"}}, summary: "Invalid Docker host", path: "engine.host"},
		{name: "swarm_volume/engine without host", kind: "resource", typ: "swarm_volume", body: hcl{"name": "pgdata", "engine": hcl{"cert_path": "/certs"}}, summary: attrCombination, path: "engine"},
		{name: "swarm_volume/engine cert without key", kind: "resource", typ: "swarm_volume", body: hcl{"name": "pgdata", "engine": hcl{"host": "tcp://10.0.0.2:2376", "cert_pem": "C"}}, summary: attrCombination, path: "engine.cert_pem"},

		// swarm_cluster.
		{name: "swarm_cluster/data path port", kind: "resource", typ: "swarm_cluster", body: hcl{"data_path_port": 80}, summary: attrValue, path: "data_path_port"},
		{name: "swarm_cluster/address pool with host bits", kind: "resource", typ: "swarm_cluster", body: hcl{"default_addr_pool": []any{"10.0.0.1/8"}}, summary: "Invalid CIDR", path: "default_addr_pool[0]"},
		{name: "swarm_cluster/subnet size", kind: "resource", typ: "swarm_cluster", body: hcl{"subnet_size": 33}, summary: attrValue, path: "subnet_size"},
		{name: "swarm_cluster/certificates valid for 30 minutes", kind: "resource", typ: "swarm_cluster", body: hcl{"ca_node_cert_expiry": "30m"}, summary: "Duration too short", path: "ca_node_cert_expiry"},
		{name: "swarm_cluster/heartbeat period 0s", kind: "resource", typ: "swarm_cluster", body: hcl{"dispatcher_heartbeat_period": "0s"}, summary: "Duration too short", path: "dispatcher_heartbeat_period"},
		{name: "swarm_cluster/election tick not above heartbeat", kind: "resource", typ: "swarm_cluster", body: hcl{"raft": hcl{"election_tick": 3, "heartbeat_tick": 3}}, summary: "Invalid raft ticks", path: "raft.election_tick"},
		{name: "swarm_cluster/raft snapshot interval 0", kind: "resource", typ: "swarm_cluster", body: hcl{"raft": hcl{"snapshot_interval": 0}}, summary: attrValue, path: "raft.snapshot_interval"},

		// swarm_join and swarm_node.
		{name: "swarm_join/role", kind: "resource", typ: "swarm_join", body: with(catalogueJoin(), "role", "boss"), summary: attrMatch, path: "role"},
		{name: "swarm_join/no manager address", kind: "resource", typ: "swarm_join", body: with(catalogueJoin(), "remote_addrs", []any{}), summary: attrValue, path: "remote_addrs"},
		{name: "swarm_join/no engine", kind: "resource", typ: "swarm_join", body: with(catalogueJoin(), "engine", nil), summary: "Invalid Block", path: "engine"},
		{name: "swarm_join/engine host", kind: "resource", typ: "swarm_join", body: with(catalogueJoin(), "engine.host", "docker.example:2376"), summary: "Invalid Docker host", path: "engine.host"},
		{name: "swarm_node/availability", kind: "resource", typ: "swarm_node", body: hcl{"node": "worker-1", "availability": "off"}, summary: attrMatch, path: "availability"},
		{name: "swarm_node/remove labels it does not manage", kind: "resource", typ: "swarm_node", body: hcl{"node": "worker-1", "remove_labels_on_destroy": true}, summary: attrCombination, path: "remove_labels_on_destroy"},

		// Data sources and the ephemeral resource.
		{name: "data.swarm_nodes/role", kind: "data", typ: "swarm_nodes", body: hcl{"role": "boss"}, summary: attrMatch, path: "role"},
		{name: "data.swarm_nodes/availability", kind: "data", typ: "swarm_nodes", body: hcl{"availability": "paused"}, summary: attrMatch, path: "availability"},
		{name: "data.swarm_service/id and name", kind: "data", typ: "swarm_service", body: hcl{"id": "x", "name": "web"}, summary: attrCombination, path: "id"},
		{name: "data.swarm_service/neither id nor name", kind: "data", typ: "swarm_service", body: hcl{}, summary: "Missing Attribute Configuration", path: ""}, // about no attribute: the whole block
		{name: "data.swarm_secret/id and name", kind: "data", typ: "swarm_secret", body: hcl{"id": "x", "name": "db-password"}, summary: attrCombination, path: "id"},
		{name: "data.swarm_config/neither id nor name", kind: "data", typ: "swarm_config", body: hcl{}, summary: "Missing Attribute Configuration", path: ""},
		{name: "data.swarm_network/id and name", kind: "data", typ: "swarm_network", body: hcl{"id": "x", "name": "backend"}, summary: attrCombination, path: "id"},
		{name: "data.swarm_node/id and hostname", kind: "data", typ: "swarm_node", body: hcl{"id": "x", "hostname": "worker-1"}, summary: attrCombination, path: "id"},
		{name: "data.swarm_services/empty prefix", kind: "data", typ: "swarm_services", body: hcl{"name_prefix": ""}, summary: attrLength, path: "name_prefix"},
		{name: "ephemeral.swarm_join_token/role", kind: "ephemeral", typ: "swarm_join_token", body: hcl{"role": "leader"}, summary: attrMatch, path: "role"},

		// The provider block.
		{name: "provider/host scheme", kind: "provider", body: hcl{"host": "http://docker.example:2375"}, summary: "Invalid Docker host", path: "host"},
		{name: "provider/host port", kind: "provider", body: hcl{"host": "tcp://docker.example:99999"}, summary: "Invalid Docker host", path: "host"},
		{name: "provider/ssh host with a password", kind: "provider", body: hcl{"host": "ssh://ops:pw@docker.example"}, summary: "Invalid Docker host", path: "host"},
		{name: "provider/hosts entry", kind: "provider", body: hcl{"hosts": []any{"tcp://m1:2376", "m2:2376"}}, summary: "Invalid Docker host", path: "hosts[1]"},
		{name: "provider/registry address", kind: "provider", body: hcl{"registry_auth": []hcl{{"address": "not a host", "username": "u", "password": "p"}}}, summary: "Invalid registry address", path: "registry_auth[0].address"},
		{name: "provider/registry twice", kind: "provider", body: hcl{"registry_auth": []hcl{
			{"address": "docker.io", "username": "u", "password": "p"}, {"address": "https://index.docker.io/v1/", "username": "u", "password": "p"},
		}}, summary: "Duplicate registry", path: "registry_auth[1].address"},
		{name: "provider/docker_config path and content", kind: "provider", body: hcl{"docker_config": hcl{"path": "/x", "content": "{}"}}, summary: attrCombination, path: "docker_config.path"},
		{name: "data.swarm_registry_image/name", kind: "data", typ: "swarm_registry_image", body: hcl{"name": "Nginx"}, summary: "Invalid image", path: "name"},
		{name: "provider/host and hosts", kind: "provider", body: hcl{"host": "tcp://m1:2376", "hosts": []any{"tcp://m2:2376"}}, summary: attrCombination, path: "host"},
		{name: "provider/hosts twice the same", kind: "provider", body: hcl{"hosts": []any{"tcp://m1:2376", "tcp://m1:2376"}}, summary: "Duplicate List Value", path: "hosts"},
		{name: "provider/api version", kind: "provider", body: hcl{"api_version": "v1.41"}, summary: attrMatch, path: "api_version"},
		{name: "provider/key without certificate", kind: "provider", body: hcl{"key_pem": "K"}, summary: attrCombination, path: "key_pem"},
		{name: "provider/empty ssh option", kind: "provider", body: hcl{"ssh_opts": []any{"-i", ""}}, summary: attrLength, path: "ssh_opts[1]"},
		{name: "provider/ssh host without TLS verification", kind: "provider", body: hcl{"host": "ssh://ops@m1", "tls_verify": false}, summary: connection, path: "tls_verify"},
		{name: "provider/ssh options on a tcp host", kind: "provider", body: hcl{"host": "tcp://m1:2376", "ssh_opts": []any{"-v"}}, summary: connection, path: "ssh_opts"},
		{name: "provider/verification on a unix host", kind: "provider", body: hcl{"hosts": []any{"tcp://m1:2376", "unix:///run/docker.sock"}, "tls_verify": true}, summary: connection, path: "tls_verify"},
		{name: "provider/context name", kind: "provider", body: hcl{"context": "../prod"}, summary: "Invalid Docker context", path: "context"},
		{name: "provider/context and host", kind: "provider", body: hcl{"context": "prod", "host": "tcp://m1:2376"}, summary: attrCombination, path: "context"},
		{name: "provider/context and hosts", kind: "provider", body: hcl{"context": "prod", "hosts": []any{"tcp://m1:2376"}}, summary: attrCombination, path: "context"},
		{name: "provider/context and a cert path", kind: "provider", body: hcl{"context": "prod", "cert_path": "/certs"}, summary: attrCombination, path: "context"},
		{name: "provider/CA that is no certificate", kind: "provider", body: hcl{"host": "tcp://m1:2376", "ca_pem": "-----BEGIN CERTIFICATE-----"}, summary: connection, path: "ca_pem"},
		{name: "swarm_volume/engine ssh host with a cert path", kind: "resource", typ: "swarm_volume",
			body: hcl{"name": "pgdata", "engine": hcl{"host": "ssh://ops@node-2", "cert_path": "/certs"}}, summary: connection, path: "engine.cert_path"},
		{name: "swarm_join/engine ssh options on a unix host", kind: "resource", typ: "swarm_join",
			body: with(catalogueJoin(), "engine", hcl{"host": "unix:///run/docker.sock", "ssh_opts": []any{"-v"}}), summary: connection, path: "engine.ssh_opts"},
	}
	return cases
}

// catalogueValidate runs Terraform's validation call for the case and returns its diagnostics.
func catalogueValidate(t *testing.T, server tfprotov6.ProviderServer, schemas *tfprotov6.GetProviderSchemaResponse, kind, typ string, body hcl) []*tfprotov6.Diagnostic {
	t.Helper()
	ctx := context.Background()
	var s *tfprotov6.Schema
	switch kind {
	case "resource":
		s = schemas.ResourceSchemas[typ]
	case "data":
		s = schemas.DataSourceSchemas[typ]
	case "ephemeral":
		s = schemas.EphemeralResourceSchemas[typ]
	case "provider":
		s = schemas.Provider
	}
	if s == nil {
		t.Fatalf("no %s schema %q", kind, typ)
	}
	cfg := testDynamicValue(t, s.ValueType(), tfConfig(t, s.Block, body))
	var diags []*tfprotov6.Diagnostic
	var err error
	switch kind {
	case "resource":
		var resp *tfprotov6.ValidateResourceConfigResponse
		resp, err = server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: typ, Config: cfg, ClientCapabilities: testWriteOnlyAllowed})
		if resp != nil {
			diags = resp.Diagnostics
		}
	case "data":
		var resp *tfprotov6.ValidateDataResourceConfigResponse
		resp, err = server.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: typ, Config: cfg})
		if resp != nil {
			diags = resp.Diagnostics
		}
	case "ephemeral":
		var resp *tfprotov6.ValidateEphemeralResourceConfigResponse
		resp, err = server.ValidateEphemeralResourceConfig(ctx, &tfprotov6.ValidateEphemeralResourceConfigRequest{TypeName: typ, Config: cfg})
		if resp != nil {
			diags = resp.Diagnostics
		}
	case "provider":
		var resp *tfprotov6.ValidateProviderConfigResponse
		resp, err = server.ValidateProviderConfig(ctx, &tfprotov6.ValidateProviderConfigRequest{Config: cfg})
		if resp != nil {
			diags = resp.Diagnostics
		}
	}
	if err != nil {
		t.Fatalf("validation call: %v", err)
	}
	return diags
}

func catalogueErrors(diags []*tfprotov6.Diagnostic) []*tfprotov6.Diagnostic {
	var out []*tfprotov6.Diagnostic
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			out = append(out, d)
		}
	}
	return out
}

func describeDiags(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "\n  %s at %q: %s", d.Summary, attributePathString(d.Attribute), d.Detail)
	}
	return b.String()
}

// TestInvalidConfigCatalogue runs the catalogue through the provider's validation, as Terraform
// calls it at plan time: each case fails with exactly the error it names, at its attribute path,
// and the provider's server is never configured, so it cannot reach an Engine. The valid bodies
// the cases start from pass.
func TestInvalidConfigCatalogue(t *testing.T) {
	t.Parallel()
	server, schemas := testProviderServer(t)
	cases := catalogueCases()
	if len(cases) < 60 {
		t.Fatalf("the catalogue has %d cases, want at least 60", len(cases))
	}

	// Every type the provider has is in the catalogue, with a valid body and a case.
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[catalogueKey(tc.kind, tc.typ)] = true
	}
	for typ := range schemas.ResourceSchemas {
		mustCover(t, covered, catalogueKey("resource", typ))
	}
	for typ := range schemas.DataSourceSchemas {
		if _, ok := catalogueBases[catalogueKey("data", typ)]; !ok {
			t.Errorf("no valid body for data source %s", typ)
		}
	}
	for typ := range schemas.EphemeralResourceSchemas {
		mustCover(t, covered, catalogueKey("ephemeral", typ))
	}
	mustCover(t, covered, "provider")

	for name, b := range catalogueBases {
		t.Run("valid/"+name, func(t *testing.T) {
			t.Parallel()
			if errs := catalogueErrors(catalogueValidate(t, server, schemas, b.kind, b.typ, b.body())); len(errs) > 0 {
				t.Fatalf("the valid body is refused:%s", describeDiags(errs))
			}
		})
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("two cases are named %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			errs := catalogueErrors(catalogueValidate(t, server, schemas, tc.kind, tc.typ, tc.body))
			if len(errs) != 1 {
				t.Fatalf("want one error %q at %q, got %d:%s", tc.summary, tc.path, len(errs), describeDiags(errs))
			}
			if got := attributePathString(errs[0].Attribute); errs[0].Summary != tc.summary || got != tc.path {
				t.Fatalf("want %q at %q, got:%s", tc.summary, tc.path, describeDiags(errs))
			}
			if errs[0].Detail == "" {
				t.Errorf("the error %q has no detail", errs[0].Summary)
			}
		})
	}
}

func catalogueKey(kind, typ string) string {
	switch kind {
	case "resource":
		return typ
	case "provider":
		return "provider"
	}
	return kind + "." + typ
}

func mustCover(t *testing.T, covered map[string]bool, key string) {
	t.Helper()
	if _, ok := catalogueBases[key]; !ok {
		t.Errorf("no valid body for %s", key)
	}
	if !covered[key] {
		t.Errorf("no invalid configuration of %s in the catalogue", key)
	}
}

// countingServer is the provider's server with a count of the calls that would reach an Engine:
// ConfigureProvider (which builds the client) and every call after it.
type countingServer struct {
	tfprotov6.ProviderServer
	engineCalls *atomic.Int32
}

func (s countingServer) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	s.engineCalls.Add(1)
	return s.ProviderServer.ConfigureProvider(ctx, req)
}

func (s countingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	s.engineCalls.Add(1)
	return s.ProviderServer.PlanResourceChange(ctx, req)
}

func (s countingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	s.engineCalls.Add(1)
	return s.ProviderServer.ApplyResourceChange(ctx, req)
}

func (s countingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	s.engineCalls.Add(1)
	return s.ProviderServer.ReadDataSource(ctx, req)
}

// TestInvalidConfigCatalogueTerraform runs some of the catalogue through terraform itself:
// Terraform shows the error with the line of the attribute (not the resource's first line), and
// refuses misspelled keys in nested blocks and missing required arguments on its own. DOCKER_HOST
// points at a socket the test listens on: no connection may arrive, and the provider is never
// configured.
func TestInvalidConfigCatalogueTerraform(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	var dialed atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			dialed.Add(1)
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = l.Close() })
	t.Setenv("DOCKER_HOST", "unix://"+socket)

	var engineCalls atomic.Int32
	factories := map[string]func() (tfprotov6.ProviderServer, error){
		"swarm": func() (tfprotov6.ProviderServer, error) {
			s, err := providerserver.NewProtocol6WithError(New("test")())()
			return countingServer{ProviderServer: s, engineCalls: &engineCalls}, err
		},
	}
	service := func(inner string) string {
		return `resource "swarm_service" "test" {
  name = "web"
  task_template {
    container_spec {
      image = "nginx:1.27"
    }
` + inner + `
  }
}
`
	}
	steps := []struct {
		config string
		want   []string // words of the output, in order (Terraform wraps lines)
	}{
		{service(`    resources {
      limits {
        memory = "lots"
      }
    }`), []string{`Error: Invalid size`, `with swarm_service.test,`, `memory = "lots"`}},
		{service(`    placement {
      constraints = ["node.role === worker"]
    }`), []string{`Error: Invalid placement constraint`, `constraints = ["node.role === worker"]`, `value '= worker' is invalid`}},
		{`resource "swarm_service" "test" {
  name = "web"
  task_template {
    container_spec {
      image = "Nginx:Latest:bad"
      hosts = { db = ["db.internal"] }
    }
  }
}
`, []string{`Error: Invalid image`, `image = "Nginx:Latest:bad"`, `Error: Invalid IP address`, `hosts = { db = ["db.internal"] }`}},
		{`resource "swarm_service" "test" {
  name = "shop.api"
  task_template {
    container_spec {
      image = "nginx:1.27"
      mounts {
        type   = "bind"
        target = "/data"
      }
    }
  }
}
`, []string{`Error: Invalid service name`, `name = "shop.api"`, `Error: Missing mount source`, `mounts {`}},
		// Misspelled keys in nested blocks and a missing required argument: Terraform's own errors.
		{service(`    resources {
      limits {
        memroy = "1G"
      }
    }`), []string{`Error: Unsupported argument`, `memroy = "1G"`, `An argument named "memroy" is not expected here.`}},
		{`resource "swarm_network" "test" {
  name = "backend"
  ipam {
    configs {
      subnett = "10.20.0.0/24"
    }
  }
}
`, []string{`Error: Unsupported argument`, `subnett = "10.20.0.0/24"`, `Did you mean "subnet"?`}},
		{`resource "swarm_service" "test" {
  name = "web"
  task_template {
    container_spec {
      image = "nginx:1.27"
    }
  }
  endpoint_spec {
    ports {
      published_port = 8080
    }
  }
}
`, []string{`Error: Missing required argument`, `The argument "target_port" is required`}},
		// Terraform validates the provider block before the configuration that uses it.
		{`provider "swarm" {
  hosts = ["tcp://m1:2376", "http://m2:2375"]
}

data "swarm_nodes" "all" {}
`, []string{`Error: Invalid Docker host`, `hosts = ["tcp://m1:2376", "http://m2:2375"]`, `"http://m2:2375": the host must start with`}},
		{`data "swarm_nodes" "all" {
  role = "boss"
}
`, []string{`Error: Invalid Attribute Value Match`, `with data.swarm_nodes.all,`, `role = "boss"`}},
	}
	var testSteps []resource.TestStep
	for _, s := range steps {
		words := make([]string, len(s.want))
		for i, w := range s.want {
			words[i] = wrappedText(w).String()
		}
		testSteps = append(testSteps, resource.TestStep{
			Config: s.config, PlanOnly: true,
			ExpectError: regexp.MustCompile(`(?s)` + strings.Join(words, `.*`)),
		})
	}
	resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: factories, Steps: testSteps})

	if n := engineCalls.Load(); n != 0 {
		t.Errorf("the provider was configured or asked to plan, apply or read %d times; validation errors must stop Terraform before", n)
	}
	if n := dialed.Load(); n != 0 {
		t.Errorf("%d connections reached DOCKER_HOST; validation must not dial an Engine", n)
	}

	// The control: a valid configuration is planned, which configures the provider, and the plan
	// of a service asks the Engine for its API version, which dials DOCKER_HOST. So both counts
	// above can see what they look for.
	resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: factories, Steps: []resource.TestStep{{
		Config: service(""), PlanOnly: true, ExpectNonEmptyPlan: true,
	}}})
	if engineCalls.Load() == 0 || dialed.Load() == 0 {
		t.Errorf("a valid plan made %d provider calls and %d connections; the counts above cannot see anything", engineCalls.Load(), dialed.Load())
	}
}
