//! The layering of `src/`: a lower layer never uses a higher one, and the
//! top modules' `use crate::` graph has no cycle. Reads every `src/**/*.rs`,
//! drops comments, string and character literals and `#[cfg(test)]` code,
//! and takes each `crate::NAME` (and `super::` reaching the crate root) as
//! an edge from the file's top module to `NAME`. A failure names the edge
//! and the files that make it. `scripts/module-graph.py` prints the same
//! graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may use the modules of its own layer
/// (without a cycle) and of the layers below, never those above.
const LAYERS: &[&[&str]] = &[
    // Base: the operating system, its errors in French, terminal-safe
    // text, network addresses, secrets, the call definition.
    &["system"],
    &["os_error"],
    &["safe", "net", "secret", "call"],
    // Bytes to typed fiches, then the pure rules.
    &["fiche"],
    &["domain"],
    // The sandboxed readers of attachments.
    &["worker"],
    // SQLite: the only place with SQL.
    &["store"],
    // What reads mail in, renders letters and publications.
    &["intake", "publish", "letters"],
    // What builds on those: converting attachments (store and intake),
    // sending letters and publications (letters, publish).
    &["convert", "outbox"],
    // The configuration builds the facts of every layer below.
    &["config"],
    &["templates"],
    // What the console and the command line both do (publishing, editing
    // a letter, the members file), written once below both.
    &["service"],
    // What people run: the daemon's health as people read it, the console,
    // the commands (which may open the console, never the reverse), clap.
    &["status"],
    &["console"],
    &["commands"],
    &["cli"],
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{} : {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without its comments and literals: each comment,
/// string and character literal becomes a space (braces inside them no
/// longer count, nor do `crate::` paths written in docs or messages).
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
            out.push(' ');
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !b[..i]
                .last()
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (1..=hashes).all(|k| b.get(j + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
            out.push(' ');
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push(' ');
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{a0}'), else a lifetime.
            if next == Some('\\') {
                i += 2;
                while i < b.len() && b[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push(' ');
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push(' ');
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// `code` without the items under `#[cfg(test)]`; the names of the file
/// modules declared so (`#[cfg(test)] mod tests;`) go to `test_mods`.
fn without_tests(code: &str, test_mods: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let mut item = &rest[at + "#[cfg(test)]".len()..];
        // Further attributes of the same item.
        loop {
            let t = item.trim_start();
            if t.starts_with("#[") {
                match t.find(']') {
                    Some(end) => item = &t[end + 1..],
                    None => break,
                }
            } else {
                item = t;
                break;
            }
        }
        // The item: up to its `;` or the end of its first `{ … }` block.
        let mut depth = 0usize;
        let mut end = item.len();
        for (k, ch) in item.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = k + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = k + 1;
                    let decl = item[..k].trim();
                    let decl = decl.strip_prefix("pub(crate) ").unwrap_or(decl);
                    let decl = decl.strip_prefix("pub ").unwrap_or(decl);
                    if let Some(name) = decl.strip_prefix("mod ") {
                        test_mods.push(name.trim().to_string());
                    }
                    break;
                }
                _ => {}
            }
        }
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// The module path of a file under `src/` (`store/sync.rs` → `[store, sync]`).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs").to_string();
        if stem != "mod" && stem != "lib" && stem != "main" {
            parts.push(stem);
        }
    }
    parts
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The top modules a piece of code names: `crate::a`, `crate::{a, b::c}`,
/// and `super::` paths that climb to the crate root from `path`.
fn named_tops(code: &str, path: &[String]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let bytes = code.as_bytes();
    let word_start =
        |k: usize| k == 0 || !(bytes[k - 1].is_ascii_alphanumeric() || bytes[k - 1] == b'_');
    for (k, _) in code.match_indices("crate::") {
        if !word_start(k) || (k > 0 && bytes[k - 1] == b'$') {
            continue;
        }
        let after = code[k + "crate::".len()..].trim_start();
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 0usize;
            let mut start = true;
            for (j, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && (c.is_alphanumeric() || c == '_') => {
                        found.insert(ident_at(&group[j..]).to_string());
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(ident_at(after).to_string());
        }
    }
    for (k, _) in code.match_indices("super::") {
        if !word_start(k) {
            continue;
        }
        // Count the chain.
        let mut levels = 0;
        let mut rest = &code[k..];
        while let Some(r) = rest.strip_prefix("super::") {
            levels += 1;
            rest = r.trim_start();
        }
        if k >= 7 && &code[k - 7..k] == "super::" {
            continue; // inside a chain already counted
        }
        if levels == path.len() {
            found.insert(ident_at(rest).to_string());
        }
    }
    found
}

/// The files of `src/` and its top modules.
fn files_and_tops() -> (Vec<PathBuf>, BTreeSet<String>) {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let tops = files
        .iter()
        .filter_map(|f| module_path(f.strip_prefix(&root).ok()?).first().cloned())
        .collect();
    (files, tops)
}

/// `from -> to -> [files]` between the top modules of `src/`.
fn graph() -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let root = src();
    let (files, tops) = files_and_tops();
    // Files that are test modules (declared under #[cfg(test)]).
    let mut test_files: BTreeSet<PathBuf> = BTreeSet::new();
    let mut codes = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{} : {e}", f.display()));
        let mut test_mods = Vec::new();
        let code = without_tests(&code_only(&text), &mut test_mods);
        let rel = f.strip_prefix(&root).expect("under src").to_path_buf();
        let dir = {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if matches!(name, "mod.rs" | "lib.rs" | "main.rs") {
                f.parent().expect("parent").to_path_buf()
            } else {
                f.with_extension("")
            }
        };
        for m in test_mods {
            test_files.insert(dir.join(format!("{m}.rs")));
            test_files.insert(dir.join(&m).join("mod.rs"));
        }
        codes.push((f.clone(), rel, code));
    }
    let mut g: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (f, rel, code) in codes {
        if test_files
            .iter()
            .any(|t| f.starts_with(t.with_extension("")) || &f == t)
        {
            continue;
        }
        let path = module_path(&rel);
        let Some(top) = path.first() else {
            continue; // lib.rs, main.rs
        };
        for to in named_tops(&code, &path) {
            if &to != top && tops.contains(&to) {
                g.entry(top.clone())
                    .or_default()
                    .entry(to)
                    .or_default()
                    .insert(rel.display().to_string());
            }
        }
    }
    g
}

fn layer_of(m: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&m))
}

