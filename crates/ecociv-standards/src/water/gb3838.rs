//! GB 3838-2002 《地表水环境质量标准》: the parameters, Table 1 (basic items, classes I–V),
//! Table 2 (supplementary items for centralized drinking-water sources) and the class of one value.
//!
//! Every limit lives in [`TABLE_1`] or [`TABLE_2`], cited by item number. The rest of the crate
//! and the tests read the limits from there; nothing re-types them.

use std::fmt;

use serde::Serialize;

use super::decimal::{Dec, Ratio};

/// Standard and clause for provenance strings.
pub const STANDARD: &str = "GB 3838-2002";

/// A measured parameter a water sample file may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Param {
    WaterTemp,
    Ph,
    Do,
    CodMn,
    Cod,
    Bod5,
    Nh3N,
    Tp,
    Tn,
    Cu,
    Zn,
    Fluoride,
    Se,
    As,
    Hg,
    Cd,
    Cr6,
    Pb,
    Cyanide,
    VolatilePhenol,
    Petroleum,
    Las,
    Sulfide,
    FecalColiform,
    Sulfate,
    Chloride,
    Nitrate,
    Fe,
    Mn,
    Chla,
    Sd,
}

/// A unit a parameter column may be given in, and the exact power of ten that converts a value in
/// that unit to the parameter's canonical unit.
#[derive(Clone, Copy, Debug)]
pub struct UnitSpelling {
    pub spellings: &'static [&'static str],
    pub pow10: i32,
}

const MG_L: UnitSpelling = UnitSpelling {
    spellings: &["mg/L", "mg/l", "毫克/升"],
    pow10: 0,
};
const UG_L: UnitSpelling = UnitSpelling {
    spellings: &["μg/L", "µg/L", "ug/L", "μg/l", "µg/l", "ug/l", "微克/升"],
    pow10: -3,
};
const DIMENSIONLESS: UnitSpelling = UnitSpelling {
    spellings: &["无量纲", "dimensionless", "-"],
    pow10: 0,
};
const COUNT_L: UnitSpelling = UnitSpelling {
    spellings: &["个/L", "个/l", "MPN/L", "CFU/L", "count/L"],
    pow10: 0,
};
const DEG_C: UnitSpelling = UnitSpelling {
    spellings: &["℃", "°C", "degC"],
    pow10: 0,
};
const MG_M3: UnitSpelling = UnitSpelling {
    spellings: &["mg/m3", "mg/m³", "μg/L", "µg/L", "ug/L"],
    pow10: 0,
};
const METRE: UnitSpelling = UnitSpelling {
    spellings: &["m", "米"],
    pow10: 0,
};
const CENTIMETRE: UnitSpelling = UnitSpelling {
    spellings: &["cm", "厘米"],
    pow10: -2,
};

/// How a parameter is named in files and reports, and which units it accepts. The first unit is
/// the canonical one all values are converted to.
#[derive(Debug)]
pub struct ParamInfo {
    pub param: Param,
    /// Short ASCII code used in JSON and in the English header form.
    pub code: &'static str,
    /// Name as in GB 3838-2002 (or the trophic-state method for chla and SD).
    pub name_cn: &'static str,
    /// Other header spellings accepted, compared case-insensitively.
    pub aliases: &'static [&'static str],
    pub units: &'static [UnitSpelling],
    /// Whether a header without a unit is accepted (only for pH, which has none).
    pub unit_optional: bool,
}

