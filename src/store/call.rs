//! What the stored proposals hold of the call definition (their kind keys,
//! and per kind their field keys, with counts), compared with a definition:
//! a stored kind or field key the definition does not have is an *orphan*
//! (its values would no longer be read, shown or published). A definition's
//! `[renames]` (new key ← old key) says where they go; [`Store::apply_call_renames`]
//! moves them, in one transaction, journaled.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::params;
use serde_json::{Map, Value as Json, json};

use super::ingest::{Line, journal};
use super::{Result, Store, StoreError, now};
use crate::call::CallFile;

/// The proposals of one stored kind (`None`: fiches whose form was not
/// recognised) and the field keys they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKind {
    pub kind: Option<String>,
    /// Proposals of this kind (every revision is one).
    pub proposals: u64,
    /// Field key → proposals holding it.
    pub fields: BTreeMap<String, u64>,
}

/// A stored key the definition has no place for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Orphan {
    /// A kind the definition does not have: all its proposals.
    Kind { kind: String, proposals: u64 },
    /// A field key the proposals' kind does not have in the definition.
    Field {
        kind: Option<String>,
        field: String,
        proposals: u64,
    },
}

impl std::fmt::Display for Orphan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Orphan::Kind { kind, proposals } => write!(
                f,
                "{} de type « {kind} », un type que la définition n'a plus",
                count_proposals(*proposals)
            ),
            Orphan::Field {
                kind,
                field,
                proposals,
            } => {
                let n = count_proposals(*proposals);
                let has = if *proposals > 1 { "ont" } else { "a" };
                match kind {
                    Some(k) => write!(
                        f,
                        "{n} de type « {k} » {has} un champ « {field} » que la définition n'a plus"
                    ),
                    None => write!(
                        f,
                        "{n} de type non reconnu {has} un champ « {field} » qu'aucun type de la définition n'a"
                    ),
                }
            }
        }
    }
}

/// "renommer « theme » en « sujet » (type « micro_atelier ») écraserait la
/// valeur déjà sous « sujet » des propositions n° 3, 7".
pub fn clash_message(kind: Option<&str>, from: &str, to: &str, numbers: &[i64]) -> String {
    format!(
        "renommer « {from} » en « {to} »{} écraserait la valeur déjà sous « {to} » des propositions n° {}",
        kind.map(|k| format!(" (type « {k} »)")).unwrap_or_default(),
        numbers
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn count_proposals(n: u64) -> String {
    crate::domain::french::count(n, "proposition", "propositions")
}

/// One rename `[renames]` asks for that the database needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rename {
    Kind {
        from: String,
        to: String,
        proposals: u64,
    },
    /// `kind` is the kind's key in the definition (`None`: fiches of no
    /// recognised kind, renamed as every kind renames that key).
    Field {
        kind: Option<String>,
        from: String,
        to: String,
        proposals: u64,
    },
}

impl std::fmt::Display for Rename {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rename::Kind {
                from,
                to,
                proposals,
            } => write!(
                f,
                "type « {from} » → « {to} » : {}",
                count_proposals(*proposals)
            ),
            Rename::Field {
                kind,
                from,
                to,
                proposals,
            } => write!(
                f,
                "champ « {from} » → « {to} » ({}) : {}",
                kind.as_deref()
                    .map_or("type non reconnu".to_string(), |k| format!("type « {k} »")),
                count_proposals(*proposals)
            ),
        }
    }
}

/// What a definition means for the stored proposals: the renames it asks
/// for that are still to do, what would be left without a place, and the
/// proposals holding a value under both an old key and its new one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallPlan {
    pub renames: Vec<Rename>,
    pub orphans: Vec<Orphan>,
    /// (kind, old key, new key, proposal numbers).
    pub clashes: Vec<Clash>,
    /// Proposals in the database.
    pub proposals: u64,
}

impl CallPlan {
    /// Nothing to move and nothing left without a place.
    pub fn is_clean(&self) -> bool {
        self.renames.is_empty() && self.orphans.is_empty() && self.clashes.is_empty()
    }
}

/// The field keys of each kind of the definition.
fn defined(call: &CallFile) -> BTreeMap<&str, BTreeSet<&str>> {
    call.kinds
        .iter()
        .map(|k| {
            let keys = k
                .fields
                .iter()
                .filter_map(|id| call.fields.iter().find(|f| &f.id == id))
                .map(|f| f.key())
                .collect();
            (k.key.as_str(), keys)
        })
        .collect()
}

