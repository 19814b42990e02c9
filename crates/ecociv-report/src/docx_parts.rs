//! Finishing touches docx-rs has no API for, applied to the package parts it built:
//!
//! - the font table declares SimSun (宋体) and SimHei (黑体) with their Chinese names
//!   (`w:altName`), GB2312 charset and PANOSE numbers, as Word itself writes them: Word and WPS
//!   resolve the faces on any Chinese Windows (either name finds them), a Word without them
//!   picks another GB2312 face, and LibreOffice substitutes a serif or sans CJK face to match
//!   (the English names are the ones fontconfig's rules know; with 宋体 it falls back to sans);
//! - the default run properties declare the East Asian language (zh-CN), which selects CJK
//!   line breaking and punctuation in every word processor;
//! - the first row of every table is marked as a header row (`w:tblHeader`), repeated on each
//!   page a table spans;
//! - every image gets a unique id and its alt text (`descr`), for screen readers;
//! - the core properties carry the title, language and creator;
//! - paragraph ids and image ids, which docx-rs draws from process-wide counters, are renumbered
//!   from 1 in document order, so the same report always gives the same bytes.
//!
//! Each edit targets markup docx-rs writes verbatim; the report's tests read the result back
//! and check every one of them, so a docx-rs change that breaks an edit fails the build.

use docx_rs::XMLDocx;

const FONT_TABLE: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#,
    r#"<w:font w:name="Times New Roman"><w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>"#,
    r#"<w:font w:name="SimSun"><w:altName w:val="宋体"/><w:panose1 w:val="02010600030101010101"/><w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>"#,
    r#"<w:font w:name="SimHei"><w:altName w:val="黑体"/><w:panose1 w:val="02010609060101010101"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>"#,
    r#"<w:font w:name="Arial"><w:panose1 w:val="020B0604020202020204"/><w:charset w:val="00"/><w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font>"#,
    r#"</w:fonts>"#
);

const LANG: &str = r#"<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA" />"#;

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn escape_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Applies the edits. `alts` are the images' alt texts in document order.
pub fn finish(xml: &mut XMLDocx, alts: &[String], title: &str) {
    xml.font_table = FONT_TABLE.as_bytes().to_vec();

    let styles = String::from_utf8_lossy(&xml.styles).into_owned();
    xml.styles = lang_default(&styles).into_bytes();

    let doc = String::from_utf8_lossy(&xml.document).into_owned();
    xml.document = image_alts(&header_rows(&doc), alts).into_bytes();

    let core = String::from_utf8_lossy(&xml.doc_props.core).into_owned();
    let core = core.replacen(
        "<dc:creator>unknown</dc:creator>",
        "<dc:creator>ecociv</dc:creator>",
        1,
    );
    let core = core.replacen(
        "<cp:lastModifiedBy>unknown</cp:lastModifiedBy>",
        "<cp:lastModifiedBy>ecociv</cp:lastModifiedBy>",
        1,
    );
    let core = core.replacen(
        "</cp:coreProperties>",
        &format!(
            "<dc:language>zh-CN</dc:language><dc:title>{}</dc:title></cp:coreProperties>",
            escape_text(title)
        ),
        1,
    );
    xml.doc_props.core = core.into_bytes();
    renumber_ids(xml);
}

