//! HJ 633: the individual air quality index (IAQI) and the AQI, editions 2012 and 2026.
//!
//! Everything the two editions prescribe is in the tables at the top of this file, each row citing
//! its clause: the breakpoints ([`BREAKPOINTS`]), the special cases above 800 µg/m³
//! ([`ABOVE_800`]), the items of each report ([`REPORT_ITEMS`]), the rounding of concentrations
//! before the index ([`CONCENTRATION_ROUNDING`]) and the categories ([`CATEGORIES`]). The
//! functions below only read those tables.
//!
//! The IAQI is computed on exact integers: the concentration is an integer number of
//! 10⁻⁴ µg/m³ after rounding, every breakpoint is an integer, so
//! `IAQI = IAQI_lo + ⌈(IAQI_hi − IAQI_lo)·(C − BP_lo) / (BP_hi − BP_lo)⌉` is an integer division
//! with a ceiling and nothing else (HJ 633-2012 §6.2 and HJ 633-2026 §4.2.6 both require rounding
//! up). No float is involved, so 100.000000001 cannot become 101.

use serde::Serialize;

use super::exact::{Ratio, round_half_even};
use super::{Cited, Confidence, Edition, Pollutant};

/// Averaging time of a concentration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Averaging {
    /// 1-hour mean (实时报).
    #[serde(rename = "1h")]
    H1,
    /// 8-hour moving mean; in the daily report the daily maximum 8-hour mean.
    #[serde(rename = "8h")]
    H8,
    /// 24-hour (daily) mean; in the 2012 real-time report the 24-hour moving mean of PM.
    #[serde(rename = "24h")]
    H24,
}

/// One input of the AQI: a pollutant at an averaging time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Item {
    pub pollutant: Pollutant,
    pub averaging: Averaging,
}

impl Item {
    pub const fn new(pollutant: Pollutant, averaging: Averaging) -> Item {
        Item {
            pollutant,
            averaging,
        }
    }

    /// `SO2_24h`, `O3_8h`, `PM2.5_1h` …
    pub fn code(self) -> String {
        let a = match self.averaging {
            Averaging::H1 => "1h",
            Averaging::H8 => "8h",
            Averaging::H24 => "24h",
        };
        format!("{}_{}", self.pollutant.code(), a)
    }

    pub fn parse(code: &str) -> Option<Item> {
        let (p, a) = code.rsplit_once('_')?;
        let averaging = match a.to_ascii_lowercase().as_str() {
            "1h" => Averaging::H1,
            "8h" => Averaging::H8,
            "24h" => Averaging::H24,
            _ => return None,
        };
        Some(Item::new(Pollutant::from_code(p)?, averaging))
    }
}

use Averaging::{H1, H8, H24};
use Pollutant::{Co, No2, O3, Pm10, Pm25, So2};

/// The IAQI values at which HJ 633 gives a concentration limit (表1 of 2012, 表3 of 2026).
pub const IAQI_NODES: [u16; 8] = [0, 50, 100, 150, 200, 300, 400, 500];

/// One row of an IAQI table: the concentration limit at each of [`IAQI_NODES`], in the
/// pollutant's unit (µg/m³, CO mg/m³); `None` where the table stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BreakpointRow {
    pub edition: Edition,
    pub item: Item,
    pub conc: [Option<u32>; 8],
    pub clause: &'static str,
}

const fn row(edition: Edition, p: Pollutant, a: Averaging, c: [u32; 8]) -> BreakpointRow {
    let clause = match edition {
        Edition::E2012 => "HJ 633-2012 表1",
        Edition::E2026 => "HJ 633-2026 表3",
    };
    BreakpointRow {
        edition,
        item: Item::new(p, a),
        conc: [
            Some(c[0]),
            Some(c[1]),
            Some(c[2]),
            Some(c[3]),
            Some(c[4]),
            Some(c[5]),
            Some(c[6]),
            Some(c[7]),
        ],
        clause,
    }
}

/// A row that stops at IAQI 200 (SO2 1-hour) or 300 (O3 8-hour): see [`ABOVE_800`].
const fn row_to(
    edition: Edition,
    p: Pollutant,
    a: Averaging,
    c: [u32; 8],
    nodes: usize,
) -> BreakpointRow {
    let mut r = row(edition, p, a, c);
    let mut i = nodes;
    while i < 8 {
        r.conc[i] = None;
        i += 1;
    }
    r
}

const E12: Edition = Edition::E2012;
const E26: Edition = Edition::E2026;

/// The IAQI breakpoints of both editions [A]. Only PM10 and PM2.5 at IAQI 100 differ (PM10
/// 150 → 120, PM2.5 75 → 60); every other row is the same in both. The 1-hour rows of SO2, NO2,
/// CO (and in 2026 O3) are for the real-time report only.
pub static BREAKPOINTS: [BreakpointRow; 20] = [
    // HJ 633-2012 表1
    row(E12, So2, H24, [0, 50, 150, 475, 800, 1600, 2100, 2620]),
    row_to(E12, So2, H1, [0, 150, 500, 650, 800, 0, 0, 0], 5),
    row(E12, No2, H24, [0, 40, 80, 180, 280, 565, 750, 940]),
    row(E12, No2, H1, [0, 100, 200, 700, 1200, 2340, 3090, 3840]),
    row(E12, Co, H24, [0, 2, 4, 14, 24, 36, 48, 60]),
    row(E12, Co, H1, [0, 5, 10, 35, 60, 90, 120, 150]),
    row(E12, O3, H1, [0, 160, 200, 300, 400, 800, 1000, 1200]),
    row_to(E12, O3, H8, [0, 100, 160, 215, 265, 800, 0, 0], 6),
    row(E12, Pm10, H24, [0, 50, 150, 250, 350, 420, 500, 600]),
    row(E12, Pm25, H24, [0, 35, 75, 115, 150, 250, 350, 500]),
    // HJ 633-2026 表3
    row(E26, So2, H24, [0, 50, 150, 475, 800, 1600, 2100, 2620]),
    row_to(E26, So2, H1, [0, 150, 500, 650, 800, 0, 0, 0], 5),
    row(E26, No2, H24, [0, 40, 80, 180, 280, 565, 750, 940]),
    row(E26, No2, H1, [0, 100, 200, 700, 1200, 2340, 3090, 3840]),
    row(E26, Co, H24, [0, 2, 4, 14, 24, 36, 48, 60]),
    row(E26, Co, H1, [0, 5, 10, 35, 60, 90, 120, 150]),
    row(E26, O3, H1, [0, 160, 200, 300, 400, 800, 1000, 1200]),
    row_to(E26, O3, H8, [0, 100, 160, 215, 265, 800, 0, 0], 6),
    row(E26, Pm10, H24, [0, 50, 120, 250, 350, 420, 500, 600]),
    row(E26, Pm25, H24, [0, 35, 60, 115, 150, 250, 350, 500]),
];

