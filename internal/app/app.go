// Package app is the composition root: it builds the stores, services,
// handlers and jobs of gongkai from a Config. Nothing else wires packages
// together.
package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/application"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auditlog"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/concern"
	"github.com/gongkai/gongkai/internal/config"
	"github.com/gongkai/gongkai/internal/consultation"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/decision"
	"github.com/gongkai/gongkai/internal/disclosure"
	"github.com/gongkai/gongkai/internal/jobs"
	"github.com/gongkai/gongkai/internal/notify"
	"github.com/gongkai/gongkai/internal/pdf"
	"github.com/gongkai/gongkai/internal/ratelimit"
	"github.com/gongkai/gongkai/internal/search"
	"github.com/gongkai/gongkai/internal/staff"
	"github.com/gongkai/gongkai/internal/web"
	"github.com/gongkai/gongkai/internal/workcal"
)

// Version is set at build time (-ldflags "-X …/internal/app.Version=v1.2.3").
var Version = "dev"

// Core is the part of gongkai that operator commands need: the database and
// the services, without HTTP.
type Core struct {
	Config        *config.Config
	Logger        *slog.Logger
	DB            *db.DB
	Auth          *auth.Service
	Agencies      *agency.Service
	Calendar      *calendar.Service
	Limiter       *ratelimit.Limiter
	Blobs         blob.Store
	Version       *web.DBVersion
	Disclosure    *disclosure.Service
	Applications  *application.Service
	Concerns      *concern.Service
	Decisions     *decision.Service
	Consultations *consultation.Service
	Standards     *standardsService  // 公开标准目录 (wire_standards.go)
	Normative     *normativeService  // 行政规范性文件 (wire_normative.go)
	OpenDays      *openDaysService   // 政府开放日 (wire_opendays.go)
	Surveys       *surveyService     // 问卷 (wire_surveys.go)
	Evaluations   *socialEvalService // 社会评议 (wire_socialeval.go)
	// The staff work platform (issue 9), opened in wire_workplatform.go.
	Todos     *todoService        // 待办 (wire_todo.go)
	Documents *docRegistryService // 公文备案 (wire_documents.go)
	WorkPlans *workPlanService    // 工作要点台账 (wire_workplan.go)
	Training  *trainingService    // 培训 (wire_training.go)
	NewMedia  *newMediaService    // 政务新媒体 (wire_newmedia.go)
	// Service directories (work point 五(二)): venues, clergy, halal outlets.
	Directories *directoryService // 服务名录 (wire_directories.go)
	// Annual reports (issue 11).
	AnnualReports *annualReportService // 政府信息公开工作年度报告 (wire_annualreport.go)
	PubStats      *pubStatsService     // 统计数据和数据开放 (wire_pubstats.go)
	// keys are derived from the secret key (serving only): they sign the
	// public forms' tokens and the applicant's status cookie, the same on
	// every instance.
	keys derivedKeys
}

type derivedKeys struct{ form, status, photo []byte }

// deriveKeys derives purpose-specific keys from the secret key.
func deriveKeys(secret string) derivedKeys {
	k := func(purpose string) []byte {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte("gongkai/" + purpose))
		return m.Sum(nil)
	}
	return derivedKeys{form: k("form-guard"), status: k("application-status"), photo: k("clergy-photo")}
}

// contentVersionKey is the platform_settings row that versions public pages.
const contentVersionKey = "content_version"

// Options adjust how the application is built; the zero value is right for
// production.
type Options struct {
	// NeedKey loads the second-factor key (serving; operator commands do
	// not need it).
	NeedKey bool
	// Now replaces the clock of the security services (tests).
	Now func() time.Time
}

