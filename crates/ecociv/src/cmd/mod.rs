//! One module per subcommand.

pub mod air;
pub mod demo;
pub mod eco;
pub mod evaluate;
pub mod plan;
pub mod water;
