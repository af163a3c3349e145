-- 重大行政决策: each agency's yearly decision catalogue (决策事项目录) and the
-- file of every decision through the stages of 《重大行政决策程序暂行条例》.

-- A catalogue of a year; entries are public once it is published.
CREATE TABLE decision_catalogues (
    agency_id     INTEGER NOT NULL REFERENCES agencies(id),
    year          INTEGER NOT NULL,
    published     BOOLEAN NOT NULL DEFAULT FALSE,
    published_on  DATE,
    note          TEXT NOT NULL DEFAULT '',
    published_by  INTEGER REFERENCES staff_users(id),
    updated_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (agency_id, year)
);

-- An entry of the catalogue. Public consultations refer to it
-- (consultations.decision_id).
CREATE TABLE decisions (
    id              INTEGER PRIMARY KEY,
    agency_id       INTEGER NOT NULL REFERENCES agencies(id),
    year            INTEGER NOT NULL,
    title           TEXT NOT NULL,
    division_id     INTEGER NOT NULL REFERENCES divisions(id),
    legal_basis     TEXT NOT NULL DEFAULT '',
    summary         TEXT NOT NULL DEFAULT '',
    planned_timing  TEXT NOT NULL DEFAULT '',
    methods         TEXT NOT NULL DEFAULT '',
    expert_planned  BOOLEAN NOT NULL DEFAULT FALSE,
    risk_planned    BOOLEAN NOT NULL DEFAULT FALSE,
    status          TEXT NOT NULL,
    in_catalogue    BOOLEAN NOT NULL DEFAULT TRUE,
    removed_on      DATE,
    removed_reason  TEXT NOT NULL DEFAULT '',
    sort_order      INTEGER NOT NULL DEFAULT 0,
    created_by      INTEGER REFERENCES staff_users(id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX decisions_agency_year ON decisions(agency_id, year, sort_order);

-- One row per stage of a decision.
CREATE TABLE decision_stages (
    id                   INTEGER PRIMARY KEY,
    decision_id          INTEGER NOT NULL REFERENCES decisions(id) ON DELETE CASCADE,
    kind                 TEXT NOT NULL,
    status               TEXT NOT NULL DEFAULT 'not_started',
    started_on           DATE,
    finished_on          DATE,
    due_on               DATE,
    responsible          TEXT NOT NULL DEFAULT '',
    responsible_user_id  INTEGER REFERENCES staff_users(id),
    summary              TEXT NOT NULL DEFAULT '',
    reason               TEXT NOT NULL DEFAULT '',
    method               TEXT NOT NULL DEFAULT '',
    meeting              TEXT NOT NULL DEFAULT '',
    result               TEXT NOT NULL DEFAULT '',
    dissent              TEXT NOT NULL DEFAULT '',
    venue                TEXT NOT NULL DEFAULT '',
    link                 TEXT NOT NULL DEFAULT '',
    updated_at           TIMESTAMP NOT NULL,
    UNIQUE (decision_id, kind)
);

-- Hearings, symposiums, visits, written consultations, questionnaires and
-- polls (条例 Art. 14–17).
CREATE TABLE decision_hearings (
    id                 INTEGER PRIMARY KEY,
    decision_id        INTEGER NOT NULL REFERENCES decisions(id) ON DELETE CASCADE,
    kind               TEXT NOT NULL,
    title              TEXT NOT NULL,
    held_on            DATE NOT NULL,
    held_until         DATE,
    time_text          TEXT NOT NULL DEFAULT '',
    place              TEXT NOT NULL DEFAULT '',
    announced_on       DATE,
    selection          TEXT NOT NULL DEFAULT '',
    participants       TEXT NOT NULL DEFAULT '[]',
    mask_names         BOOLEAN NOT NULL DEFAULT TRUE,
    materials_sent_on  DATE,
    record_signed      BOOLEAN NOT NULL DEFAULT FALSE,
    record_signed_on   DATE,
    summary            TEXT NOT NULL DEFAULT '',
    results            TEXT NOT NULL DEFAULT '',
    created_by         INTEGER REFERENCES staff_users(id),
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX decision_hearings_decision ON decision_hearings(decision_id, held_on);

-- Documents of a decision, a stage or a hearing; public ones are shown on
-- the portal, all of them go into the archive.
CREATE TABLE decision_files (
    id             INTEGER PRIMARY KEY,
    decision_id    INTEGER NOT NULL REFERENCES decisions(id) ON DELETE CASCADE,
    stage          TEXT NOT NULL DEFAULT '',
    hearing_id     INTEGER REFERENCES decision_hearings(id),
    attachment_id  INTEGER NOT NULL REFERENCES attachments(id),
    title          TEXT NOT NULL,
    public         BOOLEAN NOT NULL DEFAULT FALSE,
    created_by     INTEGER REFERENCES staff_users(id),
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX decision_files_decision ON decision_files(decision_id, id);

-- Changes of a published catalogue during the year.
CREATE TABLE decision_adjustments (
    id           INTEGER PRIMARY KEY,
    decision_id  INTEGER NOT NULL REFERENCES decisions(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    adjusted_on  DATE NOT NULL,
    reason       TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '',
    created_by   INTEGER REFERENCES staff_users(id),
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX decision_adjustments_decision ON decision_adjustments(decision_id, adjusted_on);

-- Every change, with who and when.
CREATE TABLE decision_events (
    id           INTEGER PRIMARY KEY,
    decision_id  INTEGER NOT NULL REFERENCES decisions(id) ON DELETE CASCADE,
    at           TIMESTAMP NOT NULL,
    actor_id     INTEGER,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX decision_events_decision ON decision_events(decision_id, id);