/// What HJ 633 prescribes for a concentration above 800 µg/m³ where its table stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Above800 {
    /// Do not compute this IAQI; the pollutant's index comes from another item instead.
    UseInstead(Item),
    /// The IAQI is this fixed value.
    Fixed(u16),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Above800Rule {
    pub edition: Edition,
    pub item: Item,
    /// The rule applies when the concentration is strictly above this (µg/m³).
    pub above: u32,
    pub action: Above800,
    pub clause: &'static str,
}

/// The special cases above 800 µg/m³ [A]. They differ between the editions.
pub static ABOVE_800: [Above800Rule; 4] = [
    Above800Rule {
        edition: E12,
        item: Item::new(So2, H1),
        above: 800,
        action: Above800::UseInstead(Item::new(So2, H24)),
        clause: "HJ 633-2012 表1 注(2)：SO2 1小时浓度高于800 μg/m³ 的，不再进行其空气质量分指数计算，按24小时平均浓度计算的分指数报告",
    },
    Above800Rule {
        edition: E12,
        item: Item::new(O3, H8),
        above: 800,
        action: Above800::UseInstead(Item::new(O3, H1)),
        clause: "HJ 633-2012 表1 注(3)：O3 8小时平均浓度高于800 μg/m³ 的，不再进行其空气质量分指数计算，按1小时平均浓度计算的分指数报告",
    },
    Above800Rule {
        edition: E26,
        item: Item::new(So2, H1),
        above: 800,
        action: Above800::Fixed(200),
        clause: "HJ 633-2026 表3 注b：SO2 1小时平均浓度高于800 μg/m³ 的，分指数按200计",
    },
    Above800Rule {
        edition: E26,
        item: Item::new(O3, H8),
        above: 800,
        action: Above800::Fixed(300),
        clause: "HJ 633-2026 表3 注c：O3 8小时平均浓度高于800 μg/m³ 的，分指数按300计",
    },
];

/// The two kinds of AQI report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Report {
    /// 日报: daily means, O3 daily maximum 8-hour (and in 2012 daily maximum 1-hour).
    #[serde(rename = "daily")]
    Daily,
    /// 实时报: hourly values.
    #[serde(rename = "hourly")]
    Hourly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReportItems {
    pub edition: Edition,
    pub report: Report,
    pub items: &'static [Item],
    pub clause: &'static str,
}

/// The items that enter each report [A].
pub static REPORT_ITEMS: [ReportItems; 4] = [
    ReportItems {
        edition: E12,
        report: Report::Daily,
        items: &[
            Item::new(So2, H24),
            Item::new(No2, H24),
            Item::new(Pm10, H24),
            Item::new(Pm25, H24),
            Item::new(Co, H24),
            Item::new(O3, H1),
            Item::new(O3, H8),
        ],
        clause: "HJ 633-2012 §5.2：日报 SO2、NO2、PM10、PM2.5、CO 的24小时平均，O3 的日最大1小时平均和日最大8小时滑动平均",
    },
    ReportItems {
        edition: E12,
        report: Report::Hourly,
        // PM 1-hour values are reported but have no IAQI segments in 2012: the real-time PM
        // index uses the 24-hour moving means.
        items: &[
            Item::new(So2, H1),
            Item::new(No2, H1),
            Item::new(Pm10, H24),
            Item::new(Pm25, H24),
            Item::new(Co, H1),
            Item::new(O3, H1),
            Item::new(O3, H8),
        ],
        clause: "HJ 633-2012 §5.3：实时报 SO2、NO2、O3、CO 的1小时平均，O3 的8小时滑动平均，PM10、PM2.5 的24小时滑动平均",
    },
    ReportItems {
        edition: E26,
        report: Report::Daily,
        items: &[
            Item::new(So2, H24),
            Item::new(No2, H24),
            Item::new(Pm10, H24),
            Item::new(Pm25, H24),
            Item::new(Co, H24),
            Item::new(O3, H8),
        ],
        clause: "HJ 633-2026 §4.2.2：日报 SO2、NO2、CO、PM10、PM2.5 的日平均和 O3 的日最大8小时平均（不再含 O3 日最大1小时）",
    },
    ReportItems {
        edition: E26,
        report: Report::Hourly,
        items: &[
            Item::new(So2, H1),
            Item::new(No2, H1),
            Item::new(Pm10, H1),
            Item::new(Pm25, H1),
            Item::new(Co, H1),
            Item::new(O3, H1),
        ],
        clause: "HJ 633-2026 §4.2.3：实时报 SO2、NO2、CO、O3、PM10、PM2.5 的1小时平均；PM 1小时浓度按日平均分段计算（式1 说明）",
    },
];

