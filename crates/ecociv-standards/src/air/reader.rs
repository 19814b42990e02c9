//! Streaming readers for hourly station files: the documented long CSV format and the layout of
//! the Beijing multi-site files.
//!
//! # The long format
//!
//! ```text
//! station,time,PM2.5 [μg/m³],PM10 [μg/m³],SO2 [μg/m³],NO2 [μg/m³],CO [mg/m³],O3 [μg/m³]
//! 1001A,2015-01-01 00:00,82,101,31,60,1.4,12
//! 1001A,2015-01-01 01:00,NA,97,28,57,1.3,14
//! ```
//!
//! * UTF-8 (a byte-order mark is allowed), comma separated, one header row.
//! * `station`: the station code or name. `time`: the **start** of the averaging hour,
//!   `YYYY-MM-DD HH:MM` (also `T` as separator, seconds `:00`, or just `YYYY-MM-DD HH`); the hours
//!   of a natural day are 00 … 23 and minutes must be zero.
//! * One column per pollutant, any subset and any order: `SO2`, `NO2`, `PM10`, `PM2.5` (or `PM25`),
//!   `CO`, `O3`, each with its unit in brackets or parentheses: `μg/m³`, `µg/m3`, `ug/m3` or
//!   `mg/m³`, `mg/m3`. A pollutant column without a unit is an error, so is any other column.
//! * A missing value is an empty field or `NA`. Values are plain non-negative decimals.
//!
//! # The Beijing layout
//!
//! The exact header of the UCI "Beijing Multi-Site Air-Quality Data" files:
//! `"No","year","month","day","hour","PM2.5","PM10","SO2","NO2","CO","O3","TEMP","PRES","DEWP","RAIN","wd","WSPM","station"`.
//! Units are fixed by the layout: µg/m³ for every pollutant **including CO** (divided by 1000 to
//! mg/m³); `NA` is missing; `hour` 0–23 is read as the start of the hour (the files run 00–23 for
//! each date, so a natural day is one date). The weather columns are ignored.
//!
//! # Reading
//!
//! [`read`] takes any `Read` per file (the caller opens them) and parses them in parallel chunks
//! that end at record boundaries: one thread reads and cuts, `threads` workers split the fields
//! (one quote-aware scalar pass; the csv crate only for records with doubled quotes), parse the
//! numbers and add into per-station, per-day records ([`StationDay`]). Memory is bounded by the number of stations and
//! days kept, never by the size of the files. Every row is validated, including rows outside the
//! years kept; any error stops the run, and the error reported is the first in file order, naming
//! file, row (line) and column.

use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use serde::Serialize;

use super::exact::{DecimalError, parse_decimal};
use super::hj663::{Station, StationDay};
use super::{Pollutant, Unit};
use crate::input::InputError;

/// One input file: a display name for errors and a reader over its bytes.
pub struct Source<'a> {
    pub name: String,
    pub reader: Box<dyn Read + Send + 'a>,
}

impl std::fmt::Debug for Source<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source").field("name", &self.name).finish()
    }
}

/// What to keep and how to work.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Calendar years whose days are kept (inclusive). Rows of other years are validated only.
    pub years: std::ops::RangeInclusive<i32>,
    /// Parsing threads.
    pub threads: usize,
    /// Bytes per chunk handed to a worker.
    pub chunk_bytes: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            years: i32::MIN..=i32::MAX,
            threads: 2,
            chunk_bytes: 1 << 20,
        }
    }
}

/// The file layouts understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LayoutKind {
    #[serde(rename = "long")]
    Long,
    #[serde(rename = "beijing")]
    Beijing,
}

/// What was read from one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    pub name: String,
    pub layout: LayoutKind,
    /// Data rows (the header not counted).
    pub rows: u64,
    /// Pollutant columns and their units as declared.
    pub columns: Vec<(Pollutant, Unit)>,
}

/// Everything read: the stations (sorted by name) and a summary per file.
#[derive(Debug)]
pub struct Dataset {
    pub stations: Vec<Station>,
    pub files: Vec<FileSummary>,
    pub rows: u64,
    pub rows_kept: u64,
}

/// Values no ambient monitor can report, in µg/m³ (CO in mg/m³). Not from a standard: they catch
/// wrong units and corrupt fields. Each is far above any real hourly value (the Beijing files peak
/// at PM 999, O3 1071, CO 10 mg/m³) and above the top of the HJ 633 tables; CO is capped at the top
/// of its 1-hour table, 150 mg/m³ (≈130 ppm), so µg/m³ values put in a mg/m³ column fail.
pub static IMPOSSIBLE_ABOVE: [(Pollutant, u64); 6] = [
    (Pollutant::So2, 10_000),
    (Pollutant::No2, 10_000),
    (Pollutant::Pm10, 20_000),
    (Pollutant::Pm25, 20_000),
    (Pollutant::Co, 150),
    (Pollutant::O3, 5_000),
];

fn impossible_above_units(p: Pollutant) -> u64 {
    let v = IMPOSSIBLE_ABOVE
        .iter()
        .find(|(q, _)| *q == p)
        .map(|(_, v)| *v)
        .expect("every pollutant has a cap");
    v * p.unit().units()
}

const BEIJING_HEADER: [&str; 18] = [
    "No", "year", "month", "day", "hour", "PM2.5", "PM10", "SO2", "NO2", "CO", "O3", "TEMP",
    "PRES", "DEWP", "RAIN", "wd", "WSPM", "station",
];

#[derive(Debug, Clone)]
enum TimeCols {
    Single(usize),
    Parts {
        year: usize,
        month: usize,
        day: usize,
        hour: usize,
    },
}

/// How to read the rows of one file.
#[derive(Debug, Clone)]
struct Layout {
    kind: LayoutKind,
    n_fields: usize,
    station: usize,
    time: TimeCols,
    /// (column, pollutant, internal units per file unit, decimal digits of that factor)
    pollutants: Vec<(usize, Pollutant, Unit)>,
    /// [`IMPOSSIBLE_ABOVE`] in internal units, by pollutant index (looked up once, not per value).
    caps: [u64; 6],
    headers: Vec<String>,
}

