package pubstats

import (
	"context"
	"time"

	"github.com/gongkai/gongkai/internal/civil"
)

// The capabilities the statistics come from, each behind a small
// interface of this package, implemented in internal/app.

// Agencies resolves an agency of the portal.
type Agencies interface {
	AgencyBySlug(ctx context.Context, slug string) (AgencyRef, error)
}

// Items are the published information items (internal/disclosure).
type Items interface {
	// Published counts the items published in year; Months has twelve
	// entries.
	Published(ctx context.Context, agencyID int64, year int) (ItemStats, error)
	// EachEntry calls fn for every item the portal shows (published or
	// superseded; never drafts or withdrawn items), newest first, with the
	// metadata of the public catalogue; it stops at fn's first error.
	EachEntry(ctx context.Context, agencyID int64, fn func(*CatalogueEntry) error) error
}

// Applications are the applications for disclosure (internal/application).
type Applications interface {
	Year(ctx context.Context, agencyID int64, year int) (ApplicationStats, error)
}

// Interactions are the letters and messages (internal/concern).
type Interactions interface {
	Year(ctx context.Context, agencyID int64, year int) (InteractionStats, error)
}

// Consultations are the public consultations (internal/consultation).
type Consultations interface {
	Year(ctx context.Context, agencyID int64, year int) (ConsultationStats, error)
}

// CatalogueEntry is an item's public metadata, as the item page shows it
// above the text.
type CatalogueEntry struct {
	ID          int64      `json:"id"`
	IndexNumber string     `json:"index_number"` // 索引号
	Title       string     `json:"title"`
	DocNumber   string     `json:"doc_number"` // 发文字号
	Publisher   string     `json:"publisher"`  // 发布机构
	SignedOn    civil.Date `json:"signed_on"`  // 成文日期
	PublishedOn civil.Date `json:"published_on"`
	Columns     []string   `json:"columns"` // the public columns it is listed in
	Topic       string     `json:"topic"`   // 主题分类
	Genre       string     `json:"genre"`   // 体裁
	FivePublics []string   `json:"five_publics"`
	Validity    string     `json:"validity"` // 有效性
	Method      string     `json:"method"`   // 公开方式
	Superseded  bool       `json:"superseded"`
	URL         string     `json:"url"`
}

// Deps are what the service needs.
type Deps struct {
	Agencies      Agencies
	Items         Items
	Applications  Applications
	Interactions  Interactions
	Consultations Consultations
	Now           func() time.Time
}

// Service computes the statistics.
type Service struct{ Deps }

// NewService returns the service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{Deps: d}
}

// Today is the service's day (Asia/Shanghai).
func (s *Service) Today() civil.Date { return civil.Of(s.Now()) }

// Statistics computes an agency's figures for year (checked by the caller
// with ParseYear).
func (s *Service) Statistics(ctx context.Context, a AgencyRef, year int) (*Statistics, error) {
	today := s.Today()
	st := &Statistics{Agency: a, Year: year, AsOf: today, Complete: year < today.Year}
	var err error
	if st.Items, err = s.Items.Published(ctx, a.ID, year); err != nil {
		return nil, err
	}
	if st.Applications, err = s.Applications.Year(ctx, a.ID, year); err != nil {
		return nil, err
	}
	if st.Interactions, err = s.Interactions.Year(ctx, a.ID, year); err != nil {
		return nil, err
	}
	if st.Consultations, err = s.Consultations.Year(ctx, a.ID, year); err != nil {
		return nil, err
	}
	// Lists are never null in the JSON download.
	if st.Items.Columns == nil {
		st.Items.Columns = []ColumnCount{}
	}
	if st.Items.FivePublics == nil {
		st.Items.FivePublics = []NamedCount{}
	}
	if st.Applications.Outcomes == nil {
		st.Applications.Outcomes = []NamedCount{}
	}
	if st.Interactions.Channels == nil {
		st.Interactions.Channels = []ChannelStats{}
	}
	if st.Consultations.Consultations == nil {
		st.Consultations.Consultations = []ConsultationItem{}
	}
	st.Items.Months = twelve(st.Items.Months, func(m int) MonthCount { return MonthCount{Month: m} })
	st.Interactions.Months = twelve(st.Interactions.Months, func(m int) MonthPair { return MonthPair{Month: m} })
	return st, nil
}

// twelve makes sure a month list has its twelve months.
func twelve[T any](list []T, zero func(month int) T) []T {
	if len(list) == 12 {
		return list
	}
	out := make([]T, 12)
	for i := range out {
		out[i] = zero(i + 1)
	}
	copy(out, list)
	return out
}
