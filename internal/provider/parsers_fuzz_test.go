package provider

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/distribution/reference"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Fuzz tests of the parsers and converters of values: each never panics, refuses with a
// diagnostic at the attribute's path, and what it accepts survives the trip to the Engine and
// back as the same value (what the Engine reads back must equal what was planned, or Terraform
// reports an inconsistent result). `go test` runs the seeds in testdata/fuzz/<FuzzName>/; `make
// fuzz` runs each for a minute.

// validateSem runs a semantic string's own validation and returns its errors' details; an error
// without the attribute's path fails the test.
func validateSem(t *testing.T, v semString) []string {
	t.Helper()
	p := path.Root("task_template").AtName("x")
	resp := &xattr.ValidateAttributeResponse{}
	v.ValidateAttribute(context.Background(), xattr.ValidateAttributeRequest{Path: p}, resp)
	return diagDetails(t, resp.Diagnostics.Errors(), p)
}

// diagDetails returns the details of errs, failing the test for an error at another path.
func diagDetails(t *testing.T, errs diag.Diagnostics, p path.Path) []string {
	t.Helper()
	var out []string
	for _, e := range errs {
		wp, ok := e.(diag.DiagnosticWithPath)
		if !ok || !wp.Path().Equal(p) {
			t.Fatalf("error %q (%s) is not at the attribute %q", e.Summary(), e.Detail(), p)
		}
		out = append(out, e.Detail())
	}
	return out
}

// FuzzParseSize: a size that parses reads back, in the Engine's bytes and the provider's
// spelling, as the same size.
func FuzzParseSize(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		errs := validateSem(t, newSize(s))
		n, err := parseSize(s)
		if (err != nil) != (len(errs) > 0) {
			t.Fatalf("parseSize(%q) = %d, %v, but the attribute's validation says %v", s, n, err, errs)
		}
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("parseSize(%q) = %d", s, n)
		}
		canonical := formatSize(n)
		back, err := parseSize(canonical)
		if err != nil || back != n {
			t.Fatalf("parseSize(%q) = %d, formatted %q, which parses to %d, %v", s, n, canonical, back, err)
		}
		if !semEqual(semSize, s, canonical) {
			t.Fatalf("%q and its canonical spelling %q are not equal", s, canonical)
		}
		// As a memory limit, through expand and flatten.
		m := &resourcesModel{Limits: &limitsModel{Memory: newSize(s)}}
		got := flattenResourceRequirements(expandResourceRequirements(m))
		if n == 0 {
			if got != nil {
				t.Fatalf("a zero limit reads back as %+v", got)
			}
			return
		}
		if got == nil || got.Limits == nil || !semEqual(semSize, got.Limits.Memory.ValueString(), s) {
			t.Fatalf("memory %q reads back as %+v", s, got)
		}
	})
}

// FuzzParseDuration: a duration that parses reads back as the same duration.
func FuzzParseDuration(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		errs := validateSem(t, newDuration(s))
		d, err := parseDuration(s)
		if (err != nil) != (len(errs) > 0) {
			t.Fatalf("parseDuration(%q) = %v, %v, but the attribute's validation says %v", s, d, err, errs)
		}
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("parseDuration(%q) = %v", s, d)
		}
		back, err := parseDuration(formatDuration(d))
		if err != nil || back != d || !semEqual(semDuration, s, formatDuration(d)) {
			t.Fatalf("parseDuration(%q) = %v, formatted %q, which parses to %v, %v", s, d, formatDuration(d), back, err)
		}
		// As a restart delay, through expand and flatten.
		got := flattenRestartPolicy(expandRestartPolicy(&restartPolicyModel{Delay: newDuration(s)}))
		if !semEqual(semDuration, got.Delay.ValueString(), s) {
			t.Fatalf("delay %q reads back as %q", s, got.Delay.ValueString())
		}
	})
}