fn all_caps() -> [u64; 6] {
    Pollutant::ALL.map(impossible_above_units)
}

fn header_error(file: &str, column: Option<&str>, message: impl Into<String>) -> InputError {
    InputError::new(file, Some(1), column, message)
}

/// Split `NAME [unit]`, `NAME (unit)`, `NAME(unit)` into name and unit text.
fn split_unit(h: &str) -> (&str, Option<&str>) {
    for (open, close) in [('[', ']'), ('(', ')'), ('（', '）')] {
        if let Some(start) = h.find(open)
            && h.trim_end().ends_with(close)
        {
            let inner = &h[start + open.len_utf8()..h.trim_end().len() - close.len_utf8()];
            return (h[..start].trim(), Some(inner.trim()));
        }
    }
    (h.trim(), None)
}

fn detect_layout(file: &str, headers: &[String]) -> Result<Layout, InputError> {
    if headers.len() == BEIJING_HEADER.len()
        && headers.iter().zip(BEIJING_HEADER).all(|(h, b)| h == b)
    {
        return Ok(Layout {
            kind: LayoutKind::Beijing,
            n_fields: headers.len(),
            station: 17,
            time: TimeCols::Parts {
                year: 1,
                month: 2,
                day: 3,
                hour: 4,
            },
            // The Beijing files give CO in µg/m³ (see their README): 1000 × the mg/m³ of HJ 633.
            pollutants: vec![
                (5, Pollutant::Pm25, Unit::UgM3),
                (6, Pollutant::Pm10, Unit::UgM3),
                (7, Pollutant::So2, Unit::UgM3),
                (8, Pollutant::No2, Unit::UgM3),
                (9, Pollutant::Co, Unit::UgM3),
                (10, Pollutant::O3, Unit::UgM3),
            ],
            caps: all_caps(),
            headers: headers.to_vec(),
        });
    }
    let looks_beijing = ["year", "month", "day", "hour"]
        .iter()
        .all(|c| headers.iter().any(|h| h == c));
    if looks_beijing {
        return Err(header_error(
            file,
            None,
            "表头近似北京多站点数据格式但列不完全一致；北京格式须与原文件表头完全相同（No,year,month,day,hour,PM2.5,PM10,SO2,NO2,CO,O3,TEMP,PRES,DEWP,RAIN,wd,WSPM,station）",
        ));
    }
    let mut station = None;
    let mut time = None;
    let mut pollutants: Vec<(usize, Pollutant, Unit)> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let lower = h.trim().to_ascii_lowercase();
        match lower.as_str() {
            "station" => {
                if station.replace(i).is_some() {
                    return Err(header_error(file, Some(h), "列“station”重复"));
                }
                continue;
            }
            "time" | "timestamp" | "datetime" => {
                if time.replace(i).is_some() {
                    return Err(header_error(file, Some(h), "时间列重复"));
                }
                continue;
            }
            _ => {}
        }
        let (name, unit) = split_unit(h);
        let Some(p) = Pollutant::from_code(name) else {
            return Err(header_error(
                file,
                Some(h),
                "未知列；允许的列：station, time, SO2, NO2, PM10, PM2.5, CO, O3（污染物列须带单位，如 PM2.5 [μg/m³]、CO [mg/m³]）",
            ));
        };
        let Some(unit_text) = unit else {
            return Err(header_error(
                file,
                Some(h),
                format!("污染物列缺少单位；请写成 {name} [μg/m³] 或 {name} [mg/m³]"),
            ));
        };
        let Some(unit) = Unit::parse(unit_text) else {
            return Err(header_error(
                file,
                Some(h),
                format!("无法识别的单位“{unit_text}”；允许 μg/m³（ug/m3）或 mg/m³（mg/m3）"),
            ));
        };
        if pollutants.iter().any(|(_, q, _)| *q == p) {
            return Err(header_error(
                file,
                Some(h),
                format!("污染物 {} 的列重复", p.code()),
            ));
        }
        pollutants.push((i, p, unit));
    }
    let station = station.ok_or_else(|| header_error(file, None, "缺少列“station”"))?;
    let time = time.ok_or_else(|| header_error(file, None, "缺少时间列“time”"))?;
    if pollutants.is_empty() {
        return Err(header_error(
            file,
            None,
            "没有污染物列（SO2, NO2, PM10, PM2.5, CO, O3）",
        ));
    }
    Ok(Layout {
        kind: LayoutKind::Long,
        n_fields: headers.len(),
        station,
        time: TimeCols::Single(time),
        pollutants,
        caps: all_caps(),
        headers: headers.to_vec(),
    })
}

