// Package jobs runs background work: periodic jobs (every N minutes, or daily
// at a time in Asia/Shanghai) and delayed one-off jobs queued in the database.
//
// Every `gongkai serve` process runs a Scheduler; on PostgreSQL several
// processes share one database, and the scheduler makes sure that
//
//   - each period of a periodic job runs once across all instances: an
//     instance claims the period with a compare-and-swap UPDATE of the
//     job_schedules row (WHERE name = $1 AND next_run_at = $2 AND the row is
//     not leased), which moves next_run_at on and takes a lease;
//   - each queued job is claimed by one instance at a time: one UPDATE picks
//     the oldest due job (FOR UPDATE SKIP LOCKED on PostgreSQL; on SQLite the
//     single writer connection serialises claims) and leases it.
//
// A running job's lease is renewed while it runs, so a lease only expires when
// its instance died or lost the database. Another instance then runs the job
// again: delivery is exactly once while instances stay up and at least once
// across crashes, so job functions should be idempotent.
//
// Queued jobs are added with Enqueue inside the caller's transaction, so a job
// exists only if the business change that asked for it commits.
//
// All times are UTC truncated to microseconds (db.Now). On SQLite, timestamps
// are stored as text in one fixed UTC format whose text order is time order,
// which the claim queries rely on.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// Status is the state of a queued job, or the outcome of a periodic job's
// last run.
type Status string

// Job and run states.
const (
	StatusQueued  Status = "queued"  // waiting for run_at (first run or a retry)
	StatusRunning Status = "running" // claimed by an instance, under a lease
	StatusDone    Status = "done"    // finished without error
	StatusFailed  Status = "failed"  // gave up (max attempts or a Permanent error); for schedules: the last run failed
	// StatusInterrupted is a periodic run cut short by a shutdown; another
	// instance runs it again at once.
	StatusInterrupted Status = "interrupted"
)

// Defaults for Options.
const (
	DefaultPollInterval    = time.Second
	DefaultLeaseDuration   = 5 * time.Minute
	DefaultConcurrency     = 4
	DefaultShutdownTimeout = 30 * time.Second
	DefaultRetryBackoff    = 10 * time.Second
	DefaultMaxRetryBackoff = time.Hour
	DefaultKeepFinished    = 30 * 24 * time.Hour
	DefaultMaxAttempts     = 5
)

// PruneSchedule is the name of the built-in periodic job that deletes
// finished queued jobs older than Options.KeepFinished.
const PruneSchedule = "jobs.prune"

// Options configure a Scheduler. The zero value is usable.
type Options struct {
	// InstanceID names this process in leases and the admin view; default
	// hostname-pid-random.
	InstanceID string
	// PollInterval is how often the scheduler looks for due work (default 1s).
	PollInterval time.Duration
	// LeaseDuration is how long a claim holds without renewal (default 5 min).
	// A running job renews its lease every third of it, so this bounds how
	// long a dead instance's jobs wait before another instance takes them.
	LeaseDuration time.Duration
	// Concurrency bounds the queued jobs this instance runs at once (default
	// 4). Periodic jobs do not count: each runs at most once at a time.
	Concurrency int
	// ShutdownTimeout is how long Run waits for running jobs after its
	// context is cancelled before cancelling theirs (default 30s).
	ShutdownTimeout time.Duration
	// RetryBackoff is the delay before the first retry of a failed queued job;
	// it doubles with every attempt up to MaxRetryBackoff (defaults 10s, 1h).
	RetryBackoff    time.Duration
	MaxRetryBackoff time.Duration
	// KeepFinished is how long done and failed queued jobs stay in the table
	// for the admin view (default 30 days); a negative value keeps them
	// forever and registers no prune job.
	KeepFinished time.Duration
	// Now is the clock (default time.Now); tests pass a fake one.
	Now func() time.Time
}

