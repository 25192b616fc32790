-- 0011: staff notes and opinions on a proposal (issue 14). One row per
-- proposal number and staff member: a free-text note and an opinion, either
-- a word (favorable, réservé, défavorable) or a score from 1 to 5. Kept by
-- number, so every revision of the fiche keeps them. Internal to the team:
-- the publication and the letters never read this table. Every change is
-- journaled on the proposal's live revision (actions `note`, `opinion`).
CREATE TABLE proposal_notes (
    number     INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    note       TEXT,
    opinion    TEXT CHECK (opinion IN ('favorable', 'reserve', 'defavorable')),
    score      INTEGER CHECK (score BETWEEN 1 AND 5),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (number, actor),
    CHECK (opinion IS NULL OR score IS NULL)
) STRICT;
