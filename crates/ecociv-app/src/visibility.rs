//! What a reader may see: one rule for the public, used by the JSON API, the pages, the public
//! portal, open data and the evaluations they show, and the signed-in readers' rule on top of
//! the policy's scope.
//!
//! **The public** sees a value when it is approved, in force (not replaced by an approved
//! correction), of a published indicator, and of a published period ([`public_sees`]). Nothing
//! else reaches an anonymous reader, whatever route or parameter it asks with.
//!
//! **Signed-in readers** see every approved value (in force or replaced, as history) and work in
//! progress (drafts, submitted and returned values) within their scope
//! ([`crate::policy::Scope::can_see`]). Their evaluations, reports and completion tables are
//! computed over exactly those values ([`audience_selection`]): every approved value, and, as
//! 待审核, the submitted values of their own scope, never another unit's or county's. One
//! evaluation is cached per audience (the city, a county, a unit), not per person.

use std::sync::Arc;

use ecociv_store::{DataValue, Publication, Selection, ValueRef, WorkflowStatus};

use crate::policy::Scope;

/// The public rule: approved, in force, published indicator, published period.
pub fn public_sees(v: &ValueRef<'_>, published: &Publication) -> bool {
    v.status == WorkflowStatus::Approved
        && v.live
        && published.indicators.contains(v.indicator)
        && published.periods.contains(v.period)
}

/// [`public_sees`] for a stored value.
pub fn public_sees_value(v: &DataValue, published: &Publication) -> bool {
    public_sees(&value_ref(v), published)
}

pub(crate) fn value_ref(v: &DataValue) -> ValueRef<'_> {
    ValueRef {
        indicator: &v.indicator,
        region: &v.region,
        period: &v.period,
        status: v.status,
        live: v.is_live(),
    }
}

/// The values an evaluation for the public counts.
pub fn public_selection() -> Selection {
    Selection::new("public", public_sees)
}

/// The values an evaluation for a signed-in reader of `scope` counts: every approved value in
/// force, and the submitted ones the scope sees in work ([`Scope::sees_work`]) as pending.
///
/// The cache key names the audience: `work:all` for the city (the creation office, leaders, the
/// operator), `work:region:<code>` for a county, `work:unit:<name>@<model generation>` for a
/// unit (what a unit reports and takes part in follows from the plan, so the key changes with
/// it). People of one audience share one cached evaluation.
pub fn audience_selection(scope: &Scope, model_generation: i64) -> Selection {
    let key = match scope {
        Scope::All => "work:all".to_owned(),
        Scope::Region(code) => format!("work:region:{code}"),
        Scope::Unit { name, .. } => format!("work:unit:{name}@{model_generation}"),
    };
    if matches!(scope, Scope::All) {
        return Selection::new(key, |_, _| true);
    }
    let scope = Arc::new(scope.clone());
    Selection::new(key, move |v, _| {
        v.status == WorkflowStatus::Approved || scope.sees_work(v.indicator, v.region)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn a_unit_counts_approved_values_and_only_its_own_pending_ones() {
        let own = ("afforestation_area".to_owned(), "411700".to_owned());
        let scope = Scope::Unit {
            name: "市林业局".into(),
            reports: HashSet::from([own.clone()]),
            takes_part: HashSet::new(),
        };
        let sel = audience_selection(&scope, 7);
        assert_eq!(&*sel.key, "work:unit:市林业局@7");
        let p = Publication::default();
        let v = |status, ind| ValueRef {
            indicator: ind,
            region: "411700",
            period: "2026",
            status,
            live: true,
        };
        assert!((sel.keep)(
            &v(WorkflowStatus::Submitted, "afforestation_area"),
            &p
        ));
        assert!((sel.keep)(
            &v(WorkflowStatus::Approved, "water_quality"),
            &p
        ));
        assert!(!(sel.keep)(
            &v(WorkflowStatus::Submitted, "water_quality"),
            &p
        ));

        let county = audience_selection(&Scope::Region("411702".into()), 7);
        assert_eq!(&*county.key, "work:region:411702");
        assert!(!(county.keep)(
            &v(WorkflowStatus::Submitted, "afforestation_area"),
            &p
        ));
        let city = audience_selection(&Scope::All, 7);
        assert_eq!(&*city.key, "work:all");
        assert!((city.keep)(
            &v(WorkflowStatus::Submitted, "afforestation_area"),
            &p
        ));
    }

    #[test]
    fn the_public_sees_only_approved_live_published_values() {
        let mut p = Publication::default();
        p.indicators.insert("a".into());
        p.periods.insert("2024".into());
        let v = |status, live, ind, period| ValueRef {
            indicator: ind,
            region: "411700",
            period,
            status,
            live,
        };
        assert!(public_sees(
            &v(WorkflowStatus::Approved, true, "a", "2024"),
            &p
        ));
        assert!(!public_sees(
            &v(WorkflowStatus::Approved, false, "a", "2024"),
            &p
        ));
        assert!(!public_sees(
            &v(WorkflowStatus::Submitted, true, "a", "2024"),
            &p
        ));
        assert!(!public_sees(
            &v(WorkflowStatus::Approved, true, "b", "2024"),
            &p
        ));
        assert!(!public_sees(
            &v(WorkflowStatus::Approved, true, "a", "2023"),
            &p
        ));
    }
}
