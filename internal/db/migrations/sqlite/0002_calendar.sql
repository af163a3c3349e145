-- 工作日历: statutory days off and make-up working days (调休), per year.
CREATE TABLE calendar_years (
    year        INTEGER PRIMARY KEY,
    source      TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMP NOT NULL,
    updated_by  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE calendar_days (
    day    TEXT PRIMARY KEY,
    year   INTEGER NOT NULL REFERENCES calendar_years(year) ON DELETE CASCADE,
    kind   TEXT NOT NULL CHECK (kind IN ('off', 'makeup')),
    name   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX calendar_days_year ON calendar_days(year);

-- Deadlines that depend on the calendar. Capabilities register them; when a
-- year's arrangement changes, every open one is recomputed.
CREATE TABLE calendar_deadlines (
    id            INTEGER PRIMARY KEY,
    owner         TEXT NOT NULL,
    owner_id      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    start_day     TEXT NOT NULL,
    working_days  INTEGER NOT NULL,
    pauses        TEXT NOT NULL DEFAULT '[]',
    due_day       TEXT NOT NULL,
    open          BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at    TIMESTAMP NOT NULL,
    UNIQUE (owner, owner_id, kind)
);
CREATE INDEX calendar_deadlines_open ON calendar_deadlines(open, due_day);
