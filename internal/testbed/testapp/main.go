// Command testapp is the small HTTP server that the acceptance tests run as a swarm service. It is
// built into the FROM scratch images tfswarm/testapp:v1 and tfswarm/testapp:v2 by
// internal/testbed/testbed.sh. It uses the standard library only.
//
// Without arguments (or with "serve") it serves HTTP on $TESTAPP_PORT (default 8080):
//
//	GET /        "testapp <version> <hostname>"
//	GET /health  200 "ok", or 500 while unhealthy or still starting
//
// Environment:
//
//	TESTAPP_VERSION      the version in the responses (the images set v1 or v2)
//	TESTAPP_PORT         the port to listen on (default 8080)
//	TESTAPP_MODE         healthy (default) or unhealthy: /health always fails
//	TESTAPP_START_DELAY  a duration: /health fails until it has passed (slow start)
//	TESTAPP_EXIT_AFTER   a duration: exit after it has passed (jobs, crashes)
//	TESTAPP_EXIT_CODE    the exit code for TESTAPP_EXIT_AFTER (default 0)
//
// The image has no shell, so the tools the tests need are subcommands:
//
//	testapp health [url]     GET url (default http://127.0.0.1:$TESTAPP_PORT/health); exit 0 on 200
//	testapp get <url>        print the body; exit 1 on a transport error or a status >= 400
//	testapp cat <file>...    print files (e.g. /run/secrets/x through docker exec)
//	testapp sleep <duration> sleep, then exit 0
//	testapp env [name]...    print the environment, or the named variables
//
// A leading "/testapp" argument is ignored, so the commands work both as the image's CMD and as a
// whole command line (e.g. a service's command = ["/testapp", "sleep", "1s"]).
//
// Invoked as "sh" (the image links /bin/sh to /testapp), "sh -c '<words>'" runs one testapp
// command given as words, e.g. "/testapp health": CMD-SHELL health checks and "docker exec ... sh
// -c" work. There are no pipes, redirections, variables or operators.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Modes of the health endpoint.
const (
	modeHealthy   = "healthy"
	modeUnhealthy = "unhealthy"
)

// config is the behaviour of the server, from the environment.
type config struct {
	Port       int
	Version    string
	Mode       string
	StartDelay time.Duration
	// Exit is set when TESTAPP_EXIT_AFTER is set: the server exits with ExitCode after ExitAfter.
	Exit      bool
	ExitAfter time.Duration
	ExitCode  int
}

// parseConfig reads the configuration from getenv (os.Getenv in production).
func parseConfig(getenv func(string) string) (config, error) {
	cfg := config{Port: 8080, Version: "dev", Mode: modeHealthy}
	var errs []error

	if v := strings.TrimSpace(getenv("TESTAPP_PORT")); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("TESTAPP_PORT: %q is not a port number (1-65535)", v))
		} else {
			cfg.Port = p
		}
	}
	if v := strings.TrimSpace(getenv("TESTAPP_VERSION")); v != "" {
		cfg.Version = v
	}
	if v := strings.TrimSpace(getenv("TESTAPP_MODE")); v != "" {
		switch strings.ToLower(v) {
		case modeHealthy, modeUnhealthy:
			cfg.Mode = strings.ToLower(v)
		default:
			errs = append(errs, fmt.Errorf("TESTAPP_MODE: %q is neither %q nor %q", v, modeHealthy, modeUnhealthy))
		}
	}
	if v := strings.TrimSpace(getenv("TESTAPP_START_DELAY")); v != "" {
		d, err := parseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("TESTAPP_START_DELAY: %w", err))
		}
		cfg.StartDelay = d
	}
	if v := strings.TrimSpace(getenv("TESTAPP_EXIT_AFTER")); v != "" {
		d, err := parseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("TESTAPP_EXIT_AFTER: %w", err))
		} else {
			cfg.Exit, cfg.ExitAfter = true, d
		}
	}
	if v := strings.TrimSpace(getenv("TESTAPP_EXIT_CODE")); v != "" {
		c, err := strconv.Atoi(v)
		if err != nil || c < 0 || c > 255 {
			errs = append(errs, fmt.Errorf("TESTAPP_EXIT_CODE: %q is not an exit code (0-255)", v))
		} else {
			cfg.ExitCode = c
		}
	}
	if err := errors.Join(errs...); err != nil {
		return config{}, err
	}
	return cfg, nil
}

// parseDuration accepts Go durations ("1m30s") and plain seconds ("90").
func parseDuration(s string) (time.Duration, error) {
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("%q is negative", s)
		}
		return time.Duration(n * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (e.g. 5s, 1m30s, 90)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return d, nil
}

// healthy reports whether /health succeeds after the server has been up for `up`.
func (c config) healthy(up time.Duration) bool {
	return c.Mode == modeHealthy && up >= c.StartDelay
}

// server is the HTTP side of testapp.
type server struct {
	cfg      config
	hostname string
	started  time.Time
	now      func() time.Time
}

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "testapp %s %s\n", s.cfg.Version, s.hostname)
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		up := s.now().Sub(s.started)
		switch {
		case s.cfg.healthy(up):
			fmt.Fprintln(w, "ok")
		case s.cfg.Mode != modeHealthy:
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintln(w, "unhealthy")
		default:
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "starting: healthy in %s\n", (s.cfg.StartDelay - up).Round(time.Millisecond))
		}
	})
	return mux
}

