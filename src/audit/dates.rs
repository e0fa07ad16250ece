//! Dates (date-mismatch): a deploy recorded before its commit was made; for
//! a release history dated by day, a date before the release's commit or
//! far from its tag.

use super::{Evidence, Finding, Kind, Out, RecordContext, Severity};
use crate::time::Timestamp;

const DAY: i64 = 86_400;

/// The record's deploy time, if it has one, against its commit (and tag).
pub(super) fn check(cx: &RecordContext<'_>, out: &mut Out) {
    let Some(at) = cx.record.deployed_at else {
        return;
    };
    let source = &cx.record.source;
    let finding = if source.release_history && source.date_only { release_date(cx, at) } else { deploy_time(cx, at) };
    out.findings.extend(finding);
}

/// A deploy time (to the second) before the commit's.
fn deploy_time(cx: &RecordContext<'_>, at: Timestamp) -> Option<Finding> {
    let commit = cx.commit;
    if at >= commit.time {
        return None;
    }
    let message = format!(
        "the record says it was deployed at {}, before its commit {} was made ({}).",
        at.human(),
        commit.short(),
        commit.time.human()
    );
    Some(cx.finding(Kind::DateMismatch, Severity::Error, message, evidence(cx, at, commit.time)))
}

/// A release history's header date (a day, written in the author's time
/// zone): before the release's commit is an error; more than 7 days from
/// the tag's date (the annotated tag's, else the commit's) a warning.
fn release_date(cx: &RecordContext<'_>, at: Timestamp) -> Option<Finding> {
    let (record, commit) = (cx.record, cx.commit);
    let name = record.release.as_deref().unwrap_or(&record.id);
    // The header's day ends 24 h after its midnight (UTC), and a writer
    // may be 12 h behind UTC.
    if at.0 + DAY + 12 * 3600 <= commit.time.0 {
        let message = format!(
            "{name} is dated {}, before its commit {} was made ({}): the date or the tag is wrong.",
            at.date(),
            commit.short(),
            commit.time.date()
        );
        return Some(cx.finding(Kind::DateMismatch, Severity::Error, message, evidence(cx, at, commit.time)));
    }
    let tag = cx.deploy.tag_time.unwrap_or(commit.time);
    let tag_day = tag.0.div_euclid(DAY) * DAY;
    let apart = (at.0 - tag_day).abs();
    if apart <= 7 * DAY {
        return None;
    }
    let what = if cx.deploy.tag_time.is_some() { "tagged" } else { "its tagged commit was made" };
    let message = format!("{name} is dated {}, but {what} on {} ({} days apart).", at.date(), tag.date(), apart / DAY);
    Some(cx.finding(Kind::DateMismatch, Severity::Warning, message, evidence(cx, at, tag)))
}

/// The deploy's commit and the two times compared.
fn evidence(cx: &RecordContext<'_>, at: Timestamp, other: Timestamp) -> Evidence {
    Evidence { record_time: Some(at.to_string()), commit_time: Some(other.to_string()), ..cx.commit_evidence() }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at_commit, deploy, expect, made_at, record, Case};
    use super::*;
    use crate::records::Record;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    /// One record deployed at `deployed`, its commit made at `made`.
    fn dated(deployed: &str, made: &str) -> Case {
        let mut d = deploy("a", None);
        made_at(&mut d, at(made));
        Case::new(vec![(Record { deployed_at: Some(at(deployed)), ..record("r0") }, d)])
    }

    /// `dated`, as release v1.0 of a changelog whose headers are days.
    fn released(day: &str, made: &str) -> Case {
        let mut case = dated(day, made);
        let r = &mut case.history.records[0];
        r.release = Some("v1.0".into());
        (r.source.release_history, r.source.date_only) = (true, true);
        case
    }

    fn times(record: &str, other: &str) -> Evidence {
        Evidence { record_time: Some(record.into()), commit_time: Some(other.into()), ..at_commit("a") }
    }

    #[test]
    fn deploy_before_its_commit_is_date_mismatch() {
        let (f, _) = dated("2023-03-28T09:00:00Z", "2023-03-28T10:00:00Z").run(0, check);
        let message = "the record says it was deployed at 2023-03-28 09:00 UTC, before its commit a000000 was made (2023-03-28 10:00 UTC).";
        let evidence = times("2023-03-28T09:00:00Z", "2023-03-28T10:00:00Z");
        assert_eq!(f, vec![expect(Kind::DateMismatch, Severity::Error, "r0", message, evidence)]);
    }

    #[test]
    fn deploy_after_its_commit_or_undated_is_no_date_mismatch() {
        assert_eq!(dated("2023-03-28T10:00:00Z", "2023-03-28T10:00:00Z").run(0, check).0, vec![]);
        let mut undated = dated("2023-03-28T09:00:00Z", "2023-03-28T10:00:00Z");
        undated.history.records[0].deployed_at = None;
        assert_eq!(undated.run(0, check).0, vec![]);
    }

    #[test]
    fn release_dated_before_its_commit_is_a_date_mismatch_error() {
        let (f, _) = released("2023-03-28", "2023-03-30T00:00:00Z").run(0, check);
        let message =
            "v1.0 is dated 2023-03-28, before its commit a000000 was made (2023-03-30): the date or the tag is wrong.";
        let evidence = times("2023-03-28T00:00:00Z", "2023-03-30T00:00:00Z");
        assert_eq!(f, vec![expect(Kind::DateMismatch, Severity::Error, "r0", message, evidence)]);
    }

    #[test]
    fn release_dated_far_from_its_tag_is_a_date_mismatch_warning() {
        let (f, _) = released("2023-03-28", "2023-03-20T10:00:00Z").run(0, check);
        let message = "v1.0 is dated 2023-03-28, but its tagged commit was made on 2023-03-20 (8 days apart).";
        let evidence = times("2023-03-28T00:00:00Z", "2023-03-20T10:00:00Z");
        assert_eq!(f, vec![expect(Kind::DateMismatch, Severity::Warning, "r0", message, evidence)]);

        let mut tagged = released("2023-03-28", "2023-03-20T10:00:00Z");
        tagged.truth.deploys[0].tag_time = Some(at("2023-03-19T23:00:00Z"));
        let (f, _) = tagged.run(0, check);
        assert_eq!(f[0].message, "v1.0 is dated 2023-03-28, but tagged on 2023-03-19 (9 days apart).");
        assert_eq!(f[0].evidence.commit_time.as_deref(), Some("2023-03-19T23:00:00Z"));
    }

    #[test]
    fn release_date_within_its_day_and_a_week_of_its_tag_is_no_date_mismatch() {
        // The commit is made the next morning: the writer may be behind UTC.
        assert_eq!(released("2023-03-28", "2023-03-29T11:00:00Z").run(0, check).0, vec![]);
        assert_eq!(released("2023-03-28", "2023-03-21T10:00:00Z").run(0, check).0, vec![]);
    }
}
