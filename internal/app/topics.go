package app

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/concern"
	"github.com/gongkai/gongkai/internal/disclosure"
)

// topicApplications gives hot-topic discovery the applications' titles
// and descriptions of the information wanted — nothing about the
// applicant — without touching their workflow.
type topicApplications struct{ c *Core }

func (t topicApplications) TopicDocs(ctx context.Context, agencyID int64, since civil.Date) ([]concern.AppDoc, error) {
	rows, err := t.c.DB.R.QueryContext(ctx, `SELECT id, number, received_on, title, description FROM applications
		WHERE agency_id = $1 AND received_on >= $2 ORDER BY received_at, id`, agencyID, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []concern.AppDoc
	for rows.Next() {
		var d concern.AppDoc
		var title, desc string
		if err := rows.Scan(&d.ID, &d.Number, &d.Day, &title, &desc); err != nil {
			return nil, err
		}
		d.Text = title + "\n" + desc
		out = append(out, d)
	}
	return out, rows.Err()
}

// topicResponses makes a topic's public response an information item: a
// draft in the agency's 回应关切 column (or 其他法定公开信息 when it has
// none), reviewed and published through the disclosure workflow.
type topicResponses struct{ c *Core }

// responseColumns are the columns a response goes to, in order of
// preference.
var responseColumns = []string{"hygz", "qtxx"}

func (t topicResponses) DraftResponse(ctx context.Context, p *auth.Principal, agencyID int64, title, body string) (int64, error) {
	// Handlers decide that a topic deserves a public answer; drafting it
	// takes the editing right for this one action, and the draft then goes
	// through 保密审查 and approval by the people who hold those duties
	// (as with applications turned proactive, proactiveDrafts).
	actor := *p
	actor.Roles = append(append(auth.Roles{}, p.Roles...), auth.Editor)
	var col *disclosure.Column
	for _, slug := range responseColumns {
		c, err := t.c.Disclosure.ColumnBySlug(ctx, agencyID, slug)
		if err == nil {
			col = c
			break
		}
		if apperr.CodeOf(err) != apperr.NotFound {
			return 0, err
		}
	}
	in := disclosure.DraftFields{Title: title, FormedOn: civil.Of(t.c.Disclosure.Now()).String(), Genre: "其他",
		FivePublics: []string{"result"}, Body: body, SourceType: "self", Summary: "对社会关注问题的回应。"}
	if col != nil {
		in.ColumnIDs = []int64{col.ID}
	}
	it, err := t.c.Disclosure.Create(ctx, &actor, agencyID, in)
	if err != nil {
		return 0, err
	}
	return it.ID, nil
}

func (t topicResponses) ResponseItem(ctx context.Context, id int64) (concern.ResponseItem, error) {
	var title, status, slug string
	err := t.c.DB.R.QueryRowContext(ctx, `SELECT i.title, i.status, a.slug FROM items i JOIN agencies a ON a.id = i.agency_id WHERE i.id = $1`, id).
		Scan(&title, &status, &slug)
	if errors.Is(err, sql.ErrNoRows) {
		return concern.ResponseItem{}, apperr.NotFoundf("没有这条信息。")
	}
	if err != nil {
		return concern.ResponseItem{}, err
	}
	s := disclosure.Status(status)
	ref := disclosure.AgencyRef{Slug: slug}
	return concern.ResponseItem{ID: id, Title: title, Status: s.Label(), Published: s == disclosure.Published,
		URL: ref.HomeURL() + "items/" + strconv.FormatInt(id, 10), ConsoleURL: "/console/items/" + strconv.FormatInt(id, 10)}, nil
}
