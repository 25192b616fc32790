//! Unit tests of `update`, screen by screen: an `App` built in memory (no
//! database, no terminal), actions in, state and effects out.

use super::*;
use crate::console::app::{Envoi, LetterRow, Notice};
use crate::console::format::Zone;
use crate::console::rows::Listing;
use crate::console::theme::Theme;
use crate::domain::Rules;
use crate::domain::members::Members;
use crate::store::console::{ListingRow, TriageMessage};

fn app() -> App {
    let mut app = App::new(Rules::default(), Zone::PARIS, Theme::new(true));
    app.size = (120, 40);
    app
}

fn row(id: i64, org: &str) -> ListingRow {
    ListingRow {
        id,
        number: id + 100,
        kind: Some(Kind::MicroAtelier),
        status: Some(Status::Pending),
        version: 3,
        revision: 1,
        organisation: Some(org.into()),
        search_text: org.into(),
        received_at: Some(format!("2026-05-0{id}T10:00:00Z")),
        ..ListingRow::default()
    }
}

/// An App on Propositions with three pending micro-ateliers.
fn with_rows() -> App {
    let mut app = app();
    let rows = vec![
        row(1, "Ville de Besançon"),
        row(2, "Ville de Bastia"),
        row(3, "Région Bretagne"),
    ];
    app.listing = Listing::from_store_rows(rows, &Members::default());
    app
}

fn message(id: i64) -> TriageMessage {
    TriageMessage {
        id,
        from_addr: Some("mairie@example.fr".into()),
        from_name: None,
        subject: Some("Fiche".into()),
        date: None,
        received_at: None,
        status: Default::default(),
        reason: None,
        flags: Vec::new(),
        attachments: 1,
        proposals: 0,
        handled: None,
        docx_request: None,
    }
}

fn letter(id: i64, state: LetterState) -> LetterRow {
    LetterRow {
        id,
        partners: false,
        version: 7,
        state,
        kind: "accusé",
        to: "mairie@example.fr".into(),
        cc: String::new(),
        subject: "Accusé de réception".into(),
        body: "Bonjour".into(),
        proposal_id: Some(1),
        proposal_number: Some(101),
        organisation: "Ville de Besançon".into(),
        created_at: "2026-05-01T10:00:00Z".into(),
        sent_at: None,
        attempts: 0,
        last_error: None,
        problems: Vec::new(),
        hold: None,
    }
}

fn notice(app: &App) -> Option<&str> {
    app.notice.as_ref().map(|n: &Notice| n.text.as_str())
}

mod navigation {
    use super::*;

    #[test]
    fn going_to_a_screen_asks_for_what_it_shows() {
        let mut app = with_rows();
        assert_eq!(
            update(&mut app, Action::Goto(Screen::Envoi)),
            vec![Effect::LoadLetters]
        );
        assert_eq!(app.screen, Screen::Envoi);
        assert_eq!(
            update(&mut app, Action::Goto(Screen::Courrier)),
            vec![Effect::LoadCourrier { keep: true }]
        );
        assert_eq!(update(&mut app, Action::Goto(Screen::Programme)), vec![]);
        let first = app.listing.visible(0).map(|r| r.id).unwrap();
        assert_eq!(
            update(&mut app, Action::Goto(Screen::Propositions)),
            vec![Effect::LoadDetail(first)]
        );
        assert_eq!(update(&mut app, Action::Refresh), vec![Effect::Refresh]);
    }

    #[test]
    fn quitting_while_sending_is_asked_once() {
        let mut app = app();
        app.envoi.sending = Some((1, 3));
        assert_eq!(update(&mut app, Action::Quit), vec![]);
        assert!(!app.quit);
        assert_eq!(notice(&app), Some(s::ENV_QUIT_WHILE_SENDING));
        update(&mut app, Action::Quit);
        assert!(app.quit);
        let mut idle = self::app();
        update(&mut idle, Action::Quit);
        assert!(idle.quit);
    }

    #[test]
    fn arrows_and_tab_move_the_focus_and_escape_brings_it_back() {
        let mut app = with_rows();
        update(&mut app, Action::Right);
        assert_eq!(app.focus, Focus::Detail);
        update(&mut app, Action::Escape);
        assert_eq!(app.focus, Focus::List);
        update(&mut app, Action::Tab);
        assert_eq!(app.focus, Focus::Detail);
        update(&mut app, Action::Tab);
        assert_eq!(app.focus, Focus::List);
        update(&mut app, Action::Resize(100, 30));
        assert_eq!(app.size, (100, 30));
    }
}

