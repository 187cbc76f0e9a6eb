package provider

// Validators of swarm_service attributes and blocks.

import (
	"context"
	"fmt"
	"maps"
	"math"
	"net/netip"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/docker/go-units"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	fwpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/moby/moby/api/types/mount"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// healthcheckTestValidator checks the form of a health check's test.
type healthcheckTestValidator struct{}

func (healthcheckTestValidator) Description(context.Context) string {
	return "the first element is " + strings.Join(serviceHealthcheckTestCommands, ", ")
}
func (v healthcheckTestValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (healthcheckTestValidator) ValidateList(ctx context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	elems := req.ConfigValue.Elements()
	if len(elems) == 0 {
		return
	}
	first, ok := elems[0].(types.String)
	if !ok || first.IsUnknown() {
		return
	}
	cmd := first.ValueString()
	switch {
	case cmd == "NONE" && len(elems) != 1:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid health check test", `["NONE"] takes no further elements.`)
	case (cmd == "CMD" || cmd == "CMD-SHELL") && len(elems) < 2:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid health check test", fmt.Sprintf("%q needs the command after it.", cmd))
	case cmd != "NONE" && cmd != "CMD" && cmd != "CMD-SHELL":
		resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(0), "Invalid health check test",
			fmt.Sprintf("The first element must be one of %s, not %q.", strings.Join(serviceHealthcheckTestCommands, ", "), cmd))
	}
}

// uniquePublishedPortsValidator refuses the same published port (and protocol) twice.
type uniquePublishedPortsValidator struct{}

func (uniquePublishedPortsValidator) Description(context.Context) string {
	return "no published port (with its protocol) may appear twice"
}
func (v uniquePublishedPortsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (uniquePublishedPortsValidator) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	seen := map[string]int{}
	for i, e := range req.ConfigValue.Elements() {
		o, ok := e.(types.Object)
		if !ok || o.IsNull() || o.IsUnknown() {
			continue
		}
		attrs := o.Attributes()
		pub, _ := attrs["published_port"].(types.Int64)
		if pub.IsNull() || pub.IsUnknown() {
			continue
		}
		proto := "tcp"
		if p, ok := attrs["protocol"].(types.String); ok && !p.IsNull() && !p.IsUnknown() {
			proto = p.ValueString()
		}
		key := fmt.Sprintf("%d/%s", pub.ValueInt64(), proto)
		if j, dup := seen[key]; dup {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i).AtName("published_port"), "Duplicate published port",
				fmt.Sprintf("The port %s is already published by ports[%d].", key, j))
			continue
		}
		seen[key] = i
	}
}

// cpusValidator requires a CPU count that the Engine takes and keeps exactly: the manager refuses
// less than a thousandth of a CPU, and it stores billionths of a CPU in an int64, so more than 9
// decimals would read back rounded and more than about 9.2 billion CPUs do not fit.
type cpusValidator struct{}

// Bounds of a CPU count, in billionths of a CPU.
const (
	minNanoCPUs = 1e6 // swarmkit's validateResources
	maxCPUs     = math.MaxInt64 / 1e9
)

func (cpusValidator) Description(context.Context) string {
	return "must be at least 0.001, with at most 9 decimals"
}

func (v cpusValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (cpusValidator) ValidateFloat64(_ context.Context, req validator.Float64Request, resp *validator.Float64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	c := req.ConfigValue.ValueFloat64()
	if math.IsNaN(c) || c >= maxCPUs {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CPU count",
			fmt.Sprintf("%s is %v; the Engine keeps CPUs in billionths in a 64-bit integer, so it must be less than %v.", req.Path, c, maxCPUs))
		return
	}
	n := cpusToNano(&c)
	switch {
	case n < minNanoCPUs:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CPU count",
			fmt.Sprintf("%s is %v; Swarm takes at least 0.001 CPUs (leave it out for no limit).", req.Path, c))
	case *nanoToCPUs(n) != c:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CPU count",
			fmt.Sprintf("%s is %v, but the Engine keeps CPUs in billionths and would read it back as %v: write at most 9 decimals.",
				req.Path, c, *nanoToCPUs(n)))
	}
}

