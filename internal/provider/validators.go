package provider

// Validators shared by the resources: addresses, durations, sizes, objects written empty, API
// versions; and swarm_cluster's raft ticks. Each description is the sentence the docs show.

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func apiVersionValidator() validator.String {
	return stringvalidator.RegexMatches(regexp.MustCompile(`^1\.[0-9]{1,2}$`), "must be an Engine API version such as 1.41")
}

// cidrValidator accepts a prefix written as its network address (10.0.0.0/24, not 10.0.0.1/24),
// which is how the Engine stores it.
type cidrValidator struct{}

func (cidrValidator) Description(context.Context) string {
	return "must be a subnet in CIDR notation, written as its network address in canonical form"
}

func (v cidrValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (cidrValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	p, err := netip.ParsePrefix(s)
	if err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CIDR", fmt.Sprintf("%q is not in CIDR notation (such as 10.20.0.0/24): %v", s, err))
		return
	}
	if p.Masked() != p {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CIDR",
			fmt.Sprintf("%q has host bits set; write the network address: %s", s, p.Masked()))
		return
	}
	// The Engine reports the canonical spelling (fd00::/64, not FD00:0::/64); another spelling
	// would differ from what is read back.
	if p.String() != s {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CIDR",
			fmt.Sprintf("%q is not written in the canonical form the Engine reports; write %s", s, p))
	}
}

// ipValidator accepts an IPv4 or IPv6 address.
type ipValidator struct{}

func (ipValidator) Description(context.Context) string {
	return "must be an IP address in canonical form"
}

func (v ipValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (ipValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	a, err := netip.ParseAddr(s)
	if err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid IP address", fmt.Sprintf("%q is not an IP address: %v", s, err))
		return
	}
	// The Engine reports the canonical spelling (fd00::1, not FD00:0::1).
	if a.String() != s {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid IP address",
			fmt.Sprintf("%q is not in the canonical form the Engine reports: write %s instead (the Engine keeps the address and reads it back as %q).", s, a, a.String()))
	}
}

// notEmptyObject refuses a nested object written with nothing in it (`dns_config = {}`): the
// Engine reads an empty setting back as no setting, so the object would be planned again at
// every run. Leaving it out says the same thing.
type notEmptyObject struct{}

func (notEmptyObject) Description(context.Context) string {
	return "must set at least one attribute (leave the object out instead of writing it empty)"
}

func (v notEmptyObject) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (notEmptyObject) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || !objectEmpty(req.ConfigValue) {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Empty object",
		fmt.Sprintf("%s is written empty. The Engine reads an empty setting back as no setting, so leave %s out, or set at least one of its attributes.", req.Path, req.Path))
}

// objectEmpty says whether every attribute of a known object is null, itself an empty object, or
// an empty list: a nested block written no time, or a list written empty (`search = []`), which
// the Engine does not keep apart from no list (dns_config { search = [] } reads back as no
// dns_config at all).
func objectEmpty(o types.Object) bool {
	for _, v := range o.Attributes() {
		if v.IsNull() {
			continue
		}
		switch inner := v.(type) {
		case types.Object:
			if inner.IsUnknown() || !objectEmpty(inner) {
				return false
			}
		case types.List:
			if inner.IsUnknown() || len(inner.Elements()) > 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// durationAtLeast refuses a duration below min that the Engine would not keep as written: it
// refuses it, or reads it back as its default. why says what the Engine does with it.
type durationAtLeast struct {
	min time.Duration
	why string
}

func (v durationAtLeast) Description(context.Context) string { return "must be " + v.bound() }

// bound words the lower bound: "longer than 0s" for the smallest positive duration.
func (v durationAtLeast) bound() string {
	if v.min <= time.Nanosecond {
		return "longer than `0s`"
	}
	return "at least `" + formatDuration(v.min) + "`"
}

func (v durationAtLeast) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationAtLeast) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := parseDuration(req.ConfigValue.ValueString())
	if err != nil || d >= v.min {
		return // a malformed duration is reported by its type
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Duration too short",
		fmt.Sprintf("%s is %q, but must be %s: %s", req.Path, req.ConfigValue.ValueString(), v.bound(), v.why))
}

// positiveSize refuses a size of zero: the Engine reads 0 back as "not set" (no limit, the
// default size), so leaving the attribute out says the same thing.
type positiveSize struct{}

func (positiveSize) Description(context.Context) string { return "must be larger than 0" }

func (v positiveSize) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (positiveSize) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if n, err := parseSize(req.ConfigValue.ValueString()); err == nil && n == 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Size is zero",
			fmt.Sprintf("%s is %q: the Engine reads a size of 0 back as not set, so leave %s out instead.", req.Path, req.ConfigValue.ValueString(), req.Path))
	}
}

// nonZeroFileMode refuses the mode "0000" where the Engine reads 0 back as not set (tmpfs).
type nonZeroFileMode struct{}

func (nonZeroFileMode) Description(context.Context) string { return "must not be 0000" }

func (v nonZeroFileMode) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (nonZeroFileMode) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if m, err := parseFileMode(req.ConfigValue.ValueString()); err == nil && m == 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "File mode is zero",
			fmt.Sprintf("%s is %q: the Engine reads a tmpfs mode of 0 back as not set, so leave %s out instead.", req.Path, req.ConfigValue.ValueString(), req.Path))
	}
}

// raftTicksValidator requires election_tick to be larger than heartbeat_tick when both are set:
// the managers' raft refuses to start otherwise ("election tick must be greater than heartbeat
// tick"), so the swarm cannot be initialised.
type raftTicksValidator struct{}

func (raftTicksValidator) Description(context.Context) string {
	return "election_tick must be larger than heartbeat_tick"
}

func (v raftTicksValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (raftTicksValidator) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	attrs := req.ConfigValue.Attributes()
	election, _ := attrs["election_tick"].(types.Int64)
	heartbeat, _ := attrs["heartbeat_tick"].(types.Int64)
	if !setAndKnown(election) || !setAndKnown(heartbeat) || election.ValueInt64() > heartbeat.ValueInt64() {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path.AtName("election_tick"), "Invalid raft ticks",
		fmt.Sprintf("election_tick (%d) must be larger than heartbeat_tick (%d): the managers' raft does not start otherwise.",
			election.ValueInt64(), heartbeat.ValueInt64()))
}

// float32Exact refuses a number that the Engine, which keeps it as a 32-bit float, would read
// back as another one (0.123456789 reads back as 0.12345679): the state would then differ from
// the plan.
type float32Exact struct{}

func (float32Exact) Description(context.Context) string {
	return "at most 7 significant digits (the Engine keeps a 32-bit float)"
}

func (v float32Exact) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (float32Exact) ValidateFloat64(_ context.Context, req validator.Float64Request, resp *validator.Float64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	f := req.ConfigValue.ValueFloat64()
	if back := floatRound(float32(f)); back != f {
		resp.Diagnostics.AddAttributeError(req.Path, "Number not kept exactly",
			fmt.Sprintf("%s is %v, but the Engine keeps it as a 32-bit float and would read it back as %v: write %v, or another number with at most 7 significant digits.",
				req.Path, f, back, back))
	}
}