func (o *Options) setDefaults() {
	if o.InstanceID == "" {
		o.InstanceID = defaultInstanceID()
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.LeaseDuration <= 0 {
		o.LeaseDuration = DefaultLeaseDuration
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = DefaultShutdownTimeout
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = DefaultRetryBackoff
	}
	if o.MaxRetryBackoff <= 0 {
		o.MaxRetryBackoff = DefaultMaxRetryBackoff
	}
	if o.KeepFinished == 0 {
		o.KeepFinished = DefaultKeepFinished
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

func defaultInstanceID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "gongkai"
	}
	var b [3]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Stats counts what a Scheduler did since New. Runs of periodic and queued
// jobs are counted together.
type Stats struct {
	Started     int64 // runs started
	Succeeded   int64 // runs that returned nil
	Failed      int64 // runs that returned an error or panicked (retried or not)
	Retried     int64 // failed queued runs put back for another attempt
	GaveUp      int64 // queued jobs marked failed for good
	Panicked    int64 // runs that panicked (also counted in Failed)
	Interrupted int64 // runs cut short by shutdown
	Reclaimed   int64 // claims of work whose previous lease had expired
	LeaseLost   int64 // runs whose lease another instance took over
	PollErrors  int64 // poll cycles that failed (database unavailable)
	Running     int64 // runs in progress now
}

type counters struct {
	started, succeeded, failed, retried, gaveUp, panicked, interrupted,
	reclaimed, leaseLost, pollErrors, running atomic.Int64
}

// Scheduler runs periodic and queued jobs. Register jobs with Every, Daily
// and Handle, then call Run once.
type Scheduler struct {
	d    *db.DB
	log  *slog.Logger
	opts Options

	mu        sync.Mutex
	schedules []*schedule
	handlers  map[string]func(ctx context.Context, payload []byte) error
	running   map[string]bool // periodic jobs running in this process
	started   bool            // Run was called

	slots    chan struct{} // one per queued job running
	wake     chan struct{} // a job finished: poll again without waiting
	wg       sync.WaitGroup
	jobCtx   context.Context // parent of every job's context
	stopJobs context.CancelFunc
	claimSeq atomic.Uint64
	failing  atomic.Bool // the last poll failed (log only transitions)
	st       counters
}

// New returns a Scheduler on d. logger may be nil (slog.Default).
func New(d *db.DB, logger *slog.Logger, opts Options) *Scheduler {
	opts.setDefaults()
	if logger == nil {
		logger = slog.Default()
	}
	jobCtx, stop := context.WithCancel(context.Background())
	s := &Scheduler{
		d:        d,
		log:      logger.With("component", "jobs", "instance", opts.InstanceID),
		opts:     opts,
		handlers: map[string]func(context.Context, []byte) error{},
		running:  map[string]bool{},
		slots:    make(chan struct{}, opts.Concurrency),
		wake:     make(chan struct{}, 1),
		jobCtx:   jobCtx,
		stopJobs: stop,
	}
	if opts.KeepFinished > 0 {
		s.Daily(PruneSchedule, 4, 10, func(ctx context.Context) error {
			n, err := Prune(ctx, s.d.W, s.now().Add(-s.opts.KeepFinished))
			if err == nil && n > 0 {
				s.log.Info("pruned finished jobs", "count", n)
			}
			return err
		})
	}
	return s
}

// InstanceID returns the name this scheduler uses in leases.
func (s *Scheduler) InstanceID() string { return s.opts.InstanceID }

// now reads the clock in the form stored: UTC, microseconds.
func (s *Scheduler) now() time.Time {
	return s.opts.Now().UTC().Truncate(time.Microsecond)
}

// Every registers a periodic job that runs once per interval across all
// instances. Periods are aligned to multiples of interval (every 5 min runs
// at :00, :05, …; intervals that divide a day align to UTC midnight), so
// every instance agrees on them; the first run is at the first boundary
// after the job is first registered. Periods missed while no instance ran
// are coalesced into one run. Every panics on an empty or duplicate name or
// a non-positive interval, as these are programming errors.
func (s *Scheduler) Every(name string, interval time.Duration, fn func(ctx context.Context) error) {
	if interval <= 0 {
		panic(fmt.Sprintf("jobs: Every(%q): interval must be positive", name))
	}
	s.addSchedule(&schedule{name: name, fn: fn, next: func(t time.Time) time.Time {
		return t.Truncate(interval).Add(interval)
	}})
}

// Daily registers a periodic job that runs once a day at hour:minute in
// Asia/Shanghai (for example a daily digest), once across all instances.
// Days missed while no instance ran are coalesced into one run. Daily panics
// on an empty or duplicate name or a time outside 00:00–23:59.
func (s *Scheduler) Daily(name string, hour, minute int, fn func(ctx context.Context) error) {
	if hour < 0 || hour > 23 || minute < 0 || minute > 59 {
		panic(fmt.Sprintf("jobs: Daily(%q): %02d:%02d is not a time of day", name, hour, minute))
	}
	s.addSchedule(&schedule{name: name, fn: fn, next: func(t time.Time) time.Time {
		return nextDaily(t, hour, minute)
	}})
}

// nextDaily returns the first hour:minute in Asia/Shanghai strictly after t.
func nextDaily(t time.Time, hour, minute int) time.Time {
	l := t.In(civil.Shanghai)
	c := time.Date(l.Year(), l.Month(), l.Day(), hour, minute, 0, 0, civil.Shanghai)
	if !c.After(t) {
		c = time.Date(l.Year(), l.Month(), l.Day()+1, hour, minute, 0, 0, civil.Shanghai)
	}
	return c.UTC()
}

func (s *Scheduler) addSchedule(sc *schedule) {
	if sc.name == "" || sc.fn == nil {
		panic("jobs: a periodic job needs a name and a function")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.schedules {
		if o.name == sc.name {
			panic(fmt.Sprintf("jobs: periodic job %q registered twice", sc.name))
		}
	}
	s.schedules = append(s.schedules, sc)
}

// Handle registers the function that runs queued jobs of kind. A job whose
// function returns an error is retried with exponential backoff until its
// max attempts are used up; wrap the error with Permanent to give up at once.
// Handle panics on an empty or duplicate kind.
func (s *Scheduler) Handle(kind string, fn func(ctx context.Context, payload []byte) error) {
	if kind == "" || fn == nil {
		panic("jobs: a job handler needs a kind and a function")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.handlers[kind]; dup {
		panic(fmt.Sprintf("jobs: handler for %q registered twice", kind))
	}
	s.handlers[kind] = fn
}

// Stats returns a snapshot of the counters.
func (s *Scheduler) Stats() Stats {
	return Stats{
		Started:     s.st.started.Load(),
		Succeeded:   s.st.succeeded.Load(),
		Failed:      s.st.failed.Load(),
		Retried:     s.st.retried.Load(),
		GaveUp:      s.st.gaveUp.Load(),
		Panicked:    s.st.panicked.Load(),
		Interrupted: s.st.interrupted.Load(),
		Reclaimed:   s.st.reclaimed.Load(),
		LeaseLost:   s.st.leaseLost.Load(),
		PollErrors:  s.st.pollErrors.Load(),
		Running:     s.st.running.Load(),
	}
}

// shutdownGrace is how long Run waits for jobs to return after it cancelled
// their context.
const shutdownGrace = 5 * time.Second

// Run polls for due work until ctx is cancelled, then stops claiming, waits
// up to Options.ShutdownTimeout for running jobs to finish, cancels the
// context of those still running and waits a few seconds more for them to
// record their outcome. It returns nil after a clean stop, and an error if
// jobs were still running at the end (their leases expire and another
// instance runs them again). Run may be called only once per Scheduler.
func (s *Scheduler) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("jobs: Run called twice")
	}
	s.started = true
	s.mu.Unlock()
	defer s.stopJobs()

	s.log.Info("job scheduler started", "poll", s.opts.PollInterval, "lease", s.opts.LeaseDuration)
	tick := time.NewTicker(s.opts.PollInterval)
	defer tick.Stop()
	for {
		s.poll(ctx, nil)
		select {
		case <-ctx.Done():
			return s.shutdown()
		case <-tick.C:
		case <-s.wake:
		}
	}
}

func (s *Scheduler) shutdown() error {
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	wait := time.NewTimer(s.opts.ShutdownTimeout)
	defer wait.Stop()
	select {
	case <-done:
		s.log.Info("job scheduler stopped")
		return nil
	case <-wait.C:
	}
	s.log.Warn("jobs still running at shutdown; cancelling them", "running", s.st.running.Load())
	s.stopJobs()
	grace := time.NewTimer(shutdownGrace)
	defer grace.Stop()
	select {
	case <-done:
		s.log.Info("job scheduler stopped")
		return nil
	case <-grace.C:
		return fmt.Errorf("jobs: %d jobs did not stop at shutdown; their leases will expire", s.st.running.Load())
	}
}

// RunOnce runs one poll cycle: it claims the periodic jobs that are due and
// as many due queued jobs as there are free slots, and returns when they have
// finished. It is meant for tests and tools; a server calls Run.
func (s *Scheduler) RunOnce(ctx context.Context) error {
	var wg sync.WaitGroup
	err := s.poll(ctx, &wg)
	wg.Wait()
	return err
}

// poll claims due work and starts it; jobs it starts are added to local
// (when not nil) besides s.wg.
func (s *Scheduler) poll(ctx context.Context, local *sync.WaitGroup) error {
	now := s.now()
	err := errors.Join(s.pollSchedules(ctx, now, local), s.pollQueue(ctx, now, local))
	if err != nil && ctx.Err() == nil {
		s.st.pollErrors.Add(1)
		if !s.failing.Swap(true) {
			s.log.Error("job poll failed; retrying every poll interval", "err", err)
		}
		return err
	}
	if err == nil && s.failing.Swap(false) {
		s.log.Info("job poll works again")
	}
	return err
}

// goTracked runs f in a goroutine tracked for shutdown (and by local, if set).
func (s *Scheduler) goTracked(local *sync.WaitGroup, f func()) {
	s.wg.Add(1)
	if local != nil {
		local.Add(1)
	}
	go func() {
		defer func() {
			if local != nil {
				local.Done()
			}
			s.wg.Done()
			select {
			case s.wake <- struct{}{}:
			default:
			}
		}()
		f()
	}()
}

// nextClaim returns a token unique to one claim: leases are held by claims,
// not by instances, so a late write of an old run never touches a new one.
func (s *Scheduler) nextClaim() string {
	return fmt.Sprintf("%s#%d", s.opts.InstanceID, s.claimSeq.Add(1))
}

// dbTimeout bounds the scheduler's own bookkeeping statements.
const dbTimeout = 30 * time.Second

// bookkeeping returns a context for recording a claim or an outcome: it is
// not cancelled with the caller's, so that a claim or result is never lost
// half-way because the server began to stop.
func bookkeeping(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), dbTimeout)
}