/// Days before each month in a common year.
const CUM_DAYS: [u16; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Zero-based day of the year, if the date exists.
fn ordinal0(y: i32, m: u32, d: u32) -> Option<u16> {
    if !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let days_in = match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if d > days_in {
        return None;
    }
    let leap_add = u16::from(m > 2 && is_leap(y));
    Some(CUM_DAYS[m as usize - 1] + leap_add + d as u16 - 1)
}

fn parse_uint(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Parse `YYYY-MM-DD HH:MM[:SS]`, `YYYY-MM-DDTHH:MM[:SS]` or `YYYY-MM-DD HH` into
/// (year, day of year, hour).
fn parse_time(b: &[u8]) -> Result<(i32, u16, u8), &'static str> {
    const MSG: &str = "时间格式应为 YYYY-MM-DD HH:MM（整点，表示该小时的开始）";
    if b.len() < 13 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b' ' || b[10] == b'T') {
        return Err(MSG);
    }
    let y = parse_uint(&b[0..4]).ok_or(MSG)? as i32;
    let m = parse_uint(&b[5..7]).ok_or(MSG)?;
    let d = parse_uint(&b[8..10]).ok_or(MSG)?;
    let h = parse_uint(&b[11..13]).ok_or(MSG)?;
    let rest = &b[13..];
    let zero_minutes = match rest {
        [] => true,
        [b':', m1, m2] | [b':', m1, m2, b':', b'0', b'0'] => {
            if !(m1.is_ascii_digit() && m2.is_ascii_digit()) {
                return Err(MSG);
            }
            *m1 == b'0' && *m2 == b'0'
        }
        [b':', m1, m2, b':', s1, s2] => {
            if ![*m1, *m2, *s1, *s2].iter().all(u8::is_ascii_digit) {
                return Err(MSG);
            }
            false
        }
        _ => return Err(MSG),
    };
    if !zero_minutes {
        return Err("时间须为整点（分、秒为 00）");
    }
    if h > 23 {
        return Err("小时应为 00–23（该小时的开始时刻）");
    }
    let o = ordinal0(y, m, d).ok_or("日期不存在")?;
    Ok((y, o, h as u8))
}

fn is_missing(b: &[u8]) -> bool {
    b.is_empty() || b == b"NA"
}

/// A row parsed and ready to be added.
#[derive(Debug, Clone, Copy)]
struct Row {
    year: i32,
    ordinal0: u16,
    hour: u8,
    /// Bit `i` set: `values[i]` is present (pollutants in [`Pollutant::ALL`] order).
    present: u8,
    values: [u64; 6],
    line: u64,
}

/// A chunk of whole records of one file.
struct Chunk {
    source: usize,
    first_line: u64,
    bytes: Vec<u8>,
    layout: Arc<Layout>,
}

/// A located error, ordered by position in the input.
#[derive(Debug)]
struct Located {
    source: usize,
    line: u64,
    error: InputError,
}

/// Stations by the bytes of their name, each behind its own lock.
type StationMap = HashMap<Box<[u8]>, Arc<Mutex<Station>>>;

struct Shared<'n> {
    names: &'n [String],
    stations: Mutex<StationMap>,
    errors: Mutex<Vec<Located>>,
    cancel: AtomicBool,
    rows: Vec<AtomicU64>,
    rows_kept: AtomicU64,
    years: std::ops::RangeInclusive<i32>,
}

impl Shared<'_> {
    fn fail(&self, source: usize, line: u64, column: Option<&str>, message: impl Into<String>) {
        let error = InputError::new(self.names[source].clone(), Some(line), column, message);
        self.errors.lock().expect("errors lock").push(Located {
            source,
            line,
            error,
        });
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// Read and validate every file, keeping the days of `opts.years`.
pub fn read(
    sources: Vec<Source<'_>>,
    opts: &ReadOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Dataset, InputError> {
    let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    let shared = Shared {
        names: &names,
        stations: Mutex::new(HashMap::new()),
        errors: Mutex::new(Vec::new()),
        cancel: AtomicBool::new(false),
        rows: names.iter().map(|_| AtomicU64::new(0)).collect(),
        rows_kept: AtomicU64::new(0),
        years: opts.years.clone(),
    };
    let threads = opts.threads.max(1);
    let chunk_bytes = opts.chunk_bytes.max(4096);
    let mut layouts: Vec<Option<Arc<Layout>>> = vec![None; names.len()];

    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Chunk>(threads * 2);
        let rx = Arc::new(Mutex::new(rx));
        let (recycle_tx, recycle_rx) = mpsc::channel::<Vec<u8>>();
        let mut workers = Vec::with_capacity(threads);
        for _ in 0..threads {
            let rx = Arc::clone(&rx);
            let shared = &shared;
            let recycle_tx = recycle_tx.clone();
            workers.push(scope.spawn(move || worker(shared, &rx, &recycle_tx)));
        }
        drop(recycle_tx);
        for (i, source) in sources.into_iter().enumerate() {
            if shared.cancel.load(Ordering::Relaxed) {
                break;
            }
            match produce(i, source, chunk_bytes, &tx, &recycle_rx, &shared, progress) {
                Ok(layout) => layouts[i] = Some(layout),
                Err(e) => {
                    // Header and IO errors have a line of their own; keep them ordered with the rest.
                    let line = e.location.row.unwrap_or(0);
                    shared.errors.lock().expect("errors lock").push(Located {
                        source: i,
                        line,
                        error: e,
                    });
                    shared.cancel.store(true, Ordering::Relaxed);
                    break;
                }
            }
        }
        drop(tx);
        for w in workers {
            w.join().expect("reader worker");
        }
    });

    let mut errors = shared.errors.into_inner().expect("errors lock");
    if !errors.is_empty() {
        errors.sort_by_key(|e| (e.source, e.line));
        return Err(errors.swap_remove(0).error);
    }
    let mut stations: Vec<Station> = shared
        .stations
        .into_inner()
        .expect("stations lock")
        .into_values()
        .map(|s| {
            Arc::try_unwrap(s)
                .expect("workers are done")
                .into_inner()
                .expect("station lock")
        })
        .collect();
    stations.sort_by(|a, b| a.name.cmp(&b.name));
    let files = names
        .iter()
        .zip(&layouts)
        .zip(&shared.rows)
        .map(|((name, layout), rows)| {
            let layout = layout.as_ref().expect("every file was read");
            FileSummary {
                name: name.clone(),
                layout: layout.kind,
                rows: rows.load(Ordering::Relaxed),
                columns: layout.pollutants.iter().map(|(_, p, u)| (*p, *u)).collect(),
            }
        })
        .collect::<Vec<_>>();
    let rows = files.iter().map(|f| f.rows).sum();
    Ok(Dataset {
        stations,
        files,
        rows,
        rows_kept: shared.rows_kept.load(Ordering::Relaxed),
    })
}

