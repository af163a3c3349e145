package concern

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// Order is a 12345 hotline work order as the city system sends it.
type Order struct {
	Line       int        `json:"-"`
	ID         string     `json:"order_id"`
	Title      string     `json:"title"`
	Body       string     `json:"content"`
	Caller     string     `json:"caller"`
	Phone      string     `json:"phone"`
	Category   string     `json:"category"`
	Dispatched civil.Date `json:"dispatched_on"`
	Due        civil.Date `json:"due_on"`
}

// RowError is a bad row of an import, by line.
type RowError struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// ImportReport says what an import did.
type ImportReport struct {
	Rows    int        `json:"rows"`
	Created int        `json:"created"`
	Skipped int        `json:"skipped"` // already imported (same order number)
	Errors  []RowError `json:"errors"`
}

// MaxOrders bounds one import.
const MaxOrders = 20000

// orderHeaders maps the column names the city system uses to fields.
var orderHeaders = map[string]string{
	"工单编号": "id", "工单号": "id", "order_id": "id",
	"标题": "title", "诉求标题": "title", "title": "title",
	"内容": "body", "诉求内容": "body", "content": "body",
	"来电人": "caller", "诉求人": "caller", "姓名": "caller", "caller": "caller",
	"联系电话": "phone", "电话": "phone", "phone": "phone",
	"分类": "category", "诉求分类": "category", "category": "category",
	"派单日期": "dispatched", "派单时间": "dispatched", "dispatched_on": "dispatched",
	"办理时限": "due", "截止日期": "due", "办结时限": "due", "due_on": "due",
}

// ParseOrders reads work orders from an XLSX or CSV file (by name); the
// first row names the columns. Rows that cannot be read are reported by
// line, not returned.
func ParseOrders(name string, r io.Reader) ([]Order, []RowError, error) {
	b, err := io.ReadAll(io.LimitReader(r, 50<<20+1))
	if err != nil {
		return nil, nil, err
	}
	if len(b) > 50<<20 {
		return nil, nil, apperr.New(apperr.TooLarge, "文件超过 50 MB。")
	}
	var rows [][]string
	var lines []int // of a CSV file: the line each record starts on
	switch {
	case strings.HasSuffix(strings.ToLower(name), ".xlsx"):
		f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: 64 << 20, UnzipXMLSizeLimit: 32 << 20})
		if err != nil {
			return nil, nil, apperr.Invalidf("无法读取 XLSX 文件：请确认文件没有损坏。")
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, nil, apperr.Invalidf("XLSX 文件没有工作表。")
		}
		if rows, err = f.GetRows(sheets[0]); err != nil {
			return nil, nil, apperr.Invalidf("无法读取 XLSX 文件的工作表。")
		}
	case strings.HasSuffix(strings.ToLower(name), ".csv"):
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		if !utf8.Valid(b) {
			return nil, nil, apperr.Invalidf("CSV 文件须为 UTF-8 编码。")
		}
		cr := csv.NewReader(bytes.NewReader(b))
		cr.FieldsPerRecord = -1
		// Records are not lines: a cell may hold line breaks, and blank
		// lines are skipped. Bad rows are reported by the line they start on.
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, nil, apperr.Invalidf("无法读取 CSV 文件：%v", err)
			}
			line, _ := cr.FieldPos(0)
			rows, lines = append(rows, rec), append(lines, line)
		}
	default:
		return nil, nil, apperr.Invalidf("请上传 XLSX 或 CSV 文件。")
	}
	if len(rows) == 0 {
		return nil, nil, apperr.Invalidf("文件是空的。")
	}
	if len(rows) > MaxOrders+1 {
		return nil, nil, apperr.Invalidf("一次最多导入 %d 张工单。", MaxOrders)
	}
	cols := map[int]string{}
	have := map[string]bool{}
	for i, h := range rows[0] {
		if f, ok := orderHeaders[strings.TrimSpace(strings.ToLower(h))]; ok {
			cols[i], have[f] = f, true
		}
	}
	for _, need := range []struct{ f, label string }{{"id", "工单编号"}, {"dispatched", "派单日期"}, {"due", "办理时限"}} {
		if !have[need.f] {
			return nil, nil, apperr.Invalidf("第 1 行（表头）缺少列：%s", need.label)
		}
	}
	var (
		orders []Order
		bad    []RowError
	)
	for n, cells := range rows[1:] {
		o := Order{Line: n + 2}
		if lines != nil {
			o.Line = lines[n+1]
		}
		empty := true
		var dateErr string
		for i, v := range cells {
			v = strings.TrimSpace(v)
			if v != "" {
				empty = false
			}
			switch cols[i] {
			case "id":
				o.ID = v
			case "title":
				o.Title = v
			case "body":
				o.Body = v
			case "caller":
				o.Caller = v
			case "phone":
				o.Phone = v
			case "category":
				o.Category = v
			case "dispatched", "due":
				d, err := parseDay(v)
				if err != nil && v != "" {
					dateErr = fmt.Sprintf("日期“%s”无法识别（应为 2026-01-31）", truncate(v, 30))
				}
				if cols[i] == "due" {
					o.Due = d
				} else {
					o.Dispatched = d
				}
			}
		}
		if empty {
			continue
		}
		if dateErr != "" {
			bad = append(bad, RowError{Line: o.Line, Message: dateErr})
			continue
		}
		orders = append(orders, o)
	}
	return orders, bad, nil
}

