package provider

import (
	"encoding/json"
	"os"
	"os/exec"
	"sync"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// Import by identity (import blocks with `identity`) needs Terraform 1.12 or newer. The suite runs
// on the machine's Terraform, and the test command runs the tests with such steps again with a
// newer Terraform (TF_ACC_TERRAFORM_PATH), so both are covered.

var (
	terraformVersionOnce sync.Once
	terraformVersion     *version.Version
	terraformVersionErr  error
)

// testAccTerraformVersion is the version of the Terraform binary the acceptance tests run.
func testAccTerraformVersion() (*version.Version, error) {
	terraformVersionOnce.Do(func() {
		bin := os.Getenv("TF_ACC_TERRAFORM_PATH")
		if bin == "" {
			bin, terraformVersionErr = exec.LookPath("terraform")
			if terraformVersionErr != nil {
				return
			}
		}
		out, err := exec.Command(bin, "version", "-json").Output()
		if err != nil {
			terraformVersionErr = err
			return
		}
		var v struct {
			Version string `json:"terraform_version"`
		}
		if terraformVersionErr = json.Unmarshal(out, &v); terraformVersionErr != nil {
			return
		}
		terraformVersion, terraformVersionErr = version.NewVersion(v.Version)
	})
	return terraformVersion, terraformVersionErr
}

// skipBelowTerraform is a step's SkipFunc that skips it on a Terraform older than minimum.
func skipBelowTerraform(minimum string) func() (bool, error) {
	return func() (bool, error) {
		v, err := testAccTerraformVersion()
		if err != nil {
			return false, err
		}
		return v.LessThan(version.Must(version.NewVersion(minimum))), nil
	}
}

// importByIdentityStep imports resourceName with an import block that gives its identity, and
// expects the import to plan no change. It is skipped below Terraform 1.12.
func importByIdentityStep(step resource.TestStep, resourceName string) resource.TestStep {
	step.ResourceName = resourceName
	step.ImportState = true
	step.ImportStateKind = resource.ImportBlockWithResourceIdentity
	step.SkipFunc = skipBelowTerraform("1.12.0")
	return step
}