/// Read one source: the header here, then whole-record chunks to the workers.
fn produce(
    index: usize,
    mut source: Source<'_>,
    chunk_bytes: usize,
    tx: &mpsc::SyncSender<Chunk>,
    recycle: &mpsc::Receiver<Vec<u8>>,
    shared: &Shared<'_>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Arc<Layout>, InputError> {
    let name = source.name.clone();
    let io_err = |e: std::io::Error| InputError::new(&name, None, None, format!("读取失败：{e}"));
    let mut buf: Vec<u8> = Vec::with_capacity(chunk_bytes);
    let mut eof = false;
    // Header: up to the first newline outside quotes.
    let header_end = loop {
        if let Some(end) = first_boundary(&buf) {
            break Some(end);
        }
        if eof {
            break None;
        }
        eof = fill(&mut source.reader, &mut buf, chunk_bytes, progress).map_err(io_err)?;
    };
    let header_bytes = match header_end {
        Some(end) => &buf[..=end],
        None => &buf[..],
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(header_bytes);
    let mut rec = csv::StringRecord::new();
    let got = rdr
        .read_record(&mut rec)
        .map_err(|e| InputError::new(&name, Some(1), None, format!("表头无法解析：{e}")))?;
    if !got {
        return Err(InputError::new(&name, Some(1), None, "文件为空，缺少表头"));
    }
    let mut headers: Vec<String> = rec.iter().map(str::to_owned).collect();
    if let Some(first) = headers.first_mut()
        && let Some(stripped) = first.strip_prefix('\u{feff}')
    {
        *first = stripped.to_owned();
    }
    let layout = Arc::new(detect_layout(&name, &headers)?);
    let header_lines = header_bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    let consumed = header_end.map_or(buf.len(), |e| e + 1);
    buf.drain(..consumed);
    let mut next_line = 1 + header_lines.max(1);

    loop {
        if shared.cancel.load(Ordering::Relaxed) {
            return Ok(layout);
        }
        while !eof && buf.len() < chunk_bytes {
            eof = fill(&mut source.reader, &mut buf, chunk_bytes, progress).map_err(io_err)?;
        }
        let cut = if eof {
            if buf.is_empty() {
                return Ok(layout);
            }
            buf.len()
        } else {
            match last_boundary(&buf) {
                Some(end) => end + 1,
                None => {
                    // One record longer than a chunk: read on until it ends.
                    eof = fill(&mut source.reader, &mut buf, chunk_bytes, progress)
                        .map_err(io_err)?;
                    continue;
                }
            }
        };
        let mut next = recycle.try_recv().unwrap_or_default();
        next.clear();
        next.extend_from_slice(&buf[cut..]);
        buf.truncate(cut);
        let lines = memchr::memchr_iter(b'\n', &buf).count() as u64;
        let chunk = Chunk {
            source: index,
            first_line: next_line,
            bytes: std::mem::replace(&mut buf, next),
            layout: Arc::clone(&layout),
        };
        next_line += lines;
        if tx.send(chunk).is_err() {
            return Ok(layout);
        }
    }
}

/// Append up to about `chunk_bytes` more bytes; returns whether the reader is exhausted.
fn fill(
    r: &mut (dyn Read + Send + '_),
    buf: &mut Vec<u8>,
    chunk_bytes: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> std::io::Result<bool> {
    // `take(..).read_to_end` reads into the spare capacity without zeroing it first.
    let want = chunk_bytes.max(64 * 1024) as u64;
    let n = r.take(want).read_to_end(buf)?;
    progress(n as u64);
    Ok(n == 0)
}

/// The first newline outside quotes.
fn first_boundary(buf: &[u8]) -> Option<usize> {
    let mut in_quotes = false;
    for (i, &b) in buf.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => return Some(i),
            _ => {}
        }
    }
    None
}

/// The last newline outside quotes, for a buffer that starts outside quotes. A doubled quote
/// inside a quoted field toggles the state twice, so counting quotes is exact for RFC 4180 CSV.
fn last_boundary(buf: &[u8]) -> Option<usize> {
    if memchr::memchr(b'"', buf).is_none() {
        return memchr::memrchr(b'\n', buf);
    }
    let quotes = memchr::memchr_iter(b'"', buf).count();
    let mut in_quotes = quotes % 2 == 1;
    for i in (0..buf.len()).rev() {
        match buf[i] {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => return Some(i),
            _ => {}
        }
    }
    None
}

fn worker(shared: &Shared<'_>, rx: &Mutex<mpsc::Receiver<Chunk>>, recycle: &mpsc::Sender<Vec<u8>>) {
    let mut cache: StationMap = HashMap::new();
    let mut run: Vec<Row> = Vec::with_capacity(4096);
    loop {
        let chunk = {
            let guard = rx.lock().expect("receiver lock");
            guard.recv()
        };
        let Ok(chunk) = chunk else { return };
        if shared.cancel.load(Ordering::Relaxed) {
            continue;
        }
        parse_chunk(shared, &chunk, &mut cache, &mut run);
        let _ = recycle.send(chunk.bytes);
    }
}

fn station_handle(shared: &Shared<'_>, cache: &mut StationMap, key: &[u8]) -> Arc<Mutex<Station>> {
    if let Some(s) = cache.get(key) {
        return Arc::clone(s);
    }
    let mut global = shared.stations.lock().expect("stations lock");
    let s = global
        .entry(key.into())
        .or_insert_with(|| {
            Arc::new(Mutex::new(Station::new(
                String::from_utf8_lossy(key).into_owned(),
            )))
        })
        .clone();
    cache.insert(key.into(), Arc::clone(&s));
    s
}

/// Add a run of rows of one station under one lock.
fn flush(
    shared: &Shared<'_>,
    source: usize,
    layout: &Layout,
    station: &Mutex<Station>,
    run: &mut Vec<Row>,
) -> bool {
    if run.is_empty() {
        return true;
    }
    let mut st = station.lock().expect("station lock");
    for row in run.iter() {
        let day: &mut StationDay = st.day_mut_at(row.year, row.ordinal0);
        for (pi, v) in row.values.iter().enumerate() {
            if row.present & (1 << pi) == 0 {
                continue;
            }
            let p = Pollutant::ALL[pi];
            if day.add(p, row.hour, *v).is_err() {
                let col = layout
                    .pollutants
                    .iter()
                    .find(|(_, q, _)| *q == p)
                    .map(|(c, _, _)| layout.headers[*c].clone());
                drop(st);
                shared.fail(
                    source,
                    row.line,
                    col.as_deref(),
                    format!("同一站点同一小时的 {} 数据重复出现", p.code()),
                );
                run.clear();
                return false;
            }
        }
    }
    run.clear();
    true
}

/// The fields of one record: byte ranges into a line.
struct Fields<'a> {
    bytes: &'a [u8],
    ranges: &'a [(usize, usize)],
}