/// Where a stored kind goes under `call`: itself when the definition has
/// it, its new key when `[renames.kinds]` renames it, else nowhere.
fn kind_target<'c>(call: &'c CallFile, stored: &str) -> Option<&'c str> {
    if let Some(k) = call.kinds.iter().find(|k| k.key == stored) {
        return Some(&k.key);
    }
    call.renames
        .kinds
        .iter()
        .find(|(_, old)| *old == stored)
        .map(|(new, _)| new.as_str())
}

/// The new key of stored field `old` for proposals of (definition) kind
/// `kind`; for fiches of no kind, the one new key every kind agrees on.
fn field_target<'c>(call: &'c CallFile, kind: Option<&str>, old: &str) -> Option<&'c str> {
    let of = |map: &'c BTreeMap<String, String>| {
        map.iter()
            .find(|(_, o)| *o == old)
            .map(|(new, _)| new.as_str())
    };
    match kind {
        Some(k) => call.renames.fields.get(k).and_then(of),
        None => {
            let targets: BTreeSet<&str> = call.renames.fields.values().filter_map(of).collect();
            (targets.len() == 1).then(|| targets.into_iter().next().unwrap_or_default())
        }
    }
}

/// Compares what is stored with `call` (pure: the plan without the
/// clashes, which need the proposals themselves).
pub fn plan(stored: &[StoredKind], call: &CallFile) -> CallPlan {
    let defined = defined(call);
    let all_keys: BTreeSet<&str> = defined.values().flatten().copied().collect();
    let mut out = CallPlan {
        proposals: stored.iter().map(|s| s.proposals).sum(),
        ..CallPlan::default()
    };
    for s in stored {
        let target = match &s.kind {
            None => None,
            Some(k) => match kind_target(call, k) {
                Some(t) => {
                    if t != k {
                        out.renames.push(Rename::Kind {
                            from: k.clone(),
                            to: t.to_string(),
                            proposals: s.proposals,
                        });
                    }
                    Some(t)
                }
                None => {
                    out.orphans.push(Orphan::Kind {
                        kind: k.clone(),
                        proposals: s.proposals,
                    });
                    continue;
                }
            },
        };
        for (field, &n) in &s.fields {
            let known = match target {
                Some(t) => defined
                    .get(t)
                    .is_some_and(|keys| keys.contains(field.as_str())),
                None => all_keys.contains(field.as_str()),
            };
            if known {
                continue;
            }
            match field_target(call, target, field) {
                Some(new) => out.renames.push(Rename::Field {
                    kind: target.map(str::to_string),
                    from: field.clone(),
                    to: new.to_string(),
                    proposals: n,
                }),
                None => out.orphans.push(Orphan::Field {
                    kind: target.map(str::to_string),
                    field: field.clone(),
                    proposals: n,
                }),
            }
        }
    }
    // Two stored kinds renamed into one: one line per stored kind is
    // right; a field renamed in both is one line per (kind, key) pair.
    out.renames = merge_renames(out.renames);
    out.orphans = merge_orphans(out.orphans);
    out
}

/// One line per renamed (kind, field, new key): the proposals added up.
fn merge_renames(renames: Vec<Rename>) -> Vec<Rename> {
    let mut merged: Vec<Rename> = Vec::new();
    for r in renames {
        if let Rename::Field {
            kind,
            from,
            to,
            proposals,
        } = &r
            && let Some(Rename::Field { proposals: n, .. }) = merged.iter_mut().find(|m| {
                matches!(m, Rename::Field { kind: k, from: f, to: t, .. } if k == kind && f == from && t == to)
            })
        {
            *n += proposals;
            continue;
        }
        merged.push(r);
    }
    merged
}

/// One line per orphan (kind, field): the proposals added up.
fn merge_orphans(found: Vec<Orphan>) -> Vec<Orphan> {
    let mut orphans: Vec<Orphan> = Vec::new();
    for o in found {
        if let Orphan::Field {
            kind,
            field,
            proposals,
        } = &o
            && let Some(Orphan::Field { proposals: n, .. }) = orphans.iter_mut().find(
                |m| matches!(m, Orphan::Field { kind: k, field: f, .. } if k == kind && f == field),
            )
        {
            *n += proposals;
            continue;
        }
        orphans.push(o);
    }
    orphans
}

