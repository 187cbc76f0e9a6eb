package swarm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/types/swarm"
)

func TestLoadComposeErrors(t *testing.T) {
	t.Parallel()
	ok := "version: '3.8'\nservices:\n  web:\n    image: x\n"
	cases := map[string]struct {
		src      StackSource
		file     int
		line     int
		key, msg string
	}{
		"unknown key": {
			src:  StackSource{Files: []string{ok, "version: '3.8'\nservices:\n  web:\n    image: x\n    deploy:\n      replicaz: 2\n"}},
			file: 1, line: 6, key: "services.web.deploy.replicaz", msg: "additional property 'replicaz' is not allowed",
		},
		"wrong type": {
			src:  StackSource{Files: []string{"version: '3.8'\nservices:\n  web:\n    image: x\n    deploy:\n      replicas: many\n"}},
			file: 0, line: 6, key: "services.web.deploy.replicas", msg: "must be an integer",
		},
		"syntax": {
			src:  StackSource{Files: []string{"version: '3.8'\nservices:\n  web:\n    image: x: y\n"}},
			file: 0, line: 4, msg: "mapping values are not allowed",
		},
		"no image": {
			src:  StackSource{Files: []string{"version: '3.8'\nservices:\n  web:\n    environment: {A: b}\n"}},
			file: -1, key: "services.web.image", msg: "no image specified",
		},
		"bad env file": {
			src:  StackSource{Files: []string{ok}, DotEnv: "# defaults\nA=1\nnot a pair\n"},
			file: -1, line: 3, msg: "not KEY=VALUE",
		},
		"no file": {src: StackSource{}, file: -1, msg: "no compose file"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, _, err := LoadCompose(tc.src)
			var ce *ComposeError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *ComposeError", err)
			}
			if ce.File != tc.file || ce.Line != tc.line || ce.Key != tc.key || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got file %d line %d key %q: %v", ce.File, ce.Line, ce.Key, err)
			}
		})
	}
}

func TestLoadComposeMergesAndInterpolates(t *testing.T) {
	t.Parallel()
	base := "version: '3.8'\nservices:\n  web:\n    image: app:${TAG}\n    environment:\n      LEVEL: ${LEVEL:-low}\n      KEEP: '1'\n"
	override := "version: '3.8'\nservices:\n  web:\n    environment:\n      LEVEL: high\n    build: .\n"
	cfg, warnings, err := LoadCompose(StackSource{Files: []string{base, override}, DotEnv: "TAG=1\nLEVEL=mid\n", Variables: map[string]string{"TAG": "2"}})
	if err != nil {
		t.Fatal(err)
	}
	web := cfg.Services[0]
	if web.Image != "app:2" || *web.Environment["LEVEL"] != "high" || *web.Environment["KEEP"] != "1" {
		t.Errorf("image %s env %v", web.Image, web.Environment)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "build") {
		t.Errorf("warnings %v, want the unsupported build", warnings)
	}
}

