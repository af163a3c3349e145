-- 培训 (work point 五(二)): training courses, their sessions (date, place,
-- 线下/线上, trainer, materials), the agencies invited to each session
-- (district departments of a city bureau among them) and attendance by
-- person and agency, entered in the console or imported from a file.

CREATE TABLE training_courses (
    id          INTEGER PRIMARY KEY,
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    title       TEXT NOT NULL,
    topic       TEXT NOT NULL DEFAULT '',
    organiser   TEXT NOT NULL,
    intro       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (agency_id, title)
);

CREATE TABLE training_sessions (
    id          INTEGER PRIMARY KEY,
    course_id   INTEGER NOT NULL REFERENCES training_courses(id),
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    held_on     DATE NOT NULL,
    start_time  TEXT NOT NULL DEFAULT '',
    place       TEXT NOT NULL,
    format      TEXT NOT NULL,
    trainer     TEXT NOT NULL DEFAULT '',
    materials   TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX training_sessions_agency ON training_sessions(agency_id, held_on);
CREATE INDEX training_sessions_course ON training_sessions(course_id, held_on);

-- The agencies invited to a session besides the organising agency.
CREATE TABLE training_invites (
    session_id  INTEGER NOT NULL REFERENCES training_sessions(id),
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (session_id, agency_id)
);
CREATE INDEX training_invites_agency ON training_invites(agency_id);

-- One attendee of a session: a staff user (user_id) or a person without an
-- account (name only), of the organising or an invited agency.
CREATE TABLE training_attendance (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES training_sessions(id),
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    user_id     INTEGER REFERENCES staff_users(id),
    name        TEXT NOT NULL,
    division    TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL,
    created_by  INTEGER,
    created_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX training_attendance_user ON training_attendance(session_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX training_attendance_name ON training_attendance(session_id, agency_id, name) WHERE user_id IS NULL;
CREATE INDEX training_attendance_person ON training_attendance(user_id);
