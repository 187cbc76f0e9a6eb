package swarm

// Loading a compose file and converting it into Engine specs, exactly as `docker stack deploy`
// does: with the Docker CLI's own packages (cli/compose/loader, cli/compose/convert). Nothing here
// talks to the Engine; stack.go deploys what this produces.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/distribution/reference"
	"github.com/docker/cli/cli/compose/convert"
	"github.com/docker/cli/cli/compose/loader"
	"github.com/docker/cli/cli/compose/schema"
	composetypes "github.com/docker/cli/cli/compose/types"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
	"go.yaml.in/yaml/v3"
)

// LabelNamespace is the label `docker stack deploy` puts on everything of a stack.
const LabelNamespace = convert.LabelNamespace

// LabelStackImage is the label on a stack service that keeps the image as the file wrote it.
const LabelStackImage = convert.LabelImage

// StackSource is what swarm_stack loads: the compose files' contents in order (later files
// override earlier ones, like `-c a.yml -c b.yml`), the variables for ${VAR} interpolation, the
// content of an `.env`-style file of defaults (the variables win over it), and the directory that
// relative paths in the files (`file:` secrets and configs, bind mounts) are relative to.
type StackSource struct {
	Files      []string
	Variables  map[string]string
	DotEnv     string
	WorkingDir string
}

// ComposeError is a compose file that cannot be loaded, located as precisely as the loader allows.
type ComposeError struct {
	// File is the index of the file in StackSource.Files, -1 when the error is not about one file.
	File int
	// Line is the 1-based line of the offending key, 0 when unknown.
	Line int
	// Key is the dotted path of the offending key ("services.web.deploy.replicaz"), "" when unknown.
	Key string
	Err error
}

func (e *ComposeError) Error() string {
	var where []string
	if e.File >= 0 {
		where = append(where, fmt.Sprintf("compose file %d", e.File+1))
	}
	if e.Line > 0 && !strings.Contains(e.Err.Error(), fmt.Sprintf("line %d", e.Line)) {
		where = append(where, fmt.Sprintf("line %d", e.Line))
	}
	if e.Key != "" {
		where = append(where, fmt.Sprintf("key %q", e.Key))
	}
	if len(where) == 0 {
		return e.Err.Error()
	}
	return strings.Join(where, ", ") + ": " + e.Err.Error()
}

func (e *ComposeError) Unwrap() error { return e.Err }

// LoadCompose loads and merges the files like `docker stack deploy` does, and returns the warnings
// it would print (unsupported and deprecated options).
func LoadCompose(src StackSource) (*composetypes.Config, []string, error) {
	if len(src.Files) == 0 {
		return nil, nil, &ComposeError{File: -1, Err: errors.New("no compose file given")}
	}
	env, err := ParseDotEnv(src.DotEnv)
	if err != nil {
		return nil, nil, err
	}
	maps.Copy(env, src.Variables)
	wd := src.WorkingDir
	if wd == "" {
		wd = "."
	}
	if abs, err := filepath.Abs(wd); err == nil {
		wd = abs
	}
	files := make([]composetypes.ConfigFile, 0, len(src.Files))
	for i, content := range src.Files {
		dict, err := loader.ParseYAML([]byte(content))
		if err != nil {
			return nil, nil, &ComposeError{File: i, Line: yamlErrorLine(err), Err: err}
		}
		files = append(files, composetypes.ConfigFile{Filename: fmt.Sprintf("compose file %d", i+1), Config: dict})
	}
	// Each file alone first, so that an error names its file, line and key.
	for i, f := range files {
		details := composetypes.ConfigDetails{WorkingDir: wd, ConfigFiles: []composetypes.ConfigFile{f}, Environment: env, Version: schema.Version(f.Config)}
		if _, err := loader.Load(details); err != nil {
			return nil, nil, locateComposeError(i, src.Files[i], err)
		}
	}
	details := composetypes.ConfigDetails{WorkingDir: wd, ConfigFiles: files, Environment: env, Version: schema.Version(files[0].Config)}
	cfg, err := loader.Load(details)
	if err != nil {
		return nil, nil, &ComposeError{File: -1, Err: err}
	}
	dicts := make([]map[string]any, len(files))
	for i, f := range files {
		dicts[i] = f.Config
	}
	var warnings []string
	if u := loader.GetUnsupportedProperties(dicts...); len(u) > 0 {
		warnings = append(warnings, "Ignoring unsupported options: "+strings.Join(u, ", "))
	}
	for name, desc := range loader.GetDeprecatedProperties(dicts...) {
		warnings = append(warnings, "Ignoring deprecated option "+name+": "+desc)
	}
	slices.Sort(warnings)
	for _, svc := range cfg.Services {
		if svc.Image == "" {
			return nil, nil, &ComposeError{File: -1, Key: "services." + svc.Name + ".image", Err: fmt.Errorf("invalid image reference for service %s: no image specified", svc.Name)}
		}
		if _, err := reference.ParseAnyReference(svc.Image); err != nil {
			return nil, nil, &ComposeError{File: -1, Key: "services." + svc.Name + ".image", Err: fmt.Errorf("invalid image reference for service %s: %w", svc.Name, err)}
		}
	}
	return cfg, warnings, nil
}

