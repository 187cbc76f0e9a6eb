package main

// The Docker side of the membership: observing the engines and carrying out the steps that
// plan.go decides, through internal/swarm (and the Engine client it hands out, for the few calls
// it has no wrapper for).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	mobyswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// Bounds of the membership work.
const (
	// memberGrace is how long a member that believes it is in the host's swarm may stay unhealthy
	// (e.g. just restarted) before it is made to join anew.
	memberGrace = 30 * time.Second
	// convergeTimeout bounds the whole convergence of the managers and workers.
	convergeTimeout = 240 * time.Second
	// joinFailures is how many joins of one node may fail outright before `up` gives up.
	joinFailures = 3
	// pollEvery is the pause between two looks at the swarm.
	pollEvery = time.Second
)

// bed is one swarm of the bed and its engines: the host's swarm (with the free engines), or the
// fault swarm. Its first manager ("lead") makes it and the others join it: the host's engine, or
// fm1.
type bed struct {
	runDir, stateDir string
	// nodes are the extra nodes: managers, workers, free engines.
	nodes []node
	// lead is the swarm's first manager and host its client.
	lead    node
	host    *swarm.Client
	engines map[string]*swarm.Client // by node name, the lead's included
	// swarmFile, in the state directory, records that the bed made the swarm ("host-swarm").
	swarmFile string
	// pool is the swarm's default address pool.
	pool string
	logf func(format string, args ...any)
}

func noEnv(string) string { return "" }

// newBed is the host's swarm with the given extra nodes (those of the fault swarm are left out).
func newBed(runDir, stateDir string, nodes []node, logf func(string, ...any)) (*bed, error) {
	main, _ := splitFault(nodes)
	return newSwarmBed(runDir, stateDir, hostNode, main, "host-swarm", addrPool, logf)
}

// newFaultBed is the fault swarm, made of the fault nodes among nodes; nil when there are none.
func newFaultBed(runDir, stateDir string, nodes []node, logf func(string, ...any)) (*bed, error) {
	_, fault := splitFault(nodes)
	if len(fault) == 0 {
		return nil, nil
	}
	prefixed := func(format string, args ...any) { logf("fault swarm: "+format, args...) }
	return newSwarmBed(runDir, stateDir, fault[0], fault[1:], "fault-swarm", faultAddrPool, prefixed)
}

func newSwarmBed(runDir, stateDir string, lead node, nodes []node, swarmFile, pool string, logf func(string, ...any)) (*bed, error) {
	b := &bed{runDir: runDir, stateDir: stateDir, nodes: nodes, lead: lead, engines: map[string]*swarm.Client{},
		swarmFile: swarmFile, pool: pool, logf: logf}
	for _, n := range append([]node{lead}, nodes...) {
		c, err := newEngine(n.URL(runDir))
		if err != nil {
			b.close()
			return nil, err
		}
		b.engines[n.Name] = c
	}
	b.host = b.engines[lead.Name]
	return b, nil
}

// newEngine is a client of one engine; the environment (DOCKER_HOST and the like) is ignored.
func newEngine(url string) (*swarm.Client, error) {
	return swarm.New(swarm.Config{Endpoints: []swarm.Endpoint{{Host: url}}, UserAgent: "tfswarm-testbed"}, swarm.WithGetenv(noEnv))
}

func (b *bed) close() {
	for _, c := range b.engines {
		_ = c.Close()
	}
}

func (b *bed) withRole(roles ...role) []node {
	var out []node
	for _, n := range b.nodes {
		for _, r := range roles {
			if n.Role == r {
				out = append(out, n)
			}
		}
	}
	return out
}

// ---------------------------------------------------------------------------------------------
// Observing

// localOf asks an engine about its swarm. A manager whose swarm has no leader takes up to 20 s to
// answer.
func localOf(ctx context.Context, c *swarm.Client) local {
	ctx, cancel := context.WithTimeout(ctx, 40*time.Second)
	defer cancel()
	info, err := c.LocalNode(ctx)
	if err != nil {
		return local{}
	}
	return local{State: info.LocalNodeState, NodeID: info.NodeID, Control: info.ControlAvailable}
}

