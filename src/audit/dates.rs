//! Dates (date-mismatch): a deploy recorded before its commit was made (a
//! bare date compares by day); a deploy log's date that contradicts its file
//! order (the file order is the deploy order, a wrong date never reorders
//! it); a release history's header date more than a week from its tag or
//! before its commit (a wrong year or month: a header is written before the
//! release merges, so a few days early is normal).

use super::{Evidence, Finding, Kind, Out, RecordContext, Severity};
use crate::time::Timestamp;

const DAY: i64 = 86_400;

/// How far a release header's date may stand from its tag, or before its
/// commit, before it is taken for a wrong date.
const RELEASE_SLACK: i64 = 7 * DAY;

/// The record's deploy time, if it has one, against its commit (and tag),
/// and against the records listed before it.
pub(super) fn check(cx: &RecordContext<'_>, out: &mut Out) {
    let Some(at) = cx.record.deployed_at else {
        return;
    };
    let source = &cx.record.source;
    let finding = match (source.release_history, source.date_only) {
        (true, true) => release_date(cx, at),
        // Release histories are in version order: a maintenance release is
        // often dated after the next line's.
        (true, false) => deploy_time(cx, at),
        (false, _) => deploy_time(cx, at).or_else(|| out_of_order(cx, at)),
    };
    out.findings.extend(finding);
}

/// The last moment a date may mean: the end of its day for a bare date
/// (written in the author's time zone, which may be 12 h behind UTC).
fn latest(at: Timestamp, date_only: bool) -> Timestamp {
    if date_only {
        Timestamp(at.0 + DAY + 12 * 3600 - 1)
    } else {
        at
    }
}

/// A deploy time before the commit's (for a bare date, the whole day before it).
fn deploy_time(cx: &RecordContext<'_>, at: Timestamp) -> Option<Finding> {
    let commit = cx.commit;
    let date_only = cx.record.source.date_only;
    if latest(at, date_only) >= commit.time {
        return None;
    }
    let when = if date_only { format!("on {}", at.date()) } else { format!("at {}", at.human()) };
    let message = format!(
        "the record says it was deployed {when}, before its commit {} was made ({}).",
        commit.short(),
        commit.time.human()
    );
    Some(cx.finding(Kind::DateMismatch, Severity::Error, message, evidence(cx, at, commit.time)))
}

/// A deploy dated before a record that its log lists before it: the file
/// order is the deploy order, so one of the two dates is wrong.
fn out_of_order(cx: &RecordContext<'_>, at: Timestamp) -> Option<Finding> {
    let records = &cx.history.records[..cx.k];
    let (j, before) = records.iter().enumerate().rev().find_map(|(j, r)| r.deployed_at.map(|t| (j, t)))?;
    let earlier = &records[j];
    if latest(at, cx.record.source.date_only) >= before {
        return None;
    }
    let message = format!(
        "{} is dated {}, before {} ({}), which the log lists before it: a log is in deploy order, so one of the two dates is wrong.",
        cx.record.id,
        at.human(),
        earlier.id,
        before.human()
    );
    let evidence = Evidence { record_time: Some(at.to_string()), ..cx.commit_evidence() };
    Some(cx.finding(Kind::DateMismatch, Severity::Error, message, evidence))
}