// ---- names ----

// swarmNamePattern is swarmkit's rule for service and network names (controlapi's
// isValidDNSName): a DNS label component of letters and digits, with `-` or `_` only between
// them. Swarm also limits the name to 63 characters.
var swarmNamePattern = regexp.MustCompile(`^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$`)

// serviceNameValidator refuses a name the manager refuses ("name must be valid as a DNS name
// component").
type serviceNameValidator struct{}

func (serviceNameValidator) Description(context.Context) string {
	return "must be letters and digits, with `-` or `_` only between them (a DNS label), at most 63 characters"
}

func (v serviceNameValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v serviceNameValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if len(s) > 63 || !swarmNamePattern.MatchString(s) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid service name",
			fmt.Sprintf("%q is not a name Swarm accepts: a service name %s (it is the service's DNS name on its networks).", s, v.Description(ctx)))
	}
}

// ---- environment and extra hosts ----

// envKeysValidator refuses an environment variable name that is empty or holds `=`: the Engine
// keeps NAME=value lines, so such a name reads back as another one.
type envKeysValidator struct{}

func (envKeysValidator) Description(context.Context) string {
	return "names must not be empty or hold `=`"
}

func (v envKeysValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (envKeysValidator) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(req.ConfigValue.Elements())) {
		if k == "" || strings.Contains(k, "=") {
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(k), "Invalid environment variable name",
				fmt.Sprintf("%q is not a variable name: the Engine keeps NAME=value lines, so a name must not be empty or hold `=`.", k))
		}
	}
}

// hostGateway is the Engine's special extra-host address: the host's gateway IP.
const hostGateway = "host-gateway"

// extraHostsValidator checks `hosts`: each host name is one word without `:`, each address an
// IP address (or host-gateway), as the Engine's ValidateExtraHost requires when it starts the
// task's container.
type extraHostsValidator struct{}

func (extraHostsValidator) Description(context.Context) string {
	return "host names must be one word without `:`; addresses must be IPv4 or IPv6 addresses, or `" + hostGateway + "`"
}

func (v extraHostsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (extraHostsValidator) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	elems := req.ConfigValue.Elements()
	for _, h := range slices.Sorted(maps.Keys(elems)) {
		p := req.Path.AtMapKey(h)
		if err := checkExtraHostName(h); err != nil {
			resp.Diagnostics.AddAttributeError(p, "Invalid host name", err.Error())
		}
		addrs, ok := elems[h].(types.List)
		if !ok || addrs.IsNull() || addrs.IsUnknown() {
			continue
		}
		if len(addrs.Elements()) == 0 {
			resp.Diagnostics.AddAttributeError(p, "No address", fmt.Sprintf("%s names no address: give at least one, or leave the host name out.", p))
		}
		seen := map[string]bool{}
		for i, e := range addrs.Elements() {
			ip, ok := e.(types.String)
			if !ok || ip.IsNull() || ip.IsUnknown() {
				continue
			}
			// The error names the host, not the list index: Terraform cannot point at an element
			// of a list inside a map and would show the enclosing block instead.
			if err := checkExtraHostAddress(ip.ValueString()); err != nil {
				resp.Diagnostics.AddAttributeError(p, "Invalid IP address", fmt.Sprintf("address %d of %q: %v", i+1, h, err))
			} else if seen[ip.ValueString()] {
				resp.Diagnostics.AddAttributeError(p, "Duplicate address", fmt.Sprintf("%q is given twice for %q.", ip.ValueString(), h))
			}
			seen[ip.ValueString()] = true
		}
	}
}

// checkExtraHostName: the Engine writes hosts as "IP name" lines and hands them to the container
// as "name:IP", split at the first `:`.
func checkExtraHostName(h string) error {
	if h == "" || strings.ContainsFunc(h, unicode.IsSpace) || strings.Contains(h, ":") {
		return fmt.Errorf("%q is not a host name for /etc/hosts: it must be one word, without spaces or `:`", h)
	}
	return nil
}

