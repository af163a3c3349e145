package auth

import (
	"encoding/base32"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("Correct-Horse-42")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash format: %s", h)
	}
	if ok, rehash := VerifyPassword(h, "Correct-Horse-42"); !ok || rehash {
		t.Fatalf("verify: %v %v", ok, rehash)
	}
	if ok, _ := VerifyPassword(h, "correct-horse-42"); ok {
		t.Fatal("wrong password accepted")
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$x$y$z$w", h[:len(h)-5] + "!!!!!", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA"} {
		if ok, _ := VerifyPassword(bad, "x"); ok {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
	h2, _ := HashPassword("Correct-Horse-42")
	if h == h2 {
		t.Fatal("salt not random")
	}
}

func TestPasswordPolicy(t *testing.T) {
	cases := []struct {
		pw   string
		want string // "" = accepted
	}{
		{"Gk-2026-xuanwu-lake", ""},
		{"民族团结进步Shanghai2026", ""},
		{"Tr4m-Line-Blue", ""},
		{"short1A!", "至少需要 12"},
		{"alllowercaseletters", "三类"},
		{"ALLUPPER12345", "三类"},
		{"lower and spaces", "三类"},
		{"Password@2024", "太常见"},
		{"P@ssw0rd2024!", "太常见"},
		{"Admin@123456", "太常见"},
		{"1qaz@WSX3edc", "太常见"},
		{"Qwer1234!@#$", "太常见"},
		{"Woaini1314520", "太常见"},
		{"Aa123456789!", "太常见"},
		{"Aaaa1111!!!!", "太常见"},
		{"Liwei-Gongkai-Xa1", ""},
		{"xx-zhangwei-Pass9", "用户名"},
		{strings.Repeat("Ab1", 50), "不能超过"},
		{"Bad\x00Control12A", "控制字符"},
		{"\xff\xfeInvalidUtf8A1", "无效字符"},
	}
	for _, tc := range cases {
		err := CheckPassword(tc.pw, "zhangwei")
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q rejected: %v", tc.pw, apperr.FieldsOf(err))
			}
			continue
		}
		if err == nil {
			t.Errorf("%q accepted, want %q", tc.pw, tc.want)
			continue
		}
		if msg := apperr.FieldsOf(err)["password"]; !strings.Contains(msg, tc.want) {
			t.Errorf("%q: message %q, want it to contain %q", tc.pw, msg, tc.want)
		}
	}
	for range 50 {
		if pw := GeneratePassword(); CheckPassword(pw, "someone") != nil {
			t.Fatalf("generated password %q fails the policy: %v", pw, CheckPassword(pw, "someone"))
		}
	}
}

// RFC 6238 Appendix B, SHA-1, truncated to 6 digits (the last 6 of the 8).
func TestTOTPVectors(t *testing.T) {
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))
	vectors := map[int64]string{
		59:          "287082",
		1111111109:  "081804",
		1111111111:  "050471",
		1234567890:  "005924",
		2000000000:  "279037",
		20000000000: "353130",
	}
	for ts, want := range vectors {
		got, err := TOTPCode(secret, time.Unix(ts, 0))
		if err != nil || got != want {
			t.Errorf("T=%d: got %s, want %s (%v)", ts, got, want, err)
		}
	}
}

