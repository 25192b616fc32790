//! The lists as HTML, in French: a standalone page ([`page`]) and a fragment
//! for the CUF site's CMS ([`fragment`]), for every kind's list or one of
//! them ([`Part`]). Headings, columns and slots come from the call
//! definition: one section per kind (its `plural` as heading, its
//! `place_word` then its public fields as columns), with an id and a CSS
//! class made from the kind's key (`fp-micro-atelier`).
//!
//! Accessible: `lang="fr"`, one `<h1>` (page) then `<h2>` per list (the
//! fragment starts at `<h2>`, under the CMS page's own title), one
//! `<table>` per slot with a `<caption>`, column headers `<th scope="col">`
//! and the space or table as row header `<th scope="row">`. Printable
//! (`@media print`: no page break inside a row, headers repeated) and
//! readable on a phone (below 40rem each row becomes a card, cells labelled
//! from `data-label`). Self-contained: inline CSS only, no script, no image,
//! no external resource; the page carries a Content-Security-Policy that
//! forbids loading anything.
//!
//! Every text — from a fiche or not — goes through [`escape`] (text and
//! attribute values alike); nothing becomes a link. A draft shows a
//! "Document de travail" banner and a diagonal watermark on screen and on
//! every printed page.
//!
//! SPIP (CUF's site): the fragment is ready to paste into a SPIP article's
//! text. It is one `<html>…</html>` block, which SPIP passes through
//! without reading its shortcuts (`echappe_html`, `_PROTEGE_BLOCS`); and,
//! should the block be lost (a visual editor, a copy of part of it), no
//! text of a fiche can be read as a shortcut anyway: besides `< > & " '`,
//! [`escape`] writes `[ ] { } |` as character references, so `{{…}}`,
//! `{…}`, `[…->…]`, `[[…]]`, `|…|` tables and `<doc1>`, `<quote>` models
//! are shown as typed, never interpreted. See README "Publier sur le site".

use super::Edition;
use super::labels;
use super::snapshot::{Section, Snapshot};
use crate::call::FieldTypeName;
use crate::safe::terminal_text;

/// Which lists a page or fragment shows: all, or one kind's (by key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part<'a> {
    Programme,
    Kind(&'a str),
}

impl Part<'_> {
    pub fn title(self) -> String {
        match self {
            Part::Programme => "Programme".to_string(),
            Part::Kind(k) => labels::kind_def(k).plural.clone(),
        }
    }

    fn shows(self, kind: &str) -> bool {
        match self {
            Part::Programme => true,
            Part::Kind(k) => k == kind,
        }
    }
}

/// The id and CSS class of a kind's section and tables: `fp-` and the
/// kind's key made safe (`fp-micro-atelier`).
pub fn kind_class(kind: &str) -> String {
    format!("fp-{}", labels::slug(kind))
}

/// Escapes text for HTML content and for quoted attribute values: `&`, `<`,
/// `>`, `"`, `'`. Control characters and bidi overrides become visible
/// symbols first (line breaks and tabs kept).
pub fn escape(s: &str) -> String {
    // The letters' French typography (non-breaking spaces before « : ; ! ? »
    // and %, in « n° 1 », in dates): one function for every text sent out.
    let visible = crate::domain::french::typography(&terminal_text(s, true));
    let mut out = String::with_capacity(visible.len() + 8);
    for c in visible.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // SPIP shortcuts: {{bold}}, {italic}, [text->url], [[note]], |tables|.
            '[' => out.push_str("&#91;"),
            ']' => out.push_str("&#93;"),
            '{' => out.push_str("&#123;"),
            '}' => out.push_str("&#125;"),
            '|' => out.push_str("&#124;"),
            _ => out.push(c),
        }
    }
    out
}

