//! DOCX reader: the body of the main document part (`word/document.xml`)
//! streamed into a `Grid` of rows (see `flow` for the row rules).
//!
//! What is kept, as Word would display it with changes accepted: runs
//! (`w:t`, wherever they are split), `w:tab`/`w:ptab` → `\t`, `w:br`/`w:cr`
//! → `\n`, `w:noBreakHyphen` → `-`; the content of hyperlinks, content
//! controls (`w:sdt`), smart tags, custom XML, inserted and moved-to text,
//! field results, and text boxes (`w:txbxContent`, as paragraphs). What is
//! dropped: deleted and moved-from text, field codes (`w:instrText`),
//! properties (`w:pPr`, `w:rPr`, `w:sdtPr`, …), and for `mc:AlternateContent`
//! every branch but the first taken (`mc:Choice`, else `mc:Fallback`), so
//! text boxes are not read twice. Ticked boxes: `w:sym` Wingdings boxes and
//! legacy checkbox form fields become `☒`/`☐`; `w14:checkbox` content
//! controls already show their glyph as text. Headers and footers are not
//! read.
//!
//! How text looks is kept, as people mark answers with it: a run's bold,
//! italic, underline, strike-through (single or double), highlight or
//! shading and colour (`w:rPr`, and the `Strong`/`Emphasis` character
//! styles), a cell's shading (`w:tcPr/w:shd`) and how many grid columns a
//! cell covers (`w:gridSpan`, `w:gridBefore`).

use super::flow::Flow;
use super::limits::Limits;
use super::model::{FicheError, Grid, Look};
use super::odf::TRACKED_CHANGES_NOTE;
use super::xml::{Ns, Tag, XmlEvent, XmlReader};
use super::zipsafe::SafeZip;

const CHECKED: &str = "☒";
const UNCHECKED: &str = "☐";

/// Elements whose whole content is never text to keep.
const SKIPPED: &[&str] = &[
    "pPr",
    "tblPr",
    "tblPrEx",
    "tblGrid",
    "sectPr",
    "sdtPr",
    "sdtEndPr",
    "del",
    "moveFrom",
    "delText",
    "instrText",
    "delInstrText",
    "fldData",
];

/// Reads the body of a DOCX into a `Grid`.
pub fn read(zip: &mut SafeZip<'_>, limits: &Limits) -> Result<Grid, FicheError> {
    let part = main_part(zip, limits)?;
    let bytes = zip.read(&part)?;
    read_document_xml(&bytes, &part, limits)
}

/// The main document part: `word/document.xml` (any case), else the target
/// of the `officeDocument` relationship in `_rels/.rels`.
fn main_part(zip: &mut SafeZip<'_>, limits: &Limits) -> Result<String, FicheError> {
    if let Some(name) = zip.find("word/document.xml") {
        return Ok(name.to_string());
    }
    let missing =
        || FicheError::corrupt("document Word sans contenu principal (word/document.xml absent)");
    let rels_name = zip.find("_rels/.rels").ok_or_else(missing)?.to_string();
    let rels = zip.read(&rels_name)?;
    let mut xml = XmlReader::new(&rels, &rels_name, limits);
    loop {
        match xml.next_event()? {
            XmlEvent::Start(tag) | XmlEvent::Empty(tag) if tag.local() == "Relationship" => {
                let is_main = tag
                    .attr("Type")
                    .is_some_and(|t| t.ends_with("/officeDocument"));
                if let (true, Some(target)) = (is_main, tag.attr("Target"))
                    && let Some(name) = zip.find(target.trim_start_matches('/'))
                {
                    return Ok(name.to_string());
                }
            }
            XmlEvent::Eof => return Err(missing()),
            _ => {}
        }
    }
}

/// A legacy checkbox form field being read (`w:ffData/w:checkBox`).
#[derive(Default)]
struct CheckBox {
    checked: Option<bool>,
    default: bool,
}

