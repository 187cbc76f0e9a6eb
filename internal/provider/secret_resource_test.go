package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
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

const testAccSecretResourceConfig_basic = `
variable "name" { type = string }
variable "value" {
  type      = string
  ephemeral = true
}
variable "value_version" { type = number }
variable "labels" {
  type    = map(string)
  default = null
}
variable "keep" {
  type    = number
  default = 1
}

resource "swarm_secret" "test" {
  name             = var.name
  data_wo          = var.value
  data_wo_version  = var.value_version
  labels           = var.labels
  versions_to_keep = var.keep
}
`

var testAccSecretResourceConfig_service = testAccBed + testAccSecretResourceConfig_basic + `
resource "swarm_service" "test" {
  name = var.name
  mode {
    replicated {
      replicas = 1
    }
  }
  task_template {
    container_spec {
      image = local.testapp_v1
      secrets {
        secret_id = swarm_secret.test.id
        file_name = "app_secret"
      }
    }
    restart_policy {
      condition = "on-failure"
      delay     = "1s"
    }
  }
  update_config {
    monitor = "2s"
    order   = "start-first"
  }
  endpoint_spec {
    mode = "dnsrr"
  }
}
`

func testAccSecretVars(name, value string, version int, labels map[string]string, keep int) config.Variables {
	v := config.Variables{
		"name":          config.StringVariable(name),
		"value":         config.StringVariable(value),
		"value_version": config.IntegerVariable(version),
		"keep":          config.IntegerVariable(keep),
	}
	if labels != nil {
		m := map[string]config.Variable{}
		for k, x := range labels {
			m[k] = config.StringVariable(x)
		}
		v["labels"] = config.MapVariable(m)
	}
	return v
}

// testAccObjectEngine reads the Engine object behind a resource's id and checks it.
func testAccObjectEngine(t *testing.T, kind swarm.Kind, addr string, check func(swarm.Object) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		o, err := testAccClient(t).InspectObject(context.Background(), kind, rs.Primary.Attributes["id"])
		if err != nil {
			return err
		}
		if o.Name != rs.Primary.Attributes["versioned_name"] {
			return fmt.Errorf("Engine name %q, state versioned_name %q", o.Name, rs.Primary.Attributes["versioned_name"])
		}
		return check(o)
	}
}

// testAccCheckObjectDestroy asks the Engine that no version of any resource of the type is left.
func testAccCheckObjectDestroy(t *testing.T, kind swarm.Kind) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		c := testAccClient(t)
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "swarm_"+string(kind) {
				continue
			}
			if _, err := c.InspectObject(context.Background(), kind, rs.Primary.Attributes["id"]); !errors.Is(err, swarm.ErrNotFound) {
				return fmt.Errorf("%s %s still exists (or: %v)", kind, rs.Primary.Attributes["id"], err)
			}
			if o, err := c.FindCurrent(context.Background(), kind, rs.Primary.Attributes["name"]); !errors.Is(err, swarm.ErrNotFound) {
				return fmt.Errorf("a version of %s %s is left: %s (%v)", kind, rs.Primary.Attributes["name"], o.Name, err)
			}
		}
		return nil
	}
}

func testAccObjectLabels(want map[string]string) func(swarm.Object) error {
	return func(o swarm.Object) error {
		for k, v := range want {
			if o.Labels[k] != v {
				return fmt.Errorf("label %s: Engine has %q, want %q (all: %v)", k, o.Labels[k], v, o.Labels)
			}
		}
		for k := range o.Labels {
			if _, ok := want[k]; !ok {
				return fmt.Errorf("unexpected label %s on the Engine (all: %v)", k, o.Labels)
			}
		}
		return nil
	}
}

// managedPlus is the labels of the first generation of name, keeping keep old versions, plus
// the user's labels.
func managedPlus(name string, keep int, user map[string]string) map[string]string {
	l := swarm.ManagedLabels(name, 1, keep)
	for k, v := range user {
		l[k] = v
	}
	return l
}