/// The refusal to run with a definition that would orphan stored fields,
/// in French, on one line, with what to do (`path`: the definition's file,
/// or `call::DEFAULT_NAME`).
pub fn orphans_message(orphans: &[Orphan], path: &str) -> String {
    format!(
        "{} ne correspond pas aux propositions enregistrées : {}. {}",
        definition_name(path),
        orphans_list(orphans),
        orphans_advice(path)
    )
}

/// "la définition de l'appel FILE", or the built-in one's name.
pub fn definition_name(path: &str) -> String {
    if path == crate::call::DEFAULT_NAME {
        format!("la {path}")
    } else {
        format!("la définition de l'appel {path}")
    }
}

/// What to do about orphans (after they were listed).
pub fn orphans_advice(path: &str) -> String {
    if path == crate::call::DEFAULT_NAME {
        "Leurs valeurs ne seraient plus lues ni montrées : rien n'a été fait. Nommer dans la \
         configuration ([call] path) la définition de l'appel de ces propositions, après l'avoir \
         vérifiée avec `fiches check-call FICHIER` (README, « La définition de l'appel »)."
            .to_string()
    } else {
        format!(
            "Leurs valeurs ne seraient plus lues ni montrées : rien n'a été fait. Si des clés ont été \
             renommées, l'écrire dans la section [renames] de la définition puis lancer \
             `fiches check-call {path} --apply` ; sinon garder ces clés dans la définition \
             (README, « La définition de l'appel »)."
        )
    }
}

/// The orphans on one line.
fn orphans_list(orphans: &[Orphan]) -> String {
    orphans
        .iter()
        .map(Orphan::to_string)
        .collect::<Vec<_>>()
        .join(" ; ")
}

/// The kinds and field keys of the stored proposals, with counts.
fn stored_keys_on(conn: &rusqlite::Connection) -> Result<Vec<StoredKind>> {
    let mut kinds: BTreeMap<Option<String>, StoredKind> = BTreeMap::new();
    let mut stmt = conn.prepare_cached("SELECT kind, count(*) FROM proposals GROUP BY kind")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let kind: Option<String> = r.get(0)?;
        let n: i64 = r.get(1)?;
        kinds.insert(
            kind.clone(),
            StoredKind {
                kind,
                proposals: n.max(0) as u64,
                fields: BTreeMap::new(),
            },
        );
    }
    let mut stmt = conn.prepare_cached(
        "SELECT p.kind, j.key, count(*) FROM proposals p, json_each(p.fields) j
         GROUP BY p.kind, j.key",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let kind: Option<String> = r.get(0)?;
        let key: String = r.get(1)?;
        let n: i64 = r.get(2)?;
        if let Some(k) = kinds.get_mut(&kind) {
            k.fields.insert(key, n.max(0) as u64);
        }
    }
    Ok(kinds.into_values().collect())
}

/// The proposals whose field renames would overwrite a value already
/// under the new key: (kind, old key, new key, proposal numbers).
type Clash = (Option<String>, String, String, Vec<i64>);

fn clashes_on(conn: &rusqlite::Connection, call: &CallFile, p: &CallPlan) -> Result<Vec<Clash>> {
    let mut out = Vec::new();
    for r in &p.renames {
        let Rename::Field { kind, from, to, .. } = r else {
            continue;
        };
        // The stored kinds that become `kind`.
        let stored: Vec<Option<String>> = match kind {
            None => vec![None],
            Some(k) => std::iter::once(Some(k.clone()))
                .chain(
                    call.renames
                        .kinds
                        .iter()
                        .filter(|(new, _)| *new == k)
                        .map(|(_, old)| Some(old.clone())),
                )
                .collect(),
        };
        let mut numbers = Vec::new();
        let mut stmt = conn.prepare_cached(
            "SELECT coalesce(number, id) FROM proposals
             WHERE kind IS ?1
               AND json_type(fields, '$.\"' || ?2 || '\"') IS NOT NULL
               AND json_type(fields, '$.\"' || ?3 || '\"') IS NOT NULL",
        )?;
        for k in &stored {
            let mut rows = stmt.query(params![k, from, to])?;
            while let Some(r) = rows.next()? {
                numbers.push(r.get::<_, i64>(0)?);
            }
        }
        if !numbers.is_empty() {
            numbers.sort_unstable();
            numbers.dedup();
            out.push((kind.clone(), from.clone(), to.clone(), numbers));
        }
    }
    Ok(out)
}

