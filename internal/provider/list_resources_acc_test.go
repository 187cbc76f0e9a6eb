package provider

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// testAccListQuery lists what the test made: each type by one of the filters, so that a filter
// that selects too much or too little shows (the test also makes objects the filters must leave
// out).
const testAccListQuery = `
list "swarm_service" "svc" {
  provider         = swarm
  include_resource = true
  config {
    stack = "NAME"
  }
}

list "swarm_network" "net" {
  provider         = swarm
  include_resource = true
  config {
    stack = "NAME"
  }
}

list "swarm_secret" "sec" {
  provider         = swarm
  include_resource = true
  config {
    labels = { "NAME" = "" }
  }
}

list "swarm_config" "cfg" {
  provider         = swarm
  include_resource = true
  config {
    name_prefix = "NAME"
    labels      = { "NAME" = "yes" }
  }
}

list "swarm_volume" "vol" {
  provider         = swarm
  include_resource = true
  config {
    stack = "NAME"
  }
}

list "swarm_node" "node" {
  provider         = swarm
  include_resource = true
  config {
    labels = { "NAME" = "" }
  }
}
`

// TestAccListResources_query makes a swarm's objects the way `docker` would (Engine API), lists
// them with `terraform query -generate-config-out`, and plans the generated configuration: every
// object is imported and nothing changes, but the data of the secret (which the user fills in)
// and of the config (which the resource adopts on its first apply). Terraform 1.14+ (`make test`
// runs it with TF_ACC_TERRAFORM_PATH).
func TestAccListResources_query(t *testing.T) {
	skipUnlessAcc(t)
	testAccPreCheck(t)
	name := acctest.RandomWithPrefix("tfacc-q")
	tf := newTerraformCLI(t, `
terraform {
  required_providers {
    swarm = { source = "tfswarm/swarm" }
  }
}

provider "swarm" {}
`)
	if _, out := tf.run("version"); !regexp.MustCompile(`Terraform v1\.(1[4-9]|[2-9]\d)\.`).MatchString(out) {
		t.Skipf("terraform query needs Terraform 1.14+ (set TF_ACC_TERRAFORM_PATH): %s", strings.SplitN(out, "\n", 2)[0])
	}
	want := testAccMakeListObjects(t, name)

	query := strings.ReplaceAll(testAccListQuery, "NAME", name)
	if err := os.WriteFile(filepath.Join(tf.dir, "adopt.tfquery.hcl"), []byte(query), 0o600); err != nil {
		t.Fatal(err)
	}
	out := tf.mustRun("query", "-generate-config-out=generated.tf")
	if err := os.Remove(filepath.Join(tf.dir, "adopt.tfquery.hcl")); err != nil {
		t.Fatal(err)
	}
	genBytes, err := os.ReadFile(filepath.Join(tf.dir, "generated.tf"))
	if err != nil {
		t.Fatalf("no generated configuration: %v\n%s", err, out)
	}
	gen := string(genBytes)

	// What each list found, by the display names of its results.
	got := map[string][]string{}
	for _, m := range regexp.MustCompile(`(?m)^list\.(swarm_\w+)\.\w+\s+\S.*?\s{2,}(\S+)\s*$`).FindAllStringSubmatch(out, -1) {
		got[m[1]] = append(got[m[1]], m[2])
	}
	for typ := range got {
		sort.Strings(got[typ])
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("terraform query found %v, want %v:\n%s", got, want, out)
	}

	// The secret's data cannot be read back: the generated configuration says so, and the user
	// fills it in.
	secretData := regexp.MustCompile(`(?m)^(\s*data\s*=\s*)null # sensitive$`)
	if !secretData.MatchString(gen) {
		t.Fatalf("the generated swarm_secret does not leave data to the user (`data = null # sensitive`):\n%s", gen)
	}
	gen = secretData.ReplaceAllString(gen, `${1}"s3cret"`)
	if err := os.WriteFile(filepath.Join(tf.dir, "generated.tf"), []byte(gen), 0o600); err != nil {
		t.Fatal(err)
	}

	tf.mustRun("plan", "-input=false", "-out=adopt.tfplan")
	showOut := tf.mustRun("show", "-json", "adopt.tfplan")
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Actions   []string       `json:"actions"`
				Before    map[string]any `json:"before"`
				After     map[string]any `json:"after"`
				Importing map[string]any `json:"importing"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(showOut[strings.Index(showOut, "{"):]), &plan); err != nil {
		t.Fatalf("terraform show -json: %v\n%s", err, showOut)
	}
	imported := 0
	for _, rc := range plan.ResourceChanges {
		c := rc.Change
		if c.Importing == nil {
			t.Errorf("%s is not imported: %v", rc.Address, c.Actions)
			continue
		}
		imported++
		typ := strings.SplitN(rc.Address, ".", 2)[0]
		switch {
		case len(c.Actions) == 1 && c.Actions[0] == "no-op":
		case (typ == "swarm_secret" || typ == "swarm_config") && len(c.Actions) == 1 && c.Actions[0] == "update":
			// Only data: null in the imported state, set in the configuration.
			for k := range c.After {
				if k != "data" && !reflect.DeepEqual(c.Before[k], c.After[k]) {
					t.Errorf("%s: the plan changes %s (%v -> %v), want only data", rc.Address, k, c.Before[k], c.After[k])
				}
			}
			if c.Before["data"] != nil || c.After["data"] == nil {
				t.Errorf("%s: want data null -> set, got %v -> %v", rc.Address, c.Before["data"], c.After["data"])
			}
		default:
			t.Errorf("%s: plan actions %v, want no-op", rc.Address, c.Actions)
		}
	}
	wantImported := 0
	for _, names := range want {
		wantImported += len(names)
	}
	if imported != wantImported {
		t.Errorf("the plan imports %d objects, want %d:\n%s", imported, wantImported, gen)
	}
}

// testAccMakeListObjects makes, with the Engine API, one object of each listed type that the
// query's filters select and one that they must leave out, and returns the names the query must
// find by type. Cleanup removes them all.
func testAccMakeListObjects(t *testing.T, name string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	c := testAccClient(t)
	api, err := c.Manager(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stack := map[string]string{swarm.LabelStackNamespace: name}
	var cleanups []func()
	t.Cleanup(func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	})
	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("creating %s: %v", what, err)
		}
	}

	var netIDs []string
	for _, n := range []struct {
		name   string
		labels map[string]string
	}{{name + "_net", stack}, {name + "-other-net", nil}} {
		res, err := api.NetworkCreate(ctx, n.name, client.NetworkCreateOptions{Driver: "overlay", Scope: "swarm", Labels: n.labels})
		check(n.name, err)
		netIDs = append(netIDs, res.ID)
		cleanups = append(cleanups, func() { _, _ = api.NetworkRemove(ctx, res.ID, client.NetworkRemoveOptions{}) })
	}
	sec, err := api.SecretCreate(ctx, client.SecretCreateOptions{Spec: apiswarm.SecretSpec{
		Annotations: apiswarm.Annotations{Name: name + "_sec", Labels: map[string]string{name: "1"}}, Data: []byte("s3cret")}})
	check("secret", err)
	cleanups = append(cleanups, func() { _, _ = api.SecretRemove(ctx, sec.ID, client.SecretRemoveOptions{}) })
	other, err := api.SecretCreate(ctx, client.SecretCreateOptions{Spec: apiswarm.SecretSpec{
		Annotations: apiswarm.Annotations{Name: name + "_unlabelled"}, Data: []byte("x")}})
	check("secret", err)
	cleanups = append(cleanups, func() { _, _ = api.SecretRemove(ctx, other.ID, client.SecretRemoveOptions{}) })
	var cfgIDs []string
	for _, cf := range []struct{ name, label string }{{name + "_cfg", "yes"}, {name + "_cfg-no", "no"}} {
		res, err := api.ConfigCreate(ctx, client.ConfigCreateOptions{Spec: apiswarm.ConfigSpec{
			Annotations: apiswarm.Annotations{Name: cf.name, Labels: map[string]string{name: cf.label}}, Data: []byte("listen 80;\n")}})
		check(cf.name, err)
		cfgIDs = append(cfgIDs, res.ID)
		cleanups = append(cleanups, func() { _, _ = api.ConfigRemove(ctx, res.ID, client.ConfigRemoveOptions{}) })
	}
	for _, v := range []struct {
		name   string
		labels map[string]string
	}{{name + "_vol", stack}, {name + "-other-vol", nil}} {
		_, err := api.VolumeCreate(ctx, client.VolumeCreateOptions{Name: v.name, Labels: v.labels})
		check(v.name, err)
		cleanups = append(cleanups, func() { _, _ = api.VolumeRemove(ctx, v.name, client.VolumeRemoveOptions{}) })
	}
	one := uint64(1)
	for _, s := range []struct {
		name   string
		labels map[string]string
	}{{name + "_web", stack}, {name + "-other-web", nil}} {
		spec := apiswarm.ServiceSpec{
			Annotations: apiswarm.Annotations{Name: s.name, Labels: s.labels},
			Mode:        apiswarm.ServiceMode{Replicated: &apiswarm.ReplicatedService{Replicas: &one}},
			TaskTemplate: apiswarm.TaskSpec{
				ContainerSpec: &apiswarm.ContainerSpec{
					Image: testAccImageV1,
					Env:   []string{"GREETING=hello"},
					Secrets: []*apiswarm.SecretReference{{SecretID: sec.ID, SecretName: name + "_sec",
						File: &apiswarm.SecretReferenceFileTarget{Name: "token", UID: "0", GID: "0", Mode: 0o400}}},
					Configs: []*apiswarm.ConfigReference{{ConfigID: cfgIDs[0], ConfigName: name + "_cfg",
						File: &apiswarm.ConfigReferenceFileTarget{Name: "/etc/app.conf", UID: "0", GID: "0", Mode: 0o444}}},
				},
				Networks: []apiswarm.NetworkAttachmentConfig{{Target: netIDs[0], Aliases: []string{"web"}}},
			},
			EndpointSpec: &apiswarm.EndpointSpec{Mode: apiswarm.ResolutionModeDNSRR},
		}
		res, err := api.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: spec, EncodedRegistryAuth: testAccRegistryAuth(t)})
		check(s.name, err)
		// Services go first: the secret, config and network are theirs.
		cleanups = append(cleanups, func() {
			_ = c.RemoveService(ctx, res.ID)
			_ = c.WaitServiceRemoved(ctx, res.ID)
		})
	}

	// A node label (removed again at cleanup) on the first worker.
	worker := testAccNodes(t, "worker")[0].Name
	node, err := c.FindNode(ctx, worker)
	check("node label", err)
	check("node label", c.UpdateNode(ctx, node.ID, func(s *apiswarm.NodeSpec) {
		if s.Labels == nil {
			s.Labels = map[string]string{}
		}
		s.Labels[name] = "1"
	}))
	cleanups = append(cleanups, func() {
		_ = c.UpdateNode(ctx, node.ID, func(s *apiswarm.NodeSpec) { delete(s.Labels, name) })
	})

	return map[string][]string{
		"swarm_service": {name + "_web"},
		"swarm_network": {name + "_net"},
		"swarm_secret":  {name + "_sec"},
		"swarm_config":  {name + "_cfg"},
		"swarm_volume":  {name + "_vol"},
		"swarm_node":    {node.Description.Hostname},
	}
}