func TestAccSecretResource_basic(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	vars := testAccSecretVars(name, "s3cret-basic", 1, map[string]string{"app": "shop"}, 1)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckObjectDestroy(t, swarm.KindSecret),
		Steps: []resource.TestStep{
			{
				Config: testAccSecretResourceConfig_basic, ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_secret.test", tfjsonpath.New("name"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue("swarm_secret.test", tfjsonpath.New("versioned_name"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue("swarm_secret.test", tfjsonpath.New("id"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("swarm_secret.test", tfjsonpath.New("labels"), knownvalue.MapExact(map[string]knownvalue.Check{"app": knownvalue.StringExact("shop")})),
					statecheck.ExpectKnownValue("swarm_secret.test", tfjsonpath.New("data"), knownvalue.Null()),
					statecheck.ExpectKnownValue("swarm_secret.test", tfjsonpath.New("data_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue("swarm_secret.test", tfjsonpath.New("data_wo_version"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue("swarm_secret.test", tfjsonpath.New("versions_to_keep"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue("swarm_secret.test", tfjsonpath.New("templating"), knownvalue.Null()),
					statecheck.ExpectKnownValue("swarm_secret.test", tfjsonpath.New("driver"), knownvalue.Null()),
				},
				Check: testAccObjectEngine(t, swarm.KindSecret, "swarm_secret.test",
					testAccObjectLabels(managedPlus(name, 1, map[string]string{"app": "shop"}))),
			},
			{
				ResourceName: "swarm_secret.test", ImportState: true, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"data_wo", "data_wo_version"},
				Config:                  testAccSecretResourceConfig_basic, ConfigVariables: vars,
			},
			// The Engine never returns what Terraform keeps of the content (data_wo_version, or data):
			// the import records it in place, and creates no new version (same ID and name).
			importByIdentityStep(resource.TestStep{
				Config: testAccSecretResourceConfig_basic, ConfigVariables: vars, ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_secret.test", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("swarm_secret.test", tfjsonpath.New("versioned_name"), knownvalue.StringExact(name)),
					plancheck.ExpectKnownValue("swarm_secret.test", tfjsonpath.New("id"), knownvalue.NotNull()),
				}},
			}, "swarm_secret.test"),
			{
				ResourceName: "swarm_secret.test", ImportState: true, ImportStateVerify: true, ImportStateId: name,
				ImportStateVerifyIgnore: []string{"data_wo", "data_wo_version"},
				Config:                  testAccSecretResourceConfig_basic, ConfigVariables: vars,
			},
		},
	})
}

func TestAccSecretResource_update(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	sameID := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckObjectDestroy(t, swarm.KindSecret),
		Steps: []resource.TestStep{
			{
				Config: testAccSecretResourceConfig_basic, ConfigVariables: testAccSecretVars(name, "v", 1, map[string]string{"app": "shop"}, 1),
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue("swarm_secret.test", tfjsonpath.New("id"))},
			},
			{
				Config: testAccSecretResourceConfig_basic, ConfigVariables: testAccSecretVars(name, "v", 1, map[string]string{"app": "cart", "tier": "db"}, 0),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_secret.test", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("swarm_secret.test", tfjsonpath.New("id"), knownvalue.NotNull()),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue("swarm_secret.test", tfjsonpath.New("id")),
					statecheck.ExpectKnownValue("swarm_secret.test", tfjsonpath.New("versions_to_keep"), knownvalue.Int64Exact(0)),
				},
				Check: testAccObjectEngine(t, swarm.KindSecret, "swarm_secret.test",
					testAccObjectLabels(managedPlus(name, 0, map[string]string{"app": "cart", "tier": "db"}))),
			},
			{
				Config: testAccSecretResourceConfig_basic, ConfigVariables: testAccSecretVars(name, "v", 1, nil, 0),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_secret.test", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue("swarm_secret.test", tfjsonpath.New("id")),
					statecheck.ExpectKnownValue("swarm_secret.test", tfjsonpath.New("labels"), knownvalue.Null()),
				},
				Check: testAccObjectEngine(t, swarm.KindSecret, "swarm_secret.test", testAccObjectLabels(managedPlus(name, 0, nil))),
			},
		},
	})
}

