//! The built-in data shipped inside the binary: the seed plan and the national catalogue.

use crate::catalogue::Catalogue;
use crate::diag::Diagnostics;
use crate::plan::Plan;

pub const INDICATORS: (&str, &str) = (
    "data/catalogue/indicators.toml",
    include_str!("../../../data/catalogue/indicators.toml"),
);

/// Catalogue versions in load order (a version may inherit from an earlier one).
pub const VERSIONS: &[(&str, &str)] = &[
    (
        "data/catalogue/2019.toml",
        include_str!("../../../data/catalogue/2019.toml"),
    ),
    (
        "data/catalogue/2021.toml",
        include_str!("../../../data/catalogue/2021.toml"),
    ),
    (
        "data/catalogue/2024.toml",
        include_str!("../../../data/catalogue/2024.toml"),
    ),
];

pub const PLAN: (&str, &str) = (
    "data/plans/zhumadian-2021.toml",
    include_str!("../../../data/plans/zhumadian-2021.toml"),
);

/// The built-in national catalogue.
pub fn catalogue() -> Result<Catalogue, Diagnostics> {
    Catalogue::load(INDICATORS, VERSIONS)
}

/// The built-in plan, validated against a catalogue.
pub fn plan(catalogue: &Catalogue) -> Result<Plan, Diagnostics> {
    Plan::load(PLAN.0, PLAN.1, catalogue)
}
