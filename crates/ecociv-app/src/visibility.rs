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
//! ([`crate::policy::Scope::can_see`]). Their evaluations count approved values and, as 待审核,
//! submitted ones.

use ecociv_store::{DataValue, Publication, Selection, ValueRef, WorkflowStatus};

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

/// The values an evaluation for signed-in readers counts: every approved value in force, and
/// submitted ones as pending.
pub fn internal_selection() -> Selection {
    Selection::new("internal", |_, _| true)
}

#[cfg(test)]
mod tests {
    use super::*;

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