func testAccRemoveSecret(t *testing.T, name string) {
	t.Helper()
	api, err := testAccClient(t).Manager(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	o, err := testAccClient(t).FindObjectByName(context.Background(), swarm.KindSecret, name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.SecretRemove(context.Background(), o.ID, client.SecretRemoveOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestAccSecretResource_disappears(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	vars := testAccSecretVars(name, "v", 1, nil, 1)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckObjectDestroy(t, swarm.KindSecret),
		Steps: []resource.TestStep{
			{Config: testAccSecretResourceConfig_basic, ConfigVariables: vars},
			{
				PreConfig: func() { testAccRemoveSecret(t, name) },
				Config:    testAccSecretResourceConfig_basic, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_secret.test", plancheck.ResourceActionCreate),
				}},
				Check: testAccObjectEngine(t, swarm.KindSecret, "swarm_secret.test", testAccObjectLabels(managedPlus(name, 1, nil))),
			},
		},
	})
}

func TestAccSecretResource_drift(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("tfacc")
	vars := testAccSecretVars(name, "v", 1, map[string]string{"app": "shop"}, 1)
	want := managedPlus(name, 1, map[string]string{"app": "shop"})
	var replacedID string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckObjectDestroy(t, swarm.KindSecret),
		Steps: []resource.TestStep{
			{Config: testAccSecretResourceConfig_basic, ConfigVariables: vars},
			{
				// Labels changed outside Terraform.
				PreConfig: func() {
					api, err := testAccClient(t).Manager(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					o, err := testAccClient(t).FindObjectByName(context.Background(), swarm.KindSecret, name)
					if err != nil {
						t.Fatal(err)
					}
					res, err := api.SecretInspect(context.Background(), o.ID, client.SecretInspectOptions{})
					if err != nil {
						t.Fatal(err)
					}
					spec := res.Secret.Spec
					spec.Labels = managedPlus(name, 1, map[string]string{"app": "hacked"})
					if _, err := api.SecretUpdate(context.Background(), o.ID, client.SecretUpdateOptions{Version: res.Secret.Version, Spec: spec}); err != nil {
						t.Fatal(err)
					}
				},
				Config: testAccSecretResourceConfig_basic, ConfigVariables: vars,
				RefreshState: false, PlanOnly: true, ExpectNonEmptyPlan: true,
			},
			{
				Config: testAccSecretResourceConfig_basic, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_secret.test", plancheck.ResourceActionUpdate),
				}},
				Check: testAccObjectEngine(t, swarm.KindSecret, "swarm_secret.test", testAccObjectLabels(want)),
			},
			{
				// Replaced outside Terraform by another secret of the same name: adopted, shows as drift.
				PreConfig: func() {
					testAccRemoveSecret(t, name)
					api, err := testAccClient(t).Manager(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					res, err := api.SecretCreate(context.Background(), client.SecretCreateOptions{Spec: apiswarm.SecretSpec{
						Annotations: apiswarm.Annotations{Name: name}, Data: []byte("other"),
					}})
					if err != nil {
						t.Fatal(err)
					}
					replacedID = res.ID
				},
				Config: testAccSecretResourceConfig_basic, ConfigVariables: vars,
				PlanOnly: true, ExpectNonEmptyPlan: true,
			},
			{
				Config: testAccSecretResourceConfig_basic, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("swarm_secret.test", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccObjectEngine(t, swarm.KindSecret, "swarm_secret.test", testAccObjectLabels(want)),
					func(s *terraform.State) error {
						if got := s.RootModule().Resources["swarm_secret.test"].Primary.Attributes["id"]; got != replacedID {
							return fmt.Errorf("state id %s, want the replacement %s", got, replacedID)
						}
						return nil
					},
				),
			},
		},
	})
}

