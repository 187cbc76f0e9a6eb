package swarm

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestAccDeployStack_probed: a stack's waits look at their services' task counts through the
// client's shared probe between full looks, as WaitConverged does, so that a stack apply learns
// that its services run as soon as a single service's apply would.
func TestAccDeployStack_probed(t *testing.T) {
	t.Parallel()
	c, _ := accClient(t)
	ns := accName(t)
	// The health check keeps the task starting for two seconds at least, so the wait gets past
	// its first short pauses, which look at nothing between full looks.
	file := fmt.Sprintf(`version: '3.8'
services:
  web:
    image: %s
    environment: [TESTAPP_START_DELAY=2s]
    healthcheck: {test: ["CMD", "/testapp", "health"], interval: 1s, timeout: 1s, retries: 30}
    deploy: {endpoint_mode: dnsrr}
`, accRegistry.Image("v1"))
	cfg, _, err := LoadCompose(StackSource{Files: []string{file}, WorkingDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	spec, err := ConvertStack(ctx, ns, cfg)
	if err != nil {
		t.Fatal(err)
	}
	auth := accAuth(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.RemoveStack(ctx, ns); err != nil {
			t.Errorf("removing stack %s: %v", ns, err)
		}
	})
	if err := c.DeployStack(ctx, spec, StackDeployOptions{
		RegistryAuth: func(string) string { return auth },
		Converge:     ConvergeOptions{Progress: func(s string, fields map[string]any) { t.Log(s, fields) }},
	}); err != nil {
		t.Fatal(err)
	}
	c.statusProbe.calls.flight.Lock()
	probed := c.statusProbe.calls.lastSent
	c.statusProbe.calls.flight.Unlock()
	if probed.IsZero() {
		t.Error("the stack's wait never looked at the shared probe")
	}
}
