//! The session at work: keys into actions, actions into effects
//! (`update`), and each effect performed against the store; the tick that
//! polls `PRAGMA data_version` and reloads only what the journal says
//! changed; drafts written as staff type; attachments converted on a
//! thread of their own.

use super::*;

/// How often the console looks at the daemon's lock (a stopped daemon
/// writes nothing that would wake it up).
const DAEMON_CHECK: Duration = Duration::from_secs(5);

impl Session {
    /// Loads everything the first frame needs.
    pub fn open(store: Store, opts: Options) -> Result<Session, StoreError> {
        let rules = Rules {
            layout: opts.layout,
            members: opts.members,
            late_last: opts.late_last,
        };
        let mut app = App::new(rules, opts.zone, opts.theme);
        app.listing.late_last = opts.late_last;
        app.user = opts.user;
        app.db_label = opts.db_label;
        app.size = opts.size;
        app.search_budget = opts.search_budget;
        app.envoi.smtp = opts.smtp.is_some();
        if let Some(now) = opts.now {
            app.now = now;
        }
        let mut session = Session {
            app,
            store,
            fixed_now: opts.now.is_some(),
            data_version: 0,
            journal_head: 0,
            letters: opts.letters,
            smtp: opts.smtp,
            edit_request: None,
            sending: None,
            silent_after: opts.silent_after,
            daemon_checked: Instant::now(),
            config: opts.config,
            draft_written: None,
            draft_dirty: None,
            converter: Converter::new(opts.convert_timeout),
            converting: None,
            convert_thread: None,
            texts: HashMap::new(),
        };
        session.full_load()?;
        session.offer_draft();
        Ok(session)
    }

    pub(super) fn full_load(&mut self) -> Result<(), StoreError> {
        self.data_version = self.store.data_version()?;
        self.journal_head = self.store.journal_head()?;
        let members = &self.app.rules.members;
        let mut listing = Listing::default();
        listing.late_last = self.app.rules.late_last;
        self.store
            .scan_listing(None, |r| listing.push(r, members))?;
        let sel = self.app.current_id();
        listing.sort = self.app.listing.sort;
        listing.reverse = self.app.listing.reverse;
        listing.filters = self.app.listing.filters.clone();
        listing.query = self.app.listing.query.clone();
        listing.reindex();
        self.app.listing = listing;
        self.app.rows_changed();
        if let Some(id) = sel {
            self.app.select_id(id);
        }
        self.app.clamp_selection();
        self.app.triage = self.store.triage_messages()?;
        self.app.clamp_triage();
        self.app.heartbeat = self.daemon_health()?;
        self.load_publication_stamp()?;
        if let Some(id) = self.app.current_id() {
            self.load_detail(id);
        }
        Ok(())
    }

    /// Handles a key. Alt+letter is taken as Échap then the letter: that is
    /// what a slow link makes of the two keys typed quickly.
    pub fn key(&mut self, key: KeyEvent) {
        use crossterm::event::{KeyCode, KeyModifiers};
        if key.modifiers.contains(KeyModifiers::ALT) && matches!(key.code, KeyCode::Char(_)) {
            self.key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
            let mut plain = key;
            plain.modifiers.remove(KeyModifiers::ALT);
            return self.key(plain);
        }
        let mode = key_mode(&self.app);
        if let Some(action) = action_for(mode, key) {
            let before = crate::console::update::Visible::of(&self.app);
            let effects = update(&mut self.app, action);
            let idle = effects.is_empty()
                && self.app.notice.is_none()
                && crate::console::update::Visible::of(&self.app) == before;
            for e in effects {
                self.perform(e);
            }
            self.draft_changed();
            // A key that changed nothing says why on the message line.
            if idle && let KeyMode::Normal(_) = mode {
                let why = crate::console::update::why_nothing(&self.app, action);
                self.app.notify(Level::Info, why);
            }
        }
    }

    /// Handles an action and performs its effects.
    pub fn dispatch(&mut self, action: Action) {
        let effects = update(&mut self.app, action);
        for e in effects {
            self.perform(e);
        }
        self.draft_changed();
    }

    /// A draft this user left (a console killed, a connection dropped):
    /// offered again ("Un brouillon du … a été retrouvé").
    pub(super) fn offer_draft(&mut self) {
        let found = match self.store.draft(&self.app.user) {
            Ok(found) => found,
            Err(e) => {
                self.app.notify(Level::Error, error_text(&e));
                return;
            }
        };
        let Some(found) = found else {
            return;
        };
        self.draft_written = Some(found.payload.clone());
        match serde_json::from_str::<draft::SavedDraft>(&found.payload) {
            Ok(d) => {
                self.app.recovered = Some(draft::Recovered {
                    draft: d,
                    saved_at: crate::console::format::parse_time(&found.saved_at),
                });
                self.app.overlay = crate::console::app::Overlay::DraftFound;
            }
            Err(e) => {
                let text = s::n_error(&format!("brouillon illisible ignoré : {e}"));
                self.app.notify(Level::Warn, text);
            }
        }
    }

    /// The draft as it should be in the database now, JSON.
    pub(super) fn draft_json(&self) -> Option<String> {
        if self.app.recovered.is_some() {
            // Not decided yet: what is stored stays.
            return self.draft_written.clone();
        }
        draft::snapshot(&self.app).and_then(|d| serde_json::to_string(&d).ok())
    }

    /// After each action: a draft gone (saved, abandoned) is deleted at
    /// once; a draft typed is written a moment later (`flush_draft`).
    pub(super) fn draft_changed(&mut self) {
        let now = self.draft_json();
        if now == self.draft_written {
            self.draft_dirty = None;
        } else if now.is_none() {
            self.flush_draft(true);
        } else {
            let t = Instant::now();
            let first = self.draft_dirty.map_or(t, |(f, _)| f);
            self.draft_dirty = Some((first, t));
        }
    }

    /// Writes the draft when typing paused (or at the latest after
    /// `DRAFT_AT_MOST`), or now with `force`; returns whether it wrote.
    pub fn flush_draft(&mut self, force: bool) -> bool {
        let now = self.draft_json();
        if now == self.draft_written {
            self.draft_dirty = None;
            return false;
        }
        let due = self.draft_dirty.is_none_or(|(first, last)| {
            last.elapsed() >= DRAFT_QUIET || first.elapsed() >= DRAFT_AT_MOST
        });
        if !force && !due {
            return false;
        }
        let user = self.app.user.clone();
        let written = match &now {
            Some(json) => retry(&mut self.store, |st| st.save_draft(&user, json)),
            None => retry(&mut self.store, |st| st.delete_draft(&user)),
        };
        match written {
            Ok(()) => {
                self.draft_written = now;
                self.draft_dirty = None;
                true
            }
            Err(e) => {
                self.app
                    .notify(Level::Error, s::n_draft_not_kept(&error_text(&e)));
                false
            }
        }
    }