mod propositions {
    use super::*;

    #[test]
    fn moving_down_loads_the_next_detail_and_stops_at_the_end() {
        let mut app = with_rows();
        let second = app.listing.visible(1).map(|r| r.id).unwrap();
        assert_eq!(
            update(&mut app, Action::Down),
            vec![Effect::LoadDetail(second)]
        );
        assert_eq!(app.selected, 1);
        let last = app.listing.visible(2).map(|r| r.id).unwrap();
        assert_eq!(
            update(&mut app, Action::Bottom),
            vec![Effect::LoadDetail(last)]
        );
        assert_eq!(update(&mut app, Action::Down), vec![]);
        assert_eq!(app.selected, 2);
    }

    #[test]
    fn search_opens_the_typed_line_with_the_current_query() {
        let mut app = with_rows();
        update(&mut app, Action::Search);
        assert!(matches!(app.input, Some((InputPurpose::Search, _))));
        // While typing, other keys do nothing but the text.
        assert_eq!(update(&mut app, Action::Goto(Screen::Envoi)), vec![]);
        assert_eq!(app.screen, Screen::Propositions);
    }

    #[test]
    fn marks_go_on_and_off_and_bulk_needs_some() {
        let mut app = with_rows();
        assert_eq!(update(&mut app, Action::BulkReject), vec![]);
        assert_eq!(notice(&app), Some(s::BULK_NONE_MARKED));
        let number = app.current().map(|r| r.number).unwrap();
        update(&mut app, Action::ToggleMark);
        assert!(app.marks.contains(&number));
        update(&mut app, Action::BulkReject);
        assert!(matches!(app.input, Some((InputPurpose::BulkReason, _))));
        app.input = None;
        update(&mut app, Action::ClearMarks);
        assert!(app.marks.is_empty());
        assert_eq!(notice(&app), Some(s::MARKS_CLEARED));
        update(&mut app, Action::ClearMarks);
        assert_eq!(notice(&app), Some(s::NO_MARKS));
    }

    #[test]
    fn the_filters_overlay_opens_and_closes() {
        let mut app = with_rows();
        update(&mut app, Action::Filters);
        assert_eq!(app.overlay, Overlay::Filters { cursor: 0 });
        update(&mut app, Action::Down);
        assert_eq!(app.overlay, Overlay::Filters { cursor: 1 });
        update(&mut app, Action::Escape);
        assert_eq!(app.overlay, Overlay::None);
    }
}

mod decider {
    use super::*;

    #[test]
    fn a_decision_allowed_by_the_rules_is_sent_with_the_version_seen() {
        let mut app = with_rows();
        let r = app.current().cloned().unwrap();
        assert_eq!(
            update(&mut app, Action::Waitlist),
            vec![Effect::Decide {
                number: r.number,
                version: r.version,
                decision: Decision::Waitlist,
            }]
        );
    }

    #[test]
    fn nothing_selected_is_said() {
        let mut app = app();
        assert_eq!(update(&mut app, Action::Waitlist), vec![]);
        assert_eq!(notice(&app), Some(s::N_NO_SELECTION));
        assert_eq!(update(&mut app, Action::Reject), vec![]);
        assert_eq!(notice(&app), Some(s::N_NO_SELECTION));
    }

    #[test]
    fn reject_asks_for_the_reason() {
        let mut app = with_rows();
        assert_eq!(update(&mut app, Action::Reject), vec![]);
        let r = app.current().cloned().unwrap();
        match &app.input {
            Some((InputPurpose::RejectReason(seen), _)) => {
                assert_eq!((seen.number, seen.version), (r.number, r.version))
            }
            other => panic!("{other:?}"),
        }
    }
}

mod programme {
    use super::*;

    #[test]
    fn suggestion_and_publication_are_asked_of_run() {
        let mut app = with_rows();
        app.screen = Screen::Programme;
        assert_eq!(
            update(&mut app, Action::Suggest),
            vec![Effect::ComputeSuggestion]
        );
        assert_eq!(
            update(&mut app, Action::Publish),
            vec![Effect::PreparePublish]
        );
    }