#[test]
fn every_top_module_has_a_layer() {
    let (_, tops) = files_and_tops();
    let missing: BTreeSet<String> = tops.into_iter().filter(|m| layer_of(m).is_none()).collect();
    assert!(
        missing.is_empty(),
        "top modules of src/ without a layer in tests/layers.rs LAYERS: {missing:?}"
    );
}

#[test]
fn no_lower_layer_uses_a_higher_one() {
    let g = graph();
    let mut wrong = Vec::new();
    for (from, tos) in &g {
        for (to, files) in tos {
            if let (Some(a), Some(b)) = (layer_of(from), layer_of(to))
                && b > a
            {
                wrong.push(format!(
                    "{from} -> {to} (layer {a} uses layer {b}) in {files:?}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "upward edges:\n{}", wrong.join("\n"));
}

#[test]
fn no_cycle_between_top_modules() {
    let g = graph();
    let edges: BTreeMap<&str, Vec<&str>> = g
        .iter()
        .map(|(a, tos)| {
            let to = tos.keys().map(String::as_str).collect();
            (a.as_str(), to)
        })
        .collect();
    // Depth-first search; a back edge closes a cycle.
    fn visit<'a>(
        v: &'a str,
        edges: &BTreeMap<&'a str, Vec<&'a str>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
        cycles: &mut Vec<String>,
    ) {
        state.insert(v, 1);
        stack.push(v);
        for &w in edges.get(v).map(Vec::as_slice).unwrap_or(&[]) {
            match state.get(w) {
                None => visit(w, edges, state, stack, cycles),
                Some(1) => {
                    let from = stack.iter().position(|x| *x == w).unwrap_or(0);
                    let mut c: Vec<&str> = stack[from..].to_vec();
                    c.push(w);
                    cycles.push(c.join(" -> "));
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(v, 2);
    }
    let mut state = BTreeMap::new();
    let mut cycles = Vec::new();
    for &v in edges.keys() {
        if !state.contains_key(v) {
            visit(v, &edges, &mut state, &mut Vec::new(), &mut cycles);
        }
    }
    let detail: Vec<String> = cycles
        .iter()
        .map(|c| {
            let parts: Vec<&str> = c.split(" -> ").collect();
            let files: Vec<String> = parts
                .windows(2)
                .map(|p| format!("  {} -> {} in {:?}", p[0], p[1], g[p[0]][p[1]]))
                .collect();
            format!("{c}\n{}", files.join("\n"))
        })
        .collect();
    assert!(cycles.is_empty(), "cycles:\n{}", detail.join("\n"));
}

/// The reader itself: comments, literals and test code do not count;
/// `crate::{a, b::c}` and `super::` to the root do.
#[test]
fn the_reader_sees_code_only() {
    let text = r##"
//! See `crate::doc_only`.
/// Also [`crate::doc_link`].
use crate::{alpha, beta::x, gamma::{y, z}};
use crate::delta::Thing;
fn f<'a>(s: &'a str) -> char { let _ = "crate::in_string {"; let _ = r#"crate::raw"#; '{' }
/* crate::block */
#[cfg(test)]
mod tests {
    use crate::test_only;
}
#[cfg(test)]
mod more;
fn g() { super::super::epsilon::h(); }
"##;
    let mut test_mods = Vec::new();
    let code = without_tests(&code_only(text), &mut test_mods);
    let path = vec!["a".to_string(), "b".to_string()];
    let found = named_tops(&code, &path);
    let want: BTreeSet<String> = ["alpha", "beta", "gamma", "delta", "epsilon"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(found, want);
    assert_eq!(test_mods, ["more"]);
}
