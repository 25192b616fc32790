//! The blank fiche as an OpenDocument text (ODF 1.3 written by hand, the
//! `mimetype` stored first): one table, label | answer, whose title row is
//! a header row (`table:table-header-rows`, repeated on every page) holding
//! the title as a level 1 heading; each option of a choice as a check box
//! content control (`loext:content-control loext:checkbox`, what
//! LibreOffice 7.4+ makes of Word's check boxes: a click ticks it, ☐ → ☒)
//! holding the ☐ glyph, so any other ODF application shows a box people
//! can overtype, and the reader reads it as text; the event in the page
//! header and the deadline in the footer; French as the language.

use super::{Answer, Form, TemplateError, esc, zip_parts};

const MIMETYPE: &str = "application/vnd.oasis.opendocument.text";

const NS: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0" office:version="1.3""#;

const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;

const BORDER: &str = "0.5pt solid #8ea9db";

fn automatic_styles() -> String {
    format!(
        r##"<office:automatic-styles><style:style style:name="Tab" style:family="table"><style:table-properties style:width="17cm" table:align="margins"/></style:style><style:style style:name="TabA" style:family="table-column"><style:table-column-properties style:column-width="6.2cm"/></style:style><style:style style:name="TabB" style:family="table-column"><style:table-column-properties style:column-width="10.8cm"/></style:style><style:style style:name="CTitle" style:family="table-cell"><style:table-cell-properties fo:background-color="#1f3864" fo:padding="0.15cm" fo:border="{BORDER}" style:vertical-align="middle"/></style:style><style:style style:name="CLabel" style:family="table-cell"><style:table-cell-properties fo:background-color="#edf2f9" fo:padding="0.12cm" fo:border="{BORDER}"/></style:style><style:style style:name="CAnswer" style:family="table-cell"><style:table-cell-properties fo:padding="0.12cm" fo:border="{BORDER}"/></style:style><style:style style:name="RHead" style:family="table-row"><style:table-row-properties fo:keep-together="always"/></style:style><style:style style:name="RLine" style:family="table-row"><style:table-row-properties style:min-row-height="0.8cm" fo:keep-together="always"/></style:style><style:style style:name="RLong" style:family="table-row"><style:table-row-properties style:min-row-height="3.2cm" fo:keep-together="always"/></style:style><style:style style:name="RChoice" style:family="table-row"><style:table-row-properties fo:keep-together="always"/></style:style><style:style style:name="PTitle" style:family="paragraph" style:parent-style-name="Heading_20_1"><style:paragraph-properties fo:text-align="center" fo:margin-top="0.1cm" fo:margin-bottom="0.1cm"/><style:text-properties fo:color="#ffffff" fo:font-size="15pt" fo:font-weight="bold"/></style:style><style:style style:name="TSub" style:family="text"><style:text-properties fo:font-size="10.5pt" fo:font-weight="normal"/></style:style><style:style style:name="PLabel" style:family="paragraph" style:parent-style-name="Standard"><style:text-properties fo:color="#1f3864" fo:font-weight="bold"/></style:style><style:style style:name="POpt" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:margin-left="0.55cm" fo:text-indent="-0.55cm" fo:margin-top="0.03cm" fo:margin-bottom="0.03cm"/></style:style><style:style style:name="TBox" style:family="text"><style:text-properties fo:font-family="&apos;DejaVu Sans&apos;" style:font-family-generic="swiss" fo:font-size="11pt"/></style:style></office:automatic-styles>"##
    )
}

