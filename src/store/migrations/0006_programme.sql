-- 0006: one programme truth (issue 11).

-- A proposal's stable number: every revision of a chain shares it, so a
-- resubmission keeps the number the acknowledgement gave. Existing chains
-- take the id of their first revision (what their first acknowledgement
-- said); new proposals take the next number.
ALTER TABLE proposals ADD COLUMN number INTEGER;
UPDATE proposals SET number = coalesce(
    (SELECT min(q.id) FROM proposals q
     WHERE proposals.chain_key IS NOT NULL AND q.chain_key = proposals.chain_key),
    id);
CREATE INDEX proposals_number ON proposals(number);

-- The waiting lists' order: a position key per waiting proposal (see
-- domain::waitlist). Ranks are positions in that order, never stored. The
-- old `rank` column (a rank computed at decision time, which went stale)
-- is no longer written.
ALTER TABLE proposals ADD COLUMN wait_pos INTEGER;
UPDATE proposals SET wait_pos = (
    SELECT r.pos FROM (
        SELECT id, row_number() OVER (PARTITION BY kind ORDER BY rank IS NULL, rank, id)
                   * 4294967296 AS pos
        FROM proposals WHERE status = 'waitlisted' AND superseded_by IS NULL
    ) r WHERE r.id = proposals.id)
WHERE status = 'waitlisted' AND superseded_by IS NULL;
UPDATE proposals SET wait_pos = (
    SELECT l.wait_pos FROM proposals l
    WHERE l.chain_key = proposals.chain_key AND l.superseded_by IS NULL)
WHERE status = 'waitlisted' AND superseded_by IS NOT NULL AND chain_key IS NOT NULL;
UPDATE proposals SET rank = NULL;

-- A refusal's reason belongs to the decision (an undo gives it back); until
-- now it was only in the journal.
ALTER TABLE proposals ADD COLUMN reason TEXT;
UPDATE proposals SET reason = (
    SELECT json_extract(j.after, '$.reason') FROM journal j
    WHERE j.proposal_id = proposals.id AND j.action = 'decision'
    ORDER BY j.id DESC LIMIT 1)
WHERE status = 'rejected';

-- Letters. A cancellation (a refusal, withdrawal or change after an
-- acceptance went out) is stored as kind 'rejected' with cancellation = 1:
-- the kind's CHECK cannot change without rebuilding the table. A letter
-- staff edited is never silently replaced: when the decision changes it is
-- set aside "à revoir" (state 'replaced' with set_aside_at), its text kept,
-- for staff to take back or drop.
ALTER TABLE letters ADD COLUMN cancellation INTEGER NOT NULL DEFAULT 0
    CHECK (cancellation IN (0, 1));
ALTER TABLE letters ADD COLUMN set_aside_at TEXT;
ALTER TABLE letters ADD COLUMN set_aside_why TEXT;
