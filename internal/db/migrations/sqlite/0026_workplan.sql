-- 工作要点台账: an agency's annual work plan (e.g. 2022年政务公开工作要点) as
-- a tree — parts (一、二、…), their points ((一)(二)…), each point a task,
-- possibly split into sub-tasks (1. 2. …) — with the responsible division,
-- the liaison officer, the deadline, the percent done and the progress
-- updates with their evidence links; and the records of the main leader
-- hearing the disclosure work report (主要负责同志听取政务公开工作汇报).

CREATE TABLE workplans (
    id          INTEGER PRIMARY KEY,
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    year        INTEGER NOT NULL,
    title       TEXT NOT NULL,
    intro       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (agency_id, year)
);

-- Parts of a plan: 一、加强信息公开 保障社会稳定.
CREATE TABLE workplan_parts (
    id       INTEGER PRIMARY KEY,
    plan_id  INTEGER NOT NULL REFERENCES workplans(id),
    seq      INTEGER NOT NULL,
    number   TEXT NOT NULL,
    title    TEXT NOT NULL
);
CREATE INDEX workplan_parts_plan ON workplan_parts(plan_id, seq);

-- Tasks: a point of a part (parent_id NULL) or a sub-task of a point. The
-- percent is the latest progress update's; completed_on is the day it
-- reached 100. due_rule says how the deadline was found (the importer's
-- rule, or 人工设定).
CREATE TABLE workplan_tasks (
    id               INTEGER PRIMARY KEY,
    plan_id          INTEGER NOT NULL REFERENCES workplans(id),
    part_id          INTEGER NOT NULL REFERENCES workplan_parts(id),
    parent_id        INTEGER REFERENCES workplan_tasks(id),
    seq              INTEGER NOT NULL,
    number           TEXT NOT NULL,
    title            TEXT NOT NULL,
    body             TEXT NOT NULL DEFAULT '',
    division_id      INTEGER REFERENCES divisions(id) ON DELETE SET NULL,
    liaison_user_id  INTEGER REFERENCES staff_users(id) ON DELETE SET NULL,
    liaison_name     TEXT NOT NULL DEFAULT '',
    due_on           DATE NOT NULL,
    due_rule         TEXT NOT NULL DEFAULT '',
    percent          INTEGER NOT NULL DEFAULT 0,
    completed_on     DATE,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX workplan_tasks_plan ON workplan_tasks(plan_id, part_id, seq);
CREATE INDEX workplan_tasks_due ON workplan_tasks(due_on, percent);

-- Progress updates (工作进展) of a task, newest last.
CREATE TABLE workplan_progress (
    id           INTEGER PRIMARY KEY,
    task_id      INTEGER NOT NULL REFERENCES workplan_tasks(id),
    reported_on  DATE NOT NULL,
    body         TEXT NOT NULL,
    percent      INTEGER NOT NULL,
    author_id    INTEGER REFERENCES staff_users(id) ON DELETE SET NULL,
    author_name  TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX workplan_progress_task ON workplan_progress(task_id, reported_on, id);

-- Evidence links of a progress update: a published item, an open day, a
-- report… (kind), a site-relative path or an http(s) URL, and its label.
CREATE TABLE workplan_evidence (
    id           INTEGER PRIMARY KEY,
    progress_id  INTEGER NOT NULL REFERENCES workplan_progress(id),
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    url          TEXT NOT NULL,
    label        TEXT NOT NULL
);
CREATE INDEX workplan_evidence_progress ON workplan_evidence(progress_id, seq);

-- 主要负责同志听取政务公开工作汇报: at least one a year (work point 五(一)).
CREATE TABLE workplan_hearings (
    id          INTEGER PRIMARY KEY,
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    held_on     DATE NOT NULL,
    leader      TEXT NOT NULL,
    content     TEXT NOT NULL,
    decisions   TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX workplan_hearings_agency ON workplan_hearings(agency_id, held_on);

-- Per-agency settings: the day of the year by which a hearing must be on
-- record before the year is flagged (default 11-30, see workplan.DefaultHearingDue).
CREATE TABLE workplan_settings (
    agency_id        INTEGER PRIMARY KEY REFERENCES agencies(id),
    hearing_due_md   TEXT NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
