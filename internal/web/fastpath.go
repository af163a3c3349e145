package web

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// FastPath serves the hits of a PageCache straight from plain HTTP/1.1
// connections, and hands everything else to an http.Server.
//
// net/http spends more on a request than the rest of a cache hit: a
// goroutine-safe request object, a header map, context values, three
// buffered writers and two or three writes to the socket. On a 2-core
// machine that caps a cached page at about half of what nginx serves. The
// fast path reads a connection's request head itself and, when the head is
// a plain GET or HEAD for a page the cache holds in its current version,
// answers with the same bytes the middleware and the cache would send —
// security headers, request ID, validators, 304s, gzip — in one write, and
// counts and logs the request like every other.
//
// Anything else — another method, a body, a session cookie, an
// Authorization header, a page not in the cache (or of an older version) —
// is answered by the http.Server on the same connection: the fast path
// lends it the connection for that one request (exactly its bytes, head and
// body) and takes it back once net/http has answered, so that a browser's
// or a reverse proxy's kept-alive connection keeps its fast answers after a
// publication, a form or a static file. A head whose end the fast path
// cannot be sure of (HTTP/1.0, Transfer-Encoding, an upgrade, a bare LF, a
// head larger than its buffer) gives net/http the connection for good. So
// net/http remains the one judge of what is valid HTTP; the fast path only
// recognises a narrow, common shape of request.
//
// It does not speak TLS: serve TLS with the http.Server alone.
type FastPath struct {
	App    *App
	Cache  *PageCache
	Server *http.Server // its ReadHeaderTimeout, IdleTimeout and WriteTimeout apply here too

	// Served counts the requests the fast path answered, HandedOff the
	// connections it gave to the http.Server.
	Served, HandedOff atomic.Int64

	handoff *handoffListener
	ln      net.Listener
	closing atomic.Bool
	mu      sync.Mutex
	conns   map[*fastConn]struct{}
	done    chan struct{} // closed when the last connection is gone after Shutdown
}

// fastBufSize is the read buffer of a connection: a request head that does
// not fit goes to net/http (which accepts up to Server.MaxHeaderBytes).
const fastBufSize = 4 << 10

type fastConn struct {
	c      net.Conn
	remote string
	idle   atomic.Bool // waiting for a request: Shutdown may close it
}

// Serve accepts connections on ln until Shutdown. It always returns an
// error: http.ErrServerClosed after Shutdown.
func (f *FastPath) Serve(ln net.Listener) error {
	f.mu.Lock()
	if f.closing.Load() {
		f.mu.Unlock()
		ln.Close()
		return http.ErrServerClosed
	}
	f.ln = ln
	f.conns = map[*fastConn]struct{}{}
	f.handoff = &handoffListener{addr: ln.Addr(), ch: make(chan net.Conn), done: make(chan struct{})}
	f.mu.Unlock()
	srvErr := make(chan error, 1)
	prev := f.Server.ConnState
	f.Server.ConnState = func(c net.Conn, st http.ConnState) {
		if lc, ok := c.(*lentConn); ok {
			lc.state(st)
		}
		if prev != nil {
			prev(c, st)
		}
	}
	go func() { srvErr <- f.Server.Serve(f.handoff) }()
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if f.closing.Load() {
				return http.ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				// As net/http: wait a little and go on (out of file
				// descriptors, for one).
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				f.App.Logger.Warn("accept failed; retrying", "error", err, "delay", backoff)
				time.Sleep(backoff)
				continue
			}
			f.handoff.Close()
			<-srvErr
			return err
		}
		backoff = 0
		fc := &fastConn{c: c, remote: c.RemoteAddr().String()}
		if !f.track(fc) {
			c.Close()
			continue
		}
		go f.serveConn(fc)
	}
}