// execute runs fn under a lease that renew extends every third of the lease
// duration. It recovers panics. interrupted reports that fn failed while the
// scheduler was stopping.
func (s *Scheduler) execute(log *slog.Logger, renew func(ctx context.Context, until time.Time) (bool, error), fn func(ctx context.Context) error) (err error, interrupted bool) {
	s.st.started.Add(1)
	s.st.running.Add(1)
	defer s.st.running.Add(-1)

	ctx, cancel := context.WithCancel(s.jobCtx)
	defer cancel()
	stopRenew := make(chan struct{})
	renewDone := make(chan struct{})
	go func() {
		defer close(renewDone)
		t := time.NewTicker(max(s.opts.LeaseDuration/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-stopRenew:
				return
			case <-t.C:
			}
			rctx, rcancel := context.WithTimeout(context.Background(), dbTimeout)
			ok, err := renew(rctx, s.now().Add(s.opts.LeaseDuration))
			rcancel()
			switch {
			case err != nil:
				log.Warn("could not renew job lease", "err", err)
			case !ok:
				s.st.leaseLost.Add(1)
				log.Error("job lease was taken over by another claim; cancelling this run")
				cancel()
				return
			}
		}
	}()

	start := time.Now()
	err = s.call(ctx, log, fn)
	close(stopRenew)
	<-renewDone

	interrupted = err != nil && s.jobCtx.Err() != nil
	switch {
	case err == nil:
		s.st.succeeded.Add(1)
		log.Debug("job done", "took", time.Since(start))
	case interrupted:
		s.st.interrupted.Add(1)
		log.Warn("job interrupted by shutdown", "err", err, "took", time.Since(start))
	default:
		s.st.failed.Add(1)
		log.Warn("job failed", "err", err, "took", time.Since(start))
	}
	return err, interrupted
}

// call runs fn, turning a panic into an error.
func (s *Scheduler) call(ctx context.Context, log *slog.Logger, fn func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.st.panicked.Add(1)
			log.Error("job panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return fn(ctx)
}

// markRunning reserves a periodic job in this process; it returns false if
// the job already runs here.
func (s *Scheduler) markRunning(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[name] {
		return false
	}
	s.running[name] = true
	return true
}

func (s *Scheduler) unmarkRunning(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.running, name)
}

func (s *Scheduler) registered() ([]*schedule, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kinds := make([]string, 0, len(s.handlers))
	for k := range s.handlers {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	return slices.Clone(s.schedules), kinds
}

func (s *Scheduler) handler(kind string) func(context.Context, []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handlers[kind]
}

// maxErrorLen bounds last_error; the log has the whole story.
const maxErrorLen = 2000

func errorText(err error) string {
	msg := err.Error()
	if len(msg) > maxErrorLen {
		// Cut on a rune boundary so the text stays valid UTF-8.
		cut := maxErrorLen
		for cut > 0 && msg[cut]&0xC0 == 0x80 {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}
