// Package config builds the one typed, validated configuration of gongkai
// from command-line flags and GONGKAI_* environment variables. Flags win over
// the environment, the environment over the defaults. There is no global
// configuration: the Config is passed into constructors.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is everything gongkai can be told.
type Config struct {
	// Addr is the listen address; ":8080" listens on every IPv4 and IPv6 address.
	Addr string
	// DataDir holds the SQLite database (when DatabaseURL is empty), the
	// attachments (when BlobURL is empty) and the generated secret key.
	DataDir string
	// DatabaseURL selects PostgreSQL (postgres://…); empty means SQLite in DataDir.
	DatabaseURL string
	// BaseURL is the public address of the site, used in links in e-mails
	// and feeds, and as the trusted origin.
	BaseURL string
	// TLSCert and TLSKey enable HTTPS (and HSTS) when both are set.
	TLSCert string
	TLSKey  string
	// BlobURL selects the attachment store: empty = DataDir/attachments,
	// file:///path, or s3://bucket?endpoint=…&region=….
	BlobURL string
	// SecretKey (hex or base64, ≥ 32 bytes) encrypts second-factor secrets.
	// With SQLite it is generated into DataDir when empty; with PostgreSQL
	// every instance must be given the same key.
	SecretKey string

	SMTP SMTP

	LogFormat string // text or json
	LogLevel  string // debug, info, warn, error

	// TrustedProxies are the networks whose X-Forwarded-For is believed
	// (the reverse proxy in front of several instances).
	TrustedProxies []netip.Prefix

	// MetricsAllow are the client networks that may read /metrics.
	MetricsAllow []netip.Prefix

	// AuditRetention is how long audit entries are kept (never below 180 days).
	AuditRetention time.Duration

	// MaxUploadBytes bounds a multipart request (attachments).
	MaxUploadBytes int64

	// Demo loads the demo dataset into an empty database (serve only).
	Demo bool

	// PageCacheBytes is the memory budget of the public-page cache
	// (0 = web.DefaultPageCacheBytes).
	PageCacheBytes int64
	// FastPath serves cached public pages on plain HTTP without net/http
	// (see web.FastPath); off with TLS, and for tests that build a Config.
	FastPath bool
	// FormMinFill is the least time between showing a public form and
	// submitting it (anti-automation); 0 means the default of 3 s, a
	// negative value none (tests that submit at once).
	FormMinFill time.Duration
	// Chromium is the browser that prints letters to PDF; empty means the
	// first chromium found on PATH (without one, letters are HTML only).
	Chromium string
}

// SMTP is the outgoing mail server.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	// Security is "starttls" (default), "tls" (implicit TLS) or "none".
	Security string
}

// Enabled reports whether mail can be sent.
func (s SMTP) Enabled() bool { return s.Host != "" }

// MinAuditRetention is the floor set by the cybersecurity law's log-keeping
// rule (网络安全法 Art. 21: network logs kept no less than six months).
const MinAuditRetention = 180 * 24 * time.Hour

// Getenv reads one environment variable.
type Getenv func(string) string

// envReader collects the errors of malformed environment values.
type envReader struct {
	get  Getenv
	errs []error
}

func (r *envReader) str(name, def string) string {
	if v := r.get(name); v != "" {
		return v
	}
	return def
}

func (r *envReader) int(name string, def int) int {
	v := r.get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s=%q is not a whole number", name, v))
		return def
	}
	return n
}

func (r *envReader) bool(name string, def bool) bool {
	v := r.get(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s=%q is not true or false", name, v))
		return def
	}
	return b
}

// Flags binds the configuration to fs, with defaults taken from the
// environment. Call Finish after fs.Parse.
type Flags struct {
	cfg            *Config
	env            *envReader
	trustedProxies string
	metricsAllow   string
	retentionDays  int
	uploadMB       int
	pageCacheMB    int
	fs             *flag.FlagSet
}