// Shutdown stops accepting, closes the idle fast connections, lets the ones
// answering a request finish, and shuts the http.Server down (which does the
// same for the connections handed to it), all within ctx.
func (f *FastPath) Shutdown(ctx context.Context) error {
	f.closing.Store(true)
	f.mu.Lock()
	if f.ln != nil {
		f.ln.Close()
	}
	f.done = make(chan struct{})
	if len(f.conns) == 0 {
		close(f.done)
	}
	for fc := range f.conns {
		if fc.idle.Load() {
			fc.c.SetReadDeadline(time.Unix(1, 0)) // wakes its read, which ends the connection
		}
	}
	done := f.done
	f.mu.Unlock()
	err := f.Server.Shutdown(ctx)
	select {
	case <-done:
	case <-ctx.Done():
		f.mu.Lock()
		for fc := range f.conns {
			fc.c.Close()
		}
		f.mu.Unlock()
		if err == nil {
			err = ctx.Err()
		}
	}
	return err
}

func (f *FastPath) track(fc *fastConn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closing.Load() {
		return false
	}
	f.conns[fc] = struct{}{}
	return true
}

func (f *FastPath) untrack(fc *fastConn) {
	f.mu.Lock()
	delete(f.conns, fc)
	if f.done != nil && len(f.conns) == 0 {
		select {
		case <-f.done:
		default:
			close(f.done)
		}
	}
	f.mu.Unlock()
}

var fastReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, fastBufSize) }}

func (f *FastPath) serveConn(fc *fastConn) {
	c := fc.c
	br := fastReaders.Get().(*bufio.Reader)
	br.Reset(c)
	handedOff := false
	defer func() {
		if v := recover(); v != nil {
			f.App.Logger.Error("fast path: panic", "panic", v)
		}
		f.untrack(fc)
		if !handedOff {
			c.Close()
		}
		br.Reset(nil)
		fastReaders.Put(br)
	}()
	srv := f.Server
	headerTimeout := srv.ReadHeaderTimeout
	if headerTimeout <= 0 {
		headerTimeout = srv.ReadTimeout
	}
	idleTimeout := srv.IdleTimeout
	if idleTimeout <= 0 {
		idleTimeout = srv.ReadTimeout
	}
	for first := true; ; first = false {
		if br.Buffered() == 0 {
			// Wait for the next request: Shutdown may close the connection
			// meanwhile (see Shutdown for the order of these steps).
			fc.idle.Store(true)
			wait := idleTimeout
			if first {
				wait = headerTimeout
			}
			setDeadline(c.SetReadDeadline, wait)
			if f.closing.Load() {
				return
			}
			if _, err := br.Peek(1); err != nil {
				return
			}
			fc.idle.Store(false)
		}
		head, ok, err := readHead(br, func() { setDeadline(c.SetReadDeadline, headerTimeout) })
		if err != nil {
			return // closed, timed out or reset before a whole head arrived
		}
		var req fastRequest
		if ok {
			ok = req.parse(head)
		}
		var out *[]byte
		if ok {
			// A response buffer from the pool, not one per connection: an
			// idle connection holds none.
			out = fastBufs.Get().(*[]byte)
			*out, ok = f.answer((*out)[:0], fc, &req)
			if !ok {
				putFastBuf(out)
			}
		}
		if !ok {
			if head != nil {
				if n, lendable := requestLength(head); lendable {
					// net/http answers this request and gives the
					// connection back for the next one.
					switch f.lend(fc, br, int64(len(head))+n) {
					case lentBack:
						continue
					case lentGone:
						handedOff = true // hijacked: its new owner closes it
					}
					return
				}
			}
			handedOff = f.handOff(fc, br)
			return
		}
		br.Discard(len(head))
		setDeadline(c.SetWriteDeadline, srv.WriteTimeout)
		f.Served.Add(1)
		_, err = c.Write(*out)
		putFastBuf(out)
		if err != nil || req.close || f.closing.Load() {
			return
		}
	}
}

var fastBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// putFastBuf returns a response buffer to the pool, unless a large page
// made it too large to keep.
func putFastBuf(b *[]byte) {
	if cap(*b) <= 64<<10 {
		fastBufs.Put(b)
	}
}

func setDeadline(set func(time.Time) error, d time.Duration) {
	if d > 0 {
		set(time.Now().Add(d))
	} else {
		set(time.Time{})
	}
}

// handOff gives the connection and the bytes read from it to the
// http.Server for good. It reports whether the server took it.
func (f *FastPath) handOff(fc *fastConn, br *bufio.Reader) bool {
	fc.c.SetDeadline(time.Time{}) // the server sets its own
	pc := &prefixConn{Conn: fc.c}
	if n := br.Buffered(); n > 0 {
		b, _ := br.Peek(n)
		pc.prefix = bytes.Clone(b)
	}
	f.HandedOff.Add(1)
	return f.handoff.push(pc)
}

// readHead returns the request head at the start of br — the request line
// and header lines up to and including the empty line — reading more as
// needed. ok is false when the head is not in the shape the fast path
// reads: a line ended by a bare LF, or a head that does not fit the buffer.
// slow is called once, before the first read that waits for more bytes.
func readHead(br *bufio.Reader, slow func()) (head []byte, ok bool, err error) {
	waited := false
	for {
		buf, _ := br.Peek(br.Buffered())
		for start := 0; ; {
			i := bytes.IndexByte(buf[start:], '\n')
			if i < 0 {
				break
			}
			end := start + i
			if end == start || buf[end-1] != '\r' {
				return nil, false, nil // a bare LF: net/http's to judge
			}
			if end-start == 1 { // an empty line: the end of the head
				if start == 0 {
					return nil, false, nil // an empty line before the request line
				}
				return buf[:end+1], true, nil
			}
			start = end + 1
		}
		if len(buf) >= br.Size() {
			return nil, false, nil // too large for the fast path
		}
		if !waited {
			slow()
			waited = true
		}
		if _, err := br.Peek(len(buf) + 1); err != nil {
			return nil, false, err
		}
	}
}

// fastRequest is what the fast path reads from a request head. The slices
// point into the connection's buffer.
type fastRequest struct {
	head          bool // HEAD, not GET
	path, query   []byte
	host          []byte
	acceptEnc     []byte // the first Accept-Encoding line
	ifNoneMatch   []byte // the first If-None-Match line
	ifModSince    []byte // the first If-Modified-Since line
	cookies       [4][]byte
	ncookies      int
	xff           [4][]byte
	nxff          int
	close         bool // Connection: close
	elderlyCookie bool // a Cookie line mentions the elderly-mode cookie
}

