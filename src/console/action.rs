//! Keys and mouse to `Action`s, pure: which key does what depends only on
//! the key mode (typing, an overlay, or the screen shown). Vim keys and
//! arrows both work; letters only act where the screen gives them a meaning.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};

use super::app::{App, Overlay, Screen};
use crate::fiche::Kind;

/// Editing the text being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEdit {
    Char(char),
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    Clear,
    DeleteWord,
    Newline,
    Submit,
    Cancel,
}

/// An answer to a draft question (leaving one, or one found at start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftAnswer {
    Save,
    Abandon,
    Stay,
    Resume,
}

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    ToggleHelp,
    Escape,
    Goto(Screen),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Left,
    Right,
    Tab,
    WheelUp,
    WheelDown,
    Enter,
    Search,
    SortNext,
    SortReverse,
    Filters,
    ClearFilters,
    Decide,
    Correct,
    Accept,
    Waitlist,
    Reject,
    Withdraw,
    Reset,
    Undo,
    /// Programme: pick up the proposal of the cell (then drop it on a free
    /// place to move it, on another proposal to swap them).
    Pick,
    /// Programme: compute the programme suggestion and show its draft.
    Suggest,
    /// Programme: preview what `fiches publish` would publish, then publish.
    Publish,
    /// Propositions: compare the revisions of the selected proposal.
    Revisions,
    /// In the comparison: another revision to compare (the first one, or
    /// with `arrival` the second one), earlier or later.
    RevisionShift {
        arrival: bool,
        later: bool,
    },
    /// Décider: one step up the waiting list.
    WaitUp,
    /// Décider: one step down the waiting list.
    WaitDown,
    /// Envoi: take back a letter set aside "à revoir".
    TakeBack,
    ToggleHandled,
    NewFiche,
    /// À traiter: queue a demande de .docx to the message's sender.
    AskDocx,
    /// À traiter: show the text of the (next) attachment.
    ReadAttachment,
    /// À traiter, Propositions: save an attachment in a folder (asked).
    SaveAttachment,
    /// Corriger, hand entry on a narrow terminal: the attachment's text or the form.
    ToggleText,
    ChooseKind(Kind),
    Save,
    Abandon,
    Refresh,
    /// Envoi: drop the selected letter (asks first).
    DropLetter,
    /// Envoi: edit the selected letter in `$VISUAL` / `$EDITOR`.
    EditLetter,
    /// Envoi: an uncertain letter did arrive.
    SettleSent,
    /// Envoi: an uncertain letter did not arrive: back to the outbox.
    SettleResend,
    /// Envoi: send the letters to send (asks first).
    SendBatch,
    /// Envoi: the recipient of a letter held for review is the right one.
    ConfirmRecipient,
    /// Corriger: choose the article of the organisation's name in the letters.
    Article,
    /// Courrier: the next (or, `false`, previous) status filter.
    CourrierFilter(bool),
    /// Courrier, À traiter: link the message to a proposal (asks its number).
    Link,
    /// Courrier, À traiter: remove a link of the message (asks first).
    Unlink,
    /// Yes to the question asked.
    Confirm,
    /// Propositions, Envoi: mark or unmark the selected line (Space).
    ToggleMark,
    /// Propositions, Envoi: unmark everything.
    ClearMarks,
    /// Propositions, Décider: write the acting user's note on the proposal.
    Note,
    /// Propositions, Décider: give the acting user's opinion on the proposal.
    Opinion,
    /// Propositions: accept every marked proposal into its wanted slot (asks first).
    BulkAccept,
    /// Propositions: waitlist every marked proposal (asks first).
    BulkWaitlist,
    /// Propositions: refuse every marked proposal, one reason for all (asks first).
    BulkReject,
    Resize(u16, u16),
    Text(TextEdit),
    /// A character that means nothing on this screen: the message line
    /// says so, and where it acts.
    Unbound(char),
    Draft(DraftAnswer),
}

/// How keys are read at the moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    Normal(Screen),
    Typing,
    Help,
    Filters,
    Picker,
    KindChoice,
    Confirm,
    /// The suggestion's draft: confirm, cancel, scroll.
    Suggestion,
    /// "Brouillon non enregistré : (e)nregistrer, (a)bandonner, (r)ester".
    DraftLeave,
    /// "Un brouillon … a été retrouvé : (r)eprendre / (a)bandonner".
    DraftFound,
    /// Two revisions compared: choose them, scroll, close.
    Revisions,
}

