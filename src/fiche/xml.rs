//! quick-xml configured for hostile XML parts of OOXML and ODF packages.
//!
//! - Any DOCTYPE is refused: OOXML and ODF never carry one, and refusing it
//!   kills billion-laughs and external-entity attacks outright.
//! - Only the five predefined entities and numeric character references are
//!   resolved; any other entity reference is a `Corrupt` error.
//! - Element nesting deeper than `max_xml_depth` is `TooLarge`, checked as the
//!   start tag is read, so memory stays bounded whatever the input.
//! - Text kept by a reader is charged against `max_text_chars` (`charge`).
//! - Elements are resolved to their namespace (`Ns`), so readers match the
//!   namespace URI rather than whatever prefix a producer chose.
//! - End-of-line sequences in text (`\r\n`, lone `\r`) become `\n`.

use std::borrow::Cow;

use quick_xml::NsReader;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesEnd, BytesStart, Event};
use quick_xml::name::{LocalName, ResolveResult};

use super::limits::Limits;
use super::model::FicheError;

/// The namespaces the readers care about; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ns {
    /// WordprocessingML main (transitional or strict).
    W,
    /// Markup compatibility (`mc:AlternateContent`).
    Mc,
    /// ODF office, text, table, drawing, SVG-compatible.
    Office,
    Text,
    Table,
    Draw,
    Svg,
    /// ODF form controls, and LibreOffice's fieldmarks (Word form fields).
    Form,
    Field,
    /// ODF styles (`style:style`, `style:text-properties`).
    Style,
    /// Bound to a namespace not listed here.
    Other,
    /// No namespace (no prefix and no default namespace), or an unknown prefix.
    None,
}

impl Ns {
    fn from_uri(uri: &str) -> Ns {
        match uri {
            "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
            | "http://purl.oclc.org/ooxml/wordprocessingml/main" => Ns::W,
            "http://schemas.openxmlformats.org/markup-compatibility/2006" => Ns::Mc,
            "urn:oasis:names:tc:opendocument:xmlns:office:1.0" => Ns::Office,
            "urn:oasis:names:tc:opendocument:xmlns:text:1.0" => Ns::Text,
            "urn:oasis:names:tc:opendocument:xmlns:table:1.0" => Ns::Table,
            "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" => Ns::Draw,
            "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" => Ns::Svg,
            "urn:oasis:names:tc:opendocument:xmlns:form:1.0" => Ns::Form,
            "urn:openoffice:names:experimental:ooo-ms-interop:xmlns:field:1.0" => Ns::Field,
            "urn:oasis:names:tc:opendocument:xmlns:style:1.0" => Ns::Style,
            _ => Ns::Other,
        }
    }

    fn from_resolved(r: &ResolveResult<'_>) -> Ns {
        match r {
            ResolveResult::Bound(ns) => Ns::from_uri(ns.as_ref()),
            _ => Ns::None,
        }
    }
}

/// A start (or empty) tag with its resolved namespace.
#[derive(Debug)]
pub struct Tag<'i> {
    pub ns: Ns,
    raw: BytesStart<'i>,
}

impl Tag<'_> {
    /// The local name (without prefix).
    pub fn local(&self) -> &str {
        local_bytes(self.raw.local_name())
    }

    /// True for the element `local` in namespace `ns`.
    pub fn is(&self, ns: Ns, local: &str) -> bool {
        self.ns == ns && self.local() == local
    }

    /// The value of the first attribute whose local name is `local`
    /// (whatever its prefix), with predefined entities and character
    /// references resolved. `None` when absent or malformed.
    pub fn attr(&self, local: &str) -> Option<String> {
        self.raw
            .attributes()
            .with_checks(false)
            .flatten()
            .find_map(|a: Attribute<'_>| {
                if a.key.local_name().as_ref() == local {
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .ok()
                        .map(Cow::into_owned)
                } else {
                    None
                }
            })
    }
}

/// An end tag with its resolved namespace.
#[derive(Debug)]
pub struct EndTag<'i> {
    pub ns: Ns,
    raw: BytesEnd<'i>,
}

impl EndTag<'_> {
    pub fn local(&self) -> &str {
        local_bytes(self.raw.local_name())
    }

    pub fn is(&self, ns: Ns, local: &str) -> bool {
        self.ns == ns && self.local() == local
    }
}

