package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"
)

// TrialResult is one kill and what was found after it.
type TrialResult struct {
	Trial          int      `json:"trial"`
	LoadSeconds    float64  `json:"load_seconds"` // under load before the kill
	AckedInTrial   int      `json:"acked_in_trial"`
	AckedTotal     int      `json:"acked_total"`
	Verdict        *Verdict `json:"verdict"`
	Blobs          string   `json:"blobs"`
	OrphanBlobs    int      `json:"orphan_blobs"`
	TempFiles      int      `json:"temp_files"`
	SpoolFiles     int      `json:"spool_files"`
	Integrity      string   `json:"integrity"`
	Audit          string   `json:"audit"`
	CheckSeconds   float64  `json:"check_seconds"`
	RestartSeconds float64  `json:"restart_to_ready_seconds"`
	Problems       []string `json:"problems,omitempty"`
}

// NothingLostReport is the result of a nothing-lost run.
type NothingLostReport struct {
	Machine         map[string]any `json:"machine"`
	DB              string         `json:"db"`
	TargetRate      float64        `json:"target_rate"`
	Clients         int            `json:"clients"`
	Trials          []TrialResult  `json:"trials"`
	Submitted       int            `json:"submitted"`
	Acked           int            `json:"acked"`
	AckedByKind     map[Kind]int   `json:"acked_by_kind"`
	Rejected        int            `json:"rejected"`
	Unknown         int            `json:"unknown"`           // sent, no response (cut off by the kill)
	Refused         int            `json:"refused"`           // not sent: the server was down
	LoadSeconds     float64        `json:"load_seconds"`      // wall time of the load, downtime included
	UpSeconds       float64        `json:"up_seconds"`        // time the server was up and loaded
	AckRate         float64        `json:"ack_rate"`          // acknowledged per second of load
	AckRateUp       float64        `json:"ack_rate_while_up"` // acknowledged per second the server was up
	LatencyP50ms    float64        `json:"latency_p50_ms"`
	LatencyP99ms    float64        `json:"latency_p99_ms"`
	Lost            int            `json:"lost"`
	Damaged         int            `json:"damaged"`
	Final           *Verdict       `json:"final"`
	FinalBlobs      *BlobReport    `json:"final_blobs"`
	MaxRestartSecs  float64        `json:"max_restart_to_ready_seconds"`
	MeanRestartSecs float64        `json:"mean_restart_to_ready_seconds"`
	Problems        []string       `json:"problems,omitempty"`
	Passed          bool           `json:"passed"`
}