func serve(getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "testapp: %v\n", err)
		return 2
	}
	host, _ := os.Hostname()
	s := &server{cfg: cfg, hostname: host, started: time.Now(), now: time.Now}

	ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(cfg.Port)))
	if err != nil {
		fmt.Fprintf(stderr, "testapp: %v\n", err)
		return 1
	}
	srv := &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "testapp %s listening on %s (mode %s, start delay %s)\n",
		cfg.Version, ln.Addr(), cfg.Mode, cfg.StartDelay)

	// As PID 1 in a container, signals without a handler are ignored: handle SIGTERM so that
	// `docker stop` and task shutdown are immediate.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	var exitTimer <-chan time.Time
	if cfg.Exit {
		exitTimer = time.After(cfg.ExitAfter)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	code := 0
	select {
	case sig := <-sigs:
		fmt.Fprintf(stdout, "testapp: %s, shutting down\n", sig)
	case <-exitTimer:
		fmt.Fprintf(stdout, "testapp: exiting with code %d after %s\n", cfg.ExitCode, cfg.ExitAfter)
		code = cfg.ExitCode
	case err := <-served:
		fmt.Fprintf(stderr, "testapp: %v\n", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	return code
}

// httpGet fetches url and returns the body; a status >= 400 is an error (with the body).
func httpGet(url string, timeout time.Duration) (int, []byte, error) {
	client := &http.Client{Timeout: timeout}
	resp, err := client.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, body, err
	}
	if resp.StatusCode >= 400 {
		return resp.StatusCode, body, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return resp.StatusCode, body, nil
}

// healthURL is the default URL of `testapp health`.
func healthURL(getenv func(string) string) string {
	port := strings.TrimSpace(getenv("TESTAPP_PORT"))
	if port == "" {
		port = "8080"
	}
	return "http://" + net.JoinHostPort("127.0.0.1", port) + "/health"
}

const usage = `usage: testapp [serve]
       testapp health [url]
       testapp get <url>
       testapp cat <file>...
       testapp sleep <duration>
       testapp env [name]...
`

// run executes one testapp command and returns the exit code. A leading "testapp" or "/testapp"
// is skipped: with ENTRYPOINT ["/testapp"], `docker run IMAGE /testapp sleep 1s` works too.
func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && filepath.Base(args[0]) == "testapp" {
		args = args[1:]
	}
	if len(args) == 0 {
		return serve(getenv, stdout, stderr)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(getenv, stdout, stderr)
	case "health":
		url := healthURL(getenv)
		if len(rest) > 0 {
			url = rest[0]
		}
		status, body, err := httpGet(url, 5*time.Second)
		if err != nil || status != http.StatusOK {
			fmt.Fprintf(stderr, "unhealthy: %v %s\n", err, strings.TrimSpace(string(body)))
			return 1
		}
		fmt.Fprintf(stdout, "%s", body)
		return 0
	case "get":
		if len(rest) != 1 {
			fmt.Fprint(stderr, usage)
			return 2
		}
		_, body, err := httpGet(rest[0], 10*time.Second)
		_, _ = stdout.Write(body)
		if err != nil {
			fmt.Fprintf(stderr, "testapp get: %v\n", err)
			return 1
		}
		return 0
	case "cat":
		if len(rest) == 0 {
			fmt.Fprint(stderr, usage)
			return 2
		}
		code := 0
		for _, f := range rest {
			b, err := os.ReadFile(f)
			if err != nil {
				fmt.Fprintf(stderr, "testapp cat: %v\n", err)
				code = 1
				continue
			}
			_, _ = stdout.Write(b)
		}
		return code
	case "sleep":
		if len(rest) != 1 {
			fmt.Fprint(stderr, usage)
			return 2
		}
		d, err := parseDuration(rest[0])
		if err != nil {
			fmt.Fprintf(stderr, "testapp sleep: %v\n", err)
			return 2
		}
		time.Sleep(d)
		return 0
	case "env":
		if len(rest) == 0 {
			for _, kv := range os.Environ() {
				fmt.Fprintln(stdout, kv)
			}
			return 0
		}
		code := 0
		for _, name := range rest {
			v, ok := os.LookupEnv(name)
			if !ok {
				code = 1
				continue
			}
			fmt.Fprintln(stdout, v)
		}
		return code
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "testapp: unknown command %q\n%s", cmd, usage)
		return 2
	}
}

// shellArgs turns the arguments of the /bin/sh shim into testapp arguments: "sh -c '<words>'"
// where the first word is testapp (any path) or a testapp command.
func shellArgs(args []string) ([]string, error) {
	if len(args) < 2 || args[0] != "-c" {
		return nil, errors.New("sh: only `sh -c '<testapp command>'` is supported")
	}
	words, err := splitWords(args[1])
	if err != nil {
		return nil, err
	}
	if len(words) > 0 && filepath.Base(words[0]) == "testapp" {
		words = words[1:]
	}
	return words, nil
}

// splitWords splits a command line into words with shell-like quoting ('...', "..." and \),
// without expansions or operators.
func splitWords(s string) ([]string, error) {
	var (
		words  []string
		cur    strings.Builder
		inWord bool
		quote  rune
		escape bool
	)
	for _, r := range s {
		switch {
		case escape:
			cur.WriteRune(r)
			escape = false
		case quote != 0:
			if r == quote {
				quote = 0
			} else if r == '\\' && quote == '"' {
				escape = true
			} else {
				cur.WriteRune(r)
			}
		case r == '\\':
			escape, inWord = true, true
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case strings.ContainsRune("|&;<>()$`", r):
			return nil, fmt.Errorf("sh: %q: operators and expansions are not supported", string(r))
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 || escape {
		return nil, errors.New("sh: unterminated quote or escape")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

func main() {
	args := os.Args[1:]
	if filepath.Base(os.Args[0]) == "sh" {
		var err error
		if args, err = shellArgs(args); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(127)
		}
		if len(args) == 0 {
			os.Exit(0)
		}
	}
	os.Exit(run(args, os.Getenv, os.Stdout, os.Stderr))
}
