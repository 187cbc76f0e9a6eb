package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// errNil is Redis's nil reply (a key that does not exist).
var errNil = errors.New("redis: nil")

// cacheStore is what the handlers need from the cache.
type cacheStore interface {
	Get(ctx context.Context, key string) ([]byte, error) // errNil when absent
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	Ping(ctx context.Context) error
}

// writeCommand writes one command as a RESP array of bulk strings.
func writeCommand(w *bufio.Writer, args ...[]byte) error {
	// A bufio.Writer keeps its first error and returns it from Flush.
	fmt.Fprintf(w, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(w, "$%d\r\n", len(a))
		_, _ = w.Write(a)
		_, _ = w.WriteString("\r\n")
	}
	return w.Flush()
}

// readReply reads one RESP reply: a simple string, an integer (as its text), a bulk string, or
// an array (its elements' replies, flattened into one slice, enough for the commands used here).
// Redis errors come back as errors; the nil bulk string as errNil.
func readReply(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("redis: malformed reply %q", line)
	}
	kind, body := line[0], string(line[1:len(line)-2])
	switch kind {
	case '+', ':':
		return []byte(body), nil
	case '-':
		return nil, fmt.Errorf("redis: %s", body)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, fmt.Errorf("redis: malformed bulk length %q", body)
		}
		if n < 0 {
			return nil, errNil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return buf[:n], nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, fmt.Errorf("redis: malformed array length %q", body)
		}
		if n < 0 {
			return nil, errNil
		}
		var out []byte
		for range n {
			b, err := readReply(r)
			if err != nil && !errors.Is(err, errNil) {
				return nil, err
			}
			out = append(out, b...)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("redis: unknown reply type %q", kind)
	}
}

// redisConn is one connection to one Redis server.
type redisConn struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

func (rc *redisConn) do(ctx context.Context, args ...[]byte) ([]byte, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(2 * time.Second)
	}
	if err := rc.c.SetDeadline(deadline); err != nil {
		return nil, err
	}
	if err := writeCommand(rc.w, args...); err != nil {
		return nil, err
	}
	return readReply(rc.r)
}

// redisNode is one Redis server with a small pool of idle connections.
type redisNode struct {
	addr string
	idle chan *redisConn
}

func (n *redisNode) do(ctx context.Context, args ...[]byte) ([]byte, error) {
	var rc *redisConn
	select {
	case rc = <-n.idle:
	default:
		d := net.Dialer{Timeout: time.Second}
		c, err := d.DialContext(ctx, "tcp", n.addr)
		if err != nil {
			return nil, err
		}
		rc = &redisConn{c: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}
	}
	b, err := rc.do(ctx, args...)
	if err != nil && !errors.Is(err, errNil) && !isRedisError(err) {
		rc.c.Close() // transport error: the connection is unusable
		return nil, err
	}
	select {
	case n.idle <- rc:
	default:
		rc.c.Close()
	}
	return b, err
}

func (n *redisNode) close() {
	for {
		select {
		case rc := <-n.idle:
			rc.c.Close()
		default:
			return
		}
	}
}

// isRedisError tells a reply error ("-ERR ...") from a transport error.
func isRedisError(err error) bool {
	var ne net.Error
	return err != nil && !errors.As(err, &ne) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF)
}

// redisCache spreads over every address that the host name resolves to: with a dnsrr service of
// several replicas each task is its own cache, so values are written to all of them and read from
// any, and every API task sees the same hits.
type redisCache struct {
	host, port string
	lookup     func(ctx context.Context, host string) ([]string, error)
	joinAddr   func(host, port string) string
	refresh    time.Duration

	mu       sync.Mutex
	nodes    map[string]*redisNode
	order    []string
	resolved time.Time
	next     int
}

func newCache(addr string) *redisCache {
	host, port, _ := net.SplitHostPort(addr)
	return &redisCache{
		host: host, port: port,
		lookup:   net.DefaultResolver.LookupHost,
		joinAddr: net.JoinHostPort,
		refresh:  5 * time.Second,
		nodes:    map[string]*redisNode{},
	}
}

// targets returns the cache's servers, looking the name up again when the last look-up is old.
func (c *redisCache) targets(ctx context.Context) ([]*redisNode, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.order) == 0 || time.Since(c.resolved) > c.refresh {
		addrs, err := c.lookup(ctx, c.host)
		if err != nil && len(c.order) == 0 {
			return nil, fmt.Errorf("resolving %s: %w", c.host, err)
		}
		if err == nil {
			keep := map[string]*redisNode{}
			c.order = c.order[:0]
			for _, a := range addrs {
				hp := c.joinAddr(a, c.port)
				n := c.nodes[hp]
				if n == nil {
					n = &redisNode{addr: hp, idle: make(chan *redisConn, 8)}
				}
				keep[hp] = n
				c.order = append(c.order, hp)
			}
			for hp, n := range c.nodes {
				if keep[hp] == nil {
					n.close()
				}
			}
			c.nodes = keep
			c.resolved = time.Now()
		}
	}
	out := make([]*redisNode, 0, len(c.order))
	for i := range c.order {
		out = append(out, c.nodes[c.order[(c.next+i)%len(c.order)]])
	}
	c.next++
	return out, nil
}

// Get reads from the first server that answers.
func (c *redisCache) Get(ctx context.Context, key string) ([]byte, error) {
	nodes, err := c.targets(ctx)
	if err != nil {
		return nil, err
	}
	var last error
	for _, n := range nodes {
		b, err := n.do(ctx, []byte("GET"), []byte(key))
		if err == nil || errors.Is(err, errNil) {
			return b, err
		}
		last = err
	}
	return nil, last
}

// Set writes to every server; it fails only when none took the value.
func (c *redisCache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	nodes, err := c.targets(ctx)
	if err != nil {
		return err
	}
	secs := []byte(strconv.Itoa(max(1, int(ttl/time.Second))))
	var ok bool
	var last error
	for _, n := range nodes {
		if _, err := n.do(ctx, []byte("SET"), []byte(key), value, []byte("EX"), secs); err != nil {
			last = err
			continue
		}
		ok = true
	}
	if !ok {
		return last
	}
	return nil
}

// Ping succeeds when at least one server answers PONG.
func (c *redisCache) Ping(ctx context.Context) error {
	nodes, err := c.targets(ctx)
	if err != nil {
		return err
	}
	var last error
	for _, n := range nodes {
		b, err := n.do(ctx, []byte("PING"))
		if err == nil && string(b) == "PONG" {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("redis: PING answered %q", b)
		}
		last = err
	}
	return last
}

// Close closes the idle connections.
func (c *redisCache) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		n.close()
	}
}