// parse reads a request head; false means: not for the fast path.
func (q *fastRequest) parse(head []byte) bool {
	line, rest, _ := bytes.Cut(head, []byte("\r\n"))
	method, line, ok1 := bytes.Cut(line, []byte(" "))
	target, proto, ok2 := bytes.Cut(line, []byte(" "))
	if !ok1 || !ok2 || string(proto) != "HTTP/1.1" {
		return false
	}
	switch string(method) {
	case "GET":
	case "HEAD":
		q.head = true
	default:
		return false
	}
	q.path, q.query, _ = bytes.Cut(target, []byte("?"))
	if !fastPathOK(q.path) || !fastQueryOK(q.query) ||
		bytes.HasPrefix(q.path, []byte("/console")) || bytes.HasPrefix(q.path, []byte("/api/")) {
		return false
	}
	hosts := 0
	for n := 0; len(rest) > 2; n++ {
		if n == 64 {
			return false
		}
		var hl []byte
		hl, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, ok := bytes.Cut(hl, []byte(":"))
		if !ok || !isToken(name) {
			return false
		}
		value = trimOWS(value)
		if !fieldValueOK(value) {
			return false
		}
		switch {
		case asciiEqualFold(name, "host"):
			hosts++
			if !hostOK(value) {
				return false
			}
			q.host = value
		case asciiEqualFold(name, "accept-encoding"):
			if q.acceptEnc == nil {
				q.acceptEnc = value
			}
		case asciiEqualFold(name, "if-none-match"):
			if q.ifNoneMatch == nil {
				q.ifNoneMatch = value
			}
		case asciiEqualFold(name, "if-modified-since"):
			if q.ifModSince == nil {
				q.ifModSince = value
			}
		case asciiEqualFold(name, "cookie"):
			if q.ncookies == len(q.cookies) || bytes.Contains(value, []byte(SessionCookie)) {
				return false // a console session: guard's to see
			}
			q.cookies[q.ncookies] = value
			q.ncookies++
			if bytes.Contains(value, []byte(ElderlyCookie)) {
				q.elderlyCookie = true
			}
		case asciiEqualFold(name, "x-forwarded-for"):
			if q.nxff == len(q.xff) {
				return false
			}
			q.xff[q.nxff] = value
			q.nxff++
		case asciiEqualFold(name, "connection"):
			for tok := range bytes.SplitSeq(value, []byte(",")) {
				tok = trimOWS(tok)
				switch {
				case asciiEqualFold(tok, "close"):
					q.close = true
				case asciiEqualFold(tok, "keep-alive"), len(tok) == 0:
				default:
					return false // upgrade and the like
				}
			}
		case asciiEqualFold(name, "authorization"), asciiEqualFold(name, "content-length"),
			asciiEqualFold(name, "transfer-encoding"), asciiEqualFold(name, "expect"),
			asciiEqualFold(name, "upgrade"), asciiEqualFold(name, "range"), asciiEqualFold(name, "if-range"),
			asciiEqualFold(name, "if-match"), asciiEqualFold(name, "if-unmodified-since"),
			asciiEqualFold(name, "http2-settings"), asciiEqualFold(name, "te"), asciiEqualFold(name, "trailer"):
			return false
		}
	}
	return hosts == 1
}

// fastPathOK: an origin-form path of plain characters only, so that it is
// its own EscapedPath and needs no cleaning (no dot segments, no //).
func fastPathOK(p []byte) bool {
	if len(p) == 0 || p[0] != '/' || len(p) > 1024 {
		return false
	}
	for i, c := range p {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '~':
		case c == '/':
			if i > 0 && p[i-1] == '/' {
				return false
			}
		case c == '.':
			if p[i-1] == '/' { // a segment starting with a dot: maybe . or ..
				return false
			}
		default:
			return false
		}
	}
	return true
}

// fastQueryOK: visible ASCII without the fragment mark, percent escapes
// well formed (net/http would keep others, but checkURL refuses them).
func fastQueryOK(q []byte) bool {
	if len(q) > 2048 {
		return false
	}
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c <= ' ' || c >= 0x7f || c == '#' || c == '"' || c == '<' || c == '>' || c == '\\' ||
			c == '^' || c == '`' || c == '{' || c == '|' || c == '}' {
			return false
		}
		if c == '%' && (i+2 >= len(q) || !isHex(q[i+1]) || !isHex(q[i+2])) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hostOK(h []byte) bool {
	if len(h) == 0 || len(h) > 255 {
		return false
	}
	for _, c := range h {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == ':', c == '[', c == ']':
		default:
			return false
		}
	}
	return true
}

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0:
		default:
			return false
		}
	}
	return true
}

