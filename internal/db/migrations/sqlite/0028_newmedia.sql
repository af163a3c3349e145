-- 政务新媒体 (work points 三(二), 四(二)): the registry of an agency's
-- government new-media accounts (platform, name, 主管/主办 units, operator,
-- status, QR image, last update for the two-week freshness rule) and the
-- repost tasks (转发任务) that follow an important policy, interpretation or
-- emergency update: one task per selected account, due by a working-day
-- deadline or, in an emergency, by a date and time.

CREATE TABLE newmedia_accounts (
    id                INTEGER PRIMARY KEY,
    agency_id         INTEGER NOT NULL REFERENCES agencies(id),
    platform          TEXT NOT NULL,
    name              TEXT NOT NULL,
    account_id        TEXT NOT NULL DEFAULT '',
    supervisor        TEXT NOT NULL DEFAULT '',
    sponsor           TEXT NOT NULL,
    operator          TEXT NOT NULL DEFAULT '',
    operator_contact  TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL,
    qr_attachment_id  INTEGER REFERENCES attachments(id),
    last_updated_on   DATE,
    note              TEXT NOT NULL DEFAULT '',
    sort_order        INTEGER NOT NULL DEFAULT 0,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1,
    UNIQUE (agency_id, platform, name)
);
CREATE INDEX newmedia_accounts_agency ON newmedia_accounts(agency_id, status);

-- A repost request: what is to be reposted (an information item of the
-- portal, or a free title and address), its kind and the deadline.
CREATE TABLE newmedia_reposts (
    id            INTEGER PRIMARY KEY,
    agency_id     INTEGER NOT NULL REFERENCES agencies(id),
    item_id       INTEGER,
    title         TEXT NOT NULL,
    url           TEXT NOT NULL,
    kind          TEXT NOT NULL,
    workdays      INTEGER NOT NULL DEFAULT 0,
    due_on        DATE NOT NULL,
    due_at        TIMESTAMP,
    created_by    INTEGER,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX newmedia_reposts_agency ON newmedia_reposts(agency_id, due_on);

-- One account's task of a repost request; done when the link of the post
-- is recorded.
CREATE TABLE newmedia_repost_tasks (
    id           INTEGER PRIMARY KEY,
    repost_id    INTEGER NOT NULL REFERENCES newmedia_reposts(id),
    account_id   INTEGER NOT NULL REFERENCES newmedia_accounts(id),
    done_at      TIMESTAMP,
    link         TEXT NOT NULL DEFAULT '',
    done_by      INTEGER,
    UNIQUE (repost_id, account_id)
);
CREATE INDEX newmedia_repost_tasks_account ON newmedia_repost_tasks(account_id);
