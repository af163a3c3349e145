package disclosure

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/blob"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/extract"
	"github.com/gongkai/gongkai/internal/pii"
	"github.com/gongkai/gongkai/internal/search"
)

// ImportRow is one item of an import file (JSON Lines, or an XLSX row whose
// header names these fields in English or Chinese).
type ImportRow struct {
	Line          int      `json:"-"`
	Agency        string   `json:"agency"`
	IndexNumber   string   `json:"index_number"`
	Title         string   `json:"title"`
	Publisher     string   `json:"publisher"`
	DocNumber     string   `json:"doc_number"`
	SignedOn      string   `json:"signed_on"`
	PublishedOn   string   `json:"published_on"`
	FormedOn      string   `json:"formed_on"`
	Topic         string   `json:"topic"`
	Genre         string   `json:"genre"`
	FivePublics   []string `json:"five_publics"`
	StatutoryItem string   `json:"statutory_item"`
	Validity      string   `json:"validity"`
	Method        string   `json:"method"`
	Keywords      string   `json:"keywords"`
	Summary       string   `json:"summary"`
	Body          string   `json:"body"`
	SourceType    string   `json:"source_type"`
	Columns       []string `json:"columns"`
	Attachments   []string `json:"attachments"`
}

// ImportReport says what an import did.
type ImportReport struct {
	Rows     int
	Created  int
	Updated  int
	Batches  int
	Rejected int // batches rejected because of an invalid row
	Errors   []string
	// Warnings name imported rows whose text holds what looks like an
	// unmasked personal identifier: imports skip the 保密审查 (the items
	// were public already), so these are for a person to check.
	Warnings []string
}

// ImportBatchSize is how many rows commit together.
const ImportBatchSize = 500

// headerAliases maps XLSX headers (Chinese or English) to fields.
var headerAliases = map[string]string{
	"agency": "agency", "单位": "agency", "index_number": "index_number", "索引号": "index_number", "title": "title", "标题": "title",
	"publisher": "publisher", "发布机构": "publisher", "doc_number": "doc_number", "发文字号": "doc_number", "文号": "doc_number",
	"signed_on": "signed_on", "成文日期": "signed_on", "published_on": "published_on", "发布日期": "published_on",
	"formed_on": "formed_on", "生成日期": "formed_on", "topic": "topic", "主题分类": "topic", "genre": "genre", "体裁": "genre",
	"five_publics": "five_publics", "五公开": "five_publics", "statutory_item": "statutory_item", "法定公开事项": "statutory_item",
	"validity": "validity", "有效性": "validity", "method": "method", "公开方式": "method", "keywords": "keywords", "关键词": "keywords", "summary": "summary", "内容概述": "summary",
	"body": "body", "正文": "body", "source_type": "source_type", "信息来源": "source_type", "columns": "columns", "栏目": "columns",
	"attachments": "attachments", "附件": "attachments",
}

// ReadImportFile reads rows from a .jsonl/.json or .xlsx file.
func ReadImportFile(path string) ([]ImportRow, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx":
		return readXLSX(path)
	case ".jsonl", ".json", ".ndjson":
		f, err := os.Open(path) // #nosec G304 -- the import file the operator named on the command line
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return readJSONLines(f)
	}
	return nil, fmt.Errorf("import file must be .jsonl or .xlsx, not %s", filepath.Ext(path))
}

func readJSONLines(r io.Reader) ([]ImportRow, error) {
	jr := newJSONLinesReader(r)
	var rows []ImportRow
	var errs []string
	for {
		batch, bad, err := jr.next(1 << 30)
		if err != nil {
			return nil, err
		}
		rows = append(rows, batch...)
		errs = append(errs, bad...)
		if len(batch) == 0 && len(bad) == 0 {
			break
		}
	}
	if len(errs) > 0 {
		return rows, apperr.New(apperr.Invalid, strings.Join(errs, "\n"))
	}
	return rows, nil
}

// jsonLinesReader reads JSON Lines a batch at a time, so that a large
// import file is never held in memory whole.
type jsonLinesReader struct {
	sc   *bufio.Scanner
	line int
}

func newJSONLinesReader(r io.Reader) *jsonLinesReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	return &jsonLinesReader{sc: sc}
}

