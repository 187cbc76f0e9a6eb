package main

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// config is the service's configuration, from the environment.
type config struct {
	Port          int
	RedisAddr     string // host:port
	DBHost        string
	DBPort        int
	DBUser        string
	DBName        string
	DBPassword    string
	CacheTTL      time.Duration
	ShutdownDelay time.Duration
}

// DBAddr is host:port of PostgreSQL.
func (c config) DBAddr() string { return net.JoinHostPort(c.DBHost, strconv.Itoa(c.DBPort)) }

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// configFromEnv reads the configuration; readFile reads the password file.
func configFromEnv(getenv func(string) string, readFile func(string) ([]byte, error)) (config, error) {
	var c config
	var err error
	if c.Port, err = strconv.Atoi(envOr(getenv, "PORT", "8080")); err != nil || c.Port <= 0 || c.Port > 65535 {
		return c, fmt.Errorf("PORT: not a port: %q", getenv("PORT"))
	}
	if c.RedisAddr, err = redisAddr(envOr(getenv, "REDIS_URL", "redis://cache:6379")); err != nil {
		return c, err
	}
	c.DBHost = envOr(getenv, "DB_HOST", "db")
	if c.DBPort, err = strconv.Atoi(envOr(getenv, "DB_PORT", "5432")); err != nil {
		return c, fmt.Errorf("DB_PORT: not a port: %q", getenv("DB_PORT"))
	}
	c.DBUser = envOr(getenv, "DB_USER", "postgres")
	c.DBName = envOr(getenv, "DB_NAME", "ecommerce")
	if file := envOr(getenv, "POSTGRES_PASSWORD_FILE", ""); file != "" || getenv("POSTGRES_PASSWORD") == "" {
		if file == "" {
			file = "/run/secrets/db_password"
		}
		b, err := readFile(file)
		if err != nil {
			return c, fmt.Errorf("reading the database password: %w", err)
		}
		c.DBPassword = strings.TrimRight(string(b), "\r\n")
	} else {
		c.DBPassword = getenv("POSTGRES_PASSWORD")
	}
	if c.CacheTTL, err = time.ParseDuration(envOr(getenv, "CACHE_TTL", "30s")); err != nil || c.CacheTTL < time.Second {
		return c, fmt.Errorf("CACHE_TTL: want a duration of at least 1s, got %q", getenv("CACHE_TTL"))
	}
	if c.ShutdownDelay, err = time.ParseDuration(envOr(getenv, "SHUTDOWN_DELAY", "3s")); err != nil || c.ShutdownDelay < 0 {
		return c, fmt.Errorf("SHUTDOWN_DELAY: want a duration, got %q", getenv("SHUTDOWN_DELAY"))
	}
	return c, nil
}

// redisAddr turns redis://host[:port][/db] (or a bare host[:port]) into host:port.
func redisAddr(raw string) (string, error) {
	if !strings.Contains(raw, "://") {
		raw = "redis://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "redis" || u.Hostname() == "" {
		return "", fmt.Errorf("REDIS_URL: want redis://HOST[:PORT], got %q", raw)
	}
	port := u.Port()
	if port == "" {
		port = "6379"
	}
	return net.JoinHostPort(u.Hostname(), port), nil
}
