//! HJ 192-2015 《生态环境状况评价技术规范》: the ecological status index EI from its five
//! sub-indices, the environment-restriction adjustment, the grade and the change class.
//!
//! Every coefficient is in [`COEFFICIENTS`] or [`HABITAT_WEIGHTS`] with its clause and confidence;
//! those marked [`Confidence::C`] are listed as 待核实 in every result that used them.

use serde::Serialize;

/// Standard, for provenance.
pub const STANDARD: &str = "HJ 192-2015";

/// How sure we are of a constant (see the reference notes): A read in the standard, B confirmed by
/// a secondary source or an independent implementation, C reconstructed and 待核实.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Confidence {
    A,
    B,
    C,
}

/// A named coefficient of HJ 192-2015.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Coefficient {
    pub name: &'static str,
    pub value: f64,
    pub clause: &'static str,
    pub confidence: Confidence,
}

const fn c(
    name: &'static str,
    value: f64,
    clause: &'static str,
    confidence: Confidence,
) -> Coefficient {
    Coefficient {
        name,
        value,
        clause,
        confidence,
    }
}

/// Indices into [`COEFFICIENTS`].
#[derive(Clone, Copy, Debug)]
#[repr(usize)]
enum K {
    WBio,
    WVeg,
    WWater,
    WLand,
    WPoll,
    ABio,
    AVeg,
    ARiv,
    ALak,
    ARes,
    AEro,
    ACod,
    ANh3,
    ASo2,
    AYfc,
    ANox,
    ASol,
    NdviScale,
}

/// HJ 192-2015 coefficients: the EI weights (§5.2), the normalisation coefficients A (§5.1, each
/// 100 ÷ the national maximum of the raw quantity) and the NDVI scale the A_veg value implies.
pub const COEFFICIENTS: [Coefficient; 18] = [
    c(
        "生物丰度指数权重",
        0.35,
        "HJ 192-2015 5.2 表1",
        Confidence::B,
    ),
    c(
        "植被覆盖指数权重",
        0.25,
        "HJ 192-2015 5.2 表1",
        Confidence::B,
    ),
    c(
        "水网密度指数权重",
        0.15,
        "HJ 192-2015 5.2 表1",
        Confidence::B,
    ),
    c(
        "土地胁迫指数权重",
        0.15,
        "HJ 192-2015 5.2 表1",
        Confidence::B,
    ),
    c(
        "污染负荷指数权重",
        0.10,
        "HJ 192-2015 5.2 表1",
        Confidence::B,
    ),
    c(
        "A_bio 生境质量指数归一化系数",
        511.264_213_106_7,
        "HJ 192-2015 5.1.1",
        Confidence::B,
    ),
    c(
        "A_veg 植被覆盖指数归一化系数",
        0.012_116_512_4,
        "HJ 192-2015 5.1.2",
        Confidence::C,
    ),
    c(
        "A_riv 河流长度归一化系数",
        84.370_408_398_1,
        "HJ 192-2015 5.1.3",
        Confidence::B,
    ),
    c(
        "A_lak 水域面积归一化系数",
        591.790_864_200_5,
        "HJ 192-2015 5.1.3",
        Confidence::B,
    ),
    c(
        "A_res 水资源量归一化系数",
        86.386_954_828_1,
        "HJ 192-2015 5.1.3",
        Confidence::B,
    ),
    c(
        "A_ero 土地胁迫指数归一化系数",
        236.043_567_794_8,
        "HJ 192-2015 5.1.4",
        Confidence::B,
    ),
    c(
        "A_COD 归一化系数",
        4.393_739_728_9,
        "HJ 192-2015 5.1.5",
        Confidence::B,
    ),
    c(
        "A_NH3 归一化系数",
        40.176_475_498_6,
        "HJ 192-2015 5.1.5",
        Confidence::B,
    ),
    c(
        "A_SO2 归一化系数",
        0.064_866_028_7,
        "HJ 192-2015 5.1.5",
        Confidence::B,
    ),
    c(
        "A_YFC 烟（粉）尘归一化系数",
        4.090_445_932_1,
        "HJ 192-2015 5.1.5",
        Confidence::B,
    ),
    c(
        "A_NOX 归一化系数",
        0.510_304_927_8,
        "HJ 192-2015 5.1.5",
        Confidence::B,
    ),
    c(
        "A_SOL 固体废物归一化系数",
        0.074_989_428_3,
        "HJ 192-2015 5.1.5",
        Confidence::B,
    ),
    c(
        "NDVI 数值比例（MODIS ×10000）",
        10_000.0,
        "HJ 192-2015 5.1.2（由 A_veg 推断）",
        Confidence::C,
    ),
];