/// Parameter names and units. GB 3838-2002 Table 1 items 1–24, Table 2 items 1–5, and the two
/// trophic-state inputs of 环办〔2011〕22号 (chlorophyll a, Secchi depth).
pub const PARAMS: &[ParamInfo] = &[
    p(
        Param::WaterTemp,
        "WT",
        "水温",
        &["water_temp", "temperature"],
        &[DEG_C],
        false,
    ),
    p(
        Param::Ph,
        "pH",
        "pH值",
        &["pH", "ph值"],
        &[DIMENSIONLESS],
        true,
    ),
    p(
        Param::Do,
        "DO",
        "溶解氧",
        &["dissolved_oxygen"],
        &[MG_L],
        false,
    ),
    p(
        Param::CodMn,
        "CODMn",
        "高锰酸盐指数",
        &["COD_Mn", "permanganate_index"],
        &[MG_L],
        false,
    ),
    p(
        Param::Cod,
        "COD",
        "化学需氧量",
        &["CODCr", "COD_Cr"],
        &[MG_L],
        false,
    ),
    p(
        Param::Bod5,
        "BOD5",
        "五日生化需氧量",
        &["BOD"],
        &[MG_L],
        false,
    ),
    p(
        Param::Nh3N,
        "NH3-N",
        "氨氮",
        &["NH3N", "NH3_N", "ammonia"],
        &[MG_L],
        false,
    ),
    p(
        Param::Tp,
        "TP",
        "总磷",
        &["total_phosphorus"],
        &[MG_L],
        false,
    ),
    p(Param::Tn, "TN", "总氮", &["total_nitrogen"], &[MG_L], false),
    p(Param::Cu, "Cu", "铜", &["copper"], &[MG_L, UG_L], false),
    p(Param::Zn, "Zn", "锌", &["zinc"], &[MG_L, UG_L], false),
    p(
        Param::Fluoride,
        "F",
        "氟化物",
        &["fluoride", "F-"],
        &[MG_L],
        false,
    ),
    p(Param::Se, "Se", "硒", &["selenium"], &[MG_L, UG_L], false),
    p(Param::As, "As", "砷", &["arsenic"], &[MG_L, UG_L], false),
    p(Param::Hg, "Hg", "汞", &["mercury"], &[MG_L, UG_L], false),
    p(Param::Cd, "Cd", "镉", &["cadmium"], &[MG_L, UG_L], false),
    p(
        Param::Cr6,
        "Cr6",
        "铬（六价）",
        &["Cr6+", "Cr(VI)", "六价铬", "铬(六价)"],
        &[MG_L, UG_L],
        false,
    ),
    p(Param::Pb, "Pb", "铅", &["lead"], &[MG_L, UG_L], false),
    p(
        Param::Cyanide,
        "CN",
        "氰化物",
        &["cyanide", "CN-"],
        &[MG_L],
        false,
    ),
    p(
        Param::VolatilePhenol,
        "VP",
        "挥发酚",
        &["volatile_phenol", "phenol"],
        &[MG_L],
        false,
    ),
    p(
        Param::Petroleum,
        "Oil",
        "石油类",
        &["petroleum"],
        &[MG_L],
        false,
    ),
    p(
        Param::Las,
        "LAS",
        "阴离子表面活性剂",
        &["surfactant"],
        &[MG_L],
        false,
    ),
    p(
        Param::Sulfide,
        "S2-",
        "硫化物",
        &["sulfide", "S2"],
        &[MG_L],
        false,
    ),
    p(
        Param::FecalColiform,
        "FC",
        "粪大肠菌群",
        &["fecal_coliform"],
        &[COUNT_L],
        false,
    ),
    p(
        Param::Sulfate,
        "SO4",
        "硫酸盐",
        &["sulfate", "SO42-"],
        &[MG_L],
        false,
    ),
    p(
        Param::Chloride,
        "Cl",
        "氯化物",
        &["chloride", "Cl-"],
        &[MG_L],
        false,
    ),
    p(
        Param::Nitrate,
        "NO3-N",
        "硝酸盐",
        &["nitrate", "NO3"],
        &[MG_L],
        false,
    ),
    p(Param::Fe, "Fe", "铁", &["iron"], &[MG_L], false),
    p(Param::Mn, "Mn", "锰", &["manganese"], &[MG_L], false),
    p(
        Param::Chla,
        "Chla",
        "叶绿素a",
        &["chlorophyll_a", "chl-a"],
        &[MG_M3],
        false,
    ),
    p(
        Param::Sd,
        "SD",
        "透明度",
        &["secchi_depth", "transparency"],
        &[METRE, CENTIMETRE],
        false,
    ),
];

