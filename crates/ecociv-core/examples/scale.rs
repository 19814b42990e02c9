//! Evaluates the national-scale synthetic set once and prints the time: the whole-program
//! counterpart of `benches/evaluate.rs`, and a target for `valgrind --tool=callgrind`, whose
//! instruction counts do not depend on what else the machine is doing.
//!
//! `cargo run --release -p ecociv-core --example scale -- 2844`

use std::time::Instant;

use ecociv_core::evaluate::Options;

#[path = "../benches/support/fixture.rs"]
mod fixture;

fn main() {
    let regions: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2844);
    let t = Instant::now();
    let f = fixture::build(regions);
    let built = t.elapsed();
    let t = Instant::now();
    let e = ecociv_core::evaluate(
        &f.plan,
        &f.catalogue,
        &f.values,
        &f.assigned,
        &Options {
            year: 2025,
            ..Options::default()
        },
    )
    .expect("evaluation");
    let evaluated = t.elapsed();
    println!(
        "{regions} regions, {} indicators, {} values: built in {:.2?}, evaluated {} results in {:.2?}",
        f.plan.indicators.len(),
        f.count,
        built,
        e.results.len(),
        evaluated
    );
}
