package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/ratelimit"
)

// Login security rules (等保三级 practice, OWASP ASVS L2 §2.2, §3.3).
const (
	MaxFailedLogins   = 5                // failed attempts before the account locks
	LockDuration      = 15 * time.Minute // how long it stays locked
	IdleTimeout       = 15 * time.Minute // session ends after this long without a request
	AbsoluteTimeout   = 12 * time.Hour   // session ends this long after login whatever happens
	PendingTimeout    = 10 * time.Minute // time allowed for the second-factor step
	touchInterval     = time.Minute      // last_seen_at is written at most this often
	tokenPrefixLength = 12               // 48 bits: collisions stay negligible
	// MaxTokenLifetime bounds an API token's validity; tokens are renewed yearly.
	MaxTokenLifetime = 365 * 24 * time.Hour
)

// FailedLoginsPerIP throttles guessing across many accounts from one address.
var FailedLoginsPerIP = ratelimit.Rule{Max: 20, Window: 15 * time.Minute}

// Issuer names gongkai in authenticator apps.
const Issuer = "gongkai 政务公开"

// Service is the staff-security service.
type Service struct {
	db      *db.DB
	box     *SecretBox
	limiter *ratelimit.Limiter
	now     func() time.Time
}

// NewService returns the service. now may be nil.
func NewService(d *db.DB, box *SecretBox, limiter *ratelimit.Limiter, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, box: box, limiter: limiter, now: now}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// ---------------------------------------------------------------- accounts

// NewUser is the input for creating an account.
type NewUser struct {
	AgencyID    int64
	DivisionID  int64
	Username    string
	DisplayName string
	Email       string
	Phone       string
	Roles       Roles
	// Password may be empty: a random one is generated and returned.
	Password string
	// MustChangePassword makes the user choose a new password at first login.
	MustChangePassword bool
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,31}$`)
var phonePattern = regexp.MustCompile(`^[0-9+()\- ]{5,30}$`)

func checkProfile(fields map[string]string, displayName, email, phone string) {
	switch n := utf8.RuneCountInString(strings.TrimSpace(displayName)); {
	case n == 0:
		fields["display_name"] = "请填写姓名"
	case n > 50:
		fields["display_name"] = "姓名不能超过 50 个字"
	}
	if strings.ContainsAny(displayName, "<>\"'&") {
		fields["display_name"] = "姓名不能包含 < > \" ' & 等符号"
	}
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
			fields["email"] = "电子邮箱格式不正确"
		}
	}
	if phone != "" && !phonePattern.MatchString(phone) {
		fields["phone"] = "电话号码格式不正确"
	}
}

// CreateUser creates a staff account. The actor must manage staff in the
// account's agency. It returns the account and the initial password.
func (s *Service) CreateUser(ctx context.Context, actor *Principal, in NewUser) (*User, string, error) {
	if !Allowed(actor, ManageStaff) || !actor.CanActIn(in.AgencyID) || (in.AgencyID == 0 && !actor.Roles.Has(PlatformAdmin)) {
		return nil, "", apperr.New(apperr.Forbidden, "您无权在该单位创建账号")
	}
	if in.Roles.Has(Auditor) && !actor.Roles.Has(PlatformAdmin) {
		return nil, "", apperr.FieldErrors(map[string]string{"roles": "安全审计员的账号只能由平台管理员创建"})
	}
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Email = strings.TrimSpace(in.Email)
	in.Phone = strings.TrimSpace(in.Phone)
	fields := map[string]string{}
	if !usernamePattern.MatchString(in.Username) {
		fields["username"] = "用户名须为 3–32 位小写字母、数字或 . _ -，以字母或数字开头"
	}
	checkProfile(fields, in.DisplayName, in.Email, in.Phone)
	if err := CheckRoles(in.Roles, in.AgencyID); err != nil {
		fields["roles"] = apperr.FieldsOf(err)["roles"]
	}
	password := in.Password
	if password == "" {
		password = GeneratePassword()
	} else if err := CheckPassword(password, in.Username); err != nil {
		fields["password"] = apperr.FieldsOf(err)["password"]
	}
	if len(fields) > 0 {
		return nil, "", apperr.FieldErrors(fields)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, "", err
	}
	now := s.clock()
	var id int64
	err = s.db.Tx(ctx, func(tx db.Tx) error {
		if err := checkDivision(ctx, tx, in.AgencyID, in.DivisionID); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO staff_users (agency_id, division_id, username, display_name, email, phone,
			password_hash, password_changed_at, must_change_password, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, $8) RETURNING id`,
			nullID(in.AgencyID), nullID(in.DivisionID), in.Username, in.DisplayName, in.Email, in.Phone,
			hash, now, in.MustChangePassword).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.FieldErrors(map[string]string{"username": "用户名已被使用"})
		}
		if db.IsForeignKeyViolation(err) {
			return apperr.New(apperr.Invalid, "所选单位不存在")
		}
		if err != nil {
			return err
		}
		if err := setRoles(ctx, tx, id, in.Roles); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.Actor(), audit.Event{AgencyID: in.AgencyID, Action: "staff.create",
			ObjectType: "staff", ObjectID: fmt.Sprint(id),
			Summary: fmt.Sprintf("创建账号 %s（%s），角色：%s", in.Username, in.DisplayName, in.Roles.Labels())})
	})
	if err != nil {
		return nil, "", err
	}
	u, err := userByID(ctx, s.db.R, id)
	return u, password, err
}

