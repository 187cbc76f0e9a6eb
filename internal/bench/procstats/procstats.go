// Package procstats measures a provider process from inside, for `make bench` and for anyone who
// wants to know where a refresh spends its time. Both are off unless their environment variable is
// set, and cost nothing then:
//
//   - TFSWARM_CPUPROFILE=PREFIX writes a CPU profile of the whole process to PREFIX.<pid> when the
//     plugin server stops (`go tool pprof -top BINARY PREFIX.<pid>`).
//   - TFSWARM_PROCSTATS=DIR writes DIR/<pid>.json when the plugin server stops: the CPU time of
//     the process (user and system, from /proc/self/stat) and its peak resident memory (VmHWM, from
//     /proc/self/status).
//
// Terraform starts a provider more than once per command (once for its schema, once for the
// work), so each process writes its own file, named by its pid.
package procstats

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
)

// Environment variables.
const (
	EnvCPUProfile = "TFSWARM_CPUPROFILE"
	EnvProcStats  = "TFSWARM_PROCSTATS"
)

// Stats is what one process used, as written to TFSWARM_PROCSTATS.
type Stats struct {
	PID       int     `json:"pid"`
	UserSec   float64 `json:"user_seconds"`
	SystemSec float64 `json:"system_seconds"`
	PeakRSSKB int64   `json:"vm_hwm_kb"`
}

// CPU is user plus system time.
func (s Stats) CPU() float64 { return s.UserSec + s.SystemSec }

// Start starts what the environment asks for; the returned function writes the results, and is
// called once the plugin server has stopped. Failures go to stderr: measuring never stops the
// provider.
func Start() (stop func()) {
	var stops []func()
	if prefix := os.Getenv(EnvCPUProfile); prefix != "" {
		path := fmt.Sprintf("%s.%d", prefix, os.Getpid())
		if f, err := os.Create(path); err != nil {
			warn(err)
		} else if err := pprof.StartCPUProfile(f); err != nil {
			warn(err)
			_ = f.Close()
		} else {
			stops = append(stops, func() {
				pprof.StopCPUProfile()
				if err := f.Close(); err != nil {
					warn(err)
				}
			})
		}
	}
	if dir := os.Getenv(EnvProcStats); dir != "" {
		stops = append(stops, func() {
			if err := writeStats(dir); err != nil {
				warn(err)
			}
		})
	}
	return func() {
		for _, s := range stops {
			s()
		}
	}
}

func warn(err error) { fmt.Fprintf(os.Stderr, "procstats: %v\n", err) }

func writeStats(dir string) error {
	s, err := Self()
	if err != nil {
		return err
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.json", s.PID)), raw, 0o644)
}

// Self reads this process's stats from /proc.
func Self() (Stats, error) {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return Stats{}, err
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return Stats{}, err
	}
	return Parse(os.Getpid(), stat, status, clockTicks)
}

// clockTicks is USER_HZ, the unit of the times in /proc/<pid>/stat: 100 on every Linux
// architecture Go supports (the kernel's ABI fixes it, whatever CONFIG_HZ is).
const clockTicks = 100

// Parse reads the CPU times of /proc/<pid>/stat and VmHWM of /proc/<pid>/status.
func Parse(pid int, stat, status []byte, ticks float64) (Stats, error) {
	s := Stats{PID: pid}
	// The command name (field 2) is in parentheses and may hold spaces: count from after it.
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return s, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	fields := strings.Fields(string(stat[end+1:]))
	// Fields 14 (utime) and 15 (stime) of stat are 12 and 13 after the command name (field 3 is 1).
	if len(fields) < 13 {
		return s, fmt.Errorf("/proc/%d/stat: %d fields after the command name", pid, len(fields))
	}
	utime, err1 := strconv.ParseFloat(fields[11], 64)
	stime, err2 := strconv.ParseFloat(fields[12], 64)
	if err1 != nil || err2 != nil {
		return s, fmt.Errorf("/proc/%d/stat: utime %q, stime %q", pid, fields[11], fields[12])
	}
	s.UserSec, s.SystemSec = utime/ticks, stime/ticks
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return s, fmt.Errorf("/proc/%d/status: VmHWM %q", pid, v)
			}
			s.PeakRSSKB = kb
			return s, nil
		}
	}
	return s, fmt.Errorf("/proc/%d/status: no VmHWM", pid)
}

// ReadDir reads every stats file of a TFSWARM_PROCSTATS directory.
func ReadDir(dir string) ([]Stats, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []Stats
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		var s Stats
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		out = append(out, s)
	}
	return out, nil
}
