package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// stackCase is a compose file set of testdata/stack and the variables it needs.
type stackCase struct {
	name  string
	files []string
}

var stackCases = []stackCase{
	{"seed", []string{"seed.yml"}},
	{"deploy", []string{"deploy.yml"}},
	{"service", []string{"service.yml"}},
	{"networks", []string{"networks.yml"}},
	{"objects", []string{"objects.yml"}},
	{"jobs", []string{"jobs.yml"}},
	{"merge", []string{"base.yml", "override.yml"}},
}

func stackTestdata(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "stack"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// stackVars are the interpolation variables of every case; prefix names the external objects.
func stackVars(prefix string) map[string]string {
	return map[string]string{
		"IMAGE":              testAccImageV1,
		"FRONTEND_IMAGE":     testAccImageV1,
		"API_IMAGE":          testAccImageV1,
		"CACHE_IMAGE":        testAccImageV1,
		"DB_IMAGE":           testAccImageV1,
		"PROMETHEUS_IMAGE":   testAccImageV1,
		"GRAFANA_IMAGE":      testAccImageV1,
		"SSL_CERT_SECRET":    prefix + "-ssl-cert",
		"DB_PASSWORD_SECRET": prefix + "-db-password",
		"SHARED_SECRET":      prefix + "-shared",
		"SHARED_NETWORK":     prefix + "-shared",
	}
}

// docker runs the Docker CLI against the host engine (a manager of the bed), with the bed's
// registry credentials for --with-registry-auth.
func docker(t *testing.T, env map[string]string, args ...string) {
	t.Helper()
	cmd := exec.Command("docker", args...)
	cmd.Env = append(testAccDockerCLIEnv(), "DOCKER_HOST=unix:///var/run/docker.sock")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// cliDeploy deploys a case with `docker stack deploy` and returns the specs of its services.
func cliDeploy(t *testing.T, ns string, c stackCase, vars map[string]string) {
	t.Helper()
	args := []string{"stack", "deploy", "--detach=true", "--resolve-image", "never", "--with-registry-auth"}
	for _, f := range c.files {
		args = append(args, "-c", filepath.Join(stackTestdata(t), f))
	}
	docker(t, vars, append(args, ns)...)
}

// stackSpecs reads the services of a stack as comparable JSON: IDs and versions cleared, the
// namespace replaced by "NS".
func stackSpecs(t *testing.T, ns string) map[string]any {
	t.Helper()
	st, err := testAccClient(t).ReadStack(context.Background(), ns)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for key, svc := range st.Services {
		spec := svc.Spec
		if cs := spec.TaskTemplate.ContainerSpec; cs != nil {
			for _, s := range cs.Secrets {
				s.SecretID = ""
			}
			for _, c := range cs.Configs {
				c.ConfigID = ""
			}
		}
		for i := range spec.TaskTemplate.Networks {
			spec.TaskTemplate.Networks[i].Target = networkName(t, spec.TaskTemplate.Networks[i].Target)
		}
		b, _ := json.Marshal(spec)
		b = []byte(strings.ReplaceAll(string(b), ns, "NS"))
		var m any
		_ = json.Unmarshal(b, &m)
		out[key] = m
	}
	return out
}

func networkName(t *testing.T, id string) string {
	t.Helper()
	n, err := testAccClient(t).InspectNetworkByID(context.Background(), id)
	if err != nil {
		return id
	}
	return n.Name
}

func removeStackCLI(t *testing.T, ns string) {
	t.Helper()
	if err := testAccClient(t).RemoveStack(context.Background(), ns); err != nil {
		t.Errorf("removing stack %s: %v", ns, err)
	}
}

// stackPrereqs creates the external objects the files name and the node label the seed's db
// needs, and undoes all of it at the end.
func stackPrereqs(t *testing.T, prefix string) {
	t.Helper()
	for _, s := range []string{"-ssl-cert", "-db-password", "-shared"} {
		cmd := exec.Command("docker", "secret", "create", prefix+s, "-")
		cmd.Env = append(os.Environ(), "DOCKER_HOST=unix:///var/run/docker.sock")
		cmd.Stdin = strings.NewReader("value" + s)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("creating secret: %v %s", err, out)
		}
		name := prefix + s
		t.Cleanup(func() { _ = exec.Command("docker", "secret", "rm", name).Run() })
	}
	testAccCreateOverlay(t, prefix+"-shared")
	// Stack volumes stay after `docker stack rm`, on whichever node ran the task: remove those of
	// this run (their names hold its number) from every node.
	num := strings.TrimPrefix(prefix, "tfacc-")
	t.Cleanup(func() {
		for _, n := range testAccNodes(t, "") {
			out, err := exec.Command("docker", "-H", n.Host, "volume", "ls", "-q", "--filter", "name="+num).Output()
			if err != nil {
				continue
			}
			for _, v := range strings.Fields(string(out)) {
				_ = exec.Command("docker", "-H", n.Host, "volume", "rm", v).Run()
			}
		}
	})
	docker(t, nil, "node", "update", "--label-add", "db=true", "w1")
	t.Cleanup(func() { _ = exec.Command("docker", "node", "update", "--label-rm", "db", "w1").Run() })
}

func testAccStackConfig(name string, files []string, dir string, vars map[string]string, extra string) string {
	var fs []string
	for _, f := range files {
		fs = append(fs, fmt.Sprintf("file(%q)", filepath.Join(dir, f)))
	}
	var vs []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range vars {
			if !yield(k) {
				return
			}
		}
	}) {
		vs = append(vs, fmt.Sprintf("    %s = %q", k, vars[k]))
	}
	return fmt.Sprintf(`
resource "swarm_stack" %[1]q {
  name          = %[1]q
  compose_files = [%[2]s]
  working_dir   = %[3]q
  variables = {
%[4]s
  }
%[5]s
}
`, name, strings.Join(fs, ", "), dir, strings.Join(vs, "\n"), extra)
}