// OpenCore opens and migrates the database and builds the services.
func OpenCore(ctx context.Context, cfg *config.Config, logger *slog.Logger, opts Options) (*Core, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	d, err := db.Open(ctx, db.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir})
	if err != nil {
		return nil, err
	}
	applied, err := d.Migrate(ctx)
	if err != nil {
		d.Close()
		return nil, err
	}
	if len(applied) > 0 {
		logger.Info("database migrated", "dialect", d.Dialect, "applied", applied)
	}
	if d.Dialect == db.SQLite {
		// Statistics for the planner if they are missing or stale (cheap
		// when they are not); PostgreSQL keeps its own.
		if err := d.Optimize(ctx); err != nil {
			logger.Warn("database statistics not refreshed", "error", err)
		}
	}
	c := &Core{Config: cfg, Logger: logger, DB: d}
	var box *auth.SecretBox
	if opts.NeedKey {
		key, err := secretKey(cfg, d)
		if err != nil {
			d.Close()
			return nil, err
		}
		if box, err = auth.NewSecretBox(key); err != nil {
			d.Close()
			return nil, fmt.Errorf("GONGKAI_SECRET_KEY: %w", err)
		}
		c.keys = deriveKeys(key)
	}
	c.Limiter = ratelimit.New(d, opts.Now)
	c.Auth = auth.NewService(d, box, c.Limiter, opts.Now)
	c.Agencies = agency.NewService(d)
	c.Calendar = calendar.NewService(d)
	if _, err := c.Calendar.Seed(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("seed calendar: %w", err)
	}
	if c.Blobs, err = blob.Open(ctx, cfg.BlobURL, cfg.DataDir); err != nil {
		d.Close()
		return nil, err
	}
	c.Version = web.NewDBVersion(d, contentVersionKey, 0)
	c.Disclosure = disclosure.NewService(disclosure.Deps{DB: d, Calendar: c.Calendar, Blobs: c.Blobs,
		Agencies: agencyDirectory{c.Agencies}, Version: c.Version, MaxUpload: cfg.MaxUploadBytes, Now: opts.Now})
	c.Applications = application.NewService(application.Deps{DB: d, Calendar: c.Calendar, Blobs: c.Blobs, Limiter: c.Limiter,
		Agencies: applicationAgencies{c.Agencies}, Logger: logger, BaseURL: cfg.BaseURL, Now: opts.Now,
		PDF: &pdf.Renderer{Chromium: cfg.Chromium}, Drafts: proactiveDrafts{c}})
	c.Concerns = concern.NewService(concern.Deps{DB: d, Calendar: c.Calendar, Limiter: c.Limiter, Blobs: c.Blobs, Agencies: concernAgencies{c.Agencies},
		Host: hostOf(cfg.BaseURL), BaseURL: cfg.BaseURL, Now: opts.Now})
	c.Concerns.ApplicationDocs, c.Concerns.Responses = topicApplications{c}, topicResponses{c}
	c.Decisions = decision.NewService(decision.Deps{DB: d, Calendar: c.Calendar, Blobs: c.Blobs, Agencies: decisionAgencies{c.Agencies}, Version: c.Version,
		MaxUpload: cfg.MaxUploadBytes, Now: opts.Now})
	c.Consultations = consultation.NewService(consultation.Deps{DB: d, Blobs: c.Blobs, Limiter: c.Limiter, Agencies: consultationAgencies{c.Agencies}, Version: c.Version,
		Decisions: consultationDecisions{c}, BaseURL: cfg.BaseURL, Now: opts.Now})
	c.Decisions.Consultations = decisionConsultations{c.Consultations}
	c.openNormative()
	c.openStandards()
	c.openSurveys()
	c.openOpenDays()
	c.openSocialEval()
	c.openWorkPlatform()
	c.openDirectories()
	c.openAnnualReports()
	c.openPubStats()
	return c, nil
}

// Close closes the database and the attachment store.
func (c *Core) Close() error {
	var errs []error
	if c.Blobs != nil {
		errs = append(errs, c.Blobs.Close())
	}
	return errors.Join(append(errs, c.DB.Close())...)
}

// secretKeyFile holds the generated key of an embedded (SQLite) installation.
const secretKeyFile = "secret.key"