func checkDivision(ctx context.Context, q db.Querier, agencyID, divisionID int64) error {
	if divisionID == 0 {
		return nil
	}
	var one int
	err := q.QueryRowContext(ctx, "SELECT 1 FROM divisions WHERE id = $1 AND agency_id = $2", divisionID, agencyID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.FieldErrors(map[string]string{"division_id": "所选处室不属于本单位"})
	}
	return err
}

// UserUpdate is the editable part of an account.
type UserUpdate struct {
	DisplayName string
	Email       string
	Phone       string
	DivisionID  int64
	Roles       Roles
}

// scopedUser loads an account the actor may manage.
func (s *Service) scopedUser(ctx context.Context, q db.Querier, actor *Principal, id int64) (*User, error) {
	if !Allowed(actor, ManageStaff) {
		return nil, apperr.New(apperr.Forbidden, "您无权管理账号")
	}
	u, err := userByID(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if !actor.CanActIn(u.AgencyID) || (u.AgencyID == 0 && !actor.Roles.Has(PlatformAdmin)) {
		// Another agency's account is as good as absent.
		return nil, apperr.New(apperr.NotFound, "没有这个账号")
	}
	return u, nil
}

// modifiableUser is scopedUser for changes. Auditors audit the agency
// administrators, so an agency administrator may see but not change, reset
// or disable an auditor's account (三员分立); the platform administrator may.
func (s *Service) modifiableUser(ctx context.Context, q db.Querier, actor *Principal, id int64) (*User, error) {
	u, err := s.scopedUser(ctx, q, actor, id)
	if err != nil {
		return nil, err
	}
	if u.Roles.Has(Auditor) && !actor.Roles.Has(PlatformAdmin) {
		return nil, apperr.New(apperr.Forbidden, "安全审计员的账号只能由平台管理员管理")
	}
	return u, nil
}

// isOperator reports whether p is the server's operator (command line).
func (p *Principal) isOperator() bool {
	return p.UserID == 0 && strings.HasPrefix(p.Username, "cli:") && !p.ViaToken
}

// GetUser returns an account the actor may manage.
func (s *Service) GetUser(ctx context.Context, actor *Principal, id int64) (*User, error) {
	return s.scopedUser(ctx, s.db.R, actor, id)
}

// ListUsers returns the accounts of an agency (0 = platform staff).
func (s *Service) ListUsers(ctx context.Context, actor *Principal, agencyID int64, f StaffFilter) ([]*User, error) {
	if !Allowed(actor, ManageStaff) || !actor.CanActIn(agencyID) || (agencyID == 0 && !actor.Roles.Has(PlatformAdmin)) {
		return nil, apperr.New(apperr.Forbidden, "您无权查看该单位的账号")
	}
	return listUsers(ctx, s.db.R, agencyID, f)
}

// UpdateUser changes an account's profile, division and roles.
func (s *Service) UpdateUser(ctx context.Context, actor *Principal, id int64, up UserUpdate) (*User, error) {
	up.DisplayName = strings.TrimSpace(up.DisplayName)
	up.Email = strings.TrimSpace(up.Email)
	up.Phone = strings.TrimSpace(up.Phone)
	err := s.db.Tx(ctx, func(tx db.Tx) error {
		u, err := s.modifiableUser(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		fields := map[string]string{}
		checkProfile(fields, up.DisplayName, up.Email, up.Phone)
		if err := CheckRoles(up.Roles, u.AgencyID); err != nil {
			fields["roles"] = apperr.FieldsOf(err)["roles"]
		}
		if u.ID == actor.UserID && !sameRoles(u.Roles, up.Roles) {
			fields["roles"] = "不能修改自己的角色，请由另一位管理员操作"
		}
		if up.Roles.Has(Auditor) && !u.Roles.Has(Auditor) && !actor.Roles.Has(PlatformAdmin) {
			fields["roles"] = "安全审计员角色只能由平台管理员授予"
		}
		if len(fields) > 0 {
			return apperr.FieldErrors(fields)
		}
		if err := checkDivision(ctx, tx, u.AgencyID, up.DivisionID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE staff_users SET display_name = $1, email = $2, phone = $3, division_id = $4, updated_at = $5 WHERE id = $6`,
			up.DisplayName, up.Email, up.Phone, nullID(up.DivisionID), s.clock(), id); err != nil {
			return err
		}
		if err := setRoles(ctx, tx, id, up.Roles); err != nil {
			return err
		}
		var changes []string
		if u.DisplayName != up.DisplayName {
			changes = append(changes, fmt.Sprintf("姓名 %s → %s", u.DisplayName, up.DisplayName))
		}
		if u.Email != up.Email {
			changes = append(changes, "电子邮箱")
		}
		if u.Phone != up.Phone {
			changes = append(changes, "电话")
		}
		if u.DivisionID != up.DivisionID {
			changes = append(changes, "处室")
		}
		if !sameRoles(u.Roles, up.Roles) {
			changes = append(changes, fmt.Sprintf("角色 %s → %s", u.Roles.Labels(), up.Roles.Labels()))
			// New duties take effect at the next login.
			if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", id); err != nil {
				return err
			}
		}
		if len(changes) == 0 {
			changes = append(changes, "无变化")
		}
		return audit.Record(ctx, tx, actor.Actor(), audit.Event{AgencyID: u.AgencyID, Action: "staff.update",
			ObjectType: "staff", ObjectID: fmt.Sprint(id), Summary: "修改账号 " + u.Username + "：" + strings.Join(changes, "；")})
	})
	if err != nil {
		return nil, err
	}
	return userByID(ctx, s.db.R, id)
}

func sameRoles(a, b Roles) bool {
	if len(a) != len(b) {
		return false
	}
	for _, r := range a {
		if !b.Has(r) {
			return false
		}
	}
	return true
}

// SetDisabled disables or re-enables an account; disabling ends its sessions
// and API tokens stop working.
func (s *Service) SetDisabled(ctx context.Context, actor *Principal, id int64, disabled bool) error {
	return s.db.Tx(ctx, func(tx db.Tx) error {
		u, err := s.modifiableUser(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if u.ID == actor.UserID && disabled {
			return apperr.New(apperr.Conflict, "不能停用自己的账号")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE staff_users SET disabled = $1, failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $3", disabled, s.clock(), id); err != nil {
			return err
		}
		action, verb := "staff.enable", "启用"
		if disabled {
			action, verb = "staff.disable", "停用"
			if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, actor.Actor(), audit.Event{AgencyID: u.AgencyID, Action: action,
			ObjectType: "staff", ObjectID: fmt.Sprint(id), Summary: verb + "账号 " + u.Username})
	})
}

// ResetPassword gives an account a new random password that must be changed
// at the next login, unlocks it and ends its sessions. It returns the password.
func (s *Service) ResetPassword(ctx context.Context, actor *Principal, id int64, password string) (string, error) {
	var out string
	err := s.db.Tx(ctx, func(tx db.Tx) error {
		u, err := s.modifiableUser(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		must := true
		if password == "" {
			password = GeneratePassword()
		} else {
			if err := CheckPassword(password, u.Username); err != nil {
				return err
			}
			must = actor.UserID != u.ID
		}
		hash, err := HashPassword(password)
		if err != nil {
			return err
		}
		now := s.clock()
		if _, err := tx.ExecContext(ctx, `UPDATE staff_users SET password_hash = $1, password_changed_at = $2, must_change_password = $3,
			failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $4`, hash, now, must, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", id); err != nil {
			return err
		}
		out = password
		return audit.Record(ctx, tx, actor.Actor(), audit.Event{AgencyID: u.AgencyID, Action: "staff.password.reset",
			ObjectType: "staff", ObjectID: fmt.Sprint(id), Summary: "重置账号 " + u.Username + " 的密码"})
	})
	return out, err
}

// ResetSecondFactor removes an account's TOTP; an administrator must set it
// up again at the next login.
func (s *Service) ResetSecondFactor(ctx context.Context, actor *Principal, id int64) error {
	return s.db.Tx(ctx, func(tx db.Tx) error {
		u, err := s.modifiableUser(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE staff_users SET totp_secret = '', totp_enabled = $1, totp_last_step = 0, updated_at = $2 WHERE id = $3", false, s.clock(), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.Actor(), audit.Event{AgencyID: u.AgencyID, Action: "staff.2fa.reset",
			ObjectType: "staff", ObjectID: fmt.Sprint(id), Summary: "重置账号 " + u.Username + " 的双因素认证"})
	})
}

// ChangeOwnPassword lets a logged-in user replace their password. Other
// sessions of the user end; the current one continues.
func (s *Service) ChangeOwnPassword(ctx context.Context, p *Principal, sessionToken, current, next, confirm string) error {
	if p == nil || p.ViaToken {
		return apperr.New(apperr.Unauthorized, "请先登录")
	}
	// Guessing the current password from a session counts like a failed
	// login: the fifth wrong guess locks the account and ends its sessions.
	u, err := userByID(ctx, s.db.R, p.UserID)
	if err != nil {
		return err
	}
	n, locked, err := s.reserveAttempt(ctx, u, p.IP)
	if err != nil {
		return err
	}
	if locked {
		return s.lockedError(ctx, u.ID)
	}
	if ok, _ := VerifyPassword(u.passwordHash, current); !ok {
		if err := s.failAttempt(ctx, u, p.IP, "修改密码时当前密码错误", n); err != nil {
			return err
		}
		if n >= MaxFailedLogins {
			s.db.Tx(ctx, func(tx db.Tx) error {
				_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", u.ID)
				return err
			})
			return apperr.New(apperr.Unauthorized, fmt.Sprintf("当前密码连续 %d 次输入错误，账号已锁定 %d 分钟并已退出登录。", MaxFailedLogins, int(LockDuration.Minutes())))
		}
		return apperr.FieldErrors(map[string]string{"current": "当前密码不正确"})
	}
	s.releaseAttempt(ctx, u.ID)
	return s.db.Tx(ctx, func(tx db.Tx) error {
		u, err := userByID(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		if next != confirm {
			return apperr.FieldErrors(map[string]string{"confirm": "两次输入的新密码不一致"})
		}
		if next == current {
			return apperr.FieldErrors(map[string]string{"password": "新密码不能与当前密码相同"}) // #nosec G101 -- a form error message, no credential
		}
		if err := CheckPassword(next, u.Username); err != nil {
			return err
		}
		hash, err := HashPassword(next)
		if err != nil {
			return err
		}
		now := s.clock()
		if _, err := tx.ExecContext(ctx, "UPDATE staff_users SET password_hash = $1, password_changed_at = $2, must_change_password = $3, updated_at = $2 WHERE id = $4", hash, now, false, u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2", u.ID, hashToken(sessionToken)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: u.AgencyID, Action: "staff.password.change",
			ObjectType: "staff", ObjectID: fmt.Sprint(u.ID), Summary: "修改本人密码"})
	})
}

// ---------------------------------------------------------------- login

// LoginResult is the outcome of a correct password.
type LoginResult struct {
	// Token goes into the session cookie.
	Token string
	State SessionState
}

// Login checks a user name and password. Every attempt is counted against
// the account (5 failures lock it for 15 minutes) and against the client
// address before the password is checked, so concurrent guesses cannot
// overtake the lock; a correct password gives the attempt back.
func (s *Service) Login(ctx context.Context, username, password, ip, userAgent string) (LoginResult, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	if username == "" || password == "" || len(password) > 4*MaxPasswordLength || len(username) > 64 {
		return LoginResult{}, apperr.FieldErrors(map[string]string{"username": "请输入用户名和密码"})
	}
	ipKey := loginIPKey(ip)
	if ok, retry, err := s.limiter.Hit(ctx, ipKey, FailedLoginsPerIP); err != nil {
		return LoginResult{}, err
	} else if !ok {
		return LoginResult{}, apperr.New(apperr.RateLimited, fmt.Sprintf("登录失败次数过多，请 %d 分钟后再试。", minutesCeil(retry)))
	}
	bad := apperr.New(apperr.Unauthorized, "用户名或密码错误。")
	u, err := userByName(ctx, s.db.R, username)
	if apperr.Is(err, apperr.NotFound) {
		VerifyPassword(dummyHash, password)
		// What was typed may be a password typed in the wrong field: only a
		// digest goes into the log, enough to see repeated attempts.
		sum := sha256.Sum256([]byte(username))
		s.recordLogin(ctx, nil, ip, "auth.login.fail", "未知用户名登录失败（用户名摘要 "+hex.EncodeToString(sum[:4])+"）")
		return LoginResult{}, bad
	}
	if err != nil {
		return LoginResult{}, err
	}
	n, locked, err := s.reserveAttempt(ctx, u, ip)
	if err != nil {
		return LoginResult{}, err
	}
	if locked {
		return LoginResult{}, s.lockedError(ctx, u.ID)
	}
	ok, rehash := VerifyPassword(u.passwordHash, password)
	if !ok {
		if err := s.failAttempt(ctx, u, ip, "密码错误", n); err != nil {
			return LoginResult{}, err
		}
		if n >= MaxFailedLogins {
			return LoginResult{}, apperr.New(apperr.Forbidden, fmt.Sprintf("连续 %d 次登录失败，账号已锁定 %d 分钟。", MaxFailedLogins, int(LockDuration.Minutes())))
		}
		return LoginResult{}, bad
	}
	s.limiter.Release(ctx, ipKey, FailedLoginsPerIP)
	if u.Disabled {
		s.releaseAttempt(ctx, u.ID)
		s.recordLogin(ctx, u, ip, "auth.login.fail", "已停用的账号尝试登录")
		return LoginResult{}, apperr.New(apperr.Forbidden, "该账号已停用，请联系本单位管理员。")
	}
	state := StateActive
	switch {
	case u.TOTPEnabled:
		state = StateSecondFactor
	case u.Roles.RequiresSecondFactor():
		state = StateEnrol
	}
	var token string
	err = s.db.Tx(ctx, func(tx db.Tx) error {
		if rehash {
			if h, err := HashPassword(password); err == nil {
				tx.ExecContext(ctx, "UPDATE staff_users SET password_hash = $1 WHERE id = $2", h, u.ID)
			}
		}
		if state == StateActive {
			if err := s.markLoggedIn(ctx, tx, u, ip); err != nil {
				return err
			}
		} else if err := releaseAttemptTx(ctx, tx, u.ID); err != nil {
			// The password was right; the second factor decides now.
			return err
		}
		var err error
		token, err = s.createSession(ctx, tx, u.ID, state, ip, userAgent)
		return err
	})
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Token: token, State: state}, nil
}

// loginIPKey is the rate-limit key of a client address (an IPv6 client by
// its /64, ratelimit.Client).
func loginIPKey(ip string) string {
	return "login-fail:" + ratelimit.Client(ip)
}

// reserveAttempt counts one attempt against the account, atomically and
// before the secret is checked. It reports locked when the account is locked
// or when more attempts are under way than the limit allows (which locks it).
func (s *Service) reserveAttempt(ctx context.Context, u *User, ip string) (n int, locked bool, err error) {
	now := s.clock()
	err = s.db.Tx(ctx, func(tx db.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE staff_users SET failed_logins = failed_logins + 1
			WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2) RETURNING failed_logins`, u.ID, now).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			locked = true
			return nil
		}
		if err != nil {
			return err
		}
		if n > MaxFailedLogins {
			locked = true
			return s.lock(ctx, tx, u, ip, fmt.Sprintf("同时进行的登录尝试超过 %d 次", MaxFailedLogins))
		}
		return nil
	})
	return n, locked, err
}

// failAttempt records a failed attempt whose count reserveAttempt returned;
// the attempt that reaches the limit locks the account.
func (s *Service) failAttempt(ctx context.Context, u *User, ip, why string, n int) error {
	return s.db.Tx(ctx, func(tx db.Tx) error {
		if n >= MaxFailedLogins {
			return s.lock(ctx, tx, u, ip, fmt.Sprintf("%s，连续失败 %d 次", why, n))
		}
		return audit.Record(ctx, tx, audit.Actor{UserID: u.ID, Name: u.Username, IP: ip}, audit.Event{AgencyID: u.AgencyID,
			Action: "auth.login.fail", ObjectType: "staff", ObjectID: fmt.Sprint(u.ID), Summary: fmt.Sprintf("%s，连续失败 %d 次", why, n)})
	})
}

// lock locks the account for LockDuration and ends its unfinished logins.
func (s *Service) lock(ctx context.Context, tx db.Tx, u *User, ip, why string) error {
	if _, err := tx.ExecContext(ctx, "UPDATE staff_users SET failed_logins = 0, locked_until = $1 WHERE id = $2", s.clock().Add(LockDuration), u.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1 AND state <> $2", u.ID, string(StateActive)); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Actor{UserID: u.ID, Name: u.Username, IP: ip}, audit.Event{AgencyID: u.AgencyID,
		Action: "auth.lock", ObjectType: "staff", ObjectID: fmt.Sprint(u.ID),
		Summary: fmt.Sprintf("%s，账号锁定 %d 分钟", why, int(LockDuration.Minutes()))})
}

