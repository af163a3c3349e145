package auth_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/db/dbtest"
	"github.com/gongkai/gongkai/internal/ratelimit"
)

type fixture struct {
	d       *db.DB
	svc     *auth.Service
	now     time.Time
	op      *auth.Principal
	agencyA int64
	agencyB int64
}

func (f *fixture) clock() time.Time { return f.now }

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{d: d, now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), op: auth.Operator("test")}
	box, _ := auth.NewSecretBox(auth.NewSecretKey())
	f.svc = auth.NewService(d, box, ratelimit.New(d, f.clock), f.clock)
	ctx := context.Background()
	for i, slug := range []string{"a", "b"} {
		var id int64
		err := d.Tx(ctx, func(tx db.Tx) error {
			return tx.QueryRowContext(ctx, `INSERT INTO agencies (slug, kind, name, created_at, updated_at) VALUES ($1, 'bureau', $2, $3, $3) RETURNING id`,
				slug, "机构"+slug, db.Now()).Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.agencyA = id
		} else {
			f.agencyB = id
		}
	}
	return f
}

const goodPassword = "Ximen-Lake-2026"

func (f *fixture) user(t *testing.T, agency int64, name string, roles ...auth.Role) *auth.User {
	t.Helper()
	u, _, err := f.svc.CreateUser(context.Background(), f.op, auth.NewUser{AgencyID: agency, Username: name, DisplayName: "测试" + name, Roles: roles, Password: goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestLockoutAfterFiveFailures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.user(t, f.agencyA, "zhang.san", auth.Editor)
		for i := 1; i <= 5; i++ {
			_, err := f.svc.Login(ctx, "zhang.san", "Wrong-Password-1", "10.0.0.1", "test")
			want := apperr.Unauthorized
			if i == 5 {
				want = apperr.Forbidden
			}
			if apperr.CodeOf(err) != want {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		// The sixth attempt, even with the right password, is refused.
		_, err := f.svc.Login(ctx, "zhang.san", goodPassword, "10.0.0.1", "test")
		if apperr.CodeOf(err) != apperr.Forbidden || !strings.Contains(apperr.MessageOf(err), "锁定") {
			t.Fatalf("locked account logged in: %v", err)
		}
		f.now = f.now.Add(auth.LockDuration + time.Second)
		res, err := f.svc.Login(ctx, "zhang.san", goodPassword, "10.0.0.1", "test")
		if err != nil || res.State != auth.StateActive {
			t.Fatalf("after the lock: %+v %v", res, err)
		}
		entries, _, _ := audit.Search(ctx, d.R, audit.Filter{AgencyID: f.agencyA, Action: "auth.lock"})
		if len(entries) != 1 {
			t.Fatalf("lock not audited: %d", len(entries))
		}
	})
}

func TestFailedLoginsThrottledPerIP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		for i := range auth.FailedLoginsPerIP.Max {
			f.svc.Login(ctx, fmt.Sprintf("nobody%d", i), "Wrong-Password-1", "10.9.9.9", "")
		}
		_, err := f.svc.Login(ctx, "nobody", "Wrong-Password-1", "10.9.9.9", "")
		if apperr.CodeOf(err) != apperr.RateLimited {
			t.Fatalf("want rate limit, got %v", err)
		}
		f.user(t, f.agencyA, "li.si", auth.Editor)
		if _, err := f.svc.Login(ctx, "li.si", goodPassword, "10.1.1.1", ""); err != nil {
			t.Fatalf("another address is throttled too: %v", err)
		}
	})
}