fn content(form: &Form) -> String {
    let mut rows = String::new();
    for f in &form.fields {
        let label = format!(
            r#"<text:p text:style-name="PLabel">{}</text:p>"#,
            esc(&f.printed_label())
        );
        let (answer, row_style) = match &f.answer {
            Answer::One(opts) | Answer::Several(opts) => {
                let mut a = String::new();
                for o in opts {
                    a.push_str(&format!(
                        r#"<text:p text:style-name="POpt"><loext:content-control loext:checkbox="true" loext:checked="false" loext:checked-state="☒" loext:unchecked-state="☐"><text:span text:style-name="TBox">☐</text:span></loext:content-control><text:s/>{}</text:p>"#,
                        esc(o)
                    ));
                }
                (a, "RChoice")
            }
            Answer::Lines => (
                r#"<text:p text:style-name="Standard"/>"#.to_string(),
                "RLong",
            ),
            Answer::Line | Answer::Email | Answer::Phone => (
                r#"<text:p text:style-name="Standard"/>"#.to_string(),
                "RLine",
            ),
        };
        rows.push_str(&format!(
            r#"<table:table-row table:style-name="{row_style}"><table:table-cell table:style-name="CLabel" office:value-type="string">{label}</table:table-cell><table:table-cell table:style-name="CAnswer" office:value-type="string">{answer}</table:table-cell></table:table-row>"#
        ));
    }
    let subtitle: String = form
        .subtitle
        .iter()
        .map(|l| {
            format!(
                r#"<text:line-break/><text:span text:style-name="TSub">{}</text:span>"#,
                esc(l)
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content {NS}>{styles}<office:body><office:text><table:table table:name="Fiche" table:style-name="Tab"><table:table-column table:style-name="TabA"/><table:table-column table:style-name="TabB"/><table:table-header-rows><table:table-row table:style-name="RHead"><table:table-cell table:style-name="CTitle" table:number-columns-spanned="2" office:value-type="string"><text:h text:style-name="PTitle" text:outline-level="1">{title}{subtitle}</text:h></table:table-cell><table:covered-table-cell/></table:table-row></table:table-header-rows>{rows}</table:table>{legend}<text:p text:style-name="Standard"/></office:text></office:body></office:document-content>"#,
        styles = automatic_styles(),
        title = esc(&form.title),
        legend = super::legend(form)
            .iter()
            .map(|l| format!(r#"<text:p text:style-name="Standard">{}</text:p>"#, esc(l)))
            .collect::<String>(),
    )
}

fn styles(form: &Form) -> String {
    format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles {NS}><office:font-face-decls><style:font-face style:name="Liberation Sans" svg:font-family="'Liberation Sans'" style:font-family-generic="swiss" style:font-pitch="variable"/><style:font-face style:name="DejaVu Sans" svg:font-family="'DejaVu Sans'" style:font-family-generic="swiss" style:font-pitch="variable"/></office:font-face-decls><office:styles><style:default-style style:family="paragraph"><style:text-properties style:font-name="Liberation Sans" fo:font-size="10.5pt" fo:language="fr" fo:country="FR"/></style:default-style><style:style style:name="Standard" style:family="paragraph" style:class="text"/><style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:parent-style-name="Standard" style:default-outline-level="1" style:class="text"><style:text-properties fo:font-weight="bold"/></style:style><style:style style:name="Header" style:family="paragraph" style:parent-style-name="Standard" style:class="extra"><style:paragraph-properties fo:text-align="center"/><style:text-properties fo:color="#595959" fo:font-size="9pt"/></style:style><style:style style:name="Footer" style:family="paragraph" style:parent-style-name="Standard" style:class="extra"><style:paragraph-properties fo:text-align="center"/><style:text-properties fo:color="#595959" fo:font-size="9pt"/></style:style></office:styles><office:automatic-styles><style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" style:print-orientation="portrait" fo:margin-top="1cm" fo:margin-bottom="1cm" fo:margin-left="2cm" fo:margin-right="2cm"/><style:header-style><style:header-footer-properties fo:min-height="0.5cm" fo:margin-bottom="0.4cm"/></style:header-style><style:footer-style><style:header-footer-properties fo:min-height="0.5cm" fo:margin-top="0.4cm"/></style:footer-style></style:page-layout></office:automatic-styles><office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1"><style:header><text:p text:style-name="Header">{header}</text:p></style:header><style:footer><text:p text:style-name="Footer">{deadline} – page <text:page-number text:select-page="current">1</text:page-number> / <text:page-count>1</text:page-count></text:p></style:footer></style:master-page></office:master-styles></office:document-styles>"##,
        header = form
            .header_lines()
            .iter()
            .map(|l| esc(l))
            .collect::<Vec<_>>()
            .join("<text:line-break/>"),
        deadline = esc(&form.deadline),
    )
}

fn meta(form: &Form) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta {NS}><office:meta><dc:title>{}</dc:title><dc:subject>{}</dc:subject><dc:language>fr-FR</dc:language><meta:generator>fiches</meta:generator></office:meta></office:document-meta>"#,
        esc(&form.doc_title()),
        esc(&form.deadline),
    )
}

pub(super) fn write(form: &Form) -> Result<Vec<u8>, TemplateError> {
    zip_parts(
        &[
            ("mimetype", MIMETYPE.as_bytes().to_vec()),
            ("META-INF/manifest.xml", MANIFEST.as_bytes().to_vec()),
            ("content.xml", content(form).into_bytes()),
            ("styles.xml", styles(form).into_bytes()),
            ("meta.xml", meta(form).into_bytes()),
        ],
        true,
        "ODT",
    )
}