/// ST_OnOff: absent means true.
fn on_off(tag: &Tag<'_>) -> bool {
    match tag.attr("val") {
        None => true,
        Some(v) => matches!(v.trim(), "1" | "true" | "on"),
    }
}

/// The character of a `w:sym` (symbol-font code in `w:char`).
fn sym_char(tag: &Tag<'_>) -> Option<String> {
    let code = tag.attr("char")?;
    let mut c = u32::from_str_radix(code.trim(), 16).ok()?;
    if c <= 0xFF {
        c += 0xF000;
    }
    match c {
        0xF0FE | 0xF078 | 0xF0FD => Some(CHECKED.to_string()),
        0xF0A8 | 0xF06F => Some(UNCHECKED.to_string()),
        _ => {
            let ch = char::from_u32(c)?;
            let private_use = ('\u{E000}'..='\u{F8FF}').contains(&ch);
            (!ch.is_control() && !private_use).then(|| ch.to_string())
        }
    }
}

/// Parses the XML of a WordprocessingML document part into a `Grid`.
pub fn read_document_xml(bytes: &[u8], part: &str, limits: &Limits) -> Result<Grid, FicheError> {
    let mut xml = XmlReader::new(bytes, part, limits);
    let mut flow = Flow::new(limits.max_cols, limits.max_rows);
    let mut in_t = false;
    // One entry per open mc:AlternateContent: whether a branch was taken.
    let mut alternates: Vec<bool> = Vec::new();
    let mut checkbox: Option<CheckBox> = None;
    let mut tracked = false;
    // The look of the run being read.
    let mut look = Look::default();

    loop {
        match xml.next_event()? {
            XmlEvent::Start(tag) => {
                if tag.ns == Ns::Mc {
                    match tag.local() {
                        "AlternateContent" => alternates.push(false),
                        "Choice" | "Fallback" => match alternates.last_mut() {
                            Some(taken) if !*taken => *taken = true,
                            _ => xml.skip_element()?,
                        },
                        _ => {}
                    }
                    continue;
                }
                if tag.ns != Ns::W {
                    continue;
                }
                let local = tag.local();
                if matches!(local, "ins" | "del" | "moveFrom" | "moveTo") {
                    tracked = true;
                }
                if SKIPPED.contains(&local) {
                    xml.skip_element()?;
                    continue;
                }
                match local {
                    "p" => {
                        xml.charge_chars(1)?;
                        flow.open_para();
                    }
                    "tbl" => flow.open_table(),
                    "tr" => {
                        xml.charge_chars(1)?;
                        flow.open_row(1);
                    }
                    "tc" => {
                        xml.charge_chars(1)?;
                        flow.open_cell(1, 1, Look::default());
                    }
                    "trPr" => {
                        let before = read_props(&mut xml)?.grid_before;
                        if before > 0 {
                            flow.empty_cells(before);
                        }
                    }
                    "tcPr" => {
                        let props = read_props(&mut xml)?;
                        flow.set_cell(props.grid_span, props.look);
                    }
                    "r" => look = Look::default(),
                    "rPr" => look = read_props(&mut xml)?.look,
                    "t" => in_t = true,
                    "checkBox" => checkbox = Some(CheckBox::default()),
                    _ => inline(&tag, &mut xml, &mut flow, &mut checkbox, look)?,
                }
            }
            XmlEvent::Empty(tag) => {
                if tag.ns != Ns::W {
                    continue;
                }
                match tag.local() {
                    "p" => {
                        xml.charge_chars(1)?;
                        flow.open_para();
                        flow.close_para();
                    }
                    "tc" => {
                        xml.charge_chars(1)?;
                        flow.open_cell(1, 1, Look::default());
                        flow.close_cell();
                    }
                    "checkBox" => {
                        xml.charge_chars(1)?;
                        flow.push_text(UNCHECKED, look);
                    }
                    _ => inline(&tag, &mut xml, &mut flow, &mut checkbox, look)?,
                }
            }
            XmlEvent::End(tag) => {
                if tag.ns == Ns::Mc {
                    if tag.local() == "AlternateContent" {
                        alternates.pop();
                    }
                    continue;
                }
                if tag.ns != Ns::W {
                    continue;
                }
                match tag.local() {
                    "p" => flow.close_para(),
                    "tbl" => flow.close_table(),
                    "tr" => flow.close_row(),
                    "tc" => flow.close_cell(),
                    "t" => in_t = false,
                    "r" => look = Look::default(),
                    "checkBox" => {
                        if let Some(cb) = checkbox.take() {
                            xml.charge_chars(1)?;
                            let ticked = cb.checked.unwrap_or(cb.default);
                            flow.push_text(if ticked { CHECKED } else { UNCHECKED }, look);
                        }
                    }
                    _ => {}
                }
            }
            XmlEvent::Text(text) => {
                if in_t {
                    xml.charge(&text)?;
                    flow.push_text(&text, look);
                }
            }
            XmlEvent::Eof => break,
        }
    }
    let (rows, mut notes) = flow.finish();
    if tracked {
        notes.insert(0, TRACKED_CHANGES_NOTE.to_string());
    }
    Ok(Grid {
        name: "document".to_string(),
        rows,
        hidden: false,
        notes,
    })
}