func TestSessionTimeouts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.user(t, f.agencyA, "wang.wu", auth.Editor)
		res, err := f.svc.Login(ctx, "wang.wu", goodPassword, "1.1.1.1", "")
		if err != nil {
			t.Fatal(err)
		}
		// Active use keeps the session alive past 15 minutes …
		for range 5 {
			f.now = f.now.Add(10 * time.Minute)
			if _, err := f.svc.Session(ctx, res.Token, ""); err != nil {
				t.Fatalf("active session ended: %v", err)
			}
		}
		// … but 15 idle minutes end it.
		f.now = f.now.Add(auth.IdleTimeout)
		if _, err := f.svc.Session(ctx, res.Token, ""); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("idle session alive: %v", err)
		}
		// The absolute limit holds however active the user is.
		res, _ = f.svc.Login(ctx, "wang.wu", goodPassword, "1.1.1.1", "")
		for elapsed := time.Duration(0); elapsed < auth.AbsoluteTimeout-10*time.Minute; elapsed += 10 * time.Minute {
			f.now = f.now.Add(10 * time.Minute)
			if _, err := f.svc.Session(ctx, res.Token, ""); err != nil {
				t.Fatalf("ended early at %v: %v", elapsed, err)
			}
		}
		f.now = f.now.Add(10 * time.Minute)
		if _, err := f.svc.Session(ctx, res.Token, ""); err == nil {
			t.Fatal("session outlived 12 hours")
		}
		if _, err := f.svc.Session(ctx, "not-a-token", ""); err == nil {
			t.Fatal("garbage token accepted")
		}
	})
}

func TestSecondFactorFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.user(t, f.agencyA, "admin.a", auth.AgencyAdmin)
		// An administrator without TOTP must enrol before anything else.
		res, err := f.svc.Login(ctx, "admin.a", goodPassword, "1.1.1.1", "")
		if err != nil || res.State != auth.StateEnrol {
			t.Fatalf("%+v %v", res, err)
		}
		p, _ := f.svc.Session(ctx, res.Token, "")
		if auth.Allowed(p, auth.ManageStaff) {
			t.Fatal("enrolling admin has admin rights")
		}
		en, err := f.svc.BeginEnrolment(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ConfirmEnrolment(ctx, p, res.Token, "000000", "", ""); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("wrong code: %v", err)
		}
		code, _ := auth.TOTPCode(en.Secret, f.now)
		full, err := f.svc.ConfirmEnrolment(ctx, p, res.Token, code, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if full == res.Token {
			t.Fatal("session ID not renewed")
		}
		if _, err := f.svc.Session(ctx, res.Token, ""); err == nil {
			t.Fatal("the pre-login session survived")
		}
		p, err = f.svc.Session(ctx, full, "")
		if err != nil || !auth.Allowed(p, auth.ManageStaff) {
			t.Fatalf("after enrolment: %v", err)
		}

		// Next login asks for the code; replaying the enrolment code fails.
		f.now = f.now.Add(time.Second)
		res, _ = f.svc.Login(ctx, "admin.a", goodPassword, "1.1.1.1", "")
		if res.State != auth.StateSecondFactor {
			t.Fatalf("state %s", res.State)
		}
		p, _ = f.svc.Session(ctx, res.Token, "")
		if _, err := f.svc.SecondFactor(ctx, p, res.Token, code, "", ""); err == nil {
			t.Fatal("replayed code accepted")
		}
		f.now = f.now.Add(30 * time.Second)
		code, _ = auth.TOTPCode(en.Secret, f.now)
		tok, err := f.svc.SecondFactor(ctx, p, res.Token, code, "", "")
		if err != nil || tok == res.Token {
			t.Fatalf("second factor: %v", err)
		}
		// Wrong codes count towards the lock.
		res, _ = f.svc.Login(ctx, "admin.a", goodPassword, "1.1.1.1", "")
		p, _ = f.svc.Session(ctx, res.Token, "")
		var last error
		for range auth.MaxFailedLogins {
			_, last = f.svc.SecondFactor(ctx, p, res.Token, "999999", "", "")
		}
		if apperr.CodeOf(last) != apperr.Forbidden {
			t.Fatalf("five wrong codes: %v", last)
		}
	})
}

