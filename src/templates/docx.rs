//! The blank fiche as a Word document (OOXML written by hand): one table,
//! label | answer, whose first row (the title block, repeated on every
//! page) is marked as the table's header; choices as Word check box content
//! controls (`w14:checkbox`) showing ☐ and ☒, each named for screen readers;
//! the event in the page header and the deadline in the footer; French set
//! as the document's language and its title in the properties.

use super::{Answer, Form, TemplateError, esc, zip_parts};

/// A4 with 2 cm margins: the text width in twentieths of a point.
const TEXT_WIDTH: u32 = 11906 - 2 * 1134;
const LABEL_WIDTH: u32 = 3500;
const ANSWER_WIDTH: u32 = TEXT_WIDTH - LABEL_WIDTH;
/// Dark blue of the title row, light grey of the label cells.
const TITLE_FILL: &str = "1F3864";
const LABEL_FILL: &str = "EDF2F9";
const BORDER: &str = "8EA9DB";

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/><Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/></Relationships>"#;

const SETTINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:defaultTabStop w:val="708"/><w:characterSpacingControl w:val="doNotCompress"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat><w:themeFontLang w:val="fr-FR"/></w:settings>"#;

const NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="w14""#;

fn styles() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles {NS}><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Calibri" w:eastAsia="Calibri" w:hAnsi="Calibri" w:cs="Calibri"/><w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="fr-FR" w:eastAsia="fr-FR" w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="264" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="60" w:after="60"/><w:jc w:val="center"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:color w:val="FFFFFF"/><w:sz w:val="30"/><w:szCs w:val="30"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Label"><w:name w:val="Rubrique"/><w:basedOn w:val="Normal"/><w:qFormat/><w:rPr><w:b/><w:color w:val="1F3864"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Header"><w:name w:val="header"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="center"/></w:pPr><w:rPr><w:color w:val="595959"/><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="center"/></w:pPr><w:rPr><w:color w:val="595959"/><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style><w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style></w:styles>"#
    )
}

/// A run of text; line breaks inside become `w:br`.
fn run(text: &str, props: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.split('\n').enumerate() {
        out.push_str("<w:r>");
        out.push_str(props);
        if i > 0 {
            out.push_str("<w:br/>");
        }
        out.push_str(&format!(
            r#"<w:t xml:space="preserve">{}</w:t></w:r>"#,
            esc(line)
        ));
    }
    out
}

const BOX_FONT: &str = r#"<w:rFonts w:ascii="MS Gothic" w:eastAsia="MS Gothic" w:hAnsi="MS Gothic" w:hint="eastAsia"/>"#;

/// One option: a check box content control (☐, ☒ once ticked), then the
/// option's label, in its own paragraph.
fn option_paragraph(id: u32, field: &str, option: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:spacing w:before="20" w:after="20"/><w:ind w:left="312" w:hanging="312"/></w:pPr><w:sdt><w:sdtPr><w:rPr>{BOX_FONT}</w:rPr><w:alias w:val="{alias}"/><w:id w:val="{id}"/><w14:checkbox><w14:checked w14:val="0"/><w14:checkedState w14:val="2612" w14:font="MS Gothic"/><w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:rPr>{BOX_FONT}</w:rPr><w:t>☐</w:t></w:r></w:sdtContent></w:sdt>{label}</w:p>"#,
        alias = esc(&format!("{field} : {option}")),
        label = run(&format!(" {option}"), ""),
    )
}