func TestTOTPVerify(t *testing.T) {
	secret := NewTOTPSecret()
	now := time.Unix(1_800_000_000, 0)
	code, _ := TOTPCode(secret, now)
	step, ok := VerifyTOTP(secret, code, now, 0)
	if !ok || step != now.Unix()/30 {
		t.Fatalf("current code rejected")
	}
	if _, ok := VerifyTOTP(secret, code, now, step); ok {
		t.Fatal("replayed code accepted")
	}
	if _, ok := VerifyTOTP(secret, code, now.Add(30*time.Second), 0); !ok {
		t.Fatal("one step of drift rejected")
	}
	if _, ok := VerifyTOTP(secret, code, now.Add(90*time.Second), 0); ok {
		t.Fatal("three steps of drift accepted")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef", "' OR 1=1"} {
		if _, ok := VerifyTOTP(secret, bad, now, 0); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	if uri := TOTPURI("gongkai", "zhang.san", secret); !strings.HasPrefix(uri, "otpauth://totp/gongkai:zhang.san?") || !strings.Contains(uri, "secret="+secret) {
		t.Fatalf("uri %s", uri)
	}
}

func TestSecretBox(t *testing.T) {
	box, err := NewSecretBox(NewSecretKey())
	if err != nil {
		t.Fatal(err)
	}
	sealed := box.Seal("JBSWY3DPEHPK3PXP")
	if strings.Contains(sealed, "JBSWY3DP") {
		t.Fatal("secret visible in sealed form")
	}
	if got, err := box.Open(sealed); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("open: %q %v", got, err)
	}
	other, _ := NewSecretBox(NewSecretKey())
	if _, err := other.Open(sealed); err == nil {
		t.Fatal("opened with another key")
	}
	if _, err := NewSecretBox("too-short"); err == nil {
		t.Fatal("short key accepted")
	}
}

func TestCheckRoles(t *testing.T) {
	cases := []struct {
		roles  Roles
		agency int64
		ok     bool
	}{
		{Roles{Editor, Reviewer}, 1, true},
		{Roles{AgencyAdmin, Approver}, 1, true},
		{Roles{Auditor}, 1, true},
		{Roles{Auditor}, 0, true},
		{Roles{PlatformAdmin}, 0, true},
		{Roles{}, 1, false},
		{Roles{Auditor, Editor}, 1, false},
		{Roles{Auditor, AgencyAdmin}, 1, false},
		{Roles{PlatformAdmin}, 1, false},
		{Roles{PlatformAdmin, Auditor}, 0, false},
		{Roles{Editor}, 0, false},
		{Roles{"wizard"}, 1, false},
	}
	for _, tc := range cases {
		if err := CheckRoles(tc.roles, tc.agency); (err == nil) != tc.ok {
			t.Errorf("%v in agency %d: err %v, want ok=%v", tc.roles, tc.agency, err, tc.ok)
		}
	}
	if rs, err := ParseRoles("editor, reviewer,editor"); err != nil || len(rs) != 2 {
		t.Fatalf("parse: %v %v", rs, err)
	}
	if _, err := ParseRoles("editor,root"); err == nil {
		t.Fatal("unknown role parsed")
	}
}

func TestAllowed(t *testing.T) {
	active := func(agency int64, rs ...Role) *Principal {
		return &Principal{UserID: 1, AgencyID: agency, Roles: rs, State: StateActive}
	}
	if !Allowed(nil, Public) || Allowed(nil, Authenticated) || Allowed(nil, Partial) {
		t.Fatal("anonymous")
	}
	pending := &Principal{UserID: 1, Roles: Roles{AgencyAdmin}, State: StateSecondFactor, AgencyID: 1}
	if Allowed(pending, Authenticated) || Allowed(pending, ManageStaff) || !Allowed(pending, Partial) {
		t.Fatal("a half-logged-in admin has admin rights")
	}
	if !Allowed(active(1, AgencyAdmin), ManageStaff) || Allowed(active(1, Editor), ManageStaff) {
		t.Fatal("staff management")
	}
	if Allowed(active(0, PlatformAdmin), ReadAudit) || !Allowed(active(0, Auditor), ReadAudit) {
		t.Fatal("audit is the auditor's alone")
	}
	if Allowed(active(1, Auditor), ManageStaff) {
		t.Fatal("auditor manages staff")
	}
	if !active(0, PlatformAdmin).CanActIn(7) || active(1, AgencyAdmin).CanActIn(2) || !active(2, Editor).CanActIn(2) {
		t.Fatal("agency scope")
	}
	if active(0, Editor).CanActIn(3) {
		t.Fatal("a platform account without a platform role acts in agencies")
	}
}

func TestCommonPasswordDigitRuns(t *testing.T) {
	for s, want := range map[string]bool{"x123456y": true, "987654": true, "111111": true, "135790": false, "12345": false, "2026-11-29": false} {
		if got := hasDigitRun(s, 6); got != want {
			t.Errorf("hasDigitRun(%q) = %v", s, got)
		}
	}
}
