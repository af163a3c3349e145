package decision

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// ArchiveName is the download name of a decision's archive.
func ArchiveName(d *MajorDecision) string {
	return fmt.Sprintf("重大行政决策档案-%d-%d.zip", d.Year, d.ID)
}

// archiveEntry is a file of the archive as the index lists it.
type archiveEntry struct {
	Path  string
	Title string
	Where string
	Size  int64
}

// zipNames keeps the names of a ZIP unique.
type zipNames map[string]bool

func (n zipNames) unique(name string) string {
	if !n[name] {
		n[name] = true
		return name
	}
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 2; ; i++ {
		c := fmt.Sprintf("%s(%d)%s", stem, i, ext)
		if !n[c] {
			n[c] = true
			return c
		}
	}
}

// cleanPath turns a name given by another capability into a relative path
// inside dir: every element sanitised, no "..", no absolute paths.
func cleanPath(dir, name string) string {
	var parts []string
	for _, seg := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		seg = strings.TrimSpace(seg)
		if seg == "" || seg == "." || seg == ".." {
			continue
		}
		parts = append(parts, blob.SanitizeName(seg))
	}
	if len(parts) == 0 {
		parts = []string{"文件"}
	}
	return dir + "/" + strings.Join(parts, "/")
}

func zipHeader(name string, t time.Time) *zip.FileHeader {
	h := &zip.FileHeader{Name: name, Method: zip.Deflate}
	h.Modified = t.In(civil.Shanghai)
	return h
}

// Archive writes the whole file of a decision (条例 Art. 33: 决策过程中形成的
// 材料完整归档) to w as a ZIP: index.html listing the catalogue entry, its
// adjustments, every stage, every hearing with its participants, every
// document and the history, the documents themselves under 材料/, and the
// consultations' files under 征求意见/. The export is audited.
func (s *Service) Archive(ctx context.Context, p *auth.Principal, id int64, w io.Writer) error {
	d, err := s.scoped(ctx, s.DB.R, p, id, auth.ViewDecisions)
	if err != nil {
		return err
	}
	det, err := s.detail(ctx, d, false)
	if err != nil {
		return err
	}
	var agencyName string
	if s.Agencies != nil {
		if a, err := s.Agencies.Agency(ctx, d.AgencyID); err == nil {
			agencyName = a.Name
		}
	}
	now := s.Now()
	zw := zip.NewWriter(w)
	names := zipNames{"index.html": true}
	var entries []archiveEntry
	for i, f := range det.Files {
		where := "事项"
		if f.Stage != "" {
			where = f.Stage.Label()
		}
		if h := det.Hearing(f.HearingID); h != nil {
			where = h.Kind.Label() + "：" + h.Title
		}
		name := names.unique(fmt.Sprintf("材料/%02d-%s-%s", i+1, blob.SanitizeName(where), f.FileName))
		_, rc, err := blob.OpenAttachment(ctx, s.DB.R, s.Blobs, d.AgencyID, f.AttachmentID)
		if err != nil {
			return fmt.Errorf("decision: archive file %d: %w", f.ID, err)
		}
		fw, err := zw.CreateHeader(zipHeader(name, f.CreatedAt))
		if err == nil {
			_, err = io.Copy(fw, rc)
		}
		rc.Close()
		if err != nil {
			return fmt.Errorf("decision: archive file %d: %w", f.ID, err)
		}
		entries = append(entries, archiveEntry{Path: name, Title: f.Title, Where: where, Size: f.Size})
	}
	var consulted []archiveEntry
	if s.Consultations != nil {
		err := s.Consultations.ArchiveFiles(ctx, d.ID, func(name string, r io.Reader) error {
			name = names.unique(cleanPath("征求意见", name))
			fw, err := zw.CreateHeader(zipHeader(name, now))
			if err != nil {
				return err
			}
			n, err := io.Copy(fw, r)
			consulted = append(consulted, archiveEntry{Path: name, Title: path.Base(name), Where: "向社会公开征求意见", Size: n})
			return err
		})
		if err != nil {
			return fmt.Errorf("decision: archive consultations: %w", err)
		}
	}
	var index bytes.Buffer
	if err := archiveIndex.Execute(&index, archiveData{Detail: det, Agency: agencyName, At: now.In(civil.Shanghai).Format("2006-01-02 15:04"),
		By: p.Actor().Name, Files: entries, Consulted: consulted}); err != nil {
		return fmt.Errorf("decision: archive index: %w", err)
	}
	fw, err := zw.CreateHeader(zipHeader("index.html", now))
	if err != nil {
		return err
	}
	if _, err := fw.Write(index.Bytes()); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return s.DB.Tx(ctx, func(tx db.Tx) error {
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: d.AgencyID, Action: "decision.archive.download", ObjectType: "decision",
			ObjectID: strconv.FormatInt(d.ID, 10), Summary: fmt.Sprintf("导出《%s》的决策档案（材料 %d 份，征求意见文件 %d 份）", d.Title, len(entries), len(consulted))})
	})
}

