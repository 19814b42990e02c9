//! `ecociv air`: AQI of given concentrations, and the annual evaluation of a city from hourly
//! station files (HJ 633, GB 3095, HJ 663; editions 2012 and 2026).
//!
//! This module opens files, parses arguments and prints; every rule lives in
//! `ecociv_standards::air`, and the notes, sentences and labels it prints in either language
//! are those of `ecociv_i18n::air`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use serde_json::{Value, json};

use ecociv_core::csv_cell::safe_record;
use ecociv_i18n::air::air_labels;
use ecociv_i18n::{AirMsg, Lang, Phrase};
use ecociv_standards::air::exact::{Ratio, format_fixed, parse_decimal};
use ecociv_standards::air::gb3095::{LimitSet, ZoneClass};
use ecociv_standards::air::hj633::{self, AqiResult, Averaging, Iaqi, Item, Report};
use ecociv_standards::air::hj663::{self, Evaluation, Fixed};
use ecociv_standards::air::reader::{self, Dataset, LayoutKind, ReadOptions, Source};
use ecociv_standards::air::{Edition, EditionChoice, Pollutant};

#[derive(Debug, Subcommand)]
pub enum AirCommand {
    /// 计算 AQI：各污染物分指数、AQI、类别、首要污染物 (IAQI and AQI of given concentrations)
    Aqi(Box<AqiArgs>),
    /// 城市环境空气质量年度评价：有效天、优良天数比例、各污染物年评价与达标 (annual evaluation)
    Evaluate(Box<EvaluateArgs>),
    /// Read the files and split them into fields, nothing else: the floor for benchmarks.
    #[command(hide = true)]
    Split {
        files: Vec<PathBuf>,
        /// Split with memchr (lines and commas; files without quotes) instead of the csv crate
        #[arg(long)]
        fast: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StandardArg {
    #[value(name = "2012")]
    S2012,
    #[value(name = "2026")]
    S2026,
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct AqiArgs {
    /// PM2.5, μg/m³ (daily: 24-h mean; --hourly: 1-h mean in 2026, 24-h moving mean in 2012)
    #[arg(long)]
    pm25: Option<String>,
    /// PM10, μg/m³ (as PM2.5)
    #[arg(long)]
    pm10: Option<String>,
    /// SO2, μg/m³ (daily: 24-h mean; --hourly: 1-h mean)
    #[arg(long)]
    so2: Option<String>,
    /// NO2, μg/m³ (daily: 24-h mean; --hourly: 1-h mean)
    #[arg(long)]
    no2: Option<String>,
    /// CO, mg/m³ (daily: 24-h mean; --hourly: 1-h mean)
    #[arg(long)]
    co: Option<String>,
    /// O3 8-h, μg/m³ (daily: daily maximum 8-h mean; --hourly 2012: 8-h moving mean)
    #[arg(long = "o3-8h")]
    o3_8h: Option<String>,
    /// O3 1-h, μg/m³ (daily 2012: daily maximum 1-h; --hourly: 1-h mean)
    #[arg(long = "o3-1h")]
    o3_1h: Option<String>,
    /// SO2 24-h mean, μg/m³: HJ 633-2012 reports it instead of an hourly SO2 above 800
    #[arg(long = "so2-24h")]
    so2_24h: Option<String>,
    /// Hourly (real-time) report instead of the daily report
    #[arg(long)]
    hourly: bool,
    /// Edition; by default the one in force on --date (today if not given)
    #[arg(long, value_enum)]
    standard: Option<StandardArg>,
    /// Date of the data, YYYY-MM-DD, to pick the edition (2026 from 2026-03-01)
    #[arg(long)]
    date: Option<NaiveDate>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Many AQIs at once: a CSV with columns id, standard (2012|2026), report (daily|hourly) and
    /// item columns (SO2_24h, SO2_1h, NO2_24h, NO2_1h, PM10_24h, PM10_1h, PM2.5_24h, PM2.5_1h,
    /// CO_24h, CO_1h, O3_8h, O3_1h; μg/m³, CO mg/m³). Prints one JSON object per line.
    #[arg(long, conflicts_with_all = ["pm25", "pm10", "so2", "no2", "co", "o3_8h", "o3_1h", "so2_24h"])]
    batch: Option<PathBuf>,
    #[arg(long, default_value = "zh", value_parser = LangParser)]
    lang: Lang,
}

#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// Hourly station files: the long CSV format or the Beijing layout (see README)
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Calendar year to evaluate
    #[arg(long)]
    year: i32,
    /// Edition: auto picks by date (2026 from 2026-03-01)
    #[arg(long, value_enum, default_value = "auto")]
    standard: StandardArg,
    /// Zone class of the limits (a city is class 2)
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2))]
    zone: u8,
    /// Force a set of GB 3095 limits instead of the one in force at year end
    #[arg(long, value_enum)]
    limits: Option<LimitsArg>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the city daily series (CSV)
    #[arg(long)]
    daily: Option<PathBuf>,
    /// Write plan indicator values (CSV read by `ecociv evaluate`)
    #[arg(long)]
    values: Option<PathBuf>,
    /// Region code for --values
    #[arg(long, default_value = "411700")]
    region: String,
    /// Worker threads (default: all cores)
    #[arg(long)]
    threads: Option<usize>,
    #[arg(long, default_value = "zh", value_parser = LangParser)]
    lang: Lang,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LimitsArg {
    #[value(name = "2012")]
    L2012,
    #[value(name = "2026-transition")]
    L2026Transition,
    #[value(name = "2026-final")]
    L2026Final,
}