func runNothingLost(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("nothing-lost", flag.ContinueOnError)
	var o options
	o.bind(fs, 20)
	killMin := fs.Duration("kill-min", 3*time.Second, "least time under load before a kill")
	killMax := fs.Duration("kill-max", 10*time.Second, "most time under load before a kill")
	auditEach := fs.Bool("audit-each", true, "run gongkai audit verify after every kill (not only at the end)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := o.check(); err != nil {
		return err
	}
	if *killMax < *killMin {
		return errors.New("--kill-max must not be below --kill-min")
	}
	work, clean, err := o.workDir("gkdrill-nothing-lost-")
	if err != nil {
		return err
	}
	passed := false
	defer func() { clean(passed) }()
	dbURL, dropDB, err := o.setupDB(ctx, "nl")
	if err != nil {
		return err
	}
	defer dropDB()
	dataDir := filepath.Join(work, "data")
	secret := ""
	if o.dbKind == "postgres" {
		secret = randomHex(32) // required on PostgreSQL; on SQLite generated into the data folder
	}
	srv, err := newServer(o.gongkai, dataDir, dbURL, secret, filepath.Join(work, "serve.log"), true)
	if err != nil {
		return err
	}
	defer srv.Stop()
	fmt.Printf("== nothing-lost: %s, %d trials, target %.0f submissions/s from %d clients, kill after %s–%s of load\n",
		o.dbKind, o.trials, o.rate, o.clients, *killMin, *killMax)
	d, err := startDemo(ctx, &o, srv)
	if err != nil {
		return err
	}
	rep := &NothingLostReport{Machine: machine(), DB: o.dbKind, TargetRate: o.rate, Clients: o.clients}
	rng := rand.New(rand.NewPCG(o.seed, 1))

	loadCtx, stopLoad := context.WithCancel(ctx)
	loadDone := make(chan struct{})
	loadStart := time.Now()
	go func() {
		d.Run(loadCtx)
		close(loadDone)
	}()
	defer func() {
		stopLoad()
		<-loadDone
	}()

	var up time.Duration
	prevAcked := 0
	for trial := 1; trial <= o.trials; trial++ {
		wait := *killMin + time.Duration(rng.Int64N(int64(*killMax-*killMin)+1))
		upFrom := time.Now()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		if err := srv.Kill(); err != nil {
			return fmt.Errorf("kill: %w", err)
		}
		up += time.Since(upFrom)
		// Nothing can be acknowledged after the kill; let the responses read
		// before it be recorded.
		time.Sleep(300 * time.Millisecond)
		recs := d.Records()
		tr := TrialResult{Trial: trial, LoadSeconds: wait.Seconds()}
		t0 := time.Now()
		res, err := checkOffline(ctx, &o, srv, recs, *auditEach)
		if err != nil {
			return err
		}
		tr.Verdict, tr.Blobs, tr.Integrity, tr.Audit, tr.Problems = res.verdict, res.blobs.String(), res.integrity, res.audit, res.problems
		tr.OrphanBlobs, tr.TempFiles, tr.SpoolFiles = res.blobs.OrphanBlobs, res.blobs.TempFiles, spoolFiles(srv.tmpDir)
		tr.AckedTotal = res.verdict.Acked
		tr.AckedInTrial = tr.AckedTotal - prevAcked
		prevAcked = tr.AckedTotal
		tr.CheckSeconds = time.Since(t0).Seconds()
		t1 := time.Now()
		if err := srv.Start(); err != nil {
			return err
		}
		if err := srv.WaitReady(ctx, 2*time.Minute); err != nil {
			return err
		}
		tr.RestartSeconds = time.Since(t1).Seconds()
		status := "ok"
		if len(tr.Problems) > 0 {
			status = "FAILED"
		}
		fmt.Printf("trial %2d/%d: killed after %4.1fs; %5d acknowledged in the trial (%6d in all): %s; %s; %s; restart to ready %.2fs [%s]\n",
			trial, o.trials, wait.Seconds(), tr.AckedInTrial, tr.AckedTotal, res.verdict, tr.Blobs, tr.Integrity, tr.RestartSeconds, status)
		for _, p := range tr.Problems {
			fmt.Printf("    %s\n", p)
		}
		rep.Trials = append(rep.Trials, tr)
		rep.Problems = append(rep.Problems, prefixed(fmt.Sprintf("trial %d: ", trial), tr.Problems)...)
	}
	// Last stretch under load, then a graceful stop and the final check.
	upFrom := time.Now()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(*killMin):
	}
	stopLoad()
	<-loadDone
	up += time.Since(upFrom)
	rep.LoadSeconds = time.Since(loadStart).Seconds()
	srv.Stop()
	recs := d.Records()
	res, err := checkOffline(ctx, &o, srv, recs, true)
	if err != nil {
		return err
	}
	rep.Final, rep.FinalBlobs = res.verdict, res.blobs
	rep.Problems = append(rep.Problems, prefixed("final: ", res.problems)...)
	t := tally(recs)
	rep.Submitted, rep.Acked, rep.AckedByKind, rep.Rejected, rep.Unknown, rep.Refused = len(recs)-t.Refused, t.Ack, t.ByKind, t.Rejected, t.Unknown, t.Refused
	rep.Problems = append(rep.Problems, rejectionProblems(t)...)
	rep.UpSeconds = up.Seconds()
	rep.LatencyP50ms, rep.LatencyP99ms = t.P50ms, t.P99ms
	rep.AckRate = float64(t.Ack) / rep.LoadSeconds
	rep.AckRateUp = float64(t.Ack) / rep.UpSeconds
	for _, tr := range rep.Trials {
		rep.Lost += len(tr.Verdict.Lost)
		rep.Damaged += len(tr.Verdict.Damaged)
		rep.MaxRestartSecs = max(rep.MaxRestartSecs, tr.RestartSeconds)
		rep.MeanRestartSecs += tr.RestartSeconds / float64(len(rep.Trials))
	}
	rep.Lost += len(res.verdict.Lost)
	rep.Damaged += len(res.verdict.Damaged)
	rep.Passed = len(rep.Problems) == 0
	passed = rep.Passed
	fmt.Printf("final (after a graceful stop): %s; %s; %s; %s\n", res.verdict, res.blobs, res.integrity, res.audit)
	fmt.Printf("== nothing-lost %s: %d trials, %d submissions: %d acknowledged (%s), %d rejected, %d cut off without response (%d refused while down); "+
		"%.1f acknowledged/s over %.0fs of load (%.1f/s while up; latency p50 %.0f ms, p99 %.0f ms); lost %d, damaged %d; restart to ready mean %.2fs, max %.2fs\n",
		o.dbKind, len(rep.Trials), rep.Submitted, rep.Acked, kindCounts(t.ByKind), rep.Rejected, rep.Unknown, rep.Refused,
		rep.AckRate, rep.LoadSeconds, rep.AckRateUp, t.P50ms, t.P99ms, rep.Lost, rep.Damaged, rep.MeanRestartSecs, rep.MaxRestartSecs)
	rep.Machine = machine()
	fmt.Printf("machine: %d cores, %s/%s, %s, load average %s\n", rep.Machine["cpus"], rep.Machine["goos"], rep.Machine["goarch"], rep.Machine["go"], rep.Machine["loadavg"])
	if err := writeJSON(o.report, rep); err != nil {
		return err
	}
	if err := writeJournal(o.journal, recs); err != nil {
		return err
	}
	if !rep.Passed {
		return fmt.Errorf("%d problems:\n    %s", len(rep.Problems), short(rep.Problems, 30))
	}
	fmt.Printf("PASS: zero acknowledged submissions lost or damaged in %d kills\n", len(rep.Trials))
	return nil
}

