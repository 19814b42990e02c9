//! One module per subcommand.

pub mod air;
pub mod audit;
pub mod backup;
pub mod db;
pub mod demo;
pub mod eco;
pub mod evaluate;
pub mod import;
pub mod init;
pub mod plan;
pub mod serve;
pub mod user;
pub mod water;