/// What `call` means for the proposals stored through `conn`.
fn plan_on(conn: &rusqlite::Connection, call: &CallFile) -> Result<CallPlan> {
    let mut p = plan(&stored_keys_on(conn)?, call);
    p.clashes = clashes_on(conn, call, &p)?;
    Ok(p)
}

impl Store {
    /// The kinds and field keys the stored proposals hold, with counts.
    pub fn stored_call_keys(&self) -> Result<Vec<StoredKind>> {
        stored_keys_on(&self.conn)
    }

    /// Stored answers of choice fields that are no option of `call`'s list
    /// for that field (a value renamed in the definition, or an answer
    /// kept as written because it could not be told): (kind, field key,
    /// value, live proposals holding it), most frequent first, at most
    /// `limit`. Several-choices answers are split at ", ".
    pub fn values_without_option(
        &self,
        call: &CallFile,
        limit: usize,
    ) -> Result<Vec<(String, String, String, u64)>> {
        let mut counts: BTreeMap<(String, String, String), u64> = BTreeMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.kind, j.key, j.value FROM proposals p, json_each(p.fields) j
             WHERE p.superseded_by IS NULL AND p.kind IS NOT NULL AND j.type = 'text'",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            let key: String = r.get(1)?;
            let value: String = r.get(2)?;
            let Some(k) = call.kinds.iter().find(|k| k.key == kind) else {
                continue;
            };
            let Some(f) = k
                .fields
                .iter()
                .filter_map(|id| call.fields.iter().find(|f| &f.id == id))
                .find(|f| f.key() == key)
            else {
                continue;
            };
            let Some(opts) = f.options.as_deref().and_then(|o| call.options.get(o)) else {
                continue;
            };
            let several = f.ty == crate::call::FieldTypeName::Choices;
            let parts: Vec<&str> = if several {
                value.split(", ").collect()
            } else {
                vec![value.as_str()]
            };
            for v in parts {
                if v != "any" && !opts.iter().any(|o| o.value == v) {
                    *counts
                        .entry((kind.clone(), key.clone(), v.to_string()))
                        .or_default() += 1;
                }
            }
        }
        let mut out: Vec<(String, String, String, u64)> = counts
            .into_iter()
            .map(|((k, f, v), n)| (k, f, v, n))
            .collect();
        out.sort_by(|a, b| b.3.cmp(&a.3).then_with(|| a.cmp(b)));
        out.truncate(limit);
        Ok(out)
    }

    /// The stored kinds and fields `call` has no place for, renames not
    /// counted (they are not done yet): empty when the definition can be
    /// used with this database as it is. For start-up: refuse with
    /// [`orphans_message`] when not empty.
    pub fn call_orphans(&self, call: &CallFile) -> Result<Vec<Orphan>> {
        let strict = CallFile {
            renames: Default::default(),
            ..call.clone()
        };
        Ok(plan(&self.stored_call_keys()?, &strict).orphans)
    }

    /// What `call` means for the stored proposals: renames to do, orphans,
    /// and the proposals that hold both an old key and its new one.
    pub fn call_plan(&self, call: &CallFile) -> Result<CallPlan> {
        plan_on(&self.conn, call)
    }

    /// Applies `call`'s `[renames]` to the stored proposals, in one
    /// transaction, one journal line per proposal changed (`actor`). Refused,
    /// with nothing changed, when orphans would be left or a value would be
    /// overwritten. Returns the plan that was applied and the number of
    /// proposals changed.
    pub fn apply_call_renames(
        &mut self,
        call: &CallFile,
        actor: &str,
    ) -> Result<(CallPlan, usize)> {
        let at = now();
        let tx = self.write_tx()?;
        // Computed inside the transaction: what is applied is what was seen.
        let shadow = plan_on(&tx, call)?;
        if let Some(refused) = refusal(&shadow) {
            return Err(refused);
        }
        if shadow.renames.is_empty() {
            return Ok((shadow, 0));
        }
        let mut changed = 0;
        let rows: Vec<(i64, Option<String>, String, Option<String>)> = {
            let mut stmt = tx.prepare("SELECT id, kind, fields, chain_key FROM proposals")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        for (id, kind, fields, chain_key) in rows {
            let new_kind: Option<String> = kind
                .as_deref()
                .and_then(|k| kind_target(call, k))
                .map(str::to_string);
            let mut map: Map<String, Json> = serde_json::from_str(&fields)
                .map_err(|e| StoreError::Corrupt(format!("champs de la proposition {id} : {e}")))?;
            let (before, after) = rename_fields(call, new_kind.as_deref(), &mut map);
            let kind_changed = new_kind.is_some() && new_kind != kind;
            if before.is_empty() && !kind_changed {
                continue;
            }
            let new_chain = match (&chain_key, &kind, &new_kind) {
                (Some(c), Some(old), Some(new)) if kind_changed => Some(rechain(c, old, new)),
                _ => chain_key.clone(),
            };
            tx.prepare_cached(
                "UPDATE proposals SET kind = ?2, fields = ?3, chain_key = ?4,
                        version = version + 1, updated_at = ?5
                  WHERE id = ?1",
            )?
            .execute(params![
                id,
                if kind_changed { &new_kind } else { &kind },
                Json::Object(map).to_string(),
                new_chain,
                at,
            ])
            .map_err(|e| kind_refused(id, kind.as_deref(), new_kind.as_deref(), e))?;
            let mut b = json!({ "fields": before });
            let mut a = json!({ "fields": after });
            if kind_changed {
                b["kind"] = json!(kind);
                a["kind"] = json!(new_kind);
            }
            changed += 1;
            journal(
                &tx,
                &at,
                Line {
                    actor,
                    action: super::JournalAction::CallRenamed,
                    message_id: None,
                    proposal_id: Some(id),
                    before: Some(b),
                    after: Some(a),
                },
            )?;
        }
        tx.commit()?;
        Ok((shadow, changed))
    }
}