func prefixed(p string, list []string) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		out = append(out, p+s)
	}
	return out
}

func kindCounts(m map[Kind]int) string {
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%d %ss", m[k], k))
	}
	return strings.Join(parts, ", ")
}

type offlineResult struct {
	verdict   *Verdict
	blobs     *BlobReport
	integrity string
	audit     string
	problems  []string
}

// checkOffline checks the data of a stopped (or killed) server: the
// acknowledged submissions, the attachments, the database's integrity and
// the audit chain.
func checkOffline(ctx context.Context, o *options, srv *server, recs []*Record, audit bool) (*offlineResult, error) {
	res := &offlineResult{}
	st, err := openStore(ctx, srv.dataDir, srv.dbURL)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	res.verdict = st.Verify(ctx, recs)
	if !res.verdict.OK() {
		res.problems = append(res.problems, fmt.Sprintf("acknowledged submissions: %s", res.verdict))
		for _, l := range [][]string{res.verdict.Lost, res.verdict.Damaged, res.verdict.Problems} {
			if len(l) > 0 {
				res.problems = append(res.problems, short(l, 10))
			}
		}
	}
	if res.blobs, err = st.Blobs(ctx); err != nil {
		return nil, err
	}
	if !res.blobs.OK() {
		res.problems = append(res.problems, "attachments: "+res.blobs.String()+": "+short(append(res.blobs.MissingBlobs, res.blobs.BadBlobs...), 10))
	}
	// A blob without a row is a request cut off between storing the file
	// and committing; there can be no more of them than such requests.
	cut := 0
	for _, r := range recs {
		if r.Status == Unknown && r.FileSHA256 != "" {
			cut++
		}
	}
	if res.blobs.OrphanBlobs+res.blobs.TempFiles > cut {
		res.problems = append(res.problems, fmt.Sprintf("%d blobs without a row and %d temporary files, but only %d requests with a file were cut off",
			res.blobs.OrphanBlobs, res.blobs.TempFiles, cut))
	}
	if res.integrity, err = st.Integrity(ctx, o.pgAmcheck); err != nil {
		res.problems = append(res.problems, err.Error())
		res.integrity = "FAILED"
	}
	res.audit = "audit not checked"
	if audit {
		out, err := srv.Run(ctx, "audit", "verify", "--data", srv.dataDir)
		if err != nil {
			res.problems = append(res.problems, err.Error())
			res.audit = "audit verify FAILED"
		} else {
			res.audit = "audit chain ok"
			_ = out
		}
	}
	return res, nil
}
