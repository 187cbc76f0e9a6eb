package provider

// Acceptance tests of creates whose answer is lost on its way back (a proxy in front of an engine
// passes the request on and drops the answer): the object that the create made all the same is
// adopted, not left behind for the next apply to trip over or duplicate. swarm_service's lost
// answers are tested with engines that really stop (faults_test.go); swarm_cluster's init in
// timeouts_acc_test.go.

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

const testAccLostAnswerConfig = `
variable "host" { type = string }
variable "name" { type = string }

provider "swarm" {
  host = var.host
}

resource "swarm_network" "test" {
  name = var.name
}

resource "swarm_secret" "test" {
  name            = var.name
  data_wo         = "s3cret"
  data_wo_version = 1
}
`

// TestAccLostAnswer_networkAndSecret: the answers of the first network create and the first secret
// create are lost; the apply adopts what they made (one network and one version of the secret, as
// the state says), and the next plan is empty.
func TestAccLostAnswer_networkAndSecret(t *testing.T) {
	t.Parallel()
	mgr := testAccNodes(t, "manager")[0]
	name := acctest.RandomWithPrefix("tfacc-lost")
	vars := config.Variables{"name": config.StringVariable(name)}
	withHost := func(host string) config.Variables {
		v := config.Variables{"host": config.StringVariable(host)}
		for k, x := range vars {
			v[k] = x
		}
		return v
	}
	proxy := testAccLoseFirstAnswer(t, mgr.Host, false, "/networks/create", "/secrets/create")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			testAccCheckNetworkDestroy(t), testAccCheckObjectDestroy(t, swarm.KindSecret)),
		Steps: []resource.TestStep{
			{
				Config:          testAccLostAnswerConfig,
				ConfigVariables: withHost(proxy),
				Check: func(s *terraform.State) error {
					c := testAccClient(t)
					ctx := context.Background()
					netID := s.RootModule().Resources["swarm_network.test"].Primary.ID
					n, err := c.InspectNetwork(ctx, name)
					if err != nil || n.ID != netID {
						return fmt.Errorf("network %s: the engine has %q (%v), the state %q", name, n.ID, err, netID)
					}
					secretID := s.RootModule().Resources["swarm_secret.test"].Primary.ID
					cur, err := c.FindCurrent(ctx, swarm.KindSecret, name)
					if err != nil || cur.ID != secretID || cur.Name != name || cur.Generation() != 1 {
						return fmt.Errorf("secret %s: current version %s %q generation %d (%v), the state %q", name, cur.ID, cur.Name, cur.Generation(), err, secretID)
					}
					return nil
				},
			},
			{
				Config:          testAccLostAnswerConfig,
				ConfigVariables: withHost(mgr.Host),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// testAccLoseFirstAnswer serves a proxy of the engine at host (a unix socket) and returns its
// host. The first request whose path ends with each of suffixes goes through to the engine, but
// its answer never reaches the client: with hold, the proxy keeps the request open until the
// client gives up; without, it closes the connection. Everything else goes through as it is.
func testAccLoseFirstAnswer(t *testing.T, host string, hold bool, suffixes ...string) string {
	t.Helper()
	sock := strings.TrimPrefix(host, "unix://")
	target, _ := url.Parse("http://engine")
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}
	lost := make([]atomic.Bool, len(suffixes))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := slices.IndexFunc(suffixes, func(s string) bool { return strings.HasSuffix(r.URL.Path, s) })
		if i < 0 || !lost[i].CompareAndSwap(false, true) {
			rp.ServeHTTP(w, r)
			return
		}
		// The request reaches the engine whatever the client does, and the answer does not
		// reach the client.
		rp.ServeHTTP(httptest.NewRecorder(), r.WithContext(context.WithoutCancel(r.Context())))
		if hold {
			<-r.Context().Done()
			return
		}
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
		}
	})
	// Not t.TempDir(): its long paths overflow the 108-byte limit of a unix socket path.
	dir, err := os.MkdirTemp("", "tfsw") //nolint:usetesting // see above
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(dir, "p.sock"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		_ = srv.Close()
		_ = os.RemoveAll(dir)
	})
	return "unix://" + l.Addr().String()
}