// FuzzCPUs: a CPU count the validator accepts is stored in billionths and reads back as the same
// number; any other number is refused at the attribute, never by a panic.
func FuzzCPUs(f *testing.F) {
	f.Fuzz(func(t *testing.T, c float64) {
		p := path.Root("task_template").AtName("resources").AtName("limits").AtName("cpus")
		resp := &validator.Float64Response{}
		cpusValidator{}.ValidateFloat64(context.Background(), validator.Float64Request{Path: p, ConfigValue: types.Float64Value(c)}, resp)
		if errs := diagDetails(t, resp.Diagnostics.Errors(), p); len(errs) > 0 {
			return
		}
		if math.IsNaN(c) || math.IsInf(c, 0) || c < 0.001 {
			t.Fatalf("%v CPUs accepted", c)
		}
		n := cpusToNano(&c)
		if n < minNanoCPUs || *nanoToCPUs(n) != c {
			t.Fatalf("%v CPUs is stored as %d billionths, read back as %v", c, n, nanoToCPUs(n))
		}
		got := flattenResourceRequirements(expandResourceRequirements(&resourcesModel{Limits: &limitsModel{CPUs: &c}}))
		if got == nil || got.Limits == nil || got.Limits.CPUs == nil || *got.Limits.CPUs != c {
			t.Fatalf("%v CPUs read back as %+v", c, got)
		}
	})
}

// FuzzExtraHosts: an extra host the validator accepts reads back as the same entry; any line the
// Engine may hold flattens without a panic.
func FuzzExtraHosts(f *testing.F) {
	f.Fuzz(func(t *testing.T, name, ip, line string) {
		_ = flattenHosts([]string{line})
		p := path.Root("task_template").AtName("container_spec").AtName("hosts")
		resp := &validator.MapResponse{}
		in := types.MapValueMust(types.ListType{ElemType: types.StringType}, map[string]attr.Value{
			name: types.ListValueMust(types.StringType, []attr.Value{types.StringValue(ip)})})
		extraHostsValidator{}.ValidateMap(context.Background(), validator.MapRequest{Path: p, ConfigValue: in}, resp)
		if errs := diagDetails(t, resp.Diagnostics.Errors(), p.AtMapKey(name)); len(errs) > 0 {
			return
		}
		want := map[string][]string{name: {ip}}
		lines := expandHosts(want)
		got := flattenHosts(lines)
		if len(got) != 1 || len(got[name]) != 1 || got[name][0] != ip {
			t.Fatalf("hosts %q are sent as %q and read back as %q", want, lines, got)
		}
		// The Engine hands each line to the container as name:IP, split at the first ':'.
		fields := strings.Fields(lines[0])
		if len(fields) != 2 || fields[1] != name || fields[0] != ip {
			t.Fatalf("the line %q is not IP and name", lines[0])
		}
		if err := checkExtraHostAddress(strings.SplitN(fields[1]+":"+fields[0], ":", 2)[1]); err != nil {
			t.Fatalf("the Engine would read %q back from %q: %v", fields[0], lines[0], err)
		}
	})
}

// pinnedDigest is what the Engine adds when it pins an image to a digest.
const pinnedDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// FuzzImageReference: an image the validator accepts is one the manager accepts
// (reference.ParseNormalizedNamed), and it compares equal to what the Engine stores for it: the
// familiar form, pinned to a digest when the reference had none (the daemon's
// imageWithDigestString), so the pin is never a diff. No input makes the comparison panic.
func FuzzImageReference(f *testing.F) {
	f.Fuzz(func(t *testing.T, s, other string) {
		_ = imagesEqual(s, other)
		if errs := validateSem(t, newImage(s)); len(errs) > 0 {
			return
		}
		named, err := reference.ParseNormalizedNamed(s)
		if err != nil {
			t.Fatalf("%q accepted, but the manager refuses it: %v", s, err)
		}
		engine := reference.FamiliarString(named)
		if _, canonical := named.(reference.Canonical); !canonical {
			tagged, ok := reference.TagNameOnly(named).(reference.NamedTagged)
			if !ok {
				t.Fatalf("%q has no tag after TagNameOnly", s)
			}
			engine = reference.FamiliarString(tagged) + "@" + pinnedDigest
		}
		if !imagesEqual(s, engine) || !imagesEqual(s, s) {
			t.Fatalf("%q does not equal %q, which the Engine stores for it", s, engine)
		}
		if !semEqual(semImage, s, reference.FamiliarString(named)) {
			t.Fatalf("%q does not equal its familiar form %q", s, reference.FamiliarString(named))
		}
	})
}
