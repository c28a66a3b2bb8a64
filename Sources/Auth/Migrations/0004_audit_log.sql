-- What staff did, as Django's admin keeps its LogEntry: written in the same transaction as the
-- change it describes, so the log never claims a change that was rolled back.

-- migrate:up
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    -- Who did it; the name stays when the account is deleted.
    user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    username text NOT NULL,
    -- "add", "change", "delete", ...; what it was done to: "polls.question", "7".
    action text NOT NULL CHECK (action ~ '^[a-z_]{1,40}$'),
    object_type text NOT NULL CHECK (object_type ~ '^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$'),
    object_id text NOT NULL,
    summary text NOT NULL CHECK (length(summary) <= 500)
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);

-- migrate:down
DROP TABLE audit_log;