/// `writeln!` into a `String` (formatting into memory cannot fail).
macro_rules! outln {
    ($o:expr) => {
        $o.push('\n')
    };
    ($o:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($o, $($arg)*);
    }};
}

/// Write to stdout; a closed pipe (`ecociv … | head`) ends the output quietly.
fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

pub fn run(cmd: AirCommand) -> Result<()> {
    match cmd {
        AirCommand::Aqi(args) => run_aqi(*args),
        AirCommand::Evaluate(args) => run_evaluate(*args),
        AirCommand::Split { files, fast } => run_split(&files, fast),
    }
}

/// `--lang`: the codes of [`Lang::ALL`] (`zh`, `en`), matched and reported as a `ValueEnum`
/// would be: case-sensitive, a text that is not UTF-8 is an invalid value.
#[derive(Debug, Clone, Copy)]
struct LangParser;

impl clap::builder::TypedValueParser for LangParser {
    type Value = Lang;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Lang, clap::Error> {
        let text = value.to_string_lossy();
        let codes = clap::builder::PossibleValuesParser::new(Lang::ALL.map(Lang::code));
        let code = codes.parse_ref(cmd, arg, std::ffi::OsStr::new(text.as_ref()))?;
        // The codes parser admitted only a code of `Lang::ALL`.
        Ok(Lang::parse(&code).unwrap_or_default())
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            Lang::ALL
                .into_iter()
                .map(|l| clap::builder::PossibleValue::new(l.code())),
        ))
    }
}

/// A text of the air labels in both languages.
fn both(label: impl Fn(&ecociv_i18n::air::AirLabels) -> &'static str) -> Phrase {
    Phrase {
        zh: label(air_labels(Lang::Zh)).into(),
        en: label(air_labels(Lang::En)).into(),
    }
}

fn today() -> NaiveDate {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    // Beijing time (UTC+8) decides the date of a Chinese monitoring day.
    chrono::DateTime::from_timestamp(secs + 8 * 3600, 0)
        .map(|d| d.date_naive())
        .unwrap_or_else(Edition::effective_2026)
}

fn edition_of(standard: Option<StandardArg>, date: Option<NaiveDate>) -> Edition {
    match standard {
        Some(StandardArg::S2012) => Edition::E2012,
        Some(StandardArg::S2026) => Edition::E2026,
        Some(StandardArg::Auto) | None => Edition::in_force_on(date.unwrap_or_else(today)),
    }
}

/// Parse a concentration given in the pollutant's unit into exact internal units.
fn parse_conc(p: Pollutant, text: &str, what: &str) -> Result<Ratio> {
    let unit = p.unit();
    let v = parse_decimal(text.trim().as_bytes(), unit.digits()).map_err(|e| {
        anyhow::anyhow!(
            "{what}: “{text}” 不是有效的浓度（{}，非负小数）: {e:?}",
            unit.symbol()
        )
    })?;
    Ok(Ratio::from_int(u128::from(v)))
}

fn edition_code(e: Edition) -> &'static str {
    match e {
        Edition::E2012 => "2012",
        Edition::E2026 => "2026",
    }
}