/// A release history's header date (a day): more than a week before its
/// commit, or more than a week from its tag's day (the annotated tag's,
/// else the commit's), is a wrong date; closer is how releases are written.
fn release_date(cx: &RecordContext<'_>, at: Timestamp) -> Option<Finding> {
    let (record, commit) = (cx.record, cx.commit);
    let name = record.release.as_deref().unwrap_or(&record.id);
    let early = commit.time.0 - latest(at, true).0;
    if early > RELEASE_SLACK {
        let message = format!(
            "{name} is dated {}, {} days before its commit {} was made ({}): the date (its year or month?) or the tag is wrong.",
            at.date(),
            commit.time.0.div_euclid(DAY) - at.0.div_euclid(DAY),
            commit.short(),
            commit.time.date()
        );
        return Some(cx.finding(Kind::DateMismatch, Severity::Error, message, evidence(cx, at, commit.time)));
    }
    let tag = cx.deploy.tag_time.unwrap_or(commit.time);
    let tag_day = tag.0.div_euclid(DAY) * DAY;
    let apart = (at.0 - tag_day).abs();
    if apart <= RELEASE_SLACK {
        return None;
    }
    let what = if cx.deploy.tag_time.is_some() { "tagged" } else { "its tagged commit was made" };
    let message = format!("{name} is dated {}, but {what} on {} ({} days apart).", at.date(), tag.date(), apart / DAY);
    Some(cx.finding(Kind::DateMismatch, Severity::Error, message, evidence(cx, at, tag)))
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
    fn release_dated_over_a_week_before_its_commit_is_a_date_mismatch_error() {
        // A year typo: tokio 1.24.1 was dated January 2022 for January 2023.
        let (f, _) = released("2022-01-07", "2023-01-06T10:00:00Z").run(0, check);
        let message = "v1.0 is dated 2022-01-07, 364 days before its commit a000000 was made (2023-01-06): the date (its year or month?) or the tag is wrong.";
        let evidence = times("2022-01-07T00:00:00Z", "2023-01-06T10:00:00Z");
        assert_eq!(f, vec![expect(Kind::DateMismatch, Severity::Error, "r0", message, evidence)]);
    }

    #[test]
    fn release_dated_far_from_its_tag_is_a_date_mismatch_error() {
        let (f, _) = released("2023-03-28", "2023-03-20T10:00:00Z").run(0, check);
        let message = "v1.0 is dated 2023-03-28, but its tagged commit was made on 2023-03-20 (8 days apart).";
        let evidence = times("2023-03-28T00:00:00Z", "2023-03-20T10:00:00Z");
        assert_eq!(f, vec![expect(Kind::DateMismatch, Severity::Error, "r0", message, evidence)]);

        let mut tagged = released("2023-03-28", "2023-03-20T10:00:00Z");
        tagged.truth.deploys[0].tag_time = Some(at("2023-03-19T23:00:00Z"));
        let (f, _) = tagged.run(0, check);
        assert_eq!(f[0].message, "v1.0 is dated 2023-03-28, but tagged on 2023-03-19 (9 days apart).");
        assert_eq!(f[0].evidence.commit_time.as_deref(), Some("2023-03-19T23:00:00Z"));
    }

    #[test]
    fn release_dated_a_few_days_before_its_commit_is_no_date_mismatch() {
        // The release-preparation pull request is written before it merges.
        assert_eq!(released("2023-03-28", "2023-03-31T10:00:00Z").run(0, check).0, vec![]);
        assert_eq!(released("2023-03-28", "2023-04-04T10:00:00Z").run(0, check).0, vec![]);
    }

    #[test]
    fn a_bare_date_in_a_deploy_log_means_the_whole_day() {
        let mut same_day = dated("2023-03-18", "2023-03-18T15:00:00Z");
        same_day.history.records[0].source.date_only = true;
        assert_eq!(same_day.run(0, check).0, vec![]);
        let mut day_before = dated("2023-03-17", "2023-03-18T15:00:00Z");
        day_before.history.records[0].source.date_only = true;
        let (f, _) = day_before.run(0, check);
        let message =
            "the record says it was deployed on 2023-03-17, before its commit a000000 was made (2023-03-18 15:00 UTC).";
        let evidence = times("2023-03-17T00:00:00Z", "2023-03-18T15:00:00Z");
        assert_eq!(f, vec![expect(Kind::DateMismatch, Severity::Error, "r0", message, evidence)]);
    }

    #[test]
    fn a_date_before_the_record_listed_before_it_is_date_mismatch() {
        let (mut a, mut b) = (deploy("a", None), deploy("b", Some(0)));
        made_at(&mut a, at("2023-03-01T00:00:00Z"));
        made_at(&mut b, at("2023-03-01T00:00:00Z"));
        let first = Record { deployed_at: Some(at("2023-03-20T09:00:00Z")), ..record("r0") };
        let second = Record { deployed_at: Some(at("2023-03-10T09:00:00Z")), ..record("r1") };
        let case = Case::new(vec![(first, a), (second, b)]);
        assert_eq!(case.run(0, check).0, vec![]);
        let (f, _) = case.run(1, check);
        let message = "r1 is dated 2023-03-10 09:00 UTC, before r0 (2023-03-20 09:00 UTC), which the log lists before it: a log is in deploy order, so one of the two dates is wrong.";
        let evidence = Evidence { record_time: Some("2023-03-10T09:00:00Z".into()), ..at_commit("b") };
        assert_eq!(f, vec![expect(Kind::DateMismatch, Severity::Error, "r1", message, evidence)]);
    }

    #[test]
    fn release_date_within_its_day_and_a_week_of_its_tag_is_no_date_mismatch() {
        // The commit is made the next morning: the writer may be behind UTC.
        assert_eq!(released("2023-03-28", "2023-03-29T11:00:00Z").run(0, check).0, vec![]);
        assert_eq!(released("2023-03-28", "2023-04-04T11:00:00Z").run(0, check).0, vec![]);
        assert_eq!(released("2023-03-28", "2023-03-21T10:00:00Z").run(0, check).0, vec![]);
    }
}
