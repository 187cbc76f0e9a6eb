package provider

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/testpki"
)

const testAccClusterDataSourceConfig_basic = `
data "swarm_cluster" "test" {}
`

func TestAccClusterDataSource_basic(t *testing.T) {
	ctx := context.Background()
	api, err := testAccClient(t).Manager(ctx)
	if err != nil {
		t.Fatalf("the local swarm is not reachable (run `make testbed`): %v", err)
	}
	sw, err := api.SwarmInspect(ctx, client.SwarmInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := api.NodeList(ctx, client.NodeListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	managers := 0
	for _, n := range nodes.Items {
		if n.ManagerStatus != nil {
			managers++
		}
	}

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: testAccClusterDataSourceConfig_basic,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.swarm_cluster.test", tfjsonpath.New("id"), knownvalue.StringExact(sw.Swarm.ID)),
				statecheck.ExpectKnownValue("data.swarm_cluster.test", tfjsonpath.New("managers"), knownvalue.Int64Exact(int64(managers))),
				statecheck.ExpectKnownValue("data.swarm_cluster.test", tfjsonpath.New("data_path_port"), knownvalue.Int64Exact(int64(sw.Swarm.DataPathPort))),
				statecheck.ExpectKnownValue("data.swarm_cluster.test", tfjsonpath.New("name"), knownvalue.StringExact(sw.Swarm.Spec.Name)),
				statecheck.ExpectKnownValue("data.swarm_cluster.test", tfjsonpath.New("api_version"), knownvalue.StringRegexp(regexp.MustCompile(`^1\.\d+$`))),
				statecheck.ExpectKnownValue("data.swarm_cluster.test", tfjsonpath.New("raft").AtMapKey("election_tick"), knownvalue.Int64Exact(int64(sw.Swarm.Spec.Raft.ElectionTick))),
			},
		}},
	})
}

const testAccClusterDataSourceConfig_host = `
variable "host" { type = string }

provider "swarm" {
  host = var.host
}

data "swarm_cluster" "test" {}
`

func TestAccClusterDataSource_unreachableHost(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "nobody.sock")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:          testAccClusterDataSourceConfig_host,
			ConfigVariables: config.Variables{"host": config.StringVariable("unix://" + sock)},
			ExpectError:     wrappedText("cannot reach the Docker Engine at unix://" + sock),
		}},
	})
}

func TestAccClusterDataSource_invalidHost(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:          testAccClusterDataSourceConfig_host,
			ConfigVariables: config.Variables{"host": config.StringVariable("http://manager1:2375")},
			PlanOnly:        true,
			ExpectError:     wrappedText("Invalid Docker host"),
		}},
	})
}

func TestAccClusterDataSource_notManager(t *testing.T) {
	free := testAccNodes(t, "free")
	if len(free) == 0 {
		t.Fatal("the test bed has no engine outside a swarm (TESTBED_FREE=0)")
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:          testAccClusterDataSourceConfig_host,
			ConfigVariables: config.Variables{"host": config.StringVariable(free[0].Host)},
			ExpectError:     wrappedText("at " + free[0].Host + " is not part of a swarm: create one with the swarm_cluster resource"),
		}},
	})
}

const testAccClusterDataSourceConfig_tls = `
variable "host" { type = string }
variable "ca_pem" { type = string }
variable "cert_pem" { type = string }
variable "key_pem" {
  type      = string
  sensitive = true
}

provider "swarm" {
  host     = var.host
  ca_pem   = var.ca_pem
  cert_pem = var.cert_pem
  key_pem  = var.key_pem
}

data "swarm_cluster" "test" {}
`

// TestAccClusterDataSource_tls reaches the real engine through a TLS front that requires a client
// certificate, as an engine started with --tlsverify does: the right CA reads the swarm, a wrong CA
// fails the handshake with a message that names the host.
func TestAccClusterDataSource_tls(t *testing.T) {
	pki := testpki.New(t)
	host := startTLSFront(t, pki, "/var/run/docker.sock")
	vars := func(ca string) config.Variables {
		return config.Variables{
			"host":     config.StringVariable(host),
			"ca_pem":   config.StringVariable(ca),
			"cert_pem": config.StringVariable(pki.ClientCertPEM),
			"key_pem":  config.StringVariable(pki.ClientKeyPEM),
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:          testAccClusterDataSourceConfig_tls,
				ConfigVariables: vars(pki.OtherCAPEM),
				ExpectError: regexp.MustCompile(wrappedText("cannot reach the Docker Engine at "+host+": TLS handshake:").String() +
					`[\s\S]*` + wrappedText("certificate signed by unknown authority").String()),
			},
			{
				Config:          testAccClusterDataSourceConfig_tls,
				ConfigVariables: vars(pki.CAPEM),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.swarm_cluster.test", tfjsonpath.New("id"), knownvalue.NotNull()),
				},
			},
		},
	})
}

// startTLSFront listens on loopback with TLS (client certificates required, signed by the test CA)
// and passes each connection on to the engine's unix socket. It returns the tcp:// host.
func startTLSFront(t *testing.T, pki testpki.PKI, socket string) string {
	t.Helper()
	cert, err := tls.X509KeyPair([]byte(pki.ServerCertPEM), []byte(pki.ServerKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	clientCAs := x509.NewCertPool()
	clientCAs.AppendCertsFromPEM([]byte(pki.CAPEM))
	cfg := &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    clientCAs,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			raw, err := l.Accept()
			if err != nil {
				return
			}
			conn := tls.Server(raw, cfg)
			go func() {
				defer conn.Close()
				if err := conn.Handshake(); err != nil {
					return
				}
				up, err := net.Dial("unix", socket)
				if err != nil {
					return
				}
				defer up.Close()
				done := make(chan struct{})
				go func() { _, _ = io.Copy(up, conn); close(done) }()
				_, _ = io.Copy(conn, up)
				<-done
			}()
		}
	}()
	return "tcp://" + l.Addr().String()
}
