package provider

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/objectvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/float64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/moby/moby/api/types/mount"
)

// Enum values: each list feeds both the validator and the description.
var (
	serviceRestartConditions       = []string{"none", "on-failure", "any"}
	serviceUpdateFailureActions    = []string{"pause", "continue", "rollback"}
	serviceRollbackFailureActions  = []string{"pause", "continue"}
	serviceUpdateOrders            = []string{"stop-first", "start-first"}
	serviceEndpointModes           = []string{"vip", "dnsrr"}
	servicePortProtocols           = []string{"tcp", "udp", "sctp"}
	servicePublishModes            = []string{"ingress", "host"}
	serviceMountTypes              = []string{"bind", "volume", "tmpfs", "image", "cluster", "npipe"}
	serviceMountConsistencies      = []string{"default", "consistent", "cached", "delegated"}
	serviceIsolations              = []string{"default", "process", "hyperv"}
	serviceSeccompModes            = []string{"default", "unconfined", "custom"}
	serviceAppArmorModes           = []string{"default", "disabled"}
	serviceHealthcheckTestCommands = []string{"CMD", "CMD-SHELL", "NONE"}
	serviceRuntimes                = []string{"container"}
)

func mountPropagations() []string {
	out := make([]string, len(mount.Propagations))
	for i, p := range mount.Propagations {
		out[i] = string(p)
	}
	return out
}

// Engine defaults, written where the configuration leaves an attribute out.
const (
	defaultUpdateParallelism   = 1
	defaultUpdateDelay         = "0s"
	defaultUpdateFailureAction = "pause"
	defaultUpdateMonitor       = "5s"
	defaultUpdateOrder         = "stop-first"
	defaultRestartCondition    = "any"
	defaultRestartDelay        = "5s"
	defaultRestartWindow       = "0s"
	defaultEndpointMode        = "vip"
	defaultIsolation           = "default"
	defaultSecretUID           = "0"
	defaultSecretGID           = "0"
	defaultSecretMode          = "0444"
	defaultSecretModeBits      = 0o444
)

// ---- models ----

type taskTemplateModel struct {
	ContainerSpec containerSpecModel   `tfsdk:"container_spec"`
	Resources     *resourcesModel      `tfsdk:"resources"`
	RestartPolicy *restartPolicyModel  `tfsdk:"restart_policy"`
	Placement     *placementModel      `tfsdk:"placement"`
	Networks      []networkAttachModel `tfsdk:"networks"`
	LogDriver     *logDriverModel      `tfsdk:"log_driver"`
	ForceUpdate   types.Int64          `tfsdk:"force_update"`
	Runtime       string               `tfsdk:"runtime"`
}

type containerSpecModel struct {
	Image           semString           `tfsdk:"image"`
	Command         []string            `tfsdk:"command"`
	Args            []string            `tfsdk:"args"`
	Env             map[string]string   `tfsdk:"env"`
	Dir             *string             `tfsdk:"dir"`
	User            *string             `tfsdk:"user"`
	Groups          []string            `tfsdk:"groups"`
	Hostname        *string             `tfsdk:"hostname"`
	Labels          map[string]string   `tfsdk:"labels"`
	Init            bool                `tfsdk:"init"`
	TTY             bool                `tfsdk:"tty"`
	OpenStdin       bool                `tfsdk:"open_stdin"`
	ReadOnly        bool                `tfsdk:"read_only"`
	StopSignal      *string             `tfsdk:"stop_signal"`
	StopGracePeriod semString           `tfsdk:"stop_grace_period"`
	Healthcheck     *healthcheckModel   `tfsdk:"healthcheck"`
	Mounts          []mountModel        `tfsdk:"mounts"`
	Secrets         []secretRefModel    `tfsdk:"secrets"`
	Configs         []configRefModel    `tfsdk:"configs"`
	Hosts           map[string][]string `tfsdk:"hosts"`
	DNSConfig       *dnsConfigModel     `tfsdk:"dns_config"`
	Privileges      *privilegesModel    `tfsdk:"privileges"`
	Isolation       string              `tfsdk:"isolation"`
	Sysctls         map[string]string   `tfsdk:"sysctls"`
	CapabilityAdd   []string            `tfsdk:"capability_add"`
	CapabilityDrop  []string            `tfsdk:"capability_drop"`
	Ulimits         []ulimitModel       `tfsdk:"ulimits"`
	OomScoreAdj     int64               `tfsdk:"oom_score_adj"`
}

type healthcheckModel struct {
	Test          []string  `tfsdk:"test"`
	Interval      semString `tfsdk:"interval"`
	Timeout       semString `tfsdk:"timeout"`
	Retries       *int64    `tfsdk:"retries"`
	StartPeriod   semString `tfsdk:"start_period"`
	StartInterval semString `tfsdk:"start_interval"`
}