// checkExtraHostAddress accepts what the Engine's ValidateExtraHost accepts: an IP address
// without a zone, or host-gateway.
func checkExtraHostAddress(s string) error {
	if s == hostGateway {
		return nil
	}
	if a, err := netip.ParseAddr(s); err != nil || a.Zone() != "" {
		return fmt.Errorf("%q is not an IPv4 or IPv6 address (nor %s): the Engine refuses the extra host when it starts the task", s, hostGateway)
	}
	return nil
}

// ---- mounts ----

// mountValidator checks one mount as the Engine does when it starts the task (the swarm
// executor's validateMounts and the daemon's mount validation): an absolute target other than
// `/`; a bind mount takes an absolute host path as source, a volume mount a volume name (or
// nothing for an anonymous volume), a tmpfs no source; options only of the mount's own type; a
// volume subpath only on a named volume, inside it.
type mountValidator struct{}

func (mountValidator) Description(context.Context) string {
	return "the target is an absolute path other than `/`; a bind mount needs an absolute `source`, a volume mount's `source` is a volume name, a tmpfs takes no `source`; options only of the mount's own type"
}

func (v mountValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (mountValidator) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	attrs := req.ConfigValue.Attributes()
	str := func(name string) (string, bool, bool) { // value, set, known
		s, ok := attrs[name].(types.String)
		if !ok || s.IsUnknown() {
			return "", !ok || !s.IsNull(), false
		}
		return s.ValueString(), !s.IsNull(), true
	}
	kind, _, kindKnown := str("type")
	if !kindKnown {
		return
	}
	// Empty values are refused by their attributes' own validators.
	if target, set, known := str("target"); set && known && target != "" {
		if err := checkMountTarget(target); err != nil {
			resp.Diagnostics.AddAttributeError(req.Path.AtName("target"), "Invalid mount target", err.Error())
		}
	}
	source, sourceSet, sourceKnown := str("source")
	switch {
	case !sourceKnown, sourceSet && source == "":
	case kind == string(mount.TypeBind) && !sourceSet:
		resp.Diagnostics.AddAttributeError(req.Path.AtName("source"), "Missing mount source",
			"A bind mount needs `source`: the absolute path on the node to mount into the container.")
	case kind == string(mount.TypeBind) && !absolutePath(source):
		resp.Diagnostics.AddAttributeError(req.Path.AtName("source"), "Invalid mount source",
			fmt.Sprintf("%q is not an absolute path: the source of a bind mount is an absolute path on the node.", source))
	case kind == string(mount.TypeVolume) && sourceSet && absolutePath(source):
		resp.Diagnostics.AddAttributeError(req.Path.AtName("source"), "Invalid mount source",
			fmt.Sprintf("%q is a path: the source of a volume mount is a volume name. Use type = \"bind\" to mount a path of the node.", source))
	case kind == string(mount.TypeImage) && !sourceSet:
		resp.Diagnostics.AddAttributeError(req.Path.AtName("source"), "Missing mount source",
			"An image mount needs `source`: the image whose filesystem is mounted into the container.")
	case kind == string(mount.TypeImage):
		if err := checkImage(source); err != nil {
			resp.Diagnostics.AddAttributeError(req.Path.AtName("source"), "Invalid mount source", err.Error())
		}
	case kind == string(mount.TypeTmpfs) && sourceSet:
		resp.Diagnostics.AddAttributeError(req.Path.AtName("source"), "Invalid mount source",
			"A tmpfs mount takes no source: leave `source` out.")
	}
	for _, o := range []struct{ block, kind string }{
		{"bind_options", string(mount.TypeBind)}, {"volume_options", string(mount.TypeVolume)}, {"tmpfs_options", string(mount.TypeTmpfs)},
		{"image_options", string(mount.TypeImage)},
	} {
		if v, ok := attrs[o.block]; ok && !v.IsNull() && kind != o.kind {
			resp.Diagnostics.AddAttributeError(req.Path.AtName(o.block), "Options of another mount type",
				fmt.Sprintf("%s apply to %s mounts only; this mount's type is %s. The Engine refuses the mount when it starts the task.", o.block, o.kind, kind))
		}
	}
	if bo, ok := attrs["bind_options"].(types.Object); ok && kind == string(mount.TypeBind) && setAndKnown(bo) {
		checkReadOnlyRecursion(req.Path, attrs["read_only"], bo.Attributes(), resp)
	}
	if vo, ok := attrs["volume_options"].(types.Object); ok && kind == string(mount.TypeVolume) && setAndKnown(vo) {
		if sp, ok := vo.Attributes()["subpath"].(types.String); ok && setAndKnown(sp) {
			p := req.Path.AtName("volume_options").AtName("subpath")
			switch {
			case sourceKnown && !sourceSet:
				resp.Diagnostics.AddAttributeError(p, "Invalid volume subpath",
					"An anonymous volume (no `source`) has no subpath: name the volume in `source`.")
			case !localPath(sp.ValueString()):
				resp.Diagnostics.AddAttributeError(p, "Invalid volume subpath",
					fmt.Sprintf("%q is not a relative path inside the volume (no leading `/`, no `..`).", sp.ValueString()))
			}
		}
	}
}