/// Replaces the id after every `prefix` with a new one from `next`. With a `map`, the same old
/// id gets the same new one everywhere (references); without, every occurrence gets its own
/// (paragraph ids, which docx-rs does not always keep unique).
fn renumber(
    text: &str,
    prefix: &str,
    is_id: fn(char) -> bool,
    mut map: Option<&mut Vec<(String, String)>>,
    next: &mut dyn FnMut() -> String,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        let start = i + prefix.len();
        out.push_str(&rest[..start]);
        let len = rest[start..]
            .find(|c: char| !is_id(c))
            .unwrap_or(rest.len() - start);
        let old = &rest[start..start + len];
        let new = match map.as_deref_mut() {
            None => next(),
            Some(map) => match map.iter().find(|(o, _)| o == old) {
                Some((_, n)) => n.clone(),
                None => {
                    let n = next();
                    map.push((old.to_owned(), n.clone()));
                    n
                }
            },
        };
        out.push_str(&new);
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

/// Renumbers paragraph ids (`w14:paraId`) across the document and its headers and footers, and
/// image relationship ids (`rIdImage…`) across the document, its relationships and the media.
fn renumber_ids(xml: &mut XMLDocx) {
    let hex = |c: char| c.is_ascii_hexdigit();
    let mut n = 0u32;
    let mut next_para = || {
        n += 1;
        format!("{n:08X}")
    };
    let mut parts: Vec<&mut Vec<u8>> = vec![&mut xml.document];
    parts.extend(xml.headers.iter_mut());
    parts.extend(xml.footers.iter_mut());
    for part in parts {
        let text = String::from_utf8_lossy(part).into_owned();
        *part = renumber(&text, "w14:paraId=\"", hex, None, &mut next_para).into_bytes();
    }

    let digit = |c: char| c.is_ascii_digit();
    let mut image_map = Vec::new();
    let mut k = 0u32;
    let mut next_image = || {
        k += 1;
        k.to_string()
    };
    // Media first, so images are numbered in the order docx-rs collected them.
    for (id, _) in xml.media.iter_mut() {
        *id = renumber(id, "rIdImage", digit, Some(&mut image_map), &mut next_image);
    }
    for part in [&mut xml.document, &mut xml.document_rels] {
        let text = String::from_utf8_lossy(part).into_owned();
        *part = renumber(
            &text,
            "rIdImage",
            digit,
            Some(&mut image_map),
            &mut next_image,
        )
        .into_bytes();
    }
}

/// Adds the language to the default run properties (after the fonts and size docx-rs writes,
/// which is where the schema's sequence puts `w:lang`).
fn lang_default(styles: &str) -> String {
    match styles.find("<w:rPrDefault>") {
        Some(start) => match styles[start..].find("</w:rPr>") {
            Some(end) => {
                let at = start + end;
                format!("{}{LANG}{}", &styles[..at], &styles[at..])
            }
            None => styles.to_owned(),
        },
        None => styles.to_owned(),
    }
}

/// Marks the first row of each table as a header row.
fn header_rows(doc: &str) -> String {
    let mut out = String::with_capacity(doc.len() + 1024);
    let mut rest = doc;
    while let Some(i) = rest.find("<w:tbl>") {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        // The first row's properties: docx-rs writes `<w:trPr>…</w:trPr>` for rows with
        // properties (every row the report writes has cantSplit).
        match (tail.find("<w:trPr>"), tail.find("</w:tr>")) {
            (Some(p), Some(end)) if p < end => {
                let at = p + "<w:trPr>".len();
                out.push_str(&tail[..at]);
                out.push_str("<w:tblHeader />");
                rest = &tail[at..];
            }
            _ => {
                out.push_str("<w:tbl>");
                rest = &tail["<w:tbl>".len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Gives each image a unique id, a name and its alt text.
fn image_alts(doc: &str, alts: &[String]) -> String {
    const DOC_PR: &str = r#"<wp:docPr id="1" name="Figure" />"#;
    let mut out = String::with_capacity(doc.len() + alts.iter().map(String::len).sum::<usize>());
    let mut rest = doc;
    let mut n = 0;
    while let Some(i) = rest.find(DOC_PR) {
        out.push_str(&rest[..i]);
        n += 1;
        let descr = alts.get(n - 1).map(String::as_str).unwrap_or("");
        out.push_str(&format!(
            r#"<wp:docPr id="{n}" name="图{n}" descr="{}" />"#,
            escape_attr(descr)
        ));
        rest = &rest[i + DOC_PR.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_row_of_each_table_becomes_a_header_row() {
        let doc = "<w:tbl><w:tr><w:trPr><w:cantSplit /></w:trPr></w:tr><w:tr><w:trPr><w:cantSplit /></w:trPr></w:tr></w:tbl><w:tbl><w:tr><w:trPr></w:trPr></w:tr></w:tbl>";
        let out = header_rows(doc);
        assert_eq!(out.matches("<w:tblHeader />").count(), 2);
        assert!(out.starts_with("<w:tbl><w:tr><w:trPr><w:tblHeader /><w:cantSplit />"));
    }

    #[test]
    fn ids_are_renumbered_consistently_and_whole() {
        let mut map = Vec::new();
        let mut k = 0;
        let mut next = || {
            k += 1;
            k.to_string()
        };
        let digit = |c: char| c.is_ascii_digit();
        let out = renumber(
            "a rIdImage18 b rIdImage3 c rIdImage18",
            "rIdImage",
            digit,
            Some(&mut map),
            &mut next,
        );
        assert_eq!(out, "a rIdImage1 b rIdImage2 c rIdImage1");
        let out = renumber("p=\"07\" p=\"07\"", "p=\"", digit, None, &mut next);
        assert_eq!(out, "p=\"3\" p=\"4\"", "paragraph ids are made unique");
    }

    #[test]
    fn images_get_unique_ids_and_escaped_alt_text() {
        let d = r#"<wp:docPr id="1" name="Figure" /> x <wp:docPr id="1" name="Figure" />"#;
        let out = image_alts(d, &["a<b".into(), "\"c\"".into()]);
        assert_eq!(
            out,
            r#"<wp:docPr id="1" name="图1" descr="a&lt;b" /> x <wp:docPr id="2" name="图2" descr="&quot;c&quot;" />"#
        );
    }

    #[test]
    fn the_language_goes_into_the_default_run_properties() {
        let s = "<w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val=\"24\" /></w:rPr></w:rPrDefault></w:docDefaults>";
        assert_eq!(
            lang_default(s),
            format!(
                "<w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val=\"24\" />{LANG}</w:rPr></w:rPrDefault></w:docDefaults>"
            )
        );
    }
}
