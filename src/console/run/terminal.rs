//! The terminal the console runs in: raw mode and the alternate screen,
//! frames written once each, the terminal given back on exit, on panic, on
//! SIGTERM/SIGHUP/SIGINT/SIGQUIT and when it hangs up (a watchdog thread:
//! crossterm alone would spin on a closed tty), and `run`, the loop that
//! reads crossterm events (blocking with a timeout: no busy loop), hands
//! them to the session and draws.

use super::*;

/// Time a search keystroke may spend before its frame is drawn: half of a
/// 60 Hz frame, whatever the number of proposals.
pub const SEARCH_SLICE: Duration = Duration::from_millis(8);

/// Set once the terminal is given back: frames still buffered (a panic in
/// the middle of a draw) are then dropped instead of landing on the shell.
static RESTORED: AtomicBool = AtomicBool::new(false);

/// The console's output: buffered, one write per frame, and silent once
/// the terminal has been restored.
struct FrameWriter(io::BufWriter<io::Stdout>);

impl Write for FrameWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if RESTORED.load(Ordering::SeqCst) {
            return Ok(buf.len());
        }
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        if RESTORED.load(Ordering::SeqCst) {
            return Ok(());
        }
        self.0.flush()
    }
}

impl Drop for FrameWriter {
    fn drop(&mut self) {
        if RESTORED.load(Ordering::SeqCst) {
            // Forget what is buffered rather than write it on the shell.
            let _ = std::mem::replace(&mut self.0, io::BufWriter::with_capacity(0, io::stdout()))
                .into_parts();
        }
    }
}

/// Restores the terminal: raw mode off, main screen, mouse released,
/// cursor shown. Errors are ignored (the terminal may be gone).
pub fn restore_terminal() {
    RESTORED.store(true, Ordering::SeqCst);
    let _ = disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(
        out,
        crossterm::event::DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = out.flush();
}

/// Restores the terminal when dropped (early returns, errors).
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Whether our terminal is gone (the SSH connection or the terminal
/// emulator closed): `poll(2)` reports a hangup or an error on stdin.
#[allow(
    unsafe_code,
    reason = "libc calls std does not wrap; each block says why it is sound (SAFETY)"
)]
pub(super) fn terminal_hung_up() -> bool {
    let mut fd = libc::pollfd {
        fd: libc::STDIN_FILENO,
        events: 0,
        revents: 0,
    };
    // SAFETY: one valid pollfd, no timeout.
    let n = unsafe { libc::poll(&mut fd, 1, 0) };
    n > 0 && fd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

/// Watches for SIGTERM, SIGHUP, SIGINT, SIGQUIT and for the terminal
/// hanging up, five times a second (sleeping in between). On either it
/// asks the loop to stop, gives it half a second to leave cleanly, then
/// restores the terminal and exits: when the terminal is gone, crossterm's
/// event reader can spin on the closed tty and never come back to the loop.
pub(super) fn spawn_watchdog(stop: Arc<AtomicBool>, done: Arc<AtomicBool>) -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT, SIGQUIT])?;
    std::thread::Builder::new()
        .name("console-watchdog".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                if done.load(Ordering::SeqCst) {
                    return;
                }
                let signal = signals.pending().next();
                let hung_up = terminal_hung_up();
                if signal.is_none() && !hung_up {
                    continue;
                }
                stop.store(true, Ordering::SeqCst);
                for _ in 0..10 {
                    std::thread::sleep(Duration::from_millis(50));
                    if done.load(Ordering::SeqCst) {
                        return;
                    }
                }
                restore_terminal();
                std::process::exit(128 + signal.unwrap_or(SIGHUP));
            }
        })?;
    Ok(())
}

