package consultation

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/pii"
	"github.com/gongkai/gongkai/internal/web"
)

func maskText(s string) string { return pii.MaskAll(s) }

func maskName(s string) string {
	if m := web.MaskName(s); m != "" {
		return m
	}
	return "匿名"
}

// exportHeader is the comments sheet's first row.
var exportHeader = []any{"编号", "提交时间", "针对条款", "意见内容", "提出人", "联系电话", "电子邮箱", "同意公开", "审核", "重复或集中提交", "分组", "采纳情况", "理由或说明"}

// writeXLSX writes the comments (contact details masked) and the groups as
// an XLSX workbook, streaming rows so that 10,000 comments stay quick.
func (s *Service) writeXLSX(ctx context.Context, c *Consultation, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "意见"
	f.SetSheetName("Sheet1", sheet)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	sw.SetColWidth(4, 4, 60)
	sw.SetColWidth(13, 13, 40)
	if err := sw.SetRow("A1", exportHeader); err != nil {
		return err
	}
	list, _, err := listComments(ctx, s.DB.R, c.ID, CommentFilter{ClauseSeq: -1})
	if err != nil {
		return err
	}
	for i, m := range list {
		flag := ""
		switch {
		case m.DuplicateOf != 0:
			flag = "与第 " + strconv.FormatInt(m.DuplicateOf, 10) + " 条相同"
		case m.Campaign != 0:
			flag = "疑似集中提交（与第 " + strconv.FormatInt(m.Campaign, 10) + " 条高度相似）"
		}
		clause := m.ClauseLabel
		if clause == "" {
			clause = "整体意见"
		}
		consent := "否"
		if m.Consent {
			consent = "是"
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		row := []any{m.ID, m.CreatedAt.In(civil.Shanghai).Format("2006-01-02 15:04"), clause, spreadsheetSafe(m.Body), spreadsheetSafe(m.Name),
			web.MaskPhone(m.Phone), web.MaskEmail(m.Email), consent, m.Moderation.Label(), flag, spreadsheetSafe(m.GroupLabel), m.EffAnswer.Label(), spreadsheetSafe(m.EffReply)}
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	groups, err := listGroups(ctx, s.DB.R, c.ID)
	if err != nil {
		return err
	}
	gs := "分组"
	if _, err := f.NewSheet(gs); err != nil {
		return err
	}
	gw, err := f.NewStreamWriter(gs)
	if err != nil {
		return err
	}
	if err := gw.SetRow("A1", []any{"分组", "意见条数", "采纳情况", "理由或说明"}); err != nil {
		return err
	}
	for i, g := range groups {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := gw.SetRow(cell, []any{spreadsheetSafe(g.Label), g.Count, g.Answer.Label(), spreadsheetSafe(g.Reply)}); err != nil {
			return err
		}
	}
	if err := gw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// spreadsheetSafe keeps text from being read as a formula (CSV/XLSX
// injection): a leading = + - @ gets an apostrophe.
func spreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ExportXLSX writes the comments and their answers for staff (audited).
func (s *Service) ExportXLSX(ctx context.Context, p *auth.Principal, id int64, w io.Writer) error {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.writeXLSX(ctx, c, &buf); err != nil {
		return err
	}
	if err := s.DB.Tx(ctx, func(tx db.Tx) error {
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: c.AgencyID, Action: "consultation.export", ObjectType: "consultation",
			ObjectID: strconv.FormatInt(id, 10), Summary: "导出《" + c.Title + "》的意见和采纳情况"})
	}); err != nil {
		return err
	}
	_, err = buf.WriteTo(w)
	return err
}

// ArchiveFiles adds the files of the consultations held for a decision to
// its archive (重大行政决策程序暂行条例 Art. 33): each draft with its
// clauses and explanation, the comments and answers as XLSX, the feedback
// report, and the documents.
func (s *Service) ArchiveFiles(ctx context.Context, decisionID int64, add func(name string, r io.Reader) error) error {
	rows, err := s.DB.R.QueryContext(ctx, "SELECT "+consultationColumns+" FROM consultations WHERE decision_id = $1 ORDER BY id", decisionID)
	if err != nil {
		return err
	}
	var list []*Consultation
	for rows.Next() {
		c, err := scanConsultation(rows)
		if err != nil {
			rows.Close()
			return err
		}
		list = append(list, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range list {
		dir := fmt.Sprintf("征求意见-%d/", c.ID)
		var sb strings.Builder
		fmt.Fprintf(&sb, "%s\n\n征求意见期：%s 至 %s（%d 日）\n", c.Title, c.OpensOn, c.ClosesOn, c.Days())
		if c.ShortReason != "" {
			fmt.Fprintf(&sb, "少于 30 日的理由：%s\n", c.ShortReason)
		}
		if !c.PublishedAt.IsZero() {
			fmt.Fprintf(&sb, "发布时间：%s\n", c.PublishedAt.In(civil.Shanghai).Format("2006-01-02 15:04"))
		}
		fmt.Fprintf(&sb, "\n%s\n\n草案\n\n%s\n\n起草说明\n\n%s\n", c.Summary, c.Draft, c.Explanation)
		if c.State == Answered {
			fmt.Fprintf(&sb, "\n采纳情况说明（%s 公布）\n\n%s\n", c.FeedbackPublishedAt.In(civil.Shanghai).Format("2006-01-02"), c.FeedbackIntro)
		}
		if err := add(dir+"草案和起草说明.txt", strings.NewReader(sb.String())); err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := s.writeXLSX(ctx, c, &buf); err != nil {
			return err
		}
		if err := add(dir+"意见和采纳情况.xlsx", &buf); err != nil {
			return err
		}
		files, err := listFiles(ctx, s.DB.R, c.ID)
		if err != nil {
			return err
		}
		for _, f := range files {
			_, rc, err := blob.OpenAttachment(ctx, s.DB.R, s.Blobs, c.AgencyID, f.AttachmentID)
			if err != nil {
				return err
			}
			err = add(dir+"文件/"+strconv.FormatInt(f.ID, 10)+"-"+f.FileName, rc)
			rc.Close()
			if err != nil {
				return err
			}
		}
	}
	return nil
}