// fieldValueOK: no control characters but tab (net/http refuses them).
func fieldValueOK(v []byte) bool {
	for _, c := range v {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// asciiEqualFold compares b with a lower-case ASCII name.
func asciiEqualFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// answer appends the response to q to out, if the cache holds the page in
// its current version; ok false means: hand the request to net/http.
func (f *FastPath) answer(out []byte, fc *fastConn, q *fastRequest) ([]byte, bool) {
	start := time.Now()
	c := f.Cache
	elderly := false
	if q.elderlyCookie {
		r := &http.Request{Header: http.Header{}}
		for _, v := range q.cookies[:q.ncookies] {
			r.Header.Add("Cookie", string(v))
		}
		elderly = ElderlyMode(r)
	}
	var kb [256]byte
	key := appendFastKey(kb[:0], q, elderly)
	version, err := c.version.Current(context.Background())
	if err != nil {
		return out, false
	}
	c.mu.Lock()
	e := c.items[string(key)]
	if e == nil || e.version != version || e.route == "" {
		c.mu.Unlock()
		return out, false
	}
	c.lru.MoveToFront(e.elem)
	c.stats.Hits++
	c.mu.Unlock()

	gz := e.gz != nil && acceptsGzip(string(q.acceptEnc))
	etag, etagH := e.etag, e.etagH
	if gz {
		etag, etagH = e.etagGz, e.etagGzH
	}
	status := http.StatusOK
	if notModifiedBy(string(q.ifNoneMatch), string(q.ifModSince), etag, e.lastModified) {
		status = http.StatusNotModified
	}
	var idb [8]byte
	var id [16]byte
	rand.Read(idb[:])
	hex.Encode(id[:], idb[:])

	// The headers net/http would send: the middleware's (security headers,
	// request ID), less those the handler deleted or replaced, then the
	// entry's, then the ones serveEntry sets.
	if status == http.StatusOK {
		out = append(out, "HTTP/1.1 200 OK\r\n"...)
	} else {
		out = append(out, "HTTP/1.1 304 Not Modified\r\n"...)
	}
	set := func(k string) bool { // whether a later step sets (or deletes) k
		switch k {
		case "Etag", "Last-Modified", "Vary":
			return true
		case "Cache-Control":
			return e.cacheControlH != nil
		}
		for _, d := range e.deleted {
			if d == k {
				return true
			}
		}
		for _, kv := range e.headers {
			if kv.key == k {
				return true
			}
		}
		return false
	}
	for _, kv := range f.App.outerHeaders() {
		if !set(kv.key) {
			out = appendHeader(out, kv.key, kv.values)
		}
	}
	if !set("X-Request-Id") {
		out = append(out, "X-Request-Id: "...)
		out = append(out, id[:]...)
		out = append(out, "\r\n"...)
	}
	for _, kv := range e.headers {
		if status == http.StatusNotModified && slices.Contains(pageBodyHeaders, kv.key) {
			continue
		}
		out = appendHeader(out, kv.key, kv.values)
	}
	out = appendHeader(out, "Etag", etagH)
	out = appendHeader(out, "Last-Modified", e.lastModH)
	out = appendHeader(out, "Vary", e.varyH)
	if e.cacheControlH != nil {
		out = appendHeader(out, "Cache-Control", e.cacheControlH)
	}
	body := e.body
	if gz {
		body = e.gz
	}
	if status == http.StatusOK {
		if gz {
			out = appendHeader(out, "Content-Encoding", gzipH)
			out = appendHeader(out, "Content-Length", e.gzLenH)
		} else {
			out = appendHeader(out, "Content-Length", e.lenH)
		}
	}
	if q.close {
		out = append(out, "Connection: close\r\n"...)
	}
	out = append(out, "Date: "...)
	out = append(out, httpDate(start)...)
	out = append(out, "\r\n\r\n"...)
	var n int64
	if status == http.StatusOK && !q.head {
		out = append(out, body...)
		n = int64(len(body))
	}

	end := time.Now()
	method := "GET"
	if q.head {
		method = http.MethodHead
	}
	var xff []string
	if q.nxff > 0 {
		xff = make([]string, q.nxff)
		for i, v := range q.xff[:q.nxff] {
			xff[i] = string(v)
		}
	}
	ip := f.App.clientIPOf(fc.remote, xff)
	f.App.record(context.Background(), end, end.Sub(start), method, e.route, string(q.path), status, n, ip, string(id[:]))
	return out, true
}

// appendFastKey is appendPageKey for a fast request.
func appendFastKey(b []byte, q *fastRequest, elderly bool) []byte {
	return appendKey(b, q.host, q.path, q.query, elderly)
}

func appendHeader(b []byte, k string, values []string) []byte {
	for _, v := range values {
		b = append(b, k...)
		b = append(b, ": "...)
		for i := 0; i < len(v); i++ { // as net/http: no line breaks inside a value
			c := v[i]
			if c == '\r' || c == '\n' {
				c = ' '
			}
			b = append(b, c)
		}
		b = append(b, "\r\n"...)
	}
	return b
}

// httpDate is the Date header value for t, formatted once a second.
func httpDate(t time.Time) string {
	sec := t.Unix()
	if d := fastDate.Load(); d != nil && d.sec == sec {
		return d.value
	}
	d := &dateValue{sec: sec, value: t.UTC().Format(http.TimeFormat)}
	fastDate.Store(d)
	return d.value
}

type dateValue struct {
	sec   int64
	value string
}

var fastDate atomic.Pointer[dateValue]

// outerHeaders are the headers securityHeaders sets on a page outside
// /console and /api/ (the fast path serves no others), in the same order.
func (a *App) outerHeaders() []pageHeader {
	if a.Secure {
		return outerHeadersHSTS
	}
	return outerHeadersPlain
}

var (
	outerHeadersPlain = []pageHeader{
		{"Content-Security-Policy", cspH}, {"X-Content-Type-Options", nosniffH}, {"X-Frame-Options", frameDenyH},
		{"Referrer-Policy", referrerH}, {"Cross-Origin-Opener-Policy", openerH}, {"Permissions-Policy", permissionsH},
	}
	outerHeadersHSTS = append(outerHeadersPlain[:len(outerHeadersPlain):len(outerHeadersPlain)],
		pageHeader{"Strict-Transport-Security", hstsH})
)

// handoffListener passes the connections the fast path gives up on to the
// http.Server.
type handoffListener struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *handoffListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *handoffListener) Addr() net.Addr { return l.addr }

func (l *handoffListener) push(c net.Conn) bool {
	select {
	case l.ch <- c:
		return true
	case <-l.done:
		return false
	}
}

// prefixConn is a connection whose first bytes were already read.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// ReadFrom keeps the connection's sendfile path for net/http's file
// responses.
func (c *prefixConn) ReadFrom(r io.Reader) (int64, error) { return readFrom(c.Conn, r) }

func readFrom(c net.Conn, r io.Reader) (int64, error) {
	if rf, ok := c.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c}, r)
}

