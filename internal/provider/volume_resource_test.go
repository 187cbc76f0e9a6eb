package provider

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/volume"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

func TestExpandVolumeCreateOptions(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		in   volumeResourceModel
		want client.VolumeCreateOptions
	}{
		"plain": {
			in:   volumeResourceModel{Name: types.StringValue("data"), Driver: types.StringValue("local"), DriverOpts: nullStringMap, Labels: nullStringMap},
			want: client.VolumeCreateOptions{Name: "data", Driver: "local"},
		},
		"nfs": {
			in: volumeResourceModel{
				Name: types.StringValue("db"), Driver: types.StringValue("local"),
				DriverOpts: testStringMap("type", "nfs", "o", "addr=10.0.0.5,rw", "device", ":/exports/db"),
				Labels:     testStringMap("app", "shop"),
			},
			want: client.VolumeCreateOptions{
				Name: "db", Driver: "local",
				DriverOpts: map[string]string{"type": "nfs", "o": "addr=10.0.0.5,rw", "device": ":/exports/db"},
				Labels:     map[string]string{"app": "shop"},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, diags := expandVolumeCreateOptions(testAccCtx(t), tc.in)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestFlattenVolume(t *testing.T) {
	t.Parallel()
	engine := types.ObjectValueMust(engineAttrTypes, map[string]attr.Value{
		"host": types.StringValue("unix:///run/w1.sock"), "ca_pem": types.StringNull(), "cert_pem": types.StringNull(),
		"key_pem": types.StringNull(), "cert_path": types.StringNull(), "tls_verify": types.BoolNull(),
		"ssh_opts": types.ListNull(types.StringType),
	})
	v := volume.Volume{Name: "data", Driver: "local", Mountpoint: "/var/lib/docker/volumes/data/_data", Scope: "local",
		Options: map[string]string{"type": "tmpfs"}, Labels: map[string]string{}}
	cases := map[string]struct {
		prior volumeResourceModel
		want  volumeResourceModel
	}{
		"import: no prior": {
			prior: volumeResourceModel{DriverOpts: nullStringMap, Labels: nullStringMap, Engine: types.ObjectNull(engineAttrTypes)},
			want: volumeResourceModel{ID: types.StringValue("data"), Name: types.StringValue("data"), Driver: types.StringValue("local"),
				DriverOpts: testStringMap("type", "tmpfs"), Labels: nullStringMap, Mountpoint: types.StringValue(v.Mountpoint),
				Scope: types.StringValue("local"), Engine: types.ObjectNull(engineAttrTypes)},
		},
		"empty labels kept, engine from prior": {
			prior: volumeResourceModel{DriverOpts: testStringMap("type", "tmpfs"), Labels: testStringMap(), Engine: engine},
			want: volumeResourceModel{ID: types.StringValue("data"), Name: types.StringValue("data"), Driver: types.StringValue("local"),
				DriverOpts: testStringMap("type", "tmpfs"), Labels: testStringMap(), Mountpoint: types.StringValue(v.Mountpoint),
				Scope: types.StringValue("local"), Engine: engine},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, flattenVolume(v, tc.prior)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestVolumeRoundTrip(t *testing.T) {
	t.Parallel()
	m := volumeResourceModel{
		ID: types.StringValue("db"), Name: types.StringValue("db"), Driver: types.StringValue("local"),
		DriverOpts: testStringMap("type", "nfs", "o", "addr=10.0.0.5,rw", "device", ":/exports/db"),
		Labels:     testStringMap("app", "shop"), Mountpoint: types.StringValue("/m"), Scope: types.StringValue("local"),
		Engine: types.ObjectNull(engineAttrTypes),
	}
	opts, diags := expandVolumeCreateOptions(testAccCtx(t), m)
	if diags.HasError() {
		t.Fatal(diags)
	}
	v := volume.Volume{Name: opts.Name, Driver: opts.Driver, Options: opts.DriverOpts, Labels: opts.Labels, Mountpoint: "/m", Scope: "local"}
	if diff := cmp.Diff(m, flattenVolume(v, m)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseVolumeImportID(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		id, host, name string
		wantErr        bool
	}{
		"name":          {id: "db-data", name: "db-data"},
		"host and name": {id: "unix:///run/w1.sock|db-data", host: "unix:///run/w1.sock", name: "db-data"},
		"ssh host":      {id: "ssh://ops@db1|db.data", host: "ssh://ops@db1", name: "db.data"},
		"bad host":      {id: "db1|data", wantErr: true},
		"bad name":      {id: "a b", wantErr: true},
		"empty name":    {id: "unix:///x.sock|", wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			host, n, err := parseVolumeImportID(tc.id)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if host != tc.host || n != tc.name {
				t.Errorf("got %q, %q; want %q, %q", host, n, tc.host, tc.name)
			}
		})
	}
}

const testAccVolumeResourceConfig_basic = `
variable "name" { type = string }
variable "size" { type = string }
variable "label" { type = string }

resource "swarm_volume" "test" {
  name = var.name
  driver_opts = {
    type   = "tmpfs"
    device = "tmpfs"
    o      = "size=${var.size}"
  }
  labels = { tier = var.label }
}
`

func testAccVolumeVars(name, size, label string) config.Variables {
	return config.Variables{"name": config.StringVariable(name), "size": config.StringVariable(size), "label": config.StringVariable(label)}
}

func TestAccVolumeResource_basic(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc")
	vars := testAccVolumeVars(name, "10m", "a")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckVolumeDestroy(t, ""),
		Steps: []resource.TestStep{
			{
				Config:          testAccVolumeResourceConfig_basic,
				ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_volume.test", tfjsonpath.New("id"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue("swarm_volume.test", tfjsonpath.New("driver"), knownvalue.StringExact("local")),
					statecheck.ExpectKnownValue("swarm_volume.test", tfjsonpath.New("scope"), knownvalue.StringExact("local")),
					statecheck.ExpectKnownValue("swarm_volume.test", tfjsonpath.New("mountpoint"), knownvalue.StringRegexp(regexp.MustCompile(regexp.QuoteMeta(name)))),
					statecheck.ExpectKnownValue("swarm_volume.test", tfjsonpath.New("engine"), knownvalue.Null()),
				},
				Check: testAccVolumeEngine(t, "", name, func(v volume.Volume) error {
					want := map[string]string{"type": "tmpfs", "device": "tmpfs", "o": "size=10m"}
					if diff := cmp.Diff(want, v.Options); diff != "" || v.Labels["tier"] != "a" {
						return fmt.Errorf("the Engine's volume is not what was configured: options (-want +got) %s, labels %v", diff, v.Labels)
					}
					return nil
				}),
			},
			{
				ResourceName:      "swarm_volume.test",
				ImportState:       true,
				ImportStateVerify: true,
				Config:            testAccVolumeResourceConfig_basic,
				ConfigVariables:   vars,
			},
			importByIdentityStep(resource.TestStep{Config: testAccVolumeResourceConfig_basic, ConfigVariables: vars}, "swarm_volume.test"),
			{
				ResourceName:      "swarm_volume.test",
				ImportState:       true,
				ImportStateId:     name,
				ImportStateVerify: true,
				Config:            testAccVolumeResourceConfig_basic,
				ConfigVariables:   vars,
			},
		},
	})
}

func TestAccVolumeResource_update(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckVolumeDestroy(t, ""),
		Steps: []resource.TestStep{
			{
				Config:          testAccVolumeResourceConfig_basic,
				ConfigVariables: testAccVolumeVars(name, "10m", "a"),
			},
			{
				// Labels of a local volume cannot be updated: the plan says replace.
				Config:          testAccVolumeResourceConfig_basic,
				ConfigVariables: testAccVolumeVars(name, "10m", "b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("swarm_volume.test", plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: testAccVolumeEngine(t, "", name, func(v volume.Volume) error {
					if v.Labels["tier"] != "b" {
						return fmt.Errorf("labels on the Engine: %v", v.Labels)
					}
					return nil
				}),
			},
			{
				Config:          testAccVolumeResourceConfig_basic,
				ConfigVariables: testAccVolumeVars(name, "20m", "b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("swarm_volume.test", plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: testAccVolumeEngine(t, "", name, func(v volume.Volume) error {
					if v.Options["o"] != "size=20m" {
						return fmt.Errorf("options on the Engine: %v", v.Options)
					}
					return nil
				}),
			},
		},
	})
}