fn cell(width: u32, fill: Option<&str>, span: u32, body: &str) -> String {
    let shd = fill.map_or(String::new(), |f| {
        format!(r#"<w:shd w:val="clear" w:color="auto" w:fill="{f}"/>"#)
    });
    let span = if span > 1 {
        format!(r#"<w:gridSpan w:val="{span}"/>"#)
    } else {
        String::new()
    };
    format!(r#"<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span}{shd}</w:tcPr>{body}</w:tc>"#)
}

fn document(form: &Form) -> String {
    let mut x = String::new();
    x.push_str(&format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {NS}><w:body>"#
    ));
    let b = format!(r#"w:val="single" w:sz="4" w:space="0" w:color="{BORDER}""#);
    x.push_str(&format!(
        r#"<w:tbl><w:tblPr><w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:tblBorders><w:top {b}/><w:left {b}/><w:bottom {b}/><w:right {b}/><w:insideH {b}/><w:insideV {b}/></w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:top w:w="57" w:type="dxa"/><w:left w:w="113" w:type="dxa"/><w:bottom w:w="57" w:type="dxa"/><w:right w:w="113" w:type="dxa"/></w:tblCellMar><w:tblLook w:val="0420" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/><w:tblCaption w:val="{caption}"/><w:tblDescription w:val="{description}"/></w:tblPr><w:tblGrid><w:gridCol w:w="{LABEL_WIDTH}"/><w:gridCol w:w="{ANSWER_WIDTH}"/></w:tblGrid>"#,
        caption = esc(&form.title),
        description = esc(&form.table_description()),
    ));
    // The title block: the table's header row, repeated on each page.
    let props = r#"<w:rPr><w:b w:val="0"/><w:sz w:val="21"/><w:szCs w:val="21"/></w:rPr>"#;
    let subtitle: String = form
        .subtitle
        .iter()
        .map(|line| {
            format!(
                r#"<w:r>{props}<w:br/><w:t xml:space="preserve">{}</w:t></w:r>"#,
                esc(line)
            )
        })
        .collect();
    let title = format!(
        r#"<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr>{}{subtitle}</w:p>"#,
        run(&form.title, "")
    );
    x.push_str(&format!(
        r#"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{}</w:tr>"#,
        cell(TEXT_WIDTH, Some(TITLE_FILL), 2, &title)
    ));
    let mut id = 1000;
    for f in &form.fields {
        let label = format!(
            r#"<w:p><w:pPr><w:pStyle w:val="Label"/></w:pPr>{}</w:p>"#,
            run(&f.printed_label(), "")
        );
        let (answer, height) = match &f.answer {
            Answer::One(opts) | Answer::Several(opts) => {
                let mut a = String::new();
                for o in opts {
                    id += 1;
                    a.push_str(&option_paragraph(id, &f.label, o));
                }
                (a, 0)
            }
            Answer::Lines => ("<w:p/>".to_string(), 1800),
            Answer::Line | Answer::Email | Answer::Phone => ("<w:p/>".to_string(), 454),
        };
        let tr_pr = if height > 0 {
            format!(r#"<w:trPr><w:cantSplit/><w:trHeight w:val="{height}"/></w:trPr>"#)
        } else {
            "<w:trPr><w:cantSplit/></w:trPr>".to_string()
        };
        x.push_str(&format!(
            "<w:tr>{tr_pr}{}{}</w:tr>",
            cell(LABEL_WIDTH, Some(LABEL_FILL), 1, &label),
            cell(ANSWER_WIDTH, None, 1, &answer)
        ));
    }
    x.push_str("</w:tbl>");
    for line in super::legend(form) {
        x.push_str(&format!(
            r#"<w:p><w:pPr><w:spacing w:before="60" w:after="0"/></w:pPr>{}</w:p>"#,
            run(&line, r#"<w:sz w:val="18"/>"#)
        ));
    }
    x.push_str("<w:p/>");
    x.push_str(r#"<w:sectPr><w:headerReference w:type="default" r:id="rId3"/><w:footerReference w:type="default" r:id="rId4"/><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134" w:header="567" w:footer="567" w:gutter="0"/></w:sectPr></w:body></w:document>"#);
    x
}

fn header(form: &Form) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:hdr {NS}><w:p><w:pPr><w:pStyle w:val="Header"/></w:pPr>{}</w:p></w:hdr>"#,
        run(&form.header_lines().join("\n"), "")
    )
}

fn footer(form: &Form) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:ftr {NS}><w:p><w:pPr><w:pStyle w:val="Footer"/></w:pPr>{}<w:r><w:t xml:space="preserve"> – page </w:t></w:r><w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple><w:r><w:t xml:space="preserve"> / </w:t></w:r><w:fldSimple w:instr=" NUMPAGES "><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p></w:ftr>"#,
        run(&form.deadline, "")
    )
}

pub(crate) fn core_properties(form: &Form) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{}</dc:title><dc:subject>{}</dc:subject><dc:creator>fiches</dc:creator><dc:language>fr-FR</dc:language></cp:coreProperties>"#,
        esc(&form.doc_title()),
        esc(&form.deadline),
    )
}

const APP: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>fiches</Application></Properties>"#;

pub(super) fn write(form: &Form) -> Result<Vec<u8>, TemplateError> {
    zip_parts(
        &[
            ("[Content_Types].xml", CONTENT_TYPES.as_bytes().to_vec()),
            ("_rels/.rels", ROOT_RELS.as_bytes().to_vec()),
            ("word/document.xml", document(form).into_bytes()),
            (
                "word/_rels/document.xml.rels",
                DOCUMENT_RELS.as_bytes().to_vec(),
            ),
            ("word/styles.xml", styles().into_bytes()),
            ("word/settings.xml", SETTINGS.as_bytes().to_vec()),
            ("word/header1.xml", header(form).into_bytes()),
            ("word/footer1.xml", footer(form).into_bytes()),
            ("docProps/core.xml", core_properties(form).into_bytes()),
            ("docProps/app.xml", APP.as_bytes().to_vec()),
        ],
        false,
        "DOCX",
    )
}