fn category_json(r: &AqiResult, lang: Lang) -> Value {
    match r.category() {
        Some(c) => json!({
            "level": c.level,
            "name": lang.pick(c.name_zh, c.name_en),
            "level_name": c.level_zh,
            "colour": c.colour_zh,
            "rgb": format!("#{:02X}{:02X}{:02X}", c.rgb[0], c.rgb[1], c.rgb[2]),
        }),
        None => Value::Null,
    }
}

fn conc_text(item: Item, units: u64) -> String {
    let u = item.pollutant.unit();
    let digits = if item.pollutant == Pollutant::Co {
        1
    } else {
        0
    };
    let per = u.units() / 10u64.pow(digits);
    format_fixed(u128::from(units / per), digits)
}

fn aqi_json(r: &AqiResult, lang: Lang) -> Value {
    let mut iaqi = serde_json::Map::new();
    let mut conc = serde_json::Map::new();
    for i in &r.items {
        iaqi.insert(
            i.item.code(),
            i.contributes.map_or(Value::Null, |v| json!(v)),
        );
        conc.insert(
            i.item.code(),
            serde_json::from_str::<Value>(&conc_text(i.item, i.concentration))
                .unwrap_or(Value::Null),
        );
    }
    let mut notes = Vec::new();
    for i in &r.items {
        let item = i.item.code();
        match i.iaqi {
            Iaqi::Fixed { value } => notes.push(AirMsg::IaqiFixed { item, value }),
            Iaqi::UseInstead { item: instead } => notes.push(AirMsg::IaqiUseInstead {
                item,
                instead: instead.code(),
            }),
            Iaqi::AboveTable { .. } => notes.push(AirMsg::IaqiAboveTable { item }),
            _ => {}
        }
    }
    if r.partial {
        let missing: Vec<String> = r.missing.iter().map(|i| i.code()).collect();
        notes.push(match (r.edition, r.aqi) {
            (Edition::E2026, None) => AirMsg::MissingNa2026 { missing },
            (Edition::E2026, Some(_)) => AirMsg::MissingPublished2026 { missing },
            (Edition::E2012, _) => AirMsg::Missing2012 { missing },
        });
    }
    let rounding = hj633::concentration_rounding(r.edition);
    json!({
        "standard": edition_code(r.edition),
        "standard_label": r.edition.hj633(),
        "report": match r.report { Report::Daily => "daily", Report::Hourly => "hourly" },
        "iaqi": iaqi,
        "concentrations": conc,
        "concentration_rounding": rounding.clause,
        "aqi": r.aqi,
        "category": category_json(r, lang),
        "primary_pollutants": r.primary_pollutants.iter().map(|p| p.code()).collect::<Vec<_>>(),
        "exceeding_pollutants": if r.edition == Edition::E2012 {
            json!(r.exceeding_pollutants.iter().map(|p| p.code()).collect::<Vec<_>>())
        } else { Value::Null },
        "missing": r.missing.iter().map(|i| i.code()).collect::<Vec<_>>(),
        "notes": notes.iter().map(|n| n.text(lang)).collect::<Vec<_>>(),
    })
}

fn run_aqi(args: AqiArgs) -> Result<()> {
    if let Some(path) = &args.batch {
        return run_aqi_batch(path, args.lang);
    }
    let edition = edition_of(args.standard, args.date);
    let report = if args.hourly {
        Report::Hourly
    } else {
        Report::Daily
    };
    use Averaging::{H1, H8, H24};
    // The averaging each flag means in this edition and report.
    let (pm_avg, gas_avg) = match (edition, report) {
        (_, Report::Daily) => (H24, H24),
        (Edition::E2012, Report::Hourly) => (H24, H1),
        (Edition::E2026, Report::Hourly) => (H1, H1),
    };
    let mut inputs: Vec<(Item, Ratio)> = Vec::new();
    let flags: [(&Option<String>, Pollutant, Averaging, &str); 8] = [
        (&args.so2, Pollutant::So2, gas_avg, "--so2"),
        (&args.no2, Pollutant::No2, gas_avg, "--no2"),
        (&args.pm10, Pollutant::Pm10, pm_avg, "--pm10"),
        (&args.pm25, Pollutant::Pm25, pm_avg, "--pm25"),
        (&args.co, Pollutant::Co, gas_avg, "--co"),
        (&args.o3_8h, Pollutant::O3, H8, "--o3-8h"),
        (&args.o3_1h, Pollutant::O3, H1, "--o3-1h"),
        (&args.so2_24h, Pollutant::So2, H24, "--so2-24h"),
    ];
    for (value, p, avg, flag) in flags {
        if let Some(v) = value {
            inputs.push((Item::new(p, avg), parse_conc(p, v, flag)?));
        }
    }
    if inputs.is_empty() {
        bail!("请至少给出一种污染物浓度（--pm25、--pm10、--so2、--no2、--co、--o3-8h、--o3-1h）");
    }
    let r = hj633::aqi(edition, report, &inputs);
    let value = aqi_json(&r, args.lang);
    match args.format {
        Format::Json => emit(&(serde_json::to_string_pretty(&value)? + "\n"))?,
        Format::Table => emit(&print_aqi_table(&r, &value, args.lang))?,
    }
    Ok(())
}