// checkReadOnlyRecursion: read_only_non_recursive and read_only_force_recursive each need a
// read-only mount and exclude each other, as the Engine checks when it starts the task.
func checkReadOnlyRecursion(p fwpath.Path, readOnly attr.Value, bind map[string]attr.Value, resp *validator.ObjectResponse) {
	isTrue := func(v attr.Value) bool {
		b, ok := v.(types.Bool)
		return ok && !b.IsNull() && !b.IsUnknown() && b.ValueBool()
	}
	if ro, ok := readOnly.(types.Bool); !ok || ro.IsUnknown() {
		return
	}
	nonRec, force := isTrue(bind["read_only_non_recursive"]), isTrue(bind["read_only_force_recursive"])
	bp := p.AtName("bind_options")
	switch {
	case nonRec && force:
		resp.Diagnostics.AddAttributeError(bp.AtName("read_only_force_recursive"), "Conflicting bind options",
			"read_only_non_recursive and read_only_force_recursive exclude each other: set at most one.")
	case (nonRec || force) && !isTrue(readOnly):
		name := "read_only_non_recursive"
		if force {
			name = "read_only_force_recursive"
		}
		resp.Diagnostics.AddAttributeError(bp.AtName(name), "Bind option needs a read-only mount",
			name+" applies to read-only mounts only: set `read_only = true` on the mount, or leave "+name+" out. The Engine refuses the mount when it starts the task.")
	}
}

