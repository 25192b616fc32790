-- 0004: the outbox. Letters to the senders of fiches (acknowledgements,
-- decisions, slot changes), queued by the intake and by decisions in the same
-- transaction as what caused them, reviewed and sent by staff.

-- One letter. Its text is written from the templates when it is shown or
-- sent, unless staff edited it (edit_* columns); what actually went to the
-- server is frozen in sent_* (and the bytes in letter_raw) when the SMTP
-- transaction starts.
--
-- States: pending (in the outbox; approved_at set once staff said "send", or
-- automatically for acknowledgements when configured), sending (recorded just
-- before the SMTP transaction), sent (the server's answer in `response`),
-- uncertain (found in `sending` after a crash, or the connection broke after
-- the message was handed over: staff check, never resent silently), failed
-- (refused for good by the server), replaced (a newer letter for the same
-- proposal took its place before it went), dropped (by staff).
CREATE TABLE letters (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN
                      ('acknowledgement','accepted','waitlisted','rejected','slot_changed')),
    proposal_id     INTEGER NOT NULL REFERENCES proposals(id),
    chain           TEXT NOT NULL,            -- the proposal's chain key, or '#<id>': "the same proposal" across revisions
    params          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),  -- the decision when queued
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN
                      ('pending','sending','sent','uncertain','failed','replaced','dropped')),
    message_id      TEXT UNIQUE,              -- our Message-ID (without <>), set at the first attempt and kept
    approved_at     TEXT,
    approved_by     TEXT,
    edit_to         TEXT,                     -- staff edits; NULL = from the fiche / the template
    edit_cc         TEXT,
    edit_subject    TEXT,
    edit_body       TEXT,
    edited_at       TEXT,
    edited_by       TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,                     -- after a temporary failure, UTC
    last_error      TEXT,                     -- French, for staff
    sending_at      TEXT,
    sent_at         TEXT,
    response        TEXT,                     -- the server's answer to the message
    sent_to         TEXT,
    sent_cc         TEXT,
    sent_subject    TEXT,
    sent_body       TEXT,
    replaced_by     INTEGER REFERENCES letters(id),
    closed_by       TEXT,                     -- who dropped it or settled an uncertain one
    version         INTEGER NOT NULL DEFAULT 1,   -- optimistic concurrency, like proposals
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;
CREATE INDEX letters_state ON letters(state);
CREATE INDEX letters_chain ON letters(chain);
CREATE INDEX letters_proposal ON letters(proposal_id);
-- At most one unsent acknowledgement and one unsent decision letter per proposal.
CREATE UNIQUE INDEX letters_one_unsent ON letters(chain, kind = 'acknowledgement')
    WHERE state IN ('pending','failed');

-- The message exactly as handed to the SMTP server.
CREATE TABLE letter_raw (
    letter_id INTEGER PRIMARY KEY REFERENCES letters(id),
    bytes     BLOB NOT NULL
) STRICT;

-- Append-only history of each letter: queued, replaced, edited, approved,
-- sending, sent, failed, uncertain, settled, dropped.
CREATE TABLE letter_events (
    id        INTEGER PRIMARY KEY,
    letter_id INTEGER NOT NULL REFERENCES letters(id),
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    event     TEXT NOT NULL,
    detail    TEXT CHECK (detail IS NULL OR json_valid(detail))
) STRICT;
CREATE INDEX letter_events_letter ON letter_events(letter_id);
CREATE TRIGGER letter_events_no_update BEFORE UPDATE ON letter_events
BEGIN
    SELECT RAISE(ABORT, 'letter_events is append-only');
END;
CREATE TRIGGER letter_events_no_delete BEFORE DELETE ON letter_events
BEGIN
    SELECT RAISE(ABORT, 'letter_events is append-only');
END;

-- What the intake needs from config.toml to queue acknowledgements, copied
-- here by every command that loads the configuration, so that whatever
-- process stores a message (import, daemon) follows the same settings.
CREATE TABLE outbox_settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    acknowledge   INTEGER NOT NULL CHECK (acknowledge IN (0, 1)),
    own_addresses TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(own_addresses)),
    updated_at    TEXT NOT NULL
) STRICT;