fn print_aqi_table(r: &AqiResult, v: &Value, lang: Lang) -> String {
    let mut o = String::new();
    let l = air_labels(lang);
    let report = match r.report {
        Report::Daily => l.daily,
        Report::Hourly => l.hourly,
    };
    outln!(o, "{}（{report}）", r.edition.hj633());
    let widths = [12, 10, 8];
    let head = [l.item.into(), l.concentration.into(), "IAQI".into()];
    outln!(o, "{}", row_text(&head, &widths));
    for i in &r.items {
        let cells = [
            i.item.code(),
            conc_text(i.item, i.concentration),
            i.contributes.map_or("—".to_string(), |x| x.to_string()),
        ];
        outln!(o, "{}", row_text(&cells, &widths));
    }
    match (r.aqi, r.category()) {
        (Some(a), Some(c)) => {
            let name = lang.pick(c.name_zh, c.name_en);
            outln!(o, "AQI {a}  {} {name}（{}）", c.level_zh, c.colour_zh);
            if !r.primary_pollutants.is_empty() {
                let p: Vec<&str> = r.primary_pollutants.iter().map(|p| p.code()).collect();
                outln!(o, "{}{}", l.primary, p.join("、"));
            }
            if !r.exceeding_pollutants.is_empty() {
                let p: Vec<&str> = r.exceeding_pollutants.iter().map(|p| p.code()).collect();
                outln!(o, "{}{}", l.exceeding, p.join("、"));
            }
        }
        _ => outln!(o, "AQI NA"),
    }
    if let Some(notes) = v["notes"].as_array() {
        for n in notes {
            outln!(o, "{}{}", l.note, n.as_str().unwrap_or(""));
        }
    }
    o
}

/// Display width in a terminal: CJK characters take two columns.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if ('\u{1100}'..='\u{FFEF}').contains(&c) && c != '—' {
                2
            } else {
                1
            }
        })
        .sum()
}

/// The first cell left-aligned, the others right-aligned, padded by display width.
fn row_text(cells: &[String], widths: &[usize]) -> String {
    let mut out = String::new();
    for (i, (c, &w)) in cells.iter().zip(widths).enumerate() {
        let pad = " ".repeat(w.saturating_sub(display_width(c)));
        if i == 0 {
            out.push_str(c);
            out.push_str(&pad);
        } else {
            out.push_str(&pad);
            out.push_str(c);
        }
    }
    out
}