func TestAgencyScopeOfStaffManagement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		adminA := f.user(t, f.agencyA, "admin.a", auth.AgencyAdmin)
		userB := f.user(t, f.agencyB, "editor.b", auth.Editor)
		pa := &auth.Principal{UserID: adminA.ID, Username: "admin.a", AgencyID: f.agencyA, Roles: adminA.Roles, State: auth.StateActive}

		if _, _, err := f.svc.CreateUser(ctx, pa, auth.NewUser{AgencyID: f.agencyB, Username: "x.y", DisplayName: "X", Roles: auth.Roles{auth.Editor}}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("created in another agency: %v", err)
		}
		if _, _, err := f.svc.CreateUser(ctx, pa, auth.NewUser{AgencyID: 0, Username: "x.y", DisplayName: "X", Roles: auth.Roles{auth.PlatformAdmin}}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("agency admin created a platform admin: %v", err)
		}
		if _, err := f.svc.GetUser(ctx, pa, userB.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("read another agency's account: %v", err)
		}
		if _, err := f.svc.UpdateUser(ctx, pa, userB.ID, auth.UserUpdate{DisplayName: "改", Roles: auth.Roles{auth.Editor}}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("changed another agency's account: %v", err)
		}
		if err := f.svc.SetDisabled(ctx, pa, userB.ID, true); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("disabled another agency's account: %v", err)
		}
		if _, err := f.svc.ResetPassword(ctx, pa, userB.ID, ""); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("reset another agency's password: %v", err)
		}
		if err := f.svc.ResetSecondFactor(ctx, pa, userB.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("reset another agency's 2FA: %v", err)
		}
		if _, _, err := f.svc.CreateToken(ctx, pa, userB.ID, "x", time.Hour); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("token for another agency's account: %v", err)
		}
		if _, err := f.svc.ListUsers(ctx, pa, f.agencyB, auth.StaffFilter{}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("listed another agency: %v", err)
		}
		if _, err := f.svc.ListTokens(ctx, pa, f.agencyB); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("listed another agency's tokens: %v", err)
		}
		_, bTok, err := f.svc.CreateToken(ctx, f.op, userB.ID, "B 的令牌", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RevokeToken(ctx, pa, bTok.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("revoked another agency's token: %v", err)
		}
		list, err := f.svc.ListUsers(ctx, pa, f.agencyA, auth.StaffFilter{})
		if err != nil || len(list) != 1 || list[0].ID != adminA.ID {
			t.Errorf("own list: %v %v", list, err)
		}
		// Nothing in B changed.
		got, _ := f.svc.GetUser(ctx, f.op, userB.ID)
		if got.Disabled || got.DisplayName != userB.DisplayName {
			t.Errorf("agency B account changed: %+v", got)
		}
		// Admins cannot change their own roles or disable themselves.
		if _, err := f.svc.UpdateUser(ctx, pa, adminA.ID, auth.UserUpdate{DisplayName: "A", Roles: auth.Roles{auth.Editor}}); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("changed own roles: %v", err)
		}
		if err := f.svc.SetDisabled(ctx, pa, adminA.ID, true); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("disabled self: %v", err)
		}
	})
}

func TestCreateUserValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		cases := []struct {
			in    auth.NewUser
			field string
		}{
			{auth.NewUser{AgencyID: f.agencyA, Username: "", DisplayName: "张三", Roles: auth.Roles{auth.Editor}}, "username"},
			{auth.NewUser{AgencyID: f.agencyA, Username: "../etc", DisplayName: "张三", Roles: auth.Roles{auth.Editor}}, "username"},
			{auth.NewUser{AgencyID: f.agencyA, Username: "x'; DROP TABLE staff_users;--", DisplayName: "张三", Roles: auth.Roles{auth.Editor}}, "username"},
			{auth.NewUser{AgencyID: f.agencyA, Username: "zhang", DisplayName: "", Roles: auth.Roles{auth.Editor}}, "display_name"},
			{auth.NewUser{AgencyID: f.agencyA, Username: "zhang", DisplayName: "<script>alert(1)</script>", Roles: auth.Roles{auth.Editor}}, "display_name"},
			{auth.NewUser{AgencyID: f.agencyA, Username: "zhang", DisplayName: strings.Repeat("张", 51), Roles: auth.Roles{auth.Editor}}, "display_name"},
			{auth.NewUser{AgencyID: f.agencyA, Username: "zhang", DisplayName: "张三", Email: "not-an-email", Roles: auth.Roles{auth.Editor}}, "email"},
			{auth.NewUser{AgencyID: f.agencyA, Username: "zhang", DisplayName: "张三", Roles: nil}, "roles"},
			{auth.NewUser{AgencyID: f.agencyA, Username: "zhang", DisplayName: "张三", Roles: auth.Roles{auth.Editor}, Password: "short"}, "password"},
			{auth.NewUser{AgencyID: f.agencyA, Username: "zhang", DisplayName: "张三", Roles: auth.Roles{auth.Editor}, DivisionID: 999}, "division_id"},
		}
		for _, tc := range cases {
			_, _, err := f.svc.CreateUser(ctx, f.op, tc.in)
			if apperr.FieldsOf(err)[tc.field] == "" {
				t.Errorf("%+v: want error on %s, got %v", tc.in, tc.field, err)
			}
		}
		f.user(t, f.agencyA, "dup.user", auth.Editor)
		_, _, err := f.svc.CreateUser(ctx, f.op, auth.NewUser{AgencyID: f.agencyB, Username: "DUP.user", DisplayName: "重复", Roles: auth.Roles{auth.Editor}})
		if apperr.FieldsOf(err)["username"] == "" {
			t.Errorf("duplicate user name: %v", err)
		}
		all, _ := f.svc.AllUsers(ctx)
		if len(all) != 1 {
			t.Fatalf("half-saved accounts: %d", len(all))
		}
	})
}

func TestAPITokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		u := f.user(t, f.agencyA, "bridge", auth.Handler)
		secret, tok, err := f.svc.CreateToken(ctx, f.op, u.ID, "12345 对接", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.svc.AuthenticateToken(ctx, secret, "")
		if err != nil || p.UserID != u.ID || !p.ViaToken || !p.Complete() {
			t.Fatalf("%+v %v", p, err)
		}
		// One character changed: the last hex digit, flipped so it always differs.
		flipped := secret[:len(secret)-1] + map[bool]string{true: "1", false: "0"}[secret[len(secret)-1] == '0']
		for _, bad := range []string{"", "gk_", flipped, "Bearer " + secret, strings.Replace(secret, tok.Prefix, "00000000", 1)} {
			if _, err := f.svc.AuthenticateToken(ctx, bad, ""); err == nil {
				t.Errorf("%q accepted", bad)
			}
		}
		f.now = f.now.Add(2 * time.Hour)
		if _, err := f.svc.AuthenticateToken(ctx, secret, ""); err == nil {
			t.Fatal("expired token accepted")
		}
		secret2, tok2, _ := f.svc.CreateToken(ctx, f.op, u.ID, "长期", 365*24*time.Hour)
		if err := f.svc.RevokeToken(ctx, f.op, tok2.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AuthenticateToken(ctx, secret2, ""); err == nil {
			t.Fatal("revoked token accepted")
		}
		secret3, _, _ := f.svc.CreateToken(ctx, f.op, u.ID, "停用前", time.Hour)
		f.svc.SetDisabled(ctx, f.op, u.ID, true)
		if _, err := f.svc.AuthenticateToken(ctx, secret3, ""); err == nil {
			t.Fatal("token of a disabled account accepted")
		}
	})
}

func TestChangeOwnPassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.user(t, f.agencyA, "zhao.liu", auth.Editor)
		r1, _ := f.svc.Login(ctx, "zhao.liu", goodPassword, "", "")
		r2, _ := f.svc.Login(ctx, "zhao.liu", goodPassword, "", "")
		p, _ := f.svc.Session(ctx, r1.Token, "")
		if err := f.svc.ChangeOwnPassword(ctx, p, r1.Token, "wrong", "Nanjing-Road-88", "Nanjing-Road-88"); apperr.FieldsOf(err)["current"] == "" {
			t.Fatalf("wrong current: %v", err)
		}
		if err := f.svc.ChangeOwnPassword(ctx, p, r1.Token, goodPassword, "Nanjing-Road-88", "Nanjing-Road-89"); apperr.FieldsOf(err)["confirm"] == "" {
			t.Fatalf("mismatch: %v", err)
		}
		if err := f.svc.ChangeOwnPassword(ctx, p, r1.Token, goodPassword, "Nanjing-Road-88", "Nanjing-Road-88"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Session(ctx, r1.Token, ""); err != nil {
			t.Fatal("current session ended")
		}
		if _, err := f.svc.Session(ctx, r2.Token, ""); err == nil {
			t.Fatal("other session survived a password change")
		}
		if _, err := f.svc.Login(ctx, "zhao.liu", "Nanjing-Road-88", "", ""); err != nil {
			t.Fatal(err)
		}
	})
}

// TestConcurrentGuessesCannotOvertakeTheLock sends many wrong passwords at
// once: no more than five may be checked before the account locks.
func TestConcurrentGuessesCannotOvertakeTheLock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.user(t, f.agencyA, "race.me", auth.Editor)
		const n = 15
		errs := make(chan error, n)
		start := make(chan struct{})
		for i := range n {
			go func() {
				<-start
				_, err := f.svc.Login(ctx, "race.me", fmt.Sprintf("Wrong-Password-%d", i), fmt.Sprintf("10.0.%d.1", i), "")
				errs <- err
			}()
		}
		close(start)
		checked := 0
		for range n {
			err := <-errs
			msg := apperr.MessageOf(err)
			switch {
			case apperr.CodeOf(err) == apperr.Unauthorized, strings.Contains(msg, "连续 5 次登录失败"):
				checked++
			case strings.Contains(msg, "已锁定"):
			default:
				t.Errorf("unexpected: %v", err)
			}
		}
		if checked > auth.MaxFailedLogins {
			t.Fatalf("%d passwords were checked, at most %d may be", checked, auth.MaxFailedLogins)
		}
		if _, err := f.svc.Login(ctx, "race.me", goodPassword, "10.9.9.9", ""); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("not locked after the burst: %v", err)
		}
	})
}

// TestTOTPCodeCannotBeUsedTwiceConcurrently presents one code on three
// half-finished logins at once: exactly one may complete.
func TestTOTPCodeCannotBeUsedTwiceConcurrently(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.user(t, f.agencyA, "totp.race", auth.AgencyAdmin)
		res, _ := f.svc.Login(ctx, "totp.race", goodPassword, "", "")
		p, _ := f.svc.Session(ctx, res.Token, "")
		en, _ := f.svc.BeginEnrolment(ctx, p)
		code, _ := auth.TOTPCode(en.Secret, f.now)
		if _, err := f.svc.ConfirmEnrolment(ctx, p, res.Token, code, "", ""); err != nil {
			t.Fatal(err)
		}
		f.now = f.now.Add(30 * time.Second)
		code, _ = auth.TOTPCode(en.Secret, f.now)
		type pending struct {
			p     *auth.Principal
			token string
		}
		var logins []pending
		for range 3 {
			r, err := f.svc.Login(ctx, "totp.race", goodPassword, "", "")
			if err != nil || r.State != auth.StateSecondFactor {
				t.Fatalf("%+v %v", r, err)
			}
			pp, _ := f.svc.Session(ctx, r.Token, "")
			logins = append(logins, pending{pp, r.Token})
		}
		results := make(chan error, len(logins))
		start := make(chan struct{})
		for _, l := range logins {
			go func() {
				<-start
				_, err := f.svc.SecondFactor(ctx, l.p, l.token, code, "", "")
				results <- err
			}()
		}
		close(start)
		ok := 0
		for range logins {
			if err := <-results; err == nil {
				ok++
			}
		}
		if ok != 1 {
			t.Fatalf("%d logins completed with one code, want exactly 1", ok)
		}
	})
}