// testAccTaskReads returns what the running task of a service reads from a file, through
// `docker exec` on the node that runs it.
func testAccTaskReads(t *testing.T, service, file string) (string, error) {
	t.Helper()
	ctx := context.Background()
	api, err := testAccClient(t).Manager(ctx)
	if err != nil {
		return "", err
	}
	tasks, err := api.TaskList(ctx, client.TaskListOptions{Filters: make(client.Filters).Add("service", service).Add("desired-state", "running")})
	if err != nil {
		return "", err
	}
	lastErr := fmt.Errorf("no running task of %s", service)
	for _, task := range tasks.Items {
		if task.Status.State != apiswarm.TaskStateRunning || task.Status.ContainerStatus == nil {
			continue
		}
		for _, n := range append(testAccNodes(t, "manager"), testAccNodes(t, "worker")...) {
			out, err := exec.Command("docker", "-H", n.Host, "exec", task.Status.ContainerStatus.ContainerID, "/testapp", "cat", file).CombinedOutput()
			if err == nil {
				return string(out), nil
			}
			lastErr = fmt.Errorf("%s: %v: %s", n.Name, err, out)
		}
	}
	return "", lastErr
}

func testAccCheckTaskReads(t *testing.T, service, file, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := testAccTaskReads(t, service, file)
		if err != nil {
			return err
		}
		if strings.TrimSpace(got) != want {
			return fmt.Errorf("the task reads %q from %s, want the value of the current version", got, file)
		}
		return nil
	}
}

// valueForms are the ways a secret could leak: as is, and base64-encoded.
func valueForms(values ...string) []string {
	var out []string
	for _, v := range values {
		out = append(out, v, base64.StdEncoding.EncodeToString([]byte(v)), base64.RawStdEncoding.EncodeToString([]byte(v)))
	}
	return out
}

// noValueInPlan fails when a plan's JSON holds one of the values.
type noValueInPlan struct{ values []string }

func (c noValueInPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	b, err := json.Marshal(req.Plan)
	if err != nil {
		resp.Error = err
		return
	}
	for _, v := range valueForms(c.values...) {
		if strings.Contains(string(b), v) {
			resp.Error = fmt.Errorf("the plan holds the secret value")
			return
		}
	}
}

// noValueInState fails when the state (terraform show -json) holds one of the values.
type noValueInState struct{ values []string }

func (c noValueInState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	b, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	for _, v := range valueForms(c.values...) {
		if strings.Contains(string(b), v) {
			resp.Error = fmt.Errorf("the state holds the secret value")
			return
		}
	}
}

// noValueInRawState reads the state attributes as the test framework holds them.
func noValueInRawState(values ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for addr, rs := range s.RootModule().Resources {
			for k, a := range rs.Primary.Attributes {
				for _, v := range valueForms(values...) {
					if strings.Contains(a, v) {
						return fmt.Errorf("%s.%s holds the secret value", addr, k)
					}
				}
			}
		}
		return nil
	}
}

