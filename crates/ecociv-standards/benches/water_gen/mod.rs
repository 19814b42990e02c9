//! Deterministic generator of a national-scale water sample file: 3,600 sections × 12 monthly
//! samples × the 24 GB 3838-2002 Table 1 items. Shared by the benchmark and by the
//! `water_national` example, which writes the file for whole-program runs. Never committed.

/// Sections in a national network (the 国家地表水考核断面 network has about 3,600).
pub const SECTIONS: usize = 3_600;
pub const MONTHS: usize = 12;

/// Header: the 24 Table 1 items with units, lakes and rivers mixed.
pub const HEADER: &str = "section,water_body,type,region,date,WT(℃),pH,DO(mg/L),CODMn(mg/L),COD(mg/L),BOD5(mg/L),NH3-N(mg/L),TP(mg/L),TN(mg/L),Cu(mg/L),Zn(mg/L),F(mg/L),Se(mg/L),As(mg/L),Hg(mg/L),Cd(mg/L),Cr6(mg/L),Pb(mg/L),CN(mg/L),VP(mg/L),Oil(mg/L),LAS(mg/L),S2-(mg/L),FC(个/L)";

/// Per parameter: (typical value, spread factor, decimals). Spreads are wide enough that every
/// class from I to 劣Ⅴ occurs.
const SPEC: [(f64, f64, usize); 24] = [
    (18.0, 0.5, 1),
    (7.6, 0.1, 2),
    (7.0, 0.5, 2),
    (4.0, 1.2, 1),
    (16.0, 1.0, 0),
    (3.0, 1.0, 1),
    (0.5, 1.8, 3),
    (0.12, 1.5, 3),
    (1.2, 1.0, 2),
    (0.004, 1.0, 4),
    (0.02, 1.0, 3),
    (0.5, 0.6, 2),
    (0.001, 1.0, 4),
    (0.002, 1.0, 4),
    (0.00002, 1.5, 5),
    (0.0005, 1.5, 4),
    (0.004, 1.0, 3),
    (0.002, 1.5, 3),
    (0.002, 1.0, 3),
    (0.0015, 1.5, 4),
    (0.02, 1.5, 2),
    (0.05, 1.0, 2),
    (0.01, 1.5, 3),
    (3000.0, 1.8, 0),
];

/// A small deterministic generator (SplitMix64), so every run sees the same file.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    fn sym(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// Writes the national file for `year` into a string (about 10 MB).
pub fn national_csv(year: i32) -> String {
    let mut rng = Rng(2024);
    let mut out = String::with_capacity(12 << 20);
    out.push_str(HEADER);
    out.push('\n');
    for s in 0..SECTIONS {
        let typ = if s % 7 == 0 { "水库" } else { "河流" };
        let body = s / 12;
        let region = 110_000 + (s % 31) * 10_000;
        // Each section has its own pollution level, so annual classes spread over I–劣Ⅴ.
        let level = (rng.sym() * 1.2).exp();
        for m in 1..=MONTHS {
            out.push_str(&format!(
                "S{s:04},B{body:03},{typ},{region},{year}-{m:02}-15"
            ));
            for (i, (base, spread, dec)) in SPEC.iter().enumerate() {
                let f = (rng.sym() * 0.25 + (spread * rng.sym() * 0.3)).exp();
                let v = match i {
                    0 | 1 => base + rng.sym() * base * 0.1,
                    2 => (base / level * f).clamp(0.5, 14.0),
                    _ => base * level * f,
                };
                out.push(',');
                out.push_str(&format!("{v:.dec$}"));
            }
            out.push('\n');
        }
    }
    out
}