func TestAccVolumeResource_disappears(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc")
	vars := testAccVolumeVars(name, "10m", "a")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckVolumeDestroy(t, ""),
		Steps: []resource.TestStep{
			{Config: testAccVolumeResourceConfig_basic, ConfigVariables: vars},
			{
				PreConfig:       func() { testAccRemoveVolume(t, "", name) },
				Config:          testAccVolumeResourceConfig_basic,
				ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("swarm_volume.test", plancheck.ResourceActionCreate)},
				},
				Check: testAccVolumeEngine(t, "", name, nil),
			},
		},
	})
}

// TestAccVolumeResource_drift recreates the volume out of band with other driver options: the
// refresh shows them, the plan replaces the volume, and the apply restores the configured ones.
func TestAccVolumeResource_drift(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc")
	vars := testAccVolumeVars(name, "10m", "a")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckVolumeDestroy(t, ""),
		Steps: []resource.TestStep{
			{Config: testAccVolumeResourceConfig_basic, ConfigVariables: vars},
			{
				PreConfig: func() {
					testAccRemoveVolume(t, "", name)
					testAccCreateVolume(t, "", client.VolumeCreateOptions{
						Name: name, Driver: "local", Labels: map[string]string{"tier": "a"},
						DriverOpts: map[string]string{"type": "tmpfs", "device": "tmpfs", "o": "size=99m"},
					})
				},
				RefreshState: true,
				RefreshPlanChecks: resource.RefreshPlanChecks{
					PostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction("swarm_volume.test", plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ExpectNonEmptyPlan: true,
				Check:              resource.TestCheckResourceAttr("swarm_volume.test", "driver_opts.o", "size=99m"),
			},
			{
				Config:          testAccVolumeResourceConfig_basic,
				ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("swarm_volume.test", plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: testAccVolumeEngine(t, "", name, func(v volume.Volume) error {
					if v.Options["o"] != "size=10m" {
						return fmt.Errorf("options on the Engine: %v", v.Options)
					}
					return nil
				}),
			},
		},
	})
}

const testAccVolumeResourceConfig_engine = `
variable "name" { type = string }
variable "host" { type = string }

resource "swarm_volume" "test" {
  name   = var.name
  engine {
    host = var.host
  }
}
`

// TestAccVolumeResource_engine creates the volume on the worker through the engine override:
// it exists there and not on the provider's engine.
func TestAccVolumeResource_engine(t *testing.T) {
	if os.Getenv(resource.EnvTfAcc) == "" {
		t.Skipf("Acceptance tests skipped unless env '%s' set", resource.EnvTfAcc)
	}
	workers := testAccNodes(t, "worker")
	if len(workers) == 0 {
		t.Fatal("the test bed has no worker")
	}
	host := workers[0].Host
	name := acctest.RandomWithPrefix("tfacc")
	vars := config.Variables{"name": config.StringVariable(name), "host": config.StringVariable(host)}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckVolumeDestroy(t, host),
		Steps: []resource.TestStep{
			{
				Config:          testAccVolumeResourceConfig_engine,
				ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("swarm_volume.test", tfjsonpath.New("engine").AtMapKey("host"), knownvalue.StringExact(host)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccVolumeEngine(t, host, name, nil),
					func(*terraform.State) error {
						_, err := testAccClient(t).InspectVolume(testAccCtx(t), name)
						if !errors.Is(err, swarm.ErrNotFound) {
							return fmt.Errorf("the volume is on the provider's engine too (or reading it failed): %v", err)
						}
						return nil
					},
				),
			},
			{
				ResourceName:      "swarm_volume.test",
				ImportState:       true,
				ImportStateId:     host + "|" + name,
				ImportStateVerify: true,
				Config:            testAccVolumeResourceConfig_engine,
				ConfigVariables:   vars,
			},
			importByIdentityStep(resource.TestStep{Config: testAccVolumeResourceConfig_engine, ConfigVariables: vars}, "swarm_volume.test"),
		},
	})
}