// testAccScanFiles fails when a file under dir, other than the test's own inputs (*.tf and the
// variables file), holds one of the values.
func testAccScanFiles(t *testing.T, dir string, values ...string) {
	t.Helper()
	var scanned int
	var stateSeen bool
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		if strings.HasSuffix(p, ".tf") || strings.HasSuffix(p, ".tfvars.json") || strings.Contains(p, string(filepath.Separator)+".terraform"+string(filepath.Separator)) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		scanned++
		if strings.HasSuffix(p, ".tfstate") {
			stateSeen = true
		}
		for _, v := range valueForms(values...) {
			if strings.Contains(string(b), v) {
				t.Errorf("%s holds the secret value", filepath.Base(p))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !stateSeen {
		t.Errorf("no state file among the %d files scanned under the working directory", scanned)
	}
}

// TestAccSecretResource_writeOnly proves the value of data_wo reaches the task and nothing else:
// no state, no plan, no TRACE log of the provider or of Terraform. Not parallel: it sets TF_LOG.
func TestAccSecretResource_writeOnly(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc")
	v1, v2 := "wo1-"+acctest.RandString(24), "wo2-"+acctest.RandString(24)
	logs, work := t.TempDir(), t.TempDir()
	// TF_LOG_PATH takes the provider's log; the testing framework sends it, together with the
	// Terraform CLI's own TRACE log, to TF_ACC_LOG_PATH when that is set: one file for both.
	logFile := filepath.Join(logs, "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_LOG_PATH", logFile)
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	t.Setenv("TF_ACC_PERSIST_WORKING_DIR", "1")
	both := []string{v1, v2}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckObjectDestroy(t, swarm.KindSecret),
		WorkingDir:               work,
		Steps: []resource.TestStep{
			{
				Config: testAccSecretResourceConfig_service, ConfigVariables: testAccSecretVars(name, v1, 1, nil, 0),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{noValueInPlan{both}}},
				ConfigStateChecks: []statecheck.StateCheck{noValueInState{both}},
				Check: resource.ComposeAggregateTestCheckFunc(
					noValueInRawState(both...),
					testAccCheckTaskReads(t, name, "/run/secrets/app_secret", v1),
				),
			},
			{
				Config: testAccSecretResourceConfig_service, ConfigVariables: testAccSecretVars(name, v2, 2, nil, 0),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					noValueInPlan{both},
					plancheck.ExpectUnknownValue("swarm_secret.test", tfjsonpath.New("id")),
					plancheck.ExpectResourceAction("swarm_service.test", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{noValueInState{both}},
				Check: resource.ComposeAggregateTestCheckFunc(
					noValueInRawState(both...),
					testAccCheckTaskReads(t, name, "/run/secrets/app_secret", v2),
				),
			},
		},
	})
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	// The log must really hold the provider's and Terraform's TRACE output, or the check below
	// proves nothing.
	for _, marker := range []string{"tf_resource_type=swarm_secret", "tf_rpc=ApplyResourceChange", "[TRACE]"} {
		if !strings.Contains(string(b), marker) {
			t.Errorf("the TRACE log (%d bytes) has no %q", len(b), marker)
		}
	}
	for _, v := range valueForms(both...) {
		if strings.Contains(string(b), v) {
			t.Errorf("the TRACE log holds the secret value")
		}
	}
	testAccScanFiles(t, work, both...)
}

// taskPoller counts, every 200 ms, the running tasks of a service, and remembers every poll that
// found none.
type taskPoller struct {
	stop   chan struct{}
	done   chan struct{}
	mu     sync.Mutex
	polls  int
	empty  []time.Time
	errors int
}

func startTaskPoller(t *testing.T, service string) *taskPoller {
	p := &taskPoller{stop: make(chan struct{}), done: make(chan struct{})}
	api, err := testAccClient(t).Manager(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			res, err := api.TaskList(ctx, client.TaskListOptions{Filters: make(client.Filters).Add("service", service)})
			cancel()
			p.mu.Lock()
			if err != nil {
				p.errors++
			} else {
				p.polls++
				running := 0
				for _, task := range res.Items {
					if task.Status.State == apiswarm.TaskStateRunning {
						running++
					}
				}
				if running == 0 {
					p.empty = append(p.empty, time.Now())
				}
			}
			p.mu.Unlock()
		}
	}()
	return p
}

// check stops the poller and fails when any poll saw no running task.
func (p *taskPoller) check() error {
	close(p.stop)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.polls < 5 {
		return fmt.Errorf("only %d polls (%d errors): the rotation was not observed", p.polls, p.errors)
	}
	if len(p.empty) > 0 {
		return fmt.Errorf("%d of %d polls found no running task (first at %s)", len(p.empty), p.polls, p.empty[0].Format(time.RFC3339Nano))
	}
	return nil
}

