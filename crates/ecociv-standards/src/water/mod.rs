//! Surface water: GB 3838-2002 classes, the 2011 evaluation method (环办〔2011〕22号), the lake
//! trophic state index, and the grading of urban black-odorous water bodies.
//!
//! Concentrations are exact decimals ([`decimal::Dec`]) and period means exact fractions, so a
//! value equal to a class limit is always in that class, however it was averaged.
//!
//! * [`gb3838`]: parameters, units, Table 1 and Table 2, the class of one value.
//! * [`evaluation`]: section classes per month, quarter and year, main pollutants, regional
//!   shares, river/basin grades, drinking-water sources, year-on-year change.
//! * [`trophic`]: TLI(Σ) of lakes and reservoirs.
//! * [`blackodor`]: 城市黑臭水体整治工作指南 grading per sample, point and water body, and the
//!   elimination ratio.
//! * [`reader`]: the CSV readers.

pub mod blackodor;
pub mod decimal;
pub mod evaluation;
pub mod gb3838;
pub mod reader;
pub mod sample;
pub mod trophic;