// ParseDotEnv reads KEY=VALUE lines like `docker run --env-file` does: blank lines and lines
// starting with # are skipped, the value is taken as written (no quotes are removed).
func ParseDotEnv(content string) (map[string]string, error) {
	env := map[string]string{}
	for i, line := range strings.Split(content, "\n") {
		line = strings.TrimLeft(strings.TrimSuffix(line, "\r"), " \t")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, &ComposeError{File: -1, Line: i + 1, Err: fmt.Errorf("the .env line %q is not KEY=VALUE", line)}
		}
		env[k] = v
	}
	return env, nil
}

var (
	yamlLineRE    = regexp.MustCompile(`line (\d+)`)
	schemaErrorRE = regexp.MustCompile(`^([^:]+): (.*)$`)
	additionalRE  = regexp.MustCompile(`additional propert(?:y|ies) '([^']+)'`)
)

func yamlErrorLine(err error) int {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	var n int
	_, _ = fmt.Sscanf(m[1], "%d", &n)
	return n
}

// locateComposeError finds the line of the key a schema error is about.
func locateComposeError(file int, content string, err error) error {
	ce := &ComposeError{File: file, Err: err}
	var fpe *loader.ForbiddenPropertiesError
	if errors.As(err, &fpe) {
		for svc, props := range fpe.Properties {
			ce.Key = "services." + svc
			ce.Err = fmt.Errorf("unsupported option in service %s: %s", svc, props)
		}
	} else if m := schemaErrorRE.FindStringSubmatch(err.Error()); m != nil && !strings.Contains(m[1], " ") {
		ce.Key = m[1]
		if m[1] == "(root)" {
			ce.Key = ""
		}
		if a := additionalRE.FindStringSubmatch(m[2]); a != nil {
			ce.Key = strings.TrimPrefix(ce.Key+"."+a[1], ".")
		}
	}
	if ce.Key != "" {
		ce.Line = keyLine(content, strings.Split(ce.Key, "."))
	}
	return ce
}

