package search

import (
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/textzh"
)

// Doc is what a capability hands to the index: one published thing that the
// public may find. The index keeps a copy of the text (for snippets), so the
// caller does not need to be asked again when results are shown.
type Doc struct {
	// Source names the kind of thing ("item"); SourceID is its ID there.
	// Together they identify the document in the index.
	Source   string
	SourceID int64
	// AgencyID is the publishing agency (for per-agency search).
	AgencyID int64
	// URL is where the public reads it (a path on the portal).
	URL string
	// Title, DocNumber (文号, 发文字号) and Body are searched. Body is plain
	// text: the item's body and the text extracted from its attachments.
	Title     string
	DocNumber string
	Body      string
	// PublishedOn orders results by date and gives the year filter.
	PublishedOn civil.Date
	// Kind is the document type (体裁: 通知, 公告, 意见 …).
	Kind string
	// TopicID is the 主题分类 (0: none); ColumnIDs the catalogue columns the
	// document sits in; FivePublics its 五公开 tags (决策, 执行, 管理, 服务, 结果).
	TopicID     int64
	ColumnIDs   []int64
	FivePublics []string
}

// Limits on what one document may put in the index.
const (
	maxTitleBytes = 4 << 10
	maxBodyBytes  = 8 << 20 // plain text; longer attachment text is cut
	maxFilterLen  = 64
)

func (d *Doc) validate() error {
	switch {
	case d.Source == "" || len(d.Source) > maxFilterLen:
		return fmt.Errorf("search: document source %q must be 1…%d bytes", d.Source, maxFilterLen)
	case d.SourceID <= 0:
		return fmt.Errorf("search: document %s has no ID", d.Source)
	case d.PublishedOn.IsZero():
		return fmt.Errorf("search: document %s/%d has no publication date", d.Source, d.SourceID)
	case len(d.Title) > maxTitleBytes || len(d.DocNumber) > maxTitleBytes:
		return apperr.New(apperr.Invalid, "标题或文号过长。")
	case len(d.Kind) > maxFilterLen:
		return apperr.New(apperr.Invalid, "体裁名称过长。")
	}
	for _, f := range d.FivePublics {
		if len(f) > maxFilterLen {
			return apperr.New(apperr.Invalid, "五公开标签过长。")
		}
	}
	if len(d.Body) > maxBodyBytes {
		cut := maxBodyBytes
		for cut > 0 && !utf8.RuneStart(d.Body[cut]) {
			cut--
		}
		d.Body = d.Body[:cut]
	}
	for _, s := range []*string{&d.Title, &d.DocNumber, &d.Body, &d.URL, &d.Kind} {
		*s = strings.ToValidUTF8(*s, "\uFFFD")
	}
	return nil
}

// dayNumber returns the days from 1970-01-01 to d (negative before).
func dayNumber(d civil.Date) int64 {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// keyShift places the day in the high bits of a document key: key = day<<32
// | sequence. Keys therefore sort by publication date, then by indexing
// order, which lets both engines list the newest hits first straight from
// the index (FTS5 walks rowids in order; PostgreSQL walks the key's b-tree).
const keyShift = 32

// Meta tokens carry the filter values in the index, in a field of their own
// that query words never reach; their letters are followed by '_', which
// tokens made from text never contain. Text values are hex-encoded so that
// any value is one token.
func metaSource(s string) string     { return "s_" + hex.EncodeToString([]byte(s)) }
func metaAgency(id int64) string     { return "a_" + strconv.FormatInt(id, 10) }
func metaColumn(id int64) string     { return "c_" + strconv.FormatInt(id, 10) }
func metaTopic(id int64) string      { return "t_" + strconv.FormatInt(id, 10) }
func metaKind(s string) string       { return "k_" + hex.EncodeToString([]byte(s)) }
func metaFivePublic(s string) string { return "f_" + hex.EncodeToString([]byte(s)) }
func metaYear(y int) string          { return "y_" + strconv.Itoa(y) }

// metaSample marks one document in sampleRate, chosen by a hash of its
// identity (not its content), so that a count over the sample estimates a
// count over all: a query whose sample count times sampleRate reaches
// sureAbove is reported as that estimate without counting further. For a
// query with at most MaxHits hits the sample count is about MaxHits/32 ≈ 312
// at most, and reaching sureAbove/32 ≈ 469 would be a deviation of more than
// eight standard deviations, so exact counts stay exact.
const (
	metaSample = "z_1"
	sampleRate = 32
	sureAbove  = 15_000
)

func inSample(source string, id int64) bool {
	h := fnv.New32a()
	h.Write([]byte(source))
	h.Write([]byte(strconv.FormatInt(id, 10)))
	return h.Sum32()%sampleRate == 0
}

// metaTokens lists the filter tokens of d, sorted and without duplicates.
func metaTokens(d *Doc) []string {
	out := []string{metaSource(d.Source), metaAgency(d.AgencyID), metaYear(d.PublishedOn.Year)}
	if inSample(d.Source, d.SourceID) {
		out = append(out, metaSample)
	}
	if d.TopicID != 0 {
		out = append(out, metaTopic(d.TopicID))
	}
	if d.Kind != "" {
		out = append(out, metaKind(d.Kind))
	}
	for _, c := range d.ColumnIDs {
		out = append(out, metaColumn(c))
	}
	for _, f := range d.FivePublics {
		out = append(out, metaFivePublic(f))
	}
	sort.Strings(out)
	k := 0
	for i, s := range out {
		if i == 0 || s != out[i-1] {
			out[k] = s
			k++
		}
	}
	return out[:k]
}

// listInts renders IDs as ",1,5," for storage (and LIKE '%,5,%' if ever needed).
func listInts(ids []int64) string {
	if len(ids) == 0 {
		return ""
	}
	var b strings.Builder
	for _, id := range ids {
		b.WriteByte(',')
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteByte(',')
	return b.String()
}

// docTokens is a document split into the tokens of each searched field.
type docTokens struct {
	title, docNumber, body []string
}

func tokenize(d *Doc) docTokens {
	return docTokens{
		title:     textzh.Tokens(d.Title),
		docNumber: textzh.Tokens(d.DocNumber),
		body:      textzh.Tokens(d.Body),
	}
}
