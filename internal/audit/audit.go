// Package audit keeps the 审计日志: every state-changing action, written in the
// same transaction as the change, append-only and hash-chained so that an
// edited or deleted entry is detected by Verify (`gongkai audit verify`).
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
)

// Actor is who did something. A zero UserID is the system itself (jobs,
// command line) or an anonymous member of the public.
type Actor struct {
	UserID   int64
	Name     string
	Roles    []string
	AgencyID int64
	IP       string
}

// System is the actor for jobs and start-up work.
var System = Actor{Name: "system"}

// CLI returns the actor for an operator command run on the server.
func CLI(command string) Actor { return Actor{Name: "cli:" + command} }

// Entry is one audit record.
type Entry struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id,omitempty"`
	Actor      string    `json:"actor"`
	Roles      string    `json:"roles,omitempty"`
	AgencyID   int64     `json:"agency_id,omitempty"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type,omitempty"`
	ObjectID   string    `json:"object_id,omitempty"`
	Summary    string    `json:"summary,omitempty"`
	IP         string    `json:"ip,omitempty"`
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
}

// Event is what a caller records; Record fills in time, actor and chain.
type Event struct {
	// AgencyID is the agency whose data changed (0 = platform-wide).
	AgencyID   int64
	Action     string // dotted verb, e.g. "staff.create", "agency.settings.update"
	ObjectType string
	ObjectID   string
	Summary    string // what changed, for a human; never passwords or secrets
}