fn k(i: K) -> f64 {
    COEFFICIENTS[i as usize].value
}

/// Units the standard's coefficients assume, where not stated in what we have. [C] 待核实.
pub const UNIT_ASSUMPTIONS: [&str; 3] = [
    "水资源量单位按百万立方米（10⁶ m³）",
    "区域年降水总量 = 年降水量(mm) × 区域面积(km²) ÷ 1000，单位百万立方米",
    "污染物排放量单位按吨（t）",
];

/// Land-cover classes of the habitat quality index with their weights: first-level weight and the
/// second-level weights of the sub-types (HJ 192-2015 附录A 表A.1 生境质量指数各生境类型权重).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct HabitatClass {
    pub name: &'static str,
    pub weight: f64,
    pub subtypes: &'static [(&'static str, f64)],
    pub confidence: Confidence,
}

pub const HABITAT_WEIGHTS: [HabitatClass; 6] = [
    HabitatClass {
        name: "林地",
        weight: 0.35,
        subtypes: &[
            ("有林地", 0.6),
            ("灌木林地", 0.25),
            ("疏林地和其他林地", 0.15),
        ],
        confidence: Confidence::B,
    },
    HabitatClass {
        name: "草地",
        weight: 0.21,
        subtypes: &[
            ("高覆盖度草地", 0.6),
            ("中覆盖度草地", 0.3),
            ("低覆盖度草地", 0.1),
        ],
        confidence: Confidence::B,
    },
    HabitatClass {
        name: "水域湿地",
        weight: 0.28,
        subtypes: &[
            ("河流（渠）", 0.1),
            ("湖泊（库）", 0.3),
            ("滩涂湿地", 0.5),
            ("永久性冰川雪地", 0.1),
        ],
        confidence: Confidence::C,
    },
    HabitatClass {
        name: "耕地",
        weight: 0.11,
        subtypes: &[("水田", 0.6), ("旱地", 0.4)],
        confidence: Confidence::B,
    },
    HabitatClass {
        name: "建设用地",
        weight: 0.04,
        subtypes: &[
            ("城镇建设用地", 0.3),
            ("农村居民点", 0.4),
            ("其他建设用地", 0.3),
        ],
        confidence: Confidence::B,
    },
    HabitatClass {
        name: "未利用地",
        weight: 0.01,
        subtypes: &[
            ("沙地", 0.2),
            ("盐碱地", 0.3),
            ("裸土地", 0.2),
            ("裸岩石砾", 0.2),
            ("其他未利用地", 0.1),
        ],
        confidence: Confidence::B,
    },
];

/// Number of land-cover sub-types, in the order of [`HABITAT_WEIGHTS`].
pub const LAND_COVER_COUNT: usize = 20;

/// Positions of the 建设用地 sub-types in the land-cover array.
const BUILT_UP: std::ops::Range<usize> = 12..15;

/// 土地胁迫指数 weights (HJ 192-2015 5.1.4): heavy erosion, moderate erosion, built-up land, other
/// land stress.
pub const LAND_STRESS_WEIGHTS: [f64; 4] = [0.4, 0.2, 0.2, 0.2];
/// 污染负荷指数 weights (HJ 192-2015 5.1.5): COD, NH3-N, SO2, smoke and dust, NOx, solid waste.
pub const POLLUTION_WEIGHTS: [f64; 6] = [0.2, 0.2, 0.2, 0.1, 0.2, 0.1];

/// EI grade, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum EiGrade {
    Excellent,
    Good,
    Fair,
    Poor,
    Bad,
}