// keyLine is the line of the deepest key of path found in the YAML document (0 when none).
func keyLine(content string, path []string) int {
	var doc yaml.Node
	if yaml.Unmarshal([]byte(content), &doc) != nil || len(doc.Content) == 0 {
		return 0
	}
	n, line := doc.Content[0], 0
	for _, p := range path {
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					line, next = n.Content[i].Line, n.Content[i+1]
					break
				}
			}
		case yaml.SequenceNode:
			var idx int
			if _, err := fmt.Sscanf(p, "%d", &idx); err == nil && idx >= 0 && idx < len(n.Content) {
				next = n.Content[idx]
				line = next.Line
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

// StackObject is a secret or a config of the stack.
type StackObject struct {
	Kind Kind
	// Key is the name in the compose file; Name the Engine name (<stack>_<key>, or the `name:` the
	// file gives, or the external name).
	Key      string
	Name     string
	External bool
	Labels   map[string]string
	Data     []byte
	Driver   *swarm.Driver
	Template *swarm.Driver
}

// Digest is the SHA-256 of the content: what state keeps instead of the content.
func (o StackObject) Digest() string {
	sum := sha256.Sum256(o.Data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// StackSpec is everything `docker stack deploy` would create for a stack.
type StackSpec struct {
	Namespace string
	// Networks are the stack's own networks by Engine name; ExternalNetworks the external ones.
	Networks         map[string]client.NetworkCreateOptions
	ExternalNetworks []string
	Secrets          []StackObject
	Configs          []StackObject
	// Services by their compose name. Secret and config references carry names only; the deploy
	// fills in the IDs of the objects it resolved.
	Services map[string]swarm.ServiceSpec
}

// ServiceNames lists the compose names of the services, sorted.
func (s StackSpec) ServiceNames() []string {
	return slices.Sorted(maps.Keys(s.Services))
}

// ConvertStack turns a loaded file into Engine specs with the CLI's converter. Secret and config
// contents are read here (from their files or environment variables).
func ConvertStack(ctx context.Context, namespace string, cfg *composetypes.Config) (StackSpec, error) {
	ns := convert.NewNamespace(namespace)
	out := StackSpec{Namespace: namespace}
	serviceNetworks := map[string]struct{}{}
	for _, svc := range cfg.Services {
		if len(svc.Networks) == 0 {
			serviceNetworks["default"] = struct{}{}
		}
		for nw := range svc.Networks {
			serviceNetworks[nw] = struct{}{}
		}
	}
	out.Networks, out.ExternalNetworks = convert.Networks(ns, cfg.Networks, serviceNetworks)
	for name, opts := range out.Networks {
		if opts.Driver == "" {
			opts.Driver = "overlay" // as stack deploy's createNetworks
			out.Networks[name] = opts
		}
	}
	slices.Sort(out.ExternalNetworks)

	secretSpecs, err := convert.Secrets(ns, cfg.Secrets)
	if err != nil {
		return StackSpec{}, err
	}
	for _, s := range secretSpecs {
		out.Secrets = append(out.Secrets, StackObject{Kind: KindSecret, Name: s.Name, Labels: s.Labels, Data: s.Data, Driver: s.Driver, Template: s.Templating})
	}
	configSpecs, err := convert.Configs(ns, cfg.Configs)
	if err != nil {
		return StackSpec{}, err
	}
	for _, c := range configSpecs {
		out.Configs = append(out.Configs, StackObject{Kind: KindConfig, Name: c.Name, Labels: c.Labels, Data: c.Data, Template: c.Templating})
	}
	out.Secrets = withKeys(ns, out.Secrets, cfg.Secrets)
	out.Configs = withKeys(ns, out.Configs, cfg.Configs)

	// The converter resolves references to IDs through the API; nameResolver answers with the
	// names, the deploy puts the real IDs in.
	services, err := convert.Services(ctx, ns, cfg, nameResolver{})
	if err != nil {
		return StackSpec{}, err
	}
	out.Services = services
	return out, nil
}

// withKeys fills Key (the compose name) and adds the external objects, which the converter skips.
func withKeys[T composetypes.SecretConfig | composetypes.ConfigObjConfig](ns convert.Namespace, objs []StackObject, decl map[string]T) []StackObject {
	byName := map[string]string{}
	var external []StackObject
	for _, key := range slices.Sorted(maps.Keys(decl)) {
		o := composetypes.FileObjectConfig(decl[key])
		name := ns.Scope(key)
		if o.Name != "" {
			name = o.Name
		}
		byName[name] = key
		if o.External.External {
			k := KindSecret
			if _, ok := any(decl[key]).(composetypes.ConfigObjConfig); ok {
				k = KindConfig
			}
			external = append(external, StackObject{Kind: k, Key: key, Name: name, External: true})
		}
	}
	for i := range objs {
		objs[i].Key = byName[objs[i].Name]
	}
	objs = append(objs, external...)
	slices.SortFunc(objs, func(a, b StackObject) int { return strings.Compare(a.Key, b.Key) })
	return objs
}

// nameResolver is the API client the converter asks for secret and config IDs: it answers every
// name with itself as the ID (the deploy resolves the real objects).
type nameResolver struct{ client.APIClient }

func (nameResolver) SecretList(_ context.Context, opts client.SecretListOptions) (client.SecretListResult, error) {
	var out client.SecretListResult
	for name := range opts.Filters["name"] {
		out.Items = append(out.Items, swarm.Secret{ID: name, Spec: swarm.SecretSpec{Annotations: swarm.Annotations{Name: name}}})
	}
	return out, nil
}

func (nameResolver) ConfigList(_ context.Context, opts client.ConfigListOptions) (client.ConfigListResult, error) {
	var out client.ConfigListResult
	for name := range opts.Filters["name"] {
		out.Items = append(out.Items, swarm.Config{ID: name, Spec: swarm.ConfigSpec{Annotations: swarm.Annotations{Name: name}}})
	}
	return out, nil
}

// CanonicalSpec is the part of a service spec that swarm_stack compares, as indented JSON with
// empty values left out: the replica count (kept apart), the IDs of secrets and configs (names are
// compared; logical maps a rotated version's ID to the name the file gives) and the values the
// Engine fills in by itself are removed, and an image the Engine pinned to a digest counts as
// the image the file names. logical also maps network IDs to names. withReplicas false leaves the replica count out (unmanaged).
func CanonicalSpec(spec swarm.ServiceSpec, logical map[string]string, withReplicas bool) (string, error) {
	m, err := canonicalMap(spec, logical, withReplicas)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return "", err
	}
	return buf.String(), nil
}

func canonicalMap(spec swarm.ServiceSpec, logical map[string]string, withReplicas bool) (map[string]any, error) {
	spec = normalizeSpec(spec, logical, withReplicas)
	b, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	pruned, _ := pruneEmpty(m).(map[string]any)
	if pruned == nil {
		pruned = map[string]any{}
	}
	// The mode stays even when empty (global) or zero (replicated with 0 replicas).
	mode, _ := pruned["Mode"].(map[string]any)
	if mode == nil {
		mode = map[string]any{}
	}
	switch {
	case spec.Mode.Replicated != nil:
		r, _ := mode["Replicated"].(map[string]any)
		if r == nil {
			r = map[string]any{}
		}
		if withReplicas {
			r["Replicas"] = float64(ReplicasOf(spec))
		}
		mode["Replicated"] = r
	case spec.Mode.Global != nil:
		mode["Global"] = map[string]any{}
	}
	pruned["Mode"] = mode
	return pruned, nil
}

// normalizeSpec works on a deep copy (through JSON) so the caller's spec is never changed.
func normalizeSpec(in swarm.ServiceSpec, logical map[string]string, withReplicas bool) swarm.ServiceSpec {
	var spec swarm.ServiceSpec
	b, _ := json.Marshal(in)
	_ = json.Unmarshal(b, &spec)
	if spec.Mode.Replicated != nil {
		n := uint64(ReplicasOf(spec))
		spec.Mode.Replicated.Replicas = &n
		if !withReplicas {
			spec.Mode.Replicated.Replicas = nil
		}
	}
	tt := &spec.TaskTemplate
	tt.ForceUpdate = 0
	for i := range tt.Networks {
		if n, ok := logical[tt.Networks[i].Target]; ok {
			tt.Networks[i].Target = n
		}
	}
	// The Engine reads back an update or rollback config with the enum's zero values named.
	for _, uc := range []*swarm.UpdateConfig{spec.UpdateConfig, spec.RollbackConfig} {
		if uc == nil {
			continue
		}
		if uc.FailureAction == "" {
			uc.FailureAction = swarm.UpdateFailureActionPause
		}
		if uc.Order == "" {
			uc.Order = swarm.UpdateOrderStopFirst
		}
	}
	if tt.Runtime == swarm.RuntimeContainer {
		tt.Runtime = ""
	}
	if cs := tt.ContainerSpec; cs != nil {
		if cs.Isolation == "default" {
			cs.Isolation = ""
		}
		if img := spec.Labels[LabelStackImage]; img != "" && strings.HasPrefix(cs.Image, img+"@") {
			cs.Image = img
		}
		for _, s := range cs.Secrets {
			if s == nil {
				continue
			}
			if n, ok := logical[s.SecretID]; ok {
				s.SecretName = n
			}
			s.SecretID = ""
		}
		for _, c := range cs.Configs {
			if c == nil {
				continue
			}
			if n, ok := logical[c.ConfigID]; ok {
				c.ConfigName = n
			}
			c.ConfigID = ""
		}
	}
	if ep := spec.EndpointSpec; ep != nil {
		if ep.Mode == swarm.ResolutionModeVIP {
			ep.Mode = ""
		}
		for i := range ep.Ports {
			if ep.Ports[i].Protocol == "" {
				ep.Ports[i].Protocol = "tcp"
			}
			if ep.Ports[i].PublishMode == "" {
				ep.Ports[i].PublishMode = swarm.PortConfigPublishModeIngress
			}
		}
	}
	return spec
}

// pruneEmpty drops nulls, empty strings, zeros, false, and empty lists and maps, recursively.
func pruneEmpty(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if p := pruneEmpty(x); p == nil {
				delete(t, k)
			} else {
				t[k] = p
			}
		}
		if len(t) == 0 {
			return nil
		}
		return t
	case []any:
		out := make([]any, 0, len(t))
		for _, x := range t {
			if p := pruneEmpty(x); p != nil {
				out = append(out, p)
			} else {
				out = append(out, map[string]any{}) // keep positions in lists
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case string:
		if t == "" {
			return nil
		}
	case float64:
		if t == 0 {
			return nil
		}
	case bool:
		if !t {
			return nil
		}
	case nil:
		return nil
	}
	return v
}

// SpecDrift names the fields in which live differs from desired (both canonical JSON from
// CanonicalSpec), in the compose file's words where there is one: "image", "env", "labels",
// "resources", "placement", "ports", ...
func SpecDrift(desired, live string) ([]string, error) {
	var d, l map[string]any
	if err := json.Unmarshal([]byte(desired), &d); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(live), &l); err != nil {
		return nil, err
	}
	out := []string{}
	add := func(name string) {
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	walk := func(prefix string, a, b map[string]any, names map[string]string) {
		for _, k := range slices.Sorted(maps.Keys(union(a, b))) {
			if k == "TaskTemplate" || k == "ContainerSpec" {
				continue
			}
			if !jsonEqual(a[k], b[k]) {
				if prefix+k == "Mode" && onlyReplicasDiffer(a[k], b[k]) {
					add("replicas")
					continue
				}
				n, ok := names[prefix+k]
				if !ok {
					n = snake(k)
				}
				add(n)
			}
		}
	}
	walk("", d, l, driftNames)
	dt, _ := d["TaskTemplate"].(map[string]any)
	lt, _ := l["TaskTemplate"].(map[string]any)
	walk("TaskTemplate.", dt, lt, driftNames)
	dc, _ := dt["ContainerSpec"].(map[string]any)
	lc, _ := lt["ContainerSpec"].(map[string]any)
	walk("ContainerSpec.", dc, lc, driftNames)
	slices.Sort(out)
	return out, nil
}

// driftNames are the compose words for spec fields whose snake_case name would not say it.
var driftNames = map[string]string{
	"Name":                          "name",
	"Labels":                        "deploy.labels",
	"Mode":                          "deploy.mode",
	"UpdateConfig":                  "deploy.update_config",
	"RollbackConfig":                "deploy.rollback_config",
	"EndpointSpec":                  "ports",
	"TaskTemplate.Resources":        "deploy.resources",
	"TaskTemplate.RestartPolicy":    "deploy.restart_policy",
	"TaskTemplate.Placement":        "deploy.placement",
	"TaskTemplate.LogDriver":        "logging",
	"TaskTemplate.Networks":         "networks",
	"ContainerSpec.Labels":          "labels",
	"ContainerSpec.Command":         "entrypoint",
	"ContainerSpec.Args":            "command",
	"ContainerSpec.Env":             "environment",
	"ContainerSpec.Dir":             "working_dir",
	"ContainerSpec.Hosts":           "extra_hosts",
	"ContainerSpec.DNSConfig":       "dns",
	"ContainerSpec.Mounts":          "volumes",
	"ContainerSpec.TTY":             "tty",
	"ContainerSpec.OpenStdin":       "stdin_open",
	"ContainerSpec.Healthcheck":     "healthcheck",
	"ContainerSpec.CapabilityAdd":   "cap_add",
	"ContainerSpec.CapabilityDrop":  "cap_drop",
	"ContainerSpec.Privileges":      "credential_spec",
	"ContainerSpec.StopGracePeriod": "stop_grace_period",
	"ContainerSpec.OomScoreAdj":     "oom_score_adj",
	"ContainerSpec.StopSignal":      "stop_signal",
	"ContainerSpec.ReadOnly":        "read_only",
	"ContainerSpec.Image":           "image",
	"ContainerSpec.Ulimits":         "ulimits",
	"ContainerSpec.Sysctls":         "sysctls",
	"ContainerSpec.Hostname":        "hostname",
	"ContainerSpec.User":            "user",
	"ContainerSpec.Init":            "init",
	"ContainerSpec.Isolation":       "isolation",
	"ContainerSpec.Secrets":         "secrets",
	"ContainerSpec.Configs":         "configs",
}

// onlyReplicasDiffer says whether two canonical Modes differ in the replica count alone.
func onlyReplicasDiffer(a, b any) bool {
	am, _ := a.(map[string]any)
	bm, _ := b.(map[string]any)
	ar, _ := am["Replicated"].(map[string]any)
	br, _ := bm["Replicated"].(map[string]any)
	if ar == nil || br == nil || len(am) != 1 || len(bm) != 1 {
		return false
	}
	ac, bc := maps.Clone(ar), maps.Clone(br)
	delete(ac, "Replicas")
	delete(bc, "Replicas")
	return jsonEqual(ac, bc)
}

func union(a, b map[string]any) map[string]any {
	u := map[string]any{}
	for k := range a {
		u[k] = nil
	}
	for k := range b {
		u[k] = nil
	}
	return u
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 && (s[i-1] < 'A' || s[i-1] > 'Z') {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