// releaseAttempt gives back the attempt reserved for a correct secret.
func (s *Service) releaseAttempt(ctx context.Context, userID int64) {
	s.db.Tx(ctx, func(tx db.Tx) error { return releaseAttemptTx(ctx, tx, userID) })
}

func releaseAttemptTx(ctx context.Context, tx db.Tx, userID int64) error {
	_, err := tx.ExecContext(ctx, "UPDATE staff_users SET failed_logins = failed_logins - 1 WHERE id = $1 AND failed_logins > 0", userID)
	return err
}

// lockedError says how long the account stays locked.
func (s *Service) lockedError(ctx context.Context, userID int64) error {
	u, err := userByID(ctx, s.db.W, userID)
	minutes := int(LockDuration.Minutes())
	if err == nil && u.Locked(s.clock()) {
		minutes = minutesCeil(u.LockedUntil.Sub(s.clock()))
	}
	return apperr.New(apperr.Forbidden, fmt.Sprintf("连续登录失败次数过多，账号已锁定，请 %d 分钟后再试。", minutes))
}

func minutesCeil(d time.Duration) int {
	m := int((d + time.Minute - 1) / time.Minute)
	return max(m, 1)
}

func (s *Service) recordLogin(ctx context.Context, u *User, ip, action, summary string) {
	actor := audit.Actor{Name: "anonymous", IP: ip}
	var agency int64
	var obj string
	if u != nil {
		actor = audit.Actor{UserID: u.ID, Name: u.Username, Roles: u.Roles.Strings(), AgencyID: u.AgencyID, IP: ip}
		agency, obj = u.AgencyID, fmt.Sprint(u.ID)
	}
	s.db.Tx(ctx, func(tx db.Tx) error {
		return audit.Record(ctx, tx, actor, audit.Event{AgencyID: agency, Action: action, ObjectType: "staff", ObjectID: obj, Summary: summary})
	})
}

