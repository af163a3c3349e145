package web

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gongkai/gongkai/internal/db"
)

// ContentVersion is the platform-wide version of public content. Every change
// that can alter a public page gives it a new value; the page cache never
// serves a page rendered under another value.
type ContentVersion interface {
	Current(ctx context.Context) (string, error)
}

// DefaultVersionCheck is how often a DBVersion asks the database for the
// current content version.
const DefaultVersionCheck = time.Second

// DBVersion is a ContentVersion kept in a platform_settings row, so that a
// publish on one instance reaches the page caches of all instances within
// one check interval.
//
// Use it like this:
//
//	err := d.Tx(ctx, func(tx db.Tx) error {
//		// … change public content …
//		return version.Bump(ctx, tx)
//	})
//	version.Invalidate() // this instance sees its own change at once
//
// If the database cannot be read, Current keeps answering the last value it
// read (and tries again after one interval), so the portal keeps serving
// cached pages through a database outage; it returns an error only when it
// has never read a value.
type DBVersion struct {
	db         *db.DB
	key        string
	checkEvery time.Duration
	now        func() time.Time

	gen   atomic.Uint64 // incremented by Invalidate
	state atomic.Pointer[versionState]
	read  sync.Mutex // one database read at a time
}

type versionState struct {
	value   string
	checked time.Time
	gen     uint64 // the value of DBVersion.gen when the read started
}

// NewDBVersion returns the content version kept in platform_settings under
// key, read from d at most every checkEvery (DefaultVersionCheck if zero or
// negative). A missing row counts as the version "".
func NewDBVersion(d *db.DB, key string, checkEvery time.Duration) *DBVersion {
	if checkEvery <= 0 {
		checkEvery = DefaultVersionCheck
	}
	return &DBVersion{db: d, key: key, checkEvery: checkEvery, now: time.Now}
}

// Current returns the content version. It reads the database at most once
// per check interval (and on the first call after Invalidate); concurrent
// callers share that read, and while it runs callers that already have a
// value that is merely old (not invalidated) get that value without waiting.
func (v *DBVersion) Current(ctx context.Context) (string, error) {
	g := v.gen.Load()
	s := v.state.Load()
	if s != nil && s.gen >= g && v.now().Sub(s.checked) < v.checkEvery {
		return s.value, nil
	}
	forced := s == nil || s.gen < g
	if forced {
		v.read.Lock()
	} else if !v.read.TryLock() {
		return s.value, nil // another goroutine is reading; a second-old value will do
	}
	defer v.read.Unlock()
	g = v.gen.Load()
	if s = v.state.Load(); s != nil && s.gen >= g && v.now().Sub(s.checked) < v.checkEvery {
		return s.value, nil // read by the goroutine we waited for
	}
	value, err := v.load(ctx)
	if err != nil {
		if ctx.Err() != nil { // our caller went away: leave the state for the next one
			if s != nil {
				return s.value, nil
			}
			return "", err
		}
		if s == nil {
			return "", db.Classify(fmt.Errorf("web: read content version: %w", err))
		}
		value = s.value // keep serving what we know; try again after one interval
	}
	v.state.Store(&versionState{value: value, checked: v.now(), gen: g})
	return value, nil
}