/// What a properties element (`w:rPr`, `w:tcPr`, `w:trPr`) says that matters.
#[derive(Default)]
struct Props {
    look: Look,
    grid_span: u32,
    grid_before: u32,
}

/// A colour attribute that is not automatic, black or white: its RGB.
fn colour(v: Option<String>) -> u32 {
    let Some(v) = v else { return 0 };
    let v = v.trim();
    if v.eq_ignore_ascii_case("auto") {
        return 0;
    }
    match u32::from_str_radix(v, 16) {
        Ok(0) | Ok(0xFFFFFF) | Err(_) => 0,
        Ok(rgb) => rgb & 0xFF_FFFF,
    }
}

fn positive(tag: &Tag<'_>) -> u32 {
    tag.attr("val")
        .and_then(|v| v.trim().parse::<u32>().ok())
        .unwrap_or(1)
        .clamp(1, 64)
}

/// Reads a properties element (just started) to its end. Tracked property
/// changes (`w:rPrChange`…) hold the old properties and are skipped.
fn read_props(xml: &mut XmlReader<'_>) -> Result<Props, FicheError> {
    let target = xml.depth().saturating_sub(1);
    let mut p = Props::default();
    loop {
        match xml.next_event()? {
            XmlEvent::Start(tag) | XmlEvent::Empty(tag) if tag.ns == Ns::W => {
                let started = xml.depth() > target + 1;
                match tag.local() {
                    "rPrChange" | "tcPrChange" | "trPrChange" | "pPrChange" if started => {
                        xml.skip_element()?;
                        continue;
                    }
                    "b" | "bCs" => p.look.bold |= on_off(&tag),
                    "i" | "iCs" => p.look.italic |= on_off(&tag),
                    "strike" | "dstrike" => p.look.strike |= on_off(&tag),
                    "u" => {
                        p.look.underline |= tag
                            .attr("val")
                            .is_none_or(|v| !v.trim().eq_ignore_ascii_case("none"));
                    }
                    "highlight" => {
                        p.look.highlight |= tag
                            .attr("val")
                            .is_some_and(|v| !v.trim().eq_ignore_ascii_case("none"));
                    }
                    "shd" => p.look.highlight |= colour(tag.attr("fill")) != 0,
                    "color" => p.look.color = colour(tag.attr("val")),
                    "rStyle" => {
                        let style = tag.attr("val").unwrap_or_default().to_lowercase();
                        p.look.bold |= style.contains("strong") || style.contains("gras");
                        p.look.italic |= style.contains("emphasis");
                    }
                    "gridSpan" => p.grid_span = positive(&tag),
                    "gridBefore" => p.grid_before = positive(&tag),
                    _ => {}
                }
                if started {
                    // Other properties hold nothing we need below them.
                    xml.skip_element()?;
                }
            }
            XmlEvent::End(_) if xml.depth() == target => return Ok(p),
            XmlEvent::Eof => return Ok(p),
            _ => {}
        }
    }
}