// Bind registers every configuration flag on fs. withDemo adds --demo.
func Bind(fs *flag.FlagSet, getenv Getenv, withDemo bool) *Flags {
	if getenv == nil {
		getenv = os.Getenv
	}
	r := &envReader{get: getenv}
	c := &Config{}
	f := &Flags{cfg: c, env: r, fs: fs}
	fs.StringVar(&c.Addr, "addr", r.str("GONGKAI_ADDR", ":8080"), "listen address (IPv4 and IPv6) [GONGKAI_ADDR]")
	fs.StringVar(&c.DataDir, "data", r.str("GONGKAI_DATA", "./data"), "data folder: SQLite database, attachments [GONGKAI_DATA]")
	fs.StringVar(&c.DatabaseURL, "database-url", r.str("GONGKAI_DATABASE_URL", ""), "PostgreSQL URL; empty = embedded SQLite [GONGKAI_DATABASE_URL]")
	fs.StringVar(&c.BaseURL, "base-url", r.str("GONGKAI_BASE_URL", ""), "public site address, e.g. https://mzzj.example.gov.cn [GONGKAI_BASE_URL]")
	fs.StringVar(&c.TLSCert, "tls-cert", r.str("GONGKAI_TLS_CERT", ""), "TLS certificate file (PEM) [GONGKAI_TLS_CERT]")
	fs.StringVar(&c.TLSKey, "tls-key", r.str("GONGKAI_TLS_KEY", ""), "TLS private key file (PEM) [GONGKAI_TLS_KEY]")
	fs.StringVar(&c.BlobURL, "blob-url", r.str("GONGKAI_BLOB_URL", ""), "attachment store: empty = DATA/attachments, file:///path or s3://bucket?endpoint=… [GONGKAI_BLOB_URL]")
	c.SecretKey = r.str("GONGKAI_SECRET_KEY", "") // never a flag: it would show in ps
	fs.StringVar(&c.SMTP.Host, "smtp-host", r.str("GONGKAI_SMTP_HOST", ""), "SMTP server host; empty = no e-mail [GONGKAI_SMTP_HOST]")
	fs.IntVar(&c.SMTP.Port, "smtp-port", r.int("GONGKAI_SMTP_PORT", 587), "SMTP server port [GONGKAI_SMTP_PORT]")
	fs.StringVar(&c.SMTP.Username, "smtp-user", r.str("GONGKAI_SMTP_USER", ""), "SMTP user name [GONGKAI_SMTP_USER]")
	c.SMTP.Password = r.str("GONGKAI_SMTP_PASSWORD", "") // environment only
	fs.StringVar(&c.SMTP.From, "smtp-from", r.str("GONGKAI_SMTP_FROM", ""), "sender address, e.g. 政务公开 <gk@example.gov.cn> [GONGKAI_SMTP_FROM]")
	fs.StringVar(&c.SMTP.Security, "smtp-security", r.str("GONGKAI_SMTP_SECURITY", "starttls"), "starttls, tls or none [GONGKAI_SMTP_SECURITY]")
	fs.StringVar(&c.LogFormat, "log-format", r.str("GONGKAI_LOG_FORMAT", "text"), "log format: text or json [GONGKAI_LOG_FORMAT]")
	fs.StringVar(&c.LogLevel, "log-level", r.str("GONGKAI_LOG_LEVEL", "info"), "log level: debug, info, warn, error [GONGKAI_LOG_LEVEL]")
	fs.StringVar(&f.trustedProxies, "trusted-proxies", r.str("GONGKAI_TRUSTED_PROXIES", ""), "comma-separated networks of reverse proxies whose X-Forwarded-For is trusted [GONGKAI_TRUSTED_PROXIES]")
	fs.StringVar(&f.metricsAllow, "metrics-allow", r.str("GONGKAI_METRICS_ALLOW", "127.0.0.0/8,::1"), "comma-separated networks that may read /metrics [GONGKAI_METRICS_ALLOW]")
	fs.IntVar(&f.retentionDays, "audit-retention-days", r.int("GONGKAI_AUDIT_RETENTION_DAYS", 365), "days audit entries are kept (at least 180) [GONGKAI_AUDIT_RETENTION_DAYS]")
	fs.StringVar(&c.Chromium, "chromium", r.str("GONGKAI_CHROMIUM", ""), "Chromium binary that prints letters to PDF; empty = search PATH [GONGKAI_CHROMIUM]")
	fs.IntVar(&f.uploadMB, "max-upload-mb", r.int("GONGKAI_MAX_UPLOAD_MB", 50), "largest upload in MB [GONGKAI_MAX_UPLOAD_MB]")
	if withDemo {
		fs.BoolVar(&c.Demo, "demo", r.bool("GONGKAI_DEMO", false), "load the demo dataset into an empty database [GONGKAI_DEMO]")
		fs.IntVar(&f.pageCacheMB, "page-cache-mb", r.int("GONGKAI_PAGE_CACHE_MB", 64), "memory for cached public pages, in MB (1–4096) [GONGKAI_PAGE_CACHE_MB]")
		fs.BoolVar(&c.FastPath, "fast-path", r.bool("GONGKAI_FAST_PATH", true), "serve cached public pages on plain HTTP without net/http [GONGKAI_FAST_PATH]")
	}
	return f
}