// checkMountTarget: the container path of a mount is absolute and not the root.
func checkMountTarget(t string) error {
	if !absolutePath(t) {
		return fmt.Errorf("%q is not an absolute path: the target of a mount is an absolute path in the container", t)
	}
	if path.Clean(strings.ReplaceAll(t, `\`, `/`)) == "/" {
		return fmt.Errorf("%q is the container's root: a mount cannot replace it", t)
	}
	return nil
}

// absolutePath says whether p is absolute for the node that runs the task, which may be Linux
// (`/data`) or Windows (`C:\data`, `\\server\share`): the provider cannot know which.
func absolutePath(p string) bool {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\\`) {
		return true
	}
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') &&
		(p[0] >= 'a' && p[0] <= 'z' || p[0] >= 'A' && p[0] <= 'Z')
}

// localPath is filepath.IsLocal with `/` and `\` both separators: relative, not empty, not
// escaping with `..`.
func localPath(p string) bool {
	if p == "" || absolutePath(p) || strings.HasPrefix(p, `\`) {
		return false
	}
	c := path.Clean(strings.ReplaceAll(p, `\`, `/`))
	return c != ".." && !strings.HasPrefix(c, "../")
}

// uniqueTargetsValidator refuses two list items with the same value of attr: mounts with the
// same target (the manager refuses "duplicate mount point"), secrets or configs with the same
// file name (it refuses "conflicting target"). clean compares paths cleaned, as the daemon does
// for mount points.
type uniqueTargetsValidator struct {
	attr, what string
	clean      bool
}

func (v uniqueTargetsValidator) Description(context.Context) string {
	return "no two may have the same `" + v.attr + "`"
}

func (v uniqueTargetsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v uniqueTargetsValidator) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	seen := map[string]int{}
	for i, e := range req.ConfigValue.Elements() {
		o, ok := e.(types.Object)
		if !ok || !setAndKnown(o) {
			continue
		}
		s, ok := o.Attributes()[v.attr].(types.String)
		if !ok || !setAndKnown(s) {
			continue
		}
		key := s.ValueString()
		if v.clean {
			key = path.Clean(strings.ReplaceAll(key, `\`, `/`))
		}
		if j, dup := seen[key]; dup {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i).AtName(v.attr), "Duplicate "+v.what,
				fmt.Sprintf("%q is already the %s of %s: Swarm refuses two with the same one.", s.ValueString(), v.what, req.Path.AtListIndex(j)))
			continue
		}
		seen[key] = i
	}
}

// ulimitValidator checks a ulimit as the Docker CLI's parser (go-units ParseUlimit) does: a name
// the Engine knows, and a soft limit no higher than the hard one (-1 is unlimited).
type ulimitValidator struct{}

func (ulimitValidator) Description(context.Context) string {
	return "a ulimit the Engine knows, with `soft` no higher than `hard` (`-1` is unlimited)"
}

func (v ulimitValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (ulimitValidator) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	attrs := req.ConfigValue.Attributes()
	name, _ := attrs["name"].(types.String)
	soft, _ := attrs["soft"].(types.Int64)
	hard, _ := attrs["hard"].(types.Int64)
	if !setAndKnown(name) {
		return
	}
	if _, err := units.ParseUlimit(name.ValueString() + "=1"); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path.AtName("name"), "Invalid ulimit",
			fmt.Sprintf("%q is not a ulimit the Engine knows: one of %s.", name.ValueString(), strings.Join(ulimitNames, ", ")))
		return
	}
	if !setAndKnown(soft) || !setAndKnown(hard) {
		return
	}
	if _, err := units.ParseUlimit(fmt.Sprintf("%s=%d:%d", name.ValueString(), soft.ValueInt64(), hard.ValueInt64())); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path.AtName("soft"), "Invalid ulimit", err.Error()+".")
	}
}

// ulimitNames are the names go-units (and so the Engine) knows.
var ulimitNames = []string{"core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"}

// ---- resources ----

// Lower bounds of memory sizes.
const (
	linuxMinMemory = 6 << 20 // the daemon's linuxMinMemory: a smaller container memory limit is refused
	swarmMinMemory = 4 << 20 // swarmkit's validateResources: a smaller limit or reservation is refused
)

// sizeAtLeast refuses a size below min (0, which means not set, is positiveSize's to report).
type sizeAtLeast struct {
	min int64
	why string
}

func (v sizeAtLeast) Description(context.Context) string {
	return "at least `" + formatSize(v.min) + "`"
}

func (v sizeAtLeast) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v sizeAtLeast) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	n, err := parseSize(req.ConfigValue.ValueString())
	if err != nil || n == 0 || n >= v.min {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Size too small",
		fmt.Sprintf("%s is %q (%d bytes), but must be at least %s: %s", req.Path, req.ConfigValue.ValueString(), n, formatSize(v.min), v.why))
}

// namedGenericResourceValidator refuses a named generic resource in a reservation: the manager
// takes it, but its scheduler can only count resources (genericresource.HasEnough fails for a
// named one), so no node ever qualifies and the tasks stay pending.
type namedGenericResourceValidator struct{}

func (namedGenericResourceValidator) Description(context.Context) string {
	return "cannot be used: Swarm places no task that reserves a named resource; reserve a count with `discrete_value`"
}

func (v namedGenericResourceValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v namedGenericResourceValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Named generic resource",
		"A service "+v.Description(ctx)+" (the scheduler only counts generic resources, and its tasks would stay pending). "+
			"Named resources are what nodes advertise (dockerd's --node-generic-resource); a service asks for how many.")
}

// ---- placement ----

// constraintValidator checks a placement constraint with the scheduler's own grammar
// (swarm.ParseConstraint), and refuses one that can never be what was meant
// (swarm.CheckConstraintMatchable).
type constraintValidator struct{}

func (constraintValidator) Description(context.Context) string {
	return "`<key> == <value>` or `<key> != <value>`, where the key is node.id, node.hostname, node.ip, node.role, node.platform.os, node.platform.arch, node.labels.<label> or engine.labels.<label>"
}

func (v constraintValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v constraintValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	c, err := swarm.ParseConstraint(s)
	if err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid placement constraint",
			fmt.Sprintf("Swarm cannot parse %q: %s. A constraint is %s.", s, err, v.Description(ctx)))
		return
	}
	if err := swarm.CheckConstraintMatchable(c); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Unusable placement constraint",
			fmt.Sprintf("%q: %s.", s, err))
	}
}

// spreadValidator checks a spread preference's descriptor (swarm.CheckSpreadDescriptor).
type spreadValidator struct{}

func (spreadValidator) Description(context.Context) string {
	return "`node.labels.<label>` or `engine.labels.<label>`"
}

func (v spreadValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (spreadValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := swarm.CheckSpreadDescriptor(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid placement preference", err.Error()+".")
	}
}

// ---- endpoint ----

// dnsrrIngressValidator refuses a port published through the routing mesh (`ingress`, the
// default) on a service reached by DNS round robin: the manager refuses it ("port published with
// ingress mode can't be used with dnsrr mode").
type dnsrrIngressValidator struct{}

func (dnsrrIngressValidator) Description(context.Context) string {
	return "with mode `dnsrr`, ports must be published in `host` mode"
}

func (v dnsrrIngressValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (dnsrrIngressValidator) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	attrs := req.ConfigValue.Attributes()
	mode, ok := attrs["mode"].(types.String)
	if !ok || !setAndKnown(mode) || mode.ValueString() != "dnsrr" {
		return
	}
	ports, ok := attrs["ports"].(types.List)
	if !ok || !setAndKnown(ports) {
		return
	}
	for i, e := range ports.Elements() {
		o, ok := e.(types.Object)
		if !ok || !setAndKnown(o) {
			continue
		}
		pm, ok := o.Attributes()["publish_mode"].(types.String)
		if !ok || pm.IsUnknown() || (!pm.IsNull() && pm.ValueString() != string(apiswarm.PortConfigPublishModeIngress)) {
			continue
		}
		resp.Diagnostics.AddAttributeError(req.Path.AtName("ports").AtListIndex(i).AtName("publish_mode"), "Ingress port with dnsrr",
			"This port is published through the routing mesh (`ingress`, the default), which needs a virtual IP: with mode = \"dnsrr\", "+
				"set publish_mode = \"host\", or use mode = \"vip\". Swarm refuses the combination.")
	}
}

// monitorNeedsWait refuses convergence_monitor with wait_for_convergence = false: without the
// wait there is nothing to watch in.
type monitorNeedsWait struct{}

func (monitorNeedsWait) Description(context.Context) string {
	return "must be left out when wait_for_convergence is false"
}

func (v monitorNeedsWait) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (monitorNeedsWait) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() {
		return
	}
	var wait types.Bool
	if d := req.Config.GetAttribute(ctx, fwpath.Root("wait_for_convergence"), &wait); d.HasError() {
		return
	}
	if !wait.IsNull() && !wait.IsUnknown() && !wait.ValueBool() {
		resp.Diagnostics.AddAttributeError(req.Path, "Convergence watch without the wait",
			fmt.Sprintf("%s is set, but wait_for_convergence is false: create and update do not wait, so there is nothing to watch in. Leave %s out, or wait.", req.Path, req.Path))
	}
}