/// The error of the rewrite of proposal `id`: a constraint the database
/// puts on kinds (one it does not know yet) is said as such.
fn kind_refused(
    id: i64,
    kind: Option<&str>,
    new_kind: Option<&str>,
    e: rusqlite::Error,
) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::CallRefused(format!(
                "la base refuse de passer la proposition {id} du type « {} » au type « {} » ({}) : rien n'a été fait ; \
                 cette base n'accepte peut-être pas encore ce type (la migrer : `fiches migrate`)",
                kind.unwrap_or(""),
                new_kind.unwrap_or(""),
                super::sqlite_fr(&e)
            ))
        }
        _ => StoreError::from(e),
    }
}

/// Why a definition cannot be applied: it would orphan stored fields, or a
/// rename would overwrite a value already under the new key.
fn refusal(shadow: &CallPlan) -> Option<StoreError> {
    if !shadow.orphans.is_empty() {
        return Some(StoreError::CallRefused(format!(
            "des propositions enregistrées n'auraient plus de place : {} ; rien n'a été fait : \
             compléter la section [renames] de la définition, ou y garder ces clés",
            orphans_list(&shadow.orphans)
        )));
    }
    if let Some((kind, from, to, numbers)) = shadow.clashes.first() {
        return Some(StoreError::CallRefused(format!(
            "{} : rien n'a été fait ; corriger ces propositions (console) ou la section [renames]",
            clash_message(kind.as_deref(), from, to, numbers)
        )));
    }
    None
}

/// Renames, in one proposal's fields (`map`), the keys its kind (`new_kind`,
/// after renaming; `None`: no kind) no longer defines and `[renames]`
/// renames. Returns the values moved, under their old and new keys.
fn rename_fields(
    call: &CallFile,
    new_kind: Option<&str>,
    map: &mut Map<String, Json>,
) -> (Map<String, Json>, Map<String, Json>) {
    let mut before = Map::new();
    let mut after = Map::new();
    let keys: Vec<String> = map.keys().cloned().collect();
    for old in keys {
        let known = match new_kind {
            Some(k) => call.kinds.iter().find(|d| d.key == k).is_some_and(|d| {
                d.fields
                    .iter()
                    .any(|fid| call.fields.iter().any(|f| &f.id == fid && f.key() == old))
            }),
            None => call.fields.iter().any(|f| f.key() == old),
        };
        if known {
            continue;
        }
        if let Some(new) = field_target(call, new_kind, &old)
            && let Some(v) = map.remove(&old)
        {
            before.insert(old.clone(), v.clone());
            after.insert(new.to_string(), v.clone());
            map.insert(new.to_string(), v);
        }
    }
    (before, after)
}