fn run_aqi_batch(path: &Path, lang: Lang) -> Result<()> {
    let file = File::open(path).with_context(|| format!("无法打开 {}", path.display()))?;
    let mut rdr = csv::Reader::from_reader(std::io::BufReader::new(file));
    let headers = rdr
        .headers()
        .with_context(|| format!("{}: 表头无法解析", path.display()))?
        .clone();
    let name = path.display().to_string();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (Some(std_col), Some(rep_col)) = (col("standard"), col("report")) else {
        bail!("{name}, 第1行: 批量输入须有 standard 与 report 列");
    };
    let id_col = col("id");
    let mut items = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if i == std_col || i == rep_col || Some(i) == id_col {
            continue;
        }
        let item = Item::parse(h).with_context(|| {
            format!("{name}, 第1行, 列“{h}”: 未知的项目（应如 PM2.5_24h、O3_8h）")
        })?;
        items.push((i, item));
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for (n, rec) in rdr.records().enumerate() {
        let row = n as u64 + 2;
        let rec = rec.with_context(|| format!("{name}, 第{row}行: CSV 格式错误"))?;
        let edition = match rec.get(std_col) {
            Some("2012") => Edition::E2012,
            Some("2026") => Edition::E2026,
            other => bail!(
                "{name}, 第{row}行, 列“standard”: “{}” 应为 2012 或 2026",
                other.unwrap_or("")
            ),
        };
        let report = match rec.get(rep_col) {
            Some("daily") => Report::Daily,
            Some("hourly") => Report::Hourly,
            other => bail!(
                "{name}, 第{row}行, 列“report”: “{}” 应为 daily 或 hourly",
                other.unwrap_or("")
            ),
        };
        let mut inputs = Vec::new();
        for &(c, item) in &items {
            let text = rec.get(c).unwrap_or("");
            if text.is_empty() || text == "NA" {
                continue;
            }
            let what = format!("{name}, 第{row}行, 列“{}”", &headers[c]);
            inputs.push((item, parse_conc(item.pollutant, text, &what)?));
        }
        let r = hj633::aqi(edition, report, &inputs);
        let mut v = aqi_json(&r, lang);
        if let Some(c) = id_col {
            v["id"] = json!(rec.get(c).unwrap_or(""));
        }
        let mut line = serde_json::to_vec(&v)?;
        line.push(b'\n');
        match out.write_all(&line) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            other => other?,
        }
    }
    match out.flush() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn open_sources(files: &[PathBuf]) -> Result<(Vec<Source<'static>>, u64)> {
    let mut sources = Vec::with_capacity(files.len());
    let mut total = 0;
    for f in files {
        let file = File::open(f).with_context(|| format!("无法打开 {}", f.display()))?;
        total += file.metadata().map(|m| m.len()).unwrap_or(0);
        sources.push(Source {
            name: f.display().to_string(),
            reader: Box::new(file),
        });
    }
    Ok((sources, total))
}

fn progress_bar(total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} 读取 {bytes}/{total_bytes} {wide_bar} {bytes_per_sec} 剩余 {eta}",
        )
        .expect("valid template"),
    );
    bar
}

fn threads(arg: Option<usize>) -> usize {
    arg.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1)
}

fn run_evaluate(args: EvaluateArgs) -> Result<()> {
    let (sources, total) = open_sources(&args.files)?;
    let threads = threads(args.threads);
    let bar = progress_bar(total);
    let read_opts = ReadOptions {
        years: args.year - 1..=args.year,
        threads,
        ..ReadOptions::default()
    };
    let dataset = reader::read(sources, &read_opts, &|n| bar.inc(n))?;
    bar.finish_and_clear();

    let choice = match args.standard {
        StandardArg::Auto => EditionChoice::Auto,
        StandardArg::S2012 => EditionChoice::Forced(Edition::E2012),
        StandardArg::S2026 => EditionChoice::Forced(Edition::E2026),
    };
    let opts = hj663::Options {
        year: args.year,
        choice,
        zone: if args.zone == 1 {
            ZoneClass::I
        } else {
            ZoneClass::II
        },
        limits: args.limits.map(|l| match l {
            LimitsArg::L2012 => LimitSet::Gb2012,
            LimitsArg::L2026Transition => LimitSet::Gb2026Transition,
            LimitsArg::L2026Final => LimitSet::Gb2026Final,
        }),
        threads,
    };
    let eval = hj663::evaluate(&dataset.stations, &opts);
    if eval.stations == 0 {
        bail!(
            "输入文件中没有 {} 年的数据（共读取 {} 行）",
            args.year,
            dataset.rows
        );
    }
    let mut notes = eval.notes.clone();
    if dataset
        .files
        .iter()
        .any(|f| f.layout == LayoutKind::Beijing)
    {
        notes.push(hj663::Note {
            code: "beijing-layout",
            message: AirMsg::BeijingLayout,
        });
    }
    let value = evaluation_json(&eval, &dataset, &args.standard, &notes, args.lang);
    // Write every output only after everything was computed: nothing half-done on error.
    if let Some(path) = &args.daily {
        write_daily(path, &eval).with_context(|| format!("写入 {} 失败", path.display()))?;
    }
    if let Some(path) = &args.values {
        write_values(path, &eval, &dataset, &args.region)
            .with_context(|| format!("写入 {} 失败", path.display()))?;
    }
    match args.format {
        Format::Json => emit(&(serde_json::to_string_pretty(&value)? + "\n"))?,
        Format::Table => emit(&print_evaluation(&eval, &dataset, &notes, args.lang))?,
    }
    Ok(())
}

