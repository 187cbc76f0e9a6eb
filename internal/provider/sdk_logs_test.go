package provider

import (
	"maps"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestQuietUnreadLogs(t *testing.T) {
	for name, tc := range map[string]struct {
		env, want map[string]string
	}{
		"terraform drops the logs": {
			env:  map[string]string{},
			want: map[string]string{"TF_LOG_SDK": "off", "TF_LOG_SDK_PROTO": "off", "TF_LOG_SDK_FRAMEWORK": "off"},
		},
		"an explicit level is kept": {
			env:  map[string]string{"TF_LOG_SDK_FRAMEWORK": "trace"},
			want: map[string]string{"TF_LOG_SDK": "off", "TF_LOG_SDK_PROTO": "off", "TF_LOG_SDK_FRAMEWORK": "trace"},
		},
		"TF_LOG": {
			env:  map[string]string{"TF_LOG": "debug"},
			want: map[string]string{"TF_LOG": "debug"},
		},
		"TF_LOG_PROVIDER": {
			env:  map[string]string{"TF_LOG_PROVIDER": "trace"},
			want: map[string]string{"TF_LOG_PROVIDER": "trace"},
		},
		"an empty TF_LOG logs nothing": {
			env:  map[string]string{"TF_LOG": ""},
			want: map[string]string{"TF_LOG": "", "TF_LOG_SDK": "off", "TF_LOG_SDK_PROTO": "off", "TF_LOG_SDK_FRAMEWORK": "off"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			env := maps.Clone(tc.env)
			QuietUnreadLogs(func(k string) (string, bool) { v, ok := env[k]; return v, ok },
				func(k, v string) error { env[k] = v; return nil })
			if d := cmp.Diff(tc.want, env); d != "" {
				t.Errorf("environment (-want +got):\n%s", d)
			}
		})
	}
}
