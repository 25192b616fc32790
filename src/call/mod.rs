//! The call for contributions as data: the kinds of proposal, each form's
//! fields in order (key, printed label, the other labels people's forms
//! carry, type, required), the options of choice fields with their stored
//! values and aliases, which field is the wanted slot, which one is
//! membership, which ones the public lists show, and each kind's programme
//! grid. The 2018 CUF call is `call.toml` at the top of the repository,
//! built into the program as the default; `[call] path` in `config.toml`
//! names another one. Nothing else in the program knows a kind or a field
//! by name.
//!
//! This module is the bottom layer: it reads and checks a definition and
//! holds the one in use for the whole process ([`current`]).

mod check;
mod file;
pub mod toml_fr;

use std::sync::OnceLock;

/// Lines of a definition's values, from the TOML parser's positions.
pub(crate) use check::Lines;
pub use check::{CallError, Problem, Seg, check_text};
pub use file::{
    CallFile, FieldDef, FieldTypeName, KindDef, Langs, OptionDef, ProgrammeDef, Renames, Roles,
    WordingDef,
};

/// The keys of the fields with a part in the program (`[roles]`).
pub fn roles() -> &'static Roles {
    &current().roles
}

/// The most kinds of proposal a call can have (the reader keeps a small
/// fixed table per label).
pub const MAX_KINDS: usize = 8;

/// The definition built into the program: the 2018 call.
pub const DEFAULT_TEXT: &str = include_str!("../../call.toml");

/// The name the built-in definition is reported under.
pub const DEFAULT_NAME: &str = "définition intégrée (appel 2018)";

static CURRENT: OnceLock<&'static CallFile> = OnceLock::new();

/// The definition in use. The built-in one unless [`install`] was called
/// first (at start-up, from the configuration).
pub fn current() -> &'static CallFile {
    CURRENT.get_or_init(|| {
        // The built-in definition is checked by the test suite
        // (`default_definition_is_valid`); failing here would be a build
        // defect, so fall back to an empty call rather than panic.
        match check_text(DEFAULT_TEXT, DEFAULT_NAME) {
            Ok(call) => Box::leak(Box::new(call)),
            Err(_) => Box::leak(Box::new(CallFile::empty())),
        }
    })
}

/// Makes `call` the definition of this process. Returns `false` when a
/// definition was already in use (it cannot change under a running reader):
/// the caller reports it.
pub fn install(call: CallFile) -> bool {
    let leaked: &'static CallFile = Box::leak(Box::new(call));
    let ok = CURRENT.set(leaked).is_ok();
    if ok {
        let _ = INSTALLED.set(());
    }
    ok
}

/// The definition in use when it is not the built-in one (what a reader
/// worker must be handed).
pub fn installed() -> Option<&'static CallFile> {
    let c = current();
    (!std::ptr::eq(c, builtin())).then_some(c)
}

/// The built-in definition, parsed once.
fn builtin() -> &'static CallFile {
    static BUILTIN: OnceLock<&'static CallFile> = OnceLock::new();
    BUILTIN.get_or_init(|| {
        let c = current();
        // `current` was the built-in one unless `install` came first.
        if INSTALLED.get().is_none() {
            c
        } else {
            match check_text(DEFAULT_TEXT, DEFAULT_NAME) {
                Ok(call) => Box::leak(Box::new(call)),
                Err(_) => Box::leak(Box::new(CallFile::empty())),
            }
        }
    })
}

static INSTALLED: OnceLock<()> = OnceLock::new();

/// Reads and checks the definition at `path` (see [`check_text`]).
pub fn load(path: &std::path::Path) -> Result<CallFile, CallError> {
    let text = std::fs::read_to_string(path).map_err(|e| CallError::Read {
        path: path.display().to_string(),
        reason: crate::os_error::io_fr(&e),
    })?;
    check_text(&text, &path.display().to_string())
}

/// The kind named `key` in the definition in use.
pub fn kind_def(key: &str) -> Option<&'static KindDef> {
    current().kinds.iter().find(|k| k.key == key)
}

/// The field of kind `kind` stored under `key`.
pub fn field_def(kind: &str, key: &str) -> Option<&'static FieldDef> {
    let call = current();
    let k = kind_def(kind)?;
    k.fields
        .iter()
        .filter_map(|id| call.fields.iter().find(|f| &f.id == id))
        .find(|f| f.key() == key)
}

/// The option list of a field (empty when it has none).
pub fn options_of(field: &FieldDef) -> &'static [OptionDef] {
    field
        .options
        .as_deref()
        .and_then(|o| current().options.get(o))
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_definition_is_valid() {
        let call = check_text(DEFAULT_TEXT, "call.toml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(call.kinds.len(), 2);
        assert_eq!(current(), &call);
    }

    #[test]
    fn problems_name_their_line() {
        let bad = DEFAULT_TEXT.replacen("options = \"themes\"", "options = \"themez\"", 1);
        let err = check_text(&bad, "x.toml").unwrap_err();
        let p = &err.problems()[0];
        assert!(p.message.contains("themez"), "{p}");
        assert_eq!(
            bad.lines().nth(p.line - 1).map(|l| l.contains("themez")),
            Some(true),
            "{p}"
        );
        let err = check_text("name = 3", "y.toml").unwrap_err();
        assert_eq!(err.problems()[0].line, 1, "{err}");
    }

    #[test]
    fn slot_options_must_be_programme_slots() {
        let bad = DEFAULT_TEXT.replacen("\"14:40\", ", "", 1);
        let err = check_text(&bad, "x.toml").unwrap_err();
        assert!(err.to_string().contains("14:40"), "{err}");
    }
}
