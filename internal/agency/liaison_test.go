package agency_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
)

// The roster's methods, classified for TestEveryServiceMethodIsClassified
// (coverage_test.go): SetLiaison proves its agency scope in
// TestLiaisonRoster (another agency's administrator, another agency's
// division); the reads take no principal because app wiring routes work
// with them — the console handlers scope them to the principal's agency
// (CanActIn), and they are never served on the portal (mobile numbers).
func init() {
	serviceMethods["SetLiaison"] = "isolation"
	for _, m := range []string{"Liaison", "Liaisons", "DivisionsWithoutLiaison", "LiaisonCandidates"} {
		serviceMethods[m] = "staff: scoped by the caller"
	}
}

func addStaff(t *testing.T, d *db.DB, agencyID, divisionID int64, username string) int64 {
	t.Helper()
	var id int64
	now := db.Now()
	if err := d.W.QueryRowContext(context.Background(), `INSERT INTO staff_users (agency_id, division_id, username, display_name, email, phone,
		password_hash, password_changed_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, '13900001111', 'x', $6, $6, $6) RETURNING id`,
		agencyID, divisionID, username, "账号"+username, username+"@example.gov.cn", now).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestLiaisonRoster: the administrator names a division's liaison and
// deputy (a linked account fills in its name, e-mail and mobile); bad
// input is refused with nothing saved; work routes to the officer, else
// the deputy; other roles and agencies may not edit; the roster flags the
// divisions without a liaison; a division can still be deleted.
func TestLiaisonRoster(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		officer := addStaff(t, d, f.a.ID, f.divA, "officer")
		deputy := addStaff(t, d, f.a.ID, f.divA, "deputy")
		stranger := addStaff(t, d, f.b.ID, f.divB, "stranger")
		second, err := f.svc.CreateDivision(ctx, f.platformOp, f.a.ID, "甲二处", 2)
		if err != nil {
			t.Fatal(err)
		}

		missing, _ := f.svc.DivisionsWithoutLiaison(ctx, f.a.ID)
		if len(missing) != 2 {
			t.Fatalf("missing before: %+v", missing)
		}
		for _, c := range []struct {
			in    agency.LiaisonInput
			field string
		}{
			{agency.LiaisonInput{Primary: agency.ContactInput{Name: "张三", Mobile: "1390000"}}, "primary_mobile"},
			{agency.LiaisonInput{Primary: agency.ContactInput{Name: "张三", OfficePhone: "<script>"}}, "primary_office_phone"},
			{agency.LiaisonInput{Primary: agency.ContactInput{Name: "张三", Email: "x@"}}, "primary_email"},
			{agency.LiaisonInput{Primary: agency.ContactInput{Name: strings.Repeat("名", 21)}}, "primary_name"},
			{agency.LiaisonInput{Deputy: agency.ContactInput{Name: "李四"}}, "primary_name"},
			{agency.LiaisonInput{Primary: agency.ContactInput{UserID: stranger}}, "primary_user_id"},
			{agency.LiaisonInput{Primary: agency.ContactInput{UserID: officer}, Deputy: agency.ContactInput{UserID: officer}}, "deputy_user_id"},
			{agency.LiaisonInput{Primary: agency.ContactInput{Name: "张三", Position: "处长\n"}, Deputy: agency.ContactInput{Name: "李四", Mobile: "abc"}}, "deputy_mobile"},
		} {
			err := f.svc.SetLiaison(ctx, f.adminA, f.a.ID, f.divA, c.in)
			if apperr.FieldsOf(err)[c.field] == "" {
				t.Errorf("%+v: %v, want an error at %s", c.in, err, c.field)
			}
		}
		if l, _ := f.svc.Liaison(ctx, f.divA); l.Assigned() {
			t.Fatal("refused input saved")
		}
		editor := &auth.Principal{Username: "ed", AgencyID: f.a.ID, Roles: auth.Roles{auth.Editor}, State: auth.StateActive}
		adminB := &auth.Principal{Username: "admin.b", AgencyID: f.b.ID, Roles: auth.Roles{auth.AgencyAdmin}, State: auth.StateActive}
		in := agency.LiaisonInput{Primary: agency.ContactInput{UserID: officer, Position: "主任科员", OfficePhone: "021-12345678"},
			Deputy: agency.ContactInput{UserID: deputy, Name: "副手", Mobile: "+8613900002222"}}
		if err := f.svc.SetLiaison(ctx, editor, f.a.ID, f.divA, in); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("an editor set the liaison: %v", err)
		}
		if err := f.svc.SetLiaison(ctx, adminB, f.a.ID, f.divA, in); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("another agency's admin set the liaison: %v", err)
		}
		if err := f.svc.SetLiaison(ctx, f.adminA, f.a.ID, f.divB, in); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another agency's division: %v", err)
		}
		if err := f.svc.SetLiaison(ctx, f.adminA, f.a.ID, f.divA, in); err != nil {
			t.Fatal(err)
		}
		l, err := f.svc.Liaison(ctx, f.divA)
		if err != nil || l.Primary.Name != "账号officer" || l.Primary.Email != "officer@example.gov.cn" || l.Primary.Mobile != "13900001111" ||
			l.Deputy.Name != "副手" || l.Deputy.Mobile != "+8613900002222" || l.RouteTo() != officer || l.AgencyID != f.a.ID || l.DivisionName != "甲处" {
			t.Fatalf("liaison: %+v, %v", l, err)
		}
		if p, dp := l.UserIDs(); p != officer || dp != deputy {
			t.Errorf("user ids: %d %d", p, dp)
		}
		// A disabled officer: the work goes to the deputy.
		d.W.ExecContext(ctx, "UPDATE staff_users SET disabled = TRUE WHERE id = $1", officer)
		if l, _ := f.svc.Liaison(ctx, f.divA); l.RouteTo() != deputy || !l.Primary.Disabled {
			t.Errorf("disabled officer: route to %d", l.RouteTo())
		}
		roster, _ := f.svc.Liaisons(ctx, f.a.ID)
		if len(roster) != 2 || !roster[0].Assigned() || roster[1].Assigned() || roster[1].DivisionID != second {
			t.Fatalf("roster: %+v", roster)
		}
		if _, err := f.svc.Liaison(ctx, 999999); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("unknown division: %v", err)
		}
		// Clearing the form removes the liaison.
		if err := f.svc.SetLiaison(ctx, f.adminA, f.a.ID, f.divA, agency.LiaisonInput{}); err != nil {
			t.Fatal(err)
		}
		if missing, _ := f.svc.DivisionsWithoutLiaison(ctx, f.a.ID); len(missing) != 2 {
			t.Errorf("missing after clearing: %+v", missing)
		}
		// A division with a roster entry and no staff can be deleted.
		if err := f.svc.SetLiaison(ctx, f.adminA, f.a.ID, second, agency.LiaisonInput{Primary: agency.ContactInput{Name: "王五"}}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteDivision(ctx, f.adminA, f.a.ID, second); err != nil {
			t.Errorf("delete a division with a liaison: %v", err)
		}
	})
}
