-- The polls app: questions and their choices, with votes counted per choice.

-- migrate:up
CREATE TABLE questions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    question_text text NOT NULL CHECK (length(btrim(question_text)) BETWEEN 1 AND 200),
    published_at timestamptz NOT NULL DEFAULT now(),
    closed boolean NOT NULL DEFAULT false
);

-- The index page lists the newest published questions first.
CREATE INDEX questions_published_at_idx ON questions (published_at DESC, id DESC);

CREATE TABLE choices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    question_id bigint NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    choice_text text NOT NULL CHECK (length(btrim(choice_text)) BETWEEN 1 AND 200),
    -- Counted in place by one UPDATE ... SET votes = votes + 1 per vote.
    votes bigint NOT NULL DEFAULT 0 CHECK (votes >= 0),
    -- Display order; also the index that finds a question's choices.
    position smallint NOT NULL CHECK (position BETWEEN 1 AND 10),
    UNIQUE (question_id, position)
);

-- migrate:down
DROP TABLE choices;
DROP TABLE questions;
