//! One module per subcommand.

pub mod air;
pub mod eco;
pub mod water;