type mountModel struct {
	Type          string              `tfsdk:"type"`
	Source        *string             `tfsdk:"source"`
	Target        string              `tfsdk:"target"`
	ReadOnly      bool                `tfsdk:"read_only"`
	Consistency   *string             `tfsdk:"consistency"`
	BindOptions   *bindOptionsModel   `tfsdk:"bind_options"`
	VolumeOptions *volumeOptionsModel `tfsdk:"volume_options"`
	TmpfsOptions  *tmpfsOptionsModel  `tfsdk:"tmpfs_options"`
	ImageOptions  *imageOptionsModel  `tfsdk:"image_options"`
}

type bindOptionsModel struct {
	Propagation            *string `tfsdk:"propagation"`
	NonRecursive           bool    `tfsdk:"non_recursive"`
	CreateMountpoint       bool    `tfsdk:"create_mountpoint"`
	ReadOnlyNonRecursive   bool    `tfsdk:"read_only_non_recursive"`
	ReadOnlyForceRecursive bool    `tfsdk:"read_only_force_recursive"`
}

type imageOptionsModel struct {
	Subpath *string `tfsdk:"subpath"`
}

type volumeOptionsModel struct {
	NoCopy       bool              `tfsdk:"no_copy"`
	Labels       map[string]string `tfsdk:"labels"`
	Subpath      *string           `tfsdk:"subpath"`
	DriverConfig *driverModel      `tfsdk:"driver_config"`
}

type driverModel struct {
	Name    string            `tfsdk:"name"`
	Options map[string]string `tfsdk:"options"`
}

type tmpfsOptionsModel struct {
	Size    semString `tfsdk:"size"`
	Mode    semString `tfsdk:"mode"`
	Options []string  `tfsdk:"options"`
}

type secretRefModel struct {
	SecretID   string       `tfsdk:"secret_id"`
	SecretName types.String `tfsdk:"secret_name"`
	FileName   string       `tfsdk:"file_name"`
	UID        string       `tfsdk:"uid"`
	GID        string       `tfsdk:"gid"`
	Mode       semString    `tfsdk:"mode"`
}

type configRefModel struct {
	ConfigID   string       `tfsdk:"config_id"`
	ConfigName types.String `tfsdk:"config_name"`
	FileName   string       `tfsdk:"file_name"`
	UID        string       `tfsdk:"uid"`
	GID        string       `tfsdk:"gid"`
	Mode       semString    `tfsdk:"mode"`
}

type dnsConfigModel struct {
	Nameservers []string `tfsdk:"nameservers"`
	Search      []string `tfsdk:"search"`
	Options     []string `tfsdk:"options"`
}

type privilegesModel struct {
	NoNewPrivileges bool                 `tfsdk:"no_new_privileges"`
	CredentialSpec  *credentialSpecModel `tfsdk:"credential_spec"`
	SELinuxContext  *seLinuxContextModel `tfsdk:"selinux_context"`
	Seccomp         *seccompModel        `tfsdk:"seccomp"`
	AppArmor        *appArmorModel       `tfsdk:"apparmor"`
}

type credentialSpecModel struct {
	Config   *string `tfsdk:"config"`
	File     *string `tfsdk:"file"`
	Registry *string `tfsdk:"registry"`
}

type seLinuxContextModel struct {
	Disable bool    `tfsdk:"disable"`
	User    *string `tfsdk:"user"`
	Role    *string `tfsdk:"role"`
	Type    *string `tfsdk:"type"`
	Level   *string `tfsdk:"level"`
}

type seccompModel struct {
	Mode    string  `tfsdk:"mode"`
	Profile *string `tfsdk:"profile"`
}

type appArmorModel struct {
	Mode string `tfsdk:"mode"`
}

type ulimitModel struct {
	Name string `tfsdk:"name"`
	Soft int64  `tfsdk:"soft"`
	Hard int64  `tfsdk:"hard"`
}

type resourcesModel struct {
	Limits           *limitsModel       `tfsdk:"limits"`
	Reservations     *reservationsModel `tfsdk:"reservations"`
	SwapBytes        *int64             `tfsdk:"swap_bytes"`
	MemorySwappiness *int64             `tfsdk:"memory_swappiness"`
}

type limitsModel struct {
	CPUs   *float64  `tfsdk:"cpus"`
	Memory semString `tfsdk:"memory"`
	Pids   *int64    `tfsdk:"pids"`
}

type reservationsModel struct {
	CPUs             *float64               `tfsdk:"cpus"`
	Memory           semString              `tfsdk:"memory"`
	GenericResources []genericResourceModel `tfsdk:"generic_resources"`
}

type genericResourceModel struct {
	Kind          string  `tfsdk:"kind"`
	NamedValue    *string `tfsdk:"named_value"`
	DiscreteValue *int64  `tfsdk:"discrete_value"`
}

type restartPolicyModel struct {
	Condition   string    `tfsdk:"condition"`
	Delay       semString `tfsdk:"delay"`
	MaxAttempts int64     `tfsdk:"max_attempts"`
	Window      semString `tfsdk:"window"`
}

type placementModel struct {
	Constraints []string        `tfsdk:"constraints"`
	Preferences []string        `tfsdk:"preferences"`
	MaxReplicas int64           `tfsdk:"max_replicas"`
	Platforms   []platformModel `tfsdk:"platforms"`
}

