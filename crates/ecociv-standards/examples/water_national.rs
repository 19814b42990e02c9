//! Writes the benchmark's national-scale water sample file (3,600 sections × 12 months × 24
//! parameters, synthetic) for whole-program runs of `ecociv water evaluate`:
//!
//! ```sh
//! cargo run --release -p ecociv-standards --example water_national -- /tmp/national-2024.csv
//! ```

#[path = "../benches/water_gen/mod.rs"]
mod water_gen;

fn main() -> std::io::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "national-2024.csv".to_owned());
    std::fs::write(&path, water_gen::national_csv(2024))?;
    eprintln!("wrote {path}");
    Ok(())
}