// CloseWrite lets net/http half-close the connection as it does a TCP one.
func (c *prefixConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// requestLength reports the length of the body that follows a request head,
// when the head is plain enough to be sure where the request ends: HTTP/1.1,
// well-formed header lines, at most one Content-Length of digits, no
// Transfer-Encoding and no upgrade. Otherwise the connection goes to
// net/http for good.
func requestLength(head []byte) (int64, bool) {
	line, rest, _ := bytes.Cut(head, []byte("\r\n"))
	if !bytes.HasSuffix(line, []byte(" HTTP/1.1")) {
		return 0, false
	}
	var n int64
	seen := false
	for len(rest) > 2 {
		var hl []byte
		hl, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, ok := bytes.Cut(hl, []byte(":"))
		if !ok || !isToken(name) {
			return 0, false
		}
		value = trimOWS(value)
		switch {
		case asciiEqualFold(name, "content-length"):
			if seen || len(value) == 0 || len(value) > 15 {
				return 0, false
			}
			for _, c := range value {
				if c < '0' || c > '9' {
					return 0, false
				}
				n = n*10 + int64(c-'0')
			}
			seen = true
		case asciiEqualFold(name, "transfer-encoding"), asciiEqualFold(name, "upgrade"):
			return 0, false
		case asciiEqualFold(name, "connection"):
			for tok := range bytes.SplitSeq(value, []byte(",")) {
				if tok = trimOWS(tok); !asciiEqualFold(tok, "keep-alive") && !asciiEqualFold(tok, "close") && len(tok) > 0 {
					return 0, false
				}
			}
		}
	}
	return n, true
}

type lendResult int

const (
	lentBack   lendResult = iota // net/http answered; the fast path reads on
	lentClosed                   // net/http closed the connection
	lentGone                     // hijacked
)

// lend gives net/http the connection for one request of size bytes (head
// and body), read from br, and waits until it is answered.
func (f *FastPath) lend(fc *fastConn, br *bufio.Reader, size int64) lendResult {
	fc.c.SetDeadline(time.Time{}) // the server sets its own
	lc := &lentConn{Conn: fc.c, br: br, remaining: size, wake: make(chan struct{}), back: make(chan lendResult, 1)}
	f.HandedOff.Add(1)
	if !f.handoff.push(lc) {
		return lentClosed
	}
	return <-lc.back
}

// lentConn is a connection lent to net/http for one request. Its reads
// give exactly that request's bytes, then wait: net/http's read for a client
// going away sees nothing until the answer is complete. When net/http has
// answered (its ConnState turns StateIdle), the next read ends with EOF, and
// the Close that follows hands the connection back instead of closing it.
type lentConn struct {
	net.Conn
	br        *bufio.Reader
	remaining int64

	mu       sync.Mutex
	deadline time.Time
	wake     chan struct{} // closed when the deadline or the state changes
	idle     bool          // the request is answered
	returned bool          // the EOF that ends the loan was given
	closed   bool
	hijacked bool // a handler took the connection over
	back     chan lendResult
}

func (c *lentConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if c.remaining > 0 {
		if int64(len(p)) > c.remaining {
			p = p[:c.remaining]
		}
		c.mu.Unlock()
		n, err := c.br.Read(p) // the reader's own deadline: the connection's
		c.mu.Lock()
		c.remaining -= int64(n)
		c.mu.Unlock()
		return n, err
	}
	c.mu.Unlock()
	for {
		c.mu.Lock()
		if c.idle {
			c.returned = true
			c.mu.Unlock()
			return 0, io.EOF
		}
		d, wake := c.deadline, c.wake
		c.mu.Unlock()
		var expire <-chan time.Time
		if !d.IsZero() {
			wait := time.Until(d)
			if wait <= 0 {
				return 0, os.ErrDeadlineExceeded
			}
			t := time.NewTimer(wait)
			expire = t.C
			select {
			case <-wake:
				t.Stop()
				continue
			case <-expire:
				return 0, os.ErrDeadlineExceeded
			}
		}
		<-wake
	}
}

func (c *lentConn) signal() { // with c.mu held
	close(c.wake)
	c.wake = make(chan struct{})
}

func (c *lentConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.signal()
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}

func (c *lentConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.Conn.SetWriteDeadline(t)
}

// state follows net/http's view of the connection.
func (c *lentConn) state(st http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch st {
	case http.StateIdle:
		c.idle = true
		c.signal()
	case http.StateHijacked:
		if !c.closed && !c.hijacked {
			c.hijacked = true
			c.back <- lentGone
		}
	}
}

// Close hands the connection back after the loan's EOF, and closes it
// otherwise (an error, Connection: close, a shutdown).
func (c *lentConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hijacked {
		return c.Conn.Close() // its new owner closes it
	}
	if c.closed {
		return nil
	}
	c.closed = true
	if c.returned {
		c.Conn.SetDeadline(time.Time{})
		c.back <- lentBack
		return nil
	}
	err := c.Conn.Close()
	c.back <- lentClosed
	return err
}

// ReadFrom as prefixConn's.
func (c *lentConn) ReadFrom(r io.Reader) (int64, error) { return readFrom(c.Conn, r) }
