package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
)

//go:embed templates/*.html
var layoutFS embed.FS

// Site is what the public layout shows of the agency whose section a page
// belongs to: header, navigation and the footer identifiers.
type Site struct {
	AgencyID     int64
	AgencyName   string
	SiteName     string // e.g. 政务公开
	Slug         string
	HomeURL      string
	SearchURL    string
	Accent       string // CSS class of the accent colour
	Address      string
	Postcode     string
	Phone        string
	Email        string
	SiteCode     string // 网站标识码
	ICPNumber    string // ICP 备案号
	PoliceNumber string // 公安备案号
	PartyGovMark string // 党政机关标识 (link to the verification page)
	Sponsor      string // 主办单位
	Nav          []NavItem
}

// SiteSource returns the Site for a request (by host name, path or default).
type SiteSource func(r *http.Request) Site

// NavItem is a link in a navigation bar.
type NavItem struct {
	Label string
	URL   string
	// Perm hides console items the user may not use.
	Perm auth.Permission
	// Section is the console section key, to mark the current item.
	Section string
	// Note is shown beside the link (a date, a count).
	Note string
}

// Crumb is a breadcrumb link.
type Crumb struct {
	Label string
	URL   string
}

// View is what every page template receives.
type View struct {
	Title       string
	Site        Site
	Principal   *auth.Principal
	Path        string
	Elderly     bool
	Breadcrumbs []Crumb
	// Section marks the current console navigation item.
	Section string
	// Flash is a one-line notice shown at the top ("已保存").
	Flash string
	// Errors maps form fields to messages; ErrorList repeats them at the top.
	Errors    map[string]string
	ErrorList []string
	// Form holds submitted values to show again after an error.
	Form      map[string][]string
	Data      any
	RequestID string
	// BaseURL is the public address of the site, without a trailing slash.
	BaseURL string
	Now     time.Time
	nav     []NavItem
}

// NewView starts the view of a page.
func (a *App) NewView(r *http.Request, title string) *View {
	v := &View{
		Title:     title,
		Site:      a.Sites(r),
		Principal: Principal(r),
		Path:      r.URL.Path,
		Elderly:   ElderlyMode(r),
		RequestID: RequestID(r.Context()),
		BaseURL:   a.BaseURL,
		Now:       time.Now(),
		Flash:     r.URL.Query().Get("flash"),
		nav:       a.ConsoleNav,
	}
	if msg, ok := flashMessages[v.Flash]; ok {
		v.Flash = msg
	} else {
		v.Flash = ""
	}
	return v
}

// flashMessages are the notices a redirect may ask for (?flash=saved), so
// that no text from the URL is ever shown.
//
// #nosec G101 -- notice texts, no credential
var flashMessages = map[string]string{
	"saved":     "已保存。",
	"created":   "已创建。",
	"deleted":   "已删除。",
	"disabled":  "账号已停用。",
	"enabled":   "账号已启用。",
	"password":  "密码已修改。",
	"2fa":       "双因素认证已启用。",
	"2fa-reset": "已重置双因素认证，该账号下次登录时需重新设置。",
	"loggedout": "您已安全退出。",
	"revoked":   "令牌已吊销。",
	"imported":  "已导入。",
	"computed":  "已重新计算。",
}

// SetErrors records form errors (and lists them at the top of the form).
func (v *View) SetErrors(fields map[string]string, order ...string) {
	v.Errors = fields
	v.ErrorList = nil
	seen := map[string]bool{}
	for _, k := range order {
		if m, ok := fields[k]; ok {
			v.ErrorList = append(v.ErrorList, m)
			seen[k] = true
		}
	}
	for k, m := range fields {
		if !seen[k] {
			v.ErrorList = append(v.ErrorList, m)
		}
	}
}

// ConsoleNav returns the console navigation items the principal may use.
func (v *View) ConsoleNav() []NavItem {
	var out []NavItem
	for _, n := range v.nav {
		if auth.Allowed(v.Principal, n.Perm) {
			out = append(out, n)
		}
	}
	return out
}

