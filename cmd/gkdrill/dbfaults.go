package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// db-faults puts a fault-injecting TCP proxy (Shopify's toxiproxy, run as
// its own process and driven through its HTTP API) between `gongkai serve`
// and PostgreSQL and runs the submission load through a sequence of faults:
// added latency, connections reset by the peer, a full outage, a restart of
// PostgreSQL itself and, with the data folder on a small tmpfs, a full disk
// under the attachments. In every phase each request must either succeed
// or fail fast with 503 and Retry-After (no 500, no hang, no other error);
// after every fault the service must recover by itself; at the end every
// acknowledged submission must be in the database with its attachment, no
// attachment row may lack its file, and pg_amcheck and the audit chain must
// pass.

// FaultPhase is what happened during one phase of the drill.
type FaultPhase struct {
	Name    string  `json:"name"`
	Fault   string  `json:"fault"`
	Seconds float64 `json:"seconds"`
	Sent    int     `json:"sent"`
	Acked   int     `json:"acked"`
	// Failures by kind: 503 with Retry-After (the right answer while the
	// database is unavailable), and everything else (problems).
	Unavailable     int `json:"unavailable_503"`
	NoRetryAfter    int `json:"unavailable_without_retry_after"`
	OtherStatus     int `json:"other_error_status"`
	NoResponse      int `json:"no_response"`
	DiskFullMessage int `json:"disk_full_message"` // 503s that said the disk is full
	// Latency of the failed requests (how fast they failed) and of the
	// acknowledged ones, in milliseconds.
	FailP50ms float64 `json:"fail_p50_ms"`
	FailP99ms float64 `json:"fail_p99_ms"`
	FailMaxMs float64 `json:"fail_max_ms"`
	AckP50ms  float64 `json:"ack_p50_ms"`
	AckP99ms  float64 `json:"ack_p99_ms"`
	// Readiness probe answers seen during the phase.
	Readyz map[int]int `json:"readyz"`
	// Time from the end of the fault to the first acknowledged submission
	// (recovery phases only).
	RecoverySeconds float64  `json:"recovery_seconds,omitempty"`
	Problems        []string `json:"problems,omitempty"`
	from, to        time.Time
}

// DBFaultsReport is the result of a db-faults run.
type DBFaultsReport struct {
	Machine    map[string]any `json:"machine"`
	TargetRate float64        `json:"target_rate"`
	Clients    int            `json:"clients"`
	Toxiproxy  string         `json:"toxiproxy"`
	Phases     []*FaultPhase  `json:"phases"`
	Acked      int            `json:"acked"`
	Final      *Verdict       `json:"final"`
	FinalBlobs *BlobReport    `json:"final_blobs"`
	Integrity  string         `json:"integrity"`
	Audit      string         `json:"audit"`
	Skipped    []string       `json:"skipped,omitempty"`
	Problems   []string       `json:"problems,omitempty"`
	Passed     bool           `json:"passed"`
}

