-- 政府开放日: open days of an agency, their participant groups with
-- quotas, the sign-ups (confirmed, waitlisted, applied for selection) and
-- the check-ins.

CREATE TABLE opendays (
    id             INTEGER PRIMARY KEY,
    agency_id      INTEGER NOT NULL REFERENCES agencies(id),
    theme          TEXT NOT NULL,
    series         TEXT NOT NULL DEFAULT '',
    agenda         TEXT NOT NULL DEFAULT '',
    place          TEXT NOT NULL DEFAULT '',
    starts_at      TIMESTAMP NOT NULL,
    ends_at        TIMESTAMP NOT NULL,
    signup_opens   TIMESTAMP NOT NULL,
    signup_closes  TIMESTAMP NOT NULL,
    capacity       INTEGER NOT NULL,
    taken          INTEGER NOT NULL DEFAULT 0,
    waitlist_next  INTEGER NOT NULL DEFAULT 0,
    selection      TEXT NOT NULL DEFAULT 'fcfs',
    selection_published BOOLEAN NOT NULL DEFAULT FALSE,
    state          TEXT NOT NULL,
    summary        TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX opendays_agency ON opendays(agency_id, state, starts_at);

-- Participant groups (人大代表, 市民…) with their quota of seats.
CREATE TABLE openday_groups (
    id        INTEGER PRIMARY KEY,
    event_id  INTEGER NOT NULL REFERENCES opendays(id),
    seq       INTEGER NOT NULL,
    name      TEXT NOT NULL,
    quota     INTEGER NOT NULL,
    taken     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (event_id, name)
);

-- Sign-ups; the registration code is kept only as a hash.
CREATE TABLE openday_signups (
    id             INTEGER PRIMARY KEY,
    event_id       INTEGER NOT NULL REFERENCES opendays(id),
    group_id       INTEGER NOT NULL REFERENCES openday_groups(id),
    name           TEXT NOT NULL,
    phone          TEXT NOT NULL,
    email          TEXT NOT NULL DEFAULT '',
    code_hash      TEXT NOT NULL,
    status         TEXT NOT NULL,
    waitlist_pos   INTEGER NOT NULL DEFAULT 0,
    source         TEXT NOT NULL,
    ip             TEXT NOT NULL DEFAULT '',
    checked_in_at  TIMESTAMP,
    reminded_at    TIMESTAMP,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    UNIQUE (event_id, code_hash)
);
CREATE UNIQUE INDEX openday_signups_phone ON openday_signups(event_id, phone) WHERE status <> 'cancelled';
CREATE INDEX openday_signups_event ON openday_signups(event_id, status, waitlist_pos);
