-- 工作日历: statutory days off and make-up working days (调休), per year
-- (domain reference §8). One row per year whose arrangement is known; a year
-- without a row follows the Monday–Friday rule. origin 'embedded' rows were
-- seeded from the data shipped with the binary and may be updated by a newer
-- release; 'admin' rows were entered by an administrator and are never
-- overwritten by seeding.
CREATE TABLE calendar_years (
    year        INTEGER PRIMARY KEY,
    source      TEXT NOT NULL DEFAULT '',
    origin      TEXT NOT NULL DEFAULT 'admin' CHECK (origin IN ('embedded', 'admin')),
    updated_at  TIMESTAMP NOT NULL,
    updated_by  TEXT NOT NULL DEFAULT ''
);

-- The days a year's notice lists. year is the notice's year, which for the
-- last days of December may be the next calendar year (2022-12-31 belongs to
-- the 2023 notice).
CREATE TABLE calendar_days (
    day    TEXT PRIMARY KEY,
    year   INTEGER NOT NULL REFERENCES calendar_years(year) ON DELETE CASCADE,
    kind   TEXT NOT NULL CHECK (kind IN ('off', 'makeup')),
    name   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX calendar_days_year ON calendar_days(year);

-- Deadlines that depend on the calendar. Capabilities register them; when a
-- year's arrangement changes, every open one whose span touches it is
-- recomputed in the same transaction. pauses is a JSON array of
-- {"from","to","note"} inclusive date ranges that do not count (Art. 33 ¶3).
-- provisional: the due date depends on a year whose arrangement is unknown.
CREATE TABLE calendar_deadlines (
    id            INTEGER PRIMARY KEY,
    owner         TEXT NOT NULL,
    owner_id      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    start_day     TEXT NOT NULL,
    working_days  INTEGER NOT NULL,
    pauses        TEXT NOT NULL DEFAULT '[]',
    due_day       TEXT NOT NULL,
    provisional   BOOLEAN NOT NULL DEFAULT FALSE,
    open          BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    UNIQUE (owner, owner_id, kind)
);
CREATE INDEX calendar_deadlines_open ON calendar_deadlines(open, due_day);

-- Bumped in every transaction that changes the calendar; each instance polls
-- it to know when to reload its cached copy.
INSERT INTO platform_settings (key, value) VALUES ('calendar_version', '0');
