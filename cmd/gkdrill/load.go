package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Driver sends submissions at a target rate from a pool of simulated
// clients and keeps the record of every one.
type Driver struct {
	Base    string
	Target  *Target
	Rate    float64 // submissions per second
	Clients int
	RunNo   uint32 // run number (phones)
	RunID   string // marker prefix

	client *http.Client
	seq    atomic.Int64

	mu      sync.Mutex
	records []*Record
	tokens  []map[Kind]string // per client
}

// NewDriver returns a driver; call Prepare before Run.
func NewDriver(base string, t *Target, rate float64, clients int, run uint32) *Driver {
	tr := &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2, IdleConnTimeout: 30 * time.Second,
		DisableCompression: true}
	return &Driver{Base: base, Target: t, Rate: rate, Clients: clients, RunNo: run, RunID: fmt.Sprintf("%06x", run&0xFFFFFF),
		client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// Prepare fetches each client's form tokens from the form pages, as a
// browser would, and waits out the forms' minimum fill time. The guard is
// stateless: a token may be submitted again within its 24 hours.
func (d *Driver) Prepare(ctx context.Context) error {
	d.tokens = make([]map[Kind]string, d.Clients)
	for i := range d.tokens {
		d.tokens[i] = map[Kind]string{}
		for _, k := range []Kind{KindLetter, KindComment, KindSignup} {
			tok, err := d.fetchToken(ctx, k, int64(i))
			if err != nil {
				return err
			}
			d.tokens[i][k] = tok
		}
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(3200 * time.Millisecond): // the forms' minimum fill time is 3 s
	}
	return nil
}

func (d *Driver) fetchToken(ctx context.Context, k Kind, seq int64) (string, error) {
	page, err := get(ctx, d.client, d.Base+d.Target.formPage(k, seq))
	if err != nil {
		return "", err
	}
	m := reToken.FindStringSubmatch(page)
	if m == nil {
		return "", fmt.Errorf("no form token on %s", d.Target.formPage(k, seq))
	}
	return m[1], nil
}

// Run submits until ctx is done, then waits for the requests in flight.
func (d *Driver) Run(ctx context.Context) {
	tickets := make(chan struct{}, d.Clients)
	var wg sync.WaitGroup
	for i := range d.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.client1(ctx, i, tickets)
		}()
	}
	interval := time.Duration(float64(time.Second) / d.Rate)
	next := time.Now()
loop:
	for {
		next = next.Add(interval)
		if wait := time.Until(next); wait > 0 {
			select {
			case <-ctx.Done():
				break loop
			case <-time.After(wait):
			}
		} else if wait < -time.Second {
			next = time.Now() // fell behind (the server was down): do not burst
		}
		select {
		case tickets <- struct{}{}:
		default: // every client busy: the server is at capacity
		}
	}
	close(tickets)
	wg.Wait()
}

func (d *Driver) client1(ctx context.Context, i int, tickets <-chan struct{}) {
	r := rand.New(rand.NewPCG(uint64(d.RunNo), uint64(i)))
	for range tickets {
		if ctx.Err() != nil {
			return
		}
		seq := d.seq.Add(1)
		k := kinds[seq%int64(len(kinds))]
		req, rec, err := build(ctx, d.Base, d.Target, d.RunNo, d.RunID, seq, k, d.tokens[i][k], r)
		if err != nil {
			continue
		}
		rec.Sent = time.Now()
		resp, err := d.client.Do(req.WithContext(context.WithoutCancel(ctx)))
		if err != nil {
			rec.Status, rec.Err, rec.Done = Unknown, err.Error(), time.Now()
			if errors.Is(err, syscall.ECONNREFUSED) {
				rec.Status = Refused // never reached a server
			}
			d.add(rec)
			time.Sleep(20 * time.Millisecond) // the server is down: do not spin
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		rec.Done, rec.HTTPStatus, rec.RetryAfter = time.Now(), resp.StatusCode, resp.Header.Get("Retry-After")
		switch {
		case err != nil:
			rec.Status, rec.Err = Unknown, err.Error() // cut off mid-response: not acknowledged
		case acknowledge(rec, resp.StatusCode, body):
			rec.Status = Ack
		default:
			rec.Status, rec.Err = Rejected, formError(body)
			if resp.StatusCode == http.StatusServiceUnavailable && bytes.Contains(body, []byte("存储空间不足")) {
				rec.Err = "存储空间不足: " + rec.Err
			}
			if resp.StatusCode == http.StatusBadRequest && k != KindApplication {
				// The guard refused the token (e.g. the page was served by a
				// server with another key): fetch a fresh one.
				if tok, err := d.fetchToken(ctx, k, seq); err == nil {
					d.tokens[i][k] = tok
				}
			}
		}
		d.add(rec)
	}
}

func (d *Driver) add(r *Record) {
	d.mu.Lock()
	d.records = append(d.records, r)
	d.mu.Unlock()
}

// Records returns the records so far, in submission order.
func (d *Driver) Records() []*Record {
	d.mu.Lock()
	out := append([]*Record(nil), d.records...)
	d.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// Tally counts records by outcome and kind.
type Tally struct {
	Ack, Rejected, Unknown, Refused int
	ByKind                          map[Kind]int // acknowledged, by kind
	Rejections                      map[string]int
	// Latency of the acknowledged submissions, in milliseconds.
	P50ms, P99ms, MaxMs float64
}

func tally(recs []*Record) Tally {
	t := Tally{ByKind: map[Kind]int{}, Rejections: map[string]int{}}
	var lat []float64
	for _, r := range recs {
		switch r.Status {
		case Ack:
			lat = append(lat, float64(r.Done.Sub(r.Sent).Microseconds())/1000)
			t.Ack++
			t.ByKind[r.Kind]++
		case Refused:
			t.Refused++
		case Rejected:
			t.Rejected++
			t.Rejections[fmt.Sprintf("%s %d %s", r.Kind, r.HTTPStatus, r.Err)]++
		default:
			t.Unknown++
		}
	}
	if len(lat) > 0 {
		sort.Float64s(lat)
		t.P50ms, t.P99ms, t.MaxMs = lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1]
	}
	return t
}