func testAccRotation(t *testing.T, keep int) {
	name := acctest.RandomWithPrefix("tfacc")
	var poller *taskPoller
	ids := map[int]string{}
	remember := func(gen int) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			ids[gen] = s.RootModule().Resources["swarm_secret.test"].Primary.Attributes["id"]
			return nil
		}
	}
	exists := func(gen int, want bool) resource.TestCheckFunc {
		return func(*terraform.State) error {
			_, err := testAccClient(t).InspectObject(context.Background(), swarm.KindSecret, ids[gen])
			switch {
			case want && err != nil:
				return fmt.Errorf("version %d (%s) should be kept: %v", gen, ids[gen], err)
			case !want && !errors.Is(err, swarm.ErrNotFound):
				return fmt.Errorf("version %d (%s) should be gone (err %v)", gen, ids[gen], err)
			}
			return nil
		}
	}
	serviceUses := func(s *terraform.State) error {
		api, err := testAccClient(t).Manager(context.Background())
		if err != nil {
			return err
		}
		res, err := api.ServiceInspect(context.Background(), name, client.ServiceInspectOptions{})
		if err != nil {
			return err
		}
		refs := res.Service.Spec.TaskTemplate.ContainerSpec.Secrets
		want := s.RootModule().Resources["swarm_secret.test"].Primary.Attributes["id"]
		if len(refs) != 1 || refs[0].SecretID != want {
			return fmt.Errorf("the service references %+v, want secret %s", refs, want)
		}
		return nil
	}
	rotateStep := func(gen int, checks ...resource.TestCheckFunc) resource.TestStep {
		return resource.TestStep{
			PreConfig: func() { poller = startTaskPoller(t, name) },
			Config:    testAccSecretResourceConfig_service, ConfigVariables: testAccSecretVars(name, fmt.Sprintf("value-%d", gen), gen, nil, keep),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("swarm_secret.test", plancheck.ResourceActionUpdate),
				plancheck.ExpectResourceAction("swarm_service.test", plancheck.ResourceActionUpdate),
				plancheck.ExpectUnknownValue("swarm_secret.test", tfjsonpath.New("id")),
				plancheck.ExpectUnknownValue("swarm_secret.test", tfjsonpath.New("versioned_name")),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("swarm_secret.test", tfjsonpath.New("versioned_name"), knownvalue.StringExact(swarm.VersionedName(name, gen))),
			},
			Check: resource.ComposeTestCheckFunc(append([]resource.TestCheckFunc{
				func(*terraform.State) error { return poller.check() },
				remember(gen),
				serviceUses,
				testAccCheckTaskReads(t, name, "/run/secrets/app_secret", fmt.Sprintf("value-%d", gen)),
			}, checks...)...),
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckObjectDestroy(t, swarm.KindSecret),
		Steps: []resource.TestStep{
			{
				Config: testAccSecretResourceConfig_service, ConfigVariables: testAccSecretVars(name, "value-1", 1, nil, keep),
				Check: resource.ComposeTestCheckFunc(remember(1), serviceUses),
			},
			rotateStep(2, exists(1, keep >= 1)),
			rotateStep(3, exists(1, false), exists(2, keep >= 1)),
			{
				// A repeated apply is a no-op.
				Config: testAccSecretResourceConfig_service, ConfigVariables: testAccSecretVars(name, "value-3", 3, nil, keep),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAccSecretResource_rotation: one apply rotates the secret of a running service
// (start-first) with the default versions_to_keep = 1.
func TestAccSecretResource_rotation(t *testing.T) {
	t.Parallel()
	testAccRotation(t, 1)
}

// TestAccSecretResource_rotationKeepNone: the same with versions_to_keep = 0.
func TestAccSecretResource_rotationKeepNone(t *testing.T) {
	t.Parallel()
	testAccRotation(t, 0)
}