// secretKey returns the configured key; with SQLite and none configured it
// is generated once into the data folder. Several PostgreSQL instances must
// share one key, so there it must be configured.
func secretKey(cfg *config.Config, d *db.DB) (string, error) {
	if cfg.SecretKey != "" {
		return cfg.SecretKey, nil
	}
	if d.Dialect != db.SQLite {
		return "", errors.New("GONGKAI_SECRET_KEY must be set when using PostgreSQL (every instance needs the same key; generate one with: openssl rand -hex 32)")
	}
	path := filepath.Join(cfg.DataDir, secretKeyFile)
	if b, err := os.ReadFile(path); err == nil { // #nosec G304 -- the key file in the configured data folder
		return strings.TrimSpace(string(b)), nil
	} else if !os.IsNotExist(err) {
		return "", err
	}
	key := auth.NewSecretKey()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- as above
	if err != nil {
		return "", fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	return key, f.Close()
}

// App is a serving gongkai.
type App struct {
	*Core
	Web      *web.App
	Jobs     *jobs.Scheduler
	Registry *prometheus.Registry
	Pages    *web.PageCache
	fast     atomic.Pointer[web.FastPath] // set while serving on plain HTTP

	agencyHandlers *agency.Handlers
	staffHandlers  *staff.Handlers
}

// New builds the whole application.
func New(ctx context.Context, cfg *config.Config, logger *slog.Logger, opts Options) (*App, error) {
	opts.NeedKey = true
	core, err := OpenCore(ctx, cfg, logger, opts)
	if err != nil {
		return nil, err
	}
	a := &App{Core: core, Registry: prometheus.NewRegistry()}
	if err := a.build(ctx); err != nil {
		core.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) build(ctx context.Context) error {
	cfg := a.Config
	var err error
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.Registry.MustRegister(collectors.NewDBStatsCollector(a.DB.W, "writer"))
	if a.DB.R != a.DB.W {
		a.Registry.MustRegister(collectors.NewDBStatsCollector(a.DB.R, "reader"))
	}
	w, err := web.NewApp(web.Options{
		Logger:         a.Logger,
		Auth:           a.Auth,
		Secure:         cfg.Secure(),
		TrustedProxies: cfg.TrustedProxies,
		MaxUploadBytes: cfg.MaxUploadBytes,
		BaseURL:        cfg.BaseURL,
		Metrics:        web.NewMetrics(a.Registry),
		FormKey:        a.keys.form,
		FormMinFill:    cfg.FormMinFill,
		ConsoleNav: []web.NavItem{
			{Label: "待办", URL: "/console/todo", Perm: auth.Authenticated, Section: "todo"},
			{Label: "信息发布", URL: "/console/items", Perm: auth.ViewItems, Section: "items"},
			{Label: "依申请公开", URL: "/console/applications", Perm: auth.ViewApplications, Section: "applications"},
			{Label: "依申请公开设置", URL: "/console/applications/settings", Perm: auth.ManageApplicationSet, Section: "application-settings"},
			{Label: "回应关切", URL: "/console/concerns", Perm: auth.ViewConcerns, Section: "concerns"},
			{Label: "热点发现", URL: "/console/concerns/topics", Perm: auth.ViewConcerns, Section: "concern-topics"},
			{Label: "回应关切设置", URL: "/console/concerns/settings", Perm: auth.ManageConcerns, Section: "concern-settings"},
			{Label: "重大行政决策", URL: "/console/decisions", Perm: auth.ViewDecisions, Section: "decisions"},
			{Label: "征求意见", URL: "/console/consultations", Perm: auth.ViewDecisions, Section: "consultations"},
			{Label: "规范性文件", URL: "/console/normative", Perm: auth.ViewItems, Section: "normative"},
			{Label: "公开标准目录", URL: "/console/standards", Perm: auth.ViewItems, Section: "standards"},
			{Label: "政策解读检查", URL: "/console/interpretations", Perm: auth.ViewItems, Section: "interpretations"},
			{Label: "问卷", URL: "/console/surveys", Perm: auth.ManageSurveys, Section: "surveys"},
			{Label: "政府开放日", URL: "/console/opendays", Perm: auth.ManageOpenDays, Section: "opendays"},
			{Label: "社会评议", URL: "/console/evaluations", Perm: auth.ManageEvaluations, Section: "evaluations"},
			{Label: "公文备案", URL: "/console/documents", Perm: auth.ManageDocuments, Section: "documents"},
			{Label: "工作要点台账", URL: "/console/workplan", Perm: auth.ViewWorkPlan, Section: "workplan"},
			{Label: "联络员", URL: "/console/liaisons", Perm: auth.Authenticated, Section: "liaisons"},
			{Label: "培训", URL: "/console/training", Perm: auth.ManageTraining, Section: "training"},
			{Label: "我的培训记录", URL: "/console/training/me", Perm: auth.Authenticated, Section: "training-me"},
			{Label: "政务新媒体", URL: "/console/newmedia", Perm: auth.ManageNewMedia, Section: "newmedia"},
			{Label: "服务名录", URL: "/console/directories", Perm: auth.ManageDirectories, Section: "directories"},
			{Label: "教职人员备案", URL: "/console/directories/clergy", Perm: auth.ManageClergy, Section: "clergy"},
			{Label: "年度报告", URL: "/console/annual-reports", Perm: auth.ManageAnnualReport, Section: "annual-reports"},
			{Label: "年报发布情况", URL: "/console/annual-reports/status", Perm: auth.OverseeAnnualReports, Section: "annual-reports-status"},
			{Label: "公开目录", URL: "/console/catalogue", Perm: auth.ManageCatalogue, Section: "catalogue"},
			{Label: "政务公开设置", URL: "/console/disclosure/settings", Perm: auth.ManageCatalogue, Section: "disclosure-settings"},
			{Label: "单位设置", URL: "/console/agency", Perm: auth.ManageAgencySettings, Section: "agency"},
			{Label: "单位管理", URL: "/console/agencies", Perm: auth.ManageAgencies, Section: "agencies"},
			{Label: "工作人员", URL: "/console/staff", Perm: auth.ManageStaff, Section: "staff"},
			{Label: "工作日历", URL: "/console/calendar", Perm: auth.ManageCalendar, Section: "calendar"},
			{Label: "审计日志", URL: "/console/audit", Perm: auth.ReadAudit, Section: "audit"},
			{Label: "我的 API 令牌", URL: "/console/tokens", Perm: auth.Authenticated, Section: "tokens"},
			{Label: "修改密码", URL: "/console/password", Perm: auth.Authenticated, Section: "password"},
		},
	})
	if err != nil {
		return err
	}
	a.Web = w
	// Cached public pages depend on published content and on the agencies'
	// settings (header, footer, navigation): either version changing makes
	// every cached page stale.
	a.Pages = web.NewPageCache(versions{a.Version, a.Agencies}, cfg.PageCacheBytes)
	a.registerPageMetrics()
	if a.agencyHandlers, err = agency.Register(w, a.Agencies, []agency.PortalLink{{Label: "政府信息公开", Path: "gk/"}, {Label: "依申请公开", Path: "apply"}, {Label: "领导信箱", Path: "mailbox"}, {Label: "留言板", Path: "board"}, {Label: "重大决策", Path: "decisions"}, {Label: "征求意见", Path: "consultations"}, {Label: "规范性文件", Path: "normative"}, {Label: "标准目录", Path: "standards"}, {Label: "开放日", Path: "opendays"}, {Label: "问卷调查", Path: "surveys"}, {Label: "社会评议", Path: "evaluations"}, {Label: "新媒体矩阵", Path: "newmedia"}, {Label: "便民查询", Path: "directories"}, {Label: "统计数据", Path: "statistics"}}, a.Pages.Wrap); err != nil {
		return err
	}
	w.Sites = a.agencyHandlers.Site
	a.agencyHandlers.Home = a.disclosureHome()
	site := func(r *http.Request, agencyID int64) web.Site {
		if ag, err := a.Agencies.Get(r.Context(), agencyID); err == nil {
			return a.agencyHandlers.SiteOf(ag)
		}
		return w.Sites(r)
	}
	dh, err := disclosure.Register(w, a.Disclosure, site, a.Pages.Wrap)
	if err != nil {
		return err
	}
	dh.SitemapPages = a.sitemapPages
	dh.ItemNotices = func(ctx context.Context, agencyID, itemID int64) ([]disclosure.ItemNotice, error) {
		var out []disclosure.ItemNotice
		for _, f := range []func(context.Context, int64, int64) ([]disclosure.ItemNotice, error){a.normativeNotices, a.standardNotices} {
			ns, err := f(ctx, agencyID, itemID)
			if err != nil {
				return nil, err
			}
			out = append(out, ns...)
		}
		return out, nil
	}
	dh.ConsoleItemLinks = func(p *auth.Principal, itemID int64) []disclosure.ItemNotice {
		if !auth.Allowed(p, auth.ManageNewMedia) {
			return nil
		}
		return []disclosure.ItemNotice{{LinkText: "转发到政务新媒体（创建转发任务）", URL: "/console/newmedia/reposts/new?item=" + strconv.FormatInt(itemID, 10)}}
	}
	dh.ColumnExtras = a.annualReportLinks
	if err := a.registerNormative(w, site); err != nil {
		return err
	}
	if err := a.registerStandards(w, site); err != nil {
		return err
	}
	if err := a.registerSurveys(w, site); err != nil {
		return err
	}
	if err := a.registerOpenDays(w, site); err != nil {
		return err
	}
	if err := a.registerSocialEval(w, site); err != nil {
		return err
	}
	if err := a.registerWorkPlatform(w, site); err != nil {
		return err
	}
	if err := a.registerDirectories(w, site); err != nil {
		return err
	}
	if err := a.registerAnnualReports(w, site); err != nil {
		return err
	}
	if err := a.registerPubStats(w, site); err != nil {
		return err
	}
	if _, err := application.Register(w, a.Applications, func(r *http.Request, agencyID int64) web.Site { return site(r, agencyID) }, a.keys.status); err != nil {
		return err
	}
	ch, err := concern.Register(w, a.Concerns, func(r *http.Request, agencyID int64) web.Site { return site(r, agencyID) })
	if err != nil {
		return err
	}
	ch.Applications = a.applicationCounts
	if _, err := decision.Register(w, a.Decisions, site); err != nil {
		return err
	}
	if _, err := consultation.Register(w, a.Consultations, func(r *http.Request, agencyID int64) web.Site { return site(r, agencyID) }); err != nil {
		return err
	}
	if a.staffHandlers, err = staff.Register(w, a.Auth, directory{a.Agencies}); err != nil {
		return err
	}
	a.staffHandlers.Cards = append(append(append(a.todoCards(), a.disclosureCards()...), a.applicationCards()...), a.dashboardCards()...)
	if err := workcal.Register(w, a.DB, a.Calendar); err != nil {
		return err
	}
	if err := auditlog.Register(w, a.DB, a.agencyNames); err != nil {
		return err
	}
	w.RegisterPreferences()
	a.registerOperations()
	a.Jobs = jobs.New(a.DB, a.Logger, jobs.Options{})
	a.registerJobs()
	// Mail goes out through the outbox: queued in the business transaction,
	// sent by a job over SMTP (kept queued while no server is configured).
	notify.Register(a.Jobs, notify.NewSMTP(cfg.SMTP), a.DB, a.Logger)
	return nil
}

func (a *App) agencyNames(r *http.Request) map[int64]string {
	all, _ := a.Agencies.List(r.Context())
	out := make(map[int64]string, len(all))
	for _, ag := range all {
		out[ag.ID] = ag.Name
	}
	return out
}

// registerOperations adds the health, readiness, metrics and OpenAPI routes.
func (a *App) registerOperations() {
	w := a.Web
	w.Handle("GET /healthz", auth.Public, func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rw.Header().Set("Cache-Control", "no-store")
		io.WriteString(rw, "ok\n")
	}, web.Summary("Liveness: the process is up"))
	w.Handle("GET /readyz", auth.Public, a.readyz, web.Summary("Readiness: the database answers"))
	metrics := promhttp.HandlerFor(a.Registry, promhttp.HandlerOpts{})
	w.Handle("GET /metrics", auth.Public, func(rw http.ResponseWriter, r *http.Request) {
		if !a.metricsAllowed(r) {
			w.ErrorPage(rw, r, http.StatusNotFound, "")
			return
		}
		metrics.ServeHTTP(rw, r)
	}, web.Summary("Prometheus metrics (allowed networks only)"))
	w.Handle("GET /api/v1/openapi.json", auth.Public, func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json; charset=utf-8")
		rw.Write(openAPIDocument)
	}, web.Summary("This API's OpenAPI 3 document"))
}