func TestConvertStack(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token.txt"), []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := `version: '3.8'
services:
  web:
    image: app:1
    entrypoint: ["/app"]
    command: ["serve"]
    networks: [front]
    secrets: [token, ext]
    deploy: {replicas: 3}
networks:
  front: {}
  outside: {external: true, name: shared}
secrets:
  token: {file: ./token.txt}
  ext: {external: true, name: shared_secret}
`
	cfg, _, err := LoadCompose(StackSource{Files: []string{file}, WorkingDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	spec, err := ConvertStack(context.Background(), "shop", cfg)
	if err != nil {
		t.Fatal(err)
	}
	web := spec.Services["web"]
	cs := web.TaskTemplate.ContainerSpec
	if web.Name != "shop_web" || web.Labels[LabelNamespace] != "shop" || web.Labels[LabelStackImage] != "app:1" {
		t.Errorf("annotations %+v", web.Annotations)
	}
	if !slices.Equal(cs.Command, []string{"/app"}) || !slices.Equal(cs.Args, []string{"serve"}) {
		t.Errorf("entrypoint is Command, command is Args: %v %v", cs.Command, cs.Args)
	}
	if _, ok := spec.Networks["shop_front"]; !ok || spec.Networks["shop_front"].Driver != "overlay" {
		t.Errorf("networks %v", spec.Networks)
	}
	want := []StackObject{
		{Kind: KindSecret, Key: "ext", Name: "shared_secret", External: true},
		{Kind: KindSecret, Key: "token", Name: "shop_token", Labels: map[string]string{LabelNamespace: "shop"}, Data: []byte("s3cret")},
	}
	if d := cmp.Diff(want, spec.Secrets); d != "" {
		t.Errorf("secrets (-want +got):\n%s", d)
	}
	if got := []string{cs.Secrets[0].SecretName, cs.Secrets[1].SecretName}; !slices.Equal(got, []string{"shared_secret", "shop_token"}) {
		t.Errorf("secret references %v", got)
	}
	if d := spec.Secrets[1].Digest(); !strings.HasPrefix(d, "sha256:") || strings.Contains(d, "s3cret") {
		t.Errorf("digest %s", d)
	}
}

func TestCanonicalSpecAndDrift(t *testing.T) {
	t.Parallel()
	three := uint64(3)
	desired := swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: "shop_web", Labels: map[string]string{LabelNamespace: "shop", LabelStackImage: "app:1"}},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: &swarm.ContainerSpec{Image: "app:1", Env: []string{"A=1"}, Secrets: []*swarm.SecretReference{{SecretName: "shop_token", SecretID: "shop_token"}}},
			Placement:     &swarm.Placement{},
		},
		Mode:         swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &three}},
		EndpointSpec: &swarm.EndpointSpec{},
	}
	// What the Engine returns: defaults filled in, the image pinned, a rotated secret version.
	live := desired
	live.TaskTemplate.Runtime = swarm.RuntimeContainer
	live.TaskTemplate.ForceUpdate = 2
	cs := *desired.TaskTemplate.ContainerSpec
	cs.Image = "app:1@sha256:0123"
	cs.Isolation = "default"
	cs.Secrets = []*swarm.SecretReference{{SecretName: "shop_token-v2", SecretID: "id2"}}
	live.TaskTemplate.ContainerSpec = &cs
	live.EndpointSpec = &swarm.EndpointSpec{Mode: swarm.ResolutionModeVIP}
	logical := map[string]string{"id2": "shop_token"}

	d, err := CanonicalSpec(desired, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	l, err := CanonicalSpec(live, logical, true)
	if err != nil {
		t.Fatal(err)
	}
	if d != l {
		t.Fatalf("an unchanged service differs:\n%s\n%s", d, l)
	}
	if drift, _ := SpecDrift(d, l); len(drift) != 0 {
		t.Errorf("drift %v", drift)
	}

	five := uint64(5)
	changed := live
	changed.Mode = swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &five}}
	cs2 := cs
	cs2.Env = []string{"A=1", "B=2"}
	cs2.Image = "app:2"
	changed.TaskTemplate.ContainerSpec = &cs2
	changed.Labels = map[string]string{LabelNamespace: "shop", LabelStackImage: "app:1", "x": "y"}
	c, _ := CanonicalSpec(changed, logical, true)
	drift, err := SpecDrift(d, c)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"deploy.labels", "environment", "image", "replicas"}; !slices.Equal(drift, want) {
		t.Errorf("drift %v, want %v", drift, want)
	}
	// Unmanaged replicas are no drift.
	du, _ := CanonicalSpec(desired, nil, false)
	cu, _ := CanonicalSpec(live, logical, false)
	l5 := live
	l5.Mode = changed.Mode
	cu5, _ := CanonicalSpec(l5, logical, false)
	if du != cu || du != cu5 {
		t.Errorf("without replicas:\n%s\n%s\n%s", du, cu, cu5)
	}
	// Global and replicated with 0 replicas stay apart.
	zero := uint64(0)
	g, _ := CanonicalSpec(swarm.ServiceSpec{Mode: swarm.ServiceMode{Global: &swarm.GlobalService{}}}, nil, true)
	z, _ := CanonicalSpec(swarm.ServiceSpec{Mode: swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &zero}}}, nil, true)
	if g == z {
		t.Error("global and 0 replicas are the same")
	}
}

func TestStackUpdateSpec(t *testing.T) {
	t.Parallel()
	two, seven := uint64(2), uint64(7)
	desired := swarm.ServiceSpec{
		TaskTemplate: swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{Image: "app:1"}},
		Mode:         swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &two}},
	}
	live := swarm.Service{Spec: swarm.ServiceSpec{
		Annotations:  swarm.Annotations{Labels: map[string]string{LabelStackImage: "app:1"}},
		TaskTemplate: swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{Image: "app:1@sha256:ab"}, ForceUpdate: 3},
		Mode:         swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &seven}},
	}}
	next := stackUpdateSpec(desired, live, false)
	if next.TaskTemplate.ContainerSpec.Image != "app:1@sha256:ab" || next.TaskTemplate.ForceUpdate != 3 || *next.Mode.Replicated.Replicas != 2 {
		t.Errorf("managed: %+v", next)
	}
	if desired.TaskTemplate.ContainerSpec.Image != "app:1" {
		t.Error("the desired spec was changed")
	}
	if next := stackUpdateSpec(desired, live, true); *next.Mode.Replicated.Replicas != 7 {
		t.Errorf("unmanaged replicas: %d", *next.Mode.Replicated.Replicas)
	}
	desired.TaskTemplate.ContainerSpec = &swarm.ContainerSpec{Image: "app:2"}
	if next := stackUpdateSpec(desired, live, false); next.TaskTemplate.ContainerSpec.Image != "app:2" {
		t.Errorf("a new image is sent as written: %s", next.TaskTemplate.ContainerSpec.Image)
	}
}

func TestResolveReferences(t *testing.T) {
	t.Parallel()
	spec := swarm.ServiceSpec{TaskTemplate: swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{
		Secrets: []*swarm.SecretReference{{SecretName: "shop_token", SecretID: "shop_token"}},
		Configs: []*swarm.ConfigReference{{ConfigName: "shop_conf", ConfigID: "shop_conf"}},
	}}}
	resolved := map[string]Object{
		"secret/shop_token": {ID: "s2", Name: "shop_token-v2"},
		"config/shop_conf":  {ID: "c1", Name: "shop_conf"},
	}
	got, err := resolveReferences(spec, resolved)
	if err != nil {
		t.Fatal(err)
	}
	s, c := got.TaskTemplate.ContainerSpec.Secrets[0], got.TaskTemplate.ContainerSpec.Configs[0]
	if s.SecretID != "s2" || s.SecretName != "shop_token-v2" || c.ConfigID != "c1" {
		t.Errorf("got %+v %+v", s, c)
	}
	if spec.TaskTemplate.ContainerSpec.Secrets[0].SecretID != "shop_token" {
		t.Error("the input was changed")
	}
	if _, err := resolveReferences(spec, map[string]Object{}); err == nil || !strings.Contains(err.Error(), "secret not found: shop_token") {
		t.Errorf("unresolved: %v", err)
	}
}
