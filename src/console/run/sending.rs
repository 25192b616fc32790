//! The background send of the Envoi screen: a batch of letters and
//! e-mails to the partners goes out on a thread of its own, which tells
//! the loop how each went (`SendNews`); the screen is reloaded at the end.

use super::*;

impl Session {
    /// Sends the batch on a thread of its own, with its own store: SMTP
    /// blocks, the console does not. News come back through `tick`.
    pub(super) fn start_sending(&mut self, letters: Vec<(i64, i64)>, partners: Vec<(u32, i64)>) {
        let Some(smtp) = self.smtp.clone() else {
            self.app.notify(Level::Error, s::ENV_NO_SMTP);
            return;
        };
        let Some(templates) = self.letters.clone() else {
            self.app
                .notify(Level::Error, s::n_send_failed(s::ENV_NO_TEMPLATES));
            return;
        };
        if self.sending.is_some() {
            self.app.notify(Level::Warn, s::ENV_ALREADY_SENDING);
            return;
        }
        let path = self.store.path().to_path_buf();
        let total = letters.len() + partners.len();
        let opts = SendOptions {
            auto: false,
            auto_acknowledge: false,
            auto_partners: false,
            only: Some(letters.into_iter().map(|(i, v)| (i, Some(v))).collect()),
            only_partners: Some(partners.into_iter().map(|(n, v)| (n, Some(v))).collect()),
            ignore_backoff: true,
            actor: self.app.user.clone(),
        };
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("console-envoi".into())
            .spawn(move || {
                let result = Store::open(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|mut store| {
                        let progress_tx = tx.clone();
                        outbox::send(&mut store, &smtp, &templates, &opts, &mut |o| {
                            let _ = progress_tx.send(SendNews::Progress(o.clone()));
                        })
                        .map_err(|e| e.to_string())
                    });
                let _ = tx.send(SendNews::Done(result));
            });
        match spawned {
            Ok(_) => {
                self.sending = Some(rx);
                self.app.envoi.sending = Some((0, total));
                self.app.envoi.quit_warned = false;
                self.app.notify(Level::Info, s::n_sending(0, total));
            }
            Err(e) => self
                .app
                .notify(Level::Error, s::n_send_failed(&e.to_string())),
        }
    }

    /// Takes the sending thread's news; returns whether anything changed.
    pub fn poll_sending(&mut self) -> bool {
        let Some(rx) = &self.sending else {
            return false;
        };
        let mut changed = false;
        let mut finished = None;
        loop {
            match rx.try_recv() {
                Ok(SendNews::Progress(_)) => {
                    changed = true;
                    if let Some((done, total)) = &mut self.app.envoi.sending {
                        *done += 1;
                        let text = s::n_sending(*done, *total);
                        self.app.notify(Level::Info, text);
                    }
                }
                Ok(SendNews::Done(r)) => {
                    finished = Some(r);
                    break;
                }
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    finished = Some(Err("le fil d'envoi s'est arrêté".to_string()));
                    break;
                }
            }
        }
        if let Some(r) = finished {
            self.sending = None;
            self.app.envoi.sending = None;
            self.app.envoi.quit_warned = false;
            self.load_letters();
            match r {
                Ok(report) => {
                    let sent = report.sent();
                    let other = report.outcomes.len() - sent + report.not_approved.len();
                    let err = report.connection_error.as_deref().map(terminal_line);
                    let level = if report.all_good() {
                        Level::Ok
                    } else {
                        Level::Warn
                    };
                    self.app
                        .notify(level, s::n_send_done(sent, other, err.as_deref()));
                }
                Err(e) => self
                    .app
                    .notify(Level::Error, s::n_send_failed(&terminal_line(&e))),
            }
            changed = true;
        }
        changed
    }

    /// Waits for the sending thread to finish (tests).
    pub fn wait_sending(&mut self, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        while self.sending.is_some() && Instant::now() < until {
            self.poll_sending();
            std::thread::sleep(Duration::from_millis(20));
        }
        self.sending.is_none()
    }
}
