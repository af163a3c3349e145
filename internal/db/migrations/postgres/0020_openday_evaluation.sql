-- The post-event evaluation of an open day: the questionnaire its
-- attendees were invited to (internal/survey), whose results the event's
-- page links once published.
ALTER TABLE opendays ADD COLUMN evaluation_survey_id BIGINT;