const fn p(
    param: Param,
    code: &'static str,
    name_cn: &'static str,
    aliases: &'static [&'static str],
    units: &'static [UnitSpelling],
    unit_optional: bool,
) -> ParamInfo {
    ParamInfo {
        param,
        code,
        name_cn,
        aliases,
        units,
        unit_optional,
    }
}

impl Param {
    pub fn info(self) -> &'static ParamInfo {
        // PARAMS is in declaration order of the enum; checked by a test.
        &PARAMS[self as usize]
    }

    pub fn code(self) -> &'static str {
        self.info().code
    }

    pub fn name_cn(self) -> &'static str {
        self.info().name_cn
    }

    /// Finds a parameter by any of its names, ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<Param> {
        let name = name.trim();
        PARAMS.iter().find_map(|i| {
            let hit = i.code.eq_ignore_ascii_case(name)
                || i.name_cn == name
                || i.aliases.iter().any(|a| a.eq_ignore_ascii_case(name));
            hit.then_some(i.param)
        })
    }

    /// The canonical unit, as shown in reports.
    pub fn unit(self) -> &'static str {
        self.info().units[0].spellings[0]
    }

    /// The power of ten from `unit` to the canonical unit, if `unit` is accepted.
    pub fn unit_pow10(self, unit: &str) -> Option<i32> {
        let unit = unit.trim();
        self.info()
            .units
            .iter()
            .find(|u| u.spellings.iter().any(|s| s.eq_ignore_ascii_case(unit)))
            .map(|u| u.pow10)
    }

    /// Accepted unit spellings, for error messages.
    pub fn accepted_units(self) -> Vec<&'static str> {
        self.info()
            .units
            .iter()
            .flat_map(|u| u.spellings.iter().copied())
            .collect()
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name_cn())
    }
}

/// GB 3838-2002 water quality class. `WorseThanV` is 劣Ⅴ类. Ordered from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum WaterClass {
    I,
    II,
    III,
    IV,
    V,
    WorseThanV,
}

impl WaterClass {
    pub const ALL: [WaterClass; 6] = [
        WaterClass::I,
        WaterClass::II,
        WaterClass::III,
        WaterClass::IV,
        WaterClass::V,
        WaterClass::WorseThanV,
    ];
    const LIMITED: [WaterClass; 5] = [
        WaterClass::I,
        WaterClass::II,
        WaterClass::III,
        WaterClass::IV,
        WaterClass::V,
    ];

    pub fn label(self) -> &'static str {
        match self {
            WaterClass::I => "Ⅰ类",
            WaterClass::II => "Ⅱ类",
            WaterClass::III => "Ⅲ类",
            WaterClass::IV => "Ⅳ类",
            WaterClass::V => "Ⅴ类",
            WaterClass::WorseThanV => "劣Ⅴ类",
        }
    }

    /// 水质优良: class I–III.
    pub fn is_good(self) -> bool {
        self <= WaterClass::III
    }

    /// The qualitative grade and its colour, 环办〔2011〕22号 表1.
    pub fn status(self) -> WaterStatus {
        STATUS_BY_CLASS[self as usize].1
    }

    /// Wording of a section class per 环办〔2011〕22号: 「符合Ⅲ类」 or 「劣于Ⅴ类」.
    pub fn wording(self) -> &'static str {
        match self {
            WaterClass::I => "符合Ⅰ类",
            WaterClass::II => "符合Ⅱ类",
            WaterClass::III => "符合Ⅲ类",
            WaterClass::IV => "符合Ⅳ类",
            WaterClass::V => "符合Ⅴ类",
            WaterClass::WorseThanV => "劣于Ⅴ类",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for WaterClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// 水质状况 (qualitative grade), ordered from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum WaterStatus {
    Excellent,
    Good,
    LightlyPolluted,
    ModeratelyPolluted,
    HeavilyPolluted,
}