/// `sender|kind|organisation[#n]` with the kind replaced.
fn rechain(chain: &str, old: &str, new: &str) -> String {
    let parts: Vec<&str> = chain.splitn(3, '|').collect();
    match parts.as_slice() {
        [sender, k, rest] if *k == old => format!("{sender}|{new}|{rest}"),
        _ => chain.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(renames: &str) -> CallFile {
        let text = format!("{}\n{renames}", crate::call::DEFAULT_TEXT)
            .replacen("[renames.kinds]\n", "", 1)
            .replacen("[renames.fields]\n", "", 1);
        crate::call::check_text(&text, "call.toml").unwrap_or_else(|e| panic!("{e}"))
    }

    fn stored(kind: Option<&str>, proposals: u64, fields: &[(&str, u64)]) -> StoredKind {
        StoredKind {
            kind: kind.map(str::to_string),
            proposals,
            fields: fields.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
        }
    }

    #[test]
    fn stored_keys_of_the_definition_are_no_orphans() {
        let p = plan(
            &[
                stored(
                    Some("micro_atelier"),
                    3,
                    &[("theme", 3), ("organisation", 2)],
                ),
                stored(None, 1, &[("organisation", 1)]),
            ],
            &call(""),
        );
        assert!(p.is_clean(), "{p:?}");
        assert_eq!(p.proposals, 4);
    }

    #[test]
    fn unknown_kinds_and_fields_are_orphans_with_their_counts() {
        let p = plan(
            &[
                stored(Some("micro_atelier"), 12, &[("themes", 12), ("theme", 2)]),
                stored(Some("table_ronde"), 4, &[("organisation", 4)]),
                stored(None, 2, &[("mystere", 2)]),
            ],
            &call(""),
        );
        assert_eq!(
            p.orphans,
            vec![
                Orphan::Field {
                    kind: Some("micro_atelier".into()),
                    field: "themes".into(),
                    proposals: 12
                },
                Orphan::Kind {
                    kind: "table_ronde".into(),
                    proposals: 4
                },
                Orphan::Field {
                    kind: None,
                    field: "mystere".into(),
                    proposals: 2
                },
            ]
        );
        assert_eq!(
            p.orphans[0].to_string(),
            "12 propositions de type « micro_atelier » ont un champ « themes » que la définition n'a plus"
        );
        assert_eq!(
            p.orphans[1].to_string(),
            "4 propositions de type « table_ronde », un type que la définition n'a plus"
        );
        let m = orphans_message(&p.orphans, "appel-2019.toml");
        assert!(
            m.contains("fiches check-call appel-2019.toml --apply"),
            "{m}"
        );
    }

    #[test]
    fn renames_are_planned_through_renamed_kinds() {
        let c = call(
            "[renames.kinds]\nmicro_atelier = \"atelier\"\n\
             [renames.fields]\nmicro_atelier = { theme = \"sujet\" }\nbourse_projets = { theme = \"sujet\" }\n",
        );
        let p = plan(
            &[
                stored(Some("atelier"), 5, &[("sujet", 5), ("organisation", 5)]),
                stored(Some("micro_atelier"), 2, &[("sujet", 1)]),
                stored(None, 1, &[("sujet", 1)]),
            ],
            &c,
        );
        assert!(p.orphans.is_empty(), "{p:?}");
        assert_eq!(
            p.renames,
            vec![
                Rename::Kind {
                    from: "atelier".into(),
                    to: "micro_atelier".into(),
                    proposals: 5
                },
                Rename::Field {
                    kind: Some("micro_atelier".into()),
                    from: "sujet".into(),
                    to: "theme".into(),
                    proposals: 6
                },
                Rename::Field {
                    kind: None,
                    from: "sujet".into(),
                    to: "theme".into(),
                    proposals: 1
                },
            ]
        );
    }

    #[test]
    fn the_chain_key_follows_the_kind() {
        assert_eq!(
            rechain("a@b.fr|atelier|ville de x#2", "atelier", "micro_atelier"),
            "a@b.fr|micro_atelier|ville de x#2"
        );
        assert_eq!(rechain("a@b.fr|autre|x", "atelier", "m"), "a@b.fr|autre|x");
    }
}