// Value returns the submitted value of a form field.
func (v *View) Value(field string) string {
	if vs := v.Form[field]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Checked reports whether a checkbox field had value.
func (v *View) Checked(field, value string) bool {
	for _, s := range v.Form[field] {
		if s == value {
			return true
		}
	}
	return false
}

// Renderer executes page templates inside the portal or console layout.
type Renderer struct {
	Logger *slog.Logger
	mu     sync.RWMutex
	base   *template.Template
	pages  map[string]*template.Template
}

// NewRenderer parses the layouts.
func NewRenderer() (*Renderer, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(layoutFS, "templates/layout_*.html", "templates/partials.html")
	if err != nil {
		return nil, err
	}
	r := &Renderer{base: base, pages: map[string]*template.Template{}}
	// The error page belongs to web itself.
	if err := r.add("web", "page_error.html", layoutFS, "templates/page_error.html"); err != nil {
		return nil, err
	}
	if err := r.add("web", "console_error.html", layoutFS, "templates/console_error.html"); err != nil {
		return nil, err
	}
	return r, nil
}

// AddPages registers the page templates of a capability: every *.html file
// in fsys (at any depth) becomes the page "namespace/name". Files named
// console_*.html use the console layout, bare_*.html none (they are whole
// documents, like print views); the others the portal layout.
func (r *Renderer) AddPages(namespace string, fsys fs.FS) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		return r.add(namespace, path.Base(p), fsys, p)
	})
}

func (r *Renderer) add(namespace, file string, fsys fs.FS, p string) error {
	name := namespace + "/" + strings.TrimSuffix(file, ".html")
	if strings.HasPrefix(file, "page_") {
		name = namespace + "/" + strings.TrimSuffix(strings.TrimPrefix(file, "page_"), ".html")
	}
	t, err := r.base.Clone()
	if err != nil {
		return err
	}
	body, err := fs.ReadFile(fsys, p)
	if err != nil {
		return err
	}
	layout := "portal"
	if strings.HasPrefix(file, "console_") {
		layout = "console"
	}
	if _, err := t.New("page").Parse(string(body)); err != nil {
		return fmt.Errorf("web: template %s: %w", name, err)
	}
	root := `{{template "` + layout + `" .}}`
	if strings.HasPrefix(file, "bare_") {
		root = `{{template "page" .}}` // a complete document of its own (print views)
	}
	if _, err := t.New("render").Parse(root); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.pages[name]; dup {
		return fmt.Errorf("web: page %s registered twice", name)
	}
	r.pages[name] = t
	return nil
}

// Has reports whether a page exists.
func (r *Renderer) Has(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.pages[name]
	return ok
}

// Page renders the page name with v and status. The page is rendered into a
// buffer first, so a template error becomes a clean 500 page, not half a page.
func (r *Renderer) Page(w http.ResponseWriter, req *http.Request, status int, name string, v *View) {
	r.mu.RLock()
	t, ok := r.pages[name]
	r.mu.RUnlock()
	var buf bytes.Buffer
	var err error
	if !ok {
		err = fmt.Errorf("web: no page %q", name)
	} else {
		err = t.ExecuteTemplate(&buf, "render", v)
	}
	if err != nil {
		// Fall back to the plainest possible page; never a stack trace.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>系统内部错误</title><h1>系统内部错误</h1><p>页面暂时无法显示，请稍后再试。错误编号：%s</p></html>`,
			template.HTMLEscapeString(RequestID(req.Context())))
		if r.Logger != nil {
			r.Logger.ErrorContext(req.Context(), "render failed", "page", name, "request_id", RequestID(req.Context()), "error", err)
		}
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if req.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

var funcs = template.FuncMap{
	"asset":  assetURL,
	"date":   func(d civil.Date) string { return d.String() },
	"cndate": func(d civil.Date) string { return d.Chinese() },
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(civil.Shanghai).Format("2006-01-02 15:04")
	},
	"day": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(civil.Shanghai).Format("2006-01-02")
	},
	"weekday": func(d civil.Date) string {
		return [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}[d.Weekday()]
	},
	"filesize":  humanSize,
	"filetype":  fileTypeLabel,
	"maskPhone": MaskPhone,
	"maskName":  MaskName,
	"add":       func(a, b int) int { return a + b },
	"sub":       func(a, b int) int { return a - b },
	"mul":       func(a, b int) int { return a * b },
	"has": func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	},
	"permitted": func(p *auth.Principal, perm string) bool { return auth.Allowed(p, auth.Permission(perm)) },
	"year":      func() int { return time.Now().In(civil.Shanghai).Year() },
}

// humanSize writes a byte count for people: 12.3 KB, 4.5 MB.
func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d 字节", n)
}

// fileTypeLabel names a content type for people.
func fileTypeLabel(ct string) string {
	switch {
	case strings.HasPrefix(ct, "application/pdf"):
		return "PDF"
	case strings.Contains(ct, "ofd"):
		return "OFD"
	case strings.Contains(ct, "wordprocessingml"), strings.HasPrefix(ct, "application/msword"):
		return "Word 文档"
	case strings.Contains(ct, "spreadsheetml"), strings.HasPrefix(ct, "application/vnd.ms-excel"):
		return "Excel 表格"
	case strings.HasPrefix(ct, "image/"):
		return "图片"
	case strings.HasPrefix(ct, "video/"):
		return "视频"
	}
	return "文件"
}