impl WaterStatus {
    pub fn label(self) -> &'static str {
        match self {
            WaterStatus::Excellent => "优",
            WaterStatus::Good => "良好",
            WaterStatus::LightlyPolluted => "轻度污染",
            WaterStatus::ModeratelyPolluted => "中度污染",
            WaterStatus::HeavilyPolluted => "重度污染",
        }
    }

    /// Display colour, 环办〔2011〕22号 表1 (蓝/绿/黄/橙/红).
    pub fn colour(self) -> &'static str {
        match self {
            WaterStatus::Excellent => "蓝色",
            WaterStatus::Good => "绿色",
            WaterStatus::LightlyPolluted => "黄色",
            WaterStatus::ModeratelyPolluted => "橙色",
            WaterStatus::HeavilyPolluted => "红色",
        }
    }

    /// Position from best (0) to worst (4), for the trend rule on grade changes.
    pub fn rank(self) -> i32 {
        self as i32
    }
}

/// 环办〔2011〕22号 表1 断面水质定性评价: class → grade (and colour).
const STATUS_BY_CLASS: [(WaterClass, WaterStatus); 6] = [
    (WaterClass::I, WaterStatus::Excellent),
    (WaterClass::II, WaterStatus::Excellent),
    (WaterClass::III, WaterStatus::Good),
    (WaterClass::IV, WaterStatus::LightlyPolluted),
    (WaterClass::V, WaterStatus::ModeratelyPolluted),
    (WaterClass::WorseThanV, WaterStatus::HeavilyPolluted),
];

/// Kind of water body, which selects the TP limits and whether TN and the trophic state apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum WaterBodyType {
    River,
    Lake,
    Reservoir,
}

impl WaterBodyType {
    pub fn is_lake_or_reservoir(self) -> bool {
        !matches!(self, WaterBodyType::River)
    }

    pub fn label(self) -> &'static str {
        match self {
            WaterBodyType::River => "河流",
            WaterBodyType::Lake => "湖泊",
            WaterBodyType::Reservoir => "水库",
        }
    }

    pub fn from_name(s: &str) -> Option<WaterBodyType> {
        match s.trim().to_ascii_lowercase().as_str() {
            "河流" | "河" | "river" | "渠" | "河渠" => Some(WaterBodyType::River),
            "湖泊" | "湖" | "lake" => Some(WaterBodyType::Lake),
            "水库" | "库" | "reservoir" => Some(WaterBodyType::Reservoir),
            _ => None,
        }
    }
}

/// Which water bodies a Table 1 row applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applies {
    All,
    River,
    LakeReservoir,
}

impl Applies {
    pub fn includes(self, t: WaterBodyType) -> bool {
        match self {
            Applies::All => true,
            Applies::River => !t.is_lake_or_reservoir(),
            Applies::LakeReservoir => t.is_lake_or_reservoir(),
        }
    }
}

/// How a value is compared with the class limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// The value must not exceed the limit (most parameters).
    AtMost,
    /// The value must reach the limit (dissolved oxygen).
    AtLeast,
    /// The value must lie in `[limits[0], limits[1]]` for every class (pH 6–9).
    Range,
}

/// The role a Table 1 item plays in 环办〔2011〕22号 section evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// One of the 21 items that decide the section class.
    Evaluated,
    /// Assessed separately as a reference indicator (TN for lakes/reservoirs, fecal coliform).
    Reference,
}

/// One row of GB 3838-2002 Table 1.
#[derive(Debug)]
pub struct Table1Row {
    /// 序号 in Table 1.
    pub item: u8,
    pub param: Param,
    pub applies: Applies,
    pub comparison: Comparison,
    /// Limits for classes I..V. For [`Comparison::Range`] only `[low, high]` are meaningful and
    /// the same for all classes.
    pub limits: [Dec; 5],
    pub role: Role,
}

const fn row(
    item: u8,
    param: Param,
    applies: Applies,
    comparison: Comparison,
    l: [&str; 5],
    role: Role,
) -> Table1Row {
    Table1Row {
        item,
        param,
        applies,
        comparison,
        limits: [
            Dec::lit(l[0]),
            Dec::lit(l[1]),
            Dec::lit(l[2]),
            Dec::lit(l[3]),
            Dec::lit(l[4]),
        ],
        role,
    }
}

