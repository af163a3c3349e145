package app

import (
	"context"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/decision"
)

// decisionAgencies adapts the agency service for major decisions.
type decisionAgencies struct{ svc *agency.Service }

func (d decisionAgencies) Agency(ctx context.Context, id int64) (decision.AgencyRef, error) {
	a, err := d.svc.Get(ctx, id)
	if err != nil {
		return decision.AgencyRef{}, err
	}
	return decision.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, nil
}

func (d decisionAgencies) AgencyBySlug(ctx context.Context, slug string) (decision.AgencyRef, error) {
	a, err := d.svc.BySlug(ctx, slug)
	if err != nil {
		return decision.AgencyRef{}, err
	}
	return decision.AgencyRef{ID: a.ID, Slug: a.Slug, Name: a.Name}, nil
}
