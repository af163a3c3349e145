package agency

import (
	"context"
	"database/sql"
	"strings"

	"github.com/gongkai/gongkai/internal/db"
)

const agencyColumns = `id, COALESCE(parent_id, 0), slug, kind, name, short_name, COALESCE(host, ''), sort_order,
	intro, address, postcode, office_hours, phone, fax, email, disclosure_office, index_prefix,
	site_code, icp_number, police_number, party_gov_mark, sponsor, accent_color, created_at, updated_at`

func scanAgency(row interface{ Scan(...any) error }) (*Agency, error) {
	var a Agency
	var kind string
	err := row.Scan(&a.ID, &a.ParentID, &a.Slug, &kind, &a.Name, &a.ShortName, &a.Host, &a.SortOrder,
		&a.Intro, &a.Address, &a.Postcode, &a.OfficeHours, &a.Phone, &a.Fax, &a.Email, &a.DisclosureOffice, &a.IndexPrefix,
		&a.SiteCode, &a.ICPNumber, &a.PoliceNumber, &a.PartyGovMark, &a.Sponsor, &a.Accent, &a.CreatedAt, &a.UpdatedAt)
	a.Kind = Kind(kind)
	return &a, err
}

func getAgency(ctx context.Context, q db.Querier, where string, arg any) (*Agency, error) {
	a, err := scanAgency(q.QueryRowContext(ctx, "SELECT "+agencyColumns+" FROM agencies WHERE "+where, arg))
	if err != nil {
		return nil, db.NotFound(err, "没有这个单位")
	}
	return a, nil
}

func listAgencies(ctx context.Context, q db.Querier, where string, args ...any) ([]*Agency, error) {
	query := "SELECT " + agencyColumns + " FROM agencies"
	if where != "" {
		query += " WHERE " + where
	}
	rows, err := q.QueryContext(ctx, query+" ORDER BY sort_order, id", args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []*Agency
	for rows.Next() {
		a, err := scanAgency(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func insertAgency(ctx context.Context, tx db.Tx, n NewAgency, s Settings) (int64, error) {
	now := db.Now()
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO agencies (parent_id, slug, kind, name, short_name, host, sort_order,
		intro, address, postcode, office_hours, phone, fax, email, disclosure_office, index_prefix,
		site_code, icp_number, police_number, party_gov_mark, sponsor, accent_color, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $23)
		RETURNING id`,
		nullID(n.ParentID), n.Slug, string(n.Kind), n.Name, n.ShortName, nullString(n.Host), n.SortOrder,
		s.Intro, s.Address, s.Postcode, s.OfficeHours, s.Phone, s.Fax, s.Email, s.DisclosureOffice, s.IndexPrefix,
		s.SiteCode, s.ICPNumber, s.PoliceNumber, s.PartyGovMark, s.Sponsor, s.Accent, now).Scan(&id)
	return id, err
}

func updateSettings(ctx context.Context, tx db.Tx, id int64, s Settings) error {
	_, err := tx.ExecContext(ctx, `UPDATE agencies SET intro = $1, address = $2, postcode = $3, office_hours = $4, phone = $5,
		fax = $6, email = $7, disclosure_office = $8, index_prefix = $9, site_code = $10, icp_number = $11,
		police_number = $12, party_gov_mark = $13, sponsor = $14, accent_color = $15, updated_at = $16 WHERE id = $17`,
		s.Intro, s.Address, s.Postcode, s.OfficeHours, s.Phone, s.Fax, s.Email, s.DisclosureOffice, s.IndexPrefix,
		s.SiteCode, s.ICPNumber, s.PoliceNumber, s.PartyGovMark, s.Sponsor, s.Accent, db.Now(), id)
	return err
}

func updateStructure(ctx context.Context, tx db.Tx, id int64, n NewAgency) error {
	_, err := tx.ExecContext(ctx, `UPDATE agencies SET parent_id = $1, slug = $2, kind = $3, name = $4, short_name = $5,
		host = $6, sort_order = $7, updated_at = $8 WHERE id = $9`,
		nullID(n.ParentID), n.Slug, string(n.Kind), n.Name, n.ShortName, nullString(n.Host), n.SortOrder, db.Now(), id)
	return err
}

// Divisions. Every statement names the agency, so that an ID from another
// agency matches nothing.

func listDivisions(ctx context.Context, q db.Querier, agencyID int64) ([]Division, error) {
	rows, err := q.QueryContext(ctx, `SELECT d.id, d.agency_id, d.name, d.sort_order,
		(SELECT COUNT(*) FROM staff_users u WHERE u.division_id = d.id AND u.disabled = $2)
		FROM divisions d WHERE d.agency_id = $1 ORDER BY d.sort_order, d.id`, agencyID, false)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []Division
	for rows.Next() {
		var d Division
		if err := rows.Scan(&d.ID, &d.AgencyID, &d.Name, &d.SortOrder, &d.Staff); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func getDivision(ctx context.Context, q db.Querier, agencyID, id int64) (Division, error) {
	var d Division
	err := q.QueryRowContext(ctx, "SELECT id, agency_id, name, sort_order FROM divisions WHERE id = $1 AND agency_id = $2", id, agencyID).
		Scan(&d.ID, &d.AgencyID, &d.Name, &d.SortOrder)
	return d, db.NotFound(err, "没有这个处室")
}

func insertDivision(ctx context.Context, tx db.Tx, agencyID int64, name string, sort int) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, "INSERT INTO divisions (agency_id, name, sort_order, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
		agencyID, name, sort, db.Now()).Scan(&id)
	return id, err
}

func updateDivision(ctx context.Context, tx db.Tx, agencyID, id int64, name string, sort int) (int64, error) {
	res, err := tx.ExecContext(ctx, "UPDATE divisions SET name = $1, sort_order = $2 WHERE id = $3 AND agency_id = $4", name, sort, id, agencyID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func deleteDivision(ctx context.Context, tx db.Tx, agencyID, id int64) (int64, error) {
	res, err := tx.ExecContext(ctx, "DELETE FROM divisions WHERE id = $1 AND agency_id = $2", id, agencyID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func getSetting(ctx context.Context, q db.Querier, key string) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, "SELECT value FROM platform_settings WHERE key = $1", key).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return v, err
}

func setSetting(ctx context.Context, tx db.Tx, key, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO platform_settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullString(s string) any {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return s
}
