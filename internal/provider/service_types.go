package provider

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/distribution/reference"
	"github.com/docker/go-units"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// semKind says how a semantic string is compared: two spellings of the same duration, size or
// image reference are equal, so the state keeps what the user wrote and no diff appears.
type semKind int

const (
	semDuration semKind = iota + 1
	semSize
	semImage
	semFileMode
)

var (
	_ basetypes.StringTypable                    = semStringType{}
	_ basetypes.StringValuableWithSemanticEquals = semString{}
	_ xattr.ValidateableAttribute                = semString{}
)

// semStringType is the custom string type of durations ("10s"), sizes ("512M") and images.
type semStringType struct {
	basetypes.StringType
	kind semKind
}

var (
	durationType = semStringType{kind: semDuration}
	sizeType     = semStringType{kind: semSize}
	imageType    = semStringType{kind: semImage}
	fileModeType = semStringType{kind: semFileMode}
)

func (t semStringType) Equal(o attr.Type) bool {
	other, ok := o.(semStringType)
	return ok && other.kind == t.kind
}

func (t semStringType) String() string { return fmt.Sprintf("semStringType(%d)", t.kind) }

func (t semStringType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return semString{StringValue: in, kind: t.kind}, nil
}

func (t semStringType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	sv, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return semString{StringValue: sv, kind: t.kind}, nil
}

func (t semStringType) ValueType(context.Context) attr.Value { return semString{kind: t.kind} }

// semString is a value of semStringType.
type semString struct {
	basetypes.StringValue
	kind semKind
}

func (v semString) Type(context.Context) attr.Type { return semStringType{kind: v.kind} }

func (v semString) Equal(o attr.Value) bool {
	other, ok := o.(semString)
	return ok && other.kind == v.kind && v.StringValue.Equal(other.StringValue)
}

func (v semString) StringSemanticEquals(_ context.Context, nv basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := nv.(semString)
	if !ok {
		return false, nil
	}
	return semEqual(v.kind, v.ValueString(), other.ValueString()), nil
}

func (v semString) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	s := v.ValueString()
	switch v.kind {
	case semDuration:
		if _, err := parseDuration(s); err != nil {
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
				fmt.Sprintf("%q is not a Go duration such as \"10s\", \"1m30s\" or \"500ms\": %v", s, err))
		}
	case semSize:
		if _, err := parseSize(s); err != nil {
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid size",
				fmt.Sprintf("%q is not a size such as \"512M\", \"1.5GiB\" or \"1048576\" (bytes): %v", s, err))
		}
	case semImage:
		if err := checkImage(s); err != nil {
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid image", err.Error())
		}
	case semFileMode:
		if _, err := parseFileMode(s); err != nil {
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid file mode", err.Error())
		}
	}
}

func semEqual(kind semKind, a, b string) bool {
	if a == b {
		return true
	}
	switch kind {
	case semDuration:
		da, errA := parseDuration(a)
		db, errB := parseDuration(b)
		return errA == nil && errB == nil && da == db
	case semSize:
		sa, errA := parseSize(a)
		sb, errB := parseSize(b)
		return errA == nil && errB == nil && sa == sb
	case semImage:
		return imagesEqual(a, b)
	case semFileMode:
		ma, errA := parseFileMode(a)
		mb, errB := parseFileMode(b)
		return errA == nil && errB == nil && ma == mb
	}
	return false
}

func newDuration(s string) semString {
	return semString{StringValue: basetypes.NewStringValue(s), kind: semDuration}
}
func newSize(s string) semString {
	return semString{StringValue: basetypes.NewStringValue(s), kind: semSize}
}
func newImage(s string) semString {
	return semString{StringValue: basetypes.NewStringValue(s), kind: semImage}
}
func newFileMode(mode uint32) semString {
	return semString{StringValue: basetypes.NewStringValue(formatFileMode(mode)), kind: semFileMode}
}
func nullFileMode() semString {
	return semString{StringValue: basetypes.NewStringNull(), kind: semFileMode}
}
func unknownDuration() semString {
	return semString{StringValue: basetypes.NewStringUnknown(), kind: semDuration}
}
func nullDuration() semString {
	return semString{StringValue: basetypes.NewStringNull(), kind: semDuration}
}
func nullSize() semString { return semString{StringValue: basetypes.NewStringNull(), kind: semSize} }