fn fixed_json(f: Option<Fixed>) -> Value {
    match f {
        Some(f) => serde_json::from_str(&f.to_string()).unwrap_or(Value::Null),
        None => Value::Null,
    }
}

fn standard_code(s: &StandardArg) -> &'static str {
    match s {
        StandardArg::S2012 => "2012",
        StandardArg::S2026 => "2026",
        StandardArg::Auto => "auto",
    }
}

fn evaluation_json(
    e: &Evaluation,
    ds: &Dataset,
    standard: &StandardArg,
    notes: &[hj663::Note],
    lang: Lang,
) -> Value {
    let mut by_cat = serde_json::Map::new();
    for (i, n) in e.days_by_category.iter().enumerate() {
        by_cat.insert((i + 1).to_string(), json!(n));
    }
    let mut pollutants = serde_json::Map::new();
    for p in &e.pollutants {
        pollutants.insert(
            p.pollutant.code().to_string(),
            json!({
                "unit": p.pollutant.unit().symbol(),
                "valid_days": p.valid_days,
                "meets_validity": p.meets_validity,
                "annual_mean": fixed_json(p.annual_mean),
                "annual_limit": p.annual_limit,
                "percentile": p.percentile,
                "percentile_value": fixed_json(p.percentile_value),
                "percentile_limit": p.percentile_limit,
                "days_over_limit": p.days_over_limit,
                "compliant": p.compliant,
            }),
        );
    }
    let yoy = e.year_on_year.as_ref().map(|y| {
        json!({
            "previous_year": y.previous_year,
            "previous_valid_days": y.previous_valid_days,
            "previous_good_days_ratio": fixed_json(y.previous_good_days_ratio),
            "good_days_ratio_change": y.good_days_ratio_change.map(|c| c.to_f64()),
            "previous_pm25_annual_mean": fixed_json(y.previous_pm25_annual_mean),
            "pm25_decline_rate": y.pm25_decline_rate.map(|c| c.to_f64()),
        })
    });
    json!({
        "year": e.year,
        "standard": standard_code(standard),
        "editions": e.editions.iter().map(|ed| ed.label()).collect::<Vec<_>>(),
        "limits": e.limits.label_zh(),
        "zone_class": match e.zone { ZoneClass::I => 1, ZoneClass::II => 2 },
        "files": ds.files.len(),
        "rows": ds.rows,
        "stations": e.stations,
        "valid_days": e.valid_days,
        "good_days": e.good_days,
        "good_days_ratio": fixed_json(e.good_days_ratio),
        "days_by_category": by_cat,
        "pollutants": pollutants,
        "year_on_year": yoy,
        "notes": notes.iter().map(|n| n.text(lang)).collect::<Vec<_>>(),
    })
}

