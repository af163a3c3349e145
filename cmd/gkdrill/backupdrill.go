package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// CycleResult is one backup taken under load and its restore.
type CycleResult struct {
	Cycle          int            `json:"cycle"`
	BackupSeconds  float64        `json:"backup_seconds"`
	BackupBytes    int64          `json:"backup_bytes"`
	BackupFiles    int            `json:"backup_files"`
	RestoreSeconds float64        `json:"restore_seconds"` // gongkai restore (checks, copies, migrates, verifies the audit chain)
	RTOSeconds     float64        `json:"rto_seconds"`     // restore start to /readyz of the restored server
	AckedBefore    int            `json:"acked_before_backup"`
	Verdict        *Verdict       `json:"verdict"` // of the submissions acknowledged before the backup started
	DuringPresent  int            `json:"during_present"`
	DuringAbsent   int            `json:"during_absent"`
	AfterPresent   int            `json:"after_present"`
	AfterAbsent    int            `json:"after_absent"`
	SnapshotLagSec float64        `json:"snapshot_lag_seconds"` // newest acknowledged submission in the backup, after the backup started
	CountsBefore   map[string]int `json:"counts_before"`
	CountsRestored map[string]int `json:"counts_restored"`
	CountsAfter    map[string]int `json:"counts_after"`
	Blobs          string         `json:"blobs"`
	Integrity      string         `json:"integrity"`
	Audit          string         `json:"audit"`
	StatusLookups  int            `json:"status_lookups_ok"`
	Problems       []string       `json:"problems,omitempty"`
}

// BackupDrillReport is the result of a backup drill.
type BackupDrillReport struct {
	Machine    map[string]any `json:"machine"`
	DB         string         `json:"db"`
	TargetRate float64        `json:"target_rate"`
	Cycles     []CycleResult  `json:"cycles"`
	Acked      int            `json:"acked"`
	AckRate    float64        `json:"ack_rate"`
	Problems   []string       `json:"problems,omitempty"`
	Passed     bool           `json:"passed"`
}

func runBackupDrill(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("backup-drill", flag.ContinueOnError)
	var o options
	o.bind(fs, 3)
	interval := fs.Duration("interval", 10*time.Second, "time under load before each backup")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := o.check(); err != nil {
		return err
	}
	work, clean, err := o.workDir("gkdrill-backup-")
	if err != nil {
		return err
	}
	passed := false
	defer func() { clean(passed) }()
	dbURL, dropDB, err := o.setupDB(ctx, "bk")
	if err != nil {
		return err
	}
	defer dropDB()
	secret := ""
	if o.dbKind == "postgres" {
		secret = randomHex(32) // on SQLite the key is generated into the data folder and backed up with it
	}
	srv, err := newServer(o.gongkai, filepath.Join(work, "data"), dbURL, secret, filepath.Join(work, "serve.log"), true)
	if err != nil {
		return err
	}
	defer srv.Stop()
	fmt.Printf("== backup-drill: %s, %d backups under a load of %.0f submissions/s, each restored into a fresh installation\n",
		o.dbKind, o.trials, o.rate)
	d, err := startDemo(ctx, &o, srv)
	if err != nil {
		return err
	}
	rep := &BackupDrillReport{Machine: machine(), DB: o.dbKind, TargetRate: o.rate}
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
	source, err := openStore(ctx, srv.dataDir, srv.dbURL)
	if err != nil {
		return err
	}
	defer source.Close()

	for cycle := 1; cycle <= o.trials; cycle++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(*interval):
		}
		cr, err := backupCycle(ctx, &o, cycle, work, srv, source, d)
		if err != nil {
			return fmt.Errorf("cycle %d: %w", cycle, err)
		}
		status := "ok"
		if len(cr.Problems) > 0 {
			status = "FAILED"
		}
		fmt.Printf("backup %d/%d: took %.2fs (%.1f MB, %d files) under load; restore %.2fs, restore to ready (RTO) %.2fs; "+
			"before the backup: %s; during it: %d in the backup, %d not; after it: %d in, %d not; newest in the backup acknowledged %+.2fs after it began; "+
			"%s; %s; %s; %d status look-ups ok [%s]\n",
			cycle, o.trials, cr.BackupSeconds, float64(cr.BackupBytes)/1e6, cr.BackupFiles, cr.RestoreSeconds, cr.RTOSeconds,
			cr.Verdict, cr.DuringPresent, cr.DuringAbsent, cr.AfterPresent, cr.AfterAbsent, cr.SnapshotLagSec,
			cr.Blobs, cr.Integrity, cr.Audit, cr.StatusLookups, status)
		for _, p := range cr.Problems {
			fmt.Printf("    %s\n", p)
		}
		rep.Cycles = append(rep.Cycles, *cr)
		rep.Problems = append(rep.Problems, prefixed(fmt.Sprintf("backup %d: ", cycle), cr.Problems)...)
	}
	stopLoad()
	<-loadDone
	recs := d.Records()
	t := tally(recs)
	rep.Acked = t.Ack
	rep.AckRate = float64(t.Ack) / time.Since(loadStart).Seconds()
	rep.Problems = append(rep.Problems, rejectionProblems(t)...)
	rep.Passed = len(rep.Problems) == 0
	passed = rep.Passed
	var maxB, maxRTO float64
	for _, c := range rep.Cycles {
		maxB, maxRTO = max(maxB, c.BackupSeconds), max(maxRTO, c.RTOSeconds)
	}
	fmt.Printf("== backup-drill %s: %d backups; %d submissions acknowledged (%.1f/s, %s), %d rejected; backup max %.2fs, RTO max %.2fs; lost before backup: %d\n",
		o.dbKind, len(rep.Cycles), t.Ack, rep.AckRate, kindCounts(t.ByKind), t.Rejected, maxB, maxRTO, lostCount(rep.Cycles))
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
	fmt.Println("PASS: every submission acknowledged before each backup began was restored with its attachment")
	return nil
}