use Applies::{All, LakeReservoir, River};
use Comparison::{AtLeast, AtMost, Range};
use Role::{Evaluated, Reference};

/// GB 3838-2002 表1 地表水环境质量标准基本项目标准限值 (mg/L unless noted), items 2–24. Item 1
/// (water temperature) limits man-made change, not a concentration, and is not classified. pH is
/// 6–9 in every class; DO class I may also be met by 90 % saturation, which this engine does not
/// use (it classifies the mg/L value). Fecal coliform is in count/L.
pub const TABLE_1: [Table1Row; 24] = [
    row(
        2,
        Param::Ph,
        All,
        Range,
        ["6", "9", "0", "0", "0"],
        Evaluated,
    ),
    row(
        3,
        Param::Do,
        All,
        AtLeast,
        ["7.5", "6", "5", "3", "2"],
        Evaluated,
    ),
    row(
        4,
        Param::CodMn,
        All,
        AtMost,
        ["2", "4", "6", "10", "15"],
        Evaluated,
    ),
    row(
        5,
        Param::Cod,
        All,
        AtMost,
        ["15", "15", "20", "30", "40"],
        Evaluated,
    ),
    row(
        6,
        Param::Bod5,
        All,
        AtMost,
        ["3", "3", "4", "6", "10"],
        Evaluated,
    ),
    row(
        7,
        Param::Nh3N,
        All,
        AtMost,
        ["0.15", "0.5", "1.0", "1.5", "2.0"],
        Evaluated,
    ),
    row(
        8,
        Param::Tp,
        River,
        AtMost,
        ["0.02", "0.1", "0.2", "0.3", "0.4"],
        Evaluated,
    ),
    row(
        8,
        Param::Tp,
        LakeReservoir,
        AtMost,
        ["0.01", "0.025", "0.05", "0.1", "0.2"],
        Evaluated,
    ),
    row(
        9,
        Param::Tn,
        LakeReservoir,
        AtMost,
        ["0.2", "0.5", "1.0", "1.5", "2.0"],
        Reference,
    ),
    row(
        10,
        Param::Cu,
        All,
        AtMost,
        ["0.01", "1.0", "1.0", "1.0", "1.0"],
        Evaluated,
    ),
    row(
        11,
        Param::Zn,
        All,
        AtMost,
        ["0.05", "1.0", "1.0", "2.0", "2.0"],
        Evaluated,
    ),
    row(
        12,
        Param::Fluoride,
        All,
        AtMost,
        ["1.0", "1.0", "1.0", "1.5", "1.5"],
        Evaluated,
    ),
    row(
        13,
        Param::Se,
        All,
        AtMost,
        ["0.01", "0.01", "0.01", "0.02", "0.02"],
        Evaluated,
    ),
    row(
        14,
        Param::As,
        All,
        AtMost,
        ["0.05", "0.05", "0.05", "0.1", "0.1"],
        Evaluated,
    ),
    row(
        15,
        Param::Hg,
        All,
        AtMost,
        ["0.00005", "0.00005", "0.0001", "0.001", "0.001"],
        Evaluated,
    ),
    row(
        16,
        Param::Cd,
        All,
        AtMost,
        ["0.001", "0.005", "0.005", "0.005", "0.01"],
        Evaluated,
    ),
    row(
        17,
        Param::Cr6,
        All,
        AtMost,
        ["0.01", "0.05", "0.05", "0.05", "0.1"],
        Evaluated,
    ),
    row(
        18,
        Param::Pb,
        All,
        AtMost,
        ["0.01", "0.01", "0.05", "0.05", "0.1"],
        Evaluated,
    ),
    row(
        19,
        Param::Cyanide,
        All,
        AtMost,
        ["0.005", "0.05", "0.2", "0.2", "0.2"],
        Evaluated,
    ),
    row(
        20,
        Param::VolatilePhenol,
        All,
        AtMost,
        ["0.002", "0.002", "0.005", "0.01", "0.1"],
        Evaluated,
    ),
    row(
        21,
        Param::Petroleum,
        All,
        AtMost,
        ["0.05", "0.05", "0.05", "0.5", "1.0"],
        Evaluated,
    ),
    row(
        22,
        Param::Las,
        All,
        AtMost,
        ["0.2", "0.2", "0.2", "0.3", "0.3"],
        Evaluated,
    ),
    row(
        23,
        Param::Sulfide,
        All,
        AtMost,
        ["0.05", "0.1", "0.2", "0.5", "1.0"],
        Evaluated,
    ),
    row(
        24,
        Param::FecalColiform,
        All,
        AtMost,
        ["200", "2000", "10000", "20000", "40000"],
        Reference,
    ),
];

