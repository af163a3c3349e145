-- 问卷: questionnaires of an agency, their questions, invitation tokens,
-- and the responses with their answers (the questionnaire engine, issue 8).

CREATE TABLE surveys (
    id               INTEGER PRIMARY KEY,
    agency_id        INTEGER NOT NULL REFERENCES agencies(id),
    title            TEXT NOT NULL,
    intro            TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL,            -- draft, open, closed
    access           TEXT NOT NULL,            -- anonymous, open, invite
    publish_results  BOOLEAN NOT NULL DEFAULT FALSE,
    created_by       INTEGER REFERENCES staff_users(id),
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    opened_at        TIMESTAMP,
    closed_at        TIMESTAMP,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX surveys_agency ON surveys(agency_id, state);

-- Questions in order; choices and matrix rows are newline-separated;
-- show_if_seq/show_if_choice (0 = always) name an earlier single-choice
-- question and the 1-based choice that shows this one.
CREATE TABLE survey_questions (
    id              INTEGER PRIMARY KEY,
    survey_id       INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    required        BOOLEAN NOT NULL DEFAULT FALSE,
    choices         TEXT NOT NULL DEFAULT '',
    matrix_rows     TEXT NOT NULL DEFAULT '',
    scale_max       INTEGER NOT NULL DEFAULT 0,
    show_if_seq     INTEGER NOT NULL DEFAULT 0,
    show_if_choice  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (survey_id, seq)
);

CREATE TABLE survey_responses (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    name        TEXT NOT NULL DEFAULT '',
    contact     TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX survey_responses_s ON survey_responses(survey_id, id);

-- One response per invitation: used_at is set once, atomically.
CREATE TABLE survey_tokens (
    id           INTEGER PRIMARY KEY,
    survey_id    INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    token        TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    used_at      TIMESTAMP,
    response_id  INTEGER REFERENCES survey_responses(id)
);
CREATE INDEX survey_tokens_s ON survey_tokens(survey_id, id);

-- An answer: choice (1-based; the value for a scale), row (1-based, matrix
-- only) or text; a multiple choice has one row per chosen choice.
CREATE TABLE survey_answers (
    id           INTEGER PRIMARY KEY,
    response_id  INTEGER NOT NULL REFERENCES survey_responses(id) ON DELETE CASCADE,
    question_id  INTEGER NOT NULL REFERENCES survey_questions(id) ON DELETE CASCADE,
    row_no       INTEGER NOT NULL DEFAULT 0,
    choice       INTEGER NOT NULL DEFAULT 0,
    body         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX survey_answers_r ON survey_answers(response_id);
CREATE INDEX survey_answers_q ON survey_answers(question_id, row_no, choice);