/// The terminal loop. Returns when the user quits or a termination
/// signal arrives.
pub fn run(mut session: Session) -> anyhow::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    spawn_watchdog(Arc::clone(&stop), Arc::clone(&done))?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));

    enable_raw_mode()?;
    let _guard = Guard;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        crossterm::event::EnableMouseCapture
    )?;
    // One write per frame (stdout alone flushes every KiB): no half-drawn
    // frames over a slow link.
    let mut terminal = Terminal::new(CrosstermBackend::new(FrameWriter(
        io::BufWriter::with_capacity(1 << 16, io::stdout()),
    )))?;
    terminal.clear()?;
    let size = terminal.size()?;
    session.dispatch(Action::Resize(size.width, size.height));

    let tick = Duration::from_millis(250);
    let mut last_tick = Instant::now();
    let mut last_clock = Instant::now();
    let mut dirty = true;
    let result = (|| -> anyhow::Result<()> {
        loop {
            if dirty {
                terminal.draw(|f| view::draw(f, &session.app))?;
                dirty = false;
                // Debug builds only: lets the tests check the terminal is
                // given back after a panic.
                #[cfg(debug_assertions)]
                if std::env::var_os("FICHES_TEST_PANIC").is_some() {
                    panic!("panne simulée pour les tests (FICHES_TEST_PANIC)");
                }
            }
            if session.app.quit || stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            // What is typed reaches the database a moment after the last key.
            session.flush_draft(false);
            // Blocks until an event or the next tick: no busy loop. A search
            // still going through the rows goes on while no key comes.
            let wait = wait_time(&session, tick.saturating_sub(last_tick.elapsed()));
            if event::poll(wait)? {
                take_events(&mut session)?;
                dirty = true;
                if session.edit_request.is_some() {
                    hand_to_editor(&mut terminal, &mut session)?;
                }
            } else if session.app.listing.scanning() {
                let budget = session.app.search_budget.unwrap_or(SEARCH_SLICE);
                session.app.listing.step(Some(Instant::now() + budget));
                dirty = true;
            }
            if last_tick.elapsed() >= tick {
                last_tick = Instant::now();
                if session.tick() {
                    dirty = true;
                }
                // The daemon's "seen N s ago" moves with the clock.
                if session.app.heartbeat != crate::status::Health::Unknown
                    && last_clock.elapsed() >= Duration::from_secs(1)
                {
                    last_clock = Instant::now();
                    dirty = true;
                }
            }
        }
    })();
    // Quitting or hung up: what is left unsaved is kept for the next console.
    session.flush_draft(true);
    drop(terminal);
    drop(_guard);
    done.store(true, Ordering::SeqCst);
    result
}

/// How long the loop may block for an event: not at all while a search
/// goes through the rows, at most until a typed draft is due, else until
/// the next tick (`to_tick`).
fn wait_time(session: &Session, to_tick: Duration) -> Duration {
    if session.app.listing.scanning() {
        Duration::ZERO
    } else if session.draft_dirty.is_some() {
        to_tick.min(DRAFT_QUIET)
    } else {
        to_tick
    }
}

/// Every pending event handed to the session before the next frame
/// (paste, key repeat).
fn take_events(session: &mut Session) -> anyhow::Result<()> {
    loop {
        match event::read()? {
            Event::Key(k) => session.key(k),
            Event::Mouse(m) => {
                if let Some(a) = mouse_action(m) {
                    session.dispatch(a);
                }
            }
            Event::Resize(w, h) => session.dispatch(Action::Resize(w, h)),
            _ => {}
        }
        if session.app.quit || !event::poll(Duration::ZERO)? {
            return Ok(());
        }
    }
}

/// The editor gets the terminal for the letter asked for, then the
/// console takes it back.
fn hand_to_editor(
    terminal: &mut Terminal<CrosstermBackend<FrameWriter>>,
    session: &mut Session,
) -> anyhow::Result<()> {
    terminal.backend_mut().flush()?;
    disable_raw_mode()?;
    execute!(
        io::stdout(),
        crossterm::event::DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    )?;
    session.run_pending_edit();
    enable_raw_mode()?;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        crossterm::event::EnableMouseCapture
    )?;
    terminal.clear()?;
    Ok(())
}