const testAccVolumeResourceConfig_inUse = `
variable "name" { type = string }

resource "swarm_volume" "test" {
  name = var.name
}
`

// TestAccVolumeResource_inUse: a container that uses the volume makes the destroy fail with the
// container's name, and the volume stays; without the container the destroy succeeds.
func TestAccVolumeResource_inUse(t *testing.T) {
	name := acctest.RandomWithPrefix("tfacc")
	ctr := name + "-ctr"
	vars := config.Variables{"name": config.StringVariable(name)}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck: func() {
			testAccPreCheck(t)
			t.Cleanup(func() { testAccRemoveContainer(t, ctr) })
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckVolumeDestroy(t, ""),
		Steps: []resource.TestStep{
			{
				Config:          testAccVolumeResourceConfig_inUse,
				ConfigVariables: vars,
				Check: func(*terraform.State) error {
					testAccRunContainer(t, ctr, name)
					return nil
				},
			},
			{
				Config:          testAccVolumeResourceConfig_inUse,
				ConfigVariables: vars,
				Destroy:         true,
				ExpectError:     regexp.MustCompile(`(?s)in use by containers.*` + regexp.QuoteMeta(ctr)),
			},
			{
				// Nothing was force-removed.
				PreConfig: func() {
					if _, err := testAccClient(t).InspectVolume(testAccCtx(t), name); err != nil {
						t.Errorf("the volume is gone after the failed destroy: %v", err)
					}
					testAccRemoveContainer(t, ctr)
				},
				Config:          testAccVolumeResourceConfig_inUse,
				ConfigVariables: vars,
				Destroy:         true,
			},
		},
	})
}