/// One row of GB 3838-2002 Table 2: a single limit, not a class scale.
#[derive(Debug)]
pub struct Table2Row {
    pub item: u8,
    pub param: Param,
    pub limit: Dec,
}

/// GB 3838-2002 表2 集中式生活饮用水地表水源地补充项目标准限值 (mg/L): sulfate (as SO₄²⁻),
/// chloride (as Cl⁻), nitrate (as N), iron, manganese. Applied to drinking-water sources only.
pub const TABLE_2: [Table2Row; 5] = [
    Table2Row {
        item: 1,
        param: Param::Sulfate,
        limit: Dec::lit("250"),
    },
    Table2Row {
        item: 2,
        param: Param::Chloride,
        limit: Dec::lit("250"),
    },
    Table2Row {
        item: 3,
        param: Param::Nitrate,
        limit: Dec::lit("10"),
    },
    Table2Row {
        item: 4,
        param: Param::Fe,
        limit: Dec::lit("0.3"),
    },
    Table2Row {
        item: 5,
        param: Param::Mn,
        limit: Dec::lit("0.1"),
    },
];

/// The Table 1 row for a parameter in a water body type, if the parameter has one there.
pub fn table1_row(param: Param, body: WaterBodyType) -> Option<&'static Table1Row> {
    let kind = usize::from(body.is_lake_or_reservoir());
    match ROW_INDEX[kind][param as usize] {
        NO_ROW => None,
        i => Some(&TABLE_1[i as usize]),
    }
}

const NO_ROW: u8 = u8::MAX;
const PARAM_SLOTS: usize = PARAMS.len();

/// `TABLE_1` indexed by (river = 0 / lake or reservoir = 1, parameter), built at compile time from
/// the table itself so the lookup on the hot path is one load.
static ROW_INDEX: [[u8; PARAM_SLOTS]; 2] = build_row_index();

const fn build_row_index() -> [[u8; PARAM_SLOTS]; 2] {
    let mut idx = [[NO_ROW; PARAM_SLOTS]; 2];
    let mut i = 0;
    while i < TABLE_1.len() {
        let r = &TABLE_1[i];
        let p = r.param as usize;
        match r.applies {
            Applies::All => {
                idx[0][p] = i as u8;
                idx[1][p] = i as u8;
            }
            Applies::River => idx[0][p] = i as u8,
            Applies::LakeReservoir => idx[1][p] = i as u8,
        }
        i += 1;
    }
    idx
}

impl Table1Row {
    /// The class of an exact value (a single sample or a period mean).
    ///
    /// For "≤" items the class is the best one whose limit the value does not exceed, so equal
    /// limits (COD I = II = 15) give the better class; for DO the best class whose limit it
    /// reaches; pH inside 6–9 is class I, outside is 劣Ⅴ. Beyond class V is 劣Ⅴ.
    pub fn classify(&self, v: &Ratio) -> WaterClass {
        use std::cmp::Ordering::*;
        match self.comparison {
            Range => {
                let inside =
                    v.cmp_dec(self.limits[0]) != Less && v.cmp_dec(self.limits[1]) != Greater;
                if inside {
                    WaterClass::I
                } else {
                    WaterClass::WorseThanV
                }
            }
            AtMost => WaterClass::LIMITED
                .into_iter()
                .find(|c| v.cmp_dec(self.limits[c.index()]) != Greater)
                .unwrap_or(WaterClass::WorseThanV),
            AtLeast => WaterClass::LIMITED
                .into_iter()
                .find(|c| v.cmp_dec(self.limits[c.index()]) != Less)
                .unwrap_or(WaterClass::WorseThanV),
        }
    }

