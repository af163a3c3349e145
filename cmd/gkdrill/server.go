package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// server is one `gongkai serve` process and the configuration that the
// operator commands (backup, restore, audit verify) share with it.
type server struct {
	bin     string
	dataDir string
	dbURL   string // empty: SQLite in dataDir
	secret  string // GONGKAI_SECRET_KEY (PostgreSQL)
	tmpDir  string // TMPDIR of the process (upload spool files)
	addr    string // 127.0.0.1:port
	demo    bool
	logPath string

	cmd    *exec.Cmd
	exited chan struct{}
	starts int
}

func newServer(bin, dataDir, dbURL, secret, logPath string, demo bool) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	tmp := dataDir + ".tmp"
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		return nil, err
	}
	return &server{bin: bin, dataDir: dataDir, dbURL: dbURL, secret: secret, tmpDir: tmp,
		addr: fmt.Sprintf("127.0.0.1:%d", port), demo: demo, logPath: logPath}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *server) base() string { return "http://" + s.addr }

// env is the process environment: this one without any GONGKAI_ setting,
// plus the drill's.
func (s *server) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GONGKAI_") || strings.HasPrefix(kv, "TMPDIR=") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "TMPDIR="+s.tmpDir, "GONGKAI_LOG_FORMAT=json", "GONGKAI_LOG_LEVEL=warn")
	if s.dbURL != "" {
		env = append(env, "GONGKAI_DATABASE_URL="+s.dbURL)
	}
	if s.secret != "" {
		env = append(env, "GONGKAI_SECRET_KEY="+s.secret)
	}
	return env
}

// Start starts serve; the honest test configuration is the trusted proxy on
// loopback (the driver is the reverse proxy) and nothing else.
func (s *server) Start() error {
	if s.cmd != nil {
		return errors.New("server already running")
	}
	args := []string{"serve", "--addr", s.addr, "--data", s.dataDir, "--base-url", s.base(),
		"--trusted-proxies", "127.0.0.1/32,::1/128"}
	if s.demo {
		args = append(args, "--demo")
	}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "\n===== gkdrill: start #%d at %s: %s %s\n", s.starts+1, time.Now().Format(time.RFC3339Nano), s.bin, strings.Join(args, " "))
	cmd := exec.Command(s.bin, args...)
	cmd.Env = s.env()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	s.starts++
	s.cmd = cmd
	s.exited = make(chan struct{})
	go func() {
		cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	return nil
}

// WaitReady polls /readyz until it answers 200.
func (s *server) WaitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	c := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("gongkai serve exited before it was ready (see %s)", s.logPath)
		default:
		}
		resp, err := c.Get(s.base() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gongkai serve not ready after %s (see %s)", timeout, s.logPath)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Kill sends SIGKILL to the server (and only to it) and waits until it is gone.
func (s *server) Kill() error {
	if s.cmd == nil {
		return nil
	}
	err := s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
	s.cmd = nil
	return err
}

// Stop sends SIGTERM and waits for the graceful shutdown (SIGKILL after 45 s).
func (s *server) Stop() error {
	if s.cmd == nil {
		return nil
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(45 * time.Second):
		s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.exited
	}
	s.cmd = nil
	return nil
}

// Run runs an operator command (backup, restore, audit verify) with the
// server's configuration and returns its combined output.
func (s *server) Run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Env = s.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("gongkai %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}
