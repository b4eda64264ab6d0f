-- kioski schema version 1: what terminals send, and views for charts.
-- Times are timestamptz (a store's Unix milliseconds, exactly).
-- Documented in docs/postgres.md.

CREATE TABLE surveys (
    id text PRIMARY KEY,
    first_loaded_at timestamptz NOT NULL
);

-- One row per survey version: its hash (64 hex digits of SHA-256 of the
-- canonical form) and the survey file's text as loaded.
CREATE TABLE survey_versions (
    hash text PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
    survey_id text NOT NULL REFERENCES surveys (id),
    source text NOT NULL,
    loaded_at timestamptz NOT NULL
);
CREATE INDEX survey_versions_survey ON survey_versions (survey_id, loaded_at);

-- Each version's questions, for views that need a question's type or
-- scale (top-2 of a rating).
CREATE TABLE survey_questions (
    version_hash text NOT NULL REFERENCES survey_versions (hash),
    question text NOT NULL,
    position int NOT NULL,
    kind text NOT NULL,
    scale int,
    PRIMARY KEY (version_hash, question)
);

CREATE TABLE terminals (
    name text PRIMARY KEY,
    first_seen timestamptz NOT NULL,
    last_seen timestamptz NOT NULL
);

CREATE TABLE responses (
    id uuid PRIMARY KEY,
    survey_id text NOT NULL REFERENCES surveys (id),
    version_hash text NOT NULL REFERENCES survey_versions (hash),
    terminal text NOT NULL REFERENCES terminals (name),
    lang text NOT NULL,
    started_at timestamptz NOT NULL,
    submitted_at timestamptz NOT NULL,
    complete boolean NOT NULL,
    simulated boolean NOT NULL,
    suspect boolean NOT NULL,
    answers jsonb NOT NULL
);
-- Scans read a survey's responses in id (= time) order.
CREATE INDEX responses_survey_id ON responses (survey_id, id);

-- One row per chosen option (a multi or ranking has several), or per
-- value (rating, nps, number: value; yes/no: option yes/no and value 1/0),
-- or per text. Removed with its response.
CREATE TABLE answers (
    response_id uuid NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    survey_id text NOT NULL,
    question text NOT NULL,
    kind text NOT NULL,
    option text,
    value double precision,
    text text,
    position int
);
CREATE INDEX answers_response ON answers (response_id);
CREATE INDEX answers_survey_question ON answers (survey_id, question);

-- What each store has sent: the sequence number of its change log that
-- the last push confirmed.
CREATE TABLE sync_cursors (
    store_id uuid PRIMARY KEY,
    terminal text NOT NULL,
    seq bigint NOT NULL,
    updated_at timestamptz NOT NULL
);

-- The views count what tallies count by default: complete responses,
-- neither suspect nor simulated. Days are in the session's TimeZone
-- (SET TimeZone = 'Europe/Helsinki' in the dashboard's connection).

-- Counts per option (or value) per day, terminal and question; a
-- ranking counts its first places.
CREATE VIEW answer_counts_daily AS
SELECT r.submitted_at::date AS day,
       r.survey_id,
       r.terminal,
       a.question,
       a.kind,
       coalesce(a.option, a.value::text) AS option,
       count(*) AS answers
FROM answers a
JOIN responses r ON r.id = a.response_id
WHERE r.complete AND NOT r.suspect AND NOT r.simulated
  AND (a.option IS NOT NULL OR a.value IS NOT NULL)
  AND (a.position IS NULL OR a.position = 1)
GROUP BY 1, 2, 3, 4, 5, 6;

-- NPS per day, terminal and question: promoters 9-10, passives 7-8,
-- detractors 0-6; nps = 100 * (promoters - detractors) / answers. Sum the
-- counts to combine days or terminals, then compute the NPS again.
CREATE VIEW nps_daily AS
SELECT r.submitted_at::date AS day,
       r.survey_id,
       r.terminal,
       a.question,
       count(*) AS answers,
       count(*) FILTER (WHERE a.value >= 9) AS promoters,
       count(*) FILTER (WHERE a.value BETWEEN 7 AND 8) AS passives,
       count(*) FILTER (WHERE a.value <= 6) AS detractors,
       round(100.0 * (count(*) FILTER (WHERE a.value >= 9)
                      - count(*) FILTER (WHERE a.value <= 6)) / count(*), 1) AS nps
FROM answers a
JOIN responses r ON r.id = a.response_id
WHERE r.complete AND NOT r.suspect AND NOT r.simulated AND a.kind = 'nps'
GROUP BY 1, 2, 3, 4;

-- Top-2-box per day, terminal and rating question: the share of answers
-- in the two highest grades of its scale (4-5 of 1-5).
CREATE VIEW top2_daily AS
SELECT r.submitted_at::date AS day,
       r.survey_id,
       r.terminal,
       a.question,
       count(*) AS answers,
       count(*) FILTER (WHERE a.value >= q.scale - 1) AS top2,
       round(count(*) FILTER (WHERE a.value >= q.scale - 1)::numeric / count(*), 4) AS top2_share
FROM answers a
JOIN responses r ON r.id = a.response_id
JOIN survey_questions q ON q.version_hash = r.version_hash AND q.question = a.question
WHERE r.complete AND NOT r.suspect AND NOT r.simulated AND a.kind = 'rating'
GROUP BY 1, 2, 3, 4;