    /// The class III limit, the reference for 超标倍数.
    pub fn class_iii_limit(&self) -> Dec {
        self.limits[WaterClass::III.index()]
    }

    /// Whether 环办〔2011〕22号 computes an exceedance multiple for this item (not for water
    /// temperature, pH or DO).
    pub fn has_exceedance_multiple(&self) -> bool {
        self.comparison == AtMost
    }
}

/// Classifies one value of `param` measured in a `body`, or `None` if GB 3838 Table 1 gives the
/// parameter no class scale there (TN in rivers, water temperature, Table 2 items, chla, SD).
pub fn classify(param: Param, body: WaterBodyType, value: Dec) -> Option<WaterClass> {
    table1_row(param, body).map(|r| r.classify(&Ratio::from_dec(value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_index_agrees_with_a_search_of_the_table() {
        for info in PARAMS {
            for body in [
                WaterBodyType::River,
                WaterBodyType::Lake,
                WaterBodyType::Reservoir,
            ] {
                let searched = TABLE_1
                    .iter()
                    .find(|r| r.param == info.param && r.applies.includes(body));
                let indexed = table1_row(info.param, body);
                assert_eq!(
                    searched.map(|r| (r.item, r.applies)),
                    indexed.map(|r| (r.item, r.applies)),
                    "{} {body:?}",
                    info.code
                );
            }
        }
    }

    #[test]
    fn params_table_is_in_enum_order() {
        for (i, info) in PARAMS.iter().enumerate() {
            assert_eq!(info.param as usize, i, "{}", info.code);
        }
    }

    #[test]
    fn every_name_and_alias_finds_its_parameter_and_no_other() {
        for info in PARAMS {
            assert_eq!(Param::from_name(info.code), Some(info.param));
            assert_eq!(Param::from_name(info.name_cn), Some(info.param));
            for a in info.aliases {
                assert_eq!(Param::from_name(a), Some(info.param), "alias {a}");
            }
        }
        assert_eq!(Param::from_name("turbidity"), None);
    }

    #[test]
    fn twenty_one_items_decide_the_section_class() {
        let evaluated: std::collections::BTreeSet<Param> = TABLE_1
            .iter()
            .filter(|r| r.role == Role::Evaluated)
            .map(|r| r.param)
            .collect();
        assert_eq!(evaluated.len(), 21);
        assert!(!evaluated.contains(&Param::Tn));
        assert!(!evaluated.contains(&Param::FecalColiform));
    }

    #[test]
    fn tn_has_no_class_in_rivers_and_tp_differs_by_body_type() {
        assert_eq!(
            classify(Param::Tn, WaterBodyType::River, Dec::lit("0.1")),
            None
        );
        let v = Dec::lit("0.05");
        assert_eq!(
            classify(Param::Tp, WaterBodyType::River, v),
            Some(WaterClass::II)
        );
        assert_eq!(
            classify(Param::Tp, WaterBodyType::Lake, v),
            Some(WaterClass::III)
        );
        assert_eq!(
            classify(Param::Tp, WaterBodyType::Reservoir, v),
            Some(WaterClass::III)
        );
    }

    #[test]
    fn grades_and_colours_follow_the_2011_table() {
        let got: Vec<(&str, &str)> = WaterClass::ALL
            .iter()
            .map(|c| (c.status().label(), c.status().colour()))
            .collect();
        assert_eq!(
            got,
            [
                ("优", "蓝色"),
                ("优", "蓝色"),
                ("良好", "绿色"),
                ("轻度污染", "黄色"),
                ("中度污染", "橙色"),
                ("重度污染", "红色")
            ]
        );
        assert_eq!(WaterClass::III.wording(), "符合Ⅲ类");
        assert_eq!(WaterClass::WorseThanV.wording(), "劣于Ⅴ类");
    }
}