type archiveData struct {
	*Detail
	Agency    string
	At        string
	By        string
	Files     []archiveEntry
	Consulted []archiveEntry
}

var archiveIndex = template.Must(template.New("index").Funcs(template.FuncMap{
	"participants": FormatParticipants,
	"size": func(n int64) string {
		switch {
		case n >= 1<<20:
			return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
		case n >= 1<<10:
			return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
		}
		return fmt.Sprintf("%d 字节", n)
	},
	"datetime": func(t time.Time) string { return t.In(civil.Shanghai).Format("2006-01-02 15:04") },
}).Parse(`<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>重大行政决策档案：{{.Title}}</title>
<style>body{font-family:sans-serif;line-height:1.7;max-width:60rem;margin:1rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%;margin:0.5rem 0 1rem}th,td{border:1px solid #999;padding:0.3rem 0.5rem;text-align:left;vertical-align:top}th{background:#f2f2f2;width:10rem}.pre{white-space:pre-wrap}</style>
</head>
<body>
<h1>重大行政决策档案</h1>
<p>{{.Agency}} · {{.Year}} 年决策事项目录 · 导出时间 {{.At}} · 导出人 {{.By}}</p>
<h2>一、决策事项</h2>
<table>
<tr><th scope="row">事项名称</th><td>{{.Title}}</td></tr>
<tr><th scope="row">承办单位</th><td>{{.Division}}</td></tr>
<tr><th scope="row">决策依据</th><td class="pre">{{.LegalBasis}}</td></tr>
<tr><th scope="row">事项概述</th><td class="pre">{{.Summary}}</td></tr>
<tr><th scope="row">计划完成时间</th><td>{{.PlannedTiming}}</td></tr>
<tr><th scope="row">公众参与方式</th><td>{{.MethodsLabel}}</td></tr>
<tr><th scope="row">专家论证</th><td>{{if .ExpertPlanned}}计划开展{{else}}未计划{{end}}</td></tr>
<tr><th scope="row">风险评估</th><td>{{if .RiskPlanned}}计划开展{{else}}未计划{{end}}</td></tr>
<tr><th scope="row">状态</th><td>{{.Status.Label}}{{if not .InCatalogue}}（{{.RemovedOn}} 调整出目录：{{.RemovedReason}}）{{end}}</td></tr>
<tr><th scope="row">目录公布</th><td>{{if .Catalogue.Published}}{{.Catalogue.PublishedOn}}（{{.Catalogue.Note}}）{{else}}未公布{{end}}</td></tr>
</table>
{{with .Adjustments}}<h3>目录调整</h3>
<table><tr><th scope="col">日期</th><th scope="col">调整</th><th scope="col">理由和内容</th></tr>
{{range .}}<tr><td>{{.On}}</td><td>{{.Kind.Label}}</td><td>{{.Reason}}{{with .Detail}}<br>{{.}}{{end}}</td></tr>{{end}}</table>{{end}}
<h2>二、决策程序</h2>
{{range .Ordered}}<h3>{{.Kind.Label}}：{{.Status.Label}}</h3>
<table>
{{if eq .Status "not_required"}}<tr><th scope="row">无需开展的理由</th><td class="pre">{{.Reason}}</td></tr>{{end}}
{{if not .StartedOn.IsZero}}<tr><th scope="row">开始日期</th><td>{{.StartedOn}}</td></tr>{{end}}
{{if not .DueOn.IsZero}}<tr><th scope="row">审查期限</th><td>{{.DueOn}}</td></tr>{{end}}
{{if not .FinishedOn.IsZero}}<tr><th scope="row">完成日期</th><td>{{.FinishedOn}}</td></tr>{{end}}
{{with .Who}}<tr><th scope="row">负责人</th><td>{{.}}</td></tr>{{end}}
{{with .Method}}<tr><th scope="row">方式</th><td>{{.}}</td></tr>{{end}}
{{with .Meeting}}<tr><th scope="row">会议</th><td>{{.}}</td></tr>{{end}}
{{with .Result}}<tr><th scope="row">决定结果</th><td>{{.Label}}</td></tr>{{end}}
{{with .Dissent}}<tr><th scope="row">不同意见</th><td class="pre">{{.}}</td></tr>{{end}}
{{with .Venue}}<tr><th scope="row">公布载体</th><td>{{.}}</td></tr>{{end}}
{{with .Link}}<tr><th scope="row">公布网址</th><td>{{.}}</td></tr>{{end}}
{{with .Summary}}<tr><th scope="row">办理情况</th><td class="pre">{{.}}</td></tr>{{end}}
</table>{{end}}
<h2>三、听取意见</h2>
{{range .Hearings}}<h3>{{.Kind.Label}}：{{.Title}}</h3>
<table>
<tr><th scope="row">日期</th><td>{{.HeldOn}}{{if not .HeldUntil.IsZero}} 至 {{.HeldUntil}}{{end}} {{.Time}}</td></tr>
{{with .Place}}<tr><th scope="row">地点</th><td>{{.}}</td></tr>{{end}}
{{if not .AnnouncedOn.IsZero}}<tr><th scope="row">公告日期</th><td>{{.AnnouncedOn}}</td></tr>{{end}}
{{with .Selection}}<tr><th scope="row">参加人遴选方式</th><td class="pre">{{.}}</td></tr>{{end}}
{{if .Participants}}<tr><th scope="row">参加人（{{len .Participants}} 人）</th><td class="pre">{{participants .Participants}}</td></tr>{{end}}
{{if not .MaterialsSentOn.IsZero}}<tr><th scope="row">材料送达日期</th><td>{{.MaterialsSentOn}}</td></tr>{{end}}
{{if eq .Kind "hearing"}}<tr><th scope="row">笔录签字确认</th><td>{{if .RecordSigned}}已签字（{{.RecordSignedOn}}）{{else}}未签字{{end}}</td></tr>{{end}}
{{with .Summary}}<tr><th scope="row">主要情况和意见</th><td class="pre">{{.}}</td></tr>{{end}}
{{with .Results}}<tr><th scope="row">调查结果</th><td class="pre">{{.}}</td></tr>{{end}}
</table>{{else}}<p>无。</p>{{end}}
<h2>四、向社会公开征求意见</h2>
{{range .Consultations}}<p>{{.Title}}（{{.State}}，{{.Opens}} 至 {{.Closes}}，意见 {{.Comments}} 条）</p>{{else}}<p>无。</p>{{end}}
{{with .Consulted}}<ul>{{range .}}<li><a href="{{.Path}}">{{.Path}}</a>（{{size .Size}}）</li>{{end}}</ul>{{end}}
<h2>五、材料</h2>
{{with .Files}}<table><tr><th scope="col">材料</th><th scope="col">所属</th><th scope="col">文件</th></tr>
{{range .}}<tr><td>{{.Title}}</td><td>{{.Where}}</td><td><a href="{{.Path}}">{{.Path}}</a>（{{size .Size}}）</td></tr>{{end}}</table>{{else}}<p>无。</p>{{end}}
<h2>六、办理记录</h2>
<table><tr><th scope="col">时间</th><th scope="col">操作人</th><th scope="col">内容</th></tr>
{{range .Events}}<tr><td>{{datetime .At}}</td><td>{{.Actor}}</td><td>{{.ActionLabel}}{{with .Note}}：{{.}}{{end}}</td></tr>{{end}}</table>
</body>
</html>
`))
