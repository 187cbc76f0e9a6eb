package swarm

import "github.com/moby/moby/client/pkg/versions"

// APIAtLeast says whether the API version in use is minimum or newer. Versions are compared as
// numbers ("1.9" < "1.41"), never as strings.
func APIAtLeast(inUse, minimum string) bool {
	return versions.GreaterThanOrEqualTo(inUse, minimum)
}
