-- 联络员: each division's liaison officer and deputy (role 'primary' or
-- 'deputy'), optionally linked to one of the division's staff accounts so
-- that work can be routed to a person. Deleting a division removes its
-- roster; deleting an account only unlinks it.
CREATE TABLE division_liaisons (
    division_id   INTEGER NOT NULL REFERENCES divisions(id) ON DELETE CASCADE,
    agency_id     INTEGER NOT NULL REFERENCES agencies(id),
    role          TEXT NOT NULL,
    user_id       INTEGER REFERENCES staff_users(id) ON DELETE SET NULL,
    name          TEXT NOT NULL,
    position      TEXT NOT NULL DEFAULT '',
    office_phone  TEXT NOT NULL DEFAULT '',
    mobile        TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    updated_by    TEXT NOT NULL DEFAULT '',
    updated_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (division_id, role)
);
CREATE INDEX division_liaisons_agency ON division_liaisons(agency_id);
CREATE INDEX division_liaisons_user ON division_liaisons(user_id);