func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := a.DB.Ping(ctx); err != nil {
		a.Logger.Warn("not ready", "error", err)
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "database unavailable\n")
		return
	}
	io.WriteString(w, "ready\n")
}

// metricsAllowed looks at the direct peer, not X-Forwarded-For: Prometheus
// scrapes instances directly.
func (a *App) metricsAllowed(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, p := range a.Config.MetricsAllow {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// registerJobs adds the platform's periodic housekeeping.
func (a *App) registerJobs() {
	a.Jobs.Every("auth.sessions.cleanup", 15*time.Minute, func(ctx context.Context) error {
		_, err := a.Auth.CleanupSessions(ctx)
		return err
	})
	a.Jobs.Every("ratelimit.cleanup", time.Hour, func(ctx context.Context) error {
		_, err := a.Limiter.Cleanup(ctx, 24*time.Hour)
		return err
	})
	a.Jobs.Daily("audit.prune", 3, 30, func(ctx context.Context) error {
		_, err := audit.Prune(ctx, a.DB, a.Config.AuditRetention, config.MinAuditRetention)
		return err
	})
	a.Jobs.Every("disclosure.publish_due", time.Minute, func(ctx context.Context) error {
		_, err := a.Disclosure.PublishDue(ctx)
		return err
	})
	// A day of publishing leaves the SQLite full-text index in many small
	// segments; merging them keeps searches fast (no-op on PostgreSQL). The
	// planner's statistics are refreshed at the same time.
	a.Jobs.Daily("search.optimize", 4, 10, func(ctx context.Context) error {
		if err := search.Optimize(ctx, a.DB); err != nil {
			return err
		}
		return a.DB.Optimize(ctx)
	})
	a.Jobs.Daily("application.close_expired", 0, 20, func(ctx context.Context) error {
		_, err := a.Applications.CloseExpired(ctx)
		return err
	})
	a.Jobs.Daily("application.purge", 2, 40, func(ctx context.Context) error {
		_, err := a.Applications.PurgeExpired(ctx)
		return err
	})
	a.Jobs.Daily("application.reminders", 8, 0, func(ctx context.Context) error {
		_, err := a.Applications.SendReminders(ctx)
		return err
	})
	// 热点发现: the clusters and rising terms are recomputed every hour;
	// writers hear of a published response within minutes.
	a.Jobs.Every("concern.topics", time.Hour, func(ctx context.Context) error {
		_, err := a.Concerns.ComputeAllTopics(ctx)
		return err
	})
	a.Jobs.Every("concern.topic_responses", 5*time.Minute, func(ctx context.Context) error {
		_, err := a.Concerns.LinkResponses(ctx, 0)
		return err
	})
	// Consultations close by themselves the day after their last day; near
	// copies among the comments of the open ones are marked every hour.
	a.registerNormativeJobs()
	a.registerOpenDaysJobs()
	a.registerSocialEvalJobs()
	a.registerWorkPlatformJobs()
	a.registerDirectoriesJobs()
	a.Jobs.Every("consultation.close", 5*time.Minute, func(ctx context.Context) error {
		_, err := a.Consultations.CloseDue(ctx)
		return err
	})
	a.Jobs.Every("consultation.analyze", time.Hour, func(ctx context.Context) error {
		return a.Consultations.AnalyzeOpen(ctx)
	})
	a.Jobs.Daily("blob.orphans", 3, 50, func(ctx context.Context) error {
		_, err := blob.DeleteOrphans(ctx, a.DB, a.Blobs, 24*time.Hour)
		return err
	})
}

// NewFastPath returns the fast path in front of srv (see web.FastPath),
// counted in the metrics.
func (a *App) NewFastPath(srv *http.Server) *web.FastPath {
	fp := &web.FastPath{App: a.Web, Cache: a.Pages, Server: srv}
	a.fast.Store(fp)
	return fp
}

// registerPageMetrics exports the page cache's and the fast path's counters.
func (a *App) registerPageMetrics() {
	stat := func(f func(web.PageCacheStats) float64) func() float64 {
		return func() float64 { return f(a.Pages.Stats()) }
	}
	fast := func(f func(*web.FastPath) int64) func() float64 {
		return func() float64 {
			if fp := a.fast.Load(); fp != nil {
				return float64(f(fp))
			}
			return 0
		}
	}
	a.Registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gongkai_page_cache_hits_total",
			Help: "Public pages answered from the page cache (200, 304 or HEAD)."}, stat(func(s web.PageCacheStats) float64 { return float64(s.Hits) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gongkai_page_cache_misses_total",
			Help: "Public pages rendered for the page cache."}, stat(func(s web.PageCacheStats) float64 { return float64(s.Misses) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gongkai_page_cache_evictions_total",
			Help: "Pages evicted from the page cache to stay within its budget."}, stat(func(s web.PageCacheStats) float64 { return float64(s.Evictions) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gongkai_page_cache_bytes",
			Help: "Memory held by the page cache, as it counts it."}, stat(func(s web.PageCacheStats) float64 { return float64(s.Bytes) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gongkai_page_cache_entries",
			Help: "Pages in the page cache."}, stat(func(s web.PageCacheStats) float64 { return float64(s.Entries) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gongkai_fast_path_requests_total",
			Help: "Requests answered by the fast path without net/http."}, fast(func(f *web.FastPath) int64 { return f.Served.Load() })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gongkai_fast_path_handoffs_total",
			Help: "Connections the fast path handed to net/http."}, fast(func(f *web.FastPath) int64 { return f.HandedOff.Load() })),
	)
}

// Handler is the HTTP handler of the whole application.
func (a *App) Handler() http.Handler { return a.Web.Handler() }

// Serve listens on the configured address and serves until ctx is done,
// then finishes in-flight requests (up to 30 s) and stops the jobs. ready,
// if not nil, receives the listening address.
func (a *App) Serve(ctx context.Context, ready func(addr net.Addr)) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.Addr, err)
	}
	return a.ServeListener(ctx, ln, ready)
}

