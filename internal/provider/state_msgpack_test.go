package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestJSONAsMsgPack: jsonAsMsgPack writes what tftypes reads from the JSON and writes as msgpack,
// for every spelling tftypes accepts, and fails where tftypes fails.
func TestJSONAsMsgPack(t *testing.T) {
	t.Parallel()
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"s": tftypes.String, "n": tftypes.Number, "b": tftypes.Bool,
		"l":   tftypes.List{ElementType: tftypes.Number},
		"set": tftypes.Set{ElementType: tftypes.String},
		"m":   tftypes.Map{ElementType: tftypes.Object{AttributeTypes: map[string]tftypes.Type{"x": tftypes.String}}},
	}}
	mt, err := newMsgType(typ)
	if err != nil {
		t.Fatal(err)
	}
	for name, raw := range map[string]string{
		"empty":          `{}`,
		"null":           `null`,
		"all":            `{"s":"a","n":3,"b":true,"l":[1,-2,0],"set":["x","y"],"m":{"k":{"x":"v"},"j":{}}}`,
		"dropped":        `{"s":"a","gone":{"deep":[1,2]}}`,
		"numbers":        `{"l":[1.5,0.1,1e3,-0,12345678901234567890,9223372036854775807,-9223372036854775808,1e400,"42","2.5"]}`,
		"spellings":      `{"s":12,"b":"1"}`,
		"string of bool": `{"s":false,"b":"false"}`,
		"number bool":    `{"b":0}`,
		"nulls":          `{"s":null,"l":[null],"m":{"k":null}}`,
	} {
		want, err := tftypes.ValueFromJSONWithOpts([]byte(raw), typ, tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := jsonAsMsgPack(mt, []byte(raw))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := (&tfprotov6.DynamicValue{MsgPack: b}).Unmarshal(typ)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !got.Equal(want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	for _, raw := range []string{`{"s":[]}`, `{"n":true}`, `{"b":"yes"}`, `{"l":{}}`, `{"m":[]}`, `[]`, `{"n":"x"}`} {
		if _, err := tftypes.ValueFromJSONWithOpts([]byte(raw), typ, tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true}); err == nil {
			t.Fatalf("tftypes takes %s", raw)
		}
		if _, err := jsonAsMsgPack(mt, []byte(raw)); err == nil {
			t.Errorf("jsonAsMsgPack takes %s", raw)
		}
	}
}
