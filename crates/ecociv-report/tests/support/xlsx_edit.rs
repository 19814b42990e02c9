//! Edits a generated .xlsx at the XML level, the way a person in a spreadsheet program would:
//! typing into cells, inserting rows and columns, merging, renaming sheets. The tests fill the
//! real template this way instead of writing a look-alike workbook.

#![allow(dead_code)]

use std::io::{Cursor, Read, Write};

/// What to put into a cell.
#[derive(Debug, Clone)]
pub enum Value<'a> {
    Number(f64),
    Text(&'a str),
    Bool(bool),
    /// A formula with its cached result.
    Formula(&'a str, f64),
}

pub struct Xlsx {
    files: Vec<(String, Vec<u8>)>,
}

fn split_ref(cell: &str) -> (u32, u32) {
    let letters: String = cell
        .chars()
        .take_while(|c| c.is_ascii_uppercase())
        .collect();
    let row: u32 = cell[letters.len()..].parse().expect("row number");
    let col = letters
        .bytes()
        .fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1));
    (row, col)
}

fn col_letters(mut col: u32) -> String {
    let mut s = Vec::new();
    while col > 0 {
        s.push(b'A' + ((col - 1) % 26) as u8);
        col = (col - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Xlsx {
    pub fn open(bytes: &[u8]) -> Xlsx {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
        let mut files = Vec::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let mut buf = Vec::new();
            f.read_to_end(&mut buf).unwrap();
            files.push((f.name().expect("entry name").to_string(), buf));
        }
        Xlsx { files }
    }

    pub fn save(&self) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in &self.files {
            out.start_file(name.as_str(), opts).unwrap();
            out.write_all(data).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    /// Adds a part (a file inside the .xlsx) that no sheet refers to.
    pub fn add_part(&mut self, path: &str, data: Vec<u8>) {
        self.files.push((path.to_owned(), data));
    }

    fn text(&self, path: &str) -> String {
        let (_, data) = self
            .files
            .iter()
            .find(|(n, _)| n == path)
            .unwrap_or_else(|| panic!("no part {path}"));
        String::from_utf8(data.clone()).unwrap()
    }

    fn put(&mut self, path: &str, text: String) {
        let f = self.files.iter_mut().find(|(n, _)| n == path).unwrap();
        f.1 = text.into_bytes();
    }

    /// The part of a worksheet, by its tab name (rust_xlsxwriter writes sheetN.xml in order).
    fn sheet_path(&self, name: &str) -> String {
        let wb = self.text("xl/workbook.xml");
        let names: Vec<&str> = wb
            .split("<sheet ")
            .skip(1)
            .map(|s| {
                let start = s.find("name=\"").unwrap() + 6;
                &s[start..start + s[start..].find('"').unwrap()]
            })
            .collect();
        let i = names
            .iter()
            .position(|n| *n == name)
            .unwrap_or_else(|| panic!("no sheet {name} in {names:?}"));
        format!("xl/worksheets/sheet{}.xml", i + 1)
    }

    /// Sets a cell, keeping its style.
    pub fn set(&mut self, sheet: &str, cell: &str, value: Value<'_>) {
        let path = self.sheet_path(sheet);
        let mut xml = self.text(&path);
        let style = remove_cell(&mut xml, cell);
        let s = style.map(|s| format!(" s=\"{s}\"")).unwrap_or_default();
        let element = match value {
            Value::Number(v) => format!("<c r=\"{cell}\"{s}><v>{v}</v></c>"),
            Value::Text(t) => format!(
                "<c r=\"{cell}\"{s} t=\"inlineStr\"><is><t>{}</t></is></c>",
                escape(t)
            ),
            Value::Bool(b) => format!("<c r=\"{cell}\"{s} t=\"b\"><v>{}</v></c>", u8::from(b)),
            Value::Formula(f, v) => {
                format!("<c r=\"{cell}\"{s}><f>{}</f><v>{v}</v></c>", escape(f))
            }
        };
        insert_cell(&mut xml, cell, &element);
        self.put(&path, xml);
    }

    /// Gives a cell the built-in percent format (0.00%), as typing 95% in Excel does.
    pub fn percent_format(&mut self, sheet: &str, cell: &str) {
        let mut styles = self.text("xl/styles.xml");
        let start = styles.find("<cellXfs count=\"").unwrap() + 16;
        let end = start + styles[start..].find('"').unwrap();
        let count: usize = styles[start..end].parse().unwrap();
        styles.replace_range(start..end, &(count + 1).to_string());
        let close = styles.find("</cellXfs>").unwrap();
        styles.insert_str(
            close,
            "<xf numFmtId=\"10\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>",
        );
        self.put("xl/styles.xml", styles);
        let path = self.sheet_path(sheet);
        let mut xml = self.text(&path);
        let element = cell_element(&xml, cell).unwrap_or_else(|| format!("<c r=\"{cell}\"/>"));
        remove_cell(&mut xml, cell);
        let element = match element.find(" s=\"") {
            Some(i) => {
                let end = i + 4 + element[i + 4..].find('"').unwrap();
                format!("{} s=\"{count}{}", &element[..i], &element[end..])
            }
            None => element.replacen(
                &format!("<c r=\"{cell}\""),
                &format!("<c r=\"{cell}\" s=\"{count}\""),
                1,
            ),
        };
        insert_cell(&mut xml, cell, &element);
        self.put(&path, xml);
    }

    /// Merges a range, e.g. `A5:B5`.
    pub fn merge(&mut self, sheet: &str, range: &str) {
        let path = self.sheet_path(sheet);
        let mut xml = self.text(&path);
        let at = xml.find("</sheetData>").unwrap() + "</sheetData>".len();
        let insert = if let Some(i) = xml.find("<mergeCells") {
            let close = i + xml[i..].find('>').unwrap() + 1;
            xml.insert_str(close, &format!("<mergeCell ref=\"{range}\"/>"));
            None
        } else {
            Some(format!(
                "<mergeCells count=\"1\"><mergeCell ref=\"{range}\"/></mergeCells>"
            ))
        };
        if let Some(m) = insert {
            // mergeCells follows sheetProtection, which follows sheetData.
            let at = xml[at..]
                .find("<sheetProtection")
                .map(|i| at + i + xml[at + i..].find("/>").unwrap() + 2)
                .unwrap_or(at);
            xml.insert_str(at, &m);
        }
        self.put(&path, xml);
    }

    /// Renames a tab.
    pub fn rename_sheet(&mut self, old: &str, new: &str) {
        let wb = self.text("xl/workbook.xml");
        self.put(
            "xl/workbook.xml",
            wb.replace(&format!("name=\"{old}\""), &format!("name=\"{new}\"")),
        );
    }

    /// Inserts an empty column before `col` (1-based, A = 1), moving every cell at or right of
    /// it one column to the right.
    pub fn insert_column(&mut self, sheet: &str, col: u32) {
        self.shift(sheet, |r, c| if c >= col { (r, c + 1) } else { (r, c) });
    }

    /// Inserts an empty row before `row` (1-based), moving every row at or below it down.
    pub fn insert_row(&mut self, sheet: &str, row: u32) {
        let path = self.sheet_path(sheet);
        let mut xml = self.text(&path);
        // Row elements first (from the bottom so numbers do not collide), then cells.
        let mut out = String::new();
        let mut rest = xml.as_str();
        while let Some(i) = rest.find("<row r=\"") {
            out.push_str(&rest[..i + 8]);
            rest = &rest[i + 8..];
            let end = rest.find('"').unwrap();
            let n: u32 = rest[..end].parse().unwrap();
            out.push_str(&(if n >= row { n + 1 } else { n }).to_string());
            rest = &rest[end..];
        }
        out.push_str(rest);
        xml = out;
        self.put(&path, xml);
        self.shift(sheet, |r, c| if r >= row { (r + 1, c) } else { (r, c) });
    }

    fn shift(&mut self, sheet: &str, f: impl Fn(u32, u32) -> (u32, u32)) {
        let path = self.sheet_path(sheet);
        let xml = self.text(&path);
        let mut out = String::new();
        let mut rest = xml.as_str();
        while let Some(i) = rest.find("<c r=\"") {
            out.push_str(&rest[..i + 6]);
            rest = &rest[i + 6..];
            let end = rest.find('"').unwrap();
            let (r, c) = split_ref(&rest[..end]);
            let (r, c) = f(r, c);
            out.push_str(&format!("{}{r}", col_letters(c)));
            rest = &rest[end..];
        }
        out.push_str(rest);
        self.put(&path, out);
    }
}

/// The whole `<c r="…">` element of a cell, if present.
fn cell_element(xml: &str, cell: &str) -> Option<String> {
    let start = xml.find(&format!("<c r=\"{cell}\""))?;
    let head_end = start + xml[start..].find('>')?;
    let end = if xml[..=head_end].ends_with("/>") {
        head_end + 1
    } else {
        start + xml[start..].find("</c>")? + 4
    };
    Some(xml[start..end].to_owned())
}

/// Removes a cell, returning its style index.
fn remove_cell(xml: &mut String, cell: &str) -> Option<String> {
    let element = cell_element(xml, cell)?;
    let style = element.find(" s=\"").map(|i| {
        let v = &element[i + 4..];
        v[..v.find('"').unwrap()].to_owned()
    });
    *xml = xml.replacen(&element, "", 1);
    style
}

/// Inserts a cell element in its row, creating the row if needed, in column order.
fn insert_cell(xml: &mut String, cell: &str, element: &str) {
    let (row, col) = split_ref(cell);
    let row_tag = format!("<row r=\"{row}\"");
    if let Some(start) = xml.find(&row_tag) {
        let open_end = start + xml[start..].find('>').unwrap();
        if xml[..=open_end].ends_with("/>") {
            let open = xml[start..open_end - 1].to_owned();
            xml.replace_range(start..=open_end, &format!("{open}>{element}</row>"));
            return;
        }
        let close = start + xml[start..].find("</row>").unwrap();
        // Before the first cell with a larger column.
        let mut at = close;
        let mut pos = open_end + 1;
        while let Some(i) = xml[pos..close].find("<c r=\"") {
            let rs = pos + i + 6;
            let re = rs + xml[rs..].find('"').unwrap();
            let (_, c) = split_ref(&xml[rs..re]);
            if c > col {
                at = pos + i;
                break;
            }
            pos = re;
        }
        xml.insert_str(at, element);
        return;
    }
    if xml.contains("<sheetData/>") {
        *xml = xml.replace(
            "<sheetData/>",
            &format!("<sheetData><row r=\"{row}\">{element}</row></sheetData>"),
        );
        return;
    }
    // A new row, before the first row with a larger number.
    let mut at = xml.find("</sheetData>").unwrap();
    let mut pos = 0;
    while let Some(i) = xml[pos..].find("<row r=\"") {
        let rs = pos + i + 8;
        let re = rs + xml[rs..].find('"').unwrap();
        let n: u32 = xml[rs..re].parse().unwrap();
        if n > row {
            at = pos + i;
            break;
        }
        pos = re;
    }
    xml.insert_str(at, &format!("<row r=\"{row}\">{element}</row>"));
}
