package db

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

func TestWithConnectTimeout(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u@h:5432/db?sslmode=disable": "connect_timeout=5",
		"postgresql://u@h/db":                    "connect_timeout=5",
		"postgres://u@h/db?connect_timeout=2":    "connect_timeout=2",
		"host=h user=u dbname=db":                "host=h user=u dbname=db connect_timeout=5",
		"host=h dbname=db connect_timeout=1 ":    "connect_timeout=1",
	} {
		got := withConnectTimeout(in)
		if !strings.Contains(got, want) || strings.Count(got, "connect_timeout") != 1 {
			t.Errorf("withConnectTimeout(%q) = %q, want it to hold %q once", in, got, want)
		}
	}
}

// TestPostgresBlackholeFailsWithinConnectTimeout: a server that accepts the
// TCP connection and then says nothing (a stalled proxy, a hung host) makes
// the open fail after the default connect timeout, not after the
// operating system's minutes.
func TestPostgresBlackholeFailsWithinConnectTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var held []net.Conn // never answered; closed with the listener
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t0 := time.Now()
	_, err = Open(ctx, Options{URL: "postgres://nobody@" + l.Addr().String() + "/none?sslmode=disable"})
	if err == nil {
		t.Fatal("opened a database that never answers")
	}
	if d := time.Since(t0); d > 9*time.Second {
		t.Fatalf("gave up after %s; want about the 5 s connect timeout", d)
	}
}