/// Rounding of a concentration before its IAQI is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ConcentrationRounding {
    pub edition: Edition,
    /// Rounding step in µg/m³ × 10⁴ for pollutants in µg/m³ (1 µg/m³) …
    pub step_ug_pollutants: u64,
    /// … and for CO (0.1 mg/m³).
    pub step_co: u64,
    pub clause: &'static str,
    pub confidence: Confidence,
}

/// GB/T 8170 rounding of concentrations to integers (µg/m³) and to one decimal (CO, mg/m³)
/// before the index. HJ 633-2026 states it; for 2012 it comes from HJ 663-2013's rounding of the
/// reported statistics, which is what the daily AQI is computed from.
pub static CONCENTRATION_ROUNDING: [ConcentrationRounding; 2] = [
    ConcentrationRounding {
        edition: E12,
        step_ug_pollutants: 10_000,
        step_co: 1_000_000,
        clause: "HJ 663-2013 数据修约（GB/T 8170）：μg/m³ 取整数，CO 保留1位小数",
        confidence: Confidence::B,
    },
    ConcentrationRounding {
        edition: E26,
        step_ug_pollutants: 10_000,
        step_co: 1_000_000,
        clause: "HJ 633-2026 §4.2.2–4.2.3：浓度按 GB/T 8170 修约，μg/m³ 取整数，CO（mg/m³）保留1位小数",
        confidence: Confidence::A,
    },
];

/// One of the six AQI categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Category {
    /// 1–6 (一级 … 六级).
    pub level: u8,
    /// Highest AQI of the band (`u16::MAX` for 六级).
    pub upper: u16,
    pub level_zh: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub colour_zh: &'static str,
    pub rgb: [u8; 3],
    pub cmyk: [u8; 4],
}

/// AQI categories, identical in both editions (HJ 633-2012 表2, HJ 633-2026 表1) [A]. The 2026
/// edition writes the first band 1～50 (2012: 0～50); an AQI of 0 (every concentration exactly 0)
/// falls in 一级 under both.
pub static CATEGORIES: [Category; 6] = [
    Category {
        level: 1,
        upper: 50,
        level_zh: "一级",
        name_zh: "优",
        name_en: "Excellent",
        colour_zh: "绿色",
        rgb: [0, 228, 0],
        cmyk: [40, 0, 100, 0],
    },
    Category {
        level: 2,
        upper: 100,
        level_zh: "二级",
        name_zh: "良",
        name_en: "Good",
        colour_zh: "黄色",
        rgb: [255, 255, 0],
        cmyk: [0, 0, 100, 0],
    },
    Category {
        level: 3,
        upper: 150,
        level_zh: "三级",
        name_zh: "轻度污染",
        name_en: "Lightly polluted",
        colour_zh: "橙色",
        rgb: [255, 126, 0],
        cmyk: [0, 52, 100, 0],
    },
    Category {
        level: 4,
        upper: 200,
        level_zh: "四级",
        name_zh: "中度污染",
        name_en: "Moderately polluted",
        colour_zh: "红色",
        rgb: [255, 0, 0],
        cmyk: [0, 100, 100, 0],
    },
    Category {
        level: 5,
        upper: 300,
        level_zh: "五级",
        name_zh: "重度污染",
        name_en: "Heavily polluted",
        colour_zh: "紫色",
        rgb: [153, 0, 76],
        cmyk: [10, 100, 40, 30],
    },
    Category {
        level: 6,
        upper: u16::MAX,
        level_zh: "六级",
        name_zh: "严重污染",
        name_en: "Severely polluted",
        colour_zh: "褐红色",
        rgb: [126, 0, 35],
        cmyk: [30, 100, 100, 30],
    },
];

/// The AQI at or below which a day is 优 or 良 (优良天).
pub const GOOD_DAY_MAX_AQI: Cited<u16> = Cited {
    value: 100,
    clause: "HJ 633-2012 表2 / HJ 633-2026 表1：AQI 0(1)～100 为优、良",
    confidence: Confidence::A,
};

/// A primary pollutant is named only when AQI exceeds this.
pub const PRIMARY_POLLUTANT_ABOVE: Cited<u16> = Cited {
    value: 50,
    clause: "HJ 633-2012 §3.6 / HJ 633-2026 §4.3.1：AQI 大于50时 IAQI 最大的污染物为首要污染物，并列时并列",
    confidence: Confidence::A,
};

/// 超标污染物 (2012 only; deleted in 2026): a pollutant whose IAQI exceeds this.
pub const EXCEEDING_ABOVE_2012: Cited<u16> = Cited {
    value: 100,
    clause: "HJ 633-2012 §3.7：浓度超过 GB 3095 二级浓度限值的污染物，即 IAQI 大于100的污染物",
    confidence: Confidence::A,
};

pub fn category(aqi: u16) -> &'static Category {
    CATEGORIES
        .iter()
        .find(|c| aqi <= c.upper)
        .unwrap_or(&CATEGORIES[5])
}

pub fn breakpoints(edition: Edition, item: Item) -> Option<&'static BreakpointRow> {
    // HJ 633-2026 式1 说明: PM 1-hour values use the daily segments.
    let lookup = if edition == Edition::E2026
        && item.averaging == H1
        && matches!(item.pollutant, Pm10 | Pm25)
    {
        Item::new(item.pollutant, H24)
    } else {
        item
    };
    BREAKPOINTS
        .iter()
        .find(|r| r.edition == edition && r.item == lookup)
}

pub fn report_items(edition: Edition, report: Report) -> &'static ReportItems {
    REPORT_ITEMS
        .iter()
        .find(|r| r.edition == edition && r.report == report)
        .expect("every edition has both reports")
}

pub fn concentration_rounding(edition: Edition) -> &'static ConcentrationRounding {
    CONCENTRATION_ROUNDING
        .iter()
        .find(|r| r.edition == edition)
        .expect("every edition has a rounding rule")
}