pub fn key_mode(app: &App) -> KeyMode {
    match &app.overlay {
        Overlay::Help { .. } => KeyMode::Help,
        Overlay::Filters { .. } => KeyMode::Filters,
        Overlay::Picker(_) => KeyMode::Picker,
        Overlay::KindChoice { .. } => KeyMode::KindChoice,
        Overlay::Confirm(_) => KeyMode::Confirm,
        Overlay::Suggestion { .. } => KeyMode::Suggestion,
        Overlay::DraftLeave { .. } => KeyMode::DraftLeave,
        Overlay::DraftFound => KeyMode::DraftFound,
        Overlay::Publish { .. } => KeyMode::Suggestion,
        Overlay::Revisions { .. } => KeyMode::Revisions,
        Overlay::None if app.input.is_some() => KeyMode::Typing,
        Overlay::None => KeyMode::Normal(app.screen),
    }
}

fn ctrl(k: &KeyEvent) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL)
}

/// One key of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum K {
    /// A character typed without Ctrl (Shift gives the capital).
    Char(char),
    /// Ctrl and a letter.
    Ctrl(char),
    /// Any other key (Entrée, arrows, F-keys…), whatever the modifiers.
    Code(KeyCode),
}

impl K {
    pub fn matches(self, key: &KeyEvent) -> bool {
        match self {
            K::Char(c) => key.code == KeyCode::Char(c) && !ctrl(key),
            K::Ctrl(c) => key.code == KeyCode::Char(c) && ctrl(key),
            K::Code(code) => key.code == code,
        }
    }

    /// The key event this key stands for (tests press it).
    pub fn event(self) -> KeyEvent {
        match self {
            K::Char(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
            K::Ctrl(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
            K::Code(code) => KeyEvent::new(code, KeyModifiers::NONE),
        }
    }
}

/// Where a key of the table acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// On every screen (no overlay, nothing typed).
    Global,
    /// Moving in lists and panes: every screen, and the overlays that
    /// scroll (help, filters, choices, the suggestion).
    Movement,
    Screen(Screen),
    Help,
    Filters,
    Picker,
    KindChoice,
    Confirm,
    Suggestion,
    DraftLeave,
    DraftFound,
    Revisions,
    Typing,
}

/// A line of the key table: where, which keys, what they do (the action
/// the key handling returns) and how the help says it (the keys as
/// shown, then the French text).
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub scope: Scope,
    pub keys: &'static [K],
    pub action: Action,
    pub shown: &'static str,
    pub help: &'static str,
}

const fn b(
    scope: Scope,
    keys: &'static [K],
    action: Action,
    shown: &'static str,
    help: &'static str,
) -> Binding {
    Binding {
        scope,
        keys,
        action,
        shown,
        help,
    }
}

use KeyCode as C;
use Scope as Sc;

