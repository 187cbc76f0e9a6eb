package swarm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// fakeLogsAPI is a fakeAPI whose tasks have logs.
type fakeLogsAPI struct {
	fakeAPI
	logs  map[string][]byte
	asked []string
	tails []string
}

func (f *fakeLogsAPI) TaskLogs(_ context.Context, id string, o client.TaskLogsOptions) (client.TaskLogsResult, error) {
	f.asked = append(f.asked, id)
	f.tails = append(f.tails, o.Tail)
	b, ok := f.logs[id]
	if !ok {
		return nil, errors.New(`configured logging driver does not support reading`)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// multiplexed writes lines as the Engine streams them for a container without a TTY.
func multiplexed(t *testing.T, stdout, stderr string) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, f := range []struct {
		stream stdcopy.StdType
		text   string
	}{{stdcopy.Stdout, stdout}, {stdcopy.Stderr, stderr}} {
		header := []byte{byte(f.stream), 0, 0, 0, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(header[4:], uint32(len(f.text)))
		b.Write(header)
		b.WriteString(f.text)
	}
	return b.Bytes()
}

func TestAttachTaskLogs(t *testing.T) {
	t.Parallel()
	api := &fakeLogsAPI{logs: map[string][]byte{
		"t1": multiplexed(t, "listening on :8080\n", "fatal: cannot open /data/db: permission denied\n"),
		"t3": []byte("tty output\r\nlast line\r\n"),
	}}
	problems := []TaskProblem{
		{TaskID: "t1", State: "failed", ExitCode: 1},
		{TaskID: "t2", State: "failed", ExitCode: 2},      // its driver cannot be read
		{TaskID: "t3", State: "failed"},                   // a TTY: no stream headers
		{TaskID: "t4", State: "rejected"},                 // never ran: not asked
		{TaskID: "t5", State: "pending", Hint: "no node"}, // not asked
	}
	attachTaskLogs(context.Background(), api, problems)
	got := map[string][]string{}
	for _, p := range problems {
		if p.Logs != nil {
			got[p.TaskID] = p.Logs
		}
	}
	want := map[string][]string{
		"t1": {"listening on :8080", "fatal: cannot open /data/db: permission denied"},
		"t3": {"tty output", "last line"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("logs (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"t1", "t2", "t3"}, api.asked); d != "" {
		t.Fatalf("tasks asked for logs (-want +got):\n%s", d)
	}
	for _, tail := range api.tails {
		if tail != "10" {
			t.Fatalf("tail %q, want 10", tail)
		}
	}
	e := &ConvergenceError{ServiceName: "web", Mode: "replicated", Desired: 1, Tasks: problems[:1]}
	if msg := e.Error(); !strings.Contains(msg, "last log lines of the task:\n    | listening on :8080\n    | fatal: cannot open /data/db: permission denied") {
		t.Fatalf("the error does not quote the logs:\n%s", msg)
	}
}

// TestAttachTaskLogsBounded: at most taskLogTasks tasks are asked, and a fake without TaskLogs
// (an API that cannot read logs) leaves the problems as they were.
func TestAttachTaskLogsBounded(t *testing.T) {
	t.Parallel()
	api := &fakeLogsAPI{logs: map[string][]byte{}}
	var problems []TaskProblem
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		problems = append(problems, TaskProblem{TaskID: id, State: "failed", ExitCode: 1})
	}
	attachTaskLogs(context.Background(), api, problems)
	if len(api.asked) != taskLogTasks {
		t.Fatalf("asked %v, want the first %d", api.asked, taskLogTasks)
	}
	attachTaskLogs(context.Background(), &fakeAPI{}, problems)
}

func TestBoundedLogLines(t *testing.T) {
	t.Parallel()
	var many []string
	for i := range 25 {
		many = append(many, strings.Repeat("x", i))
	}
	long := strings.Repeat("é", 300)
	tests := map[string]struct {
		in   string
		want []string
	}{
		"empty":              {"", nil},
		"blank lines":        {"\n\n  \nend\n", []string{"end"}},
		"the last ten":       {strings.Join(many, "\n"), many[15:]},
		"a long line is cut": {long, []string{strings.Repeat("é", 100) + "…"}},
		"bytes": {strings.Repeat(strings.Repeat("y", 199)+"\n", 12), func() []string {
			var l []string
			for range 10 {
				l = append(l, strings.Repeat("y", 199))
			}
			return l
		}()},
		"bytes, long lines": {strings.Repeat(strings.Repeat("z", 500)+"\n", 12), func() []string {
			var l []string
			for range 10 { // 10 × 204 bytes fit in 2048
				l = append(l, strings.Repeat("z", 200)+"…")
			}
			return l
		}()},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := boundedLogLines([]byte(tc.in))
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Fatalf("(-want +got):\n%s", d)
			}
			total := 0
			for _, l := range got {
				total += len(l) + 1
			}
			if total > taskLogBytes {
				t.Fatalf("%d bytes, more than %d", total, taskLogBytes)
			}
		})
	}
}