impl EiGrade {
    pub fn label(self) -> &'static str {
        match self {
            EiGrade::Excellent => "优",
            EiGrade::Good => "良",
            EiGrade::Fair => "一般",
            EiGrade::Poor => "较差",
            EiGrade::Bad => "差",
        }
    }

    fn worse(self) -> EiGrade {
        match self {
            EiGrade::Excellent => EiGrade::Good,
            EiGrade::Good => EiGrade::Fair,
            EiGrade::Fair => EiGrade::Poor,
            EiGrade::Poor | EiGrade::Bad => EiGrade::Bad,
        }
    }
}

/// HJ 192-2015 6.1 表2 生态环境状况分级, lower bounds in hundredths (EI is graded as reported, to
/// two decimals): 优 ≥ 75, 良 55–75, 一般 35–55, 较差 20–35, 差 < 20.
pub const EI_GRADES: [(i64, EiGrade); 4] = [
    (7500, EiGrade::Excellent),
    (5500, EiGrade::Good),
    (3500, EiGrade::Fair),
    (2000, EiGrade::Poor),
];

/// The grade of an EI given in hundredths.
pub fn grade(ei_hundredths: i64) -> EiGrade {
    EI_GRADES
        .iter()
        .find(|(lo, _)| ei_hundredths >= *lo)
        .map_or(EiGrade::Bad, |(_, g)| *g)
}

/// Effect of the 环境限制指数 (environment restriction), HJ 192-2015 5.1.6 表.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Restriction {
    None,
    /// 生态环境级别降1级.
    Downgrade,
    /// 生态环境不能为"优"和"良"，且级别降1级.
    CapAndDowngrade,
}

/// HJ 192-2015 5.1.6 环境限制指数约束内容: event or finding → effect. [C] 待核实: reconstructed,
/// the table has not been read in the standard itself.
pub const RESTRICTIONS: [(&str, Restriction); 9] = [
    ("无", Restriction::None),
    ("特大环境事件", Restriction::CapAndDowngrade),
    ("重大环境事件", Restriction::CapAndDowngrade),
    ("较大环境事件", Restriction::Downgrade),
    ("一般环境事件", Restriction::Downgrade),
    ("环境污染", Restriction::Downgrade),
    ("生态破坏", Restriction::Downgrade),
    ("生态环境违法案件", Restriction::Downgrade),
    ("区域限批", Restriction::Downgrade),
];

/// Applies a restriction to a grade.
pub fn restrict(g: EiGrade, r: Restriction) -> EiGrade {
    match r {
        Restriction::None => g,
        Restriction::Downgrade => g.worse(),
        Restriction::CapAndDowngrade => g.worse().max(EiGrade::Fair),
    }
}

/// HJ 192-2015 6.2 表3 生态环境状况变化度分级, by |ΔEI| in hundredths: < 1 无明显变化;
/// 1–3 略微变化; 3–8 明显变化; ≥ 8 显著变化. The direction is 变好 (ΔEI > 0) or 变差.
pub const CHANGE_CLASSES: [(i64, &str, &str); 3] = [
    (800, "显著变好", "显著变差"),
    (300, "明显变好", "明显变差"),
    (100, "略微变好", "略微变差"),
];

/// The change class between two EI values given in hundredths.
pub fn change_class(before: i64, after: i64) -> &'static str {
    let d = after - before;
    CHANGE_CLASSES
        .iter()
        .find(|(lo, _, _)| d.abs() >= *lo)
        .map_or("无明显变化", |(_, up, down)| if d > 0 { up } else { down })
}

/// The inputs HJ 192-2015 defines for one region and year. Areas in km², lengths in km.
#[derive(Clone, Debug, Default, Serialize)]
pub struct EiInput {
    pub region: String,
    pub year: i32,
    pub area_km2: f64,
    /// Areas of the 20 land-cover sub-types, in the order of [`HABITAT_WEIGHTS`].
    pub land_cover_km2: [f64; LAND_COVER_COUNT],
    /// 生物多样性指数 (HJ 623), if assessed.
    pub biodiversity_index: Option<f64>,
    /// Regional mean NDVI (−1…1).
    pub ndvi_mean: f64,
    pub river_length_km: f64,
    /// 水域面积 (湖泊、水库、河渠和近海).
    pub water_area_km2: f64,
    /// 水资源量, 10⁶ m³.
    pub water_resources_1e6m3: f64,
    pub erosion_heavy_km2: f64,
    pub erosion_moderate_km2: f64,
    pub other_land_stress_km2: f64,
    /// Emissions in t: COD, NH3-N, SO2, smoke and dust, NOx, solid waste discarded.
    pub emissions_t: [f64; 6],
    /// 年降水量, mm.
    pub precipitation_mm: f64,
    /// Environment-restriction findings, as names from [`RESTRICTIONS`].
    pub restrictions: Vec<String>,
}