/// Every key of the console. `action_for` reads it (first match in the
/// order: global, then the screen's, then movement), and the `?` help is
/// drawn from it: they cannot disagree. Several lines may give the same
/// action to say what it does on each screen (Entrée, Tab).
pub static KEYS: &[Binding] = &[
    // Everywhere.
    b(
        Sc::Global,
        &[K::Char('q')],
        Action::Quit,
        "q  Ctrl-C",
        "quitter",
    ),
    b(
        Sc::Global,
        &[K::Char('?')],
        Action::ToggleHelp,
        "?",
        "cette aide (tous les écrans, toutes les touches)",
    ),
    b(
        Sc::Global,
        &[K::Char('1'), K::Code(C::F(1))],
        Action::Goto(Screen::Propositions),
        "1  F1",
        "Propositions : liste, recherche, filtres, détail",
    ),
    b(
        Sc::Global,
        &[K::Char('2'), K::Code(C::F(2))],
        Action::Goto(Screen::Decider),
        "2  F2",
        "Décider : retenir, liste d'attente, refuser, retirer",
    ),
    b(
        Sc::Global,
        &[K::Char('3'), K::Code(C::F(3))],
        Action::Goto(Screen::Programme),
        "3  F3",
        "Programme : grille des créneaux et des places",
    ),
    b(
        Sc::Global,
        &[K::Char('4'), K::Code(C::F(4))],
        Action::Goto(Screen::Triage),
        "4  F4",
        "À traiter : messages sans fiche lisible",
    ),
    b(
        Sc::Global,
        &[K::Char('5'), K::Code(C::F(5))],
        Action::Goto(Screen::Corriger),
        "5  F5",
        "Corriger : modifier un champ de la fiche",
    ),
    b(
        Sc::Global,
        &[K::Char('6'), K::Code(C::F(6))],
        Action::Goto(Screen::Envoi),
        "6  F6",
        "Envoi : lettres aux expéditeurs, relire, envoyer",
    ),
    b(
        Sc::Global,
        &[K::Char('7'), K::Code(C::F(7))],
        Action::Goto(Screen::Courrier),
        "7  F7",
        "Courrier : tous les messages reçus, filtres, liens",
    ),
    b(
        Sc::Global,
        &[K::Ctrl('r')],
        Action::Refresh,
        "Ctrl-R",
        "relire la base (automatique sinon)",
    ),
    b(
        Sc::Global,
        &[K::Code(C::Esc)],
        Action::Escape,
        "Échap",
        "fermer, annuler, revenir à la liste",
    ),
    b(
        Sc::Global,
        &[K::Code(C::Tab), K::Code(C::BackTab)],
        Action::Tab,
        "Tab",
        "passer de la liste au détail et retour",
    ),
    b(
        Sc::Global,
        &[K::Code(C::Enter)],
        Action::Enter,
        "Entrée",
        "ouvrir, valider (selon l'écran, voir plus bas)",
    ),
    b(
        Sc::Global,
        &[K::Char('u')],
        Action::Undo,
        "u",
        "annuler la dernière décision de la proposition choisie (ou de la case), après confirmation",
    ),
    // Moving.
    b(
        Sc::Movement,
        &[K::Char('j'), K::Code(C::Down)],
        Action::Down,
        "j  ↓",
        "descendre (molette aussi)",
    ),
    b(
        Sc::Movement,
        &[K::Char('k'), K::Code(C::Up)],
        Action::Up,
        "k  ↑",
        "monter (molette aussi)",
    ),
    b(
        Sc::Movement,
        &[K::Ctrl('d'), K::Ctrl('f'), K::Code(C::PageDown)],
        Action::PageDown,
        "PgSuiv Ctrl-D",
        "page suivante (Ctrl-F aussi)",
    ),
    b(
        Sc::Movement,
        &[K::Ctrl('u'), K::Ctrl('b'), K::Code(C::PageUp)],
        Action::PageUp,
        "PgPréc Ctrl-U",
        "page précédente (Ctrl-B aussi)",
    ),
    b(
        Sc::Movement,
        &[K::Char('g'), K::Code(C::Home)],
        Action::Top,
        "g  Début",
        "premier",
    ),
    b(
        Sc::Movement,
        &[K::Char('G'), K::Code(C::End)],
        Action::Bottom,
        "G  Fin",
        "dernier",
    ),
    b(
        Sc::Movement,
        &[K::Char('h'), K::Code(C::Left)],
        Action::Left,
        "h  ←",
        "à gauche (case, valeur d'un filtre)",
    ),
    b(
        Sc::Movement,
        &[K::Char('l'), K::Code(C::Right)],
        Action::Right,
        "l  →",
        "à droite (case, valeur d'un filtre)",
    ),
    // Propositions.
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Char('/')],
        Action::Search,
        "/",
        "chercher dans tous les champs (au fil de la frappe)",
    ),
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Char('f')],
        Action::Filters,
        "f",
        "filtres : type, statut, créneau, thème, membre, signalées",
    ),
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Char('x')],
        Action::ClearFilters,
        "x",
        "effacer les filtres et la recherche",
    ),
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Char('s')],
        Action::SortNext,
        "s",
        "changer le tri",
    ),
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Char('S')],
        Action::SortReverse,
        "S",
        "inverser le tri",
    ),
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Code(C::Enter)],
        Action::Enter,
        "Entrée",
        "décider sur la proposition choisie (écran 2)",
    ),
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Char('d')],
        Action::Decide,
        "d",
        "décider sur la proposition choisie (écran 2)",
    ),
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Char('c')],
        Action::Correct,
        "c",
        "corriger la proposition choisie (écran 5)",
    ),
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Code(C::Tab)],
        Action::Tab,
        "Tab",
        "lire le détail (j/k le font défiler), Tab de nouveau pour revenir",
    ),
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Char('v')],
        Action::Revisions,
        "v",
        "révisions comparées (fiche renvoyée) : champ par champ, ancien → nouveau ; h/l et [ ] choisir la paire",
    ),
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Char('e')],
        Action::SaveAttachment,
        "e",
        "enregistrer la pièce jointe de sa fiche dans un dossier",
    ),
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Char('n')],
        Action::Note,
        "n",
        "écrire ma note sur la proposition (interne, jamais publiée)",
    ),
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Char('o')],
        Action::Opinion,
        "o",
        "mon avis : favorable, réservé, défavorable ou note de 1 à 5",
    ),
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Char(' ')],
        Action::ToggleMark,
        "Espace",
        "marquer ou démarquer la proposition, puis passer à la suivante",
    ),
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Char('M')],
        Action::ClearMarks,
        "M",
        "tout démarquer",
    ),
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Char('a')],
        Action::BulkAccept,
        "a",
        "les marquées : retenir chacune dans son créneau souhaité (une confirmation)",
    ),
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Char('w')],
        Action::BulkWaitlist,
        "w",
        "les marquées : liste d'attente (une confirmation)",
    ),
    b(
        Sc::Screen(Screen::Propositions),
        &[K::Char('r')],
        Action::BulkReject,
        "r",
        "les marquées : ne pas retenir, un motif pour toutes (une confirmation)",
    ),
    // Décider.
    b(
        Sc::Screen(Screen::Decider),
        &[K::Char('a')],
        Action::Accept,
        "a",
        "retenir à la place choisie (j/k ; le créneau souhaité d'abord)",
    ),
    b(
        Sc::Screen(Screen::Decider),
        &[K::Code(C::Enter)],
        Action::Enter,
        "Entrée",
        "retenir à la place choisie",
    ),
    b(
        Sc::Screen(Screen::Decider),
        &[K::Char('w')],
        Action::Waitlist,
        "w",
        "mettre en liste d'attente",
    ),
    b(
        Sc::Screen(Screen::Decider),
        &[K::Char('+')],
        Action::WaitUp,
        "+",
        "en liste d'attente : monter d'un rang",
    ),
    b(
        Sc::Screen(Screen::Decider),
        &[K::Char('-')],
        Action::WaitDown,
        "-",
        "en liste d'attente : descendre d'un rang",
    ),
    b(
        Sc::Screen(Screen::Decider),
        &[K::Char('r')],
        Action::Reject,
        "r",
        "ne pas retenir, avec un motif",
    ),
    b(
        Sc::Screen(Screen::Decider),
        &[K::Char('x')],
        Action::Withdraw,
        "x",
        "retirée par l'organisation",
    ),
    b(
        Sc::Screen(Screen::Decider),
        &[K::Char('p')],
        Action::Reset,
        "p",
        "remettre « à décider »",
    ),
    b(
        Sc::Screen(Screen::Decider),
        &[K::Char('c')],
        Action::Correct,
        "c",
        "corriger la proposition (écran 5)",
    ),
    b(
        Sc::Screen(Screen::Decider),
        &[K::Char('n')],
        Action::Note,
        "n",
        "écrire ma note sur la proposition (interne, jamais publiée)",
    ),
    b(
        Sc::Screen(Screen::Decider),
        &[K::Char('o')],
        Action::Opinion,
        "o",
        "mon avis : favorable, réservé, défavorable ou note de 1 à 5",
    ),
    // Programme.
    b(
        Sc::Screen(Screen::Programme),
        &[K::Code(C::Enter)],
        Action::Enter,
        "Entrée",
        "place libre : retenir le premier en attente ; sinon voir la proposition",
    ),
    b(
        Sc::Screen(Screen::Programme),
        &[K::Code(C::Tab)],
        Action::Tab,
        "Tab",
        "la grille du type de proposition suivant",
    ),
    b(
        Sc::Screen(Screen::Programme),
        &[K::Char('m')],
        Action::Pick,
        "m",
        "prendre la proposition de la case, puis m ou Entrée sur une place libre (déplacer) ou occupée (échanger)",
    ),
    b(
        Sc::Screen(Screen::Programme),
        &[K::Char('x')],
        Action::Withdraw,
        "x",
        "retirer la proposition de la case, après confirmation",
    ),
    b(
        Sc::Screen(Screen::Programme),
        &[K::Char('S')],
        Action::Suggest,
        "S",
        "suggestion de programme : brouillon, puis o pour l'appliquer",
    ),
    b(
        Sc::Screen(Screen::Programme),
        &[K::Char('P')],
        Action::Publish,
        "P",
        "publier : aperçu de ce qui a changé depuis la dernière publication, puis o et confirmation (comme fiches publish)",
    ),
    // À traiter.
    b(
        Sc::Screen(Screen::Triage),
        &[K::Char('m')],
        Action::ToggleHandled,
        "m",
        "marquer le message traité ou non traité",
    ),
    b(
        Sc::Screen(Screen::Triage),
        &[K::Char('n')],
        Action::NewFiche,
        "n",
        "saisir la fiche à la main (crée une proposition)",
    ),
    b(
        Sc::Screen(Screen::Triage),
        &[K::Code(C::Tab)],
        Action::Tab,
        "Tab  Entrée",
        "lire le message choisi (j/k le font défiler)",
    ),
    b(
        Sc::Screen(Screen::Triage),
        &[K::Char('t')],
        Action::ReadAttachment,
        "t",
        "lire le texte de la pièce jointe (DOC, PDF, RTF… ; encore t : la suivante)",
    ),
    b(
        Sc::Screen(Screen::Triage),
        &[K::Char('e')],
        Action::SaveAttachment,
        "e",
        "enregistrer la pièce jointe dans un dossier",
    ),
    b(
        Sc::Screen(Screen::Triage),
        &[K::Char('L')],
        Action::Link,
        "L",
        "lier le message à une proposition existante (son n°) ; le marque traité",
    ),
    b(
        Sc::Screen(Screen::Triage),
        &[K::Char('D')],
        Action::Unlink,
        "D",
        "retirer un lien du message à une proposition",
    ),
    b(
        Sc::Screen(Screen::Triage),
        &[K::Char('d')],
        Action::AskDocx,
        "d",
        "demander à l'expéditeur sa fiche en .docx ou .xlsx (lettre à relire dans Envoi)",
    ),
    // Corriger.
    b(
        Sc::Screen(Screen::Corriger),
        &[K::Code(C::Enter)],
        Action::Enter,
        "Entrée",
        "modifier le champ choisi (j/k pour choisir ; chaque modification est journalisée)",
    ),
    b(
        Sc::Screen(Screen::Corriger),
        &[K::Char('a')],
        Action::Article,
        "a",
        "article du nom de l'organisation dans les lettres (de la, du, d'…)",
    ),
    b(
        Sc::Screen(Screen::Corriger),
        &[K::Char('d')],
        Action::Decide,
        "d",
        "décider sur cette proposition (écran 2)",
    ),
    b(
        Sc::Screen(Screen::Corriger),
        &[K::Char('S')],
        Action::Save,
        "S",
        "saisie à la main : enregistrer la fiche",
    ),
    b(
        Sc::Screen(Screen::Corriger),
        &[K::Char('X')],
        Action::Abandon,
        "X",
        "saisie à la main : l'abandonner (rien n'est enregistré)",
    ),
    b(
        Sc::Screen(Screen::Corriger),
        &[K::Char('t')],
        Action::ToggleText,
        "t",
        "saisie à la main, écran étroit : le texte de la pièce jointe ou le formulaire",
    ),
    // Envoi.
    b(
        Sc::Screen(Screen::Envoi),
        &[K::Code(C::Enter)],
        Action::Enter,
        "Entrée  Tab",
        "lire la lettre choisie en entier",
    ),
    b(
        Sc::Screen(Screen::Envoi),
        &[K::Char('v')],
        Action::ConfirmRecipient,
        "v",
        "valider le destinataire d'une lettre à vérifier (adresses de la fiche)",
    ),
    b(
        Sc::Screen(Screen::Envoi),
        &[K::Char('x')],
        Action::DropLetter,
        "x",
        "supprimer la lettre choisie (non envoyée), après confirmation",
    ),
    b(
        Sc::Screen(Screen::Envoi),
        &[K::Char('e')],
        Action::EditLetter,
        "e",
        "modifier la lettre choisie dans l'éditeur ($VISUAL, $EDITOR)",
    ),
    b(
        Sc::Screen(Screen::Envoi),
        &[K::Char('a')],
        Action::SettleSent,
        "a",
        "lettre incertaine : elle est bien arrivée (envoyée)",
    ),
    b(
        Sc::Screen(Screen::Envoi),
        &[K::Char('r')],
        Action::SettleResend,
        "r",
        "lettre incertaine : pas arrivée, la remettre à envoyer",
    ),
    b(
        Sc::Screen(Screen::Envoi),
        &[K::Char('E')],
        Action::SendBatch,
        "E",
        "envoyer toutes les lettres à envoyer, après confirmation",
    ),
    b(
        Sc::Screen(Screen::Envoi),
        &[K::Char('p')],
        Action::TakeBack,
        "p",
        "lettre « à revoir » : la reprendre (à la place de la nouvelle)",
    ),
    b(
        Sc::Screen(Screen::Envoi),
        &[K::Char(' ')],
        Action::ToggleMark,
        "Espace",
        "marquer ou démarquer la lettre, puis passer à la suivante (E proposera les marquées)",
    ),
    b(
        Sc::Screen(Screen::Envoi),
        &[K::Char('M')],
        Action::ClearMarks,
        "M",
        "tout démarquer",
    ),
    // Courrier.
    b(
        Sc::Screen(Screen::Courrier),
        &[K::Code(C::Tab)],
        Action::Tab,
        "Tab  Entrée",
        "lire le message choisi en entier (Tab ou Échap : retour à la liste)",
    ),
    b(
        Sc::Screen(Screen::Courrier),
        &[K::Char('f')],
        Action::CourrierFilter(true),
        "f",
        "statut suivant (tous, fiche lue, révision, sans fiche…)",
    ),
    b(
        Sc::Screen(Screen::Courrier),
        &[K::Char('F')],
        Action::CourrierFilter(false),
        "F",
        "statut précédent",
    ),
    b(
        Sc::Screen(Screen::Courrier),
        &[K::Char('/')],
        Action::Search,
        "/",
        "chercher par expéditeur ou objet (Entrée lance la recherche)",
    ),
    b(
        Sc::Screen(Screen::Courrier),
        &[K::Char('L')],
        Action::Link,
        "L",
        "lier le message à une proposition existante (son n°)",
    ),
    b(
        Sc::Screen(Screen::Courrier),
        &[K::Char('D')],
        Action::Unlink,
        "D",
        "retirer un lien du message à une proposition",
    ),
    // The help.
    b(
        Sc::Help,
        &[
            K::Code(C::Esc),
            K::Char('?'),
            K::Char('q'),
            K::Code(C::Enter),
        ],
        Action::ToggleHelp,
        "Échap  ?  q",
        "fermer l'aide (j/k, PgSuiv la font défiler)",
    ),
    // Filters.
    b(
        Sc::Filters,
        &[
            K::Code(C::Esc),
            K::Code(C::Enter),
            K::Char('f'),
            K::Char('q'),
        ],
        Action::Escape,
        "Échap  Entrée",
        "fermer les filtres (j/k : filtre, h/l : sa valeur)",
    ),
    b(
        Sc::Filters,
        &[K::Char('x')],
        Action::ClearFilters,
        "x",
        "effacer tous les filtres",
    ),
    // A choice among values.
    b(
        Sc::Picker,
        &[K::Code(C::Enter)],
        Action::Enter,
        "Entrée",
        "choisir cette valeur (j/k pour se déplacer)",
    ),
    b(
        Sc::Picker,
        &[K::Code(C::Esc), K::Char('q')],
        Action::Escape,
        "Échap",
        "annuler",
    ),
    // The kind of a fiche entered by hand: its number in the definition,
    // or its initial when no other kind shares it (`kind_choices`).
    b(
        Sc::KindChoice,
        &[K::Char('1')],
        Action::ChooseKind(Kind::FIRST),
        "1…/initiale",
        "le type de la fiche : son numéro ou son initiale",
    ),
    b(
        Sc::KindChoice,
        &[K::Code(C::Esc), K::Char('q')],
        Action::Escape,
        "Échap",
        "annuler",
    ),
    // A question.
    b(
        Sc::Confirm,
        &[K::Char('o'), K::Char('O'), K::Char('y'), K::Code(C::Enter)],
        Action::Confirm,
        "o  Entrée",
        "oui, le faire",
    ),
    b(
        Sc::Confirm,
        &[K::Code(C::Esc), K::Char('n'), K::Char('N'), K::Char('q')],
        Action::Escape,
        "n  Échap",
        "non, ne rien faire",
    ),
    b(
        Sc::Confirm,
        &[K::Code(C::Up), K::Char('k')],
        Action::Up,
        "k  ↑",
        "envoi : choisir quelles lettres (précédent)",
    ),
    b(
        Sc::Confirm,
        &[K::Code(C::Down), K::Char('j'), K::Code(C::Tab)],
        Action::Down,
        "j  ↓  Tab",
        "envoi : choisir quelles lettres (suivant)",
    ),
    // The suggestion's draft.
    b(
        Sc::Suggestion,
        &[K::Char('o'), K::Char('O'), K::Char('y'), K::Code(C::Enter)],
        Action::Confirm,
        "o  Entrée",
        "appliquer la suggestion (u l'annule d'un coup)",
    ),
    b(
        Sc::Suggestion,
        &[K::Code(C::Esc), K::Char('n'), K::Char('N'), K::Char('q')],
        Action::Escape,
        "n  Échap",
        "l'abandonner (j/k la font défiler)",
    ),
    // A draft question: leaving (or quitting) with text not saved.
    b(
        Sc::DraftLeave,
        &[K::Char('e'), K::Char('E')],
        Action::Draft(DraftAnswer::Save),
        "e",
        "enregistrer le brouillon",
    ),
    b(
        Sc::DraftLeave,
        &[K::Char('a'), K::Char('A')],
        Action::Draft(DraftAnswer::Abandon),
        "a",
        "abandonner le texte",
    ),
    b(
        Sc::DraftLeave,
        &[K::Char('r'), K::Char('R'), K::Code(C::Esc)],
        Action::Draft(DraftAnswer::Stay),
        "r  Échap",
        "rester (continuer la saisie)",
    ),
    // A draft found at start (a console cut off).
    b(
        Sc::DraftFound,
        &[K::Char('r'), K::Char('R'), K::Code(C::Enter)],
        Action::Draft(DraftAnswer::Resume),
        "r  Entrée",
        "reprendre le brouillon retrouvé",
    ),
    b(
        Sc::DraftFound,
        &[K::Char('a'), K::Char('A')],
        Action::Draft(DraftAnswer::Abandon),
        "a",
        "abandonner le brouillon retrouvé (il est effacé)",
    ),
    b(
        Sc::DraftFound,
        &[K::Char('q')],
        Action::Quit,
        "q",
        "quitter (le brouillon reste pour plus tard)",
    ),
    // Two revisions compared.
    b(
        Sc::Revisions,
        &[K::Code(C::Esc), K::Char('q'), K::Char('v')],
        Action::Escape,
        "Échap  v",
        "fermer la comparaison",
    ),
    b(
        Sc::Revisions,
        &[K::Char('h'), K::Code(C::Left)],
        Action::RevisionShift {
            arrival: false,
            later: false,
        },
        "h  ←",
        "comparer à partir d'une révision plus ancienne",
    ),
    b(
        Sc::Revisions,
        &[K::Char('l'), K::Code(C::Right)],
        Action::RevisionShift {
            arrival: false,
            later: true,
        },
        "l  →",
        "comparer à partir d'une révision plus récente",
    ),
    b(
        Sc::Revisions,
        &[K::Char('[')],
        Action::RevisionShift {
            arrival: true,
            later: false,
        },
        "[",
        "seconde révision : plus ancienne",
    ),
    b(
        Sc::Revisions,
        &[K::Char(']')],
        Action::RevisionShift {
            arrival: true,
            later: true,
        },
        "]",
        "seconde révision : plus récente",
    ),
    // Typing (search, a reason, a field's value).
    b(
        Sc::Typing,
        &[K::Code(C::Enter)],
        Action::Text(TextEdit::Submit),
        "Entrée",
        "valider le texte",
    ),
    b(
        Sc::Typing,
        &[K::Code(C::Esc)],
        Action::Text(TextEdit::Cancel),
        "Échap",
        "annuler la saisie",
    ),
    b(
        Sc::Typing,
        &[K::Ctrl('j')],
        Action::Text(TextEdit::Newline),
        "Ctrl-J",
        "saut de ligne dans un champ (Alt-Entrée aussi)",
    ),
    b(
        Sc::Typing,
        &[K::Code(C::Backspace), K::Ctrl('h')],
        Action::Text(TextEdit::Backspace),
        "Retour arrière",
        "effacer le caractère avant le curseur",
    ),
    b(
        Sc::Typing,
        &[K::Code(C::Delete)],
        Action::Text(TextEdit::Delete),
        "Suppr",
        "effacer le caractère sous le curseur",
    ),
    b(
        Sc::Typing,
        &[K::Code(C::Left)],
        Action::Text(TextEdit::Left),
        "←",
        "curseur à gauche",
    ),
    b(
        Sc::Typing,
        &[K::Code(C::Right)],
        Action::Text(TextEdit::Right),
        "→",
        "curseur à droite",
    ),
    b(
        Sc::Typing,
        &[K::Code(C::Home), K::Ctrl('a')],
        Action::Text(TextEdit::Home),
        "Début  Ctrl-A",
        "début du texte",
    ),
    b(
        Sc::Typing,
        &[K::Code(C::End), K::Ctrl('e')],
        Action::Text(TextEdit::End),
        "Fin  Ctrl-E",
        "fin du texte",
    ),
    b(
        Sc::Typing,
        &[K::Ctrl('u')],
        Action::Text(TextEdit::Clear),
        "Ctrl-U",
        "tout effacer",
    ),
    b(
        Sc::Typing,
        &[K::Ctrl('w')],
        Action::Text(TextEdit::DeleteWord),
        "Ctrl-W",
        "effacer le mot avant le curseur",
    ),
    b(
        Sc::Typing,
        &[K::Code(C::Up)],
        Action::Up,
        "↑",
        "recherche : monter dans la liste",
    ),
    b(
        Sc::Typing,
        &[K::Code(C::Down)],
        Action::Down,
        "↓",
        "recherche : descendre dans la liste",
    ),
];

