package agency_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

type fixture struct {
	svc        *agency.Service
	a, b       *agency.Agency
	divA, divB int64
	adminA     *auth.Principal
	platformOp *auth.Principal
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{svc: agency.NewService(d), platformOp: auth.Operator("test")}
	var err error
	f.a, err = f.svc.Create(ctx, f.platformOp, agency.NewAgency{Slug: "a-bureau", Kind: agency.Bureau, Name: "甲局"}, agency.Settings{Address: "甲地址"})
	if err != nil {
		t.Fatal(err)
	}
	f.b, err = f.svc.Create(ctx, f.platformOp, agency.NewAgency{Slug: "b-office", Kind: agency.DistrictBureau, Name: "乙办", ParentID: f.a.ID}, agency.Settings{Address: "乙地址"})
	if err != nil {
		t.Fatal(err)
	}
	if f.divA, err = f.svc.CreateDivision(ctx, f.platformOp, f.a.ID, "甲处", 1); err != nil {
		t.Fatal(err)
	}
	if f.divB, err = f.svc.CreateDivision(ctx, f.platformOp, f.b.ID, "乙处", 1); err != nil {
		t.Fatal(err)
	}
	f.adminA = &auth.Principal{UserID: 0, Username: "admin.a", AgencyID: f.a.ID, Roles: auth.Roles{auth.AgencyAdmin}, State: auth.StateActive}
	return f
}

// TestAgencyIsolation calls every method that takes an agency as agency A's
// administrator with agency B's identifiers, and checks that nothing of B
// was read or changed.
func TestAgencyIsolation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		calls := map[string]func() error{
			"UpdateSettings(B)": func() error {
				return f.svc.UpdateSettings(ctx, f.adminA, f.b.ID, agency.Settings{Address: "被篡改"})
			},
			"CreateDivision(B)": func() error {
				_, err := f.svc.CreateDivision(ctx, f.adminA, f.b.ID, "渗透处", 0)
				return err
			},
			"UpdateDivision(B, divB)": func() error { return f.svc.UpdateDivision(ctx, f.adminA, f.b.ID, f.divB, "改名", 0) },
			"UpdateDivision(A, divB)": func() error { return f.svc.UpdateDivision(ctx, f.adminA, f.a.ID, f.divB, "改名", 0) },
			"DeleteDivision(B, divB)": func() error { return f.svc.DeleteDivision(ctx, f.adminA, f.b.ID, f.divB) },
			"DeleteDivision(A, divB)": func() error { return f.svc.DeleteDivision(ctx, f.adminA, f.a.ID, f.divB) },
			"Division(A, divB)": func() error {
				_, err := f.svc.Division(ctx, f.a.ID, f.divB)
				return err
			},
			"UpdateStructure(B)": func() error {
				return f.svc.UpdateStructure(ctx, f.adminA, f.b.ID, agency.NewAgency{Slug: "b-office", Kind: agency.Bureau, Name: "改"})
			},
			"Create": func() error {
				_, err := f.svc.Create(ctx, f.adminA, agency.NewAgency{Slug: "c-new", Kind: agency.Bureau, Name: "丙"}, agency.Settings{})
				return err
			},
			"SetDefault": func() error { return f.svc.SetDefault(ctx, f.adminA, "b-office") },
		}
		for name, call := range calls {
			err := call()
			if code := apperr.CodeOf(err); code != apperr.Forbidden && code != apperr.NotFound {
				t.Errorf("%s as agency A's administrator: %v, want forbidden or not found", name, err)
			}
		}
		b, _ := f.svc.Get(ctx, f.b.ID)
		if b.Address != "乙地址" || b.Name != "乙办" || b.Kind != agency.DistrictBureau {
			t.Errorf("agency B changed: %+v", b)
		}
		divs, _ := f.svc.Divisions(ctx, f.b.ID)
		if len(divs) != 1 || divs[0].Name != "乙处" {
			t.Errorf("agency B's divisions changed: %+v", divs)
		}
		all, _ := f.svc.List(ctx)
		if len(all) != 2 {
			t.Errorf("agencies: %d", len(all))
		}
		// The same calls on A's own data work.
		if err := f.svc.UpdateSettings(ctx, f.adminA, f.a.ID, agency.Settings{Address: "甲新址"}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.UpdateDivision(ctx, f.adminA, f.a.ID, f.divA, "甲处（改）", 2); err != nil {
			t.Fatal(err)
		}
		// Every change is audited against the right agency.
		entries, _, _ := audit.Search(ctx, d.R, audit.Filter{AgencyID: f.b.ID})
		for _, e := range entries {
			if strings.Contains(e.Summary, "甲") {
				t.Errorf("agency A's change recorded under B: %+v", e)
			}
		}
	})
}

func TestValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		for _, tc := range []struct {
			n     agency.NewAgency
			field string
		}{
			{agency.NewAgency{Slug: "console", Kind: agency.Bureau, Name: "x"}, "slug"},
			{agency.NewAgency{Slug: "../etc", Kind: agency.Bureau, Name: "x"}, "slug"},
			{agency.NewAgency{Slug: "ok-slug", Kind: "ministry", Name: "x"}, "kind"},
			{agency.NewAgency{Slug: "ok-slug", Kind: agency.Bureau, Name: ""}, "name"},
			{agency.NewAgency{Slug: "ok-slug", Kind: agency.Bureau, Name: "<b>x</b>"}, "name"},
			{agency.NewAgency{Slug: "ok-slug", Kind: agency.Bureau, Name: "x", Host: "http://evil/"}, "host"},
			{agency.NewAgency{Slug: "a-bureau", Kind: agency.Bureau, Name: "重复"}, "slug"},
			{agency.NewAgency{Slug: "ok-slug", Kind: agency.Bureau, Name: "x", ParentID: 9999}, "parent_id"},
		} {
			_, err := f.svc.Create(ctx, f.platformOp, tc.n, agency.Settings{})
			if apperr.FieldsOf(err)[tc.field] == "" {
				t.Errorf("%+v: want error on %s, got %v", tc.n, tc.field, err)
			}
		}
		// A parent may not be the agency itself or below it.
		err := f.svc.UpdateStructure(ctx, f.platformOp, f.a.ID, agency.NewAgency{Slug: "a-bureau", Kind: agency.Bureau, Name: "甲局", ParentID: f.b.ID})
		if apperr.FieldsOf(err)["parent_id"] == "" {
			t.Errorf("cycle accepted: %v", err)
		}
		// A division with staff cannot be deleted; a duplicate name is refused.
		if _, err := f.svc.CreateDivision(ctx, f.platformOp, f.a.ID, "甲处", 0); apperr.FieldsOf(err)["name"] == "" {
			t.Errorf("duplicate division: %v", err)
		}
		err = d.Tx(ctx, func(tx db.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO staff_users (agency_id, division_id, username, display_name, password_hash, password_changed_at, created_at, updated_at)
				VALUES ($1, $2, 'someone', '某人', 'x', $3, $3, $3)`, f.a.ID, f.divA, db.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteDivision(ctx, f.platformOp, f.a.ID, f.divA); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("deleted a division with staff: %v", err)
		}
	})
}

func TestHostAndDefault(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		if _, err := f.svc.ForHost(ctx, "localhost:8080"); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("no default yet: %v", err)
		}
		if err := f.svc.SetDefault(ctx, f.platformOp, "a-bureau"); err != nil {
			t.Fatal(err)
		}
		if a, err := f.svc.ForHost(ctx, "localhost:8080"); err != nil || a.ID != f.a.ID {
			t.Fatalf("default: %v %v", a, err)
		}
		if err := f.svc.UpdateStructure(ctx, f.platformOp, f.b.ID, agency.NewAgency{Slug: "b-office", Kind: agency.DistrictBureau, Name: "乙办", ParentID: f.a.ID, Host: "mzb.b.example.gov.cn"}); err != nil {
			t.Fatal(err)
		}
		if a, err := f.svc.ForHost(ctx, "MZB.b.example.gov.cn:443"); err != nil || a.ID != f.b.ID {
			t.Fatalf("by host: %v %v", a, err)
		}
		// Another instance (a second service on the same database) sees the change.
		other := agency.NewService(d)
		if a, err := other.ForHost(ctx, "mzb.b.example.gov.cn"); err != nil || a.ID != f.b.ID {
			t.Fatalf("other instance: %v %v", a, err)
		}
	})
}