/// Run-level elements that stand for characters, and checkbox state.
fn inline(
    tag: &Tag<'_>,
    xml: &mut XmlReader<'_>,
    flow: &mut Flow,
    checkbox: &mut Option<CheckBox>,
    look: Look,
) -> Result<(), FicheError> {
    let piece: Option<String> = match tag.local() {
        "tab" | "ptab" => Some("\t".into()),
        "br" | "cr" => Some("\n".into()),
        "noBreakHyphen" => Some("-".into()),
        "sym" => sym_char(tag),
        "checked" => {
            if let Some(cb) = checkbox.as_mut() {
                cb.checked = Some(on_off(tag));
            }
            None
        }
        "default" => {
            if let Some(cb) = checkbox.as_mut() {
                cb.default = on_off(tag);
            }
            None
        }
        _ => None,
    };
    if let Some(piece) = piece {
        xml.charge(&piece)?;
        flow.push_text(&piece, look);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fiche::test_support::fixture;
    use std::io::{Cursor, Write};
    use zip::write::SimpleFileOptions;

    const W_NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape""#;

    fn corpus_grid(file: &str) -> Grid {
        let bytes = fixture(&format!("corpus/fiches/{file}"));
        let mut zip = SafeZip::open(&bytes, &Limits::default()).unwrap();
        read(&mut zip, &Limits::default()).unwrap()
    }

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    fn has_row(grid: &Grid, cells: &[&str]) -> bool {
        grid.texts().contains(&row(cells))
    }

    /// The first row whose first cell is `label`.
    fn value_of<'g>(grid: &'g Grid, label: &str) -> Option<&'g str> {
        grid.rows
            .iter()
            .find(|r| r.cells.first().map(|c| c.text.as_str()) == Some(label))
            .and_then(|r| r.cells.get(1))
            .map(|c| c.text.as_str())
    }

    /// A minimal DOCX with this body XML.
    pub(crate) fn docx_with_body(body: &str) -> Vec<u8> {
        let doc = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W_NS}><w:body>{body}</w:body></w:document>"#
        );
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.start_file("[Content_Types].xml", SimpleFileOptions::default())
            .unwrap();
        w.write_all(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#).unwrap();
        w.start_file("word/document.xml", SimpleFileOptions::default())
            .unwrap();
        w.write_all(doc.as_bytes()).unwrap();
        w.finish().unwrap().into_inner()
    }

    fn grid_of(body: &str) -> Grid {
        let bytes = docx_with_body(body);
        let mut zip = SafeZip::open(&bytes, &Limits::default()).unwrap();
        read(&mut zip, &Limits::default()).unwrap()
    }

    #[test]
    fn corpus_01_saint_etienne() {
        let g = corpus_grid("01-fiche-micro-atelier-ville-de-saint-etienne.docx");
        assert!(
            has_row(&g, &["MICRO-ATELIER : FICHE DE RENSEIGNEMENT"]),
            "{:#?}",
            g.rows
        );
        assert_eq!(
            value_of(&g, "Nom de la collectivité ou de la structure"),
            Some("Ville de Saint-Étienne")
        );
        assert_eq!(
            value_of(&g, "Courriel"),
            Some("claire.martin@saint-etienne.fr")
        );
        assert_eq!(value_of(&g, "Téléphone"), Some("04 77 48 77 48"));
        let desc = value_of(&g, "Description du projet ou de la démarche").unwrap();
        assert!(
            desc.contains("financer l'action internationale.\nIl recense"),
            "{desc:?}"
        );
        let v2 = corpus_grid("01-fiche-micro-atelier-ville-de-saint-etienne-v2.docx");
        assert!(
            value_of(&v2, "Titre du projet ou de la démarche")
                .unwrap()
                .ends_with("(version corrigée)")
        );
    }

    #[test]
    fn corpus_02_isere_inline_country() {
        let g = corpus_grid("02-fiche-bourse-aux-projets-conseil-departemental-de-l-isere.docx");
        assert!(has_row(&g, &["Pays : France"]), "{:#?}", g.texts());
        assert!(has_row(
            &g,
            &["Membre de Cités Unies France", "X Oui    ☐ Non"]
        ));
        let t = value_of(&g, "Type de structure").unwrap();
        assert!(t.contains("X Département"), "{t:?}");
        assert!(t.contains("☐ Commune\n"), "{t:?}");
    }

    #[test]
    fn corpus_03_quito_split_runs_and_hyperlink() {
        let g = corpus_grid("03-fiche-micro-atelier-municipalidad-de-quito.docx");
        assert_eq!(
            value_of(&g, "Nom de la collectivité ou de la structure"),
            Some("Municipalidad de Quito")
        );
        assert_eq!(
            value_of(&g, "Courriel"),
            Some("mj.andrade@quito.gob.ec"),
            "{:#?}",
            g.rows
        );
        assert!(
            value_of(&g, "Type de structure")
                .unwrap()
                .contains("☒ Commune")
        );
    }

    #[test]
    fn corpus_04_dschang_extra_row() {
        let g = corpus_grid("04-fiche-bourse-aux-projets-commune-de-dschang.docx");
        assert!(
            g.rows.iter().any(|r| r
                .cells
                .first()
                .is_some_and(|c| c.text.starts_with("Site internet"))),
            "{:#?}",
            g.rows
        );
        assert!(g.rows.iter().any(|r| {
            r.cells.first().is_some_and(|c| {
                c.text
                    .starts_with("Nom de la collectivité ou de la structure :")
            })
        }));
    }

    #[test]
    fn corpus_05_blank_and_templates() {
        let g = corpus_grid("05-fiche-micro-atelier-communaute-urbaine-de-dunkerque.docx");
        assert!(has_row(&g, &["MICRO-ATELIER : FICHE DE RENSEIGNEMENT"]));
        assert_eq!(value_of(&g, "Nom"), None);
        for t in ["fiche-micro-atelier.docx", "fiche-bourse-aux-projets.docx"] {
            let bytes = fixture(&format!("templates/{t}"));
            let mut zip = SafeZip::open(&bytes, &Limits::default()).unwrap();
            let g = read(&mut zip, &Limits::default()).unwrap();
            assert!(
                g.rows
                    .iter()
                    .any(|r| r.cells.len() == 1 && r.cells[0].text == "Courriel"),
                "{t}"
            );
            assert!(g.notes.is_empty());
        }
    }

    #[test]
    fn runs_split_inside_words() {
        let g = grid_of(
            r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Cour</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>r</w:t></w:r><w:proofErr w:type="spellStart"/><w:r><w:t>iel</w:t></w:r></w:p></w:tc>
               <w:tc><w:p><w:hyperlink r:id="rId1" xmlns:r="urn:r"><w:r><w:t xml:space="preserve">a@b</w:t></w:r><w:r><w:t>.fr</w:t></w:r></w:hyperlink></w:p></w:tc></w:tr></w:tbl>"#,
        );
        assert_eq!(g.texts(), vec![row(&["Courriel", "a@b.fr"])]);
    }

    #[test]
    fn tracked_changes_read_as_accepted() {
        let g = grid_of(
            r#"<w:p><w:r><w:t>Pays : </w:t></w:r><w:del w:id="1" w:author="x"><w:r><w:delText>Mali</w:delText></w:r></w:del><w:ins w:id="2" w:author="x"><w:r><w:t>Sénégal</w:t></w:r></w:ins></w:p>
               <w:p><w:moveFrom w:id="3"><w:r><w:t>ancien</w:t></w:r></w:moveFrom><w:moveTo w:id="4"><w:r><w:t>nouveau</w:t></w:r></w:moveTo></w:p>
               <w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> HYPERLINK "mailto:x@y.fr" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x@y.fr</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>"#,
        );
        assert_eq!(
            g.texts(),
            vec![
                row(&["Pays : Sénégal"]),
                row(&["nouveau"]),
                row(&["x@y.fr"])
            ]
        );
        assert_eq!(g.notes, vec![TRACKED_CHANGES_NOTE.to_string()]);
    }

    #[test]
    fn alternate_content_read_once() {
        let txbx = |s: &str| {
            format!("<w:txbxContent><w:p><w:r><w:t>{s}</w:t></w:r></w:p></w:txbxContent>")
        };
        let body = format!(
            r#"<w:p><w:r><w:t>avant</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx>{}</wps:txbx></wps:wsp></w:drawing></mc:Choice><mc:Fallback><w:pict>{}</w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>
               <w:p><mc:AlternateContent><mc:Fallback><w:r><w:t>seul repli</w:t></w:r></mc:Fallback></mc:AlternateContent></w:p>"#,
            txbx("zone de texte"),
            txbx("zone de texte")
        );
        let g = grid_of(&body);
        assert_eq!(
            g.texts(),
            vec![
                row(&["avant"]),
                row(&["zone de texte"]),
                row(&["seul repli"])
            ]
        );
    }

    #[test]
    fn legacy_checkboxes_and_symbols() {
        let ff = |inner: &str| {
            format!(
                r#"<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Case1"/><w:enabled/><w:checkBox><w:sizeAuto/>{inner}</w:checkBox></w:ffData></w:fldChar></w:r><w:r><w:instrText> FORMCHECKBOX </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>"#
            )
        };
        let body = format!(
            r#"<w:p>{}<w:r><w:t xml:space="preserve"> Oui </w:t></w:r>{}<w:r><w:t xml:space="preserve"> Non</w:t></w:r></w:p>
               <w:p>{}<w:r><w:t xml:space="preserve"> a </w:t></w:r>{}<w:r><w:t xml:space="preserve"> b</w:t></w:r></w:p>
               <w:p><w:r><w:sym w:font="Wingdings" w:char="F0FE"/><w:t xml:space="preserve"> c </w:t><w:sym w:font="Wingdings" w:char="F0A8"/><w:t xml:space="preserve"> d </w:t><w:sym w:font="Wingdings" w:char="F06F"/><w:sym w:font="Wingdings" w:char="F078"/><w:sym w:font="Wingdings" w:char="FD"/><w:sym w:font="Arial" w:char="263A"/><w:sym w:font="Symbol" w:char="F020"/></w:r></w:p>
               <w:p><w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val="1"/></w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:t>☒</w:t></w:r></w:sdtContent></w:sdt><w:r><w:t xml:space="preserve"> Région</w:t></w:r></w:p>"#,
            ff(r#"<w:default w:val="0"/><w:checked/>"#),
            ff(r#"<w:default w:val="0"/>"#),
            ff(r#"<w:default w:val="1"/>"#),
            ff(r#"<w:default w:val="1"/><w:checked w:val="0"/>"#),
        );
        let g = grid_of(&body);
        assert_eq!(
            g.texts(),
            vec![
                row(&["☒ Oui ☐ Non"]),
                row(&["☒ a ☐ b"]),
                row(&["☒ c ☐ d ☐☒☒☺"]),
                row(&["☒ Région"]),
            ]
        );
    }

    #[test]
    fn nested_table_rows_are_flattened() {
        let body = r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Contact</w:t></w:r></w:p></w:tc><w:tc>
              <w:tbl><w:tr><w:tc><w:p><w:r><w:t>Nom</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Diallo</w:t></w:r></w:p></w:tc></w:tr>
                     <w:tr><w:tc><w:p><w:r><w:t>Prénom</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Awa</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
              <w:p/></w:tc></w:tr>
              <w:tr><w:tc><w:p><w:r><w:t>Pays</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Mali</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
              <w:p><w:r><w:t>Fin</w:t><w:tab/><w:t>x</w:t><w:br/><w:t>y</w:t></w:r></w:p>"#;
        let g = grid_of(body);
        assert_eq!(
            g.texts(),
            vec![
                row(&["Contact"]),
                row(&["Nom", "Diallo"]),
                row(&["Prénom", "Awa"]),
                row(&["Pays", "Mali"]),
                row(&["Fin\tx\ny"]),
            ]
        );
    }

    #[test]
    fn sdt_smarttag_customxml_kept_properties_dropped() {
        let body = r#"<w:sdt><w:sdtPr><w:alias w:val="Pays"/><w:placeholder><w:docPart w:val="x"/></w:placeholder></w:sdtPr><w:sdtContent>
              <w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:smartTag w:uri="u" w:element="place"><w:r><w:t>Dak</w:t></w:r></w:smartTag><w:customXml w:element="c"><w:r><w:rPr><w:b/></w:rPr><w:t>ar</w:t></w:r></w:customXml></w:p>
              </w:sdtContent></w:sdt><w:sectPr><w:pgSz w:w="11906"/></w:sectPr>"#;
        let g = grid_of(body);
        assert_eq!(g.texts(), vec![row(&["Dakar"])]);
    }

    #[test]
    fn main_part_found_through_rels_and_case() {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.start_file("_rels/.rels", SimpleFileOptions::default())
            .unwrap();
        w.write_all(br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/document2.xml"/></Relationships>"#).unwrap();
        w.start_file("word/document2.xml", SimpleFileOptions::default())
            .unwrap();
        w.write_all(format!(r#"<w:document {W_NS}><w:body><w:p><w:r><w:t>ok</w:t></w:r></w:p></w:body></w:document>"#).as_bytes()).unwrap();
        let bytes = w.finish().unwrap().into_inner();
        let mut zip = SafeZip::open(&bytes, &Limits::default()).unwrap();
        assert_eq!(
            read(&mut zip, &Limits::default()).unwrap().texts(),
            vec![row(&["ok"])]
        );

        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.start_file("Word/Document.xml", SimpleFileOptions::default())
            .unwrap();
        w.write_all(format!(r#"<w:document {W_NS}><w:body><w:p><w:r><w:t>ok</w:t></w:r></w:p></w:body></w:document>"#).as_bytes()).unwrap();
        let bytes = w.finish().unwrap().into_inner();
        let mut zip = SafeZip::open(&bytes, &Limits::default()).unwrap();
        assert_eq!(
            read(&mut zip, &Limits::default()).unwrap().texts(),
            vec![row(&["ok"])]
        );

        let bytes = {
            let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
            w.start_file("other.xml", SimpleFileOptions::default())
                .unwrap();
            w.write_all(b"<a/>").unwrap();
            w.finish().unwrap().into_inner()
        };
        let mut zip = SafeZip::open(&bytes, &Limits::default()).unwrap();
        assert_eq!(
            read(&mut zip, &Limits::default()).unwrap_err().code(),
            "corrupt"
        );
    }

    #[test]
    fn crlf_in_text_becomes_lf_and_strict_namespace_is_read() {
        let xml = "<w:document xmlns:w=\"http://purl.oclc.org/ooxml/wordprocessingml/main\"><w:body><w:p><w:r><w:t>a\r\nb</w:t></w:r></w:p></w:body></w:document>";
        let g = read_document_xml(xml.as_bytes(), "word/document.xml", &Limits::default()).unwrap();
        assert_eq!(g.texts(), vec![row(&["a\nb"])]);
    }
}