/// The scopes a key mode reads, in order.
pub fn scopes(mode: KeyMode) -> &'static [Scope] {
    match mode {
        KeyMode::Normal(_) => &[Scope::Global, Scope::Movement],
        KeyMode::Typing => &[Scope::Typing],
        KeyMode::Help => &[Scope::Help, Scope::Movement],
        KeyMode::Filters => &[Scope::Filters, Scope::Movement],
        KeyMode::Picker => &[Scope::Picker, Scope::Movement],
        KeyMode::KindChoice => &[Scope::KindChoice],
        KeyMode::Confirm => &[Scope::Confirm],
        KeyMode::Suggestion => &[Scope::Suggestion, Scope::Movement],
        KeyMode::DraftLeave => &[Scope::DraftLeave],
        KeyMode::DraftFound => &[Scope::DraftFound],
        KeyMode::Revisions => &[Scope::Revisions, Scope::Movement],
    }
}

/// The table's lines a mode reads, in the order they are tried.
pub fn bindings(mode: KeyMode) -> impl Iterator<Item = &'static Binding> {
    let screen = match mode {
        KeyMode::Normal(s) => Some(s),
        _ => None,
    };
    let first = scopes(mode)[0];
    let rest: &'static [Scope] = &scopes(mode)[1..];
    KEYS.iter()
        .filter(move |b| b.scope == first)
        .chain(
            KEYS.iter()
                .filter(move |b| screen.is_some_and(|s| b.scope == Scope::Screen(s))),
        )
        .chain(KEYS.iter().filter(move |b| rest.contains(&b.scope)))
}

