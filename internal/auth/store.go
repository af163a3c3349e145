package auth

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/db"
)

// User is a staff account as the console shows it. Secrets stay unexported.
type User struct {
	ID                 int64
	AgencyID           int64 // 0 for platform staff
	DivisionID         int64
	Username           string
	DisplayName        string
	Email              string
	Phone              string
	Roles              Roles
	TOTPEnabled        bool
	Disabled           bool
	MustChangePassword bool
	FailedLogins       int
	LockedUntil        time.Time
	LastLoginAt        time.Time
	PasswordChangedAt  time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time

	passwordHash string
	totpSecret   string
	totpLastStep int64
}

// Locked reports whether the account is locked at now.
func (u *User) Locked(now time.Time) bool {
	return !u.LockedUntil.IsZero() && now.Before(u.LockedUntil)
}

const userColumns = `id, COALESCE(agency_id, 0), COALESCE(division_id, 0), username, display_name, email, phone,
	password_hash, password_changed_at, must_change_password, totp_secret, totp_enabled, totp_last_step,
	failed_logins, locked_until, disabled, last_login_at, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var locked, last sql.NullTime
	err := row.Scan(&u.ID, &u.AgencyID, &u.DivisionID, &u.Username, &u.DisplayName, &u.Email, &u.Phone,
		&u.passwordHash, &u.PasswordChangedAt, &u.MustChangePassword, &u.totpSecret, &u.TOTPEnabled, &u.totpLastStep,
		&u.FailedLogins, &locked, &u.Disabled, &last, &u.CreatedAt, &u.UpdatedAt)
	if err != nil {
		return nil, err
	}
	u.LockedUntil = locked.Time
	u.LastLoginAt = last.Time
	return &u, nil
}

// loadRoles fills in the roles of users.
func loadRoles(ctx context.Context, q db.Querier, users ...*User) error {
	if len(users) == 0 {
		return nil
	}
	byID := make(map[int64]*User, len(users))
	ph := make([]string, len(users))
	args := make([]any, len(users))
	for i, u := range users {
		byID[u.ID] = u
		u.Roles = nil
		ph[i] = "$" + strconv.Itoa(i+1)
		args[i] = u.ID
	}
	rows, err := q.QueryContext(ctx, "SELECT user_id, role FROM staff_roles WHERE user_id IN ("+strings.Join(ph, ",")+")", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var r string
		if err := rows.Scan(&id, &r); err != nil {
			return err
		}
		byID[id].Roles = append(byID[id].Roles, Role(r))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, u := range users {
		sortRoles(u.Roles)
	}
	return nil
}

func sortRoles(rs Roles) {
	order := map[Role]int{}
	for i, r := range AllRoles {
		order[r] = i
	}
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && order[rs[j]] < order[rs[j-1]]; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

func getUser(ctx context.Context, q db.Querier, where string, arg any) (*User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, "SELECT "+userColumns+" FROM staff_users WHERE "+where, arg))
	if err != nil {
		return nil, db.NotFound(err, "没有这个账号")
	}
	if err := loadRoles(ctx, q, u); err != nil {
		return nil, err
	}
	return u, nil
}

func userByID(ctx context.Context, q db.Querier, id int64) (*User, error) {
	return getUser(ctx, q, "id = $1", id)
}

func userByName(ctx context.Context, q db.Querier, username string) (*User, error) {
	return getUser(ctx, q, "username = $1", strings.ToLower(username))
}

// StaffFilter selects accounts in the staff list.
type StaffFilter struct {
	Text            string // in user name or display name
	Role            Role
	IncludeDisabled bool
}

func listUsers(ctx context.Context, q db.Querier, agencyID int64, f StaffFilter) ([]*User, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if agencyID == 0 {
		where = append(where, "agency_id IS NULL")
	} else {
		where = append(where, "agency_id = "+arg(agencyID))
	}
	if !f.IncludeDisabled {
		where = append(where, "disabled = "+arg(false))
	}
	if f.Text != "" {
		p := arg("%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(f.Text)) + "%")
		where = append(where, "(username LIKE "+p+" ESCAPE '\\' OR LOWER(display_name) LIKE "+p+" ESCAPE '\\')")
	}
	if f.Role != "" {
		where = append(where, "id IN (SELECT user_id FROM staff_roles WHERE role = "+arg(string(f.Role))+")")
	}
	return queryUsers(ctx, q, "SELECT "+userColumns+" FROM staff_users WHERE "+strings.Join(where, " AND ")+" ORDER BY username", args...)
}

// queryUsers runs a query that selects userColumns and loads the roles.
func queryUsers(ctx context.Context, q db.Querier, query string, args ...any) ([]*User, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, loadRoles(ctx, q, out...)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func setRoles(ctx context.Context, tx db.Tx, userID int64, rs Roles) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM staff_roles WHERE user_id = $1", userID); err != nil {
		return err
	}
	for _, r := range rs {
		if _, err := tx.ExecContext(ctx, "INSERT INTO staff_roles (user_id, role) VALUES ($1, $2)", userID, string(r)); err != nil {
			return err
		}
	}
	return nil
}

// session is a row of the sessions table.
type session struct {
	idHash     string
	userID     int64
	state      SessionState
	createdAt  time.Time
	lastSeenAt time.Time
	expiresAt  time.Time
}

func getSession(ctx context.Context, q db.Querier, idHash string) (*session, error) {
	var s session
	err := q.QueryRowContext(ctx, "SELECT id_hash, user_id, state, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = $1", idHash).
		Scan(&s.idHash, &s.userID, &s.state, &s.createdAt, &s.lastSeenAt, &s.expiresAt)
	if err != nil {
		return nil, err
	}
	return &s, nil
}
