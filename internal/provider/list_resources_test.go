package provider

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

func TestListConfigFilter(t *testing.T) {
	ctx := context.Background()
	labels := func(m map[string]string) types.Map {
		v, d := types.MapValueFrom(ctx, types.StringType, m)
		if d.HasError() {
			t.Fatal(d)
		}
		return v
	}
	cases := map[string]struct {
		config  listConfigModel
		want    swarm.ListFilter
		wantErr bool
	}{
		"nothing": {
			config: listConfigModel{NamePrefix: types.StringNull(), Labels: types.MapNull(types.StringType), Stack: types.StringNull()},
			want:   swarm.ListFilter{Labels: map[string]string{}},
		},
		"prefix and labels": {
			config: listConfigModel{NamePrefix: types.StringValue("api-"), Labels: labels(map[string]string{"tier": "web", "team": ""}), Stack: types.StringNull()},
			want:   swarm.ListFilter{NamePrefix: "api-", Labels: map[string]string{"tier": "web", "team": ""}},
		},
		"stack is a label": {
			config: listConfigModel{NamePrefix: types.StringNull(), Labels: labels(map[string]string{"tier": "web"}), Stack: types.StringValue("shop")},
			want:   swarm.ListFilter{Labels: map[string]string{"tier": "web", swarm.LabelStackNamespace: "shop"}},
		},
		"stack and the same label agree": {
			config: listConfigModel{NamePrefix: types.StringNull(), Labels: labels(map[string]string{swarm.LabelStackNamespace: "shop"}), Stack: types.StringValue("shop")},
			want:   swarm.ListFilter{Labels: map[string]string{swarm.LabelStackNamespace: "shop"}},
		},
		"stack and the label disagree": {
			config:  listConfigModel{NamePrefix: types.StringNull(), Labels: labels(map[string]string{swarm.LabelStackNamespace: "blog"}), Stack: types.StringValue("shop")},
			wantErr: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, diags := tc.config.filter(ctx)
			if diags.HasError() != tc.wantErr {
				t.Fatalf("errors = %v, want error %v", diags, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("filter (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWithObjectContent(t *testing.T) {
	ctx := context.Background()
	r := NewConfigResource()
	cases := map[string]struct {
		content  []byte
		wantData string
		wantB64  bool
	}{
		"text":   {[]byte("listen 80;\n"), "listen 80;\n", false},
		"binary": {[]byte{0xff, 0x00, 0xfe}, "/wD+", true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			st, _, _ := moveState(t, r, "docker_config", kreuzwerkerAddress, []byte(`{"id":"abc","name":"x"}`), 0)
			if d := withObjectContent(tc.content)(ctx, &st); d.HasError() {
				t.Fatal(d)
			}
			var m configResourceModel
			if d := st.Get(ctx, &m); d.HasError() {
				t.Fatal(d)
			}
			if m.Data.ValueString() != tc.wantData || m.DataIsBase64.ValueBool() != tc.wantB64 {
				t.Errorf("data, data_is_base64 = %q, %v; want %q, %v", m.Data.ValueString(), m.DataIsBase64.ValueBool(), tc.wantData, tc.wantB64)
			}
		})
	}
}
