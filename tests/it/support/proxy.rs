//! A small TCP proxy between the daemon and a test server's plain port,
//! that can fail the way networks do:
//! - cut both connections right after the server answered a given command
//!   (`UID COPY`, `UID MOVE`): the server did it, the client never heard;
//! - go silent (a "black hole"): both sockets stay open, nothing passes,
//!   as when a NAT box or a firewall drops a connection without a word;
//! - hide the `* n FETCH` answers to the commands that contain a given
//!   text, like a server that does not report all its messages.
//!
//! Line-based: the daemon's commands are lines (it never sends literals),
//! server lines are forwarded byte for byte.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct State {
    /// Commands (upper case, e.g. `UID COPY`) after whose answer to cut.
    cut_after: Mutex<Vec<String>>,
    cuts_left: AtomicUsize,
    cuts_done: AtomicUsize,
    blackhole: AtomicBool,
    connections: AtomicUsize,
    stop: AtomicBool,
    /// Commands containing all of these (upper case) get no FETCH lines.
    hide_fetch_for: Mutex<Vec<String>>,
    /// The client side of every connection, to say BYE on it.
    clients: Mutex<Vec<TcpStream>>,
    /// New connections are closed at once (a server restarting).
    refuse: AtomicBool,
}

pub struct Proxy {
    pub port: u16,
    state: Arc<State>,
}

impl Proxy {
    /// Listens on a free loopback port, forwarding to `upstream`.
    pub fn start(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State::default());
        let st = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if st.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                if st.refuse.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                if let Ok(c) = client.try_clone() {
                    st.clients.lock().unwrap().push(c);
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                st.connections.fetch_add(1, Ordering::SeqCst);
                relay(client, server, st.clone());
            }
        });
        Proxy { port, state }
    }

    /// Cuts the connection right after the server answers one of these
    /// commands, `times` times in all.
    pub fn cut_after(&self, commands: &[&str], times: usize) {
        *self.state.cut_after.lock().unwrap() =
            commands.iter().map(|c| c.to_ascii_uppercase()).collect();
        self.state.cuts_left.store(times, Ordering::SeqCst);
    }

    pub fn cuts_done(&self) -> usize {
        self.state.cuts_done.load(Ordering::SeqCst)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// The answers to commands containing all these texts lose their
    /// `* n FETCH` lines (none: nothing hidden).
    pub fn hide_fetches(&self, commands: &[&str]) {
        *self.state.hide_fetch_for.lock().unwrap() =
            commands.iter().map(|c| c.to_ascii_uppercase()).collect();
    }

    /// A planned server restart: `* BYE` on every open connection, which
    /// is then closed; new connections are refused until `refuse(false)`.
    pub fn say_bye_and_refuse(&self) {
        self.state.refuse.store(true, Ordering::SeqCst);
        self.state.blackhole.store(true, Ordering::SeqCst);
        for c in self.state.clients.lock().unwrap().drain(..) {
            let mut c = c;
            let _ = c.write_all(b"* BYE Server shutting down.\r\n");
            let _ = c.shutdown(Shutdown::Both);
        }
    }

    /// Accepts connections again (and lets data through).
    pub fn accept_again(&self) {
        self.state.refuse.store(false, Ordering::SeqCst);
        self.state.blackhole.store(false, Ordering::SeqCst);
    }

    /// Nothing passes any more (or again), connections stay open.
    pub fn blackhole(&self, on: bool) {
        self.state.blackhole.store(on, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(
            &([127, 0, 0, 1], self.port).into(),
            Duration::from_millis(200),
        );
    }
}

fn relay(client: TcpStream, server: TcpStream, st: Arc<State>) {
    let armed: Arc<Mutex<Option<String>>> = Arc::default();
    let hiding: Arc<Mutex<Option<String>>> = Arc::default();
    let (c_read, mut c_write) = (client.try_clone().unwrap(), client);
    let (s_read, mut s_write) = (server.try_clone().unwrap(), server);
    let (c_cut, s_cut) = (c_write.try_clone().unwrap(), s_write.try_clone().unwrap());
    {
        let (st, armed, hiding) = (st.clone(), armed.clone(), hiding.clone());
        std::thread::spawn(move || {
            let mut r = BufReader::new(c_read);
            let mut line = Vec::new();
            loop {
                line.clear();
                if r.read_until(b'\n', &mut line).unwrap_or(0) == 0 {
                    let _ = s_write.shutdown(Shutdown::Write);
                    return;
                }
                if st.blackhole.load(Ordering::SeqCst) {
                    continue;
                }
                let text = String::from_utf8_lossy(&line).to_ascii_uppercase();
                if st.cuts_left.load(Ordering::SeqCst) > 0
                    && st
                        .cut_after
                        .lock()
                        .unwrap()
                        .iter()
                        .any(|c| text.contains(&format!(" {c} ")))
                {
                    let tag = text.split_whitespace().next().unwrap_or("").to_string();
                    *armed.lock().unwrap() = Some(tag);
                }
                let hide = st.hide_fetch_for.lock().unwrap().clone();
                if !hide.is_empty() && hide.iter().all(|c| text.contains(c.as_str())) {
                    let tag = text.split_whitespace().next().unwrap_or("").to_string();
                    *hiding.lock().unwrap() = Some(tag);
                }
                if s_write.write_all(&line).is_err() {
                    return;
                }
            }
        });
    }
    std::thread::spawn(move || {
        let mut r = BufReader::new(s_read);
        let mut line = Vec::new();
        loop {
            line.clear();
            if r.read_until(b'\n', &mut line).unwrap_or(0) == 0 {
                let _ = c_write.shutdown(Shutdown::Write);
                return;
            }
            if st.blackhole.load(Ordering::SeqCst) {
                continue;
            }
            let hidden = hiding.lock().unwrap().clone();
            if let Some(tag) = hidden {
                let upper = String::from_utf8_lossy(&line).to_ascii_uppercase();
                if upper.starts_with(&format!("{tag} ")) {
                    *hiding.lock().unwrap() = None;
                } else if upper.starts_with("* ") && upper.contains(" FETCH ") {
                    continue;
                }
            }
            let tag = armed.lock().unwrap().clone();
            if let Some(tag) = tag {
                let upper = String::from_utf8_lossy(&line).to_ascii_uppercase();
                if upper.starts_with(&format!("{tag} ")) {
                    // The server did it; the client never hears.
                    st.cuts_left.fetch_sub(1, Ordering::SeqCst);
                    st.cuts_done.fetch_add(1, Ordering::SeqCst);
                    let _ = c_cut.shutdown(Shutdown::Both);
                    let _ = s_cut.shutdown(Shutdown::Both);
                    return;
                }
            }
            if c_write.write_all(&line).is_err() {
                return;
            }
        }
    });
}
