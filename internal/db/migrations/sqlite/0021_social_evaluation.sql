-- 社会评议: an agency's yearly social evaluation campaigns of its disclosure
-- work — evaluator groups with weights (each answering its own
-- questionnaire of internal/survey), a two-level indicator tree with
-- weights, the scores computed when the campaign closes (a snapshot: the
-- published report never changes), the report's narrative and the
-- improvement actions (整改事项) that follow it.

CREATE TABLE evaluations (
    id            INTEGER PRIMARY KEY,
    agency_id     INTEGER NOT NULL REFERENCES agencies(id),
    year          INTEGER NOT NULL,
    title         TEXT NOT NULL,
    intro         TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL,            -- draft, open, closed, published
    summary       TEXT NOT NULL DEFAULT '', -- 总体情况
    problems      TEXT NOT NULL DEFAULT '', -- 主要问题
    measures      TEXT NOT NULL DEFAULT '', -- 改进措施
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    opened_at     TIMESTAMP,
    closed_at     TIMESTAMP,
    published_at  TIMESTAMP,
    version       INTEGER NOT NULL DEFAULT 1,
    UNIQUE (agency_id, year)
);
CREATE INDEX evaluations_agency ON evaluations(agency_id, state, year);

-- Evaluator groups (人大代表, 社会公众…): weight in per cent of the overall
-- score, access invite or open, the questionnaire made when the campaign
-- opens, and the responses counted when it closes.
CREATE TABLE evaluation_groups (
    id             INTEGER PRIMARY KEY,
    evaluation_id  INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    seq            INTEGER NOT NULL,
    name           TEXT NOT NULL,
    weight         INTEGER NOT NULL,
    access         TEXT NOT NULL,
    survey_id      INTEGER REFERENCES surveys(id),
    responses      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (evaluation_id, name)
);

-- The indicator tree: dimensions (parent_id NULL) and their indicators;
-- weights in per cent among siblings.
CREATE TABLE evaluation_indicators (
    id             INTEGER PRIMARY KEY,
    evaluation_id  INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    parent_id      INTEGER REFERENCES evaluation_indicators(id) ON DELETE CASCADE,
    seq            INTEGER NOT NULL,
    name           TEXT NOT NULL,
    weight         INTEGER NOT NULL
);
CREATE INDEX evaluation_indicators_e ON evaluation_indicators(evaluation_id, parent_id, seq);

-- The scores snapshot, in hundredths of a point (0–10000): group_id 0 is
-- across all groups, indicator_id 0 the group's (or the overall) score;
-- answers is how many answers the score rests on. A missing row means no
-- data.
CREATE TABLE evaluation_scores (
    evaluation_id  INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    group_id       INTEGER NOT NULL DEFAULT 0,
    indicator_id   INTEGER NOT NULL DEFAULT 0,
    points         INTEGER NOT NULL,
    answers        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (evaluation_id, group_id, indicator_id)
);

-- Improvement actions (整改事项): to-dos with a due date; done needs a note.
-- division_id names an agency division when one was chosen (no foreign
-- key: the division's name is kept in division should it be removed).
CREATE TABLE evaluation_actions (
    id             INTEGER PRIMARY KEY,
    evaluation_id  INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    agency_id      INTEGER NOT NULL REFERENCES agencies(id),
    title          TEXT NOT NULL,
    indicator_id   INTEGER REFERENCES evaluation_indicators(id),
    division_id    INTEGER NOT NULL DEFAULT 0,
    division       TEXT NOT NULL DEFAULT '',
    due_on         DATE NOT NULL,
    state          TEXT NOT NULL,            -- open, done
    note           TEXT NOT NULL DEFAULT '',
    done_on        DATE,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX evaluation_actions_due ON evaluation_actions(agency_id, state, due_on);
CREATE INDEX evaluation_actions_e ON evaluation_actions(evaluation_id, id);