fn local_bytes<'a>(name: LocalName<'a>) -> &'a str {
    name.into_inner()
}

/// What the readers see: tags, text (entities already resolved), end of input.
/// Comments, processing instructions and the XML declaration are dropped.
#[derive(Debug)]
pub enum XmlEvent<'i> {
    Start(Tag<'i>),
    Empty(Tag<'i>),
    End(EndTag<'i>),
    Text(Cow<'i, str>),
    Eof,
}

/// A pull parser over one XML part, with the safety rules of this module.
pub struct XmlReader<'i> {
    reader: NsReader<&'i [u8]>,
    part: String,
    depth: usize,
    max_depth: usize,
    chars: usize,
    max_chars: usize,
}

impl<'i> XmlReader<'i> {
    /// `part` names the XML part in messages (e.g. `word/document.xml`).
    pub fn new(bytes: &'i [u8], part: &str, limits: &Limits) -> XmlReader<'i> {
        let mut reader = NsReader::from_reader(bytes);
        let config = reader.config_mut();
        config.trim_text(false);
        config.expand_empty_elements = false;
        config.check_end_names = true;
        config.allow_unmatched_ends = false;
        XmlReader {
            reader,
            part: part.to_string(),
            depth: 0,
            max_depth: limits.max_xml_depth,
            chars: 0,
            max_chars: limits.max_text_chars,
        }
    }

    pub fn part(&self) -> &str {
        &self.part
    }

    /// Current element depth (1 inside the root element).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Characters charged so far.
    pub fn chars(&self) -> usize {
        self.chars
    }

    /// Counts `text` against `max_text_chars`; `TooLarge` past it.
    pub fn charge(&mut self, text: &str) -> Result<(), FicheError> {
        self.charge_chars(text.chars().count())
    }

    pub fn charge_chars(&mut self, n: usize) -> Result<(), FicheError> {
        self.chars = self.chars.saturating_add(n);
        if self.chars > self.max_chars {
            return Err(FicheError::too_large(format!(
                "{} contient plus de {} caractères de texte",
                self.part, self.max_chars
            )));
        }
        Ok(())
    }

    fn malformed(&self, detail: &str) -> FicheError {
        FicheError::corrupt(format!(
            "XML mal formé dans {} ({detail}, vers l'octet {})",
            self.part,
            self.reader.buffer_position()
        ))
    }

    /// The next event. Errors: `Corrupt` for malformed XML, a DOCTYPE, an
    /// unknown entity; `TooLarge` past `max_xml_depth`.
    pub fn next_event(&mut self) -> Result<XmlEvent<'i>, FicheError> {
        loop {
            let (resolved, event) = match self.reader.read_resolved_event() {
                Ok((r, e)) => (Ns::from_resolved(&r), e),
                Err(e) => return Err(self.malformed(&error_detail(&e))),
            };
            return match event {
                Event::Start(raw) => {
                    self.depth += 1;
                    if self.depth > self.max_depth {
                        return Err(FicheError::too_large(format!(
                            "{} imbrique plus de {} niveaux d'éléments XML",
                            self.part, self.max_depth
                        )));
                    }
                    Ok(XmlEvent::Start(Tag { ns: resolved, raw }))
                }
                Event::Empty(raw) => Ok(XmlEvent::Empty(Tag { ns: resolved, raw })),
                Event::End(raw) => {
                    self.depth = self.depth.saturating_sub(1);
                    Ok(XmlEvent::End(EndTag { ns: resolved, raw }))
                }
                Event::Text(t) => Ok(XmlEvent::Text(t.xml10_content())),
                Event::CData(t) => Ok(XmlEvent::Text(t.xml10_content())),
                Event::GeneralRef(r) => {
                    if r.is_char_ref() {
                        match r.resolve_char_ref() {
                            Ok(Some(c)) => Ok(XmlEvent::Text(Cow::Owned(c.to_string()))),
                            _ => Err(self.malformed("référence de caractère invalide")),
                        }
                    } else {
                        match predefined_entity(&r) {
                            Some(s) => Ok(XmlEvent::Text(Cow::Borrowed(s))),
                            None => Err(FicheError::corrupt(format!(
                                "{} utilise l'entité inconnue « &{}; »",
                                self.part,
                                truncate(&r, 40)
                            ))),
                        }
                    }
                }
                Event::DocType(_) => Err(FicheError::corrupt(format!(
                    "{} déclare une DTD ou des entités (DOCTYPE), refusé par sécurité",
                    self.part
                ))),
                Event::Eof => {
                    if self.depth > 0 {
                        Err(self.malformed("fin du texte avant la fermeture des éléments"))
                    } else {
                        Ok(XmlEvent::Eof)
                    }
                }
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) => continue,
            };
        }
    }

    /// Skips the content of the element whose `Start` was just returned, up
    /// to and including its end tag. The safety rules still apply inside.
    pub fn skip_element(&mut self) -> Result<(), FicheError> {
        let target = self.depth.saturating_sub(1);
        loop {
            match self.next_event()? {
                XmlEvent::End(_) if self.depth == target => return Ok(()),
                XmlEvent::Eof => {
                    return Err(self.malformed("fin du texte avant la fermeture des éléments"));
                }
                _ => {}
            }
        }
    }
}

fn predefined_entity(name: &str) -> Option<&'static str> {
    match name {
        "lt" => Some("<"),
        "gt" => Some(">"),
        "amp" => Some("&"),
        "apos" => Some("'"),
        "quot" => Some("\""),
        _ => None,
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// A short French description of a quick-xml error.
fn error_detail(e: &quick_xml::Error) -> String {
    use quick_xml::Error as E;
    match e {
        E::Syntax(_) => "syntaxe invalide".into(),
        E::IllFormed(_) => "balises mal imbriquées".into(),
        E::InvalidAttr(_) => "attribut invalide".into(),
        E::Encoding(_) => "encodage invalide, UTF-8 attendu".into(),
        E::Escape(_) => "entité ou caractère échappé invalide".into(),
        E::Namespace(_) => "espace de noms invalide".into(),
        E::Io(_) => "lecture impossible".into(),
    }
}

/// Unescapes text that may hold the five predefined entities and numeric
/// character references; any other entity is `Corrupt`.
pub fn unescape(text: &str) -> Result<Cow<'_, str>, FicheError> {
    if !text.contains('&') {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';') else {
            return Err(FicheError::corrupt("« & » isolé dans le texte XML"));
        };
        let name = &after[..semi];
        if let Some(num) = name.strip_prefix('#') {
            let code = match num.strip_prefix('x').or_else(|| num.strip_prefix('X')) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => num.parse::<u32>().ok(),
            };
            match code.and_then(char::from_u32).filter(|&c| c != '\0') {
                Some(c) => out.push(c),
                None => {
                    return Err(FicheError::corrupt(format!(
                        "référence de caractère invalide « &{}; »",
                        truncate(name, 40)
                    )));
                }
            }
        } else if let Some(s) = predefined_entity(name) {
            out.push_str(s);
        } else {
            return Err(FicheError::corrupt(format!(
                "entité inconnue « &{}; » dans le texte XML",
                truncate(name, 40)
            )));
        }
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect_text(xml: &str, limits: &Limits) -> Result<String, FicheError> {
        let mut r = XmlReader::new(xml.as_bytes(), "test.xml", limits);
        let mut out = String::new();
        loop {
            match r.next_event()? {
                XmlEvent::Text(t) => {
                    r.charge(&t)?;
                    out.push_str(&t);
                }
                XmlEvent::Eof => return Ok(out),
                _ => {}
            }
        }
    }

    #[test]
    fn resolves_predefined_and_numeric_entities() {
        let text = collect_text(
            "<?xml version=\"1.0\"?><a>x &lt;&gt;&amp;&apos;&quot; &#233;&#xE9;<![CDATA[<b>]]></a>",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(text, "x <>&'\" éé<b>");
    }

    #[test]
    fn normalises_line_ends() {
        let text = collect_text("<a>1\r\n2\r3</a>", &Limits::default()).unwrap();
        assert_eq!(text, "1\n2\n3");
    }

    #[test]
    fn utf8_bom_is_accepted() {
        let text = collect_text(
            "\u{feff}<?xml version=\"1.0\"?><a>é</a>",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(text, "é");
    }

    #[test]
    fn unknown_entity_is_corrupt() {
        let err = collect_text("<a>&nbsp;</a>", &Limits::default()).unwrap_err();
        assert_eq!(err.code(), "corrupt");
        assert!(err.to_string().contains("&nbsp;"), "{err}");
    }

    #[test]
    fn doctype_is_refused() {
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>";
        let err = collect_text(xml, &Limits::default()).unwrap_err();
        assert_eq!(err.code(), "corrupt");
        assert!(err.to_string().contains("DOCTYPE"), "{err}");
    }

    #[test]
    fn depth_is_bounded() {
        let limits = Limits {
            max_xml_depth: 10,
            ..Limits::default()
        };
        let ok = format!("{}{}", "<a>".repeat(10), "</a>".repeat(10));
        collect_text(&ok, &limits).unwrap();
        let deep = format!("{}{}", "<a>".repeat(11), "</a>".repeat(11));
        let err = collect_text(&deep, &limits).unwrap_err();
        assert_eq!(err.code(), "too_large");
        assert!(err.to_string().contains("10 niveaux"), "{err}");
    }

    #[test]
    fn text_is_bounded() {
        let limits = Limits {
            max_text_chars: 5,
            ..Limits::default()
        };
        collect_text("<a>éééé</a>", &limits).unwrap();
        let err = collect_text("<a>abcdef</a>", &limits).unwrap_err();
        assert_eq!(err.code(), "too_large");
    }

    #[test]
    fn malformed_is_corrupt() {
        for xml in [
            "<a><b></a>",
            "<a>",
            "<a></a></b>",
            "<a x=>",
            "<a>&</a>",
            "<a>&#0;</a>",
        ] {
            let err = collect_text(xml, &Limits::default()).unwrap_err();
            assert_eq!(err.code(), "corrupt", "{xml}: {err}");
        }
        let bad_utf8 = b"<a>\xff\xfe</a>";
        let mut r = XmlReader::new(bad_utf8, "x.xml", &Limits::default());
        let mut saw_error = false;
        for _ in 0..10 {
            match r.next_event() {
                Err(e) => {
                    assert_eq!(e.code(), "corrupt");
                    saw_error = true;
                    break;
                }
                Ok(XmlEvent::Eof) => break,
                Ok(_) => {}
            }
        }
        assert!(saw_error);
    }

    #[test]
    fn namespaces_are_resolved_whatever_the_prefix() {
        let xml = r#"<x:document xmlns:x="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><x:p x:val="a&amp;b"/><p/></x:document>"#;
        let mut r = XmlReader::new(xml.as_bytes(), "d.xml", &Limits::default());
        match r.next_event().unwrap() {
            XmlEvent::Start(t) => assert!(t.is(Ns::W, "document")),
            e => panic!("{e:?}"),
        }
        match r.next_event().unwrap() {
            XmlEvent::Empty(t) => {
                assert!(t.is(Ns::W, "p"));
                assert_eq!(t.attr("val").as_deref(), Some("a&b"));
                assert_eq!(t.attr("nope"), None);
            }
            e => panic!("{e:?}"),
        }
        match r.next_event().unwrap() {
            XmlEvent::Empty(t) => assert_eq!(t.ns, Ns::None),
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn skip_element_skips_to_its_end() {
        let xml = "<r><skip><a><b>no</b></a>no</skip><keep>yes</keep></r>";
        let mut r = XmlReader::new(xml.as_bytes(), "d.xml", &Limits::default());
        let mut text = String::new();
        loop {
            match r.next_event().unwrap() {
                XmlEvent::Start(t) if t.local() == "skip" => r.skip_element().unwrap(),
                XmlEvent::Text(t) => text.push_str(&t),
                XmlEvent::Eof => break,
                _ => {}
            }
        }
        assert_eq!(text, "yes");
    }

    #[test]
    fn unescape_helper() {
        assert_eq!(unescape("a &amp; b &#x263A;").unwrap(), "a & b ☺");
        assert_eq!(unescape("plain").unwrap(), "plain");
        assert_eq!(unescape("&foo;").unwrap_err().code(), "corrupt");
        assert_eq!(unescape("a & b").unwrap_err().code(), "corrupt");
        assert_eq!(unescape("&#xD800;").unwrap_err().code(), "corrupt");
    }
}