/// The action for a key in a mode; `None` when the key means nothing
/// there (in a screen, a character that means nothing gives `Unbound`,
/// so that the message line can say why).
pub fn action_for(mode: KeyMode, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if ctrl(&key) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    if mode == KeyMode::Typing {
        if key.code == KeyCode::Enter && key.modifiers.contains(KeyModifiers::ALT) {
            return Some(Action::Text(TextEdit::Newline));
        }
        if let Some(b) = bindings(mode).find(|b| b.keys.iter().any(|k| k.matches(&key))) {
            return Some(b.action);
        }
        // Alt-letter is not a letter (and is what a slow link makes of Échap + letter).
        return match key.code {
            KeyCode::Char(c) if !ctrl(&key) && !key.modifiers.contains(KeyModifiers::ALT) => {
                Some(Action::Text(TextEdit::Char(c)))
            }
            _ => None,
        };
    }
    if mode == KeyMode::KindChoice
        && let KeyCode::Char(c) = key.code
        && let Some((_, kind)) = kind_choices()
            .into_iter()
            .find(|(keys, _)| keys.split(' ').any(|k| k.chars().eq([c])))
    {
        return Some(Action::ChooseKind(kind));
    }
    if let Some(b) = bindings(mode).find(|b| b.keys.iter().any(|k| k.matches(&key))) {
        return Some(b.action);
    }
    match (mode, key.code) {
        (KeyMode::Normal(_), KeyCode::Char(c)) if !ctrl(&key) => Some(Action::Unbound(c)),
        _ => None,
    }
}