var dayRE = regexp.MustCompile(`^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?`)

// parseDay reads 2026-01-31, 2026/1/31, 2026年1月31日, with an optional time after.
func parseDay(s string) (civil.Date, error) {
	m := dayRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return civil.Date{}, fmt.Errorf("bad date %q", s)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	return civil.Parse(fmt.Sprintf("%04d-%02d-%02d", y, mo, d))
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

var orderIDRE = regexp.MustCompile(`^[0-9A-Za-z_\-]{1,50}$`)

// check validates an order; the message names what is wrong.
func (o Order) check() string {
	switch {
	case o.ID == "":
		return "缺少工单编号"
	case !orderIDRE.MatchString(o.ID):
		return "工单编号只能包含字母、数字、- 和 _（不超过 50 个字符）"
	case strings.TrimSpace(o.Title) == "" && strings.TrimSpace(o.Body) == "":
		return "缺少诉求标题和内容"
	case hostile(o.Title + o.Body + o.Caller + o.Phone + o.Category):
		return "含有无法识别的字符"
	case utf8.RuneCountInString(o.Title) > maxSubject*2 || utf8.RuneCountInString(o.Body) > maxBody*2 || utf8.RuneCountInString(o.Caller) > maxName:
		return "内容过长"
	case o.Phone != "" && !regexp.MustCompile(`^[0-9+\- ]{5,30}$`).MatchString(o.Phone):
		return "联系电话格式不正确"
	case o.Dispatched.IsZero():
		return "缺少派单日期"
	case o.Due.IsZero():
		return "缺少办理时限"
	case o.Due.Before(o.Dispatched):
		return "办理时限早于派单日期"
	}
	return ""
}

// ImportOrders files the valid work orders as cases of the hotline channel
// (their deadlines are the orders' own) and reports the bad rows by line.
// Orders already imported (same number) are skipped, so importing a file
// again does no harm. The valid rows are saved in one transaction: all of
// them or, on a failure, none.
func (s *Service) ImportOrders(ctx context.Context, p *auth.Principal, agencyID int64, orders []Order, bad []RowError) (ImportReport, error) {
	rep := ImportReport{Rows: len(orders) + len(bad), Errors: append([]RowError{}, bad...)}
	if !auth.Allowed(p, auth.ImportHotline) || p.AgencyID != agencyID {
		return rep, apperr.New(apperr.Forbidden, "只有本单位的经办人或审批人可以导入 12345 工单。")
	}
	if len(orders) > MaxOrders {
		return rep, apperr.Invalidf("一次最多导入 %d 张工单。", MaxOrders)
	}
	seen := map[string]int{}
	var good []Order
	for _, o := range orders {
		if msg := o.check(); msg != "" {
			rep.Errors = append(rep.Errors, RowError{Line: o.Line, Message: msg})
			continue
		}
		if first, dup := seen[o.ID]; dup {
			rep.Errors = append(rep.Errors, RowError{Line: o.Line, Message: fmt.Sprintf("工单编号 %s 与第 %d 行重复", o.ID, first)})
			continue
		}
		seen[o.ID] = o.Line
		good = append(good, o)
	}
	err := s.DB.Tx(ctx, func(tx db.Tx) error {
		routes, err := listRoutes(ctx, tx, agencyID)
		if err != nil {
			return err
		}
		for _, o := range good {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM concerns WHERE agency_id = $1 AND external_id = $2", agencyID, o.ID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				rep.Skipped++
				continue
			}
			title := o.Title
			if title == "" {
				title = truncate(o.Body, 40)
			}
			l := Letter{Channel: Hotline, Category: o.Category, Subject: truncate(title, maxSubject), Body: o.Body, Name: o.Caller, Phone: o.Phone}
			if l.Body == "" {
				l.Body = o.Title
			}
			c := &Case{AgencyID: agencyID, State: Received, Letter: l, ReceivedAt: o.Dispatched.StartUTC(), ReceivedOn: o.Dispatched,
				DueOn: o.Due, ExternalID: o.ID, CreatedBy: p.UserID, DivisionID: route(routes, l)}
			if c.Number, err = nextNumber(ctx, tx, o.Dispatched.Year); err != nil {
				return err
			}
			c.codeHash = hashCode(c.Number, newCode())
			if err := insertCase(ctx, tx, c); err != nil {
				return err
			}
			if err := addEvent(ctx, tx, c.ID, Event{On: s.today(), ActorID: p.UserID, Actor: p.Actor().Name, Action: "import", To: Received,
				Note: fmt.Sprintf("12345 工单 %s，派单 %s，办理时限 %s", o.ID, o.Dispatched, o.Due)}); err != nil {
				return err
			}
			rep.Created++
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: agencyID, Action: "concern.hotline.import", ObjectType: "agency",
			ObjectID: strconv.FormatInt(agencyID, 10), Summary: fmt.Sprintf("导入 12345 工单：新建 %d，已有 %d，错误 %d 行", rep.Created, rep.Skipped, len(rep.Errors))})
	})
	if err != nil {
		rep.Created, rep.Skipped = 0, 0
		return rep, err
	}
	return rep, nil
}