// observe asks the given nodes about their swarm, all at once.
func (b *bed) observe(ctx context.Context, nodes []node) []member {
	out := make([]member, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() { out[i] = member{node: n, local: localOf(ctx, b.engines[n.Name])} })
	}
	wg.Wait()
	return out
}

// entries lists the host's swarm.
func (b *bed) entries(ctx context.Context) ([]entry, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	nodes, err := b.host.ListNodes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]entry, len(nodes))
	for i, n := range nodes {
		out[i] = toEntry(n)
	}
	return out, nil
}

// ---------------------------------------------------------------------------------------------
// The host's swarm

func (b *bed) owned() bool {
	_, err := os.Stat(filepath.Join(b.stateDir, b.swarmFile))
	return err == nil
}

// ensureHost makes the host engine a writable manager of a swarm: the bed's own (made here if
// needed), or one that was there before the bed and is left as it is.
func (b *bed) ensureHost(ctx context.Context) error {
	owned := b.owned()
	managers := len(b.withRole(roleManager)) > 0
	start := time.Now()
	var l local
	for waited := false; ; waited = true {
		l = localOf(ctx, b.host)
		act, err := planHost(l, owned, managers, time.Since(start))
		if err != nil {
			return err
		}
		switch act {
		case hostWait:
			if !waited {
				b.logf("the swarm is %s; waiting up to %s for its managers", l.State, hostPendingGrace)
			}
			if err := pause(ctx); err != nil {
				return err
			}
			continue
		case hostInit:
			return b.initHost(ctx, false)
		case hostReset:
			b.logf("leaving the swarm (%s) to make it anew", describeLocal(l))
			lctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			_ = b.host.LeaveSwarm(lctx, true)
			cancel()
			return b.initHost(ctx, false)
		}
		break
	}
	if !owned {
		b.logf("using the host's existing swarm (not made by the test bed)")
	}
	// Managers restarted a moment ago may need a few seconds to elect a leader.
	start = time.Now()
	for waited := false; ; waited = true {
		act, err := planQuorum(b.writable(ctx, owned, l.NodeID), owned, time.Since(start))
		if err != nil {
			return err
		}
		switch act {
		case hostReady:
			return nil
		case hostForceNew:
			b.logf("the swarm lost quorum: docker swarm init --force-new-cluster")
			return b.initHost(ctx, true)
		}
		if !waited {
			b.logf("the swarm has no leader yet; waiting up to %s", quorumGrace)
		}
		if err := pause(ctx); err != nil {
			return err
		}
	}
}

func describeLocal(l local) string {
	if l.State == mobyswarm.LocalNodeStateActive && !l.Control {
		return "host is not a manager"
	}
	return string(l.State)
}

// writable probes the host's swarm for a working quorum. A leader that has just lost its quorum
// still answers reads for a few seconds, so the bed's own swarm is probed with a write: the host
// node's availability, which the bed keeps active anyway (a test may have drained it). A swarm
// that the bed did not make is only read.
func (b *bed) writable(ctx context.Context, owned bool, hostID string) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if !owned {
		_, err := b.host.ListNodes(ctx)
		return err == nil
	}
	return b.host.UpdateNode(ctx, hostID, func(s *mobyswarm.NodeSpec) { s.Availability = mobyswarm.NodeAvailabilityActive }) == nil
}