// Record appends ev by actor inside tx. The caller's change and its audit
// entry commit or roll back together.
func Record(ctx context.Context, tx db.Tx, actor Actor, ev Event) error {
	if ev.Action == "" {
		return errors.New("audit: an entry needs an action")
	}
	e := Entry{
		At:         db.Now(),
		ActorID:    actor.UserID,
		Actor:      actor.Name,
		Roles:      strings.Join(actor.Roles, ","),
		AgencyID:   ev.AgencyID,
		Action:     ev.Action,
		ObjectType: ev.ObjectType,
		ObjectID:   ev.ObjectID,
		Summary:    truncate(ev.Summary, 4000),
		IP:         actor.IP,
	}
	if e.Actor == "" {
		e.Actor = "anonymous"
	}
	_, err := appendEntry(ctx, tx, e)
	return err
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// appendEntry locks the chain head, links e to it and inserts it.
func appendEntry(ctx context.Context, tx db.Tx, e Entry) (Entry, error) {
	q := "SELECT seq, hash FROM audit_head WHERE id = 1"
	if tx.Dialect == db.Postgres {
		q += " FOR UPDATE" // serialises appenders across instances
	}
	var headSeq int64
	var headHash string
	if err := tx.QueryRowContext(ctx, q).Scan(&headSeq, &headHash); err != nil {
		return e, fmt.Errorf("audit: read chain head: %w", err)
	}
	e.Seq = headSeq + 1
	e.PrevHash = headHash
	e.Hash = hashOf(e)
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_entries
		(seq, at, actor_id, actor, roles, agency_id, action, object_type, object_id, summary, ip, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		e.Seq, e.At, nullID(e.ActorID), e.Actor, e.Roles, nullID(e.AgencyID), e.Action,
		e.ObjectType, e.ObjectID, e.Summary, e.IP, e.PrevHash, e.Hash)
	if err != nil {
		return e, fmt.Errorf("audit: insert: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", e.Seq, e.Hash); err != nil {
		return e, fmt.Errorf("audit: move chain head: %w", err)
	}
	return e, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// hashOf is SHA-256 over a JSON array of every field but the hash itself, so
// no field boundary can be shifted without changing the hash.
func hashOf(e Entry) string {
	fields := []string{
		strconv.FormatInt(e.Seq, 10),
		e.At.UTC().Format(time.RFC3339Nano),
		strconv.FormatInt(e.ActorID, 10),
		e.Actor, e.Roles,
		strconv.FormatInt(e.AgencyID, 10),
		e.Action, e.ObjectType, e.ObjectID, e.Summary, e.IP, e.PrevHash,
	}
	b, _ := json.Marshal(fields)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

const selectEntry = `SELECT seq, at, COALESCE(actor_id, 0), actor, roles, COALESCE(agency_id, 0), action,
	object_type, object_id, summary, ip, prev_hash, hash FROM audit_entries`

func scanEntry(rows interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	err := rows.Scan(&e.Seq, &e.At, &e.ActorID, &e.Actor, &e.Roles, &e.AgencyID, &e.Action,
		&e.ObjectType, &e.ObjectID, &e.Summary, &e.IP, &e.PrevHash, &e.Hash)
	e.At = e.At.UTC()
	return e, err
}

// Problem is one break in the chain found by Verify.
type Problem struct {
	Seq     int64
	Message string
}

// Report is the outcome of Verify.
type Report struct {
	Checked  int64
	FirstSeq int64
	LastSeq  int64
	Problems []Problem
}

// OK reports whether the chain is intact.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Verify walks the whole chain from the retention checkpoint (or the start)
// and reports every entry whose hash, link or sequence is wrong, and a head
// that does not match the last entry (entries deleted from the end).
func Verify(ctx context.Context, q db.Querier) (Report, error) {
	var rep Report
	expectSeq := int64(1)
	prev := ""
	var cpSeq sql.NullInt64
	var cpPrev sql.NullString
	err := q.QueryRowContext(ctx, "SELECT seq, prev_hash FROM audit_checkpoints ORDER BY seq DESC LIMIT 1").Scan(&cpSeq, &cpPrev)
	switch {
	case err == nil:
		expectSeq, prev = cpSeq.Int64, cpPrev.String
	case errors.Is(err, sql.ErrNoRows):
	default:
		return rep, fmt.Errorf("audit: read checkpoint: %w", err)
	}
	rep.FirstSeq = expectSeq
	rows, err := q.QueryContext(ctx, selectEntry+" WHERE seq >= $1 ORDER BY seq", expectSeq)
	if err != nil {
		return rep, fmt.Errorf("audit: read entries: %w", err)
	}
	defer rows.Close()
	add := func(seq int64, format string, args ...any) {
		if len(rep.Problems) < 1000 {
			rep.Problems = append(rep.Problems, Problem{Seq: seq, Message: fmt.Sprintf(format, args...)})
		}
	}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return rep, err
		}
		rep.Checked++
		if e.Seq != expectSeq {
			add(e.Seq, "entries %d to %d are missing", expectSeq, e.Seq-1)
		}
		if e.PrevHash != prev {
			add(e.Seq, "does not link to the entry before it (deleted or edited entry)")
		}
		if got := hashOf(e); got != e.Hash {
			add(e.Seq, "content does not match its hash (edited entry)")
		}
		prev = e.Hash
		expectSeq = e.Seq + 1
		rep.LastSeq = e.Seq
	}
	if err := rows.Err(); err != nil {
		return rep, err
	}
	var headSeq int64
	var headHash string
	if err := q.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		return rep, fmt.Errorf("audit: read chain head: %w", err)
	}
	if headSeq != expectSeq-1 || (rep.Checked > 0 && headHash != prev) {
		add(headSeq, "the chain head says the last entry is %d but the log ends at %d (entries deleted from the end)", headSeq, expectSeq-1)
	}
	return rep, nil
}

// Filter selects entries for the auditors' search. AgencyID < 0 means every
// agency (platform auditors); 0 means platform-level entries only.
type Filter struct {
	AgencyID int64
	Actor    string
	Action   string // prefix, e.g. "staff."
	Object   string // object type or id
	Text     string // in the summary
	From, To time.Time
	Limit    int
	Offset   int
}

// AllAgencies in Filter.AgencyID selects entries of every agency.
const AllAgencies = -1

// Search returns the newest entries matching f and the total count.
func Search(ctx context.Context, q db.Querier, f Filter) ([]Entry, int, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch {
	case f.AgencyID > 0:
		where = append(where, "agency_id = "+arg(f.AgencyID))
	case f.AgencyID == 0:
		where = append(where, "agency_id IS NULL")
	}
	if f.Actor != "" {
		where = append(where, "actor = "+arg(f.Actor))
	}
	if f.Action != "" {
		where = append(where, "action LIKE "+arg(likePrefix(f.Action))+" ESCAPE '\\'")
	}
	if f.Object != "" {
		p := arg(f.Object)
		where = append(where, "(object_type = "+p+" OR object_id = "+p+")")
	}
	if f.Text != "" {
		where = append(where, "summary LIKE "+arg("%"+escapeLike(f.Text)+"%")+" ESCAPE '\\'")
	}
	if !f.From.IsZero() {
		where = append(where, "at >= "+arg(f.From.UTC()))
	}
	if !f.To.IsZero() {
		where = append(where, "at < "+arg(f.To.UTC()))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_entries"+cond, args...).Scan(&total); err != nil {
		return nil, 0, db.Classify(err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := q.QueryContext(ctx, selectEntry+cond+" ORDER BY seq DESC LIMIT "+arg(limit)+" OFFSET "+arg(max(f.Offset, 0)), args...)
	if err != nil {
		return nil, 0, db.Classify(err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

func likePrefix(s string) string { return escapeLike(s) + "%" }

// Prune removes entries older than keep (never less than 180 days), after
// writing a checkpoint so that Verify starts the chain at the first kept
// entry. The pruning itself is recorded in the log.
func Prune(ctx context.Context, d *db.DB, keep time.Duration, minKeep time.Duration) (int64, error) {
	if keep < minKeep {
		return 0, apperr.Invalidf("审计日志保存期限不得少于 %d 天", int(minKeep.Hours()/24))
	}
	cutoff := db.Now().Add(-keep)
	var pruned int64
	err := d.Tx(ctx, func(tx db.Tx) error {
		var first sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT MIN(seq) FROM audit_entries WHERE at >= $1", cutoff).Scan(&first); err != nil {
			return err
		}
		var from int64
		if first.Valid {
			from = first.Int64
		} else {
			// Everything is old: keep the newest entry so the chain stays anchored.
			if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM audit_entries").Scan(&from); err != nil {
				return err
			}
		}
		if from <= 1 {
			return nil
		}
		var cp sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT MAX(seq) FROM audit_checkpoints").Scan(&cp); err != nil {
			return err
		}
		if cp.Valid && cp.Int64 >= from {
			return nil
		}
		var prev string
		if err := tx.QueryRowContext(ctx, "SELECT prev_hash FROM audit_entries WHERE seq = $1", from).Scan(&prev); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_entries WHERE seq < $1", from).Scan(&pruned); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO audit_checkpoints (seq, prev_hash, pruned_at, pruned) VALUES ($1, $2, $3, $4)", from, prev, db.Now(), pruned); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM audit_entries WHERE seq < $1", from); err != nil {
			return err
		}
		return Record(ctx, tx, System, Event{Action: "audit.prune", Summary: fmt.Sprintf("按保存期限清理 %d 条 %s 之前的审计记录", pruned, civil.Of(cutoff))})
	})
	return pruned, err
}
