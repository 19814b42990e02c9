//! The built-in plan and catalogue load cleanly and encode the seed in full.

use ecociv_core::builtin;

#[test]
fn builtin_data_loads_without_problems() {
    let cat = builtin::catalogue().unwrap_or_else(|d| panic!("catalogue:\n{d}"));
    let plan = builtin::plan(&cat).unwrap_or_else(|d| panic!("plan:\n{d}"));
    assert_eq!(plan.tasks.len(), 31);
}
