-- Outgoing e-mail (internal/notify). A row is written together with a
-- "notify.send" job in the transaction of the business change that asks for
-- the mail, so mail goes out only if that change commits.
--
-- status runs queued → sent, or queued → failed (a permanent refusal, or
-- max_attempts used up). A message stays queued, with last_error
-- '未配置邮件服务器', while no SMTP server is configured. body is the JSON of
-- notify.Message; recipients and subject repeat it for lists. agency_id is
-- the agency whose mail it is (NULL: platform mail), for agency scope in the
-- console. dedupe_key, when set, makes the message unique for good.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    agency_id       INTEGER REFERENCES agencies(id),
    purpose         TEXT NOT NULL DEFAULT '',
    recipients      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    max_attempts    INTEGER NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    dedupe_key      TEXT UNIQUE,
    send_after      TIMESTAMP NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    last_attempt_at TIMESTAMP,
    sent_at         TIMESTAMP
);
CREATE INDEX outbox_status ON outbox(status, id);
CREATE INDEX outbox_agency ON outbox(agency_id, id);