/// Sub-indices and EI of one region and year.
#[derive(Clone, Debug, Serialize)]
pub struct EiResult {
    pub region: String,
    pub year: i32,
    pub habitat_quality: f64,
    pub biological_abundance: f64,
    pub vegetation_cover: f64,
    pub water_network_density: f64,
    pub land_stress: f64,
    pub pollution_load: f64,
    /// EI, rounded to two decimals; grade and change are read from this value.
    pub ei: f64,
    /// Grade from the EI value alone.
    pub grade_before_restriction: &'static str,
    pub restriction: Restriction,
    pub grade: &'static str,
    pub grade_enum: EiGrade,
    pub notes: Vec<String>,
    /// Constants used that are not confirmed (待核实).
    pub unverified: Vec<String>,
}

/// Computes EI for one region and year.
pub fn compute(input: &EiInput) -> EiResult {
    let a = input.area_km2;
    let mut notes = Vec::new();
    let mut unverified: Vec<String> = COEFFICIENTS
        .iter()
        .filter(|c| c.confidence == Confidence::C)
        .map(|c| format!("{} = {}（{}）", c.name, c.value, c.clause))
        .collect();
    unverified.extend(
        HABITAT_WEIGHTS
            .iter()
            .filter(|h| h.confidence == Confidence::C)
            .map(|h| format!("{}二级权重（HJ 192-2015 附录A）", h.name)),
    );
    unverified.extend(UNIT_ASSUMPTIONS.iter().map(|s| (*s).to_owned()));

    // 5.1.1 生境质量指数 = A_bio × Σ(w_class × Σ w_sub × area_sub) / 区域面积.
    let mut lc = input.land_cover_km2.iter();
    let mut weighted = 0.0;
    for class in &HABITAT_WEIGHTS {
        let inner: f64 = class
            .subtypes
            .iter()
            .map(|(_, w)| w * lc.next().copied().unwrap_or(0.0))
            .sum();
        weighted += class.weight * inner;
    }
    let hq = k(K::ABio) * weighted / a;
    let ba = match input.biodiversity_index {
        Some(bi) => (bi + hq) / 2.0,
        None => {
            notes.push("未提供生物多样性指数，生物丰度指数取生境质量指数".to_owned());
            hq
        }
    };
    // 5.1.2 植被覆盖指数 = A_veg × NDVI mean (NDVI on the ×10000 scale).
    let vc = k(K::AVeg) * input.ndvi_mean * k(K::NdviScale);
    // 5.1.3 水网密度指数.
    let wd = (k(K::ARiv) * input.river_length_km / a
        + k(K::ALak) * input.water_area_km2 / a
        + k(K::ARes) * input.water_resources_1e6m3 / a)
        / 3.0;
    // 5.1.4 土地胁迫指数; built-up land is the sum of the 建设用地 sub-types.
    let built: f64 = input.land_cover_km2[BUILT_UP].iter().sum();
    let stress = [
        input.erosion_heavy_km2,
        input.erosion_moderate_km2,
        built,
        input.other_land_stress_km2,
    ];
    let ls = k(K::AEro)
        * LAND_STRESS_WEIGHTS
            .iter()
            .zip(stress)
            .map(|(w, x)| w * x)
            .sum::<f64>()
        / a;
    // 5.1.5 污染负荷指数: water pollutants over the annual precipitation volume, air pollutants
    // and solid waste over the area.
    let rain = input.precipitation_mm * a / 1000.0;
    let e = input.emissions_t;
    let pl = POLLUTION_WEIGHTS[0] * k(K::ACod) * e[0] / rain
        + POLLUTION_WEIGHTS[1] * k(K::ANh3) * e[1] / rain
        + POLLUTION_WEIGHTS[2] * k(K::ASo2) * e[2] / a
        + POLLUTION_WEIGHTS[3] * k(K::AYfc) * e[3] / a
        + POLLUTION_WEIGHTS[4] * k(K::ANox) * e[4] / a
        + POLLUTION_WEIGHTS[5] * k(K::ASol) * e[5] / a;
    for (name, v) in [
        ("生物丰度指数", ba),
        ("植被覆盖指数", vc),
        ("水网密度指数", wd),
        ("土地胁迫指数", ls),
        ("污染负荷指数", pl),
    ] {
        if !(0.0..=100.0).contains(&v) {
            notes.push(format!("{name}为{v:.2}，超出0～100，请核对输入单位"));
        }
    }
    let ei = k(K::WBio) * ba
        + k(K::WVeg) * vc
        + k(K::WWater) * wd
        + k(K::WLand) * (100.0 - ls)
        + k(K::WPoll) * (100.0 - pl);
    let ei_h = hundredths(ei);
    let g0 = grade(ei_h);
    let restriction = input
        .restrictions
        .iter()
        .filter_map(|r| RESTRICTIONS.iter().find(|(n, _)| n == r).map(|(_, x)| *x))
        .max()
        .unwrap_or(Restriction::None);
    if restriction != Restriction::None {
        unverified.push("环境限制指数约束内容（HJ 192-2015 5.1.6）".to_owned());
    }
    let g = restrict(g0, restriction);
    EiResult {
        region: input.region.clone(),
        year: input.year,
        habitat_quality: round2(hq),
        biological_abundance: round2(ba),
        vegetation_cover: round2(vc),
        water_network_density: round2(wd),
        land_stress: round2(ls),
        pollution_load: round2(pl),
        ei: ei_h as f64 / 100.0,
        grade_before_restriction: g0.label(),
        restriction,
        grade: g.label(),
        grade_enum: g,
        notes,
        unverified,
    }
}