    #[test]
    fn tab_goes_round_the_kinds() {
        let mut app = with_rows();
        app.screen = Screen::Programme;
        let kinds = Kind::all();
        for k in kinds.iter().skip(1).chain(kinds.first()) {
            update(&mut app, Action::Tab);
            assert_eq!(app.programme_kind, *k);
            assert_eq!(app.programme_cursor, (0, 0));
        }
    }
}

mod triage {
    use super::*;

    #[test]
    fn handled_and_new_fiche_act_on_the_selected_message() {
        let mut app = app();
        app.screen = Screen::Triage;
        assert_eq!(update(&mut app, Action::ToggleHandled), vec![]);
        assert_eq!(notice(&app), Some(s::N_NO_MESSAGE));
        app.triage = vec![message(42)];
        assert_eq!(
            update(&mut app, Action::ToggleHandled),
            vec![Effect::SetHandled {
                message_id: 42,
                handled: true,
            }]
        );
        assert_eq!(update(&mut app, Action::NewFiche), vec![]);
        assert_eq!(app.overlay, Overlay::KindChoice { message_id: 42 });
    }

    #[test]
    fn a_docx_is_asked_twice_when_a_fiche_exists() {
        let mut app = app();
        app.screen = Screen::Triage;
        app.triage = vec![message(5)];
        app.triage[0].proposals = 1;
        assert_eq!(update(&mut app, Action::AskDocx), vec![]);
        assert_eq!(app.docx_armed, Some(5));
        assert_eq!(
            update(&mut app, Action::AskDocx),
            vec![Effect::AskDocx { message_id: 5 }]
        );
    }
}

mod envoi {
    use super::*;

    fn on_envoi(letters: Vec<LetterRow>) -> App {
        let mut app = app();
        app.screen = Screen::Envoi;
        app.envoi = Envoi {
            letters,
            loaded: true,
            ..Envoi::default()
        };
        app
    }

    #[test]
    fn edit_and_take_back_check_the_letter_state() {
        let mut app = on_envoi(vec![]);
        assert_eq!(update(&mut app, Action::EditLetter), vec![]);
        assert_eq!(notice(&app), Some(s::ENV_NO_SELECTION));
        let mut app = on_envoi(vec![letter(9, LetterState::Pending)]);
        assert_eq!(
            update(&mut app, Action::EditLetter),
            vec![Effect::EditLetter { id: 9, version: 7 }]
        );
        // Only a letter held for review is taken back.
        assert_eq!(update(&mut app, Action::TakeBack), vec![]);
        assert!(app.notice.is_some());
        let mut app = on_envoi(vec![letter(9, LetterState::Review)]);
        assert_eq!(
            update(&mut app, Action::TakeBack),
            vec![Effect::TakeBackLetter { id: 9, version: 7 }]
        );
    }

    #[test]
    fn dropping_asks_first_then_confirm_drops() {
        let mut app = on_envoi(vec![letter(9, LetterState::Failed)]);
        assert_eq!(update(&mut app, Action::DropLetter), vec![]);
        assert!(matches!(
            app.overlay,
            Overlay::Confirm(Confirm::DropLetter { id: 9, .. })
        ));
        assert_eq!(
            update(&mut app, Action::Confirm),
            vec![Effect::DropLetter {
                id: 9,
                version: 7,
                partners: false,
            }]
        );
        assert_eq!(app.overlay, Overlay::None);
    }
}

mod courrier {
    use super::*;

    #[test]
    fn the_filter_turns_and_reloads() {
        let mut app = app();
        app.screen = Screen::Courrier;
        let before = app.courrier.filter;
        assert_eq!(
            update(&mut app, Action::CourrierFilter(true)),
            vec![Effect::LoadCourrier { keep: true }]
        );
        assert_ne!(app.courrier.filter, before);
        update(&mut app, Action::CourrierFilter(false));
        assert_eq!(app.courrier.filter, before);
        update(&mut app, Action::Search);
        assert!(matches!(app.input, Some((InputPurpose::CourrierSearch, _))));
    }
}

mod corriger {
    use super::*;