/// The GB/T 8170 rounding step for a pollutant, in internal units.
pub fn rounding_step(edition: Edition, pollutant: Pollutant) -> u64 {
    let r = concentration_rounding(edition);
    if pollutant == Co {
        r.step_co
    } else {
        r.step_ug_pollutants
    }
}

/// Round an exact concentration as the edition prescribes before its IAQI (internal units).
pub fn round_concentration(edition: Edition, pollutant: Pollutant, c: Ratio) -> u64 {
    let step = rounding_step(edition, pollutant);
    let steps = round_half_even(c, step);
    u64::try_from(steps * u128::from(step)).expect("concentration in range")
}

/// The outcome of an IAQI computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Iaqi {
    /// The index from the breakpoint table.
    Index { value: u16 },
    /// Above the table's highest breakpoint: HJ 633 does not define the index; reported as 500
    /// and flagged (as the peers do).
    AboveTable { value: u16 },
    /// A value the standard fixes (2026, above 800 µg/m³).
    Fixed { value: u16 },
    /// Not computed: the standard takes the pollutant's index from another item (2012, above
    /// 800 µg/m³).
    UseInstead { item: Item },
    /// This item has no IAQI in this edition (PM 1-hour values in 2012).
    NotIndexed,
}

impl Iaqi {
    pub fn value(self) -> Option<u16> {
        match self {
            Iaqi::Index { value } | Iaqi::AboveTable { value } | Iaqi::Fixed { value } => {
                Some(value)
            }
            Iaqi::UseInstead { .. } | Iaqi::NotIndexed => None,
        }
    }
}

/// IAQI of a concentration already rounded as the edition prescribes, in internal units
/// (10⁻⁴ µg/m³; CO also in µg/m³).
pub fn iaqi(edition: Edition, item: Item, conc_units: u64) -> Iaqi {
    let unit = item.pollutant.unit().units();
    if let Some(rule) = ABOVE_800
        .iter()
        .find(|r| r.edition == edition && r.item == item)
        && u128::from(conc_units) > u128::from(rule.above) * u128::from(super::Unit::UgM3.units())
    {
        return match rule.action {
            Above800::UseInstead(other) => Iaqi::UseInstead { item: other },
            Above800::Fixed(v) => Iaqi::Fixed { value: v },
        };
    }
    let Some(row) = breakpoints(edition, item) else {
        return Iaqi::NotIndexed;
    };
    let c = u128::from(conc_units);
    let mut last = 0usize;
    for i in 1..IAQI_NODES.len() {
        let Some(hi) = row.conc[i] else { break };
        last = i;
        let hi = u128::from(hi) * u128::from(unit);
        if c <= hi {
            let lo = u128::from(row.conc[i - 1].expect("nodes are contiguous")) * u128::from(unit);
            let i_lo = u128::from(IAQI_NODES[i - 1]);
            let i_hi = u128::from(IAQI_NODES[i]);
            let num = (i_hi - i_lo) * (c - lo);
            let den = hi - lo;
            let value = i_lo + num.div_ceil(den);
            return Iaqi::Index {
                value: u16::try_from(value).expect("IAQI ≤ 500"),
            };
        }
    }
    Iaqi::AboveTable {
        value: IAQI_NODES[last],
    }
}

/// One item's part in an AQI.
#[derive(Debug, Clone, Serialize)]
pub struct ItemIndex {
    pub item: Item,
    /// The concentration after the edition's rounding, internal units.
    pub concentration: u64,
    pub iaqi: Iaqi,
    /// The index this item contributes (after substitutions), if any.
    pub contributes: Option<u16>,
}

/// A computed AQI with everything a report shows.
#[derive(Debug, Clone, Serialize)]
pub struct AqiResult {
    pub edition: Edition,
    pub report: Report,
    pub items: Vec<ItemIndex>,
    /// Items of the report that were not given (or could not be indexed).
    pub missing: Vec<Item>,
    /// The AQI; `None` is NA (2026 §5.3: incomplete and not above 100, or nothing given).
    pub aqi: Option<u16>,
    /// The AQI was computed without every item of the report.
    pub partial: bool,
    pub primary_pollutants: Vec<Pollutant>,
    /// 超标污染物 (2012 only).
    pub exceeding_pollutants: Vec<Pollutant>,
    /// Items above the highest breakpoint (index capped at 500).
    pub above_table: Vec<Item>,
}

impl AqiResult {
    pub fn category(&self) -> Option<&'static Category> {
        self.aqi.map(category)
    }

    /// The index of one pollutant: the largest index among its items.
    pub fn pollutant_iaqi(&self, p: Pollutant) -> Option<u16> {
        self.items
            .iter()
            .filter(|i| i.item.pollutant == p)
            .filter_map(|i| i.contributes)
            .max()
    }
}

/// The 2026 completeness rule (HJ 633-2026 §5.3) [A]: with an item missing, the AQI from the
/// remaining items is published only when it exceeds this; otherwise AQI and category are NA.
pub const MISSING_RULE_2026: Cited<u16> = Cited {
    value: 100,
    clause: "HJ 633-2026 §5.3：污染物缺测或无效时，按其余污染物计算；AQI 大于100 时发布，否则 AQI 及类别记为 NA",
    confidence: Confidence::A,
};

