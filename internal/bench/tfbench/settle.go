package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// The bed is settled when at least settleIdle of its CPU time was idle over settleWindow. A
// removal of 100 tasks keeps both of the bed's cores busy for a dozen seconds; the next timed run
// starts after settle, so that the swarm's own run, the apply and both removals each start from
// an idle machine whatever ran before them. settleMax bounds the wait on a machine that is never
// idle (the run goes on, and says so).
const (
	settleIdle   = 0.8
	settleWindow = time.Second
	settleMax    = 2 * time.Minute
)

// settle waits until the machine is idle (settleIdle), at most settleMax, and says how long it
// waited when that was more than one window.
func settle(ctx context.Context, before string) error {
	start := time.Now()
	for {
		idle, err := idleOver(ctx, settleWindow)
		if err != nil {
			return err
		}
		waited := time.Since(start)
		switch {
		case idle >= settleIdle:
			if waited > 2*settleWindow {
				logf("waited %.0fs for the machine to be idle before %s", waited.Seconds(), before)
			}
			return nil
		case waited >= settleMax:
			logf("the machine is still busy (%.0f%% idle) after %s; measuring %s anyway", 100*idle, settleMax, before)
			return nil
		}
	}
}

// idleOver is the share of the CPU time that was idle (idle or waiting for I/O) over d, from
// /proc/stat.
func idleOver(ctx context.Context, d time.Duration) (float64, error) {
	a, err := cpuTimes()
	if err != nil {
		return 0, err
	}
	if err := sleep(ctx, d); err != nil {
		return 0, err
	}
	b, err := cpuTimes()
	if err != nil {
		return 0, err
	}
	return idleShare(a, b), nil
}

// cpuTimes is the "cpu" line of /proc/stat: the machine's CPU time by kind, in clock ticks.
func cpuTimes() ([]uint64, error) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return nil, err
	}
	return parseCPULine(string(raw))
}

func parseCPULine(stat string) ([]uint64, error) {
	line, _, _ := strings.Cut(stat, "\n")
	fields := strings.Fields(line)
	// cpu user nice system idle iowait irq softirq steal ...
	if len(fields) < 6 || fields[0] != "cpu" {
		return nil, fmt.Errorf("/proc/stat starts with %q, not the cpu line", line)
	}
	times := make([]uint64, len(fields)-1)
	for i, f := range fields[1:] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("/proc/stat cpu line %q: %w", line, err)
		}
		times[i] = v
	}
	return times, nil
}

// idleShare is the share of idle and iowait ticks between two readings of cpuTimes (guest time
// is in user time already, so only the first eight kinds count).
func idleShare(a, b []uint64) float64 {
	var total, idle uint64
	for i := 0; i < len(a) && i < len(b) && i < 8; i++ {
		d := b[i] - a[i]
		total += d
		if i == 3 || i == 4 {
			idle += d
		}
	}
	if total == 0 {
		return 1
	}
	return float64(idle) / float64(total)
}