func runDBFaults(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("db-faults", flag.ContinueOnError)
	var o options
	o.bind(fs, 1)
	toxiBin := fs.String("toxiproxy", "", "toxiproxy-server binary (required; go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.5.0)")
	phase := fs.Duration("phase", 10*time.Second, "length of the steady, latency and reset phases and of each recovery window")
	outage := fs.Duration("outage", 30*time.Second, "length of the full outage")
	latency := fs.Duration("latency", 300*time.Millisecond, "latency added each way in the latency phase")
	fast := fs.Duration("fast", 6*time.Second, "a failed request must fail within this (PostgreSQL connect timeout 5 s, plus margin)")
	recoverBy := fs.Duration("recover", 15*time.Second, "the first submission after a fault must be acknowledged within this")
	pgRestart := fs.String("pg-restart", "auto", "command that restarts PostgreSQL (auto: pg_ctlcluster of the only cluster when run as root; empty: skip)")
	diskFull := fs.String("disk-full", "auto", "put the data folder on a tmpfs and fill it (auto: when run as root; off: skip)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.dbKind = "postgres"
	if err := o.check(); err != nil {
		return err
	}
	if *toxiBin == "" {
		return errors.New("--toxiproxy is required")
	}
	if *pgRestart == "auto" {
		*pgRestart = autoPGRestart()
	}
	work, clean, err := o.workDir("gkdrill-db-faults-")
	if err != nil {
		return err
	}
	passed := false
	defer func() { clean(passed) }()
	rep := &DBFaultsReport{TargetRate: o.rate, Clients: o.clients}

	// The data folder holds only attachments on PostgreSQL: on a tmpfs of
	// its own, filling it is a disk-full under the attachments.
	dataDir := filepath.Join(work, "data")
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return err
	}
	tmpfs := false
	if *diskFull == "auto" {
		if os.Geteuid() != 0 {
			rep.Skipped = append(rep.Skipped, "disk-full: not root, cannot mount a tmpfs")
		} else if out, err := exec.CommandContext(ctx, "mount", "-t", "tmpfs", "-o", "size=256m,mode=0750", "tmpfs", dataDir).CombinedOutput(); err != nil {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("disk-full: mount tmpfs: %v %s", err, bytes.TrimSpace(out)))
		} else {
			tmpfs = true
			defer exec.Command("umount", "-l", dataDir).Run()
		}
	}

	direct, dropDB, err := o.setupDB(ctx, "faults")
	if err != nil {
		return err
	}
	defer dropDB()
	tp, err := startToxiproxy(ctx, *toxiBin, filepath.Join(work, "toxiproxy.log"))
	if err != nil {
		return err
	}
	defer tp.Stop()
	du, err := url.Parse(direct)
	if err != nil {
		return err
	}
	listen, err := freePort()
	if err != nil {
		return err
	}
	if err := tp.api(ctx, "POST", "/proxies", map[string]any{"name": "pg", "listen": fmt.Sprintf("127.0.0.1:%d", listen),
		"upstream": du.Host, "enabled": true}); err != nil {
		return err
	}
	proxied := *du
	proxied.Host = fmt.Sprintf("127.0.0.1:%d", listen)
	rep.Toxiproxy = fmt.Sprintf("%s: 127.0.0.1:%d → %s", tp.version, listen, du.Host)

	srv, err := newServer(o.gongkai, dataDir, proxied.String(), randomHex(32), filepath.Join(work, "serve.log"), true)
	if err != nil {
		return err
	}
	defer srv.Stop()
	fmt.Printf("== db-faults: PostgreSQL through toxiproxy (%s), target %.0f submissions/s from %d clients\n", rep.Toxiproxy, o.rate, o.clients)
	d, err := startDemo(ctx, &o, srv)
	if err != nil {
		return err
	}
	loadCtx, stopLoad := context.WithCancel(ctx)
	loadDone := make(chan struct{})
	go func() {
		d.Run(loadCtx)
		close(loadDone)
	}()
	defer func() {
		stopLoad()
		<-loadDone
	}()
	probe := newReadyProbe(srv.base())
	go probe.run(loadCtx)

	sleep := func(dur time.Duration) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(dur):
			return nil
		}
	}
	// phaseRun runs one phase: apply, hold, undo.
	phaseRun := func(name, fault string, hold time.Duration, apply, undo func() error) error {
		p := &FaultPhase{Name: name, Fault: fault, from: time.Now()}
		fmt.Printf("-- %s: %s for %s\n", name, fault, hold)
		if apply != nil {
			if err := apply(); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		if err := sleep(hold); err != nil {
			return err
		}
		if undo != nil {
			if err := undo(); err != nil {
				return fmt.Errorf("%s: undo: %w", name, err)
			}
		}
		p.to = time.Now()
		rep.Phases = append(rep.Phases, p)
		return nil
	}
	toxic := func(body map[string]any) func() error {
		return func() error { return tp.api(ctx, "POST", "/proxies/pg/toxics", body) }
	}
	untoxic := func(name string) func() error {
		return func() error { return tp.api(ctx, "DELETE", "/proxies/pg/toxics/"+name, nil) }
	}
	enable := func(on bool) func() error {
		return func() error { return tp.api(ctx, "POST", "/proxies/pg", map[string]any{"enabled": on}) }
	}
	recovery := func(after string) error {
		return phaseRun("recovery after "+after, "none", *phase, nil, nil)
	}

	steps := []func() error{
		func() error { return phaseRun("steady", "none", *phase, nil, nil) },
		func() error {
			ms := latency.Milliseconds()
			return phaseRun("latency", fmt.Sprintf("+%d±%d ms each way", ms, ms/3), *phase,
				func() error {
					if err := toxic(map[string]any{"name": "lat_down", "type": "latency", "stream": "downstream", "toxicity": 1.0,
						"attributes": map[string]any{"latency": ms, "jitter": ms / 3}})(); err != nil {
						return err
					}
					return toxic(map[string]any{"name": "lat_up", "type": "latency", "stream": "upstream", "toxicity": 1.0,
						"attributes": map[string]any{"latency": ms, "jitter": ms / 3}})()
				},
				func() error {
					if err := untoxic("lat_down")(); err != nil {
						return err
					}
					return untoxic("lat_up")()
				})
		},
		func() error { return recovery("latency") },
		func() error {
			// Every open connection is cut once a second (toxiproxy closes
			// them when the proxy is disabled; it is enabled again at once).
			// (toxiproxy's reset_peer toxic resets a connection only when
			// data flows, which an idle pooled connection never sees.)
			cut, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			return phaseRun("resets", "every connection cut once a second", *phase,
				func() error {
					go func() {
						for {
							select {
							case <-cut.Done():
								done <- nil
								return
							case <-time.After(time.Second):
							}
							if err := enable(false)(); err != nil {
								done <- err
								return
							}
							if err := enable(true)(); err != nil {
								done <- err
								return
							}
						}
					}()
					return nil
				},
				func() error {
					stop()
					return <-done
				})
		},
		func() error { return recovery("resets") },
		func() error {
			return phaseRun("outage", "PostgreSQL unreachable (connections refused, open ones closed)", *outage, enable(false), enable(true))
		},
		func() error { return recovery("outage") },
	}
	if *pgRestart != "" {
		steps = append(steps,
			func() error {
				return phaseRun("postgres restart", *pgRestart, 0, func() error {
					out, err := exec.CommandContext(ctx, "sh", "-c", *pgRestart).CombinedOutput() // #nosec G204 -- the operator's own command line
					if err != nil {
						return fmt.Errorf("%s: %w\n%s", *pgRestart, err, out)
					}
					return nil
				}, nil)
			},
			func() error { return recovery("postgres restart") })
	} else {
		rep.Skipped = append(rep.Skipped, "postgres restart: no restart command (--pg-restart)")
	}
	var filler string
	if tmpfs {
		filler = filepath.Join(dataDir, "gkdrill-filler")
		steps = append(steps,
			func() error {
				return phaseRun("disk full", "attachments folder full (tmpfs filled)", *phase,
					func() error { return fillDisk(filler) },
					func() error { return os.Remove(filler) })
			},
			func() error { return recovery("disk full") })
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	stopLoad()
	<-loadDone
	recs := d.Records()
	for _, p := range rep.Phases {
		p.Readyz = probe.between(p.from, p.to)
		judgePhase(p, recs, *fast, *recoverBy, *phase)
		rep.Problems = append(rep.Problems, prefixed(p.Name+": ", p.Problems)...)
	}
	srv.Stop()

	// The final check reads PostgreSQL directly, not through the proxy.
	chk := *srv
	chk.dbURL = direct
	res, err := checkOffline(ctx, &o, &chk, recs, true)
	if err != nil {
		return err
	}
	rep.Final, rep.FinalBlobs, rep.Integrity, rep.Audit = res.verdict, res.blobs, res.integrity, res.audit
	rep.Acked = res.verdict.Acked
	rep.Problems = append(rep.Problems, prefixed("final: ", res.problems)...)
	if res.blobs.MissingBlobs != nil {
		rep.Problems = append(rep.Problems, fmt.Sprintf("final: %d attachment rows without their file", len(res.blobs.MissingBlobs)))
	}
	rep.Passed = len(rep.Problems) == 0
	passed = rep.Passed
	rep.Machine = machine()

	fmt.Printf("%-28s %5s %5s %5s %6s %6s %6s %9s %9s %9s %9s %s\n", "phase", "sent", "ack", "503", "other", "no-rsp", "disk", "fail-p50", "fail-p99", "ack-p99", "recovery", "readyz")
	for _, p := range rep.Phases {
		rec := ""
		if p.RecoverySeconds > 0 {
			rec = fmt.Sprintf("%.2fs", p.RecoverySeconds)
		}
		fmt.Printf("%-28s %5d %5d %5d %6d %6d %6d %7.0fms %7.0fms %7.0fms %9s %v\n", p.Name, p.Sent, p.Acked, p.Unavailable,
			p.OtherStatus+p.NoRetryAfter, p.NoResponse, p.DiskFullMessage, p.FailP50ms, p.FailP99ms, p.AckP99ms, rec, p.Readyz)
	}
	fmt.Printf("final: %s; %s; %s; %s\n", res.verdict, res.blobs, res.integrity, res.audit)
	for _, s := range rep.Skipped {
		fmt.Printf("skipped: %s\n", s)
	}
	fmt.Printf("machine: %d cores, %s, load average %s\n", rep.Machine["cpus"], rep.Machine["go"], rep.Machine["loadavg"])
	if err := writeJSON(o.report, rep); err != nil {
		return err
	}
	if err := writeJournal(o.journal, recs); err != nil {
		return err
	}
	if !rep.Passed {
		return fmt.Errorf("%d problems:\n    %s", len(rep.Problems), short(rep.Problems, 30))
	}
	fmt.Printf("PASS: every request succeeded or failed fast with 503 and Retry-After, the service recovered after every fault, and all %d acknowledged submissions are intact\n", rep.Acked)
	return nil
}

// judgePhase counts the submissions sent during p and checks them.
func judgePhase(p *FaultPhase, recs []*Record, fast, recoverBy, window time.Duration) {
	var failLat, ackLat []float64
	var firstAck time.Time
	for _, r := range recs {
		if r.Sent.Before(p.from) || !r.Sent.Before(p.to) {
			continue
		}
		p.Sent++
		lat := float64(r.Done.Sub(r.Sent).Microseconds()) / 1000
		switch {
		case r.Status == Ack:
			p.Acked++
			ackLat = append(ackLat, lat)
			if firstAck.IsZero() || r.Done.Before(firstAck) {
				firstAck = r.Done
			}
			continue
		case r.Status == Rejected && strings.Contains(r.Err, "存储空间不足"):
			// The attachment could not be stored: the form comes back with
			// the message at the file field and the citizen's text kept
			// (422), or the API answers 503 with Retry-After.
			p.DiskFullMessage++
			if r.HTTPStatus == http.StatusServiceUnavailable && r.RetryAfter == "" {
				p.NoRetryAfter++
			} else {
				p.Unavailable++
			}
		case r.Status == Rejected && r.HTTPStatus == http.StatusServiceUnavailable && r.RetryAfter != "":
			p.Unavailable++
		case r.Status == Rejected && r.HTTPStatus == http.StatusServiceUnavailable:
			p.NoRetryAfter++
		case r.Status == Rejected:
			p.OtherStatus++
		default:
			p.NoResponse++
		}
		failLat = append(failLat, lat)
	}
	p.Seconds = p.to.Sub(p.from).Seconds()
	p.FailP50ms, p.FailP99ms, p.FailMaxMs = percentiles(failLat)
	p.AckP50ms, p.AckP99ms, _ = percentiles(ackLat)
	if p.NoRetryAfter > 0 {
		p.Problems = append(p.Problems, fmt.Sprintf("%d answers 503 without Retry-After", p.NoRetryAfter))
	}
	if p.OtherStatus > 0 {
		p.Problems = append(p.Problems, fmt.Sprintf("%d answers with another error status (not 503)", p.OtherStatus))
	}
	if p.NoResponse > 0 {
		p.Problems = append(p.Problems, fmt.Sprintf("%d requests without a response (hung or cut off)", p.NoResponse))
	}
	if p.FailMaxMs > float64(fast.Milliseconds()) {
		p.Problems = append(p.Problems, fmt.Sprintf("a request took %.0f ms to fail (want at most %s)", p.FailMaxMs, fast))
	}
	if strings.HasPrefix(p.Name, "disk full") && p.DiskFullMessage == 0 {
		p.Problems = append(p.Problems, "no submission with an attachment was refused with the disk-full message")
	}
	if n := p.Readyz[-503]; n > 0 {
		p.Problems = append(p.Problems, fmt.Sprintf("/readyz answered 503 without Retry-After %d times", n))
	}
	if p.Name == "outage" && p.Readyz[http.StatusServiceUnavailable] == 0 {
		p.Problems = append(p.Problems, "/readyz never said unavailable during the outage")
	}
	switch {
	case p.Name == "steady":
		refused := 0
		for _, r := range recs {
			if !r.Sent.Before(p.from) && r.Done.Before(p.to) && r.Status != Ack {
				refused++
			}
		}
		if refused > 0 {
			p.Problems = append(p.Problems, fmt.Sprintf("%d refusals with nothing wrong", refused))
		}
		if p.Acked == 0 {
			p.Problems = append(p.Problems, "nothing acknowledged")
		}
	case strings.HasPrefix(p.Name, "recovery"):
		if firstAck.IsZero() {
			p.Problems = append(p.Problems, fmt.Sprintf("no submission acknowledged within %s of the fault's end", window))
			break
		}
		p.RecoverySeconds = max(firstAck.Sub(p.from).Seconds(), 0.001)
		if firstAck.Sub(p.from) > recoverBy {
			p.Problems = append(p.Problems, fmt.Sprintf("first acknowledgement %.1fs after the fault's end (want within %s)", p.RecoverySeconds, recoverBy))
		}
		// Once recovered, it stays recovered: no refusal of a request sent
		// in the window's second half and answered before the next fault
		// began (a request still in flight then may meet that fault).
		half := p.from.Add(p.to.Sub(p.from) / 2)
		late := 0
		for _, r := range recs {
			if !r.Sent.Before(half) && r.Done.Before(p.to) && r.Status != Ack {
				late++
			}
		}
		if late > 0 {
			p.Problems = append(p.Problems, fmt.Sprintf("%d refusals in the second half of the recovery window", late))
		}
	}
}

func percentiles(v []float64) (p50, p99, maxv float64) {
	if len(v) == 0 {
		return 0, 0, 0
	}
	sort.Float64s(v)
	return v[len(v)/2], v[len(v)*99/100], v[len(v)-1]
}

// fillDisk writes zeros to path until the file system is full.
func fillDisk(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		if _, err := f.Write(buf); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				// The last partial block, then done.
				for len(buf) > 1 {
					buf = buf[:len(buf)/2]
					for {
						if _, err := f.Write(buf); err != nil {
							break
						}
					}
				}
				return nil
			}
			return err
		}
	}
}