// checkImage refuses an image reference the manager refuses: it parses every image with
// reference.ParseNormalizedNamed ("… is not a valid repository/tag").
func checkImage(s string) error {
	if s == "" {
		return fmt.Errorf("the image must not be empty")
	}
	if _, err := reference.ParseNormalizedNamed(s); err != nil {
		return fmt.Errorf("%q is not an image reference Swarm accepts (`name`, `name:tag`, `registry/name:tag`, optionally "+
			"`@sha256:…`; repository names are lower case): %v", s, err)
	}
	return nil
}

// parseDuration accepts Go durations; a negative one is refused.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d < 0 {
		return 0, fmt.Errorf("must not be negative")
	}
	return d, nil
}

// parseSize reads sizes as compose files write them: binary units ("512M" and "512MiB" are both
// 512×1024×1024 bytes), a plain number is bytes.
func parseSize(s string) (int64, error) {
	n, err := units.RAMInBytes(s)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, fmt.Errorf("must not be negative")
	}
	return n, nil
}

// formatSize is the canonical spelling of a byte count: the largest binary unit that divides it
// exactly ("512M", "2G"), else the number of bytes.
func formatSize(n int64) string {
	if n == 0 {
		return "0"
	}
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}} {
		if n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// parseFileMode reads permission bits written in octal as compose, kubernetes and local write them:
// three or four octal digits ("0444", "444", "1777"), optionally after "0o".
func parseFileMode(s string) (uint32, error) {
	digits := strings.TrimPrefix(s, "0o")
	if len(digits) < 3 || len(digits) > 4 || strings.Trim(digits, "01234567") != "" {
		return 0, fmt.Errorf("%q is not a file mode written in octal, such as \"0444\", \"0640\" or \"1777\" (three or four digits 0-7)", s)
	}
	n, err := strconv.ParseUint(digits, 8, 32)
	if err != nil {
		return 0, err
	}
	return uint32(n), nil
}

// formatFileMode is the canonical spelling of permission bits: four octal digits ("0444").
func formatFileMode(mode uint32) string { return fmt.Sprintf("%04o", mode&0o7777) }

// formatDuration is the canonical spelling of a duration.
func formatDuration(d time.Duration) string { return d.String() }

// normalizeImage drops a digest pin that the Engine adds when the user wrote none, and adds the
// implicit ":latest" tag, so that "nginx", "nginx:latest" and "nginx:latest@sha256:…" compare equal.
func normalizeImage(s string) (name, tag, digest string) {
	name = s
	if i := strings.Index(name, "@"); i >= 0 {
		name, digest = name[:i], name[i+1:]
	}
	lastSlash := strings.LastIndex(name, "/")
	if i := strings.LastIndex(name, ":"); i > lastSlash {
		name, tag = name[:i], name[i+1:]
	}
	for _, p := range []string{"docker.io/", "index.docker.io/"} {
		name = strings.TrimPrefix(name, p)
	}
	if strings.HasPrefix(name, "library/") && strings.Count(name, "/") == 1 {
		name = strings.TrimPrefix(name, "library/")
	}
	return name, tag, digest
}

// imagesEqual says whether the image the user wrote (a) and the one the Engine holds (b) are the
// same reference. A digest only matters when both sides have one; a missing tag is "latest" unless
// only a digest was written.
func imagesEqual(a, b string) bool {
	na, ta, da := normalizeImage(a)
	nb, tb, db := normalizeImage(b)
	if na != nb {
		return false
	}
	if da != "" && db != "" {
		return da == db
	}
	if (da == "") != (db == "") {
		// Only one side pins a digest. The Engine pins "name:tag@digest" for a tag the user wrote;
		// a digest written without a tag is a real change of image.
		if (da != "" && ta == "") || (db != "" && tb == "") {
			return false
		}
	}
	if ta == "" {
		ta = "latest"
	}
	if tb == "" {
		tb = "latest"
	}
	return ta == tb
}

// floatRound gives a float32 from the Engine the shortest float64 that prints the same, so 0.1
// stays 0.1 instead of 0.10000000149.
func floatRound(f float32) float64 {
	v, err := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	if err != nil || math.IsNaN(v) {
		return float64(f)
	}
	return v
}