impl<'a> Fields<'a> {
    fn get(&self, i: usize) -> &'a [u8] {
        let (a, b) = self.ranges[i];
        &self.bytes[a..b]
    }

    fn len(&self) -> usize {
        self.ranges.len()
    }
}

/// What a worker keeps while it goes through one chunk.
struct ChunkState<'s, 'n> {
    shared: &'s Shared<'n>,
    layout: &'s Layout,
    src: usize,
    cache: &'s mut StationMap,
    run: &'s mut Vec<Row>,
    current: Option<(Vec<u8>, Arc<Mutex<Station>>)>,
    rows: u64,
    kept: u64,
}

impl ChunkState<'_, '_> {
    /// Validate one record and queue it for its station; false stops the chunk (an error).
    fn row(&mut self, f: &Fields<'_>, line: u64) -> bool {
        let shared = self.shared;
        let layout = self.layout;
        let src = self.src;
        self.rows += 1;
        if f.len() != layout.n_fields {
            shared.fail(
                src,
                line,
                None,
                format!("该行有 {} 个字段，表头有 {} 列", f.len(), layout.n_fields),
            );
            return false;
        }
        let station = f.get(layout.station);
        if station.is_empty() || is_missing(station) {
            shared.fail(src, line, Some(&layout.headers[layout.station]), "站点为空");
            return false;
        }
        let (year, ord, hour) = match &layout.time {
            TimeCols::Single(c) => match parse_time(f.get(*c)) {
                Ok(t) => t,
                Err(msg) => {
                    shared.fail(src, line, Some(&layout.headers[*c]), msg);
                    return false;
                }
            },
            TimeCols::Parts {
                year,
                month,
                day,
                hour,
            } => {
                let mut parts = [0u32; 4];
                for (slot, &c) in parts.iter_mut().zip([year, month, day, hour].iter()) {
                    match parse_uint(f.get(*c)) {
                        Some(v) => *slot = v,
                        None => {
                            shared.fail(src, line, Some(&layout.headers[*c]), "应为非负整数");
                            return false;
                        }
                    }
                }
                let Some(o) = ordinal0(parts[0] as i32, parts[1], parts[2]) else {
                    shared.fail(src, line, Some(&layout.headers[*day]), "日期不存在");
                    return false;
                };
                if parts[3] > 23 {
                    shared.fail(src, line, Some(&layout.headers[*hour]), "小时应为 0–23");
                    return false;
                }
                (parts[0] as i32, o, parts[3] as u8)
            }
        };
        let mut values = [0u64; 6];
        let mut present = 0u8;
        for &(c, p, unit) in &layout.pollutants {
            let field = f.get(c);
            if is_missing(field) {
                continue;
            }
            let units = match parse_decimal(field, unit.digits()) {
                Ok(v) => v,
                Err(e) => {
                    let msg = match e {
                        DecimalError::Negative => "浓度不能为负".to_string(),
                        DecimalError::TooLarge => "数值过大".to_string(),
                        DecimalError::Empty | DecimalError::NotANumber => format!(
                            "“{}”不是数值；缺测请留空或写 NA",
                            String::from_utf8_lossy(field)
                        ),
                    };
                    shared.fail(src, line, Some(&layout.headers[c]), msg);
                    return false;
                }
            };
            // `unit.digits()` decimals of the file's unit are exactly the internal unit:
            // 10⁻⁴ µg/m³ = 10⁻⁷ mg/m³.
            let internal = units;
            let cap = layout.caps[p.index()];
            if internal > cap {
                let shown = String::from_utf8_lossy(field);
                let (cap_v, cap_u) = IMPOSSIBLE_ABOVE
                    .iter()
                    .find(|(q, _)| *q == p)
                    .map(|(_, v)| (*v, p.unit().symbol()))
                    .expect("cap");
                shared.fail(
                    src,
                    line,
                    Some(&layout.headers[c]),
                    format!(
                        "{} 浓度 {shown} {} 不可能（上限 {cap_v} {cap_u}）；请检查单位",
                        p.code(),
                        unit.symbol()
                    ),
                );
                return false;
            }
            values[p.index()] = internal;
            present |= 1 << p.index();
        }
        let in_range = shared.years.contains(&year);
        if !in_range {
            return true;
        }
        self.kept += 1;
        let same = self
            .current
            .as_ref()
            .is_some_and(|(name, _)| name.as_slice() == station);
        if !same {
            if let Some((_, st)) = &self.current
                && !flush(shared, src, layout, st, self.run)
            {
                return false;
            }
            self.current = Some((
                station.to_vec(),
                station_handle(shared, self.cache, station),
            ));
        }
        self.run.push(Row {
            year,
            ordinal0: ord,
            hour,
            present,
            values,
            line,
        });
        true
    }

    fn finish(self) {
        if let Some((_, st)) = &self.current
            && !flush(self.shared, self.src, self.layout, st, self.run)
        {
            return;
        }
        self.shared.rows[self.src].fetch_add(self.rows, Ordering::Relaxed);
        self.shared
            .rows_kept
            .fetch_add(self.kept, Ordering::Relaxed);
    }
}