// testAccVolumeClient is a client of the given engine ("" for the provider's).
func testAccVolumeClient(t *testing.T, host string) *swarm.Client {
	t.Helper()
	if host == "" {
		return testAccClient(t)
	}
	c, err := swarm.New(swarm.Config{Endpoints: []swarm.Endpoint{{Host: host}}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testAccVolumeEngine(t *testing.T, host, name string, check func(volume.Volume) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		v, err := testAccVolumeClient(t, host).InspectVolume(testAccCtx(t), name)
		if err != nil {
			return fmt.Errorf("volume %s on the Engine: %w", name, err)
		}
		if check == nil {
			return nil
		}
		return check(v)
	}
}

func testAccCheckVolumeDestroy(t *testing.T, host string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "swarm_volume" {
				continue
			}
			_, err := testAccVolumeClient(t, host).InspectVolume(testAccCtx(t), rs.Primary.ID)
			if err == nil {
				return fmt.Errorf("volume %s still exists", rs.Primary.ID)
			}
			if !errors.Is(err, swarm.ErrNotFound) {
				return err
			}
		}
		return nil
	}
}

func testAccEngineAPI(t *testing.T, host string) client.APIClient {
	t.Helper()
	api, err := testAccVolumeClient(t, host).Engine(testAccCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func testAccRemoveVolume(t *testing.T, host, name string) {
	t.Helper()
	if _, err := testAccEngineAPI(t, host).VolumeRemove(testAccCtx(t), name, client.VolumeRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
		t.Errorf("removing volume %s out of band: %v", name, err)
	}
}

func testAccCreateVolume(t *testing.T, host string, opts client.VolumeCreateOptions) {
	t.Helper()
	if _, err := testAccEngineAPI(t, host).VolumeCreate(testAccCtx(t), opts); err != nil {
		t.Fatalf("creating volume %s out of band: %v", opts.Name, err)
	}
}

// testAccRunContainer starts a container of the test image on the host engine that mounts the
// volume and sleeps.
func testAccRunContainer(t *testing.T, name, volumeName string) {
	t.Helper()
	ctx := testAccCtx(t)
	api := testAccEngineAPI(t, "")
	testAccPullImage(t, api, testAccImageV1)
	res, err := api.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name:   name,
		Config: &container.Config{Image: testAccImageV1, Cmd: []string{"/testapp", "sleep", "60s"}},
		HostConfig: &container.HostConfig{Mounts: []mount.Mount{{
			Type: mount.TypeVolume, Source: volumeName, Target: "/data",
		}}},
	})
	if err != nil {
		t.Fatalf("creating container %s: %v", name, err)
	}
	if _, err := api.ContainerStart(ctx, res.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatalf("starting container %s: %v", name, err)
	}
}

func testAccRemoveContainer(t *testing.T, name string) {
	t.Helper()
	if _, err := testAccEngineAPI(t, "").ContainerRemove(testAccCtx(t), name, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
		t.Errorf("removing container %s: %v", name, err)
	}
}