type platformModel struct {
	Architecture string `tfsdk:"architecture"`
	OS           string `tfsdk:"os"`
}

type networkAttachModel struct {
	Target     string            `tfsdk:"target"`
	NetworkID  types.String      `tfsdk:"network_id"`
	Aliases    []string          `tfsdk:"aliases"`
	DriverOpts map[string]string `tfsdk:"driver_opts"`
}

type logDriverModel struct {
	Name    string            `tfsdk:"name"`
	Options map[string]string `tfsdk:"options"`
}

type updateConfigModel struct {
	Parallelism     int64     `tfsdk:"parallelism"`
	Delay           semString `tfsdk:"delay"`
	FailureAction   string    `tfsdk:"failure_action"`
	Monitor         semString `tfsdk:"monitor"`
	MaxFailureRatio float64   `tfsdk:"max_failure_ratio"`
	Order           string    `tfsdk:"order"`
}

type endpointSpecModel struct {
	Mode  string      `tfsdk:"mode"`
	Ports []portModel `tfsdk:"ports"`
}

type portModel struct {
	Name          *string `tfsdk:"name"`
	Protocol      string  `tfsdk:"protocol"`
	TargetPort    int64   `tfsdk:"target_port"`
	PublishedPort *int64  `tfsdk:"published_port"`
	PublishMode   string  `tfsdk:"publish_mode"`
}

// healthcheckDurationWhy explains the lower bound of the health check durations.
const healthcheckDurationWhy = "the Engine refuses a health check duration below 1ms and reads `0s` back as not set " +
	"(the image's value applies); leave the attribute out instead."

// leftOut is the sentence of a block whose absence means the Engine's defaults.
const leftOut = " Left out, the Engine's defaults apply, and a change made outside Terraform shows as drift."

// updateConfigAttributes is shared by update_config and rollback_config: what is the past
// participle ("updated"), verb the infinitive ("update").
func updateConfigAttributes(what, verb string, failureActions []string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"parallelism": defInt("How many tasks are "+what+" at once (`0` means all at once).", defaultUpdateParallelism, int64validator.AtLeast(0)),
		"delay":       defDuration("Time between "+what+" batches.", defaultUpdateDelay),
		"failure_action": defString("What to do when a task fails to "+verb+".",
			defaultUpdateFailureAction, failureActions),
		"monitor": withDurationMin(defDuration("How long to watch each task after it is "+what+" for a failure.", defaultUpdateMonitor),
			time.Nanosecond, "the Engine reads `0s` back as its default `"+defaultUpdateMonitor+"`; leave monitor out for the default."),
		"max_failure_ratio": schema.Float64Attribute{
			MarkdownDescription: "The fraction of tasks that may fail during the operation before it counts as failed (0 to 1, with at most 7 significant digits: the Engine keeps a 32-bit float). Defaults to `0`.",
			Optional:            true, Computed: true, Default: float64default.StaticFloat64(0),
			Validators: []validator.Float64{float64validator.Between(0, 1), float32Exact{}},
		},
		"order": defString("Whether a task is stopped before its replacement starts or after.", defaultUpdateOrder, serviceUpdateOrders),
	}
}