// TestAccStackResource_matchesCLI deploys every compose file of testdata/stack with
// `docker stack deploy` and with swarm_stack, under two namespaces, and compares the services'
// specs field by field (minus IDs, versions and the namespace). The CLI stack is removed before
// swarm_stack deploys: both would publish the same host ports.
func TestAccStackResource_matchesCLI(t *testing.T) {
	skipUnlessAcc(t)
	prefix := acctest.RandomWithPrefix("tfacc")
	num := strings.TrimPrefix(prefix, "tfacc-")
	stackPrereqs(t, prefix)
	vars := stackVars(prefix)
	dir := stackTestdata(t)

	want := map[string]map[string]any{}
	for _, c := range stackCases {
		ns := "sc" + num + c.name
		cliDeploy(t, ns, c, vars)
		want[c.name] = stackSpecs(t, ns)
		removeStackCLI(t, ns)
	}
	var cfg strings.Builder
	cfg.WriteString(testAccBed)
	for _, c := range stackCases {
		cfg.WriteString(testAccStackConfig("st"+num+c.name, c.files, dir, vars, ""))
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckStackDestroy(t, "st"+num),
		Steps: []resource.TestStep{{
			Config: cfg.String(),
			Check: func(*terraform.State) error {
				for _, c := range stackCases {
					got := stackSpecs(t, "st"+num+c.name)
					if d := cmp.Diff(want[c.name], got); d != "" {
						return fmt.Errorf("%s: swarm_stack's services differ from docker stack deploy's (-cli +swarm_stack):\n%s", c.name, d)
					}
				}
				return nil
			},
		}, {
			Config:   cfg.String(),
			PlanOnly: true, // and the specs are plan-stable
		}},
	})
}

// TestAccStackResource_importDriftPrune adopts a stack made by `docker stack deploy`, shows
// `docker service scale` and `docker service update --env-add` as drift, restores them, and
// removes a service that the file drops.
func TestAccStackResource_importDriftPrune(t *testing.T) {
	skipUnlessAcc(t)
	prefix := acctest.RandomWithPrefix("tfacc")
	ns := "si" + strings.TrimPrefix(prefix, "tfacc-")
	vars := map[string]string{"IMAGE": testAccImageV1}
	dir := stackTestdata(t)
	merge := stackCase{"merge", []string{"base.yml", "override.yml"}}
	cliDeploy(t, ns, merge, vars)
	t.Cleanup(func() { removeStackCLI(t, ns) }) // when the test fails before it adopts the stack
	cfg := testAccBed + testAccStackConfig(ns, merge.files, dir, vars, "")
	addr := "swarm_stack." + ns
	web := ns + "_web"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckStackDestroy(t, ns),
		Steps: []resource.TestStep{{
			Config:             cfg,
			ResourceName:       addr,
			ImportState:        true,
			ImportStateId:      ns,
			ImportStatePersist: true,
		}, {
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("services").AtMapKey("web").AtMapKey("replicas"), knownvalue.Int64Exact(2)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("services").AtMapKey("web").AtMapKey("image"), knownvalue.StringExact(testAccImageV1)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("services").AtMapKey("web").AtMapKey("drift"), knownvalue.ListSizeExact(0)),
			},
		}, {
			PreConfig: func() {
				docker(t, nil, "service", "scale", "--detach", web+"=3")
				docker(t, nil, "service", "update", "--detach", "--env-add", "OUT_OF_BAND=1", web)
			},
			RefreshState: true,
			// State checks need a Config; a refresh step takes classic checks.
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(addr, "services.web.drift.#", "2"),
				resource.TestCheckResourceAttr(addr, "services.web.drift.0", "environment"),
				resource.TestCheckResourceAttr(addr, "services.web.drift.1", "replicas"),
				resource.TestCheckResourceAttr(addr, "services.web.replicas", "3"),
				resource.TestCheckResourceAttr(addr, "services.worker.drift.#", "0"),
			),
			ExpectNonEmptyPlan: true,
		}, {
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
			},
			Check: testAccCheckStackService(t, web, func(s apiswarm.Service) error {
				if n := swarm.ReplicasOf(s.Spec); n != 2 {
					return fmt.Errorf("replicas: got %d, want 2", n)
				}
				if slices.Contains(s.Spec.TaskTemplate.ContainerSpec.Env, "OUT_OF_BAND=1") {
					return fmt.Errorf("env still has OUT_OF_BAND=1: %v", s.Spec.TaskTemplate.ContainerSpec.Env)
				}
				return nil
			}),
		}, {
			// pruned.yml has web only (as base.yml): web goes back to the base, worker is removed.
			Config: testAccBed + testAccStackConfig(ns, []string{"pruned.yml"}, dir, vars, ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
			},
			Check: func(*terraform.State) error {
				st, err := testAccClient(t).ReadStack(context.Background(), ns)
				if err != nil {
					return err
				}
				if _, ok := st.Services["worker"]; ok {
					return fmt.Errorf("worker is still there")
				}
				return nil
			},
		}},
	})
}