/// Record the field `bytes[a..e]`: plain, or wholly quoted with no quote inside (quotes
/// dropped); anything else marks the record for the csv crate.
#[inline(always)]
fn push_field(
    bytes: &[u8],
    a: usize,
    e: usize,
    ranges: &mut Vec<(usize, usize)>,
    complex: &mut bool,
) {
    // A quote inside a quoted field already marked the record complex in the splitter (it
    // reopens quotes away from the field start), so only the closing quote is checked here.
    if a < e && bytes[a] == b'"' {
        if e - a >= 2 && bytes[e - 1] == b'"' {
            ranges.push((a + 1, e - 1));
        } else {
            *complex = true;
            ranges.push((a, e));
        }
    } else {
        ranges.push((a, e));
    }
}

/// Parse one record with the csv crate (doubled quotes and other rare forms).
fn parse_record_slowly(
    record: &[u8],
    out: &mut csv::ByteRecord,
    ranges: &mut Vec<(usize, usize)>,
) -> Result<(), String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(record);
    match rdr.read_byte_record(out) {
        Ok(true) => {
            ranges.clear();
            ranges
                .extend((0..out.len()).map(|i| out.range(i).map_or((0, 0), |r| (r.start, r.end))));
            Ok(())
        }
        Ok(false) => Err("空记录".into()),
        Err(e) => Err(format!("CSV 格式错误：{e}")),
    }
}

/// Split `bytes` (whole records) into records and fields, calling `on_record` with each record's
/// fields and first line; `on_record` returns false to stop. Errors carry their line.
/// The bytes the splitter stops at.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b',' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'"' as usize] = true;
    t
};