/// Compute the AQI of one report from exact concentrations (internal units as ratios, so a mean
/// of hourly values goes in unrounded and is rounded here exactly once, per
/// [`CONCENTRATION_ROUNDING`]). Items not in the report are used only as the substitutes that
/// [`ABOVE_800`] names (e.g. SO2 24-hour for a 2012 hourly SO2 above 800); others are ignored.
pub fn aqi(edition: Edition, report: Report, inputs: &[(Item, Ratio)]) -> AqiResult {
    let spec = report_items(edition, report);
    let find = |item: Item| inputs.iter().find(|(i, _)| *i == item).map(|(_, c)| *c);
    let mut items = Vec::with_capacity(spec.items.len());
    let mut missing = Vec::new();
    let mut above_table = Vec::new();
    for &item in spec.items {
        let Some(c) = find(item) else {
            missing.push(item);
            continue;
        };
        let conc = round_concentration(edition, item.pollutant, c);
        let idx = iaqi(edition, item, conc);
        let contributes = match idx {
            Iaqi::UseInstead { item: other } => {
                if spec.items.contains(&other) {
                    // The substitute is an item of this report and counts on its own.
                    None
                } else if let Some(oc) = find(other) {
                    let oconc = round_concentration(edition, other.pollutant, oc);
                    iaqi(edition, other, oconc).value()
                } else {
                    missing.push(item);
                    None
                }
            }
            Iaqi::AboveTable { value } => {
                above_table.push(item);
                Some(value)
            }
            Iaqi::NotIndexed => {
                missing.push(item);
                None
            }
            other => other.value(),
        };
        items.push(ItemIndex {
            item,
            concentration: conc,
            iaqi: idx,
            contributes,
        });
    }
    let computed = items.iter().filter_map(|i| i.contributes).max();
    // Only items that could contribute are missing; a 2012 O3 8-hour above 800 is replaced by the
    // O3 1-hour item by the standard's own rule, which is not a gap.
    let partial = !missing.is_empty();
    let aqi = match (edition, computed) {
        (_, None) => None,
        (Edition::E2026, Some(v)) if partial && v <= MISSING_RULE_2026.value => None,
        (_, Some(v)) => Some(v),
    };
    let (primary_pollutants, exceeding_pollutants) = match aqi {
        Some(a) => {
            let mut primary = Vec::new();
            let mut exceeding = Vec::new();
            for p in Pollutant::ALL {
                let best = items
                    .iter()
                    .filter(|i| i.item.pollutant == p)
                    .filter_map(|i| i.contributes)
                    .max();
                if let Some(v) = best {
                    if a > PRIMARY_POLLUTANT_ABOVE.value && v == a {
                        primary.push(p);
                    }
                    if edition == Edition::E2012 && v > EXCEEDING_ABOVE_2012.value {
                        exceeding.push(p);
                    }
                }
            }
            (primary, exceeding)
        }
        None => (Vec::new(), Vec::new()),
    };
    AqiResult {
        edition,
        report,
        items,
        missing,
        aqi,
        partial,
        primary_pollutants,
        exceeding_pollutants,
        above_table,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::air::exact::{UNITS_PER_MG, UNITS_PER_UG};
    use proptest::prelude::*;

    fn units(item: Item, c: f64) -> u64 {
        // Test helper only: exact for the decimal literals used below.
        let per = item.pollutant.unit().units() as f64;
        (c * per).round() as u64
    }

    fn check(edition: Edition, item: Item, c: f64, want: u16) {
        let conc = units(item, c);
        let got = iaqi(edition, item, conc).value();
        assert_eq!(got, Some(want), "{edition:?} {} at {c}", item.code());
    }

    /// Every breakpoint of both editions, typed again from the standards (not copied from the
    /// table above): at each node the IAQI is exactly the node's index, one resolution step above
    /// it the index is the next integer up.
    #[test]
    fn every_breakpoint_boundary_of_both_editions_gives_its_node_index() {
        // (edition, item, concentrations at IAQI 0, 50, 100, 150, 200, 300, 400, 500; 0 = none)
        let tables: &[(Edition, Item, [u32; 8])] = &[
            (
                E12,
                Item::new(So2, H24),
                [0, 50, 150, 475, 800, 1600, 2100, 2620],
            ),
            (E12, Item::new(So2, H1), [0, 150, 500, 650, 800, 0, 0, 0]),
            (
                E12,
                Item::new(No2, H24),
                [0, 40, 80, 180, 280, 565, 750, 940],
            ),
            (
                E12,
                Item::new(No2, H1),
                [0, 100, 200, 700, 1200, 2340, 3090, 3840],
            ),
            (
                E12,
                Item::new(Pm10, H24),
                [0, 50, 150, 250, 350, 420, 500, 600],
            ),
            (E12, Item::new(Co, H24), [0, 2, 4, 14, 24, 36, 48, 60]),
            (E12, Item::new(Co, H1), [0, 5, 10, 35, 60, 90, 120, 150]),
            (
                E12,
                Item::new(O3, H1),
                [0, 160, 200, 300, 400, 800, 1000, 1200],
            ),
            (E12, Item::new(O3, H8), [0, 100, 160, 215, 265, 800, 0, 0]),
            (
                E12,
                Item::new(Pm25, H24),
                [0, 35, 75, 115, 150, 250, 350, 500],
            ),
            (
                E26,
                Item::new(So2, H24),
                [0, 50, 150, 475, 800, 1600, 2100, 2620],
            ),
            (E26, Item::new(So2, H1), [0, 150, 500, 650, 800, 0, 0, 0]),
            (
                E26,
                Item::new(No2, H24),
                [0, 40, 80, 180, 280, 565, 750, 940],
            ),
            (
                E26,
                Item::new(No2, H1),
                [0, 100, 200, 700, 1200, 2340, 3090, 3840],
            ),
            (
                E26,
                Item::new(Pm10, H24),
                [0, 50, 120, 250, 350, 420, 500, 600],
            ),
            (
                E26,
                Item::new(Pm10, H1),
                [0, 50, 120, 250, 350, 420, 500, 600],
            ),
            (E26, Item::new(Co, H24), [0, 2, 4, 14, 24, 36, 48, 60]),
            (E26, Item::new(Co, H1), [0, 5, 10, 35, 60, 90, 120, 150]),
            (
                E26,
                Item::new(O3, H1),
                [0, 160, 200, 300, 400, 800, 1000, 1200],
            ),
            (E26, Item::new(O3, H8), [0, 100, 160, 215, 265, 800, 0, 0]),
            (
                E26,
                Item::new(Pm25, H24),
                [0, 35, 60, 115, 150, 250, 350, 500],
            ),
            (
                E26,
                Item::new(Pm25, H1),
                [0, 35, 60, 115, 150, 250, 350, 500],
            ),
        ];
        let mut checked = 0;
        for (edition, item, conc) in tables {
            let unit = item.pollutant.unit().units();
            for (i, &c) in conc.iter().enumerate() {
                if i > 0 && c == 0 {
                    continue;
                }
                let at = u64::from(c) * unit;
                assert_eq!(
                    iaqi(*edition, *item, at),
                    Iaqi::Index {
                        value: IAQI_NODES[i]
                    },
                    "{edition:?} {} at node {c}",
                    item.code()
                );
                // One internal unit above a node (not the last) lies in the next segment and
                // rounds up to node + 1.
                let next_defined = conc.get(i + 1).is_some_and(|&n| n != 0);
                if next_defined {
                    assert_eq!(
                        iaqi(*edition, *item, at + 1).value(),
                        Some(IAQI_NODES[i] + 1),
                        "{edition:?} {} just above {c}",
                        item.code()
                    );
                }
                // One unit below a node (not the first) is still within the segment below, whose
                // ceiling is the node itself.
                if i > 0 {
                    assert_eq!(
                        iaqi(*edition, *item, at - 1).value(),
                        Some(IAQI_NODES[i]),
                        "{edition:?} {} just below {c}",
                        item.code()
                    );
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 166);
        // And the table in this module has exactly the rows the test typed (plus none else).
        assert_eq!(BREAKPOINTS.len(), 20);
    }

    #[test]
    fn pm_one_hour_has_no_index_in_2012() {
        assert_eq!(
            iaqi(E12, Item::new(Pm25, H1), 10 * UNITS_PER_UG),
            Iaqi::NotIndexed
        );
        assert_eq!(
            iaqi(E12, Item::new(Pm10, H1), 10 * UNITS_PER_UG),
            Iaqi::NotIndexed
        );
    }

    /// standards.md §2.6, computed there with exact rational arithmetic.
    #[test]
    fn worked_examples_of_the_reference_match() {
        let cases: &[(Item, f64, u16, u16)] = &[
            (Item::new(Pm25, H24), 35.0, 50, 50),
            (Item::new(Pm25, H24), 36.0, 52, 52),
            (Item::new(Pm25, H24), 60.0, 82, 100),
            (Item::new(Pm25, H24), 75.0, 100, 114),
            (Item::new(Pm25, H24), 76.0, 102, 115),
            (Item::new(Pm25, H24), 120.0, 158, 158),
            (Item::new(Pm10, H24), 120.0, 85, 100),
            (Item::new(Pm10, H24), 150.0, 100, 112),
            (Item::new(Pm10, H24), 180.0, 115, 124),
            (Item::new(So2, H24), 65.0, 58, 58),
            (Item::new(So2, H24), 150.0, 100, 100),
            (Item::new(No2, H24), 150.0, 135, 135),
            (Item::new(No2, H1), 250.0, 105, 105),
            (Item::new(Co, H24), 2.5, 63, 63),
            (Item::new(Co, H24), 8.0, 120, 120),
            (Item::new(Co, H1), 12.3, 105, 105),
            (Item::new(O3, H8), 161.0, 101, 101),
            (Item::new(O3, H8), 170.0, 110, 110),
            (Item::new(O3, H1), 250.0, 125, 125),
        ];
        for &(item, c, want12, want26) in cases {
            check(E12, item, c, want12);
            check(E26, item, c, want26);
        }
    }

    #[test]
    fn above_800_special_cases_differ_between_editions() {
        let so2_1h = Item::new(So2, H1);
        let o3_8h = Item::new(O3, H8);
        let c900 = 900 * UNITS_PER_UG;
        assert_eq!(
            iaqi(E12, so2_1h, c900),
            Iaqi::UseInstead {
                item: Item::new(So2, H24)
            }
        );
        assert_eq!(iaqi(E26, so2_1h, c900), Iaqi::Fixed { value: 200 });
        assert_eq!(
            iaqi(E12, o3_8h, c900),
            Iaqi::UseInstead {
                item: Item::new(O3, H1)
            }
        );
        assert_eq!(iaqi(E26, o3_8h, c900), Iaqi::Fixed { value: 300 });
        // Exactly 800 is still in the table.
        assert_eq!(iaqi(E12, so2_1h, 800 * UNITS_PER_UG).value(), Some(200));
        assert_eq!(iaqi(E26, o3_8h, 800 * UNITS_PER_UG).value(), Some(300));
        // 800.0001 is above.
        assert_eq!(
            iaqi(E26, o3_8h, 800 * UNITS_PER_UG + 1),
            Iaqi::Fixed { value: 300 }
        );
    }

    #[test]
    fn above_the_top_breakpoint_is_capped_at_500_and_flagged() {
        assert_eq!(
            iaqi(E12, Item::new(Pm25, H24), 501 * UNITS_PER_UG),
            Iaqi::AboveTable { value: 500 }
        );
        assert_eq!(
            iaqi(E26, Item::new(Co, H24), 61 * UNITS_PER_MG),
            Iaqi::AboveTable { value: 500 }
        );
        let r = aqi(
            E26,
            Report::Daily,
            &[(
                Item::new(Pm25, H24),
                Ratio::from_int(u128::from(600 * UNITS_PER_UG)),
            )],
        );
        assert_eq!(r.above_table, vec![Item::new(Pm25, H24)]);
        assert_eq!(r.aqi, Some(500));
    }

    fn daily(values: &[(Pollutant, Averaging, f64)]) -> Vec<(Item, Ratio)> {
        values
            .iter()
            .map(|&(p, a, c)| {
                let item = Item::new(p, a);
                (item, Ratio::from_int(u128::from(units(item, c))))
            })
            .collect()
    }

    /// standards.md §2.6, the 2026 daily example.
    #[test]
    fn the_2026_daily_example_gives_aqi_158_with_pm25_primary() {
        let input = daily(&[
            (Pm25, H24, 120.0),
            (Pm10, H24, 180.0),
            (So2, H24, 65.0),
            (No2, H24, 150.0),
            (Co, H24, 8.0),
            (O3, H8, 200.0),
        ]);
        let r = aqi(E26, Report::Daily, &input);
        let got: Vec<(String, Option<u16>)> = r
            .items
            .iter()
            .map(|i| (i.item.code(), i.contributes))
            .collect();
        assert_eq!(
            got,
            vec![
                ("SO2_24h".to_string(), Some(58)),
                ("NO2_24h".to_string(), Some(135)),
                ("PM10_24h".to_string(), Some(124)),
                ("PM2.5_24h".to_string(), Some(158)),
                ("CO_24h".to_string(), Some(120)),
                ("O3_8h".to_string(), Some(137)),
            ]
        );
        assert_eq!(r.aqi, Some(158));
        assert!(!r.partial);
        let cat = r.category().unwrap();
        assert_eq!(
            (cat.level, cat.name_zh, cat.colour_zh),
            (4, "中度污染", "红色")
        );
        assert_eq!(r.primary_pollutants, vec![Pm25]);
        assert!(r.exceeding_pollutants.is_empty(), "2026 has no 超标污染物");
    }

    #[test]
    fn the_2012_daily_report_has_seven_items_and_exceeding_pollutants() {
        let input = daily(&[
            (Pm25, H24, 120.0),
            (Pm10, H24, 180.0),
            (So2, H24, 65.0),
            (No2, H24, 150.0),
            (Co, H24, 8.0),
            (O3, H8, 200.0),
            (O3, H1, 250.0),
        ]);
        let r = aqi(E12, Report::Daily, &input);
        assert_eq!(r.items.len(), 7);
        assert_eq!(r.aqi, Some(158));
        assert_eq!(r.primary_pollutants, vec![Pm25]);
        assert_eq!(r.exceeding_pollutants, vec![No2, Pm10, Pm25, Co, O3]);
        // Without the O3 1-hour item the 2012 AQI is still computed, marked partial.
        let r = aqi(E12, Report::Daily, &input[..6]);
        assert!(r.partial);
        assert_eq!(r.missing, vec![Item::new(O3, H1)]);
        assert_eq!(r.aqi, Some(158));
    }

    #[test]
    fn ties_list_every_primary_pollutant_and_none_at_or_below_50() {
        // PM2.5 75 and PM10 150 both give 100 under 2012.
        let r = aqi(
            E12,
            Report::Daily,
            &daily(&[(Pm25, H24, 75.0), (Pm10, H24, 150.0)]),
        );
        assert_eq!(r.aqi, Some(100));
        assert_eq!(r.primary_pollutants, vec![Pm10, Pm25]);
        // AQI exactly 50: no primary pollutant.
        let r = aqi(
            E12,
            Report::Daily,
            &daily(&[(Pm25, H24, 35.0), (So2, H24, 10.0)]),
        );
        assert_eq!(r.aqi, Some(50));
        assert!(r.primary_pollutants.is_empty());
        // O3 1-hour and 8-hour tie: the pollutant is named once.
        let r = aqi(
            E12,
            Report::Daily,
            &daily(&[(O3, H1, 200.0), (O3, H8, 160.0)]),
        );
        assert_eq!(r.primary_pollutants, vec![O3]);
    }

    #[test]
    fn missing_pollutant_rule_of_2026_publishes_only_above_100() {
        // Five items, partial AQI 158 > 100: published.
        let five = daily(&[
            (Pm25, H24, 120.0),
            (Pm10, H24, 180.0),
            (So2, H24, 65.0),
            (No2, H24, 150.0),
            (O3, H8, 200.0),
        ]);
        let r = aqi(E26, Report::Daily, &five);
        assert!(r.partial);
        assert_eq!(r.missing, vec![Item::new(Co, H24)]);
        assert_eq!(r.aqi, Some(158));
        // Partial AQI exactly 100: NA.
        let r = aqi(
            E26,
            Report::Daily,
            &daily(&[(Pm25, H24, 60.0), (So2, H24, 10.0)]),
        );
        assert_eq!(r.aqi, None);
        assert!(r.primary_pollutants.is_empty());
        assert_eq!(r.items.len(), 2, "the individual IAQIs are still given");
        // 2012 has no such rule: the same input gives 82.
        let r = aqi(
            E12,
            Report::Daily,
            &daily(&[(Pm25, H24, 60.0), (So2, H24, 10.0)]),
        );
        assert_eq!(r.aqi, Some(82));
    }

    #[test]
    fn concentrations_are_rounded_half_even_before_the_index() {
        // PM2.5 60.5 rounds to 60 (even) → 2026 IAQI 100; 61.5 rounds to 62.
        let r = aqi(
            E26,
            Report::Daily,
            &[(
                Item::new(Pm25, H24),
                Ratio::new(605 * u128::from(UNITS_PER_UG), 10),
            )],
        );
        assert_eq!(r.items[0].concentration, 60 * UNITS_PER_UG);
        assert_eq!(r.items[0].contributes, Some(100));
        // CO 2.45 mg/m³ → 2.4 (even) → IAQI 60; 2.55 → 2.6 → 65.
        let co = Item::new(Co, H24);
        let r = aqi(
            E26,
            Report::Daily,
            &[(co, Ratio::new(245 * u128::from(UNITS_PER_MG), 100))],
        );
        assert_eq!(r.items[0].contributes, Some(60));
        let r = aqi(
            E26,
            Report::Daily,
            &[(co, Ratio::new(255 * u128::from(UNITS_PER_MG), 100))],
        );
        assert_eq!(r.items[0].contributes, Some(65));
    }

    #[test]
    fn hourly_reports_use_each_editions_items_and_fallbacks() {
        // 2026 hourly: PM2.5 1-hour on the daily segments.
        let r = aqi(E26, Report::Hourly, &daily(&[(Pm25, H1, 60.0)]));
        assert_eq!(r.items[0].contributes, Some(100));
        // 2012 hourly: SO2 1-hour above 800 takes the 24-hour index when given …
        let r = aqi(
            E12,
            Report::Hourly,
            &daily(&[(So2, H1, 900.0), (So2, H24, 150.0)]),
        );
        assert_eq!(r.pollutant_iaqi(So2), Some(100));
        assert_eq!(r.aqi, Some(100));
        // … and is missing without it.
        let r = aqi(
            E12,
            Report::Hourly,
            &daily(&[(So2, H1, 900.0), (No2, H1, 100.0)]),
        );
        assert!(r.missing.contains(&Item::new(So2, H1)));
        assert_eq!(r.aqi, Some(50));
        // 2026: fixed 200.
        let r = aqi(E26, Report::Hourly, &daily(&[(So2, H1, 900.0)]));
        assert_eq!(r.pollutant_iaqi(So2), Some(200));
        // 2012 daily: O3 8-hour above 800 yields to the 1-hour item; the report is complete.
        let full = daily(&[
            (Pm25, H24, 10.0),
            (Pm10, H24, 10.0),
            (So2, H24, 10.0),
            (No2, H24, 10.0),
            (Co, H24, 0.5),
            (O3, H8, 900.0),
            (O3, H1, 1000.0),
        ]);
        let r = aqi(E12, Report::Daily, &full);
        assert!(!r.partial);
        assert_eq!(r.aqi, Some(400));
        assert_eq!(r.primary_pollutants, vec![O3]);
        let r = aqi(E26, Report::Daily, &full);
        assert_eq!(
            r.aqi,
            Some(300),
            "2026 fixes O3 8h > 800 at 300 and ignores O3 1h"
        );
    }

    #[test]
    fn categories_bands_and_colours() {
        let levels: Vec<(u16, u8)> = [0, 1, 50, 51, 100, 101, 150, 151, 200, 201, 300, 301, 500]
            .iter()
            .map(|&a| (a, category(a).level))
            .collect();
        assert_eq!(
            levels,
            vec![
                (0, 1),
                (1, 1),
                (50, 1),
                (51, 2),
                (100, 2),
                (101, 3),
                (150, 3),
                (151, 4),
                (200, 4),
                (201, 5),
                (300, 5),
                (301, 6),
                (500, 6)
            ]
        );
        assert_eq!(category(301).rgb, [126, 0, 35]);
        assert_eq!(category(75).name_zh, "良");
    }

    proptest! {
        #[test]
        fn iaqi_is_monotone_in_concentration(
            idx in 0usize..20,
            a in 0u64..40_000_000_000,
            b in 0u64..40_000_000_000,
        ) {
            let row = &BREAKPOINTS[idx];
            let (lo, hi) = (a.min(b), a.max(b));
            let (ilo, ihi) = (iaqi(row.edition, row.item, lo), iaqi(row.edition, row.item, hi));
            // Where both are plain indices (or capped), the higher concentration never has the
            // lower index.
            if let (Some(x), Some(y)) = (ilo.value(), ihi.value()) {
                prop_assert!(x <= y, "{:?} {} {lo}->{x} {hi}->{y}", row.edition, row.item.code());
            }
        }

        #[test]
        fn aqi_is_the_maximum_iaqi(
            edition in prop_oneof![Just(E12), Just(E26)],
            cs in proptest::collection::vec(0u64..6_000_000, 7),
        ) {
            let spec = report_items(edition, Report::Daily);
            let input: Vec<(Item, Ratio)> = spec
                .items
                .iter()
                .zip(&cs)
                .map(|(&item, &c)| {
                    let c = if item.pollutant == Co { c / 50 * 1000 } else { c };
                    (item, Ratio::from_int(u128::from(c)))
                })
                .collect();
            let r = aqi(edition, Report::Daily, &input);
            let max = r.items.iter().filter_map(|i| i.contributes).max();
            prop_assert_eq!(r.aqi, max);
            prop_assert!(!r.partial);
            for p in &r.primary_pollutants {
                prop_assert_eq!(r.pollutant_iaqi(*p), r.aqi);
            }
        }

        #[test]
        fn aqi_does_not_depend_on_input_order(
            cs in proptest::collection::vec(0u64..6_000_000, 6),
            seed in 0usize..720,
        ) {
            let spec = report_items(E26, Report::Daily);
            let mut input: Vec<(Item, Ratio)> = spec.items.iter().zip(&cs)
                .map(|(&item, &c)| (item, Ratio::from_int(u128::from(c)))).collect();
            let r1 = aqi(E26, Report::Daily, &input);
            // A permutation chosen by the seed.
            let mut s = seed;
            for i in (1..input.len()).rev() {
                input.swap(i, s % (i + 1));
                s /= i + 1;
            }
            let r2 = aqi(E26, Report::Daily, &input);
            prop_assert_eq!(r1.aqi, r2.aqi);
            prop_assert_eq!(r1.primary_pollutants, r2.primary_pollutants);
        }
    }
}
