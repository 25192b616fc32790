//! No kind and no field of the call is known by name outside the call
//! definition (`call.toml`): the program's own code (tests aside) reaches
//! them through `fiches::call`. This test reads every source file and
//! fails on a string literal equal to a kind key or a field key of the
//! default definition, and on the test-only `Kind::MicroAtelier` /
//! `Kind::BourseProjets`. A line that uses the same word for something
//! else (a column's French name) says so with `// not a call key`, on
//! the line or alone on the line before.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs")
            && p.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(p);
        }
    }
}

/// The string literals of a line of code (comments and char literals aside).
fn literals(line: &str) -> Vec<String> {
    let code = match line.find("//") {
        // `//` inside a string is rare in lines that matter here; a literal
        // cut by it is then simply not checked.
        Some(i) => &line[..i],
        None => line,
    };
    let mut out = Vec::new();
    let mut it = code.split('"');
    it.next();
    while let Some(lit) = it.next() {
        out.push(lit.to_string());
        it.next();
    }
    out
}

#[test]
fn no_kind_or_field_key_in_program_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let def: toml::Table =
        toml::from_str(&std::fs::read_to_string(root.join("call.toml")).unwrap()).unwrap();
    let mut keys: Vec<String> = Vec::new();
    for k in def["kinds"].as_array().unwrap() {
        keys.push(k["key"].as_str().unwrap().to_string());
    }
    for f in def["fields"].as_array().unwrap() {
        let key = f.get("key").or(f.get("id")).unwrap();
        keys.push(key.as_str().unwrap().to_string());
    }
    assert!(keys.len() > 20, "{keys:?}");
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    files.sort();
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let mut marked = false;
        for (i, line) in text.lines().enumerate() {
            if line.starts_with("#[cfg(test)]") {
                break;
            }
            // The mark stands on the line, or alone on the line before.
            let before = std::mem::replace(
                &mut marked,
                line.trim_start().starts_with("// not a call key"),
            );
            if before || line.contains("// not a call key") || line.trim_start().starts_with("//") {
                continue;
            }
            let name = f.strip_prefix(root).unwrap().display().to_string();
            for lit in literals(line) {
                if keys.contains(&lit) {
                    found.push(format!("{name}:{} « {lit} » : {}", i + 1, line.trim()));
                }
            }
            if line.contains("Kind::MicroAtelier") || line.contains("Kind::BourseProjets") {
                found.push(format!("{name}:{} : {}", i + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "{} kind or field keys written in the program's code (reach them through `fiches::call`):\n{}",
        found.len(),
        found.join("\n")
    );
}
