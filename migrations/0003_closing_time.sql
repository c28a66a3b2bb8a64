-- A question may close itself: at closes_at a background task (CloseQuestion, queued with the
-- question in the same transaction) sets closed.

-- migrate:up
ALTER TABLE questions ADD COLUMN closes_at timestamptz;
ALTER TABLE questions ADD CONSTRAINT questions_closes_after_publishing CHECK (closes_at > published_at);

-- migrate:down
ALTER TABLE questions DROP COLUMN closes_at;
