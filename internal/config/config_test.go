package config

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, env map[string]string, args ...string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := Bind(fs, func(k string) string { return env[k] }, true)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return f.Finish()
}

func TestDefaults(t *testing.T) {
	c, err := parse(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || c.DatabaseURL != "" || c.BaseURL != "http://localhost:8080" {
		t.Fatalf("defaults: %+v", c)
	}
	if c.AuditRetention != 365*24*time.Hour || c.LogFormat != "text" || c.Demo {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestFlagsWinOverEnvironment(t *testing.T) {
	env := map[string]string{"GONGKAI_ADDR": ":9000", "GONGKAI_DATA": "/srv/env", "GONGKAI_LOG_FORMAT": "json"}
	c, err := parse(t, env, "--addr", "[::1]:7000")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "[::1]:7000" || c.DataDir != "/srv/env" || c.LogFormat != "json" {
		t.Fatalf("got %+v", c)
	}
	if c.BaseURL != "http://[::1]:7000" {
		t.Fatalf("base url: %s", c.BaseURL)
	}
}

func TestValidation(t *testing.T) {
	cases := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--addr", "8080"}, "--addr"},
		{nil, []string{"--audit-retention-days", "30"}, "180"},
		{map[string]string{"GONGKAI_AUDIT_RETENTION_DAYS": "abc"}, nil, "whole number"},
		{nil, []string{"--log-format", "xml"}, "--log-format"},
		{nil, []string{"--tls-cert", "a.pem"}, "go together"},
		{map[string]string{"GONGKAI_DATABASE_URL": "mysql://x"}, nil, "postgres://"},
		{nil, []string{"--smtp-host", "mail"}, "--smtp-from"},
		{nil, []string{"--trusted-proxies", "10.0.0.0/8, nonsense"}, "nonsense"},
		{nil, []string{"--base-url", "ftp://x"}, "--base-url"},
		{nil, []string{"--page-cache-mb", "5000"}, "page cache"},
		{map[string]string{"GONGKAI_PAGE_CACHE_MB": "-1"}, nil, "page cache"},
	}
	for _, tc := range cases {
		_, err := parse(t, tc.env, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: want error containing %q, got %v", tc.env, tc.args, tc.want, err)
		}
	}
}

func TestPageCacheAndFastPath(t *testing.T) {
	c, err := parse(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.PageCacheBytes != 64<<20 || !c.FastPath {
		t.Errorf("defaults: %d bytes, fast path %v", c.PageCacheBytes, c.FastPath)
	}
	c, err = parse(t, map[string]string{"GONGKAI_FAST_PATH": "false"}, "--page-cache-mb", "512")
	if err != nil {
		t.Fatal(err)
	}
	if c.PageCacheBytes != 512<<20 || c.FastPath {
		t.Errorf("set: %d bytes, fast path %v", c.PageCacheBytes, c.FastPath)
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := parse(t, nil, "--trusted-proxies", "10.0.0.0/8,::1")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[1].String() != "::1/128" {
		t.Fatalf("%v", c.TrustedProxies)
	}
}
