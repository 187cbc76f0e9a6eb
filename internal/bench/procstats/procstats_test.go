package procstats

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	// A real /proc/<pid>/stat line, with a command name that holds a space and a parenthesis.
	stat := []byte("4242 (terraform-pr (x)) S 4200 4242 4200 0 -1 4194560 5200 0 0 0 137 22 0 0 20 0 12 0 9999 1400000000 9000 18446744073709551615 1 1 0 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0\n")
	status := []byte("Name:\tterraform-provi\nVmPeak:\t 1500000 kB\nVmHWM:\t   51234 kB\nVmRSS:\t   40000 kB\n")
	got, err := Parse(4242, stat, status, 100)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(Stats{PID: 4242, UserSec: 1.37, SystemSec: 0.22, PeakRSSKB: 51234}, got); d != "" {
		t.Errorf("stats (-want +got):\n%s", d)
	}
	if _, err := Parse(1, []byte("1 (x) S 1"), status, 100); err == nil || !strings.Contains(err.Error(), "fields") {
		t.Errorf("a short stat line: %v", err)
	}
	if _, err := Parse(1, stat, []byte("Name:\tx\n"), 100); err == nil || !strings.Contains(err.Error(), "VmHWM") {
		t.Errorf("no VmHWM: %v", err)
	}
}

func TestSelfAndReadDir(t *testing.T) {
	s, err := Self()
	if err != nil {
		t.Fatal(err)
	}
	if s.PID != os.Getpid() || s.PeakRSSKB <= 0 {
		t.Errorf("Self() = %+v", s)
	}
	dir := t.TempDir()
	if err := writeStats(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "other.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	all, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].PID != os.Getpid() || all[0].PeakRSSKB < s.PeakRSSKB {
		t.Errorf("ReadDir = %+v", all)
	}
}