/// Rounds half away from zero to hundredths.
pub fn hundredths(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

fn round2(x: f64) -> f64 {
    hundredths(x) as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one() {
        let w: f64 = COEFFICIENTS[..5].iter().map(|c| c.value).sum();
        assert!((w - 1.0).abs() < 1e-12);
        let h: f64 = HABITAT_WEIGHTS.iter().map(|h| h.weight).sum();
        assert!((h - 1.0).abs() < 1e-12);
        for class in HABITAT_WEIGHTS {
            let s: f64 = class.subtypes.iter().map(|s| s.1).sum();
            assert!((s - 1.0).abs() < 1e-12, "{}", class.name);
        }
        let n: usize = HABITAT_WEIGHTS.iter().map(|h| h.subtypes.len()).sum();
        assert_eq!(n, LAND_COVER_COUNT);
    }

    #[test]
    fn grade_boundaries_in_hundredths() {
        let cases = [
            (7500, EiGrade::Excellent),
            (7499, EiGrade::Good),
            (5500, EiGrade::Good),
            (5499, EiGrade::Fair),
            (3500, EiGrade::Fair),
            (3499, EiGrade::Poor),
            (2000, EiGrade::Poor),
            (1999, EiGrade::Bad),
        ];
        for (h, g) in cases {
            assert_eq!(grade(h), g, "{h}");
        }
    }

    #[test]
    fn change_classes_at_their_boundaries() {
        let cases = [
            (6000, 6099, "无明显变化"),
            (6000, 6100, "略微变好"),
            (6000, 5900, "略微变差"),
            (6000, 6299, "略微变好"),
            (6000, 6300, "明显变好"),
            (6000, 6799, "明显变好"),
            (6000, 6800, "显著变好"),
            (6000, 5200, "显著变差"),
        ];
        for (a, b, want) in cases {
            assert_eq!(change_class(a, b), want, "{a}->{b}");
        }
    }

    #[test]
    fn restriction_downgrades_and_caps() {
        use EiGrade::*;
        assert_eq!(restrict(Excellent, Restriction::Downgrade), Good);
        assert_eq!(restrict(Bad, Restriction::Downgrade), Bad);
        assert_eq!(restrict(Excellent, Restriction::CapAndDowngrade), Fair);
        assert_eq!(restrict(Good, Restriction::CapAndDowngrade), Fair);
        assert_eq!(restrict(Fair, Restriction::CapAndDowngrade), Poor);
    }

    /// A hand-computed region: 1000 km² of which 400 有林地, 100 高覆盖度草地, 50 湖泊（库）,
    /// 300 水田, 100 城镇建设用地, 50 沙地; no BI; NDVI 0.5; rivers 500 km, water 50 km²,
    /// water resources 300 ×10⁶ m³; erosion 20 heavy, 40 moderate, 0 other; emissions COD 5000,
    /// NH3-N 500, SO2 2000, dust 1000, NOx 3000, solid waste 0 t; precipitation 800 mm.
    pub fn example() -> EiInput {
        let mut lc = [0.0; LAND_COVER_COUNT];
        lc[0] = 400.0; // 有林地
        lc[3] = 100.0; // 高覆盖度草地
        lc[7] = 50.0; // 湖泊（库）
        lc[10] = 300.0; // 水田
        lc[12] = 100.0; // 城镇建设用地
        lc[15] = 50.0; // 沙地
        EiInput {
            region: "X".into(),
            year: 2024,
            area_km2: 1000.0,
            land_cover_km2: lc,
            biodiversity_index: None,
            ndvi_mean: 0.5,
            river_length_km: 500.0,
            water_area_km2: 50.0,
            water_resources_1e6m3: 300.0,
            erosion_heavy_km2: 20.0,
            erosion_moderate_km2: 40.0,
            other_land_stress_km2: 0.0,
            emissions_t: [5000.0, 500.0, 2000.0, 1000.0, 3000.0, 0.0],
            precipitation_mm: 800.0,
            restrictions: vec![],
        }
    }

    #[test]
    fn hand_computed_example() {
        // HQ = 511.2642131067 × (0.35·0.6·400 + 0.21·0.6·100 + 0.28·0.3·50 + 0.11·0.6·300
        //      + 0.04·0.3·100 + 0.01·0.2·50) / 1000 = 511.2642131067 × 121.9 / 1000 = 62.3231
        // VC = 0.0121165124 × 0.5 × 10000 = 60.5826
        // WD = (84.3704·0.5 + 591.7909·0.05 + 86.3870·0.3) / 3 = 32.5636
        // LS = 236.0436 × (0.4·20 + 0.2·40 + 0.2·100) / 1000 = 8.4976
        // PL = 0.2·4.3937·5000/800 + 0.2·40.1765·500/800 + 0.2·0.0649·2 + 0.1·4.0904·1
        //      + 0.2·0.5103·3 = 11.2554   (precipitation volume 800 mm × 1000 km² / 1000 = 800)
        // EI = 0.35·62.3231 + 0.25·60.5826 + 0.15·32.5636 + 0.15·91.5024 + 0.10·88.7446 = 64.44
        let r = compute(&example());
        assert_eq!(r.habitat_quality, 62.32);
        assert_eq!(r.biological_abundance, 62.32);
        assert_eq!(r.vegetation_cover, 60.58);
        assert_eq!(r.water_network_density, 32.56);
        assert_eq!(r.land_stress, 8.5);
        assert_eq!(r.pollution_load, 11.26);
        assert_eq!(r.ei, 64.44);
        assert_eq!(r.grade, "良");
        assert!(r.unverified.iter().any(|u| u.contains("A_veg")));
        assert!(r.notes.iter().any(|n| n.contains("生物多样性指数")));
    }

    #[test]
    fn biodiversity_index_is_averaged_with_habitat_quality() {
        let mut i = example();
        i.biodiversity_index = Some(40.0);
        let r = compute(&i);
        // (40 + 62.3231) / 2 = 51.1616
        assert_eq!(r.biological_abundance, 51.16);
    }

    #[test]
    fn restriction_applies_the_strongest_finding() {
        let mut i = example();
        i.restrictions = vec!["一般环境事件".into(), "重大环境事件".into()];
        let r = compute(&i);
        assert_eq!(r.grade_before_restriction, "良");
        assert_eq!(r.restriction, Restriction::CapAndDowngrade);
        assert_eq!(r.grade, "一般");
        assert!(r.unverified.iter().any(|u| u.contains("环境限制指数")));
    }
}