func (v *DBVersion) load(ctx context.Context) (string, error) {
	var value string
	err := v.db.R.QueryRowContext(ctx, "SELECT value FROM platform_settings WHERE key = $1", v.key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return value, err
}

// Bump gives the content version a new value inside tx, the transaction that
// changes public content; the new value becomes visible with its commit.
// Call Invalidate after the commit so that this instance sees it at once;
// other instances see it within one check interval.
func (v *DBVersion) Bump(ctx context.Context, tx db.Tx) error {
	var b [6]byte
	rand.Read(b[:])
	value := strconv.FormatInt(time.Now().UnixMicro(), 36) + "-" + hex.EncodeToString(b[:])
	if _, err := tx.ExecContext(ctx, `INSERT INTO platform_settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, v.key, value); err != nil {
		return fmt.Errorf("web: bump content version: %w", err)
	}
	return nil
}

// Invalidate makes the next Current read the database, whatever the check
// interval says. Call it after the transaction that called Bump commits.
func (v *DBVersion) Invalidate() { v.gen.Add(1) }

// DefaultPageCacheBytes is the memory budget of a PageCache created with a
// maxBytes of zero or less.
const DefaultPageCacheBytes = 64 << 20

// pageCacheControl is the Cache-Control of cached pages unless the handler
// chose another: browsers and proxies may store the page but must revalidate
// it every time, which costs a 304 from memory, so that a publish or a
// withdrawal (撤稿) shows everywhere within one version check.
const pageCacheControl = "no-cache"

// entryOverhead approximates the memory of an entry besides its bodies, key
// and stored headers (struct, validator strings and slices, list element,
// map slot): measured at about 1.3 KB.
const entryOverhead = 1536

// PageCache keeps rendered public pages in memory, keyed by method, host,
// path, raw query and variant (the elderly mode), and valid for one content
// version. It answers hits from memory with an ETag, Last-Modified and,
// where the client accepts it, a body gzipped once when the page was cached;
// conditional requests get 304. Memory is bounded by an LRU over the bytes
// of bodies and keys.
//
// Header choices:
//
//   - Cache-Control: no-cache unless the handler set its own. Revalidation
//     is a 304 from memory, and a publish shows within one version check.
//     A max-age would let browsers and proxies keep showing a withdrawn item.
//   - Vary: Accept-Encoding, Cookie. The elderly mode is a cookie, and HTTP
//     cannot vary on one cookie; Vary: Cookie is the only header that stops
//     a shared cache from handing the elderly page to other visitors (a CDN
//     in front should key on the gk_elderly cookie instead). The ETag also
//     covers the variant, so a browser that switches mode never gets a 304
//     for the other variant.
//   - ETag is strong: a hash of the variant and the body, the same on every
//     instance that renders the same bytes; the gzip representation has its
//     own tag (suffix "-gz"), as RFC 9110 asks of different content codings.
//   - Last-Modified is the time the page was cached (to the second). If a new
//     version renders the same bytes, the page keeps its ETag and
//     Last-Modified. If-None-Match takes precedence over If-Modified-Since.
//     Like any one-second validator, it cannot tell apart two renderings
//     within the same second; browsers send the ETag, which can.
//
// HEAD shares GET's entry and gets no body. Concurrent misses of one page
// and version render once; the others wait and are answered from the result
// (or, if it may not be cached, render for themselves). A request's own
// Cache-Control (a forced reload) does not bypass the cache: that would let
// anyone make every request a render.
//
// Wiring, for a public page that depends only on the URL, the host, the
// elderly mode and published content:
//
//	pages := web.NewPageCache(version, 64<<20)
//	app.Handle("GET /o/{slug}/items/{id}", auth.Public, pages.Wrap(h.item))
//
// Not cached: methods other than GET and HEAD, requests with an
// Authorization header, responses other than 200, responses that set a
// cookie, carry a Content-Encoding or a Cache-Control of no-store or private
// (/console and /api get no-store from the middleware), and bodies over an
// eighth of the budget. Those pass through unchanged.
type PageCache struct {
	version  ContentVersion
	maxBytes int64
	maxEntry int64
	now      func() time.Time

	mu      sync.Mutex
	items   map[string]*pageEntry
	lru     list.List // of *pageEntry, most recently used first
	bytes   int64
	flights map[string]*pageFlight
	seq     uint64
	stats   PageCacheStats
}

// PageCacheStats counts what a PageCache did.
type PageCacheStats struct {
	Hits      uint64 // answered from memory (200, 304 or HEAD)
	Misses    uint64 // rendered by the handler for the cache
	Shared    uint64 // waited for a concurrent miss of the same page
	Bypassed  uint64 // not cacheable (request or response), or no version
	Evictions uint64
	Entries   int
	Bytes     int64
}

type pageEntry struct {
	key     string
	version string
	seq     uint64 // order of the miss that rendered it
	size    int64
	elem    *list.Element

	body, gz     []byte
	etag, etagGz string // quoted
	lastModified time.Time

	// Headers to apply on top of the outer middleware's: those the handler
	// added or changed, and those it removed. Slices are shared by every
	// response and have len == cap, so that an append copies.
	header  http.Header
	deleted []string
	headers []pageHeader // header as a list: cheaper to walk than a map
	route   string       // the route pattern that rendered it (for the fast path's metrics)

	etagH, etagGzH, lastModH, varyH, cacheControlH, lenH, gzLenH []string
}

type pageHeader struct {
	key    string
	values []string
}

type pageFlight struct {
	done  chan struct{}
	entry *pageEntry // nil if the response could not be cached
}

// NewPageCache returns a cache of pages valid for the content version v, in
// at most maxBytes of bodies (DefaultPageCacheBytes if zero or less).
func NewPageCache(v ContentVersion, maxBytes int64) *PageCache {
	if maxBytes <= 0 {
		maxBytes = DefaultPageCacheBytes
	}
	return &PageCache{
		version:  v,
		maxBytes: maxBytes,
		maxEntry: maxBytes / 8,
		now:      time.Now,
		items:    map[string]*pageEntry{},
		flights:  map[string]*pageFlight{},
	}
}

// Stats returns the counters and the current size.
func (c *PageCache) Stats() PageCacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Entries, s.Bytes = len(c.items), c.bytes
	return s
}

// Wrap caches the responses of next, a public GET route whose page depends
// only on the request URL, the host, the elderly mode and the content
// version — never on the session, other cookies or other headers.
func (c *PageCache) Wrap(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { c.serveHTTP(w, r, next) }
}

func (c *PageCache) serveHTTP(w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || firstValue(r.Header, "Authorization") != "" {
		c.bypass(w, r, next)
		return
	}
	version, err := c.version.Current(r.Context())
	if err != nil {
		c.bypass(w, r, next)
		return
	}
	// The key is built on the stack; the map lookup with string(kb) does
	// not allocate, so a hit allocates nothing here.
	var buf [256]byte
	kb := appendPageKey(buf[:0], r)
	c.mu.Lock()
	e := c.items[string(kb)]
	if e != nil && e.version == version {
		c.lru.MoveToFront(e.elem)
		c.stats.Hits++
		c.mu.Unlock()
		c.serveEntry(w, r, e)
		return
	}
	key := string(kb)
	fkey := key + "\x00" + version
	if f := c.flights[fkey]; f != nil {
		c.stats.Shared++
		c.mu.Unlock()
		select {
		case <-f.done:
		case <-r.Context().Done():
			return // the client is gone
		}
		if f.entry != nil {
			c.serveEntry(w, r, f.entry)
		} else {
			next(w, r) // not cacheable: every request gets its own response
		}
		return
	}
	c.seq++
	f := &pageFlight{done: make(chan struct{})}
	c.flights[fkey] = f
	c.stats.Misses++
	seq := c.seq
	c.mu.Unlock()
	finished := false
	finish := func(e *pageEntry) { // releases the waiters, once
		if finished {
			return
		}
		finished = true
		f.entry = e
		c.mu.Lock()
		delete(c.flights, fkey)
		c.mu.Unlock()
		close(f.done)
	}
	defer finish(nil) // also when next panics, so that no waiter hangs

	// Render a full GET: without the client's validators (the cache answers
	// those) and with the body even for HEAD.
	r2 := r.Clone(r.Context())
	r2.Method = http.MethodGet
	for _, h := range [...]string{"If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range", "Range"} {
		r2.Header.Del(h)
	}
	rec := &pageRecorder{w: w, outer: w.Header().Clone(), limit: c.maxEntry, head: r.Method == http.MethodHead,
		onSpill: func() { finish(nil) }}
	rec.header = rec.outer.Clone()
	next(rec, r2)
	if rec.spilled {
		return
	}
	e, ok := c.newEntry(rec, key, version, seq, e)
	if !ok {
		finish(nil)
		c.mu.Lock()
		c.stats.Bypassed++
		c.mu.Unlock()
		rec.writeTo(w)
		return
	}
	if i := infoOf(r.Context()); i != nil && i.routed {
		e.route = i.route
	}
	c.store(e)
	finish(e) // before writing to this client, which may be slow
	c.serveEntry(w, r, e)
}

func (c *PageCache) bypass(w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
	c.mu.Lock()
	c.stats.Bypassed++
	c.mu.Unlock()
	next(w, r)
}

// pageKey is method, host, path, raw query and variant. HEAD shares GET's
// entry.
func pageKey(r *http.Request) string { return string(appendPageKey(nil, r)) }

func appendPageKey(b []byte, r *http.Request) []byte {
	// EscapedPath: the mux routes on it, /a%2Fb is not /a/b.
	return appendKey(b, r.Host, r.URL.EscapedPath(), r.URL.RawQuery, ElderlyMode(r))
}

// appendKey appends the cache key of a page (the fast path builds it from
// the bytes of a request head, the cache from an http.Request).
func appendKey[S string | []byte](b []byte, host, path, query S, elderly bool) []byte {
	b = append(b, "GET\x00"...)
	// ASCII case folding: a valid Host is ASCII, and other bytes (from a
	// request not made by the server) at worst give a page a second entry.
	for i := 0; i < len(host); i++ {
		c := host[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	b = append(b, 0)
	b = append(b, path...)
	b = append(b, '?')
	b = append(b, query...)
	if elderly {
		return append(b, 0, 'e')
	}
	return append(b, 0, '0')
}

// firstValue is h.Get(key) for a canonical key.
func firstValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// headers never stored from a handler's response.
var pageSkipHeaders = map[string]bool{
	"X-Request-Id": true, "Date": true, "Content-Length": true, "Etag": true, "Last-Modified": true,
	"Vary": true, "Transfer-Encoding": true, "Connection": true, "Trailer": true,
}

// newEntry turns a recorded response into an entry, or reports that it may
// not be cached. prev is the entry of an older version, if any.
func (c *PageCache) newEntry(rec *pageRecorder, key, version string, seq uint64, prev *pageEntry) (*pageEntry, bool) {
	h := rec.header
	if rec.status != http.StatusOK || len(h.Values("Set-Cookie")) > 0 || h.Get("Content-Encoding") != "" {
		return nil, false
	}
	cc := strings.ToLower(strings.Join(h.Values("Cache-Control"), ","))
	if strings.Contains(cc, "no-store") || strings.Contains(cc, "private") {
		return nil, false
	}
	body := bytes.Clone(rec.body.Bytes())
	e := &pageEntry{key: key, version: version, seq: seq, body: body, header: http.Header{}}
	for k, v := range h {
		if pageSkipHeaders[k] || slices.Equal(rec.outer[k], v) {
			continue
		}
		e.header[k] = v
	}
	for k := range rec.outer {
		if _, ok := h[k]; !ok && !pageSkipHeaders[k] {
			e.deleted = append(e.deleted, k)
		}
	}
	ctype := h.Get("Content-Type")
	if ctype == "" {
		ctype = http.DetectContentType(body)
		e.header.Set("Content-Type", ctype)
	}
	e.header = e.header.Clone() // one backing array, len == cap
	for k, v := range e.header {
		e.headers = append(e.headers, pageHeader{k, v})
	}
	if cc == "" {
		e.cacheControlH = []string{pageCacheControl}
	}

	sum := sha256.New()
	sum.Write([]byte(key[strings.LastIndexByte(key, 0)+1:])) // the variant
	sum.Write([]byte{0})
	sum.Write(body)
	e.etag = `"` + base64.RawURLEncoding.EncodeToString(sum.Sum(nil)[:12]) + `"`
	e.etagGz = e.etag[:len(e.etag)-1] + `-gz"`
	e.lastModified = c.now().UTC().Truncate(time.Second)
	if prev != nil && prev.etag == e.etag {
		e.lastModified = prev.lastModified
	}

	vary := []string{"Cookie"}
	if len(body) >= 256 && compressible(ctype) {
		if gz := gzipBytes(body); len(gz) < len(body) {
			e.gz = gz
			vary = []string{"Accept-Encoding", "Cookie"}
		}
	}
	for _, v := range h.Values("Vary") {
		for f := range strings.SplitSeq(v, ",") {
			if f = http.CanonicalHeaderKey(strings.TrimSpace(f)); f != "" && !containsFold(vary, f) {
				vary = append(vary, f)
			}
		}
	}
	e.etagH = []string{e.etag}
	e.etagGzH = []string{e.etagGz}
	e.lastModH = []string{e.lastModified.Format(http.TimeFormat)}
	e.varyH = []string{strings.Join(vary, ", ")}
	e.lenH = []string{strconv.Itoa(len(e.body))}
	e.gzLenH = []string{strconv.Itoa(len(e.gz))}
	// The capacities, not the lengths: an allocation is rounded up to its
	// size class (an 11 KB page takes 12 KB), which would otherwise make the
	// cache hold about a seventh more than its budget.
	e.size = int64(cap(e.body)+cap(e.gz)+len(key)) + entryOverhead
	for _, kv := range e.headers {
		e.size += int64(len(kv.key)) + 64
		for _, v := range kv.values {
			e.size += int64(len(v)) + 16
		}
	}
	return e, true
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func compressible(ctype string) bool {
	ctype = strings.ToLower(ctype)
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "json") ||
		strings.Contains(ctype, "xml") || strings.Contains(ctype, "javascript")
}

// pageGzipLevel: on an 11 KB list page the default level (6) gives 3.7 KB in
// about 90 µs, BestSpeed 3.9 KB in about 40 µs, BestCompression no smaller
// (BenchmarkPageGzip). The extra 50 µs is paid once per page and version,
// beside a render that costs more; the 5 % is saved on every hit.
const pageGzipLevel = gzip.DefaultCompression

// gzipWriters are reused: a new writer allocates about a megabyte, which
// costs more than compressing a page.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, pageGzipLevel)
	return zw
}}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/3 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	zw.Write(b)
	zw.Close()
	zw.Reset(io.Discard)
	gzipWriters.Put(zw)
	return bytes.Clone(buf.Bytes())
}