fn print_evaluation(e: &Evaluation, ds: &Dataset, notes: &[hj663::Note], lang: Lang) -> String {
    let mut o = String::new();
    let l = air_labels(lang);
    let zone = match e.zone {
        ZoneClass::I => both(|t| t.zone_class_1),
        ZoneClass::II => both(|t| t.zone_class_2),
    };
    let lines = [
        AirMsg::EvaluationTitle { year: e.year },
        AirMsg::EvaluationStandards {
            editions: e.editions.iter().map(|ed| ed.label()).collect(),
            limits: Phrase {
                zh: e.limits.label_zh().into(),
                en: e.limits.label_en().into(),
            },
            zone,
        },
        AirMsg::EvaluationInputs {
            files: ds.files.len(),
            rows: ds.rows,
            stations: e.stations,
        },
        AirMsg::EvaluationDays {
            valid_days: e.valid_days,
            good_days: e.good_days,
            ratio: e.good_days_ratio.map(|r| r.to_string()),
        },
        AirMsg::DaysByCategory {
            days: hj633::CATEGORIES
                .iter()
                .zip(e.days_by_category)
                .map(|(c, n)| {
                    let name = Phrase {
                        zh: c.name_zh.into(),
                        en: c.name_en.into(),
                    };
                    (name, n)
                })
                .collect(),
        },
    ];
    for line in &lines {
        outln!(o, "{}", line.text(lang));
    }
    outln!(o);
    let widths = [8, 8, 10, 10, 8, 14, 8];
    let head = [
        l.pollutant,
        l.valid_days,
        l.annual_mean,
        l.percentile,
        l.value,
        l.limits,
        l.compliance,
    ]
    .map(String::from);
    outln!(o, "{}", row_text(&head, &widths));
    for p in &e.pollutants {
        let mean = p.annual_mean.map_or("—".into(), |m| m.to_string());
        let pct = p.percentile_value.map_or("—".into(), |m| m.to_string());
        let lim = format!(
            "{}/{}",
            p.annual_limit.map_or("—".into(), |l| l.to_string()),
            p.percentile_limit.map_or("—".into(), |l| l.to_string())
        );
        let ok = match p.compliant {
            Some(true) => l.met,
            Some(false) => l.not_met,
            None => l.invalid,
        };
        let cells = [
            p.pollutant.code().to_string(),
            p.valid_days.to_string(),
            mean,
            format!("P{}", p.percentile),
            pct,
            lim,
            ok.to_owned(),
        ];
        outln!(o, "{}", row_text(&cells, &widths));
    }
    if let Some(y) = &e.year_on_year {
        outln!(o);
        let line = AirMsg::YearOnYear {
            previous_year: y.previous_year,
            change: y
                .good_days_ratio_change
                .map(|c| format!("{}{c}", if c.negative { "" } else { "+" })),
            previous_ratio: y.previous_good_days_ratio.map(|r| r.to_string()),
            previous_pm25: y.previous_pm25_annual_mean.map(|r| r.to_string()),
            decline: y.pm25_decline_rate.map(|c| c.to_string()),
        };
        outln!(o, "{}", line.text(lang));
    }
    outln!(o);
    outln!(o, "{}", l.notes);
    for (i, n) in notes.iter().enumerate() {
        outln!(o, "{:>2}. {}", i + 1, n.text(lang));
    }
    o
}

fn write_daily(path: &Path, e: &Evaluation) -> Result<()> {
    let mut w = csv::Writer::from_writer(BufWriter::new(File::create(path)?));
    let mut header = vec!["date".to_string(), "standard".to_string()];
    for item in hj663::CITY_STATS {
        header.push(format!(
            "{} [{}]",
            item.code(),
            item.pollutant.unit().symbol()
        ));
    }
    header.extend(
        ["AQI", "level", "category", "primary_pollutants", "valid"]
            .iter()
            .map(|s| s.to_string()),
    );
    w.write_record(&header)?;
    for d in &e.days {
        let mut row = vec![d.date.to_string(), d.edition.hj633().to_string()];
        for (i, item) in hj663::CITY_STATS.iter().enumerate() {
            // The 2026 daily report has no O3 daily maximum 1-hour value.
            let shown = d.values[i]
                .filter(|_| !(d.edition == Edition::E2026 && item.averaging == Averaging::H1));
            row.push(shown.map_or(String::new(), |v| {
                hj663::round_statistic(d.edition, item.pollutant, v).to_string()
            }));
        }
        let cat = d.aqi.category().filter(|_| d.valid);
        row.push(if d.valid {
            d.aqi.aqi.map_or(String::new(), |a| a.to_string())
        } else {
            String::new()
        });
        row.push(cat.map_or(String::new(), |c| c.level.to_string()));
        row.push(cat.map_or("NA".into(), |c| c.name_zh.to_string()));
        row.push(if d.valid {
            d.aqi
                .primary_pollutants
                .iter()
                .map(|p| p.code())
                .collect::<Vec<_>>()
                .join(";")
        } else {
            String::new()
        });
        row.push(if d.valid { "1".into() } else { "0".into() });
        w.write_record(safe_record(&row))?;
    }
    w.flush()?;
    Ok(())
}

