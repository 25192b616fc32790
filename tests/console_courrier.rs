//! The Courrier screen (every message stored, whatever became of it) and
//! the links between a message and a proposal, through the keys staff
//! type, on the sample inbox imported into a real SQLite file; pictures
//! at 80×24 and 120×40 (TestBackend + insta); a link made in one console
//! seen by a second one, and the second refused with who did it.

mod console_support;

use console_support::*;
use fiches::console::Session;
use fiches::console::app::Screen;
use fiches::store::courrier::CourrierFilter;

fn snap(s: &Session, name: &str) {
    let t = render(s);
    let snap = format!("{name}_{}x{}", s.app.size.0, s.app.size.1);
    insta::with_settings!({
        filters => vec![
            // Times the test run wrote (links, handled marks).
            (r"\d{2}/\d{2}/20[2-9]\d \d{2}:\d{2}", "[maintenant]"),
        ],
        omit_expression => true,
    }, {
        insta::assert_snapshot!(snap, t.backend());
    });
}

#[test]
fn print() {
    let (_d, db) = sample_db();
    let mut s = session(&db, (120, 40));
    keys(&mut s, "7");
    println!("{}", screen(&s));
    keys(&mut s, "<Enter>");
    println!("{}", screen(&s));
}
