-- An app's own values in a session (a visitor's choices before they sign in, say).

-- migrate:up
ALTER TABLE sessions ADD COLUMN data jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object');
-- A signed-in user's sessions, found together when the account is deactivated.
CREATE INDEX sessions_user_id_idx ON sessions (user_id) WHERE user_id IS NOT NULL;

-- migrate:down
DROP INDEX sessions_user_id_idx;
ALTER TABLE sessions DROP COLUMN data;