/// The keys choosing each kind of the definition when a fiche is entered
/// by hand: its number (1, 2, …) and, when no other kind's short name
/// starts with the same letter, that letter ("1 m" for Micro).
pub fn kind_choices() -> Vec<(String, Kind)> {
    let kinds = Kind::all();
    let initial = |k: Kind| {
        k.short_fr()
            .chars()
            .next()
            .map(|c| c.to_lowercase().to_string())
    };
    kinds
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let mut keys = (i + 1).to_string();
            if let Some(c) = initial(*k)
                && kinds
                    .iter()
                    .filter(|o| initial(**o).as_deref() == Some(&c))
                    .count()
                    == 1
                && c.chars().all(char::is_alphabetic)
            {
                keys.push(' ');
                keys.push_str(&c);
            }
            (keys, *k)
        })
        .collect()
}

/// Where else a character key acts, for the message line when it does
/// nothing on this screen: (screen, what it does there).
pub fn elsewhere(c: char) -> Vec<(Screen, &'static str)> {
    KEYS.iter()
        .filter_map(|b| match b.scope {
            Scope::Screen(s) if b.keys.contains(&K::Char(c)) => Some((s, b.help)),
            _ => None,
        })
        .collect()
}

/// The mouse wheel scrolls; other mouse events are ignored.
pub fn mouse_action(ev: MouseEvent) -> Option<Action> {
    match ev.kind {
        MouseEventKind::ScrollUp => Some(Action::WheelUp),
        MouseEventKind::ScrollDown => Some(Action::WheelDown),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn vim_keys_and_arrows() {
        let m = KeyMode::Normal(Screen::Propositions);
        assert_eq!(action_for(m, k(KeyCode::Char('j'))), Some(Action::Down));
        assert_eq!(action_for(m, k(KeyCode::Down)), Some(Action::Down));
        assert_eq!(action_for(m, k(KeyCode::Char('k'))), Some(Action::Up));
        assert_eq!(action_for(m, k(KeyCode::Char('/'))), Some(Action::Search));
        assert_eq!(
            action_for(m, KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            Some(Action::PageDown)
        );
        assert_eq!(
            action_for(m, k(KeyCode::Char('a'))),
            Some(Action::BulkAccept)
        );
        assert_eq!(
            action_for(m, k(KeyCode::Char(' '))),
            Some(Action::ToggleMark)
        );
        assert_eq!(
            action_for(m, k(KeyCode::Char('z'))),
            Some(Action::Unbound('z'))
        );
        let d = KeyMode::Normal(Screen::Decider);
        assert_eq!(action_for(d, k(KeyCode::Char('a'))), Some(Action::Accept));
        assert_eq!(
            action_for(d, k(KeyCode::Char('/'))),
            Some(Action::Unbound('/'))
        );
    }

    #[test]
    fn the_mouse_wheel_scrolls() {
        use crossterm::event::MouseEvent;
        let ev = |kind| MouseEvent {
            kind,
            column: 3,
            row: 4,
            modifiers: KeyModifiers::NONE,
        };
        assert_eq!(
            mouse_action(ev(MouseEventKind::ScrollDown)),
            Some(Action::WheelDown)
        );
        assert_eq!(
            mouse_action(ev(MouseEventKind::ScrollUp)),
            Some(Action::WheelUp)
        );
        assert_eq!(mouse_action(ev(MouseEventKind::Moved)), None);
    }

    #[test]
    fn typing_takes_letters() {
        let m = KeyMode::Typing;
        assert_eq!(
            action_for(m, k(KeyCode::Char('q'))),
            Some(Action::Text(TextEdit::Char('q')))
        );
        assert_eq!(
            action_for(m, k(KeyCode::Enter)),
            Some(Action::Text(TextEdit::Submit))
        );
        assert_eq!(
            action_for(m, KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
    }
}