fn write_values(path: &Path, e: &Evaluation, ds: &Dataset, region: &str) -> Result<()> {
    let mut w = csv::Writer::from_writer(BufWriter::new(File::create(path)?));
    w.write_record(["indicator", "region", "period", "value", "source"])?;
    let editions: Vec<String> = e.editions.iter().map(|ed| ed.label()).collect();
    let source = format!(
        "ecociv air evaluate; {}; {} files; {} valid days",
        editions.join(" + "),
        ds.files.len(),
        e.valid_days
    );
    let year = e.year.to_string();
    if let Some(r) = e.good_days_ratio {
        w.write_record(safe_record(&[
            "air_good_days_ratio",
            region,
            &year,
            &r.to_string(),
            &source,
        ]))?;
    } else {
        eprintln!("警告: {} 年没有有效天，未写出 air_good_days_ratio", e.year);
    }
    let pm = &e.pollutants[Pollutant::Pm25.index()];
    match (pm.annual_mean, pm.meets_validity) {
        (Some(m), Some(true)) => {
            let src = format!("{source}; PM2.5 {} valid days", pm.valid_days);
            w.write_record(safe_record(&[
                "pm25_annual_mean",
                region,
                &year,
                &m.to_string(),
                &src,
            ]))?;
        }
        _ => eprintln!(
            "警告: {} 年 PM2.5 年均值不满足 GB 3095 表4 有效性要求（有效日 {}），未写出 pm25_annual_mean",
            e.year, pm.valid_days
        ),
    }
    w.flush()?;
    Ok(())
}

/// The floor for benchmarks: read every file and split it into fields, single-threaded, nothing
/// else. `fast` finds the line and comma positions with memchr, as the reader does for chunks
/// without quotes.
fn run_split(files: &[PathBuf], fast: bool) -> Result<()> {
    let mut records = 0u64;
    let mut fields = 0u64;
    let mut bytes = 0u64;
    if fast {
        use std::io::Read;
        for f in files {
            let mut file = File::open(f).with_context(|| format!("无法打开 {}", f.display()))?;
            let mut buf = vec![0u8; 1 << 20];
            let mut carry = 0usize;
            loop {
                let n = file.read(&mut buf[carry..])?;
                let len = carry + n;
                let cut = if n == 0 {
                    len
                } else {
                    memchr::memrchr(b'\n', &buf[..len]).map_or(len, |i| i + 1)
                };
                for line in buf[..cut].split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                    records += 1;
                    fields += 1 + memchr::memchr_iter(b',', line).count() as u64;
                    bytes += line.len() as u64;
                }
                if n == 0 {
                    break;
                }
                buf.copy_within(cut..len, 0);
                carry = len - cut;
                if carry == buf.len() {
                    buf.resize(buf.len() * 2, 0);
                }
            }
        }
        println!("{records} records, {fields} fields, {bytes} line bytes (memchr)");
        return Ok(());
    }
    for f in files {
        let file = File::open(f).with_context(|| format!("无法打开 {}", f.display()))?;
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(file);
        let mut rec = csv::ByteRecord::new();
        while rdr
            .read_byte_record(&mut rec)
            .with_context(|| format!("{}: CSV 格式错误", f.display()))?
        {
            records += 1;
            fields += rec.len() as u64;
            bytes += rec.as_slice().len() as u64;
        }
    }
    println!("{records} records, {fields} fields, {bytes} field bytes");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concentrations_print_at_their_reporting_resolution() {
        let co = Item::new(Pollutant::Co, Averaging::H24);
        assert_eq!(conc_text(co, 25_000_000), "2.5");
        let pm = Item::new(Pollutant::Pm25, Averaging::H24);
        assert_eq!(conc_text(pm, 750_000), "75");
    }

    #[test]
    fn lang_takes_the_codes_of_the_languages_only() {
        let cmd = || {
            clap::Command::new("t").arg(
                clap::Arg::new("lang")
                    .long("lang")
                    .default_value("zh")
                    .value_parser(LangParser),
            )
        };
        let lang = |args: &[&str]| {
            cmd()
                .try_get_matches_from(args)
                .map(|m| *m.get_one::<Lang>("lang").expect("defaulted"))
        };
        assert_eq!(lang(&["t"]).unwrap(), Lang::Zh);
        assert_eq!(lang(&["t", "--lang", "en"]).unwrap(), Lang::En);
        for bad in ["EN", "en-US", "fr", ""] {
            let e = lang(&["t", "--lang", bad]).unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::InvalidValue, "{bad}");
        }
    }

    #[test]
    fn the_edition_follows_the_date_unless_forced() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd);
        assert_eq!(edition_of(None, d(2026, 2, 28)), Edition::E2012);
        assert_eq!(edition_of(None, d(2026, 3, 1)), Edition::E2026);
        assert_eq!(
            edition_of(Some(StandardArg::S2012), d(2027, 1, 1)),
            Edition::E2012
        );
    }
}
