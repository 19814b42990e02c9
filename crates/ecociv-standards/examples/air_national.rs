//! Generate the national-scale benchmark file: hourly data of N stations for one year in the long
//! CSV format (default 1,700 stations × 8,760 hours ≈ 14.9 million rows, ~0.8 GB).
//!
//! `cargo run --release -p ecociv-standards --example air_national -- OUT.csv [STATIONS] [YEAR]`
//!
//! Deterministic (fixed-seed xorshift), plausible values (a seasonal and daily cycle, station
//! level, noise), about 1 % missing values. Never commit the output.

use std::io::{BufWriter, Write};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .get(1)
        .expect("usage: air_national OUT.csv [STATIONS] [YEAR]");
    let stations: u32 = args.get(2).map_or(1700, |s| s.parse().expect("stations"));
    let year: i32 = args.get(3).map_or(2023, |s| s.parse().expect("year"));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    writeln!(
        w,
        "station,time,PM2.5 [μg/m³],PM10 [μg/m³],SO2 [μg/m³],NO2 [μg/m³],CO [mg/m³],O3 [μg/m³]"
    )?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut line = String::with_capacity(96);
    for s in 0..stations {
        let level = 8 + rng.below(40);
        let code = format!("{}A", 1001 + s);
        let mut day_of_year = 0u64;
        for (m, &days) in month_days.iter().enumerate() {
            for d in 1..=days {
                // Winter is dirtier, summer has more ozone.
                let season = if !(3..=8).contains(&m) { 25 } else { 0 };
                let episode = rng.below(100) < 12;
                let base = level + season + if episode { 40 + rng.below(120) } else { 0 };
                day_of_year += 1;
                for h in 0..24u64 {
                    line.clear();
                    let na = |r: &mut Rng| r.below(100) == 0;
                    let pm25 = base + rng.below(25);
                    let pm10 = pm25 * 3 / 2 + rng.below(40);
                    let so2 = 3 + rng.below(30);
                    let no2 = 15 + rng.below(50) + if (7..=9).contains(&h) { 20 } else { 0 };
                    let co = 3 + pm25 / 20 + rng.below(5); // tenths of mg/m³
                    let sun = if (10..=17).contains(&h) {
                        60 + (day_of_year % 180) / 2
                    } else {
                        0
                    };
                    let o3 = 10 + sun + rng.below(40);
                    use std::fmt::Write as _;
                    let _ = write!(line, "{code},{year}-{:02}-{d:02} {h:02}:00,", m + 1);
                    for v in [pm25, pm10, so2, no2] {
                        if na(&mut rng) {
                            line.push_str("NA,");
                        } else {
                            let _ = write!(line, "{v},");
                        }
                    }
                    if na(&mut rng) {
                        line.push_str("NA,");
                    } else {
                        let _ = write!(line, "{}.{},", co / 10, co % 10);
                    }
                    if na(&mut rng) {
                        line.push_str("NA\n");
                    } else {
                        let _ = writeln!(line, "{o3}");
                    }
                    w.write_all(line.as_bytes())?;
                }
            }
        }
    }
    w.flush()
}
