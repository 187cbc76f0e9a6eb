package swarm

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// Bounds of the task logs a convergence error quotes, as `docker service logs --tail` would show
// them: the last lines of at most a few failed tasks, each line and each task's lines cut short.
const (
	taskLogLines     = 10
	taskLogLineBytes = 200
	taskLogBytes     = 2048
	taskLogTasks     = 3
	taskLogTimeout   = 5 * time.Second
)

// taskLogsAPI reads a task's logs; client.APIClient has it.
type taskLogsAPI interface {
	TaskLogs(ctx context.Context, taskID string, options client.TaskLogsOptions) (client.TaskLogsResult, error)
}

// attachTaskLogs fills in the last log lines of the problems whose task ran a container (it
// exited, or failed while running). A log driver that cannot be read (`none`, `syslog`, …), a
// node that is gone or a slow answer leaves the lines out: the logs are a help, never the error.
func attachTaskLogs(ctx context.Context, api convergeAPI, problems []TaskProblem) {
	logs, ok := api.(taskLogsAPI)
	if !ok {
		return
	}
	n := 0
	for i := range problems {
		p := &problems[i]
		if p.TaskID == "" || (p.ExitCode == 0 && p.State != "failed") || n >= taskLogTasks {
			continue
		}
		n++
		p.Logs = readTaskLogs(ctx, logs, p.TaskID)
	}
}

// readTaskLogs returns the last lines of a task's output (stdout and stderr interleaved as the
// Engine sends them), bounded in lines and bytes.
func readTaskLogs(ctx context.Context, api taskLogsAPI, taskID string) []string {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), taskLogTimeout)
	defer cancel()
	rc, err := api.TaskLogs(lctx, taskID, client.TaskLogsOptions{ShowStdout: true, ShowStderr: true, Tail: strconv.Itoa(taskLogLines)})
	if err != nil {
		return nil
	}
	defer rc.Close()
	raw, err := io.ReadAll(io.LimitReader(rc, 64<<10))
	if err != nil && len(raw) == 0 {
		return nil
	}
	return boundedLogLines(demultiplexLogs(raw))
}

// demultiplexLogs strips the stream headers of a multiplexed log stream; a stream without them
// (a task with a TTY) is returned as it is.
func demultiplexLogs(raw []byte) []byte {
	if len(raw) < 8 || raw[0] > 2 || raw[1] != 0 || raw[2] != 0 || raw[3] != 0 {
		return raw
	}
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, bytes.NewReader(raw)); err != nil && out.Len() == 0 {
		return raw
	}
	return out.Bytes()
}

// boundedLogLines keeps the last taskLogLines non-empty lines, each cut at taskLogLineBytes, and
// drops the oldest until they fit in taskLogBytes.
func boundedLogLines(text []byte) []string {
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(string(text), "\r\n", "\n"), "\n") {
		l = strings.TrimRight(l, " \t\r")
		if l == "" {
			continue
		}
		if len(l) > taskLogLineBytes {
			l = strings.ToValidUTF8(l[:taskLogLineBytes], "") + "…"
		}
		lines = append(lines, l)
	}
	if len(lines) > taskLogLines {
		lines = lines[len(lines)-taskLogLines:]
	}
	total := 0
	for i := len(lines) - 1; i >= 0; i-- {
		total += len(lines[i]) + 1
		if total > taskLogBytes {
			return lines[i+1:]
		}
	}
	return lines
}