func TestIPv6ClientsAreThrottledPerSlash64(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		for i := range auth.FailedLoginsPerIP.Max {
			f.svc.Login(ctx, "nobody", "Wrong-Password-1", fmt.Sprintf("2001:db8:1:2::%x", i+1), "")
		}
		if _, err := f.svc.Login(ctx, "nobody", "Wrong-Password-1", "2001:db8:1:2:ffff::9", ""); apperr.CodeOf(err) != apperr.RateLimited {
			t.Fatalf("another address in the same /64 is not throttled: %v", err)
		}
		if _, err := f.svc.Login(ctx, "nobody", "Wrong-Password-1", "2001:db8:1:3::1", ""); apperr.CodeOf(err) == apperr.RateLimited {
			t.Fatal("a different /64 is throttled")
		}
	})
}

// TestTokensAndAuditorsKeepDutiesApart: nobody mints a token for someone
// else, and agency administrators cannot take over an auditor's account.
func TestTokensAndAuditorsKeepDutiesApart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		admin := f.user(t, f.agencyA, "duty.admin", auth.AgencyAdmin)
		editor := f.user(t, f.agencyA, "duty.editor", auth.Editor)
		auditor := f.user(t, f.agencyA, "duty.auditor", auth.Auditor)
		pa := &auth.Principal{UserID: admin.ID, Username: admin.Username, AgencyID: f.agencyA, Roles: admin.Roles, State: auth.StateActive}
		pe := &auth.Principal{UserID: editor.ID, Username: editor.Username, AgencyID: f.agencyA, Roles: editor.Roles, State: auth.StateActive}
		for _, target := range []int64{editor.ID, auditor.ID} {
			if _, _, err := f.svc.CreateToken(ctx, pa, target, "冒用", time.Hour); apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("admin minted a token for account %d: %v", target, err)
			}
		}
		if _, _, err := f.svc.CreateToken(ctx, pe, editor.ID, "本人", time.Hour); err != nil {
			t.Errorf("own token: %v", err)
		}
		for _, bad := range []time.Duration{0, -time.Hour, auth.MaxTokenLifetime + time.Hour} {
			if _, _, err := f.svc.CreateToken(ctx, pe, editor.ID, "x", bad); apperr.FieldsOf(err)["days"] == "" {
				t.Errorf("lifetime %v accepted: %v", bad, err)
			}
		}
		mustForbid := func(name string, err error) {
			if apperr.CodeOf(err) != apperr.Forbidden && apperr.FieldsOf(err)["roles"] == "" {
				t.Errorf("%s on an auditor by an agency admin: %v", name, err)
			}
		}
		_, err := f.svc.ResetPassword(ctx, pa, auditor.ID, "")
		mustForbid("ResetPassword", err)
		mustForbid("ResetSecondFactor", f.svc.ResetSecondFactor(ctx, pa, auditor.ID))
		mustForbid("SetDisabled", f.svc.SetDisabled(ctx, pa, auditor.ID, true))
		_, err = f.svc.UpdateUser(ctx, pa, auditor.ID, auth.UserUpdate{DisplayName: "x", Roles: auth.Roles{auth.Auditor}})
		mustForbid("UpdateUser", err)
		_, err = f.svc.UpdateUser(ctx, pa, editor.ID, auth.UserUpdate{DisplayName: "x", Roles: auth.Roles{auth.Auditor}})
		mustForbid("grant auditor", err)
		_, _, err = f.svc.CreateUser(ctx, pa, auth.NewUser{AgencyID: f.agencyA, Username: "new.auditor", DisplayName: "新审计", Roles: auth.Roles{auth.Auditor}})
		mustForbid("CreateUser(auditor)", err)
		// The admin can still see the auditor's account, and the platform
		// administrator (here: the operator) can manage it.
		if _, err := f.svc.GetUser(ctx, pa, auditor.ID); err != nil {
			t.Errorf("admin cannot see the auditor: %v", err)
		}
		if _, err := f.svc.ResetPassword(ctx, f.op, auditor.ID, ""); err != nil {
			t.Errorf("operator reset: %v", err)
		}
	})
}
