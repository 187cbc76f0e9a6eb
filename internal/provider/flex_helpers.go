package provider

import (
	"net/netip"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Conversion helpers shared by expand and flatten: pointers, empty versus null, known values.

func derefOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func strPtr(s string) *string { return &s }

func int64Ptr(i int64) *int64 { return &i }

func uint64Ptr(i int64) *uint64 { u := uint64(max(i, 0)); return &u }

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonZero(i int64) *int64 {
	if i == 0 {
		return nil
	}
	return &i
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func int64Attr(v attr.Value, def int64) int64 {
	i, ok := v.(types.Int64)
	if !ok || i.IsNull() || i.IsUnknown() {
		return def
	}
	return i.ValueInt64()
}

func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// knownValue is what setAndKnown needs of an attribute value.
type knownValue interface {
	IsNull() bool
	IsUnknown() bool
}

// setAndKnown says whether a value is set and known.
func setAndKnown(v knownValue) bool { return !v.IsNull() && !v.IsUnknown() }
func cpusToNano(c *float64) int64 {
	if c == nil {
		return 0
	}
	return int64(*c*1e9 + 0.5)
}

func nanoToCPUs(n int64) *float64 {
	if n == 0 {
		return nil
	}
	v := float64(n) / 1e9
	return &v
}

func sizeBytes(s semString) int64 {
	if s.IsNull() || s.IsUnknown() {
		return 0
	}
	n, _ := parseSize(s.ValueString())
	return n
}

func bytesToSize(n int64) semString {
	if n == 0 {
		return nullSize()
	}
	return newSize(formatSize(n))
}

func durationOr(s semString, def time.Duration) time.Duration {
	if s.IsNull() || s.IsUnknown() {
		return def
	}
	d, err := parseDuration(s.ValueString())
	if err != nil {
		return def
	}
	return d
}

func durationPtr(s semString) *time.Duration {
	if s.IsNull() || s.IsUnknown() {
		return nil
	}
	d, err := parseDuration(s.ValueString())
	if err != nil {
		return nil
	}
	return &d
}

func durationValue(d time.Duration) semString {
	if d == 0 {
		return nullDuration()
	}
	return newDuration(formatDuration(d))
}

// modeBits reads a file mode attribute (validated at plan time); null is 0, the Engine's "not set".
func modeBits(m semString) os.FileMode {
	if m.IsNull() || m.IsUnknown() {
		return 0
	}
	n, _ := parseFileMode(m.ValueString())
	return os.FileMode(n)
}

func parseAddr(s string) (netip.Addr, error) { return netip.ParseAddr(s) }