// next returns up to n rows and the errors of the lines among them that
// are not valid JSON objects of the import format; both empty at the end.
func (jr *jsonLinesReader) next(n int) (rows []ImportRow, bad []string, err error) {
	for len(rows)+len(bad) < n && jr.sc.Scan() {
		jr.line++
		line := strings.TrimSpace(jr.sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var row ImportRow
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&row); err != nil {
			bad = append(bad, fmt.Sprintf("第 %d 行：不是有效的 JSON 对象（%v）", jr.line, err))
			continue
		}
		row.Line = jr.line
		rows = append(rows, row)
	}
	if err := jr.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, nil, apperr.Invalidf("第 %d 行超过 16 MB，无法读取", jr.line+1)
		}
		return nil, nil, err
	}
	return rows, bad, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '；' || r == ',' || r == '，' || r == '、' || r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func readXLSX(path string) ([]ImportRow, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%s has no sheets", path)
	}
	all, err := f.GetRows(sheets[0])
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, nil
	}
	cols := map[int]string{}
	for i, h := range all[0] {
		if field, ok := headerAliases[strings.TrimSpace(strings.ToLower(h))]; ok {
			cols[i] = field
		} else if field, ok := headerAliases[strings.TrimSpace(h)]; ok {
			cols[i] = field
		}
	}
	have := map[string]bool{}
	for _, field := range cols {
		have[field] = true
	}
	var missing []string
	for _, need := range []string{"索引号", "标题", "发布日期"} {
		if !have[headerAliases[need]] {
			missing = append(missing, need)
		}
	}
	if len(missing) > 0 {
		return nil, apperr.Invalidf("第 1 行（表头）缺少列：%s", strings.Join(missing, "、"))
	}
	var rows []ImportRow
	for n, cells := range all[1:] {
		row := ImportRow{Line: n + 2}
		empty := true
		for i, v := range cells {
			v = strings.TrimSpace(v)
			if v != "" {
				empty = false
			}
			switch cols[i] {
			case "agency":
				row.Agency = v
			case "index_number":
				row.IndexNumber = v
			case "title":
				row.Title = v
			case "publisher":
				row.Publisher = v
			case "doc_number":
				row.DocNumber = v
			case "signed_on":
				row.SignedOn = v
			case "published_on":
				row.PublishedOn = v
			case "formed_on":
				row.FormedOn = v
			case "topic":
				row.Topic = v
			case "genre":
				row.Genre = v
			case "five_publics":
				row.FivePublics = splitList(v)
			case "statutory_item":
				row.StatutoryItem = v
			case "method":
				row.Method = v
			case "validity":
				row.Validity = v
			case "keywords":
				row.Keywords = v
			case "summary":
				row.Summary = v
			case "body":
				row.Body = v
			case "source_type":
				row.SourceType = v
			case "columns":
				row.Columns = splitList(v)
			case "attachments":
				row.Attachments = splitList(v)
			}
		}
		if !empty {
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// preparedRow is a validated row, ready to write.
type preparedRow struct {
	row         ImportRow
	agency      AgencyRef
	it          *Item
	topicName   string
	columnSlugs []string
	files       []blob.Upload
	texts       []string
	warnings    []string
}

// piiWarnings describes the personal identifiers found in a row's texts.
func piiWarnings(line int, texts map[string]string) []string {
	var out []string
	for _, where := range []string{"标题", "内容概述", "正文", "附件"} {
		for _, f := range pii.Find(texts[where]) {
			out = append(out, fmt.Sprintf("第 %d 行：%s含疑似未脱敏的%s %s，请核查", line, where, piiLabel(f.Kind), pii.Mask(f)))
		}
	}
	return out
}

// Import writes rows as published items, by batches of ImportBatchSize in
// one transaction each: a batch with an invalid row is rejected whole and
// reported with line numbers; valid batches commit. Rows are idempotent by
// 索引号: an existing item with the same number is updated, not duplicated.
// Attachment paths are relative to baseDir.
func (s *Service) Import(ctx context.Context, actor *auth.Principal, rows []ImportRow, defaultAgency, baseDir string) (ImportReport, error) {
	next := 0
	return s.runImport(ctx, actor, defaultAgency, baseDir, func() ([]ImportRow, []string, error) {
		batch := rows[next:min(next+ImportBatchSize, len(rows))]
		next += len(batch)
		return batch, nil, nil
	})
}

// ImportFile imports a .jsonl or .xlsx file as Import does; JSON Lines are
// read a batch at a time (a line that is not valid JSON rejects its batch).
func (s *Service) ImportFile(ctx context.Context, actor *auth.Principal, path, defaultAgency string) (ImportReport, error) {
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".jsonl" && ext != ".json" && ext != ".ndjson" {
		rows, err := ReadImportFile(path)
		if err != nil {
			return ImportReport{}, err
		}
		return s.Import(ctx, actor, rows, defaultAgency, filepath.Dir(path))
	}
	f, err := os.Open(path) // #nosec G304 -- the import file the operator named on the command line
	if err != nil {
		return ImportReport{}, err
	}
	defer f.Close()
	jr := newJSONLinesReader(f)
	return s.runImport(ctx, actor, defaultAgency, filepath.Dir(path), func() ([]ImportRow, []string, error) {
		return jr.next(ImportBatchSize)
	})
}

// importRun is one import in progress. Batches go through two stages: a
// single stager validates rows and resolves agencies, columns and topics
// (creating missing topics, so that writers never race to), and writers
// commit the batches, one transaction each — one writer on SQLite, two on
// PostgreSQL, whose server can index one batch while the other is sent.
type importRun struct {
	s             *Service
	actor         *auth.Principal
	defaultAgency string
	baseDir       string
	agencies      map[string]AgencyRef
	columns       map[int64]map[string]int64 // agency → slug → column
	topics        map[int64]map[string]int64 // agency → name → topic
	numbers       map[string]int             // index number → batch that has it
}

// stagedBatch is a validated batch on its way to a writer.
type stagedBatch struct {
	n        int // 1-based
	lines    string
	rows     int
	prepared []*preparedRow
	errs     []string
	// after is the batch that must commit before this one is written (it
	// holds an index number this one has too), or 0.
	after int
}

// batchResult is what writing a batch did.
type batchResult struct {
	created, updated int
	errs             []string
	warnings         []string
}

func (s *Service) runImport(ctx context.Context, actor *auth.Principal, defaultAgency, baseDir string,
	next func() ([]ImportRow, []string, error)) (ImportReport, error) {
	if !auth.Allowed(actor, auth.ManageAgencies) && !auth.Allowed(actor, auth.ManageCatalogue) {
		return ImportReport{}, apperr.New(apperr.Forbidden, "只有管理员可以导入信息")
	}
	all, err := s.Agencies.Agencies(ctx)
	if err != nil {
		return ImportReport{}, err
	}
	im := &importRun{s: s, actor: actor, defaultAgency: defaultAgency, baseDir: baseDir, agencies: map[string]AgencyRef{},
		columns: map[int64]map[string]int64{}, topics: map[int64]map[string]int64{}, numbers: map[string]int{}}
	for _, a := range all {
		im.agencies[a.Slug] = a
	}
	defer s.invalidate()
	writers := 1
	if s.DB.Dialect == db.Postgres {
		writers = 2
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	staged := make(chan *stagedBatch, writers)
	var (
		mu       sync.Mutex
		results  = map[int]batchResult{}
		done     = map[int]chan struct{}{}
		stageErr error
		rows     int
	)
	doneOf := func(n int) chan struct{} {
		mu.Lock()
		defer mu.Unlock()
		if done[n] == nil {
			done[n] = make(chan struct{})
		}
		return done[n]
	}
	go func() {
		defer close(staged)
		for n := 1; ; n++ {
			batch, bad, err := next()
			if err != nil {
				stageErr = err
				return
			}
			if len(batch) == 0 && len(bad) == 0 {
				return
			}
			rows += len(batch) + len(bad)
			sb := im.stage(ctx, n, batch, bad)
			select {
			case staged <- sb:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sb := range staged {
				if sb.after != 0 {
					<-doneOf(sb.after)
				}
				res := im.write(ctx, sb)
				mu.Lock()
				results[sb.n] = res
				mu.Unlock()
				close(doneOf(sb.n))
			}
		}()
	}
	wg.Wait()
	rep := ImportReport{Rows: rows, Batches: len(results)}
	for n := 1; n <= len(results); n++ {
		r := results[n]
		rep.Created += r.created
		rep.Updated += r.updated
		rep.Warnings = append(rep.Warnings, r.warnings...)
		if len(r.errs) > 0 {
			rep.Rejected++
			rep.Errors = append(rep.Errors, r.errs...)
		}
	}
	if stageErr == nil && ctx.Err() == nil && rep.Created+rep.Updated >= optimizeAfter {
		// Merge the full-text index the batches built (SQLite; a no-op on
		// PostgreSQL): searches are faster on one b-tree than on hundreds.
		// And refresh the planner's statistics, which a tenfold larger
		// table makes stale.
		if err := search.Optimize(ctx, s.DB); err != nil {
			stageErr = err
		} else if err := s.DB.Optimize(ctx); err != nil {
			stageErr = err
		}
	}
	return rep, stageErr
}

// optimizeAfter is how many imported items make it worth merging the
// full-text index at the end of the import (the nightly job does it too).
const optimizeAfter = 2000

// stage validates a batch and resolves its references; parseErrs are lines
// that could not be read, which reject the batch like invalid rows.
func (im *importRun) stage(ctx context.Context, n int, batch []ImportRow, parseErrs []string) *stagedBatch {
	sb := &stagedBatch{n: n, rows: len(batch) + len(parseErrs)}
	errs := append([]string(nil), parseErrs...)
	seen := map[string]int{}
	for _, row := range batch {
		p, err := im.s.prepare(ctx, im.actor, row, im.defaultAgency, im.agencies, im.baseDir)
		if err == nil {
			err = im.resolve(ctx, p)
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("第 %d 行：%s", row.Line, describeImportError(err)))
			continue
		}
		if prev, dup := seen[p.it.IndexNumber]; dup {
			errs = append(errs, fmt.Sprintf("第 %d 行：索引号 %s 与第 %d 行重复", row.Line, p.it.IndexNumber, prev))
			continue
		}
		seen[p.it.IndexNumber] = row.Line
		sb.prepared = append(sb.prepared, p)
	}
	if len(batch) > 0 && len(parseErrs) == 0 {
		sb.lines = fmt.Sprintf("（第 %d–%d 行）", batch[0].Line, batch[len(batch)-1].Line)
	}
	if len(errs) > 0 {
		sb.errs = append([]string{fmt.Sprintf("第 %d 批%s未导入：", n, sb.lines)}, errs...)
		sb.prepared = nil
		return sb
	}
	for _, p := range sb.prepared {
		if prev, ok := im.numbers[p.it.IndexNumber]; ok {
			sb.after = max(sb.after, prev)
		}
		im.numbers[p.it.IndexNumber] = n
	}
	return sb
}

// resolve turns a row's column slugs and topic name into IDs, seeding the
// agency's catalogue and creating the topic the first time.
func (im *importRun) resolve(ctx context.Context, p *preparedRow) error {
	agencyID := p.it.AgencyID
	cols, ok := im.columns[agencyID]
	if !ok {
		list, err := im.s.Catalogue(ctx, agencyID)
		if err != nil {
			return err
		}
		cols = map[string]int64{}
		for _, c := range list {
			if c.HoldsItems() {
				cols[c.Slug] = c.ID
			}
		}
		im.columns[agencyID] = cols
	}
	p.it.ColumnIDs = nil
	for _, slug := range p.columnSlugs {
		id, ok := cols[slug]
		if !ok {
			return apperr.Invalidf("单位 %s 没有可放入信息的栏目 %q", p.agency.Slug, slug)
		}
		p.it.ColumnIDs = append(p.it.ColumnIDs, id)
	}
	p.it.ColumnIDs = dedupe(p.it.ColumnIDs)
	if p.topicName == "" {
		return nil
	}
	topics, ok := im.topics[agencyID]
	if !ok {
		list, err := listTopics(ctx, im.s.DB.R, agencyID)
		if err != nil {
			return err
		}
		topics = map[string]int64{}
		for _, t := range list {
			topics[t.Name] = t.ID
		}
		im.topics[agencyID] = topics
	}
	id, ok := topics[p.topicName]
	if !ok {
		err := im.s.DB.Tx(ctx, func(tx db.Tx) error {
			return tx.QueryRowContext(ctx, "INSERT INTO topics (agency_id, name) VALUES ($1, $2) RETURNING id", agencyID, p.topicName).Scan(&id)
		})
		if err != nil {
			return err
		}
		topics[p.topicName] = id
	}
	p.it.TopicID = id
	return nil
}

// write commits a staged batch.
func (im *importRun) write(ctx context.Context, sb *stagedBatch) batchResult {
	if len(sb.errs) > 0 {
		return batchResult{errs: sb.errs}
	}
	created, updated, err := im.s.writeBatch(ctx, im.actor, sb.prepared)
	if err != nil {
		return batchResult{errs: []string{fmt.Sprintf("第 %d 批%s未导入：%s", sb.n, sb.lines, describeImportError(err))}}
	}
	res := batchResult{created: created, updated: updated}
	for _, p := range sb.prepared {
		res.warnings = append(res.warnings, p.warnings...)
	}
	return res
}

func describeImportError(err error) string {
	if f := apperr.FieldsOf(err); len(f) > 0 {
		var parts []string
		for k, v := range f {
			parts = append(parts, k+"："+v)
		}
		sort.Strings(parts)
		return strings.Join(parts, "；")
	}
	return apperr.MessageOf(err) + errDetail(err)
}

func errDetail(err error) string {
	if apperr.CodeOf(err) == apperr.Internal {
		return "（" + err.Error() + "）"
	}
	return ""
}

func (s *Service) prepare(ctx context.Context, actor *auth.Principal, row ImportRow, defaultAgency string, agencies map[string]AgencyRef, baseDir string) (*preparedRow, error) {
	slug := row.Agency
	if slug == "" {
		slug = defaultAgency
	}
	a, ok := agencies[slug]
	if !ok {
		return nil, apperr.Invalidf("单位 %q 不存在", slug)
	}
	if !actor.CanActIn(a.ID) {
		return nil, apperr.New(apperr.Forbidden, "无权向该单位导入")
	}
	idx := strings.TrimSpace(row.IndexNumber)
	if idx == "" || len([]rune(idx)) > 60 || strings.ContainsAny(idx, "<>\"' \t\r\n") {
		return nil, apperr.Invalidf("缺少索引号或索引号格式无效")
	}
	published, err := civil.Parse(strings.TrimSpace(row.PublishedOn))
	if err != nil {
		return nil, apperr.Invalidf("发布日期 %q 格式应为 2025-01-31", row.PublishedOn)
	}
	if published.After(civil.Of(s.Now())) || published.Year < 1990 {
		return nil, apperr.Invalidf("发布日期 %s 不合理", published)
	}
	formed := row.FormedOn
	if formed == "" {
		formed = published.String()
	}
	source := row.SourceType
	if source == "" {
		source = "self"
	}
	in := DraftFields{Title: row.Title, Publisher: row.Publisher, DocNumber: row.DocNumber, SignedOn: row.SignedOn, FormedOn: formed,
		Genre: row.Genre, FivePublics: mapFivePublics(row.FivePublics), StatutoryItem: row.StatutoryItem, Validity: mapValidity(row.Validity),
		Keywords: row.Keywords, Summary: row.Summary, Body: row.Body, SourceType: source, Method: strings.TrimSpace(row.Method), ColumnIDs: []int64{1}}
	signed, formedOn, err := in.Validate(published.AddDays(1), func(int64) bool { return true })
	if err != nil {
		return nil, err
	}
	if len(row.Columns) == 0 {
		return nil, apperr.Invalidf("请至少指定一个栏目（栏目标识，如 zcwj）")
	}
	it := &Item{AgencyID: a.ID, IndexNumber: idx, Title: in.Title, Publisher: in.Publisher, DocNumber: in.DocNumber,
		SignedOn: signed, FormedOn: formedOn, PublishedOn: published, Genre: in.Genre, FivePublics: in.FivePublics,
		StatutoryItem: in.StatutoryItem, Validity: in.Validity, Keywords: in.Keywords, Summary: in.Summary, Body: in.Body,
		SourceType: in.SourceType, Method: in.Method, Status: Published}
	if it.Publisher == "" {
		it.Publisher = a.Name
	}
	p := &preparedRow{row: row, agency: a, it: it, topicName: strings.TrimSpace(row.Topic), columnSlugs: row.Columns}
	for _, path := range row.Attachments {
		// Attachments live beside the import file: a path that leaves that
		// folder (../, an absolute path) is refused.
		if !filepath.IsLocal(filepath.FromSlash(path)) {
			return nil, apperr.Invalidf("附件路径 %q 无效：须为导入文件所在目录下的相对路径", path)
		}
		f, err := os.Open(filepath.Join(baseDir, filepath.FromSlash(path))) // #nosec G304 -- filepath.IsLocal checked above: inside the import file's folder
		if err != nil {
			return nil, apperr.Invalidf("附件 %s 无法读取", path)
		}
		up, err := blob.Ingest(ctx, s.Blobs, filepath.Base(path), f, s.MaxUpload)
		f.Close()
		if err != nil {
			return nil, apperr.Invalidf("附件 %s：%s", path, apperr.MessageOf(err))
		}
		text := ""
		if rc, err := s.Blobs.Open(ctx, up.Key); err == nil {
			b, _ := io.ReadAll(io.LimitReader(rc, s.MaxUpload+1))
			rc.Close()
			ectx, cancel := context.WithTimeout(ctx, 30*time.Second)
			text, _ = extract.Text(ectx, up.ContentType, strings.NewReader(string(b)), int64(len(b)))
			cancel()
		}
		p.files = append(p.files, up)
		p.texts = append(p.texts, text)
	}
	p.warnings = piiWarnings(row.Line, map[string]string{"标题": it.Title, "内容概述": it.Summary, "正文": it.Body, "附件": strings.Join(p.texts, "\n")})
	return p, nil
}

func mapFivePublics(in []string) []string {
	var out []string
	for _, v := range in {
		v = strings.TrimSpace(v)
		for _, f := range FivePublics {
			if v == string(f.Code) || v == f.Label || v+"公开" == f.Label {
				out = append(out, string(f.Code))
			}
		}
	}
	return out
}

func mapValidity(v string) string {
	v = strings.TrimSpace(v)
	for _, x := range Validities {
		if v == x.Code || v == x.Label {
			return x.Code
		}
	}
	if v == "有效" {
		return "valid"
	}
	return v
}

func (s *Service) writeBatch(ctx context.Context, actor *auth.Principal, rows []*preparedRow) (created, updated int, err error) {
	err = s.DB.Tx(ctx, func(tx db.Tx) error {
		created, updated = 0, 0
		var indexed []indexJob
		existing, err := existingNumbers(ctx, tx, rows)
		if err != nil {
			return err
		}
		for _, p := range rows {
			it := p.it
			it.PublishedAt = it.PublishedOn.StartUTC().Add(9 * time.Hour)
			if ex, ok := existing[it.IndexNumber]; ok {
				if ex.agencyID != it.AgencyID {
					return apperr.Invalidf("第 %d 行：索引号 %s 已属于另一个单位", p.row.Line, it.IndexNumber)
				}
				it.ID = ex.id
				updated++
				if err := s.reimport(ctx, tx, actor, p); err != nil {
					return err
				}
				indexed = append(indexed, indexJob{it: it})
				continue
			}
			// A new item: one statement for the item, one for its columns.
			now := db.Now()
			if err := tx.QueryRowContext(ctx, `INSERT INTO items (agency_id, index_number, title, publisher, doc_number, signed_on,
				published_on, formed_on, topic_id, genre, five_publics, statutory_item, validity, keywords, summary, body,
				source_type, status, published_at, version, created_by, created_at, updated_at, method)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 1, $20, $21, $21, $22) RETURNING id`,
				it.AgencyID, it.IndexNumber, it.Title, it.Publisher, it.DocNumber, nullDate(it.SignedOn), it.PublishedOn,
				nullDate(it.FormedOn), nullID(it.TopicID), it.Genre, strings.Join(it.FivePublics, ","), it.StatutoryItem,
				it.Validity, it.Keywords, it.Summary, it.Body, it.SourceType, string(Published), it.PublishedAt,
				nullID(actor.UserID), now, methodOrDefault(it.Method)).Scan(&it.ID); err != nil {
				return err
			}
			created++
			values := make([]string, len(it.ColumnIDs))
			args := []any{it.ID, it.PublishedAt}
			for i, c := range it.ColumnIDs {
				args = append(args, c)
				values[i] = "($1, $" + strconv.Itoa(len(args)) + ", $2)"
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO item_columns (item_id, column_id, listed_at) VALUES "+strings.Join(values, ", "), args...); err != nil {
				return err
			}
			var atts []Attachment
			for i, up := range p.files {
				attID, err := blob.InsertAttachment(ctx, tx, up.Attachment(it.AgencyID, "item", actor.UserID))
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, "INSERT INTO item_attachments (item_id, attachment_id, sort_order, text) VALUES ($1, $2, $3, $4)",
					it.ID, attID, i+1, p.texts[i]); err != nil {
					return err
				}
				atts = append(atts, Attachment{ID: attID, FileName: up.FileName, Text: p.texts[i]})
			}
			indexed = append(indexed, indexJob{it: it, atts: atts, known: true})
		}
		// Index after all the other writes, in one go: with SQLite, every
		// statement that follows a full-text insert in the transaction
		// flushes the FTS5 pending data.
		docs := make([]search.Doc, 0, len(indexed))
		for _, j := range indexed {
			atts := j.atts
			if !j.known {
				var err error
				if atts, err = listAttachments(ctx, tx, j.it.ID); err != nil {
					return err
				}
			}
			d, err := s.searchDoc(ctx, j.it, atts)
			if err != nil {
				return err
			}
			docs = append(docs, d)
		}
		if err := search.IndexBatch(ctx, tx, docs); err != nil {
			return err
		}
		if err := s.bump(ctx, tx); err != nil {
			return err
		}
		first, last := rows[0].row.Line, rows[len(rows)-1].row.Line
		return audit.Record(ctx, tx, actor.Actor(), audit.Event{AgencyID: rows[0].agency.ID, Action: "item.import",
			ObjectType: "item", Summary: fmt.Sprintf("导入第 %d–%d 行：新增 %d 条，更新 %d 条", first, last, created, updated)})
	})
	return created, updated, err
}

// indexJob is an imported item waiting to be indexed; known says atts
// are its attachments (a new item), else they are read back.
type indexJob struct {
	it    *Item
	atts  []Attachment
	known bool
}

type existingItem struct{ id, agencyID int64 }

// existingNumbers finds which of a batch's index numbers are taken, in one
// query.
func existingNumbers(ctx context.Context, tx db.Tx, rows []*preparedRow) (map[string]existingItem, error) {
	out := map[string]existingItem{}
	if len(rows) == 0 {
		return out, nil
	}
	ph := make([]string, len(rows))
	args := make([]any, len(rows))
	for i, p := range rows {
		ph[i] = "$" + strconv.Itoa(i+1)
		args[i] = p.it.IndexNumber
	}
	q, err := tx.QueryContext(ctx, "SELECT index_number, id, agency_id FROM items WHERE index_number IN ("+strings.Join(ph, ",")+") AND index_number <> ''", args...)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	for q.Next() {
		var n string
		var e existingItem
		if err := q.Scan(&n, &e.id, &e.agencyID); err != nil {
			return nil, err
		}
		out[n] = e
	}
	return out, q.Err()
}

// reimport updates an item that an earlier import (or publication) made.
func (s *Service) reimport(ctx context.Context, tx db.Tx, actor *auth.Principal, p *preparedRow) error {
	it := p.it
	if err := writeFields(ctx, tx, it); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE items SET status = $1, published_on = $2, published_at = $3, version = 1 WHERE id = $4`,
		string(Published), it.PublishedOn, it.PublishedAt, it.ID); err != nil {
		return err
	}
	if err := syncListed(ctx, tx, it.ID); err != nil {
		return err
	}
	have := map[string]bool{}
	atts, err := listAttachments(ctx, tx, it.ID)
	if err != nil {
		return err
	}
	for _, a := range atts {
		have[a.SHA256] = true
	}
	for i, up := range p.files {
		if have[up.SHA256] {
			continue // idempotent: the same file is attached once
		}
		attID, err := blob.InsertAttachment(ctx, tx, up.Attachment(it.AgencyID, "item", actor.UserID))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO item_attachments (item_id, attachment_id, sort_order, text) VALUES ($1, $2, $3, $4)",
			it.ID, attID, len(atts)+i+1, p.texts[i]); err != nil {
			return err
		}
	}
	return nil
}

// FormatImportReport writes a report for the operator.
func FormatImportReport(r ImportReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "共 %d 行，%d 批：新增 %d 条，更新 %d 条", r.Rows, r.Batches, r.Created, r.Updated)
	if r.Rejected > 0 {
		fmt.Fprintf(&b, "；%d 批未导入", r.Rejected)
	}
	b.WriteString("\n")
	for _, e := range r.Errors {
		b.WriteString(e)
		b.WriteString("\n")
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintf(&b, "已导入，但有 %d 处疑似未脱敏的个人信息需要核查：\n", len(r.Warnings))
		for i, w := range r.Warnings {
			if i == 200 {
				fmt.Fprintf(&b, "……另有 %d 处未列出\n", len(r.Warnings)-200)
				break
			}
			b.WriteString(w)
			b.WriteString("\n")
		}
	}
	return b.String()
}