// autoPGRestart is the restart command of the machine's only PostgreSQL
// cluster (Debian's pg_ctlcluster), when run as root; empty otherwise.
func autoPGRestart() string {
	if os.Geteuid() != 0 {
		return ""
	}
	if _, err := exec.LookPath("pg_ctlcluster"); err != nil {
		return ""
	}
	vers, _ := filepath.Glob("/etc/postgresql/*/main")
	if len(vers) != 1 {
		return ""
	}
	return fmt.Sprintf("pg_ctlcluster --skip-systemctl-redirect %s main restart -m fast", filepath.Base(filepath.Dir(vers[0])))
}

// toxiproxy is a toxiproxy-server process and its API.
type toxiproxy struct {
	cmd     *exec.Cmd
	base    string
	version string
	client  *http.Client
}

func startToxiproxy(ctx context.Context, bin, logPath string) (*toxiproxy, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-host", "127.0.0.1", "-port", fmt.Sprint(port)) // #nosec G204 -- the operator's binary
	cmd.Env = append(os.Environ(), "LOG_LEVEL=info")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	t := &toxiproxy{cmd: cmd, base: fmt.Sprintf("http://127.0.0.1:%d", port), client: &http.Client{Timeout: 10 * time.Second,
		// toxiproxy's API server drops idle connections; a fresh one per call
		// (the calls are few) keeps a non-idempotent DELETE from meeting one.
		Transport: &http.Transport{DisableKeepAlives: true}}}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := t.client.Get(t.base + "/version")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			t.version = "toxiproxy " + strings.TrimSpace(string(b))
			return t, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Stop()
			return nil, fmt.Errorf("toxiproxy did not start (see %s): %v", logPath, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (t *toxiproxy) api(ctx context.Context, method, path string, body any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("toxiproxy %s %s: %s %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	return nil
}

func (t *toxiproxy) Stop() {
	if t.cmd.Process != nil {
		t.cmd.Process.Kill()
		t.cmd.Wait()
	}
}

// readyProbe polls /readyz every 250 ms and keeps the answers.
type readyProbe struct {
	base   string
	client *http.Client
	mu     chan struct{}
	seen   []probeAnswer
}

type probeAnswer struct {
	at     time.Time
	status int // 0: no answer
}

func newReadyProbe(base string) *readyProbe {
	return &readyProbe{base: base, client: &http.Client{Timeout: 5 * time.Second}, mu: make(chan struct{}, 1)}
}

func (p *readyProbe) run(ctx context.Context) {
	for ctx.Err() == nil {
		a := probeAnswer{at: time.Now()}
		if resp, err := p.client.Get(p.base + "/readyz"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			a.status = resp.StatusCode
			if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
				a.status = -503 // flagged: 503 without Retry-After
			}
		} else {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				a.status = -1
			}
		}
		p.mu <- struct{}{}
		p.seen = append(p.seen, a)
		<-p.mu
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// between counts the probe's answers by status in [from, to).
func (p *readyProbe) between(from, to time.Time) map[int]int {
	p.mu <- struct{}{}
	defer func() { <-p.mu }()
	out := map[int]int{}
	for _, a := range p.seen {
		if !a.at.Before(from) && a.at.Before(to) {
			out[a.status]++
		}
	}
	return out
}