// initHost makes the host's engine the first manager of a new swarm (force: a new raft group of
// one, out of the swarm it is in) and records it as the bed's.
func (b *bed) initHost(ctx context.Context, force bool) error {
	opts := client.SwarmInitOptions{ListenAddr: "0.0.0.0:" + swarmPort, AdvertiseAddr: b.lead.Addr(), ForceNewCluster: force}
	if !force {
		b.logf("initialising the swarm on %s (%s)", b.lead.Name, b.lead.Addr())
		opts.DefaultAddrPool = []netip.Prefix{netip.MustParsePrefix(b.pool)}
		opts.SubnetSize = 24
	}
	ctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	id, err := b.host.InitSwarm(ctx, opts)
	if err != nil {
		return err
	}
	api, err := b.host.Engine(ctx)
	if err != nil {
		return err
	}
	info, err := api.Info(ctx, client.InfoOptions{})
	if err != nil {
		return fmt.Errorf("reading the host engine's data root: %w", err)
	}
	// What `down` needs to undo it: the host's node ID and the engine's data root.
	return writeFile(filepath.Join(b.stateDir, b.swarmFile), fmt.Sprintf("%s %s\n", id, info.Info.DockerRootDir))
}

// ---------------------------------------------------------------------------------------------
// Managers and workers

// converge brings the managers and workers into the host's swarm in their roles, healthy. It
// returns the nodes whose swarm state could not be left, for testbed.sh to wipe.
func (b *bed) converge(ctx context.Context) ([]node, error) {
	deadline := time.Now().Add(convergeTimeout)
	since := map[string]time.Time{}
	said := map[string]string{}
	failed := map[string]int{}
	var wipe []node
	wiped := map[string]bool{}
	for {
		now := time.Now()
		var nodes []node
		for _, n := range b.withRole(roleManager, roleWorker) {
			if !wiped[n.Name] {
				nodes = append(nodes, n)
			}
		}
		members := b.observe(ctx, nodes)
		for i := range members {
			if t, ok := since[members[i].Name]; ok {
				members[i].UnhealthyFor = now.Sub(t)
			}
		}
		host := localOf(ctx, b.host)
		var steps []step
		waiting := map[string]string{}
		if entries, err := b.entries(ctx); err != nil {
			waiting[b.lead.Name] = fmt.Sprintf("the swarm does not answer: %v", err)
		} else {
			steps, waiting = planMembers(b.lead, host, members, entries, memberGrace)
		}
		for _, m := range members {
			if _, ok := waiting[m.Name]; !ok {
				delete(since, m.Name)
			} else if _, ok := since[m.Name]; !ok {
				since[m.Name] = now
			}
		}
		for name, p := range waiting {
			if said[name] != p {
				b.logf("%s: %s", name, p)
				said[name] = p
			}
		}
		if len(steps) == 0 && len(waiting) == 0 {
			return wipe, nil
		}
		if now.After(deadline) {
			_ = b.printNodes(ctx, os.Stderr)
			return nil, fmt.Errorf("the swarm did not converge in %s: %s", convergeTimeout, describeWaiting(waiting, steps))
		}
		for _, s := range steps {
			if s.Do == actRejoin {
				since[s.Node.Name] = time.Now()
			}
		}
		need, err := b.run(ctx, steps, failed)
		if err != nil {
			return nil, err
		}
		for _, n := range need {
			wiped[n.Name] = true
		}
		wipe = append(wipe, need...)
		if err := pause(ctx); err != nil {
			return nil, err
		}
	}
}