// Finish validates the parsed configuration and returns it.
func (f *Flags) Finish() (*Config, error) {
	c := f.cfg
	errs := append([]error(nil), f.env.errs...)
	c.AuditRetention = time.Duration(f.retentionDays) * 24 * time.Hour
	c.MaxUploadBytes = int64(f.uploadMB) << 20
	if f.pageCacheMB != 0 {
		if f.pageCacheMB < 1 || f.pageCacheMB > 4096 {
			errs = append(errs, fmt.Errorf("page cache must be 1–4096 MB, not %d", f.pageCacheMB))
		}
		c.PageCacheBytes = int64(f.pageCacheMB) << 20
	}
	var err error
	if c.TrustedProxies, err = parsePrefixes("trusted proxy", f.trustedProxies); err != nil {
		errs = append(errs, err)
	}
	if c.MetricsAllow, err = parsePrefixes("metrics client", f.metricsAllow); err != nil {
		errs = append(errs, err)
	}
	if c.BaseURL == "" {
		c.BaseURL = defaultBaseURL(c.Addr, c.TLSCert != "")
	}
	errs = append(errs, c.Validate()...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

func parsePrefixes(what, list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		pref, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return nil, fmt.Errorf("%s %q is not an address or network", what, p)
			}
			pref = netip.PrefixFrom(addr, addr.BitLen())
		}
		out = append(out, pref.Masked())
	}
	return out, nil
}

// Validate returns every problem with c.
func (c *Config) Validate() []error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q must be host:port, e.g. :8080 or [::1]:8080", c.Addr))
	}
	if c.DatabaseURL == "" && c.DataDir == "" {
		errs = append(errs, errors.New("--data must name a folder when no database URL is given"))
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			errs = append(errs, errors.New("GONGKAI_DATABASE_URL must be a postgres:// URL"))
		}
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("--base-url %q must be an http(s) address", c.BaseURL))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	switch c.SMTP.Security {
	case "starttls", "tls", "none":
	default:
		errs = append(errs, fmt.Errorf("--smtp-security %q must be starttls, tls or none", c.SMTP.Security))
	}
	if c.SMTP.Port <= 0 || c.SMTP.Port > 65535 {
		errs = append(errs, fmt.Errorf("--smtp-port %d is not a port", c.SMTP.Port))
	}
	if c.SMTP.Host != "" && c.SMTP.From == "" {
		errs = append(errs, errors.New("--smtp-from is required when --smtp-host is set"))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("--log-format %q must be text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level %q must be debug, info, warn or error", c.LogLevel))
	}
	if c.AuditRetention < MinAuditRetention {
		errs = append(errs, fmt.Errorf("--audit-retention-days must be at least 180 (logs are kept ≥ 6 months)"))
	}
	if c.MaxUploadBytes < 1<<20 || c.MaxUploadBytes > 2<<30 {
		errs = append(errs, errors.New("--max-upload-mb must be between 1 and 2048"))
	}
	return errs
}

// UseTLS reports whether serve terminates TLS itself.
func (c *Config) UseTLS() bool { return c.TLSCert != "" }

// Secure reports whether the site is reached over HTTPS (directly or behind
// a TLS-terminating proxy), which makes cookies Secure.
func (c *Config) Secure() bool { return c.UseTLS() || strings.HasPrefix(c.BaseURL, "https://") }

func defaultBaseURL(addr string, tls bool) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost:8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}
