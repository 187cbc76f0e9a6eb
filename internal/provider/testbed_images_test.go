package provider

// The acceptance tests' images come from the test bed's registry, through the swarm, with
// credentials (internal/testbed/bedenv): no engine of the bed holds them under the registry's name
// before a task pulls them, so a config or a call that forgot the credentials fails ("No such
// image"). How a test uses them:
//
//   - An HCL config starts with testAccBed (the provider block with the bed's credentials, and the
//     locals testapp_v1 and testapp_v2) and names its image `local.testapp_v1`:
//     `var testAccXConfig = testAccBed + "..."`. A config with a provider block of its own starts
//     with testAccBedLocals and puts testAccBedDockerConfig inside its provider block.
//   - Go code names the images testAccImageV1 and testAccImageV2; a service created through the
//     Engine's API sends testAccRegistryAuth(t) as its registry auth; the Docker CLI runs with
//     testAccDockerCLIEnv() (DOCKER_CONFIG with the registry's `auths`) and --with-registry-auth.
//
// testAccPreCheck fails when registry.env cannot be read; without TF_ACC nothing here touches the
// bed (the values below are read once, and are empty without a bed).

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
	"github.com/tfswarm/terraform-provider-swarm/internal/testbed/bedenv"
)

// testAccRegistryOfBed is the bed's registry, or the zero value (and the error) without a bed.
var testAccRegistryOfBed, testAccRegistryErr = bedenv.ReadRegistry()

var (
	// testAccImageV1 and testAccImageV2 are the bed's test images in its registry.
	testAccImageV1 = testAccRegistryOfBed.Image("v1")
	testAccImageV2 = testAccRegistryOfBed.Image("v2")
)

// testAccBedDockerConfig goes inside a provider block: the bed's Docker config, whose `auths` hold
// the registry's credentials.
const testAccBedDockerConfig = `
  docker_config {
    path = "` + bedenv.DockerConfigDir + `"
  }
`

// testAccBedLocals names the test images in HCL: local.testapp_v1 and local.testapp_v2.
var testAccBedLocals = `
locals {
  testapp_v1 = "` + testAccImageV1 + `"
  testapp_v2 = "` + testAccImageV2 + `"
}
`

// testAccBed starts a config that runs the test images: the provider block with the bed's
// credentials, and testAccBedLocals.
var testAccBed = `
provider "swarm" {` + testAccBedDockerConfig + `}
` + testAccBedLocals

// testAccRegistryAuth is the Engine's registry auth for the bed's registry, for services that a
// test creates or updates through the API (EncodedRegistryAuth).
func testAccRegistryAuth(t *testing.T) string {
	t.Helper()
	skipUnlessAcc(t)
	if testAccRegistryErr != nil {
		t.Fatal(testAccRegistryErr)
	}
	auth, err := testAccRegistryOfBed.AuthHeader()
	if err != nil {
		t.Fatal(err)
	}
	return auth
}

// testAccDockerCLIEnv is the environment of a Docker CLI command: the bed's Docker config (never
// the user's own ~/.docker), so that --with-registry-auth sends the registry's credentials.
func testAccDockerCLIEnv() []string {
	return append(os.Environ(), "DOCKER_CONFIG="+bedenv.DockerConfigDir)
}

// testAccPullImage pulls image from the bed's registry into the engine api, with the registry's
// credentials: for a plain container of the test image (the Engine pulls for services, not for
// containers).
func testAccPullImage(t *testing.T, api client.APIClient, image string) {
	t.Helper()
	ctx := context.Background()
	resp, err := api.ImagePull(ctx, image, client.ImagePullOptions{RegistryAuth: testAccRegistryAuth(t)})
	if err != nil {
		t.Fatalf("pulling %s: %v", image, err)
	}
	defer resp.Close()
	if err := resp.Wait(ctx); err != nil {
		t.Fatalf("pulling %s: %v", image, err)
	}
}

// testAccExpectPinned checks that the Engine runs want pinned to a digest (resolve_image), as
// `image@sha256:...`.
func testAccExpectPinned(got, want string) error {
	ref, digest := swarm.SplitDigest(got)
	if ref != want || !strings.HasPrefix(digest, "sha256:") {
		return fmt.Errorf("the Engine runs image %q, want %s pinned to a digest", got, want)
	}
	return nil
}

// testAccImportImagePath is the image in an imported state. Import reads the image as the Engine
// runs it, pinned to its digest (`<image>@sha256:…`), where an apply keeps the configured tag: the
// provider holds the two equal (no diff in the plan after an import), ImportStateVerify does not.
// An import step leaves it out of ImportStateVerify and checks it with testAccImportedImagePinned.
const testAccImportImagePath = "task_template.container_spec.image"

// testAccImportedImagePinned checks that every imported state holds image pinned to the digest
// that its image_digest holds.
func testAccImportedImagePinned(image string) resource.ImportStateCheckFunc {
	return func(states []*terraform.InstanceState) error {
		for _, s := range states {
			got := s.Attributes[testAccImportImagePath]
			if err := testAccExpectPinned(got, image); err != nil {
				return err
			}
			if _, d := swarm.SplitDigest(got); d != s.Attributes["image_digest"] {
				return fmt.Errorf("imported image %s, but image_digest = %q", got, s.Attributes["image_digest"])
			}
		}
		return nil
	}
}