    #[test]
    fn correct_opens_the_form_of_the_selected_proposal() {
        let mut app = with_rows();
        let id = app.current_id().unwrap();
        assert_eq!(
            update(&mut app, Action::Correct),
            vec![Effect::LoadDetail(id)]
        );
        assert_eq!(app.screen, Screen::Corriger);
        assert_eq!(app.correct_cursor, 0);
    }

    #[test]
    fn abandoning_an_empty_hand_entry_goes_back_to_triage() {
        let mut app = app();
        app.screen = Screen::Corriger;
        app.draft = Some(Draft {
            message_id: 4,
            kind: Kind::MicroAtelier,
            fields: BTreeMap::new(),
            confirm_missing: false,
        });
        assert_eq!(update(&mut app, Action::Abandon), vec![]);
        assert!(app.draft.is_none());
        assert_eq!(app.screen, Screen::Triage);
        assert_eq!(notice(&app), Some(s::N_DRAFT_ABANDONED));
    }
}

mod overlays {
    use super::*;

    #[test]
    fn help_scrolls_and_closes() {
        let mut app = with_rows();
        update(&mut app, Action::ToggleHelp);
        assert_eq!(app.overlay, Overlay::Help { scroll: 0 });
        update(&mut app, Action::Down);
        let scrolled = matches!(app.overlay, Overlay::Help { scroll } if scroll <= 1);
        assert!(scrolled);
        // Keys of the screen under it do nothing.
        assert_eq!(update(&mut app, Action::Waitlist), vec![]);
        update(&mut app, Action::Escape);
        assert_eq!(app.overlay, Overlay::None);
    }

    #[test]
    fn a_question_cancelled_says_so() {
        let mut app = app();
        app.overlay = Overlay::Confirm(Confirm::Publish {
            number: 3,
            since: Some(2),
        });
        assert_eq!(update(&mut app, Action::Escape), vec![]);
        assert_eq!(app.overlay, Overlay::None);
        assert_eq!(notice(&app), Some(s::ENV_CANCELLED));
        app.overlay = Overlay::Confirm(Confirm::Publish {
            number: 3,
            since: Some(2),
        });
        assert_eq!(
            update(&mut app, Action::Confirm),
            vec![Effect::Publish { since: Some(2) }]
        );
    }
}

mod input {
    use super::*;

    fn typed(app: &mut App, text: &str) {
        for c in text.chars() {
            update(app, Action::Text(TextEdit::Char(c)));
        }
    }

    #[test]
    fn a_reason_is_needed_then_the_rejection_is_sent() {
        let mut app = with_rows();
        update(&mut app, Action::Reject);
        assert_eq!(update(&mut app, Action::Text(TextEdit::Submit)), vec![]);
        assert_eq!(notice(&app), Some(s::N_REASON_NEEDED));
        assert!(app.input.is_none());
        update(&mut app, Action::Reject);
        typed(&mut app, "  hors sujet ");
        let r = app.current().cloned().unwrap();
        assert_eq!(
            update(&mut app, Action::Text(TextEdit::Submit)),
            vec![Effect::Decide {
                number: r.number,
                version: r.version,
                decision: Decision::Reject {
                    reason: "hors sujet".into()
                },
            }]
        );
    }

    #[test]
    fn a_search_narrows_as_typed_and_escape_clears_it() {
        let mut app = with_rows();
        update(&mut app, Action::Search);
        typed(&mut app, "bast");
        assert_eq!(app.listing.visible_len(), 1);
        update(&mut app, Action::Text(TextEdit::Cancel));
        assert!(app.input.is_none());
        assert_eq!(app.listing.visible_len(), 3);
    }

    #[test]
    fn a_link_number_must_be_a_number() {
        let mut app = app();
        app.input = Some((
            InputPurpose::LinkNumber { message_id: 8 },
            TextInput::default(),
        ));
        typed(&mut app, "douze");
        assert_eq!(update(&mut app, Action::Text(TextEdit::Submit)), vec![]);
        assert!(app.notice.is_some());
        app.input = Some((
            InputPurpose::LinkNumber { message_id: 8 },
            TextInput::default(),
        ));
        typed(&mut app, "n° 12");
        assert_eq!(
            update(&mut app, Action::Text(TextEdit::Submit)),
            vec![Effect::PrepareLink {
                message_id: 8,
                number: 12
            }]
        );
    }
}