func (s *Service) markLoggedIn(ctx context.Context, tx db.Tx, u *User, ip string) error {
	if _, err := tx.ExecContext(ctx, "UPDATE staff_users SET failed_logins = 0, locked_until = NULL, last_login_at = $1 WHERE id = $2", s.clock(), u.ID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Actor{UserID: u.ID, Name: u.Username, Roles: u.Roles.Strings(), AgencyID: u.AgencyID, IP: ip},
		audit.Event{AgencyID: u.AgencyID, Action: "auth.login", ObjectType: "staff", ObjectID: fmt.Sprint(u.ID), Summary: "登录成功"})
}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (s *Service) createSession(ctx context.Context, tx db.Tx, userID int64, state SessionState, ip, ua string) (string, error) {
	token := newToken()
	now := s.clock()
	expires := now.Add(AbsoluteTimeout)
	if state != StateActive {
		expires = now.Add(PendingTimeout)
	}
	if len(ua) > 300 {
		ua = ua[:300]
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, state, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES ($1, $2, $3, $4, $4, $5, $6, $7)`, hashToken(token), userID, string(state), now, expires, ip, strings.ToValidUTF8(ua, ""))
	return token, err
}

// errNoSession is what every invalid, expired or unknown session yields.
var errNoSession = apperr.New(apperr.Unauthorized, "登录已过期，请重新登录。")

// Session returns the principal of a session token, ending sessions that
// are idle for more than 15 minutes or older than 12 hours.
func (s *Service) Session(ctx context.Context, token, ip string) (*Principal, error) {
	if len(token) != 64 {
		return nil, errNoSession
	}
	h := hashToken(token)
	sess, err := getSession(ctx, s.db.R, h)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, db.Classify(err)
	}
	now := s.clock()
	if !now.Before(sess.expiresAt) || now.Sub(sess.lastSeenAt) >= IdleTimeout {
		s.deleteSession(ctx, h)
		return nil, errNoSession
	}
	u, err := userByID(ctx, s.db.R, sess.userID)
	if err != nil {
		return nil, errNoSession
	}
	if u.Disabled {
		s.deleteSession(ctx, h)
		return nil, errNoSession
	}
	if now.Sub(sess.lastSeenAt) >= touchInterval {
		if err := s.db.Tx(ctx, func(tx db.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2", now, h)
			return err
		}); err != nil {
			return nil, err
		}
	}
	return &Principal{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, AgencyID: u.AgencyID,
		DivisionID: u.DivisionID, Roles: u.Roles, State: sess.state, MustChangePassword: u.MustChangePassword,
		TOTPEnabled: u.TOTPEnabled, IP: ip}, nil
}

func (s *Service) deleteSession(ctx context.Context, idHash string) {
	s.db.Tx(ctx, func(tx db.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE id_hash = $1", idHash)
		return err
	})
}

// Logout ends the session.
func (s *Service) Logout(ctx context.Context, p *Principal, token string) error {
	return s.db.Tx(ctx, func(tx db.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE id_hash = $1", hashToken(token)); err != nil {
			return err
		}
		if p == nil {
			return nil
		}
		return audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: p.AgencyID, Action: "auth.logout",
			ObjectType: "staff", ObjectID: fmt.Sprint(p.UserID), Summary: "退出登录"})
	})
}

// CleanupSessions deletes expired sessions (a periodic job).
func (s *Service) CleanupSessions(ctx context.Context) (int64, error) {
	var n int64
	now := s.clock()
	err := s.db.Tx(ctx, func(tx db.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2", now, now.Add(-IdleTimeout))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// ---------------------------------------------------------------- TOTP

// SecondFactor completes a login with a TOTP code. The pending session is
// replaced by a new one with a new ID. Wrong codes count as failed logins.
func (s *Service) SecondFactor(ctx context.Context, p *Principal, token, code, ip, ua string) (string, error) {
	if p == nil || p.State != StateSecondFactor {
		return "", errNoSession
	}
	u, err := userByID(ctx, s.db.R, p.UserID)
	if err != nil {
		return "", errNoSession
	}
	secret, err := s.box.Open(u.totpSecret)
	if err != nil {
		return "", errSecretKey(err)
	}
	n, locked, err := s.reserveAttempt(ctx, u, ip)
	if err != nil {
		return "", err
	}
	if locked {
		return "", s.lockedError(ctx, u.ID)
	}
	step, ok := VerifyTOTP(secret, code, s.now(), u.totpLastStep)
	if !ok {
		if err := s.failAttempt(ctx, u, ip, "动态验证码错误", n); err != nil {
			return "", err
		}
		if n >= MaxFailedLogins {
			return "", apperr.New(apperr.Forbidden, fmt.Sprintf("连续 %d 次验证失败，账号已锁定 %d 分钟。", MaxFailedLogins, int(LockDuration.Minutes())))
		}
		return "", apperr.FieldErrors(map[string]string{"code": "动态验证码不正确或已使用，请输入验证器中当前显示的 6 位数字"})
	}
	var fresh string
	err = s.db.Tx(ctx, func(tx db.Tx) error {
		if err := useStep(ctx, tx, u.ID, step); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE id_hash = $1", hashToken(token)); err != nil {
			return err
		}
		if err := s.markLoggedIn(ctx, tx, u, ip); err != nil {
			return err
		}
		var err error
		fresh, err = s.createSession(ctx, tx, u.ID, StateActive, ip, ua)
		return err
	})
	if apperr.Is(err, apperr.Invalid) {
		s.failAttempt(ctx, u, ip, "动态验证码重复使用", n)
	}
	return fresh, err
}

// useStep marks a TOTP time step as used, atomically: of two requests that
// present the same code at once, only one may succeed.
func useStep(ctx context.Context, tx db.Tx, userID, step int64) error {
	res, err := tx.ExecContext(ctx, "UPDATE staff_users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1", step, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.FieldErrors(map[string]string{"code": "动态验证码不正确或已使用，请输入验证器中当前显示的 6 位数字"})
	}
	return nil
}

// errSecretKey explains a second-factor secret that cannot be decrypted:
// the installation's secret key is not the one it was made with.
func errSecretKey(err error) error {
	return apperr.Wrap(apperr.Unavailable, "双因素认证暂时无法验证：系统密钥与签发时不一致（GONGKAI_SECRET_KEY 或数据目录中的 secret.key 是否更换过？），请联系运维人员。", err)
}

// Enrolment is what the user needs to set up an authenticator app.
type Enrolment struct {
	Secret string
	URI    string
}

// BeginEnrolment returns the (new or pending) TOTP secret of the user. It is
// stored encrypted but not enabled until ConfirmEnrolment.
func (s *Service) BeginEnrolment(ctx context.Context, p *Principal) (Enrolment, error) {
	if p == nil || p.ViaToken || (p.State != StateEnrol && p.State != StateActive) {
		return Enrolment{}, errNoSession
	}
	u, err := userByID(ctx, s.db.R, p.UserID)
	if err != nil {
		return Enrolment{}, err
	}
	if u.TOTPEnabled {
		return Enrolment{}, apperr.New(apperr.Conflict, "已启用双因素认证。如需更换验证器，请联系管理员重置。")
	}
	var secret string
	if u.totpSecret != "" {
		secret, err = s.box.Open(u.totpSecret)
	}
	if u.totpSecret == "" || err != nil {
		secret = NewTOTPSecret()
		if err := s.db.Tx(ctx, func(tx db.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE staff_users SET totp_secret = $1 WHERE id = $2", s.box.Seal(secret), u.ID)
			return err
		}); err != nil {
			return Enrolment{}, err
		}
	}
	return Enrolment{Secret: secret, URI: TOTPURI(Issuer, u.Username, secret)}, nil
}

// ConfirmEnrolment enables TOTP once the user proves the app works. A login
// that was waiting for enrolment becomes complete, under a new session ID.
func (s *Service) ConfirmEnrolment(ctx context.Context, p *Principal, token, code, ip, ua string) (string, error) {
	if p == nil || p.ViaToken || (p.State != StateEnrol && p.State != StateActive) {
		return "", errNoSession
	}
	u, err := userByID(ctx, s.db.R, p.UserID)
	if err != nil {
		return "", err
	}
	if u.totpSecret == "" {
		return "", apperr.New(apperr.Conflict, "请先获取密钥")
	}
	secret, err := s.box.Open(u.totpSecret)
	if err != nil {
		return "", errSecretKey(err)
	}
	step, ok := VerifyTOTP(secret, code, s.now(), u.totpLastStep)
	if !ok {
		return "", apperr.FieldErrors(map[string]string{"code": "动态验证码不正确，请检查手机时间并输入验证器中当前显示的 6 位数字"})
	}
	var fresh string
	err = s.db.Tx(ctx, func(tx db.Tx) error {
		if err := useStep(ctx, tx, u.ID, step); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE staff_users SET totp_enabled = $1, updated_at = $2 WHERE id = $3", true, s.clock(), u.ID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, p.Actor(), audit.Event{AgencyID: u.AgencyID, Action: "staff.2fa.enable",
			ObjectType: "staff", ObjectID: fmt.Sprint(u.ID), Summary: "启用双因素认证"}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE id_hash = $1", hashToken(token)); err != nil {
			return err
		}
		if p.State == StateEnrol {
			if err := s.markLoggedIn(ctx, tx, u, ip); err != nil {
				return err
			}
		}
		var err error
		fresh, err = s.createSession(ctx, tx, u.ID, StateActive, ip, ua)
		return err
	})
	return fresh, err
}

// ---------------------------------------------------------------- API tokens

// Token is an API token's record (the secret itself is shown once).
type Token struct {
	ID         int64
	UserID     int64
	Username   string
	Name       string
	Prefix     string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// CreateToken issues a bearer token acting as user. It returns the secret,
// which is not stored and cannot be shown again.
func (s *Service) CreateToken(ctx context.Context, actor *Principal, userID int64, name string, ttl time.Duration) (string, *Token, error) {
	name = strings.TrimSpace(name)
	fields := map[string]string{}
	if name == "" || utf8.RuneCountInString(name) > 60 || strings.ContainsAny(name, "<>\x00\r\n") {
		fields["name"] = "请填写令牌用途（不超过 60 个字，不含 < > 等符号）"
	}
	if ttl <= 0 || ttl > MaxTokenLifetime {
		fields["days"] = fmt.Sprintf("有效期须为 1–%d 天", int(MaxTokenLifetime.Hours()/24))
	}
	if len(fields) > 0 {
		return "", nil, apperr.FieldErrors(fields)
	}
	// A token acts with its account's rights without the second factor, so
	// nobody may mint one for somebody else: only the account itself, or the
	// server's operator on the command line.
	if actor == nil || (actor.UserID != userID && !actor.isOperator()) {
		return "", nil, apperr.New(apperr.Forbidden, "只能为本人账号签发 API 令牌")
	}
	if actor.ViaToken {
		return "", nil, apperr.New(apperr.Forbidden, "不能用 API 令牌签发新的令牌")
	}
	var secret string
	var id int64
	err := s.db.Tx(ctx, func(tx db.Tx) error {
		u, err := userByID(ctx, tx, userID)
		if err != nil {
			return err
		}
		if u.Disabled {
			return apperr.New(apperr.Conflict, "账号已停用，不能签发令牌")
		}
		prefix := newToken()[:tokenPrefixLength]
		secret = "gk_" + prefix + "_" + newToken()
		now := s.clock()
		expires := now.Add(ttl)
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, u.ID, name, prefix, hashToken(secret), now, expires).Scan(&id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.Actor(), audit.Event{AgencyID: u.AgencyID, Action: "token.create",
			ObjectType: "api_token", ObjectID: fmt.Sprint(id), Summary: fmt.Sprintf("为账号 %s 签发 API 令牌「%s」（%s…）", u.Username, name, prefix)})
	})
	if err != nil {
		return "", nil, err
	}
	toks, err := s.listTokens(ctx, s.db.R, "t.id = $1", id)
	if err != nil || len(toks) == 0 {
		return "", nil, fmt.Errorf("auth: read new token: %w", err)
	}
	return secret, toks[0], nil
}

func (s *Service) listTokens(ctx context.Context, q db.Querier, where string, args ...any) ([]*Token, error) {
	rows, err := q.QueryContext(ctx, `SELECT t.id, t.user_id, u.username, t.name, t.prefix, t.created_at, t.expires_at, t.last_used_at, t.revoked_at
		FROM api_tokens t JOIN staff_users u ON u.id = t.user_id WHERE `+where+` ORDER BY t.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Token
	for rows.Next() {
		var t Token
		var exp, used, rev sql.NullTime
		if err := rows.Scan(&t.ID, &t.UserID, &t.Username, &t.Name, &t.Prefix, &t.CreatedAt, &exp, &used, &rev); err != nil {
			return nil, err
		}
		t.ExpiresAt, t.LastUsedAt, t.RevokedAt = exp.Time, used.Time, rev.Time
		out = append(out, &t)
	}
	return out, rows.Err()
}

// OwnTokens lists the caller's own tokens.
func (s *Service) OwnTokens(ctx context.Context, p *Principal) ([]*Token, error) {
	if p == nil || p.UserID == 0 {
		return nil, apperr.New(apperr.Unauthorized, "请先登录")
	}
	return s.listTokens(ctx, s.db.R, "t.user_id = $1", p.UserID)
}

// ListTokens lists the tokens of the accounts in an agency the actor
// manages (agencyID 0 = platform accounts), or all of them for the operator.
func (s *Service) ListTokens(ctx context.Context, actor *Principal, agencyID int64) ([]*Token, error) {
	if !Allowed(actor, ManageStaff) {
		return nil, apperr.New(apperr.Forbidden, "您无权查看令牌")
	}
	if actor.AgencyID == 0 && actor.Roles.Has(PlatformAdmin) && agencyID < 0 {
		return s.listTokens(ctx, s.db.R, "1 = 1")
	}
	if !actor.CanActIn(agencyID) {
		return nil, apperr.New(apperr.Forbidden, "您无权查看该单位的令牌")
	}
	if agencyID == 0 {
		return s.listTokens(ctx, s.db.R, "u.agency_id IS NULL")
	}
	return s.listTokens(ctx, s.db.R, "u.agency_id = $1", agencyID)
}

// RevokeToken ends a token now.
func (s *Service) RevokeToken(ctx context.Context, actor *Principal, id int64) error {
	return s.db.Tx(ctx, func(tx db.Tx) error {
		toks, err := s.listTokens(ctx, tx, "t.id = $1", id)
		if err != nil {
			return err
		}
		if len(toks) == 0 {
			return apperr.New(apperr.NotFound, "没有这个令牌")
		}
		t := toks[0]
		var u *User
		if actor.UserID != 0 && actor.UserID == t.UserID {
			u, err = userByID(ctx, tx, t.UserID)
		} else {
			u, err = s.scopedUser(ctx, tx, actor, t.UserID)
		}
		if c := apperr.CodeOf(err); c == apperr.NotFound || c == apperr.Forbidden {
			return apperr.New(apperr.NotFound, "没有这个令牌")
		}
		if err != nil {
			return err
		}
		if !t.RevokedAt.IsZero() {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2", s.clock(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.Actor(), audit.Event{AgencyID: u.AgencyID, Action: "token.revoke",
			ObjectType: "api_token", ObjectID: fmt.Sprint(id), Summary: fmt.Sprintf("吊销账号 %s 的 API 令牌「%s」", u.Username, t.Name)})
	})
}