// ServeListener serves on ln (tests use their own listeners).
func (a *App) ServeListener(ctx context.Context, ln net.Listener, ready func(addr net.Addr)) error {
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads on slow connections
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
	}
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := a.Jobs.Run(jobsCtx); err != nil {
			a.Logger.Error("jobs stopped", "error", err)
		}
	}()
	errc := make(chan error, 1)
	var fast *web.FastPath // cached public pages without net/http; not with TLS
	if a.Config.FastPath && !a.Config.UseTLS() {
		fast = a.NewFastPath(srv)
	}
	go func() {
		switch {
		case a.Config.UseTLS():
			errc <- srv.ServeTLS(ln, a.Config.TLSCert, a.Config.TLSKey)
		case fast != nil:
			errc <- fast.Serve(ln)
		default:
			errc <- srv.Serve(ln)
		}
	}()
	a.Logger.Info("serving", "addr", ln.Addr().String(), "base_url", a.Config.BaseURL, "database", string(a.DB.Dialect), "version", Version)
	if ready != nil {
		ready(ln.Addr())
	}
	var serveErr error
	select {
	case <-ctx.Done():
		a.Logger.Info("shutting down: finishing in-flight requests")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if fast != nil {
			serveErr = fast.Shutdown(shutdownCtx)
		} else {
			serveErr = srv.Shutdown(shutdownCtx)
		}
		cancel()
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			serveErr = err
		}
	}
	stopJobs()
	wg.Wait()
	return serveErr
}

