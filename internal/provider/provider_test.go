package provider

import (
	"bufio"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// testAccProtoV6ProviderFactories runs the provider in-process for acceptance tests, through the
// same protocol server as main (NewProtocol6: the framework's, with swarm_service's fast refresh).
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"swarm": NewProtocol6("test"),
}

// testAccPreCheck skips nothing: acceptance tests only run with TF_ACC=1 (the framework checks
// that), and then the test bed must be up, so a missing engine fails loudly.
func testAccPreCheck(t *testing.T) {
	t.Helper()
	if _, err := testAccClient(t).Manager(context.Background()); err != nil {
		t.Fatalf("the local swarm is not reachable (run `make testbed`): %v", err)
	}
	// The test images come from the bed's registry (testbed_images_test.go).
	if testAccRegistryErr != nil {
		t.Fatal(testAccRegistryErr)
	}
}

// testAccClient is the tests' own view of the Engine, to check what the provider did. Like
// testAccNodes, it skips the test without TF_ACC before touching the bed.
func testAccClient(t *testing.T) *swarm.Client {
	t.Helper()
	skipUnlessAcc(t)
	c, err := swarm.New(swarm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// skipUnlessAcc skips an acceptance test when TF_ACC is unset, before it reads or touches anything
// of the test bed, so that `make unit` needs no Docker.
func skipUnlessAcc(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 and run `make testbed`")
	}
}

// testbedNode is one engine of the local test bed (internal/testbed writes the list).
type testbedNode struct {
	Name, Role, Addr, Host string
}

const testbedNodesFile = "/run/tfswarm-testbed/nodes"

// testAccNodes lists the test bed's engines with the given role (manager, worker or free); it
// skips the test without TF_ACC.
func testAccNodes(t *testing.T, role string) []testbedNode {
	t.Helper()
	return testAccNodesIn(t, testbedNodesFile, role)
}

// testAccNodesIn is testAccNodes for a node list of that format at path (the fault swarm's:
// faults_test.go).
func testAccNodesIn(t *testing.T, path, role string) []testbedNode {
	t.Helper()
	skipUnlessAcc(t)
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("reading the test bed's node list (run `make testbed`): %v", err)
	}
	defer f.Close()
	var nodes []testbedNode
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) != 4 || (role != "" && fields[1] != role) {
			continue
		}
		nodes = append(nodes, testbedNode{Name: fields[0], Role: fields[1], Addr: fields[2], Host: fields[3]})
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return nodes
}

// wrappedText matches a message that Terraform may have wrapped onto several lines: the words
// of text in order, separated by any whitespace.
func wrappedText(text string) *regexp.Regexp {
	words := strings.Fields(text)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `\s+`))
}
