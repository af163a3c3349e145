-- Platform foundation: settings, agencies, divisions, staff, sessions, API
-- tokens, shared rate counters, the hash-chained audit log.

CREATE TABLE platform_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- 机关/单位: bureaus, district bureaus and affiliated institutions, with a parent.
CREATE TABLE agencies (
    id              INTEGER PRIMARY KEY,
    parent_id       INTEGER REFERENCES agencies(id),
    slug            TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL,
    short_name      TEXT NOT NULL DEFAULT '',
    host            TEXT UNIQUE,
    sort_order      INTEGER NOT NULL DEFAULT 0,
    intro           TEXT NOT NULL DEFAULT '',
    address         TEXT NOT NULL DEFAULT '',
    postcode        TEXT NOT NULL DEFAULT '',
    office_hours    TEXT NOT NULL DEFAULT '',
    phone           TEXT NOT NULL DEFAULT '',
    fax             TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    disclosure_office TEXT NOT NULL DEFAULT '',
    index_prefix    TEXT NOT NULL DEFAULT '',
    site_code       TEXT NOT NULL DEFAULT '',
    icp_number      TEXT NOT NULL DEFAULT '',
    police_number   TEXT NOT NULL DEFAULT '',
    party_gov_mark  TEXT NOT NULL DEFAULT '',
    sponsor         TEXT NOT NULL DEFAULT '',
    accent_color    TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX agencies_parent ON agencies(parent_id);

-- 处室
CREATE TABLE divisions (
    id          INTEGER PRIMARY KEY,
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    name        TEXT NOT NULL,
    sort_order  INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (agency_id, name)
);

-- Staff accounts. agency_id is NULL for platform staff (platform admins and
-- platform auditors), who belong to no single agency.
CREATE TABLE staff_users (
    id                   INTEGER PRIMARY KEY,
    agency_id            INTEGER REFERENCES agencies(id),
    division_id          INTEGER REFERENCES divisions(id),
    username             TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    email                TEXT NOT NULL DEFAULT '',
    phone                TEXT NOT NULL DEFAULT '',
    password_hash        TEXT NOT NULL,
    password_changed_at  TIMESTAMP NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    totp_secret          TEXT NOT NULL DEFAULT '',
    totp_enabled         BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step       INTEGER NOT NULL DEFAULT 0,
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         TIMESTAMP,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    last_login_at        TIMESTAMP,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
CREATE INDEX staff_users_agency ON staff_users(agency_id);

CREATE TABLE staff_roles (
    user_id  INTEGER NOT NULL REFERENCES staff_users(id) ON DELETE CASCADE,
    role     TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

-- Server-side sessions, shared by every instance. The cookie holds a random
-- token; only its SHA-256 is stored.
CREATE TABLE sessions (
    id_hash       TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES staff_users(id) ON DELETE CASCADE,
    state         TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    last_seen_at  TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    ip            TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES staff_users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL UNIQUE,
    token_hash    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP,
    last_used_at  TIMESTAMP,
    revoked_at    TIMESTAMP
);

-- Fixed-window counters for limits that must hold across instances
-- (failed logins per IP, public form submissions per IP, …).
CREATE TABLE rate_counters (
    key           TEXT NOT NULL,
    window_start  TIMESTAMP NOT NULL,
    count         INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);

-- 审计日志: append-only and hash-chained; seq has no gaps.
CREATE TABLE audit_entries (
    seq          INTEGER PRIMARY KEY,
    at           TIMESTAMP NOT NULL,
    actor_id     INTEGER,
    actor        TEXT NOT NULL,
    roles        TEXT NOT NULL DEFAULT '',
    agency_id    INTEGER,
    action       TEXT NOT NULL,
    object_type  TEXT NOT NULL DEFAULT '',
    object_id    TEXT NOT NULL DEFAULT '',
    summary      TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_entries_at ON audit_entries(at);
CREATE INDEX audit_entries_agency ON audit_entries(agency_id, seq);
CREATE INDEX audit_entries_actor ON audit_entries(actor_id, seq);

-- The newest entry, written in the same transaction as each append, so that
-- deleting entries from the end of the chain is detected too.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
);

-- Where the chain starts after retention pruning removed older entries.
CREATE TABLE audit_checkpoints (
    seq        INTEGER PRIMARY KEY,
    prev_hash  TEXT NOT NULL,
    pruned_at  TIMESTAMP NOT NULL,
    pruned     INTEGER NOT NULL
);

-- Append-only: no updates at all; deletes only of entries that a retention
-- checkpoint has already cut off.
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
WHEN OLD.seq >= COALESCE((SELECT MAX(seq) FROM audit_checkpoints), 0)
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