func serviceResourceSchema(ctx context.Context) schema.Schema {
	driverBlock := func(desc, what string, v ...validator.Object) schema.SingleNestedBlock {
		return withRequired(singleBlock(desc, map[string]schema.Attribute{
			"name":    schema.StringAttribute{MarkdownDescription: "Name of the " + what + ".", Required: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"options": stringMap("Options of the " + what + "."),
		}, nil, v...), "name")
	}

	mountAttrs := map[string]schema.Attribute{
		"type": schema.StringAttribute{MarkdownDescription: "The kind of mount. " + enumDesc(serviceMountTypes) + " Each type takes only its own options block.", Required: true, Validators: []validator.String{stringvalidator.OneOf(serviceMountTypes...)}},
		"source": optString("What to mount: for `bind`, an absolute path on the node (required); for `volume`, a volume name " +
			"(left out, an anonymous volume); for `image`, an image reference (required; Engine API 1.48 or newer); for `cluster`, a cluster volume's name or group " +
			"(Engine API 1.42 or newer); for `npipe`, a Windows named pipe; `tmpfs` takes none."),
		"target":      schema.StringAttribute{MarkdownDescription: "The absolute path inside the container (not `/`). No two mounts may have the same target.", Required: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
		"read_only":   defBool("Whether the mount is read-only."),
		"consistency": enumString("Consistency requirement of the mount (macOS only).", serviceMountConsistencies),
	}
	mountBlocks := map[string]schema.Block{
		"bind_options": singleBlock("Options of a bind mount (compose's `bind`).", map[string]schema.Attribute{
			"propagation":       defString("Bind propagation (the Engine reads a left-out propagation back as `rprivate`).", "rprivate", mountPropagations()),
			"non_recursive":     defBool("Whether submounts are not bind-mounted (compose's `bind.recursive: disabled`)."),
			"create_mountpoint": defBool("Whether a missing source path is created on the node (compose's `bind.create_host_path`; Engine API 1.42 or newer)."),
			"read_only_non_recursive": defBool("With `read_only`, whether submounts stay writable (compose's `bind.recursive: writable`; Engine API 1.44 or newer). " +
				"Not with `read_only_force_recursive`."),
			"read_only_force_recursive": defBool("With `read_only`, whether the task fails unless submounts can be made read-only too (compose's `bind.recursive: readonly`; Engine API 1.44 or newer). " +
				"Not with `read_only_non_recursive`."),
		}, nil, notEmptyObject{}),
		"image_options": singleBlock("Options of an image mount (compose's `image`; Engine API 1.48 or newer).", map[string]schema.Attribute{
			"subpath": optString("A relative path inside the image to mount instead of its root (compose's `image.subpath`)."),
		}, nil, notEmptyObject{}),
		"volume_options": singleBlock("Options of a volume mount (compose's `volume`).", map[string]schema.Attribute{
			"no_copy": defBool("Whether the volume is not filled with the image's content at that path (compose's `nocopy`)."),
			"labels":  stringMap("Labels of a volume the mount creates."),
			"subpath": optString("A relative path inside a named volume to mount instead of its root (Engine API 1.45 or newer)."),
		}, map[string]schema.Block{
			"driver_config": driverBlock("The volume driver used when the mount creates the volume (kreuzwerker/docker's `driver_name` and `driver_options`).", "volume driver", notEmptyObject{}),
		}, notEmptyObject{}),
		"tmpfs_options": singleBlock("Options of a tmpfs mount (compose's `tmpfs`).", map[string]schema.Attribute{
			"size": optSize("Size of the tmpfs (kreuzwerker/docker's `size_bytes`)."),
			"mode": withStringValidators(optFileMode("Permission bits of the tmpfs (not `\"0000\"`)."), nonZeroFileMode{}),
			"options": withListValidators(stringList("Mount options of the tmpfs, each a flag (`noexec`) or `key=value` (`uid=1000`), in the order the Engine applies them (Engine API 1.46 or newer)."),
				listvalidator.ValueStringsAre(stringvalidator.RegexMatches(regexp.MustCompile(`^[^=\s]+(=\S*)?$`), "must be a flag (`noexec`) or `key=value`"))),
		}, nil, notEmptyObject{}),
	}

	fileRefAttrs := func(kind string) map[string]schema.Attribute {
		return map[string]schema.Attribute{
			kind + "_id": schema.StringAttribute{MarkdownDescription: "The " + kind + "'s ID.", Required: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			kind + "_name": schema.StringAttribute{
				MarkdownDescription: "The " + kind + "'s name (compose's `source`). Filled in from the ID when left out.", Optional: true, Computed: true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{refNamePlanModifier{idAttr: kind + "_id"}},
			},
			"file_name": schema.StringAttribute{MarkdownDescription: "The file name inside the container (compose's `target`; relative names are under `/run/" + kind + "s/`). No two " + kind + "s may have the same file name.", Required: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"uid":       withStringValidators(defString("Owner user ID of the file, a number (kreuzwerker/docker's `file_uid`).", defaultSecretUID, nil), numericIDValidator()),
			"gid":       withStringValidators(defString("Owner group ID of the file, a number (kreuzwerker/docker's `file_gid`).", defaultSecretGID, nil), numericIDValidator()),
			"mode":      defFileMode("Permission bits of the file (kreuzwerker/docker's `file_mode`, a number there).", defaultSecretMode),
		}
	}

	containerAttrs := map[string]schema.Attribute{
		"image": schema.StringAttribute{
			MarkdownDescription: "The image to run, as written (`repo/name:tag`, optionally `@sha256:…`): a reference Swarm parses (repository names are lower case). The Engine does not pin digests: this provider does (see `resolve_image`; the digest in use is `image_digest`), and a digest it pinned, or the implicit `:latest`, is not a change.",
			Required:            true, CustomType: imageType,
			PlanModifiers: []planmodifier.String{keepSemanticState{kind: semImage}},
		},
		"command":           stringList("Replaces the image's entrypoint (compose's `entrypoint`)."),
		"args":              stringList("Arguments to the command; replaces the image's CMD (compose's `command`)."),
		"env":               withMapValidators(stringMap("Environment variables (compose's `environment`; names must not be empty or hold `=`)."), envKeysValidator{}),
		"dir":               optString("Working directory of the command (compose's `working_dir`)."),
		"user":              optString("The user (and optionally `:group`) the command runs as."),
		"groups":            stringList("Additional groups of the user (compose's `group_add`)."),
		"hostname":          optString("Hostname of the containers (Go templates such as `{{.Task.Slot}}` are allowed)."),
		"labels":            stringMap("Labels of the containers (compose's `labels`; the service's own labels are the top-level `labels`)."),
		"init":              defBool("Whether an init process runs as PID 1."),
		"tty":               defBool("Whether a pseudo-TTY is allocated."),
		"open_stdin":        defBool("Whether stdin is kept open (compose's `stdin_open`)."),
		"read_only":         defBool("Whether the root filesystem is read-only."),
		"stop_signal":       optString("Signal that stops the containers (for example `SIGTERM`)."),
		"stop_grace_period": optDuration("Time to wait after the stop signal before the container is killed. Left out, the Engine's default (10s) applies."),
		"hosts": schema.MapAttribute{
			MarkdownDescription: "Extra entries for `/etc/hosts` (compose's `extra_hosts`, kreuzwerker/docker's `hosts` blocks): host name (one word, without `:`) to a list of IPv4 or IPv6 addresses " +
				"(compose's `name: [\"10.0.0.2\", \"::1\"]`), each of them or `" + hostGateway + "` for the node's gateway address.",
			ElementType: types.ListType{ElemType: types.StringType},
			Optional:    true, Computed: true, Default: mapdefault.StaticValue(types.MapValueMust(types.ListType{ElemType: types.StringType}, map[string]attr.Value{})),
			Validators: []validator.Map{extraHostsValidator{}},
		},
		"isolation":       defString("Isolation technology of the containers (Windows).", defaultIsolation, serviceIsolations),
		"sysctls":         stringMap("Namespaced kernel parameters of the containers (kreuzwerker/docker's `sysctl`)."),
		"capability_add":  stringList("Kernel capabilities added to the default set (compose's `cap_add`; Engine API 1.41 or newer)."),
		"capability_drop": stringList("Kernel capabilities dropped from the default set (compose's `cap_drop`; Engine API 1.41 or newer)."),
		"oom_score_adj":   defInt("Adjustment of the containers' OOM score, from -1000 to 1000 (compose's `oom_score_adj`; Engine API 1.46 or newer).", 0, int64validator.Between(-1000, 1000)),
	}
	containerBlocks := map[string]schema.Block{
		"healthcheck": singleBlock("The container health check. When set, a task counts as converged only when healthy. Left out, the image's health check applies.", map[string]schema.Attribute{
			"test": schema.ListAttribute{
				MarkdownDescription: "The check: `[\"CMD\", \"/app\", \"health\"]`, `[\"CMD-SHELL\", \"curl -f localhost\"]` or `[\"NONE\"]` to disable the image's check. The first element is " + strings.Join(serviceHealthcheckTestCommands, ", ") + ".",
				ElementType:         types.StringType, Optional: true,
				Validators: []validator.List{listvalidator.SizeAtLeast(1), healthcheckTestValidator{}},
			},
			"interval":       withDurationMin(optDuration("Time between checks."), time.Millisecond, healthcheckDurationWhy),
			"timeout":        withDurationMin(optDuration("Time a check may take."), time.Millisecond, healthcheckDurationWhy),
			"retries":        schema.Int64Attribute{MarkdownDescription: "Consecutive failures before the container counts as unhealthy.", Optional: true, Validators: []validator.Int64{int64validator.AtLeast(1)}},
			"start_period":   withDurationMin(optDuration("Start-up time during which failures do not count."), time.Millisecond, healthcheckDurationWhy),
			"start_interval": withDurationMin(optDuration("Time between checks during the start period (Engine API 1.44 or newer)."), time.Millisecond, healthcheckDurationWhy),
		}, nil, notEmptyObject{}),
		"mounts": withItemValidators(listBlock("Mounts of the containers, one block each (compose's `volumes` in the long syntax).", mountAttrs, mountBlocks,
			uniqueTargetsValidator{attr: "target", what: "mount target", clean: true}), mountValidator{}),
		"secrets": listBlock("Secrets exposed to the containers as files, one block each (compose's `secrets` in the long syntax).", fileRefAttrs("secret"), nil,
			uniqueTargetsValidator{attr: "file_name", what: "secret file name"}),
		"configs": listBlock("Configs exposed to the containers as files, one block each.", fileRefAttrs("config"), nil,
			uniqueTargetsValidator{attr: "file_name", what: "config file name"}),
		"dns_config": singleBlock("Resolver configuration (`/etc/resolv.conf`) of the containers.", map[string]schema.Attribute{
			"nameservers": withListValidators(stringList("IP addresses of name servers (compose's `dns`), written as the Engine reads them back (`2001:db8::1`)."), listvalidator.ValueStringsAre(ipValidator{})),
			"search":      stringList("Search domains (compose's `dns_search`)."),
			"options":     stringList("Resolver options (compose's `dns_opt`), for example `ndots:2`."),
		}, nil, notEmptyObject{}),
		"privileges": singleBlock("Security options of the containers (compose's `security_opt` and `credential_spec`).", map[string]schema.Attribute{
			"no_new_privileges": defBool("Whether processes may not gain new privileges (compose's `security_opt: [no-new-privileges:true]`; Engine API 1.44 or newer)."),
		}, map[string]schema.Block{
			"credential_spec": singleBlock("Windows credential spec for managed service accounts.", map[string]schema.Attribute{
				"config":   optString("ID of a swarm config holding the spec."),
				"file":     optString("A file in the Engine's CredentialSpecs directory."),
				"registry": optString("A value in the Windows registry."),
			}, nil, notEmptyObject{}),
			"selinux_context": singleBlock("SELinux labels of the containers (compose's `security_opt: [label:…]`, kreuzwerker/docker's `se_linux_context`).", map[string]schema.Attribute{
				"disable": defBool("Whether SELinux labelling is disabled."),
				"user":    optString("SELinux user label."),
				"role":    optString("SELinux role label."),
				"type":    optString("SELinux type label."),
				"level":   optString("SELinux level label."),
			}, nil, notEmptyObject{}),
			"seccomp": withRequired(singleBlock("Seccomp settings (compose's `security_opt: [seccomp=…]`; Engine API 1.44 or newer).", map[string]schema.Attribute{
				"mode":    schema.StringAttribute{MarkdownDescription: "Seccomp mode. " + enumDesc(serviceSeccompModes), Required: true, Validators: []validator.String{stringvalidator.OneOf(serviceSeccompModes...)}},
				"profile": optString("The JSON seccomp profile, with mode `custom`."),
			}, nil), "mode"),
			"apparmor": withRequired(singleBlock("AppArmor settings (compose's `security_opt: [apparmor=…]`; Engine API 1.44 or newer).", map[string]schema.Attribute{
				"mode": schema.StringAttribute{MarkdownDescription: "AppArmor mode. " + enumDesc(serviceAppArmorModes), Required: true, Validators: []validator.String{stringvalidator.OneOf(serviceAppArmorModes...)}},
			}, nil), "mode"),
		}, notEmptyObject{}),
		"ulimits": withItemValidators(listBlock("Resource limits (`ulimit`) of the containers, one block each (Engine API 1.41 or newer).", map[string]schema.Attribute{
			"name": schema.StringAttribute{MarkdownDescription: "The limit: " + quotedList(ulimitNames) + ".", Required: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"soft": schema.Int64Attribute{MarkdownDescription: "Soft limit, at most `hard` (`-1` is unlimited).", Required: true, Validators: []validator.Int64{int64validator.AtLeast(-1)}},
			"hard": schema.Int64Attribute{MarkdownDescription: "Hard limit (`-1` is unlimited).", Required: true, Validators: []validator.Int64{int64validator.AtLeast(-1)}},
		}, nil), ulimitValidator{}),
	}

	cpus := func(what string) schema.Float64Attribute {
		return schema.Float64Attribute{MarkdownDescription: "CPUs " + what + ", as compose files write it (`0.5` is half a CPU; kreuzwerker/docker's `nano_cpus` counts billionths): at least `0.001`, with at most 9 decimals.", Optional: true,
			Validators: []validator.Float64{cpusValidator{}}}
	}

	resourcesBlock := singleBlock("Resource limits and reservations.", map[string]schema.Attribute{
		"swap_bytes": schema.Int64Attribute{MarkdownDescription: "Swap the containers may use, in bytes, with a memory limit (`-1` is unlimited; left out, twice the memory limit; Engine API 1.52 or newer).",
			Optional: true, Validators: []validator.Int64{int64validator.AtLeast(-1)}},
		"memory_swappiness": schema.Int64Attribute{MarkdownDescription: "How readily the kernel swaps the containers' memory, from 0 to 100 (compose's `mem_swappiness`; left out, the node's default; Engine API 1.52 or newer).",
			Optional: true, Validators: []validator.Int64{int64validator.Between(0, 100)}},
	}, map[string]schema.Block{
		"limits": singleBlock("Upper limits of each task.", map[string]schema.Attribute{
			"cpus":   cpus("at most"),
			"memory": withSizeMin(optSize("Memory at most (kreuzwerker/docker's `memory_bytes`)."), linuxMinMemory, "Linux engines refuse a container memory limit below 6 MiB when they start the task."),
			"pids":   schema.Int64Attribute{MarkdownDescription: "Processes at most (Engine API 1.41 or newer).", Optional: true, Validators: []validator.Int64{int64validator.AtLeast(1)}},
		}, nil, notEmptyObject{}),
		"reservations": singleBlock("What a node must have free to run a task (kreuzwerker/docker's `reservation`).", map[string]schema.Attribute{
			"cpus":   cpus("reserved"),
			"memory": withSizeMin(optSize("Memory reserved (kreuzwerker/docker's `memory_bytes`)."), swarmMinMemory, "Swarm refuses a memory reservation below 4 MiB."),
		}, map[string]schema.Block{
			"generic_resources": listBlock("Generic resources (such as GPUs) a node must advertise, one block each.", map[string]schema.Attribute{
				"kind": schema.StringAttribute{MarkdownDescription: "Kind of resource, for example `gpu`.", Required: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
				"named_value": schema.StringAttribute{MarkdownDescription: "A named resource (kreuzwerker/docker's `named_resources_spec`). A service cannot reserve one: Swarm's scheduler only counts " +
					"generic resources and places no task that reserves a named one, so the resource refuses it. Use `discrete_value`.", Optional: true, Validators: []validator.String{namedGenericResourceValidator{}}},
				"discrete_value": schema.Int64Attribute{MarkdownDescription: "How many of the resource a node must advertise (compose's `discrete_resource_spec.value`, kreuzwerker/docker's `discrete_resources_spec`). Required.", Optional: true, Validators: []validator.Int64{int64validator.AtLeast(1), int64validator.ExactlyOneOf(path.MatchRelative().AtParent().AtName("named_value"), path.MatchRelative())}},
			}, nil),
		}, notEmptyObject{}),
	}, notEmptyObject{})

	placementBlock := singleBlock("Where tasks may run."+leftOut, map[string]schema.Attribute{
		"constraints": withListValidators(stringList("Placement constraints such as `node.role == worker`, each "+
			constraintValidator{}.Description(ctx)+"; Swarm's own grammar is checked at plan time."), listvalidator.ValueStringsAre(constraintValidator{})),
		"preferences": withListValidators(stringList("Spread preferences (compose's `preferences: [{spread: …}]`, kreuzwerker/docker's `prefs`): each entry is a descriptor to spread tasks over, "+
			spreadValidator{}.Description(ctx)+" (such as `node.labels.zone`; not `spread=node.labels.zone`)."), listvalidator.ValueStringsAre(spreadValidator{})),
		"max_replicas": defInt("Maximum tasks of this service per node (compose's `max_replicas_per_node`; `0` is unlimited).", 0, int64validator.AtLeast(0)),
	}, map[string]schema.Block{
		"platforms": listBlock("Platforms the service can run on, one block each (compose's `platform` names one, as `os/architecture`).", map[string]schema.Attribute{
			"architecture": schema.StringAttribute{MarkdownDescription: "Architecture, for example `amd64`.", Required: true},
			"os":           schema.StringAttribute{MarkdownDescription: "Operating system, for example `linux`.", Required: true},
		}, nil),
	})

	restartBlock := singleBlock("When and how tasks are restarted."+leftOut, map[string]schema.Attribute{
		"condition":    defString("When tasks are restarted.", defaultRestartCondition, serviceRestartConditions),
		"delay":        defDuration("Time between restart attempts.", defaultRestartDelay),
		"max_attempts": defInt("Attempts before giving up (`0` is unlimited).", 0, int64validator.AtLeast(0)),
		"window":       defDuration("Time window in which restarts are counted for `max_attempts` (`0s` is unbounded).", defaultRestartWindow),
	}, nil)

	endpointBlock := singleBlock("How the service is reached."+leftOut, map[string]schema.Attribute{
		"mode": defString("How other services reach this one (compose's `deploy.endpoint_mode`): a virtual IP (`vip`) or DNS round robin (`dnsrr`, whose ports must be published in `host` mode).", defaultEndpointMode, serviceEndpointModes),
	}, map[string]schema.Block{
		"ports": listBlock("Published ports, one block each (compose's `ports` in the long syntax). No published port may appear twice.", map[string]schema.Attribute{
			"name":           optString("Name of the port."),
			"protocol":       defString("Protocol.", "tcp", servicePortProtocols),
			"target_port":    schema.Int64Attribute{MarkdownDescription: "Port inside the containers (compose's `target`).", Required: true, Validators: []validator.Int64{int64validator.Between(1, 65535)}},
			"published_port": schema.Int64Attribute{MarkdownDescription: "Port published on the nodes (compose's `published`). Left out with `ingress`, the swarm picks one.", Optional: true, Validators: []validator.Int64{int64validator.Between(1, 65535)}},
			"publish_mode":   defString("How the port is published (compose's `mode`): through the routing mesh (`ingress`) or on the node that runs the task (`host`).", "ingress", servicePublishModes),
		}, nil, uniquePublishedPortsValidator{}),
	}, dnsrrIngressValidator{})

	modeBlock := schema.SingleNestedBlock{
		MarkdownDescription: "How tasks are scheduled (compose's `deploy.mode` and `deploy.replicas`): exactly one of the blocks `replicated`, `global`, `replicated_job` or `global_job`. " +
			"Left out, the service is replicated and its replica count is not managed (it is then not shown either: write " +
			"`mode { replicated {} }` to see it). Changing the kind replaces the service.",
		Validators:    []validator.Object{exactlyOneModeValidator{}},
		PlanModifiers: []planmodifier.Object{modePlanModifier{}},
		Blocks: map[string]schema.Block{
			"replicated": singleBlock("A fixed number of tasks.", map[string]schema.Attribute{
				"replicas": schema.Int64Attribute{
					MarkdownDescription: "Number of tasks. Left out, the provider sets it only at creation (1) and does not manage it afterwards, so an autoscaler or `docker service scale` can change it without a diff.",
					Optional:            true, Computed: true,
					Validators:    []validator.Int64{int64validator.AtLeast(0)},
					PlanModifiers: []planmodifier.Int64{int64planmodifier.UseNonNullStateForUnknown()},
				},
			}, nil),
			"global": singleBlock("One task on every node that satisfies the placement.", nil, nil),
			"replicated_job": singleBlock("Tasks that run to completion (Engine API 1.41 or newer).", map[string]schema.Attribute{
				"max_concurrent":    defInt("Tasks run at the same time.", 1, int64validator.AtLeast(1)),
				"total_completions": defInt("Successful completions needed.", 1, int64validator.AtLeast(1)),
			}, nil),
			"global_job": singleBlock("One task to completion on every node (Engine API 1.41 or newer).", nil, nil),
		},
	}

	taskTemplateBlock := schema.SingleNestedBlock{
		MarkdownDescription: "What each task runs (kreuzwerker/docker's `task_spec`). Required.",
		Validators:          []validator.Object{objectvalidator.IsRequired()},
		Attributes: map[string]schema.Attribute{
			"force_update": schema.Int64Attribute{
				MarkdownDescription: "A counter: changing it redeploys the tasks even when nothing else changed. Left out, it is not managed.",
				Optional:            true, Computed: true, Validators: []validator.Int64{int64validator.AtLeast(0)},
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"runtime": defString("The runtime of the tasks.", "container", serviceRuntimes),
		},
		Blocks: map[string]schema.Block{
			"container_spec": schema.SingleNestedBlock{
				MarkdownDescription: "The container of each task. Required.",
				Validators:          []validator.Object{objectvalidator.IsRequired()},
				Attributes:          containerAttrs, Blocks: containerBlocks,
			},
			"resources":      resourcesBlock,
			"restart_policy": restartBlock,
			"placement":      placementBlock,
			"networks": listBlock("Networks the tasks attach to, one block each (compose's `networks`, kreuzwerker/docker's `networks_advanced`).", map[string]schema.Attribute{
				"target": schema.StringAttribute{MarkdownDescription: "The network's ID or name (kreuzwerker/docker's `name`).", Required: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
				"network_id": schema.StringAttribute{MarkdownDescription: "The network's ID, as the Engine resolved `target`.", Computed: true,
					PlanModifiers: []planmodifier.String{networkIDPlanModifier{}}},
				"aliases":     stringList("Extra DNS names of the service on this network."),
				"driver_opts": stringMap("Options for the network driver of this attachment."),
			}, nil),
			"log_driver": driverBlock("Log driver of the containers (compose's `logging`, whose `driver` is `name` here). Left out, the Engine's default applies.", "log driver"),
		},
	}

	s := schema.Schema{
		Version: 2,
		MarkdownDescription: "A Docker Swarm service: the complete service spec, updated in place wherever Swarm can. " +
			"Create and update wait until the service has converged (for every mode; with a health check a task counts only when healthy) " +
			"and explain each failing task when it does not. " +
			"Destroy returns once the Engine has removed the service, as `docker service rm` does; it waits for the tasks to stop only when they hold " +
			"a port published in `host` mode or a resource reservation, so that a replacement can be placed at once. A network or volume the service used " +
			"waits for those tasks in its own destroy.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{MarkdownDescription: "The service's ID.", Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"name": schema.StringAttribute{MarkdownDescription: "The service's name: letters and digits, with `-` or `_` only between them, at most 63 characters (a DNS label; Swarm's rule). Changing it replaces the service.", Required: true,
				Validators:    []validator.String{serviceNameValidator{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"labels": stringMap("Labels of the service (compose's `deploy.labels`; the containers' labels are `task_template.container_spec.labels`)."),
			"wait_for_convergence": schema.BoolAttribute{
				MarkdownDescription: "Whether create and update wait until the service has converged. Defaults to `true`.",
				Optional:            true, Computed: true, Default: booldefault.StaticBool(true),
			},
			"convergence_monitor": withStringValidators(convergenceMonitorAttribute(
				"How long create and update keep watching the service once every task runs, as `docker service create` watches a new service for 5s. "+
					"A task that stops in that time sends the wait back to waiting, and a slot whose tasks keep failing fails the apply with their errors; "+
					"a service that stays up that long has converged. Left out, the wait ends as soon as every task runs "+
					"(with a health check, a task counts as running only once healthy). Counts toward the create and update timeouts. "+
					"Not with `wait_for_convergence = false`, nor with a job mode."),
				monitorNeedsWait{}, monitorNotWithJob),
			// Registry credentials and digests: service_registry.go.
			"resolve_image": serviceRegistryAttributes()["resolve_image"],
			"image_digest":  serviceRegistryAttributes()["image_digest"],
		},
		Blocks: map[string]schema.Block{
			"mode":          modeBlock,
			"task_template": taskTemplateBlock,
			"update_config": singleBlock("How updates roll out. Not with a job mode."+leftOut,
				updateConfigAttributes("updated", "update", serviceUpdateFailureActions), nil, updateNotWithJob),
			"rollback_config": singleBlock("How rollbacks roll out. Not with a job mode."+leftOut,
				updateConfigAttributes("rolled back", "roll back", serviceRollbackFailureActions), nil, updateNotWithJob),
			"endpoint_spec": endpointBlock,
			"timeouts":      timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
			"registry_auth": serviceRegistryBlocks()["registry_auth"],
		},
	}
	s.Blocks = withBlockTypes(s.Blocks)
	return s
}
