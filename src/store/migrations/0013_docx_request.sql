-- 0013: a letter that is not about a proposal: the "demande de .docx", asking
-- the sender of a message whose attachment could not be read (a .doc, a PDF,
-- a scan…) to send the fiche again as .docx or .xlsx (issue 14).
--
-- SQLite cannot change a column's NOT NULL or a CHECK in place: `letters` is
-- rebuilt with `proposal_id` nullable, 'docx_request' among the kinds, and
-- `about_message`, the message the letter answers (set for a demande de
-- .docx; a letter about a proposal answers the message of its fiche).
-- letter_raw and letter_events refer to it: their foreign keys are checked
-- at the commit, once every row is back with its id.
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE letters_0013 AS SELECT * FROM letters;
DROP TABLE letters;
CREATE TABLE letters (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN
                      ('acknowledgement','accepted','waitlisted','rejected','slot_changed',
                       'docx_request')),
    proposal_id     INTEGER REFERENCES proposals(id),
    chain           TEXT NOT NULL,            -- the proposal's chain key, or '#<id>'; 'message:<id>' for a demande de .docx
    params          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN
                      ('pending','sending','sent','uncertain','failed','replaced','dropped')),
    message_id      TEXT UNIQUE,              -- our Message-ID (without <>)
    approved_at     TEXT,
    approved_by     TEXT,
    edit_to         TEXT,
    edit_cc         TEXT,
    edit_subject    TEXT,
    edit_body       TEXT,
    edited_at       TEXT,
    edited_by       TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error      TEXT,
    sending_at      TEXT,
    sent_at         TEXT,
    response        TEXT,
    sent_to         TEXT,
    sent_cc         TEXT,
    sent_subject    TEXT,
    sent_body       TEXT,
    replaced_by     INTEGER REFERENCES letters(id),
    closed_by       TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    cancellation    INTEGER NOT NULL DEFAULT 0 CHECK (cancellation IN (0, 1)),
    set_aside_at    TEXT,
    set_aside_why   TEXT,
    reviewed_to     TEXT,
    reviewed_at     TEXT,
    reviewed_by     TEXT,
    about_message   INTEGER REFERENCES messages(id),
    -- A letter is about a proposal, or (demande de .docx) about a message.
    CHECK ((kind = 'docx_request') = (proposal_id IS NULL)),
    CHECK (kind <> 'docx_request' OR about_message IS NOT NULL)
) STRICT;
INSERT INTO letters (id, kind, proposal_id, chain, params, state, message_id, approved_at,
                     approved_by, edit_to, edit_cc, edit_subject, edit_body, edited_at, edited_by,
                     attempts, next_attempt_at, last_error, sending_at, sent_at, response,
                     sent_to, sent_cc, sent_subject, sent_body, replaced_by, closed_by, version,
                     created_at, created_by, updated_at, cancellation, set_aside_at,
                     set_aside_why, reviewed_to, reviewed_at, reviewed_by)
    SELECT id, kind, proposal_id, chain, params, state, message_id, approved_at,
           approved_by, edit_to, edit_cc, edit_subject, edit_body, edited_at, edited_by,
           attempts, next_attempt_at, last_error, sending_at, sent_at, response,
           sent_to, sent_cc, sent_subject, sent_body, replaced_by, closed_by, version,
           created_at, created_by, updated_at, cancellation, set_aside_at,
           set_aside_why, reviewed_to, reviewed_at, reviewed_by
    FROM letters_0013 ORDER BY id;
DROP TABLE letters_0013;
CREATE INDEX letters_state ON letters(state);
CREATE INDEX letters_chain ON letters(chain);
CREATE INDEX letters_proposal ON letters(proposal_id);
CREATE UNIQUE INDEX letters_one_unsent ON letters(chain, kind = 'acknowledgement')
    WHERE state IN ('pending','failed');
-- One demande de .docx per message, unless staff dropped it (then it may be
-- asked again).
CREATE UNIQUE INDEX letters_one_docx_request ON letters(about_message)
    WHERE kind = 'docx_request' AND state <> 'dropped';
