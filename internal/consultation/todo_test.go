package consultation_test

import (
	"context"
	"testing"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/consultation"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

// DueWork lists consultations closing within seven days and closed ones
// whose feedback report is not out yet; drafts and later ones are not.
func TestDueWork(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		publish := func(opens, closes string) *consultation.Consultation {
			c := newConsultation(t, f, opens, closes, "")
			if err := f.svc.Publish(ctx, f.editor, c.ID); err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
			return c
		}
		closing := publish("2026-12-01", "2026-12-30")
		later := publish("2026-12-01", "2027-01-15")
		newConsultation(t, f, "2026-12-01", "2026-12-30", "") // a draft
		// On 2026-12-24 the first closes within seven days; on 2027-01-10 it
		// waits for its feedback report and the second closes within seven.
		list, err := f.svc.DueWork(ctx, f.a.ID, civil.MustParse("2026-12-24"))
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ConsultationID != closing.ID || list[0].ClosesOn.String() != "2026-12-30" || list[0].Feedback {
			t.Fatalf("on 12-24: %+v", list)
		}
		f.clock.at("2026-12-31")
		if _, err := f.svc.CloseDue(ctx); err != nil {
			t.Fatal(err)
		}
		list, err = f.svc.DueWork(ctx, f.a.ID, civil.MustParse("2027-01-10"))
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ConsultationID != closing.ID || !list[0].Feedback || list[1].ConsultationID != later.ID || list[1].Feedback {
			t.Fatalf("on 01-10: %+v", list)
		}
		if other, err := f.svc.DueWork(ctx, f.b.ID, civil.MustParse("2027-01-10")); err != nil || len(other) != 0 {
			t.Errorf("other agency: %v %+v", err, other)
		}
	})
}