    /// The daemon from its heartbeat rows and its lock.
    pub(super) fn daemon_health(&mut self) -> Result<crate::status::Health, StoreError> {
        self.daemon_checked = Instant::now();
        let beats = self.store.heartbeats()?;
        self.app.post_actions = crate::status::refused_post_actions(&beats);
        let holder = crate::status::daemon_holder(self.store.path());
        Ok(crate::status::health(
            &beats,
            holder,
            self.app.now,
            self.silent_after,
        ))
    }

    /// Polls the database for changes by others; returns whether the
    /// screen needs drawing again.
    pub fn tick(&mut self) -> bool {
        if !self.fixed_now {
            self.app.now = Utc::now();
        }
        let mut news = self.poll_sending();
        news |= self.poll_converting();
        // A backup restored over the database while the console was open:
        // nothing more is written to the old file (the store refuses it),
        // and the message line says so until the console is quit.
        if self.store.replaced() {
            let text = s::n_replaced(&terminal_line(&self.store.path().display().to_string()));
            if self.app.notice.as_ref().map(|n| &n.text) != Some(&text) {
                self.app.notify(Level::Error, text);
                news = true;
            }
            return news;
        }
        if self.daemon_checked.elapsed() >= DAEMON_CHECK
            && let Ok(h) = self.daemon_health()
            && h != self.app.heartbeat
        {
            self.app.heartbeat = h;
            news = true;
        }
        match self.store.data_version() {
            Ok(v) if v != self.data_version => {
                self.refresh(true);
                true
            }
            Ok(_) => news,
            Err(e) => {
                self.app.notify(Level::Error, error_text(&e));
                true
            }
        }
    }