func lostCount(cs []CycleResult) int {
	n := 0
	for _, c := range cs {
		n += len(c.Verdict.Lost) + len(c.Verdict.Damaged)
	}
	return n
}

func backupCycle(ctx context.Context, o *options, cycle int, work string, srv *server, source *Store, d *Driver) (*CycleResult, error) {
	cr := &CycleResult{Cycle: cycle}
	var err error
	if cr.CountsBefore, err = source.TableCounts(ctx); err != nil {
		return nil, err
	}
	out := filepath.Join(work, fmt.Sprintf("backup-%d", cycle))
	t0 := time.Now()
	if _, err := srv.Run(ctx, "backup", "--out", out, "--data", srv.dataDir); err != nil {
		return nil, err
	}
	t1 := time.Now()
	cr.BackupSeconds = t1.Sub(t0).Seconds()
	if cr.CountsAfter, err = source.TableCounts(ctx); err != nil {
		return nil, err
	}
	recs := d.Records()
	cr.BackupBytes, cr.BackupFiles = dirSize(out)

	// Restore into a fresh installation (a new folder; on PostgreSQL a new
	// database) and start gongkai on it.
	dbURL, dropDB, err := o.setupDB(ctx, fmt.Sprintf("rs%d", cycle))
	if err != nil {
		return nil, err
	}
	defer dropDB()
	rdir := filepath.Join(work, fmt.Sprintf("restored-%d", cycle), "data")
	rsrv, err := newServer(srv.bin, rdir, dbURL, srv.secret, filepath.Join(work, fmt.Sprintf("restored-%d", cycle), "serve.log"), false)
	if err != nil {
		return nil, err
	}
	defer rsrv.Stop()
	r0 := time.Now()
	if _, err := rsrv.Run(ctx, "restore", "--from", out, "--data", rdir); err != nil {
		return nil, err
	}
	cr.RestoreSeconds = time.Since(r0).Seconds()
	if err := rsrv.Start(); err != nil {
		return nil, err
	}
	if err := rsrv.WaitReady(ctx, 5*time.Minute); err != nil {
		return nil, err
	}
	cr.RTOSeconds = time.Since(r0).Seconds()

	// What was acknowledged before the backup began must all be there.
	var before, during, after []*Record
	for _, r := range recs {
		if r.Status != Ack {
			continue
		}
		switch {
		case r.Done.Before(t0):
			before = append(before, r)
		case r.Done.Before(t1):
			during = append(during, r)
		default:
			after = append(after, r)
		}
	}
	cr.AckedBefore = len(before)
	cr.StatusLookups, err = statusLookups(ctx, rsrv.base(), before, 10)
	if err != nil {
		cr.Problems = append(cr.Problems, "status look-up on the restored server: "+err.Error())
	}
	rsrv.Stop()
	st, err := openStore(ctx, rdir, dbURL)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	cr.Verdict = st.Verify(ctx, before)
	if !cr.Verdict.OK() {
		cr.Problems = append(cr.Problems, "acknowledged before the backup: "+cr.Verdict.String())
		for _, l := range [][]string{cr.Verdict.Lost, cr.Verdict.Damaged, cr.Verdict.Problems} {
			if len(l) > 0 {
				cr.Problems = append(cr.Problems, short(l, 10))
			}
		}
	}
	newest := time.Time{}
	count := func(list []*Record) (in, out int) {
		for _, r := range list {
			if found, _, err := st.check(ctx, r); err == nil && found {
				in++
				if r.Done.After(newest) {
					newest = r.Done
				}
			} else {
				out++
			}
		}
		return
	}
	cr.DuringPresent, cr.DuringAbsent = count(during)
	cr.AfterPresent, cr.AfterAbsent = count(after)
	if !newest.IsZero() {
		cr.SnapshotLagSec = newest.Sub(t0).Seconds()
	}
	if cr.CountsRestored, err = st.TableCounts(ctx); err != nil {
		return nil, err
	}
	for t, n := range cr.CountsBefore {
		if cr.CountsRestored[t] < n {
			cr.Problems = append(cr.Problems, fmt.Sprintf("table %s: %d rows restored, %d before the backup began", t, cr.CountsRestored[t], n))
		}
		if cr.CountsRestored[t] > cr.CountsAfter[t] {
			cr.Problems = append(cr.Problems, fmt.Sprintf("table %s: %d rows restored, only %d after the backup ended", t, cr.CountsRestored[t], cr.CountsAfter[t]))
		}
	}
	blobs, err := st.Blobs(ctx)
	if err != nil {
		return nil, err
	}
	cr.Blobs = blobs.String()
	if !blobs.OK() {
		cr.Problems = append(cr.Problems, "attachments of the restored installation: "+blobs.String()+": "+short(append(blobs.MissingBlobs, blobs.BadBlobs...), 10))
	}
	if cr.Integrity, err = st.Integrity(ctx, o.pgAmcheck); err != nil {
		cr.Problems = append(cr.Problems, err.Error())
		cr.Integrity = "FAILED"
	}
	if _, err := rsrv.Run(ctx, "audit", "verify", "--data", rdir); err != nil {
		cr.Problems = append(cr.Problems, err.Error())
		cr.Audit = "audit verify FAILED"
	} else {
		cr.Audit = "audit chain ok"
	}
	if !o.keep {
		os.RemoveAll(filepath.Dir(rdir))
		os.RemoveAll(out)
	}
	return cr, nil
}

// statusLookups asks the restored server for the status of up to n
// applications acknowledged before the backup, with their receipts' number
// and query code, as the applicant would.
func statusLookups(ctx context.Context, base string, recs []*Record, n int) (int, error) {
	c := &http.Client{Timeout: 10 * time.Second}
	ok := 0
	for i := len(recs) - 1; i >= 0 && ok < n; i-- {
		r := recs[i]
		if r.Kind != KindApplication {
			continue
		}
		b, _ := json.Marshal(map[string]string{"number": r.Number, "code": r.Code})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/applications/status", bytes.NewReader(b))
		if err != nil {
			return ok, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", clientAddr(r.Seq+1<<16))
		resp, err := c.Do(req)
		if err != nil {
			return ok, err
		}
		var out struct {
			Number string `json:"number"`
		}
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || out.Number != r.Number {
			return ok, fmt.Errorf("application %s: %s", r.Number, resp.Status)
		}
		ok++
	}
	return ok, nil
}

func dirSize(dir string) (int64, int) {
	var n int64
	files := 0
	filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if info, err := e.Info(); err == nil {
				n += info.Size()
				files++
			}
		}
		return nil
	})
	return n, files
}