// AuthenticateToken returns the principal of a bearer token.
func (s *Service) AuthenticateToken(ctx context.Context, bearer, ip string) (*Principal, error) {
	bad := apperr.New(apperr.Unauthorized, "API 令牌无效、已过期或已吊销")
	rest, ok := strings.CutPrefix(bearer, "gk_")
	if !ok || len(rest) != tokenPrefixLength+1+64 || rest[tokenPrefixLength] != '_' {
		return nil, bad
	}
	prefix := rest[:tokenPrefixLength]
	var id, userID int64
	var hash string
	var exp, rev, used sql.NullTime
	err := s.db.R.QueryRowContext(ctx, "SELECT id, user_id, token_hash, expires_at, revoked_at, last_used_at FROM api_tokens WHERE prefix = $1", prefix).
		Scan(&id, &userID, &hash, &exp, &rev, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bad
	}
	if err != nil {
		return nil, db.Classify(err)
	}
	now := s.clock()
	if subtle.ConstantTimeCompare([]byte(hash), []byte(hashToken(bearer))) != 1 || rev.Valid || (exp.Valid && !now.Before(exp.Time)) {
		return nil, bad
	}
	u, err := userByID(ctx, s.db.R, userID)
	if err != nil || u.Disabled {
		return nil, bad
	}
	if !used.Valid || now.Sub(used.Time) >= touchInterval {
		s.db.Tx(ctx, func(tx db.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", now, id)
			return err
		})
	}
	return &Principal{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, AgencyID: u.AgencyID,
		DivisionID: u.DivisionID, Roles: u.Roles, State: StateActive, ViaToken: true, TokenID: id, IP: ip,
		MustChangePassword: u.MustChangePassword}, nil
}

// UserByUsername finds an account for operator commands.
func (s *Service) UserByUsername(ctx context.Context, username string) (*User, error) {
	return userByName(ctx, s.db.R, username)
}

// AllUsers lists every account (operator command).
func (s *Service) AllUsers(ctx context.Context) ([]*User, error) {
	return queryUsers(ctx, s.db.R, "SELECT "+userColumns+" FROM staff_users ORDER BY COALESCE(agency_id, 0), username")
}