// Close releases everything.
func (a *App) Close() error { return a.Core.Close() }

// directory adapts the agency service for the staff pages.
type directory struct{ svc *agency.Service }

func (d directory) AgencyName(r *http.Request, id int64) string {
	if a, err := d.svc.Get(r.Context(), id); err == nil {
		return a.Name
	}
	return "（未知单位）"
}

func (d directory) AgencyOptions(r *http.Request) []web.Option {
	all, _ := d.svc.List(r.Context())
	out := make([]web.Option, 0, len(all))
	for _, a := range all {
		out = append(out, web.Option{Value: strconv.FormatInt(a.ID, 10), Label: a.Name})
	}
	return out
}

func (d directory) DivisionOptions(r *http.Request, agencyID int64) []web.Option {
	divs, _ := d.svc.Divisions(r.Context(), agencyID)
	out := make([]web.Option, 0, len(divs))
	for _, dv := range divs {
		out = append(out, web.Option{Value: strconv.FormatInt(dv.ID, 10), Label: dv.Name})
	}
	return out
}

// versions joins content versions: the result changes when any does.
type versions []web.ContentVersion

func (vs versions) Current(ctx context.Context) (string, error) {
	out := ""
	for _, v := range vs {
		s, err := v.Current(ctx)
		if err != nil {
			return "", err
		}
		out += s + "|"
	}
	return out, nil
}

// hostOf is the host of the public address ("" if it has none).
func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Host
}

// concernAgencies adapts the agency service for concerns.
type concernAgencies struct{ svc *agency.Service }

func (d concernAgencies) Agency(ctx context.Context, id int64) (concern.AgencyRef, error) {
	a, err := d.svc.Get(ctx, id)
	if err != nil {
		return concern.AgencyRef{}, err
	}
	return concern.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, nil
}

func (d concernAgencies) AgencyBySlug(ctx context.Context, slug string) (concern.AgencyRef, error) {
	a, err := d.svc.BySlug(ctx, slug)
	if err != nil {
		return concern.AgencyRef{}, err
	}
	return concern.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, nil
}