fn split_records(
    bytes: &[u8],
    first_line: u64,
    mut on_record: impl FnMut(&Fields<'_>, u64) -> bool,
) -> Result<(), (u64, String)> {
    let mut ranges: Vec<(usize, usize)> = Vec::with_capacity(32);
    // One scalar pass over the chunk. Fields are short (2–16 bytes), where a plain loop beats
    // both a memchr call per field and the general CSV state machine. A field entirely in quotes
    // with no quote inside (`"NNW"`) is taken without its quotes; a record with any other use of
    // quotes (doubled quotes, text after a closing quote) is handed whole to the csv crate. A
    // newline inside quotes does not end a record. Empty lines are skipped, as the csv crate
    // does, and lines are counted here for error messages.
    let n = bytes.len();
    let mut line = first_line;
    let mut rec_line = line;
    let mut rec_start = 0usize;
    let mut field_start = 0usize;
    let mut complex = false;
    let mut slow = csv::ByteRecord::new();
    let mut slow_ranges: Vec<(usize, usize)> = Vec::new();
    let mut i = 0usize;
    loop {
        // Ordinary bytes and commas stay in this tight loop; newlines and quotes leave it.
        while i < n {
            let c = bytes[i];
            if SPECIAL[usize::from(c)] {
                if c != b',' {
                    break;
                }
                push_field(bytes, field_start, i, &mut ranges, &mut complex);
                field_start = i + 1;
            }
            i += 1;
        }
        let at_end = i == n;
        let b = if at_end { b'\n' } else { bytes[i] };
        match b {
            b'"' => {
                if i != field_start {
                    complex = true;
                }
                // Jump to the closing quote, counting the newlines inside.
                let mut j = i + 1;
                while j < n && bytes[j] != b'"' {
                    if bytes[j] == b'\n' {
                        line += 1;
                    }
                    j += 1;
                }
                if j == n {
                    return Err((rec_line, "引号未闭合".to_string()));
                }
                i = j;
            }
            b'\n' => {
                let mut stop = i;
                if stop > field_start && bytes[stop - 1] == b'\r' {
                    stop -= 1;
                }
                let empty_line = ranges.is_empty() && stop == field_start;
                if !empty_line {
                    push_field(bytes, field_start, stop, &mut ranges, &mut complex);
                    let ok = if complex {
                        match parse_record_slowly(
                            &bytes[rec_start..stop],
                            &mut slow,
                            &mut slow_ranges,
                        ) {
                            Ok(()) => on_record(
                                &Fields {
                                    bytes: slow.as_slice(),
                                    ranges: &slow_ranges,
                                },
                                rec_line,
                            ),
                            Err(msg) => return Err((rec_line, msg)),
                        }
                    } else {
                        on_record(
                            &Fields {
                                bytes,
                                ranges: &ranges,
                            },
                            rec_line,
                        )
                    };
                    if !ok {
                        return Ok(());
                    }
                }
                if at_end {
                    break;
                }
                ranges.clear();
                complex = false;
                line += 1;
                rec_line = line;
                rec_start = i + 1;
                field_start = i + 1;
                if rec_start == n {
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

fn parse_chunk(shared: &Shared<'_>, chunk: &Chunk, cache: &mut StationMap, run: &mut Vec<Row>) {
    let layout = &*chunk.layout;
    run.clear();
    let mut state = ChunkState {
        shared,
        layout,
        src: chunk.source,
        cache,
        run,
        current: None,
        rows: 0,
        kept: 0,
    };
    if let Err((line, msg)) =
        split_records(&chunk.bytes, chunk.first_line, |f, line| state.row(f, line))
    {
        shared.fail(chunk.source, line, None, msg);
        return;
    }
    state.finish();
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn read_str(
        files: &[(&str, &str)],
        threads: usize,
        chunk: usize,
    ) -> Result<Dataset, InputError> {
        let sources = files
            .iter()
            .map(|(n, c)| Source {
                name: n.to_string(),
                reader: Box::new(std::io::Cursor::new(c.as_bytes().to_vec())),
            })
            .collect();
        read(
            sources,
            &ReadOptions {
                years: i32::MIN..=i32::MAX,
                threads,
                chunk_bytes: chunk,
            },
            &|_| {},
        )
    }

    const HEADER: &str = "station,time,PM2.5 [μg/m³],CO (mg/m3),O3[ug/m3]\n";

    #[test]
    fn long_format_reads_units_and_values() {
        let csv = format!(
            "{HEADER}A,2015-01-01 00:00,82,1.4,12\nA,2015-01-01T01:00:00,NA,,14\nB,2015-01-02 23,0.2856,0.0000001,0\n"
        );
        let ds = read_str(&[("a.csv", &csv)], 2, 4096).unwrap();
        assert_eq!(ds.rows, 3);
        assert_eq!(ds.stations.len(), 2);
        let a = &ds.stations[0];
        let d = chrono::NaiveDate::from_ymd_opt(2015, 1, 1).unwrap();
        let day = a.day(d).unwrap();
        assert_eq!(day.hours(Pollutant::Pm25), 1);
        assert_eq!(day.hours(Pollutant::O3), 2);
        assert_eq!(day.hours(Pollutant::Co), 1);
        assert_eq!(
            ds.files[0].columns,
            vec![
                (Pollutant::Pm25, Unit::UgM3),
                (Pollutant::Co, Unit::MgM3),
                (Pollutant::O3, Unit::UgM3)
            ]
        );
    }

    fn err(files: &[(&str, &str)]) -> InputError {
        read_str(files, 2, 4096).expect_err("should fail")
    }

    #[test]
    fn a_pollutant_column_without_unit_is_an_error_naming_the_column() {
        let e = err(&[("x.csv", "station,time,PM2.5\nA,2015-01-01 00:00,3\n")]);
        assert_eq!(e.location.file, "x.csv");
        assert_eq!(e.location.row, Some(1));
        assert_eq!(e.location.column.as_deref(), Some("PM2.5"));
        assert!(e.message.contains("缺少单位"), "{}", e.message);
    }

    #[test]
    fn unknown_columns_and_units_are_errors() {
        let e = err(&[("x.csv", "station,time,PM2.5 [ug/m3],TEMP\n")]);
        assert_eq!(e.location.column.as_deref(), Some("TEMP"));
        let e = err(&[("x.csv", "station,time,PM2.5 [ppm]\n")]);
        assert!(e.message.contains("单位"), "{}", e.message);
        let e = err(&[("x.csv", "time,PM2.5 [ug/m3]\n")]);
        assert!(e.message.contains("station"));
        let e = err(&[("x.csv", "")]);
        assert!(e.message.contains("为空"));
        let e = err(&[("x.csv", "No,year,month,day,hour,PM2.5,station\n")]);
        assert!(e.message.contains("北京"), "{}", e.message);
    }

    #[test]
    fn impossible_values_for_the_unit_are_errors_naming_row_and_column() {
        // 900 mg/m³ CO is a µg/m³ value in a mg/m³ column.
        let csv = format!("{HEADER}A,2015-01-01 00:00,82,1.4,12\nA,2015-01-01 01:00,82,900,12\n");
        let e = err(&[("c.csv", &csv)]);
        assert_eq!(e.location.row, Some(3));
        assert_eq!(e.location.column.as_deref(), Some("CO (mg/m3)"));
        assert!(e.message.contains("不可能"), "{}", e.message);
        let csv = format!("{HEADER}A,2015-01-01 00:00,-3,1.4,12\n");
        let e = err(&[("c.csv", &csv)]);
        assert_eq!(
            (e.location.row, e.location.column.as_deref()),
            (Some(2), Some("PM2.5 [μg/m³]"))
        );
        assert!(e.message.contains("负"));
        let csv = format!("{HEADER}A,2015-01-01 00:00,abc,1.4,12\n");
        assert!(err(&[("c.csv", &csv)]).message.contains("不是数值"));
    }

    #[test]
    fn malformed_rows_are_errors() {
        let e = err(&[("m.csv", &format!("{HEADER}A,2015-01-01 00:00,1,1\n"))]);
        assert_eq!(e.location.row, Some(2));
        assert!(e.message.contains("字段"));
        let e = err(&[("m.csv", &format!("{HEADER}A,2015-02-30 00:00,1,1,1\n"))]);
        assert_eq!(e.location.column.as_deref(), Some("time"));
        let e = err(&[("m.csv", &format!("{HEADER}A,2015-01-01 00:30,1,1,1\n"))]);
        assert!(e.message.contains("整点"));
        let e = err(&[("m.csv", &format!("{HEADER}A,2015-01-01 24:00,1,1,1\n"))]);
        assert!(e.message.contains("00–23"));
        let e = err(&[("m.csv", &format!("{HEADER},2015-01-01 01:00,1,1,1\n"))]);
        assert_eq!(e.location.column.as_deref(), Some("station"));
    }

    #[test]
    fn the_first_error_in_file_order_is_reported_whatever_the_threads() {
        // Many small chunks, errors on lines 500 and 900: always line 500.
        let mut csv = HEADER.to_string();
        for i in 0..1000 {
            let v = if i == 498 || i == 898 { "x" } else { "5" };
            csv.push_str(&format!("S{},2015-01-01 00:00,{v},1,1\n", i));
        }
        for threads in [1, 2, 4] {
            let e = read_str(&[("e.csv", &csv)], threads, 4096).unwrap_err();
            assert_eq!(e.location.row, Some(500), "threads {threads}");
        }
    }

    #[test]
    fn a_duplicate_hour_is_an_error() {
        let csv = format!("{HEADER}A,2015-01-01 00:00,1,1,1\nA,2015-01-01 00:00,2,,\n");
        let e = err(&[("d.csv", &csv)]);
        assert_eq!(e.location.row, Some(3));
        assert!(e.message.contains("重复"));
        // The same hour in two files too.
        let one = format!("{HEADER}A,2015-01-01 00:00,1,1,1\n");
        let e = err(&[("d1.csv", &one), ("d2.csv", &one)]);
        assert!(e.message.contains("重复"));
    }

    #[test]
    fn beijing_layout_reads_co_in_micrograms() {
        let csv = "\"No\",\"year\",\"month\",\"day\",\"hour\",\"PM2.5\",\"PM10\",\"SO2\",\"NO2\",\"CO\",\"O3\",\"TEMP\",\"PRES\",\"DEWP\",\"RAIN\",\"wd\",\"WSPM\",\"station\"\n\
            1,2013,3,1,0,4,4,4,7,300,77,-0.7,1023,-18.8,0,\"NNW\",4.4,\"Aotizhongxin\"\n\
            2,2013,3,1,1,NA,8,4,7,NA,77,-1.1,1023.2,-18.2,0,\"N\",4.7,\"Aotizhongxin\"\n";
        let ds = read_str(&[("b.csv", csv)], 1, 4096).unwrap();
        assert_eq!(ds.files[0].layout, LayoutKind::Beijing);
        let day = ds.stations[0]
            .day(chrono::NaiveDate::from_ymd_opt(2013, 3, 1).unwrap())
            .unwrap();
        assert_eq!(day.hours(Pollutant::Co), 1);
        assert_eq!(day.hours(Pollutant::Pm25), 1);
        assert_eq!(ds.stations[0].name, "Aotizhongxin");
    }

    #[test]
    fn quoted_fields_with_newlines_and_crlf_are_handled_across_chunks() {
        let mut csv = "station,time,PM2.5 [ug/m3]\r\n".to_string();
        for h in 0..24 {
            csv.push_str(&format!(
                "\"Sta\ntion \"\"A\"\"\",2015-01-01 {h:02}:00,{h}\r\n"
            ));
        }
        // Tiny chunks force cuts everywhere.
        let ds = read_str(&[("q.csv", &csv)], 2, 16).unwrap();
        assert_eq!(ds.rows, 24);
        assert_eq!(ds.stations.len(), 1);
        assert_eq!(ds.stations[0].name, "Sta\ntion \"A\"");
    }

    #[test]
    fn rows_outside_the_kept_years_are_validated_but_not_kept() {
        let csv = format!("{HEADER}A,2014-12-31 23:00,1,1,1\nA,2015-01-01 00:00,1,1,1\n");
        let sources = vec![Source {
            name: "y.csv".into(),
            reader: Box::new(std::io::Cursor::new(csv.into_bytes())),
        }];
        let ds = read(
            sources,
            &ReadOptions {
                years: 2015..=2015,
                ..ReadOptions::default()
            },
            &|_| {},
        )
        .unwrap();
        assert_eq!((ds.rows, ds.rows_kept), (2, 1));
        assert_eq!(
            ds.stations[0].years.keys().copied().collect::<Vec<_>>(),
            vec![2015]
        );
        let bad = format!("{HEADER}A,2014-12-31 23:00,-1,1,1\n");
        let sources = vec![Source {
            name: "y.csv".into(),
            reader: Box::new(std::io::Cursor::new(bad.into_bytes())),
        }];
        assert!(
            read(
                sources,
                &ReadOptions {
                    years: 2015..=2015,
                    ..ReadOptions::default()
                },
                &|_| {}
            )
            .is_err()
        );
    }

    #[test]
    fn crlf_and_blank_lines_keep_line_numbers_in_both_splitters() {
        // Without quotes (the fast splitter) and with a quoted field (the csv crate).
        for station in ["A", "\"A\""] {
            let bad = format!(
                "station,time,PM2.5 [ug/m3]\r\n{station},2015-01-01 00:00,1\r\n\r\n{station},2015-01-01 01:00,x\r\n"
            );
            let e = err(&[("c.csv", &bad)]);
            assert_eq!(e.location.row, Some(4), "{station}: {e}");
            let ok = bad.replace(",x", ",2");
            let ds = read_str(&[("c.csv", &ok)], 1, 4096).unwrap();
            assert_eq!(ds.rows, 2);
            assert_eq!(ds.stations[0].name, "A");
        }
    }

    #[test]
    fn an_unterminated_quote_is_an_error() {
        let e = err(&[("u.csv", &format!("{HEADER}\"A,2015-01-01 00:00,1,1,1\n"))]);
        assert_eq!(e.location.row, Some(2));
        assert!(e.message.contains("引号"), "{}", e.message);
    }

    proptest::proptest! {
        /// The scalar splitter agrees with the csv crate on any RFC 4180 input.
        #[test]
        fn the_splitter_agrees_with_the_csv_crate(
            records in proptest::collection::vec(
                proptest::collection::vec("[a-c\",\r\n ]{0,6}", 1..5), 1..12),
            crlf in proptest::bool::ANY,
        ) {
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
                .from_writer(Vec::new());
            for r in &records {
                w.write_record(r).unwrap();
            }
            let bytes = w.into_inner().unwrap();
            let mut ours: Vec<Vec<Vec<u8>>> = Vec::new();
            split_records(&bytes, 1, |f, _| {
                ours.push((0..f.len()).map(|i| f.get(i).to_vec()).collect());
                true
            })
            .unwrap();
            let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(&bytes[..]);
            let theirs: Vec<Vec<Vec<u8>>> = rdr
                .byte_records()
                .map(|r| r.unwrap().iter().map(<[u8]>::to_vec).collect())
                .collect();
            proptest::prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn ordinal_days_and_leap_years() {
        assert_eq!(ordinal0(2016, 12, 31), Some(365));
        assert_eq!(ordinal0(2015, 12, 31), Some(364));
        assert_eq!(ordinal0(2016, 2, 29), Some(59));
        assert_eq!(ordinal0(2015, 2, 29), None);
        assert_eq!(ordinal0(1900, 2, 29), None);
        assert_eq!(ordinal0(2000, 2, 29), Some(59));
    }
}