// store adds e, replacing the entry of its key unless that one was rendered
// by a later miss, and evicts the least recently used entries over budget.
func (c *PageCache) store(e *pageEntry) {
	if e.size > c.maxEntry {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.items[e.key]; old != nil {
		if old.seq > e.seq {
			return
		}
		c.remove(old)
	}
	e.elem = c.lru.PushFront(e)
	c.items[e.key] = e
	c.bytes += e.size
	for c.bytes > c.maxBytes {
		c.remove(c.lru.Back().Value.(*pageEntry))
		c.stats.Evictions++
	}
}

func (c *PageCache) remove(e *pageEntry) {
	c.lru.Remove(e.elem)
	delete(c.items, e.key)
	c.bytes -= e.size
}

var (
	gzipH           = []string{"gzip"}
	pageBodyHeaders = []string{"Content-Type", "Content-Length", "Content-Encoding"}
)

// serveEntry answers r from e, on top of the headers the outer middleware
// already set on w (security headers, X-Request-ID).
func (c *PageCache) serveEntry(w http.ResponseWriter, r *http.Request, e *pageEntry) {
	h := w.Header()
	for _, k := range e.deleted {
		delete(h, k)
	}
	for _, kv := range e.headers {
		h[kv.key] = kv.values
	}
	gz := e.gz != nil && acceptsGzip(firstValue(r.Header, "Accept-Encoding"))
	etag, etagH := e.etag, e.etagH
	if gz {
		etag, etagH = e.etagGz, e.etagGzH
	}
	h["Etag"] = etagH
	h["Last-Modified"] = e.lastModH
	h["Vary"] = e.varyH
	if e.cacheControlH != nil {
		h["Cache-Control"] = e.cacheControlH
	}
	if notModified(r, etag, e.lastModified) {
		for _, k := range pageBodyHeaders {
			delete(h, k)
		}
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := e.body
	if gz {
		body = e.gz
		h["Content-Encoding"] = gzipH
		h["Content-Length"] = e.gzLenH
	} else {
		h["Content-Length"] = e.lenH
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if len(body) >= pageFlushHeaders {
		// net/http gathers a response in a 4 KB buffer, headers first, and
		// writes it to the connection each time the buffer fills: an 11 KB
		// page takes three writes. Sent ahead, the headers leave the buffer
		// empty, and a body larger than the buffer goes out in one write.
		http.NewResponseController(w).Flush()
	}
	w.Write(body)
}

// pageFlushHeaders is the body size from which serveEntry sends the headers
// ahead: from there on, headers (about 1 KB) and body would take at least
// three writes of the 4 KB buffer, and take two this way. (Below, it would
// be two either way, or one.)
const pageFlushHeaders = 7 << 10

// notModified evaluates If-None-Match or, without it, If-Modified-Since
// (RFC 9110 §13.2.2).
func notModified(r *http.Request, etag string, lastModified time.Time) bool {
	return notModifiedBy(firstValue(r.Header, "If-None-Match"), firstValue(r.Header, "If-Modified-Since"), etag, lastModified)
}

// notModifiedBy is notModified on the two header values.
func notModifiedBy(inm, ims, etag string, lastModified time.Time) bool {
	if inm != "" {
		return etagListMatches(inm, etag)
	}
	if ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !lastModified.After(t)
	}
	return false
}

// etagListMatches reports whether the If-None-Match list matches etag by weak
// comparison.
func etagListMatches(list, etag string) bool {
	for tag := range strings.SplitSeq(list, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding value allows gzip: listed
// (or "*") with a q-value above zero.
func acceptsGzip(ae string) bool {
	if ae == "" {
		return false
	}
	gzipQ, starQ := -1.0, -1.0
	for part := range strings.SplitSeq(ae, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.TrimSpace(coding)
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			name, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(name), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
					q = f
				}
			}
		}
		switch {
		case strings.EqualFold(coding, "gzip"), strings.EqualFold(coding, "x-gzip"):
			gzipQ = q
		case coding == "*":
			starQ = q
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}

// pageRecorder buffers the response of a miss. A body larger than limit
// spills: what was buffered goes to w and the rest streams through, and the
// response is not cached.
type pageRecorder struct {
	w       http.ResponseWriter
	outer   http.Header // w's headers before the handler ran
	header  http.Header
	status  int
	body    bytes.Buffer
	limit   int64
	head    bool // the client asked HEAD: a spilled body is dropped
	spilled bool
	onSpill func()
}

func (p *pageRecorder) Header() http.Header { return p.header }

func (p *pageRecorder) WriteHeader(code int) {
	if p.status != 0 || (code >= 100 && code < 200) {
		return
	}
	p.status = code
}

func (p *pageRecorder) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	if p.spilled {
		if p.head {
			return len(b), nil
		}
		return p.w.Write(b)
	}
	if int64(p.body.Len()+len(b)) > p.limit {
		p.spilled = true
		p.onSpill()
		p.writeTo(p.w)
		if p.head {
			return len(b), nil
		}
		return p.w.Write(b)
	}
	return p.body.Write(b)
}

// writeTo sends the recorded response as it is.
func (p *pageRecorder) writeTo(w http.ResponseWriter) {
	h := w.Header()
	clear(h)
	for k, v := range p.header {
		h[k] = v
	}
	if p.status == 0 {
		p.status = http.StatusOK
	}
	w.WriteHeader(p.status)
	if !p.head && p.body.Len() > 0 {
		w.Write(p.body.Bytes())
	}
}