func describeWaiting(waiting map[string]string, steps []step) string {
	var parts []string
	for name, p := range waiting {
		parts = append(parts, name+": "+p)
	}
	for _, s := range steps {
		parts = append(parts, "still to "+s.String())
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// run carries out one round of steps: entry fixes first, then workers (all at once) alongside
// managers (one at a time: each changes the raft membership). It returns the nodes that need a
// wipe.
func (b *bed) run(ctx context.Context, steps []step, failed map[string]int) ([]node, error) {
	var joins, managers []step
	for _, s := range steps {
		switch s.Do {
		case actPromote, actDemote, actActivate:
			b.fixEntry(ctx, s)
		case actJoin, actRejoin:
			if s.Node.Role == roleManager {
				managers = append(managers, s)
			} else {
				joins = append(joins, s)
			}
		}
	}
	var (
		mu    sync.Mutex
		wipe  []node
		fatal []error
		wg    sync.WaitGroup
	)
	do := func(s step) {
		needsWipe, err := b.join(ctx, s)
		mu.Lock()
		defer mu.Unlock()
		if needsWipe {
			wipe = append(wipe, s.Node)
		}
		if err != nil {
			failed[s.Node.Name]++
			b.logf("%s could not join the swarm: %v", s.Node.Name, err)
			if failed[s.Node.Name] >= joinFailures {
				fatal = append(fatal, fmt.Errorf("%s could not join the swarm (%d attempts): %w", s.Node.Name, joinFailures, err))
			}
		}
	}
	for _, s := range joins {
		wg.Go(func() { do(s) })
	}
	for _, s := range managers {
		do(s)
	}
	wg.Wait()
	return wipe, errors.Join(fatal...)
}

func (b *bed) fixEntry(ctx context.Context, s step) {
	change := map[action]func(*mobyswarm.NodeSpec){
		actPromote:  func(n *mobyswarm.NodeSpec) { n.Role = mobyswarm.NodeRoleManager },
		actDemote:   func(n *mobyswarm.NodeSpec) { n.Role = mobyswarm.NodeRoleWorker },
		actActivate: func(n *mobyswarm.NodeSpec) { n.Availability = mobyswarm.NodeAvailabilityActive },
	}[s.Do]
	b.logf("%s", s)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := b.host.UpdateNode(ctx, s.ID, change); err != nil {
		b.logf("warning: %s: %v", s, err)
	}
}

// join makes a node join the host's swarm in its role; for a rejoin, it first leaves whatever
// swarm it believes in and its old entry goes. needsWipe is set when it could not leave.
func (b *bed) join(ctx context.Context, s step) (needsWipe bool, err error) {
	n := s.Node
	if s.Do == actRejoin {
		b.logf("re-joining %s (%s)", n.Name, s.Why)
		if !b.leave(ctx, n) {
			return true, nil
		}
		if s.ID != "" {
			b.removeEntry(ctx, s.ID)
		}
	}
	r := mobyswarm.NodeRoleWorker
	if n.Role == roleManager {
		r = mobyswarm.NodeRoleManager
	}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, token, err := b.host.JoinToken(tctx, r)
	cancel()
	if err != nil {
		return false, err
	}
	b.logf("joining %s as a %s", n.Name, n.Role)
	jctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	_, err = b.engines[n.Name].JoinSwarm(jctx, client.SwarmJoinOptions{
		ListenAddr:    "0.0.0.0:" + swarmPort,
		AdvertiseAddr: n.Addr(),
		RemoteAddrs:   []string{b.lead.Addr() + ":" + swarmPort},
		JoinToken:     token,
	}, 60*time.Second)
	// A join that goes on in the background, or takes long, is not a failure: the next look at
	// the swarm decides. The Engine says the first only in words.
	if err != nil && (errors.Is(err, swarm.ErrTimeout) || strings.Contains(err.Error(), "continue in the background")) {
		b.logf("%s: %v", n.Name, err)
		return false, nil
	}
	return false, err
}

// leave makes a node's engine leave its swarm, and removes the containers the swarm's tasks left
// there. It says whether the engine is now in no swarm.
func (b *bed) leave(ctx context.Context, n node) bool {
	c := b.engines[n.Name]
	lctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	_ = c.LeaveSwarm(lctx, true)
	cancel()
	if l := localOf(ctx, c); l.State != mobyswarm.LocalNodeStateInactive {
		b.logf("%s is still '%s' after leaving: its swarm state is to be wiped", n.Name, orNone(string(l.State)))
		return false
	}
	b.removeTaskContainers(ctx, c)
	return true
}

// removeTaskContainers removes the containers that tasks of a swarm left behind on an engine after
// it left that swarm.
func (b *bed) removeTaskContainers(ctx context.Context, c *swarm.Client) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	api, err := c.Engine(ctx)
	if err != nil {
		return
	}
	res, err := api.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", "com.docker.swarm.task.id")})
	if err != nil {
		return
	}
	for _, ct := range res.Items {
		_, _ = api.ContainerRemove(ctx, ct.ID, client.ContainerRemoveOptions{Force: true})
	}
}

// removeEntry removes a node from the host's swarm, demoting it first if it is a manager.
func (b *bed) removeEntry(ctx context.Context, id string) {
	ictx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	n, err := b.host.InspectNode(ictx, id)
	if err != nil {
		return
	}
	if n.Spec.Role == mobyswarm.NodeRoleManager {
		_ = b.host.UpdateNode(ictx, id, func(s *mobyswarm.NodeSpec) { s.Role = mobyswarm.NodeRoleWorker })
	}
	// Right after the demotion the node may still be in the raft group: try again for a while.
	for range 20 {
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = b.host.RemoveNode(rctx, id, 0)
		cancel()
		if err == nil {
			return
		}
		if err := pause(ctx); err != nil {
			return
		}
	}
	b.logf("warning: could not remove node %s from the swarm: %v", id, err)
}

// ---------------------------------------------------------------------------------------------
// Free engines and stale entries

// freeEngines makes the free engines leave any swarm; it returns those to wipe.
func (b *bed) freeEngines(ctx context.Context) []node {
	var wipe []node
	for _, s := range planFree(b.observe(ctx, b.withRole(roleFree))) {
		if s.Do == actLeave {
			b.logf("%s is in %s: leaving", s.Node.Name, s.Why)
			if b.leave(ctx, s.Node) {
				continue
			}
		}
		wipe = append(wipe, s.Node)
	}
	return wipe
}

func (b *bed) removeStale(ctx context.Context) {
	// The first manager too: fm1's entry carries a bed node's name, and its own ID keeps it.
	members := b.observe(ctx, append([]node{b.lead}, b.nodes...))
	entries, err := b.entries(ctx)
	if err != nil {
		return
	}
	for _, s := range planStale(members, entries) {
		b.logf("removing stale node %s (%s, %s) from the swarm", s.Node.Name, s.ID, strings.TrimPrefix(s.Why, "stale, "))
		b.removeEntry(ctx, s.ID)
	}
}

// up is the membership part of `testbed.sh up`: it returns the nodes that testbed.sh must wipe
// before it runs up again.
func (b *bed) up(ctx context.Context) ([]node, error) {
	if err := b.ensureHost(ctx); err != nil {
		return nil, err
	}
	wipe, err := b.converge(ctx)
	if err != nil {
		return nil, err
	}
	wipe = append(wipe, b.freeEngines(ctx)...)
	b.removeStale(ctx)
	return wipe, nil
}

// leaveHost makes the host's engine leave the bed's swarm (`down`), and removes what the swarm
// left on it: task containers and the gateway bridge network.
func (b *bed) leaveHost(ctx context.Context) error {
	b.logf("leaving the host's swarm")
	lctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := b.host.LeaveSwarm(lctx, true); err != nil {
		return err
	}
	b.removeTaskContainers(ctx, b.host)
	if api, err := b.host.Engine(ctx); err == nil {
		_, _ = api.NetworkRemove(ctx, "docker_gwbridge", client.NetworkRemoveOptions{})
	}
	return nil
}

// ---------------------------------------------------------------------------------------------
// Reporting

// printNodes prints the host's swarm as `docker node ls` does.
func (b *bed) printNodes(ctx context.Context, w io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	nodes, err := b.host.ListNodes(ctx)
	if err != nil {
		fmt.Fprintf(w, "the host's swarm does not answer: %v\n", err)
		return err
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Description.Hostname < nodes[j].Description.Hostname })
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "ID\tHOSTNAME\tSTATUS\tAVAILABILITY\tMANAGER STATUS\tENGINE VERSION")
	for _, n := range nodes {
		e := toEntry(n)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Hostname, capitalize(string(e.Status)),
			capitalize(string(e.Availability)), e.managerStatus(), n.Description.Engine.EngineVersion)
	}
	return tw.Flush()
}

// pause waits pollEvery, or less when ctx ends first; it then returns ctx's error.
func pause(ctx context.Context) error {
	t := time.NewTimer(pollEvery)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