    /// Reloads what the journal says changed since the last look.
    /// Reloads the À traiter list, keeping the message selected: after a
    /// demande de .docx (letters are not in the journal `refresh` follows).
    pub(super) fn reload_triage(&mut self) {
        match self.store.triage_messages() {
            Ok(list) => {
                let sel = self.app.current_message().map(|m| m.id);
                self.app.triage = list;
                if let Some(p) = sel.and_then(|id| self.app.triage.iter().position(|m| m.id == id))
                {
                    self.app.triage_selected = p;
                }
                self.app.clamp_triage();
            }
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    pub fn refresh(&mut self, announce: bool) {
        if let Err(e) = self.refresh_inner(announce) {
            self.app.notify(Level::Error, error_text(&e));
        }
    }

    pub(super) fn refresh_inner(&mut self, announce: bool) -> Result<(), StoreError> {
        self.data_version = self.store.data_version()?;
        self.app.heartbeat = self.daemon_health()?;
        self.load_publication_stamp()?;
        if self.app.screen == Screen::Envoi {
            self.load_letters();
        }
        let head = self.store.journal_head()?;
        if head < self.journal_head {
            return self.full_load();
        }
        if head == self.journal_head {
            return Ok(());
        }
        let ch = self.store.changes_since(self.journal_head)?;
        self.journal_head = ch.head;
        if !ch.proposals.is_empty() {
            self.proposals_changed(&ch.proposals, announce)?;
        }
        if !ch.messages.is_empty() {
            self.messages_changed(&ch.messages)?;
        }
        Ok(())
    }

    /// Proposals the journal says changed: their rows replaced, the
    /// selection and the Décider cursor kept, the detail reloaded (and, with
    /// `announce`, who changed it said).
    fn proposals_changed(&mut self, proposals: &[i64], announce: bool) -> Result<(), StoreError> {
        let mut got = HashMap::new();
        self.store.scan_listing(Some(proposals), |r| {
            got.insert(r.id, r);
        })?;
        let changes: Vec<(i64, Option<store::console::ListingRow>)> = proposals
            .iter()
            .map(|id| (*id, got.remove(id).filter(is_live)))
            .collect();
        let sel = self.app.current_id();
        self.app.listing.apply(changes, &self.app.rules.members);
        self.app.rows_changed();
        if let Some(id) = sel
            && !self.app.select_id(id)
        {
            self.app.clamp_selection();
        }
        if let Some(lost) = self.app.reanchor_decide()
            && announce
        {
            self.app.notify(
                Level::Warn,
                s::n_place_gone(&terminal_line(&lost.slot), &terminal_line(&lost.place)),
            );
        }
        if let Some(d) = self.app.detail.as_ref().map(|d| d.id)
            && proposals.contains(&d)
        {
            self.load_detail(d);
            if announce
                && Some(d) == self.app.current_id()
                && matches!(
                    self.app.screen,
                    Screen::Decider | Screen::Corriger | Screen::Propositions
                )
            {
                let number = self.app.number_of(d);
                // A colleague's note or opinion is said as such, with its author.
                let note_by = self
                    .app
                    .detail
                    .as_ref()
                    .and_then(|x| x.journal.last())
                    .filter(|e| e.action == "note" || e.action == "opinion")
                    .map(|e| terminal_line(&e.actor));
                let text = match note_by {
                    Some(who) => s::n_note_by_other(number, &who),
                    None => s::n_changed_by_other(number, &self.last_actor(number)),
                };
                self.app.notify(Level::Info, text);
            }
        } else if let Some(id) = self.app.current_id()
            && self.app.detail.as_ref().is_none_or(|d| d.id != id)
        {
            self.load_detail(id);
        }
        Ok(())
    }

    /// Messages the journal says changed: À traiter reloaded, its selection
    /// kept; the message shown and Courrier reloaded.
    fn messages_changed(&mut self, messages: &[i64]) -> Result<(), StoreError> {
        let sel = self.app.current_message().map(|m| m.id);
        self.app.triage = self.store.triage_messages()?;
        if let Some(id) = sel
            && let Some(p) = self.app.triage.iter().position(|m| m.id == id)
        {
            self.app.triage_selected = p;
        }
        self.app.clamp_triage();
        if let Some(d) = self.app.triage_detail.as_ref().map(|d| d.id)
            && messages.contains(&d)
        {
            self.load_message(d);
        }
        if self.app.courrier.loaded {
            self.reload_courrier(true);
        }
        Ok(())
    }

    pub(super) fn load_detail(&mut self, id: i64) {
        let load = |st: &Store| -> Result<Detail, StoreError> {
            let proposal = st.proposal(id)?;
            let revisions = st.revisions(id)?;
            let revision_dates = revisions
                .iter()
                .map(|r| {
                    st.message(r.message_id)
                        .ok()
                        .and_then(|m| m.date.or(m.effective_at).or(m.received_at))
                })
                .collect();
            let journal = st.proposal_journal(id)?;
            let notes = st.notes(proposal.number)?;
            let linked = st.linked_messages(proposal.number)?;
            let message = st.message(proposal.message_id).ok();
            let view = st
                .raw_message(proposal.message_id)
                .ok()
                .map(|raw| message_view(&raw));
            Ok(Detail {
                id,
                proposal,
                revisions,
                revision_dates,
                journal,
                message,
                view,
                notes,
                linked,
            })
        };
        match load(&self.store) {
            Ok(d) => {
                if self.app.detail.as_ref().is_none_or(|old| old.id != id) {
                    self.app.detail_scroll = 0;
                }
                self.app.detail = Some(d);
            }
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    pub(super) fn load_message(&mut self, id: i64) {
        let load = |st: &Store| -> Result<TriageDetail, StoreError> {
            let record = st.message(id)?;
            let view = message_view(&st.raw_message(id).unwrap_or_default());
            Ok(TriageDetail { id, record, view })
        };
        match load(&self.store) {
            Ok(d) => self.app.triage_detail = Some(d),
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    /// Performs one effect against the store. Long by its nature, not by
    /// its logic: one short arm per kind of effect (the compiler checks none
    /// is forgotten), each handing over to the method that does it.
    pub(super) fn perform(&mut self, effect: Effect) {
        let Some(effect) = self.perform_courrier(effect) else {
            return;
        };
        match effect {
            Effect::LoadDetail(id) => self.load_detail(id),
            Effect::LoadMessage(id) => self.load_message(id),
            Effect::Refresh => {
                self.refresh(false);
                if self.app.notice.is_none() {
                    self.app.notify(Level::Info, s::N_REFRESHED);
                }
            }
            Effect::Decide {
                number,
                version,
                decision,
            } => self.decide(number, version, decision),
            Effect::PrepareUndo { number } => self.prepare_undo(number),
            Effect::Undo { number, line } => self.undo(number, line),
            Effect::Move {
                number,
                version,
                to,
            } => self.move_to(number, version, to),
            Effect::Swap { a, b } => self.swap(a, b),
            Effect::WaitlistStep {
                number,
                version,
                up,
            } => self.waitlist_step(number, version, up),
            Effect::ComputeSuggestion => self.compute_suggestion(),
            Effect::ApplySuggestion => self.apply_suggestion(),
            Effect::TakeBackLetter { id, version } => self.take_back_letter(id, version),
            Effect::UpdateField {
                id,
                version,
                key,
                value,
            } => self.update_field(id, version, key, value),
            Effect::SetHandled {
                message_id,
                handled,
            } => self.set_handled(message_id, handled),
            Effect::AskDocx { message_id } => self.ask_docx(message_id),
            Effect::EnterProposal {
                message_id,
                kind,
                fields,
            } => self.enter_proposal(message_id, kind, fields),
            Effect::LoadLetters => self.load_letters(),
            Effect::DropLetter {
                id,
                version,
                partners,
            } => self.drop_letter(id, version, partners),
            Effect::ResolveLetter {
                id,
                version,
                resolution,
                partners,
            } => self.resolve_letter(id, version, resolution, partners),
            Effect::SendBatch(letters, partners) => self.start_sending(letters, partners),
            Effect::SetArticle { number, article } => self.set_article(number, article),
            Effect::ConfirmRecipient { id, version, to } => self.confirm_recipient(id, version, to),
            Effect::EditLetter { id, version } => self.edit_request = Some((id, version)),
            Effect::PreparePublish => self.prepare_publish(),
            Effect::Publish { since } => self.publish(since),
            Effect::Then(action) => self.then(action),
            Effect::SetNote { number, text } => self.set_note(number, text),
            Effect::SetOpinion { number, opinion } => self.set_opinion(number, opinion),
            Effect::Bulk(plan) => self.bulk(plan),
            Effect::ConvertAttachment { number, message_id } => {
                self.convert_attachment(number, message_id)
            }
            Effect::SaveAttachment { number, dir } => self.save_attachment(number, &dir),
            // Courrier's effects, done by `perform_courrier` above.
            Effect::LoadCourrier { .. }
            | Effect::MoreCourrier
            | Effect::LoadCourrierMessage(_)
            | Effect::PrepareLink { .. }
            | Effect::Link { .. }
            | Effect::PrepareUnlink { .. }
            | Effect::Unlink { .. } => {}
        }
    }

    /// Envoi `r`: a letter held for review taken back into the outbox.
    fn take_back_letter(&mut self, id: i64, version: i64) {
        let user = self.app.user.clone();
        match retry(&mut self.store, |st| {
            st.take_back_letter(id, version, &user)
        }) {
            Ok(()) => {
                self.load_letters();
                self.app.notify(Level::Ok, s::n_letter_taken_back(id));
            }
            Err(e) => {
                self.load_letters();
                self.app.notify(Level::Error, error_text(&e));
            }
        }
    }

    /// À traiter `h`: a message marked handled, or not any more.
    fn set_handled(&mut self, message_id: i64, handled: bool) {
        let user = self.app.user.clone();
        match retry(&mut self.store, |st| {
            st.set_message_handled(message_id, handled, &user)
        }) {
            Ok(_) => {
                self.refresh(false);
                self.app
                    .notify(Level::Ok, s::n_handled(message_id, handled));
            }
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    /// À traiter `d`: a demande de .docx queued to the sender (once).
    fn ask_docx(&mut self, message_id: i64) {
        let user = self.app.user.clone();
        match retry(&mut self.store, |st| {
            st.queue_docx_request(message_id, &user)
        }) {
            Ok(DocxRequest::Queued(id)) => {
                self.reload_triage();
                self.load_letters();
                self.app.notify(Level::Ok, s::n_docx_queued(message_id, id));
            }
            Ok(DocxRequest::Already(id, state)) => {
                self.reload_triage();
                self.app
                    .notify(Level::Warn, s::n_docx_already(message_id, id, state));
            }
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    /// Envoi `x`: a letter (or an e-mail to the partners) dropped.
    fn drop_letter(&mut self, id: i64, version: i64, partners: bool) {
        let user = self.app.user.clone();
        let dropped = retry(&mut self.store, |st| {
            if partners {
                st.drop_partner_mail(id as u32, version, &user)
            } else {
                st.drop_letter(id, version, &user)
            }
        });
        match dropped {
            Ok(()) => {
                self.load_letters();
                self.app.notify(Level::Ok, s::n_letter_dropped(id));
            }
            Err(e) => {
                self.load_letters();
                self.app.notify(Level::Error, error_text(&e));
            }
        }
    }

    /// Envoi: an uncertain letter settled as sent or to send again.
    fn resolve_letter(&mut self, id: i64, version: i64, resolution: Resolution, partners: bool) {
        let user = self.app.user.clone();
        match retry(&mut self.store, |st| {
            if partners {
                st.resolve_partner_mail(id as u32, version, resolution == Resolution::Sent, &user)
            } else {
                st.resolve_letter(id, version, resolution, &user)
            }
        }) {
            Ok(()) => {
                self.load_letters();
                self.app.notify(
                    Level::Ok,
                    s::n_letter_settled(id, resolution == Resolution::Sent),
                );
            }
            Err(e) => {
                self.load_letters();
                self.app.notify(Level::Error, error_text(&e));
            }
        }
    }

    /// Corriger `a`: the article of the organisation's name, and the phrase it makes.
    fn set_article(&mut self, number: i64, article: Option<crate::domain::french::Article>) {
        let user = self.app.user.clone();
        match retry(&mut self.store, |st| st.set_article(number, article, &user)) {
            Ok(p) => {
                self.refresh(false);
                self.load_detail(p.id);
                let de = p
                    .text(crate::call::roles().organisation.as_str())
                    .map_or_else(String::new, |name| {
                        crate::letters::french::org_name(
                            name,
                            p.text(crate::call::roles().organisation_type.as_str()),
                            p.text(crate::call::roles().country.as_str()),
                            p.article,
                        )
                        .de()
                    });
                self.app
                    .notify(Level::Ok, s::n_article_saved(number, &terminal_line(&de)));
            }
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    /// Envoi `v`: the recipient of a letter held for review confirmed.
    fn confirm_recipient(&mut self, id: i64, version: i64, to: String) {
        let user = self.app.user.clone();
        match retry(&mut self.store, |st| {
            st.confirm_recipient(id, version, &to, &user)
        }) {
            Ok(_) => {
                self.load_letters();
                let to = terminal_line(&to);
                self.app
                    .notify(Level::Ok, s::n_recipient_confirmed(id, &to));
            }
            Err(e) => {
                self.load_letters();
                self.app.notify(Level::Error, error_text(&e));
            }
        }
    }

    /// A note of this staff member on a proposal, written or removed.
    fn set_note(&mut self, number: i64, text: Option<String>) {
        let user = self.app.user.clone();
        match retry(&mut self.store, |st| {
            st.set_note(number, text.as_deref(), &user)
        }) {
            Ok(p) => {
                self.refresh(false);
                self.load_detail(p.id);
                self.app
                    .notify(Level::Ok, s::n_note_saved(number, text.is_some()));
            }
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    /// An opinion of this staff member on a proposal, given or removed.
    fn set_opinion(&mut self, number: i64, opinion: Option<crate::store::notes::Opinion>) {
        let user = self.app.user.clone();
        match retry(&mut self.store, |st| st.set_opinion(number, opinion, &user)) {
            Ok(p) => {
                self.refresh(false);
                self.load_detail(p.id);
                let label = opinion.map(|o| o.label_fr());
                self.app
                    .notify(Level::Ok, s::n_opinion_saved(number, label.as_deref()));
            }
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    /// An action after the effects before it; what they said stays on the message line.
    fn then(&mut self, action: Action) {
        // What the effects before said stays on the message line.
        let said = self.app.notice.take();
        self.dispatch(action);
        if self.app.notice.is_none() {
            self.app.notice = said;
        }
    }

    /// The decisions of a plan on marked proposals, one at a time, each
    /// through the store's rules and version check like a single one (and
    /// undoable one by one); a refusal names the proposal and why, and the
    /// others go on.
    pub(super) fn bulk(&mut self, plan: crate::console::bulk::Plan) {
        let user = self.app.user.clone();
        let rules = self.app.rules.clone();
        let steps = plan.steps();
        let unchanged = plan.items.len() - steps.len();
        let mut done = 0;
        let mut failed = Vec::new();
        for (number, version, decision) in steps {
            let before = self.place_of(number);
            match retry(&mut self.store, |st| {
                st.decide(number, Some(version), &decision, &rules, &user)
            }) {
                Ok(d) => {
                    done += 1;
                    let after = d.proposal.state().place();
                    self.remember(number, d.line, before, after.as_ref());
                }
                Err(e) => {
                    let place = match &decision {
                        domain::Decision::Accept { slot, place } => Some(Place {
                            slot: slot.clone(),
                            place: place.clone(),
                        }),
                        _ => None,
                    };
                    let why = self.refusal_text(number, &e, place.as_ref());
                    failed.push(format!("n° {number} : {why}"));
                }
            }
        }
        self.refresh(false);
        if let Some(id) = self.app.current_id() {
            self.load_detail(id);
        }
        let level = if failed.is_empty() {
            Level::Ok
        } else {
            Level::Warn
        };
        self.app
            .notify(level, s::n_bulk_done(done, &failed, unchanged));
    }

    /// The outbox as the Envoi screen shows it: letters still to deal
    /// with first (uncertain, refused, to send), then those sent.
    pub fn load_letters(&mut self) {
        let filter = LetterFilter {
            states: vec![
                LetterState::Pending,
                LetterState::Sending,
                LetterState::Uncertain,
                LetterState::Failed,
                LetterState::Review,
                LetterState::Sent,
            ],
            ..LetterFilter::default()
        };
        let loaded = self.store.letters(&filter).and_then(|records| {
            let counts = self.store.letter_counts()?;
            let partners = self.store.partner_mails(&filter.states)?;
            Ok((records, counts, partners))
        });
        let (records, mut counts, partners) = match loaded {
            Ok(x) => x,
            Err(e) => {
                self.app.notify(Level::Error, error_text(&e));
                return;
            }
        };
        let sel = self.app.envoi.current().map(|l| (l.id, l.partners));
        let mut rows: Vec<LetterRow> = records
            .into_iter()
            .map(|r| letter_row(self.letters.as_ref(), r))
            .collect();
        for m in &partners {
            match counts.iter_mut().find(|(st, _)| *st == m.state) {
                Some((_, n)) => *n += 1,
                None => counts.push((m.state, 1)),
            }
        }
        rows.extend(partners.into_iter().map(partner_row));
        let order = |st: LetterState| match st {
            LetterState::Uncertain => 0,
            LetterState::Failed => 1,
            LetterState::Review => 2,
            LetterState::Sending => 3,
            LetterState::Pending => 4,
            _ => 5,
        };
        rows.sort_by_key(|l| (order(l.state), l.partners, l.id));
        let n = |st: LetterState| counts.iter().find(|(s, _)| *s == st).map_or(0, |(_, n)| *n);
        let e = &mut self.app.envoi;
        e.counts = [
            n(LetterState::Pending),
            n(LetterState::Sent),
            n(LetterState::Uncertain),
            n(LetterState::Failed),
        ];
        e.letters = rows;
        // Marks of letters no longer listed go.
        let letters = &e.letters;
        e.marks
            .retain(|m| letters.iter().any(|l| (l.id, l.partners) == *m));
        e.loaded = true;
        if let Some(id) = sel
            && let Some(p) = e.letters.iter().position(|l| (l.id, l.partners) == id)
        {
            e.selected = p;
        }
        self.app.clamp_envoi();
    }

    /// Edits the letter asked for in `$VISUAL` / `$EDITOR` (the terminal
    /// loop hands the terminal over around this call); returns whether
    /// there was one.
    pub fn run_pending_edit(&mut self) -> bool {
        let Some((id, version)) = self.edit_request.take() else {
            return false;
        };
        let Some(templates) = self.letters.clone() else {
            self.app
                .notify(Level::Error, s::n_send_failed(s::ENV_NO_TEMPLATES));
            return true;
        };
        let user = self.app.user.clone();
        match crate::service::letter_edit::edit_text(
            &mut self.store,
            &templates,
            id,
            Some(version),
            None,
            &user,
        ) {
            Ok(crate::service::letter_edit::EditResult::Unchanged) => {
                self.app.notify(Level::Info, s::n_letter_unchanged(id))
            }
            Ok(crate::service::letter_edit::EditResult::Edited { problems }) => {
                let level = if problems.is_empty() {
                    Level::Ok
                } else {
                    Level::Warn
                };
                self.app
                    .notify(level, s::n_letter_edited(id, problems.len()));
            }
            Err(e) => self.app.notify(
                Level::Error,
                s::n_error(&terminal_line(&crate::os_error::chain_text(&e))),
            ),
        }
        self.load_letters();
        true
    }

    /// Who last changed a proposal, when and what, from the journal line
    /// that did it: "marie à 14 h 32 (décision : à décider → retenue …)".
    pub(super) fn last_actor(&self, number: i64) -> String {
        let Ok(p) = self.store.proposal_by_number(number) else {
            return s::WHO_UNKNOWN.to_string();
        };
        let Some(e) = self
            .store
            .proposal_journal(p.id)
            .ok()
            .and_then(|mut j| j.pop())
        else {
            return s::WHO_UNKNOWN.to_string();
        };
        let at = crate::console::format::parse_time(&e.at).map(|t| {
            let l = self.app.zone.local(t);
            let today = self.app.zone.local(self.app.now).date() == l.date();
            s::at_time(&l, today)
        });
        s::changed_by(
            &terminal_line(&e.actor),
            at.as_deref(),
            &crate::console::view::detail::journal_summary(&e, &p),
        )
    }

    /// After a change was refused: the screen shows what the database
    /// holds, the notice says why (who changed the proposal, which place
    /// was taken).
    pub(super) fn refused(&mut self, number: i64, e: StoreError, place: Option<&Place>) {
        self.refresh(false);
        let text = self.refusal_text(number, &e, place);
        if let Some(id) = self.app.current_id() {
            self.load_detail(id);
        }
        self.app.notify(Level::Error, text);
    }

    /// Why a change was refused, in words: who changed the proposal, which
    /// place was taken, which rule.
    pub(super) fn refusal_text(
        &self,
        number: i64,
        e: &StoreError,
        place: Option<&Place>,
    ) -> String {
        match e {
            StoreError::StaleVersion { .. } => {
                let status = match self.store.proposal_by_number(number) {
                    Ok(p) => p.state().describe_fr(),
                    Err(_) => "?".to_string(),
                };
                let who = self.last_actor(number);
                s::n_stale(number, &who, &terminal_line(&status))
            }
            StoreError::NotLive(_) => s::DEC_NOT_LIVE.to_string(),
            StoreError::Rule(r) => s::n_refused(&terminal_line(&r.to_string())),
            StoreError::UndoRefused(why) => s::n_refused(&terminal_line(why)),
            StoreError::SuggestionStale(n) => {
                let who = self.last_actor(*n);
                s::n_refused(&format!(
                    "{} (modifiée par {who})",
                    terminal_line(&e.to_string())
                ))
            }
            StoreError::LetterUntrue { .. } => s::n_refused(&terminal_line(&e.to_string())),
            e if e.is_unique_violation() => match place {
                Some(p) => s::n_place_taken(&terminal_line(&p.slot), &terminal_line(&p.place)),
                None => error_text(e),
            },
            e => error_text(e),
        }
    }

    /// The place a proposal holds, as the rows show it.
    pub(super) fn place_of(&self, number: i64) -> Option<Place> {
        let r = self
            .app
            .listing
            .rows()
            .iter()
            .find(|r| r.number == number)?;
        Some(Place {
            slot: r.slot.as_deref()?.to_string(),
            place: r.space.as_deref()?.to_string(),
        })
    }

    /// Remembers a change of this session (for `u` on the cell it emptied).
    pub(super) fn remember(
        &mut self,
        number: i64,
        line: i64,
        before: Option<Place>,
        after: Option<&Place>,
    ) {
        let freed = before.filter(|b| Some(b) != after);
        self.app.undo.push(UndoEntry {
            number,
            line,
            freed,
        });
    }

    pub(super) fn decide(&mut self, number: i64, version: i64, decision: domain::Decision) {
        let user = self.app.user.clone();
        let rules = self.app.rules.clone();
        let before = self.place_of(number);
        match retry(&mut self.store, |st| {
            st.decide(number, Some(version), &decision, &rules, &user)
        }) {
            Ok(done) => {
                let after = done.proposal.state().place();
                self.remember(number, done.line, before, after.as_ref());
                self.refresh(false);
                let p = &done.proposal;
                let text = match &decision {
                    domain::Decision::Accept { slot, place } => {
                        let mut t =
                            s::n_accepted(number, &terminal_line(slot), &terminal_line(place));
                        if let Some(w) = p
                            .kind
                            .and_then(crate::fiche::Kind::slot_key)
                            .and_then(|k| p.text(k))
                            .map(str::trim)
                            && !w.is_empty()
                            && w != "any"
                            && w != slot
                        {
                            t.push_str(&s::n_not_wanted_slot(&terminal_line(w)));
                        }
                        t
                    }
                    domain::Decision::Waitlist => {
                        s::n_waitlisted(number, p.rank.unwrap_or(1) as usize)
                    }
                    domain::Decision::Reject { .. } => s::n_rejected(number),
                    domain::Decision::Withdraw => {
                        // The place it held is offered to the waiting list.
                        let offer = self.app.programme_cursor;
                        let _ = offer;
                        s::n_withdrawn(number)
                    }
                    domain::Decision::Pending => s::n_reset(number),
                };
                self.app.notify(Level::Ok, text);
            }
            Err(e) => {
                let place = match &decision {
                    domain::Decision::Accept { slot, place } => Some(Place {
                        slot: slot.clone(),
                        place: place.clone(),
                    }),
                    _ => None,
                };
                self.refused(number, e, place.as_ref())
            }
        }
    }

    /// "u": what an undo of `number` would take back, as a question (or why
    /// it cannot be undone).
    pub(super) fn prepare_undo(&mut self, number: i64) {
        match self.store.undo_preview(number, &self.app.user) {
            Ok(preview) => {
                let organisation = self
                    .app
                    .listing
                    .rows()
                    .iter()
                    .find(|r| r.number == number)
                    .map_or_else(String::new, |r| r.organisation.to_string());
                let text = s::undo_confirm(
                    number,
                    &organisation,
                    &terminal_line(&preview.now.describe_fr()),
                    &terminal_line(&preview.by),
                    &terminal_line(&preview.back_to.describe_fr()),
                    &preview.with,
                );
                self.app.overlay =
                    crate::console::app::Overlay::Confirm(crate::console::app::Confirm::Undo {
                        number,
                        line: preview.line,
                        text,
                    });
            }
            Err(e) => self.refused(number, e, None),
        }
    }

    pub(super) fn undo(&mut self, number: i64, line: i64) {
        let user = self.app.user.clone();
        let rules = self.app.rules.clone();
        match retry(&mut self.store, |st| {
            st.undo(number, Some(line), &rules, &user)
        }) {
            Ok(done) => {
                self.app.undo.retain(|e| e.line != line);
                self.refresh(false);
                let results: Vec<(i64, String)> = done
                    .proposals
                    .iter()
                    .map(|p| {
                        let mut st = p.state().describe_fr();
                        if let Some(r) = p.rank {
                            st = domain::rank_fr(r as usize);
                        }
                        (p.number, terminal_line(&st))
                    })
                    .collect();
                self.app.notify(Level::Ok, s::n_undone(&results));
            }
            Err(e) => self.refused(number, e, None),
        }
    }

    pub(super) fn move_to(&mut self, number: i64, version: i64, to: Place) {
        let user = self.app.user.clone();
        let rules = self.app.rules.clone();
        let before = self.place_of(number);
        match retry(&mut self.store, |st| {
            st.move_to(number, Some(version), &to, &rules, &user)
        }) {
            Ok(done) => {
                self.remember(number, done.line, before, Some(&to));
                self.refresh(false);
                self.app.notify(
                    Level::Ok,
                    s::n_moved(number, &terminal_line(&to.slot), &terminal_line(&to.place)),
                );
            }
            Err(e) => self.refused(number, e, Some(&to)),
        }
    }

    pub(super) fn swap(&mut self, a: (i64, i64), b: (i64, i64)) {
        let user = self.app.user.clone();
        let rules = self.app.rules.clone();
        match retry(&mut self.store, |st| {
            st.swap(a.0, b.0, (Some(a.1), Some(b.1)), &rules, &user)
        }) {
            Ok((da, _)) => {
                self.remember(a.0, da.line, None, None);
                self.refresh(false);
                self.app.notify(Level::Ok, s::n_swapped(a.0, b.0));
            }
            Err(e) => self.refused(a.0, e, None),
        }
    }

    pub(super) fn waitlist_step(&mut self, number: i64, version: i64, up: bool) {
        let user = self.app.user.clone();
        let rules = self.app.rules.clone();
        match retry(&mut self.store, |st| {
            st.waitlist_step(number, Some(version), up, &rules, &user)
        }) {
            Ok(done) => {
                self.remember(number, done.line, None, None);
                self.refresh(false);
                self.app.notify(
                    Level::Ok,
                    s::n_waitlisted(number, done.proposal.rank.unwrap_or(1) as usize),
                );
            }
            Err(e) => self.refused(number, e, None),
        }
    }

    pub(super) fn compute_suggestion(&mut self) {
        self.refresh(false);
        match self.store.suggestion(&self.app.rules) {
            Ok(sug) if sug.changes.is_empty() => {
                self.app.notify(Level::Info, s::SUG_NOTHING);
            }
            Ok(sug) => {
                self.app.suggestion = Some(sug);
                self.app.overlay = crate::console::app::Overlay::Suggestion { scroll: 0 };
            }
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    pub(super) fn apply_suggestion(&mut self) {
        let Some(sug) = self.app.suggestion.take() else {
            return;
        };
        let user = self.app.user.clone();
        let rules = self.app.rules.clone();
        match retry(&mut self.store, |st| {
            st.apply_suggestion(&sug, &rules, &user)
        }) {
            Ok(done) => {
                if let Some(first) = sug.changes.first() {
                    let line = self
                        .store
                        .undo_stack(first.number)
                        .ok()
                        .and_then(|st| st.last().map(|e| e.id));
                    if let Some(line) = line {
                        self.remember(first.number, line, None, None);
                    }
                }
                self.refresh(false);
                self.app.notify(
                    Level::Ok,
                    s::n_suggestion_applied(done.placed, done.moved, done.waitlisted),
                );
            }
            Err(e) => {
                let n = match &e {
                    StoreError::SuggestionStale(n) => *n,
                    _ => 0,
                };
                self.refused(n, e, None)
            }
        }
    }

    pub(super) fn update_field(
        &mut self,
        id: i64,
        version: i64,
        key: &'static str,
        value: Option<Value>,
    ) {
        let user = self.app.user.clone();
        match retry(&mut self.store, |st| {
            st.update_field(id, version, key, value.clone(), &user)
        }) {
            Ok(p) => {
                self.refresh(false);
                let label = p
                    .kind
                    .and_then(|k| crate::fiche::spec::field(k, key))
                    .map_or(key, |f| f.label);
                self.app.notify(Level::Ok, s::n_field_saved(label));
            }
            Err(StoreError::StaleVersion { .. }) => {
                self.refresh(false);
                self.load_detail(id);
                let number = self.app.number_of(id);
                let who = self.last_actor(number);
                let status = self
                    .app
                    .listing
                    .get(id)
                    .map_or("?", |r| status_fr(r.status))
                    .to_string();
                self.app
                    .notify(Level::Error, s::n_stale(number, &who, &status));
            }
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    pub(super) fn enter_proposal(
        &mut self,
        message_id: i64,
        kind: Kind,
        fields: std::collections::BTreeMap<String, Value>,
    ) {
        let user = self.app.user.clone();
        match retry(&mut self.store, |st| {
            st.enter_proposal(message_id, kind, &fields, &user)
        }) {
            Ok(p) => {
                self.app.draft = None;
                self.refresh(false);
                self.app.listing.filters = Default::default();
                self.app.listing.set_query("");
                self.app.select_id(p.id);
                self.app.screen = Screen::Propositions;
                self.load_detail(p.id);
                self.app.notify(Level::Ok, s::n_entered(p.number));
            }
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    /// The last publication's number and date, for the status line.
    pub(super) fn load_publication_stamp(&mut self) -> Result<(), StoreError> {
        self.app.last_publication = self
            .store
            .last_publication_stamp()?
            .map(|(n, at)| (n, crate::console::format::parse_time(&at)));
        Ok(())
    }

    /// What `fiches publish` would publish now, shown before publishing.
    pub(super) fn prepare_publish(&mut self) {
        let Some(config) = &self.config else {
            self.app.notify(Level::Error, s::PUB_NO_CONFIG);
            return;
        };
        match crate::service::publication::preview(config, &self.store, self.app.now) {
            Ok(p) => {
                self.app.publish_preview = Some(p);
                self.app.overlay = crate::console::app::Overlay::Publish { scroll: 0 };
            }
            Err(e) => self.app.notify(
                Level::Error,
                s::n_publish_failed(&terminal_line(&format!("{e:#}"))),
            ),
        }
    }

    /// Publishes as `fiches publish` does (the same function), when the
    /// last publication is still the one the preview was counted from.
    pub(super) fn publish(&mut self, since: Option<u32>) {
        let Some(config) = self.config.clone() else {
            self.app.notify(Level::Error, s::PUB_NO_CONFIG);
            return;
        };
        match self.store.last_publication() {
            Ok(last) if last.as_ref().map(|r| r.number) != since => {
                // Someone published meanwhile: the preview shown is stale.
                let who = last.map(|r| r.author).unwrap_or_default();
                self.prepare_publish();
                self.app
                    .notify(Level::Warn, s::n_published_meanwhile(&terminal_line(&who)));
                return;
            }
            Ok(_) => {}
            Err(e) => {
                self.app.notify(Level::Error, error_text(&e));
                return;
            }
        }
        let user = self.app.user.clone();
        let now = if self.fixed_now {
            self.app.now
        } else {
            Utc::now()
        };
        let outcome =
            crate::service::publication::publish(&config, &mut self.store, &user, now, None);
        self.app.publish_preview = None;
        match outcome {
            Ok(o) => {
                let text = match (o.number, &o.dir) {
                    (Some(n), Some(dir)) => s::n_published(
                        n,
                        &terminal_line(&dir.display().to_string()),
                        o.partners_mail,
                    ),
                    _ => terminal_line(o.changes.trim()),
                };
                self.app.notify(Level::Ok, text);
            }
            Err(e) => self.app.notify(
                Level::Error,
                s::n_publish_failed(&terminal_line(&format!("{e:#}"))),
            ),
        }
        if let Err(e) = self.load_publication_stamp() {
            self.app.notify(Level::Error, error_text(&e));
        }
        self.refresh(false);
    }

    /// Cuts attachment `number` out of its message and converts it on a
    /// thread of its own (LibreOffice takes seconds): the screen says
    /// "conversion en cours" meanwhile, `poll_converting` brings the text.
    pub(super) fn convert_attachment(&mut self, number: i64, message_id: i64) {
        if let Some(done) = self.texts.get(&number).cloned() {
            if let Some(x) = &mut self.app.attachment_text
                && x.number == number
            {
                x.state = TextState::Ready(done);
            }
            return;
        }
        // One at a time: the previous one, if any, is stopped first.
        if let Some(t) = self.convert_thread.take() {
            self.converter.cancel.store(true, Ordering::SeqCst);
            let _ = t.join();
            self.converter.cancel.store(false, Ordering::SeqCst);
            self.converting = None;
        }
        let a = match convert::load(&self.store, number) {
            Ok(a) => a,
            Err(e) => {
                let text = s::n_convert_failed(number, &terminal_line(&e.to_string()), false);
                self.text_failed(number, text);
                return;
            }
        };
        let program = match crate::fiche::sniff(&a.bytes) {
            crate::fiche::Format::Pdf => "pdftotext",
            crate::fiche::Format::Docx
            | crate::fiche::Format::Odt
            | crate::fiche::Format::Ods
            | crate::fiche::Format::Xlsx
            | crate::fiche::Format::Xls => "le lecteur intégré",
            _ => "LibreOffice",
        };
        if let Some(x) = &mut self.app.attachment_text
            && x.number == number
            && x.message_id == message_id
        {
            x.state = TextState::Converting(program);
        }
        let (tx, rx) = mpsc::channel();
        let conv = self.converter.clone();
        let spawned = std::thread::Builder::new()
            .name("fiches-texte".into())
            .spawn(move || {
                let _ = tx.send(conv.text(&a.bytes, a.filename.as_deref()));
            });
        match spawned {
            Ok(t) => {
                self.converting = Some((number, rx));
                self.convert_thread = Some(t);
            }
            Err(e) => self.text_failed(number, s::n_convert_failed(number, &e.to_string(), false)),
        }
    }

    pub(super) fn text_failed(&mut self, number: i64, text: String) {
        if let Some(x) = &mut self.app.attachment_text
            && x.number == number
        {
            x.state = TextState::Failed(text.clone());
        }
        self.app.notify(Level::Warn, text);
    }

    /// The conversion's answer, when it came. Returns whether it did.
    pub fn poll_converting(&mut self) -> bool {
        let Some((number, rx)) = &self.converting else {
            return false;
        };
        let number = *number;
        let answer = match rx.try_recv() {
            Ok(r) => r,
            Err(mpsc::TryRecvError::Empty) => return false,
            Err(mpsc::TryRecvError::Disconnected) => Err(convert::ConvertError::Io(
                "le fil de conversion s'est arrêté".into(),
            )),
        };
        self.converting = None;
        if let Some(t) = self.convert_thread.take() {
            let _ = t.join();
        }
        match answer {
            Ok(text) => {
                self.texts.insert(number, text.clone());
                if let Some(x) = &mut self.app.attachment_text
                    && x.number == number
                {
                    x.state = TextState::Ready(text);
                }
            }
            Err(e) => {
                let text = s::n_convert_failed(number, &e.to_string(), e.is_missing());
                self.text_failed(number, text);
            }
        }
        true
    }

    /// Waits for the conversion under way (tests).
    pub fn wait_converting(&mut self, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        while self.converting.is_some() && Instant::now() < until {
            self.poll_converting();
            std::thread::sleep(Duration::from_millis(20));
        }
        self.converting.is_none()
    }

    /// Writes attachment `number` into `dir` (relative to where the console
    /// was started; `~/` is the home folder), under a cleaned name, never
    /// over an existing file.
    pub(super) fn save_attachment(&mut self, number: i64, dir: &str) {
        let path = match dir.strip_prefix("~/") {
            Some(rest) => std::env::var_os("HOME").map_or_else(
                || std::path::PathBuf::from(dir),
                |h| std::path::PathBuf::from(h).join(rest),
            ),
            None if dir == "~" => std::env::var_os("HOME")
                .map_or_else(|| std::path::PathBuf::from(dir), std::path::PathBuf::from),
            None => std::path::PathBuf::from(dir),
        };
        let shown = terminal_line(dir);
        if !path.is_dir() {
            self.app.notify(
                Level::Error,
                s::n_attachment_not_saved(number, &shown, "ce dossier n'existe pas"),
            );
            return;
        }
        let a = match convert::load(&self.store, number) {
            Ok(a) => a,
            Err(e) => {
                self.app.notify(Level::Error, terminal_line(&e.to_string()));
                return;
            }
        };
        let name = convert::safe_file_name(a.filename.as_deref(), number);
        match convert::save_new(&path, &name, &a.bytes) {
            Ok(p) => {
                let p = std::fs::canonicalize(&p).unwrap_or(p);
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let dir = p
                    .parent()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default();
                self.app.notify(
                    Level::Ok,
                    s::n_attachment_saved(number, &terminal_line(&name), &terminal_line(&dir)),
                );
            }
            Err(e) => self.app.notify(
                Level::Error,
                s::n_attachment_not_saved(
                    number,
                    &shown,
                    &terminal_line(&crate::os_error::io_fr(&e)),
                ),
            ),
        }
    }

    /// Loads the selected message of "À traiter" if needed (first visit).
    pub fn ensure_triage_loaded(&mut self) {
        for e in triage_changed(&mut self.app) {
            self.perform(e);
        }
    }
}

/// An e-mail to the partners as the Envoi screen shows it.
pub(super) fn partner_row(m: crate::store::PartnerMail) -> LetterRow {
    let mut body = m.body.clone();
    if !m.attachments.is_empty() {
        body.push_str(&format!(
            "\n[{} : {}]\n",
            s::ENV_ATTACHMENTS,
            m.attachments.join(", ")
        ));
    }
    LetterRow {
        id: i64::from(m.publication),
        partners: true,
        version: m.version,
        state: m.state,
        kind: s::ENV_PARTNERS_KIND,
        to: m.recipients.join(", "),
        cc: String::new(),
        subject: m.subject.clone(),
        body,
        proposal_id: None,
        proposal_number: None,
        organisation: format!("publication n° {}", m.publication),
        created_at: m.created_at.clone(),
        sent_at: m.sent_at.clone(),
        attempts: m.attempts,
        last_error: m.last_error.clone(),
        problems: outbox::partners::problems(&m),
        hold: None,
    }
}

/// A letter as the Envoi screen shows it, written from the templates.
pub(super) fn letter_row(templates: Option<&Letters>, r: LetterRecord) -> LetterRow {
    let organisation = match &r.proposal {
        Some(p) => p
            .text(crate::call::roles().organisation.as_str())
            .unwrap_or("")
            .to_string(),
        // A demande de .docx: the message it answers.
        None => s::env_about_message(r.fiche.id, r.fiche.from_addr.as_deref()),
    };
    let base = LetterRow {
        id: r.id,
        partners: false,
        version: r.version,
        state: r.state,
        kind: r.kind.label_fr(),
        to: String::new(),
        cc: String::new(),
        subject: String::new(),
        body: String::new(),
        proposal_id: r.proposal.as_ref().map(|p| p.id),
        proposal_number: r.proposal.as_ref().map(|p| p.number),
        organisation,
        created_at: r.created_at.clone(),
        sent_at: r.sent_at.clone(),
        attempts: r.attempts,
        last_error: r.last_error.clone(),
        problems: Vec::new(),
        hold: None,
    };
    match templates {
        Some(t) => {
            let d = outbox::draft(t, r);
            LetterRow {
                to: d.to_text(),
                cc: d.cc_text(),
                subject: d.subject,
                body: d.body,
                problems: d.problems,
                hold: d.hold,
                ..base
            }
        }
        None => LetterRow {
            to: r.edit.to.clone().unwrap_or_default(),
            subject: r.edit.subject.clone().unwrap_or_default(),
            body: r.edit.body.clone().unwrap_or_default(),
            problems: vec![s::ENV_NO_TEMPLATES.to_string()],
            ..base
        },
    }
}