var testAccStackResourceConfig_monitor = `
variable "name" { type = string }
variable "image" { type = string }
variable "exit_after" { type = string }

resource "swarm_stack" "test" {
  name                = var.name
  convergence_monitor = "4s"
  compose_files = [<<-EOT
    version: "3.8"
    services:
      web:
        image: ${var.image}
        environment:
          TESTAPP_EXIT_AFTER: "${var.exit_after}"
          TESTAPP_EXIT_CODE: "3"
        deploy:
          restart_policy:
            condition: on-failure
            delay: 100ms
      steady:
        image: ${var.image}
  EOT
  ]
  timeouts {
    create = "2m"
  }
}
`

// TestAccStackResource_convergenceMonitor: a stack service without a health check that exits a
// second after it starts fails the apply when the stack watches its services; a stack whose
// services stay up converges after the watch.
func TestAccStackResource_convergenceMonitor(t *testing.T) {
	skipUnlessAcc(t)
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc-stackmon")
	t.Cleanup(func() { removeStackCLI(t, name) })
	vars := func(exitAfter string) config.Variables {
		return config.Variables{"name": config.StringVariable(name), "image": config.StringVariable(testAccImageV1),
			"exit_after": config.StringVariable(exitAfter)}
	}
	var start time.Time
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccStackResourceConfig_monitor, ConfigVariables: vars("1s"),
				ExpectError: regexp.MustCompile(`(?s)` + name + `_web.*non-zero exit \(3\)`),
			},
			{
				// An exit after an hour is no exit during the test: the watch passes.
				PreConfig: func() { start = time.Now() },
				Config:    testAccStackResourceConfig_monitor, ConfigVariables: vars("1h"),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("swarm_stack.test", "convergence_monitor", "4s"),
					testAccCheckStackService(t, name+"_web", func(s apiswarm.Service) error { return testAccServiceRunning(t, s.ID, 1) }),
					testAccCheckWatched(&start, 4*time.Second),
				),
			},
		},
	})
}

// TestAccStackResource_invalidFile: a syntax error and an unknown key fail the plan with the
// file's line and the key, on the attribute of the file.
func TestAccStackResource_invalidFile(t *testing.T) {
	skipUnlessAcc(t)
	cfg := func(content string) string {
		return fmt.Sprintf(`
resource "swarm_stack" "bad" {
  name          = "tfacc-bad"
  compose_files = ["version: '3.8'\nservices:\n  web:\n    image: x\n", %q]
}
`, content)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      cfg("version: '3.8'\nservices:\n  web:\n    image: x\n    deploy:\n      replicaz: 2\n"),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)compose file 2, line 6, key\s+"services.web.deploy.replicaz"`),
		}, {
			Config:      cfg("version: '3.8'\nservices:\n  web:\n    image: x: y\n"),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)compose file 2:\s+yaml: line 4: mapping values are not allowed`),
		}},
	})
}

func testAccCheckStackService(t *testing.T, name string, check func(apiswarm.Service) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		s, err := testAccClient(t).InspectService(context.Background(), name)
		if err != nil {
			return err
		}
		return check(s)
	}
}

// testAccCheckStackDestroy checks that nothing carries a namespace label starting with prefix.
func testAccCheckStackDestroy(t *testing.T, prefix string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx := context.Background()
		api, err := testAccClient(t).Manager(ctx)
		if err != nil {
			return err
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			var left []string
			svcs, err := api.ServiceList(ctx, client.ServiceListOptions{Filters: make(client.Filters).Add("label", swarm.LabelNamespace)})
			if err != nil {
				return err
			}
			for _, s := range svcs.Items {
				if strings.HasPrefix(s.Spec.Labels[swarm.LabelNamespace], prefix) {
					left = append(left, "service "+s.Spec.Name)
				}
			}
			nets, err := api.NetworkList(ctx, client.NetworkListOptions{Filters: make(client.Filters).Add("label", swarm.LabelNamespace)})
			if err != nil {
				return err
			}
			for _, n := range nets.Items {
				if strings.HasPrefix(n.Labels[swarm.LabelNamespace], prefix) {
					left = append(left, "network "+n.Name)
				}
			}
			if len(left) == 0 {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("left after destroy: %v", left)
			}
			time.Sleep(time.Second)
		}
	}
}