/// The style sheet, scoped under `.fp` so the fragment does not restyle
/// the CMS page.
pub const STYLE: &str = "\
.fp{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif;color:#1a1a1a;\
line-height:1.45;max-width:62rem;margin:0 auto;padding:1rem;box-sizing:border-box}
.fp h1{font-size:1.6rem;margin:0 0 .3rem;color:#0b3d6b}
.fp h2{font-size:1.35rem;margin:2rem 0 .6rem;padding-bottom:.2rem;border-bottom:2px solid #0b3d6b;color:#0b3d6b}
.fp .fp-evt{font-size:1.1rem;margin:0 0 .3rem}
.fp .fp-ed{color:#444;margin:0 0 1rem}
.fp table{width:100%;border-collapse:collapse;margin:0 0 1.4rem;table-layout:fixed}
.fp caption{text-align:left;font-weight:700;padding:.3rem 0;font-size:1.05rem}
.fp th,.fp td{border:1px solid #b9c3cc;padding:.4rem .55rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
.fp thead th{background:#e6edf4}
.fp tbody th{font-weight:600;white-space:nowrap}
.fp .fp-vide{font-style:italic;color:#444}
.fp .fp-brouillon{border:2px dashed #a3001b;color:#a3001b;padding:.5rem .75rem;font-weight:700;margin:0 0 1rem}
.fp-filigrane{position:fixed;top:50%;left:50%;transform:translate(-50%,-50%) rotate(-30deg);\
font-size:4.5rem;font-weight:700;color:rgba(163,0,27,.13);pointer-events:none;z-index:10;white-space:nowrap}
@media screen and (max-width:40rem){
.fp{padding:.6rem}
.fp h1{font-size:1.3rem}
.fp table,.fp tbody,.fp tr,.fp th,.fp td,.fp caption{display:block;width:auto}
.fp thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.fp tr{border:1px solid #b9c3cc;margin:0 0 .6rem}
.fp th,.fp td{border:0;border-bottom:1px solid #e3e7eb;white-space:normal;overflow-wrap:anywhere}
.fp tbody th{background:#e6edf4}
.fp td::before{content:attr(data-label) \" : \";font-weight:600}
.fp-filigrane{font-size:2.4rem}
}
@media print{
.fp{max-width:none;padding:0;font-size:10pt}
.fp h2{break-after:avoid}
.fp caption{break-after:avoid}
.fp tr{break-inside:avoid}
.fp thead{display:table-header-group}
.fp thead th{background:none}
.fp-filigrane{color:rgba(163,0,27,.16)}
}
";

const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/// A standalone HTML page.
pub fn page(snapshot: &Snapshot, edition: Edition, part: Part) -> String {
    let mut out = String::with_capacity(8192);
    let draft = if edition.is_draft() {
        "Document de travail — "
    } else {
        ""
    };
    out.push_str("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n",
        escape(CSP)
    ));
    if edition.is_draft() {
        out.push_str("<meta name=\"robots\" content=\"noindex\">\n");
    }
    out.push_str(&format!(
        "<title>{}{} — {}</title>\n<style>\n{}</style>\n</head>\n<body>\n<main class=\"fp\">\n",
        escape(draft),
        escape(&part.title()),
        escape(&snapshot.event.name),
        style(snapshot)
    ));
    body(&mut out, snapshot, edition, part, 1);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// A fragment for the CMS (SPIP): one `<section>` with its own scoped
/// style, headings from `<h2>`, inside SPIP's raw block `<html>…</html>`
/// (see the module doc).
pub fn fragment(snapshot: &Snapshot, edition: Edition, part: Part) -> String {
    let mut out = String::with_capacity(8192);
    out.push_str(&format!(
        "<html>\n<section class=\"fp\" lang=\"fr\">\n<style>\n{}</style>\n",
        style(snapshot)
    ));
    body(&mut out, snapshot, edition, part, 2);
    out.push_str("</section>\n</html>\n");
    out
}

fn body(out: &mut String, snapshot: &Snapshot, edition: Edition, part: Part, top: u8) {
    let sub = top + 1;
    let ev = &snapshot.event;
    out.push_str(&format!(
        "<header>\n<h{top}>{}</h{top}>\n",
        escape(&ev.name)
    ));
    let mut when = labels::date_fr(&ev.date);
    if let Some(v) = &ev.venue {
        when = format!("{when} — {v}");
    }
    out.push_str(&format!("<p class=\"fp-evt\">{}</p>\n", escape(&when)));
    let taken = labels::date_fr(&snapshot.taken_at);
    let ed = match edition {
        Edition::Draft => format!("{} — état au {taken}", part_phrase(part)),
        Edition::Final { number } => {
            format!("{} — publication n° {number} du {taken}", part_phrase(part))
        }
    };
    out.push_str(&format!(
        "<p class=\"fp-ed\">{}</p>\n</header>\n",
        escape(&ed)
    ));
    if edition.is_draft() {
        out.push_str(
            "<p class=\"fp-brouillon\" role=\"note\">Document de travail : listes provisoires, \
             à ne pas diffuser.</p>\n<div class=\"fp-filigrane\" aria-hidden=\"true\">Document de travail</div>\n",
        );
    }
    for section in &snapshot.kinds {
        if part.shows(&section.kind) {
            kind_section(out, section, sub);
        }
    }
    out.push_str(
        "<p class=\"fp-ed\">Listes établies par Cités Unies France à partir des fiches de \
         renseignement ; elles peuvent encore évoluer.</p>\n",
    );
}

fn part_phrase(part: Part) -> String {
    match part {
        Part::Programme => "Listes de programmation".to_string(),
        Part::Kind(_) => part.title(),
    }
}

/// [`STYLE`] and each kind's column widths: the place narrow, the title
/// field and long texts wide, the organisation between.
pub fn style(snapshot: &Snapshot) -> String {
    let mut out = String::from(STYLE);
    for section in &snapshot.kinds {
        let def = section.def();
        let mut weights = vec![2.0_f64];
        for key in &def.public_fields {
            let long = crate::call::field_def(&def.key, key)
                .is_some_and(|f| f.ty == FieldTypeName::LongText);
            weights.push(if *key == def.title_field || long {
                6.0
            } else if crate::call::roles().organisation == *key {
                4.0
            } else {
                3.0
            });
        }
        let total: f64 = weights.iter().sum();
        let class = kind_class(&section.kind);
        let rules: Vec<String> = weights
            .iter()
            .enumerate()
            .map(|(i, w)| {
                format!(
                    ".fp .{class} thead th:nth-child({}){{width:{}%}}",
                    i + 1,
                    (w * 100.0 / total).round()
                )
            })
            .collect();
        out.push_str(&rules.join(""));
        out.push('\n');
    }
    out
}

fn opt(v: &Option<String>) -> String {
    v.as_deref().map(escape).unwrap_or_default()
}

fn head_row(out: &mut String, headers: &[&str]) {
    out.push_str("<thead><tr>");
    for h in headers {
        out.push_str(&format!("<th scope=\"col\">{}</th>", escape(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
}

/// A row: the place as row header, then the cells, each labelled for the
/// phone layout.
fn row(out: &mut String, headers: &[&str], place: &Option<String>, cells: &[String]) {
    out.push_str(&format!(
        "<tr><th scope=\"row\" data-label=\"{}\">{}</th>",
        escape(headers[0]),
        opt(place)
    ));
    for (h, c) in headers[1..].iter().zip(cells) {
        out.push_str(&format!("<td data-label=\"{}\">{c}</td>", escape(h)));
    }
    out.push_str("</tr>\n");
}

fn kind_section(out: &mut String, section: &Section, level: u8) {
    let def = section.def();
    let id = kind_class(&section.kind);
    out.push_str(&format!(
        "<section aria-labelledby=\"{id}\">\n<h{level} id=\"{id}\">{}</h{level}>\n",
        escape(&def.plural)
    ));
    let mut cols = vec![labels::place_heading(&section.kind)];
    cols.extend(section.headings());
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let groups = section.by_slot();
    if groups.is_empty() {
        out.push_str("<p class=\"fp-vide\">Aucune proposition retenue pour l'instant.</p>\n");
    }
    for (slot, items) in groups {
        caption(out, &section.kind, slot);
        head_row(out, &cols);
        for m in items {
            let cells: Vec<String> = m.fields.iter().map(|f| opt(&f.text)).collect();
            row(out, &cols, &m.place, &cells);
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");
}

fn caption(out: &mut String, kind: &str, slot: Option<&str>) {
    let text = match slot {
        Some(s) => format!("Créneau {}", labels::slot_label(kind, s)),
        None => "Créneau à préciser".to_string(),
    };
    out.push_str(&format!(
        "<table class=\"{}\">\n<caption>{}</caption>\n",
        kind_class(kind),
        escape(&text)
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Layout;
    use crate::publish::Event;
    use crate::publish::tests::{sample_entries, sample_snapshot};

    fn snap() -> Snapshot {
        sample_snapshot("2018-05-28T08:00:00+02:00")
    }

    #[test]
    fn escaping_text_and_attributes() {
        assert_eq!(
            escape("<script>alert(1)</script> & \" onmouseover=\"x' \u{1b}]0;pwned\u{7}"),
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot; onmouseover=&quot;x&#39; ␛&#93;0;pwned␇"
        );
    }

    /// What SPIP would read as its own shortcuts in a fiche's text.
    const SPIP: &str = "{{gras}} {italique} [lien->https://evil.example] [[note]] <doc1>                         <quote>x</quote> |a|b| </html><script>x</script> -* puce";

    #[test]
    fn fiche_text_is_never_a_spip_shortcut() {
        let mut entries = sample_entries();
        crate::publish::tests::set(&mut entries[0], "project_title", SPIP);
        crate::publish::tests::set(&mut entries[0], "organisation", "{Ville} [de]->x");
        let s = Snapshot::build(
            &entries,
            &Layout::spec_default(),
            &Event::spec_default(),
            "2018-05-28T08:00:00+02:00",
        );
        for f in [
            fragment(&s, Edition::Final { number: 1 }, Part::Programme),
            page(&s, Edition::Final { number: 1 }, Part::Programme),
        ] {
            // One raw block for SPIP, closed once, at the end.
            if f.starts_with("<html>\n") {
                assert_eq!(f.matches("</html>").count(), 1);
                assert!(f.ends_with("</section>\n</html>\n"));
            }
            let body = &f[f.find("<header>").unwrap()..];
            for shortcut in [
                "{{", "{i", "[l", "->", "[[", "<doc", "<quote", "|a|", "<script",
            ] {
                assert!(!body.contains(shortcut), "{shortcut} in {body}");
            }
            assert!(body.contains(
                "&#123;&#123;gras&#125;&#125; &#123;italique&#125; &#91;lien-&gt;https://evil.example&#93;"
            ));
            assert!(body.contains(
                "&lt;doc1&gt; &lt;quote&gt;x&lt;/quote&gt; &#124;a&#124;b&#124; &lt;/html&gt;"
            ));
            assert!(body.contains("&#123;Ville&#125; &#91;de&#93;-&gt;x"));
        }
    }

    #[test]
    fn page_structure() {
        let p = page(&snap(), Edition::Final { number: 3 }, Part::Programme);
        // The letters' typography: "n° 3", "4 juillet 2018" never broken.
        assert!(p.contains("n°\u{a0}3") && p.contains("4\u{a0}juillet\u{a0}2018"));
        let p = p.replace('\u{a0}', " ");
        assert!(p.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"));
        assert!(p.contains(
            "<h1>Rencontres de l&#39;internationalisation des collectivités territoriales</h1>"
        ));
        assert!(p.contains(
            "<p class=\"fp-evt\">4 juillet 2018 — Pavillon d&#39;Armenonville, Paris</p>"
        ));
        assert!(p.contains("Listes de programmation — publication n° 3 du 28 mai 2018"));
        assert!(p.contains("<h2 id=\"fp-micro-atelier\">Micro-ateliers</h2>"));
        assert!(p.contains("<caption>Créneau 14h00 – 14h20</caption>"));
        assert!(p.contains(
            "<tr><th scope=\"row\" data-label=\"Espace\">Espace B</th>\
             <td data-label=\"Titre\">Un guide du financement de l&#39;AICT</td>\
             <td data-label=\"Organisation\">Ville de Saint-Étienne</td>\
             <td data-label=\"Pays\">France</td>\
             <td data-label=\"Thématique\">ODD / Agenda 2030</td></tr>"
        ));
        // The bourse: what is sought and where, in two columns.
        assert!(p.contains(
            "<td data-label=\"Partenaire recherché\">Collectivité française</td>\
             <td data-label=\"Pays ou région concerné(s)\">Arménie</td>"
        ));
        assert!(p.contains(".fp .fp-micro-atelier thead th:nth-child(2){width:"));
        assert!(p.contains("@media print"));
        assert!(p.contains("@media screen and (max-width:40rem)"));
        assert!(!p.contains("Document de travail"));
        // Staff-only data stays out.
        assert!(!p.contains("Ville de Lyon"));
        assert!(!p.contains("Association X"));
        // No external resource.
        assert!(!p.contains("http://") && !p.contains("https://") && !p.contains("src="));
    }

    #[test]
    fn fragment_and_parts_and_draft() {
        let f = fragment(&snap(), Edition::Draft, Part::Kind("bourse_projets"));
        assert!(f.starts_with("<html>\n<section class=\"fp\" lang=\"fr\">"));
        assert!(f.contains("<h2>Rencontres"));
        assert!(f.contains("<h3 id=\"fp-bourse-projets\">Bourse aux projets</h3>"));
        assert!(!f.contains("id=\"fp-micro-atelier\""));
        assert!(f.contains("Document de travail"));
        assert!(f.contains("Bourse aux projets — état au 28\u{a0}mai\u{a0}2018"));
        let p = page(&snap(), Edition::Draft, Part::Kind("micro_atelier"));
        assert!(p.contains("<title>Document de travail — Micro-ateliers — "));
        assert!(p.contains("class=\"fp-filigrane\""));
        assert!(!p.contains("id=\"fp-bourse-projets\""));
    }

    #[test]
    fn empty_programme_says_so() {
        let s = Snapshot::build(
            &[],
            &Layout::spec_default(),
            &Event::spec_default(),
            "2018-05-28",
        );
        let p = page(&s, Edition::Final { number: 1 }, Part::Programme);
        assert!(p.contains("Aucune proposition retenue pour l'instant."));
        assert!(!p.contains("<table"));
    }
}
