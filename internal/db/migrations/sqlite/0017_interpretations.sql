-- 政策解读: an interpretation item explains one or more policy items, in
-- a form (text, 图解, video, audio, Q&A, press or interview record); and
-- 预测研判, the short assessment a major item needs before approval.

CREATE TABLE interpretations (
    item_id         INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    form            TEXT NOT NULL,
    transcript      TEXT NOT NULL DEFAULT '',
    updated_at      TIMESTAMP NOT NULL
);

CREATE TABLE interpretation_links (
    interpretation_id  INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    policy_id          INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    PRIMARY KEY (interpretation_id, policy_id)
);
CREATE INDEX interpretation_links_policy ON interpretation_links(policy_id);

-- 图解: each image of the sequence with its alt text and long description.
CREATE TABLE interpretation_frames (
    item_id        INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    attachment_id  INTEGER NOT NULL REFERENCES attachments(id),
    seq            INTEGER NOT NULL,
    alt            TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (item_id, attachment_id)
);

-- 问答: structured question–answer pairs.
CREATE TABLE interpretation_qas (
    item_id   INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    question  TEXT NOT NULL,
    answer    TEXT NOT NULL,
    PRIMARY KEY (item_id, seq)
);

-- A policy that needs no interpretation says why.
ALTER TABLE items ADD COLUMN interpretation_exempt TEXT NOT NULL DEFAULT '';
-- 重大信息: needs the pre-publication assessment.
ALTER TABLE items ADD COLUMN major BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE item_assessments (
    item_id               INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    reaction              TEXT NOT NULL,
    risk                  TEXT NOT NULL,
    plan                  TEXT NOT NULL,
    interpretation_ready  BOOLEAN NOT NULL DEFAULT FALSE,
    assessed_by           INTEGER REFERENCES staff_users(id),
    assessed_at           TIMESTAMP NOT NULL
);

-- Working days an interpretation may follow its policy (0: the same day).
ALTER TABLE disclosure_settings ADD COLUMN interpretation_days INTEGER NOT NULL DEFAULT 0;
