//! The audit: a pure function from a history and its truth to findings.
//! It never touches git, so every rule is tested on literal data.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::records::{History, Origin, Record, RecordKind};
use crate::text::{join_and, plural};
use crate::truth::{same_version, ClaimState, Deploy, Previous, RefProblem, Target, Truth};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a run.
    Info,
    /// Probably wrong.
    Warning,
    /// The record is wrong.
    Error,
}

impl Severity {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The kinds of disagreement (DESIGN.md's findings table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Claimed, not contained.
    ClaimedNotShipped,
    /// Introduced, not claimed.
    ShippedNotClaimed,
    /// Component changed, not listed.
    ComponentNotClaimed,
    /// Component listed, not changed.
    ComponentNotChanged,
    /// Claimed, already live earlier.
    ShippedEarlier,
    /// Claimed change touches none of the record's components.
    ClaimedOutsideComponent,
    /// Deployed before the commit existed.
    DateMismatch,
    /// Claimed version differs from the version file.
    VersionMismatch,
    /// Commit or release does not exist.
    UnknownRef,
    /// Tag and commit disagree.
    RefMismatch,
    /// Deploy removed commits.
    RolledBack,
    /// Added commit without a change ID.
    CommitWithoutChange,
}

impl Kind {
    /// Every kind, in the table's order.
    pub const ALL: [Kind; 12] = [
        Kind::ClaimedNotShipped,
        Kind::ShippedNotClaimed,
        Kind::ComponentNotClaimed,
        Kind::ComponentNotChanged,
        Kind::ShippedEarlier,
        Kind::ClaimedOutsideComponent,
        Kind::DateMismatch,
        Kind::VersionMismatch,
        Kind::UnknownRef,
        Kind::RefMismatch,
        Kind::RolledBack,
        Kind::CommitWithoutChange,
    ];

    /// The name used in output, exactly as DESIGN.md spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ClaimedNotShipped => "claimed-not-shipped",
            Kind::ShippedNotClaimed => "shipped-not-claimed",
            Kind::ComponentNotClaimed => "component-not-claimed",
            Kind::ComponentNotChanged => "component-not-changed",
            Kind::ShippedEarlier => "shipped-earlier",
            Kind::ClaimedOutsideComponent => "claimed-outside-component",
            Kind::DateMismatch => "date-mismatch",
            Kind::VersionMismatch => "version-mismatch",
            Kind::UnknownRef => "unknown-ref",
            Kind::RefMismatch => "ref-mismatch",
            Kind::RolledBack => "rolled-back",
            Kind::CommitWithoutChange => "commit-without-change",
        }
    }
}

/// The facts behind a finding. Empty fields are left out of JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The deploy's commit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The record compared with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// Commits involved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commits: Vec<String>,
    /// Paths involved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Changes involved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    /// The first record whose commit contains the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_shipped_in: Option<String>,
    /// Records that claimed the change while not containing it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub claimed_in: Vec<String>,
    /// The commit that reverted the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reverted_by: Option<String>,
    /// Version the record claims.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_version: Option<String>,
    /// Version the file holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_version: Option<String>,
    /// The version file read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_file: Option<String>,
    /// Where the release's tag points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_commit: Option<String>,
    /// Components involved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
    /// Times compared (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_time: Option<String>,
    /// The other time compared (commit or tag).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_time: Option<String>,
}

/// One disagreement between a record and git.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind.
    pub kind: Kind,
    /// How serious.
    pub severity: Severity,
    /// The record's id.
    pub record: String,
    /// The record's environment.
    pub environment: String,
    /// The change it is about.
    pub change: Option<String>,
    /// The component it is about.
    pub component: Option<String>,
    /// One sentence a person can act on (raw; the report escapes it).
    pub message: String,
    /// The facts.
    pub evidence: Evidence,
    /// Where the record was read.
    pub location: Origin,
}

/// Checks skipped because a record makes no claim of that kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Records without a `changes` field.
    pub records_without_changes: usize,
    /// Records without a `components` field.
    pub records_without_components: usize,
    /// Changes that shipped unclaimed in partial sources (changelogs), only counted.
    pub unclaimed_in_partial_sources: usize,
    /// Claimed versions of components without a version file.
    pub versions_unchecked: usize,
}

impl Skipped {
    /// One sentence per kind of skipped check, for the report's notes
    /// (field names between backticks).
    pub fn sentences(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.records_without_changes > 0 {
            notes.push(format!(
                "{} no `changes` (change checks skipped)",
                plural(self.records_without_changes, "record has", "records have")
            ));
        }
        if self.records_without_components > 0 {
            notes.push(format!(
                "{} no `components` (component checks skipped)",
                plural(self.records_without_components, "record has", "records have")
            ));
        }
        if self.unclaimed_in_partial_sources > 0 {
            notes.push(format!(
                "{} shipped without a mention in partial sources (counted only)",
                plural(self.unclaimed_in_partial_sources, "change", "changes")
            ));
        }
        if self.versions_unchecked > 0 {
            notes.push(format!(
                "{} unchecked (no version file)",
                plural(self.versions_unchecked, "claimed version", "claimed versions")
            ));
        }
        notes
    }
}

/// What the audit needs besides the data.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `changes.require`: report added commits without a change ID.
    pub require_change: bool,
}

/// Audits a history against its truth. Findings come in history order,
/// and within a record in the order of the DESIGN.md table.
pub fn audit(history: &History, truth: &Truth, opts: &Options) -> (Vec<Finding>, Skipped) {
    let index = claimants(history);
    let mut out = Vec::new();
    let mut skipped = Skipped::default();
    for (k, record) in history.records.iter().enumerate() {
        let Some(deploy) = truth.deploys.get(k) else {
            continue;
        };
        audit_record(&index, history, truth, k, record, deploy, opts, &mut out, &mut skipped);
    }
    (out, skipped)
}

/// For each change, the records that claim it, in history order.
type Claimants<'a> = std::collections::HashMap<&'a str, Vec<usize>>;

fn claimants(history: &History) -> Claimants<'_> {
    let mut index: Claimants<'_> = Claimants::new();
    for (j, r) in history.records.iter().enumerate() {
        for c in r.changes.iter().flatten() {
            let list = index.entry(c.as_str()).or_default();
            if list.last() != Some(&j) {
                list.push(j);
            }
        }
    }
    index
}

/// Audits one record of a history (the others give it context).
pub fn audit_one(history: &History, truth: &Truth, k: usize, opts: &Options) -> (Vec<Finding>, Skipped) {
    let mut out = Vec::new();
    let mut skipped = Skipped::default();
    if let (Some(record), Some(deploy)) = (history.records.get(k), truth.deploys.get(k)) {
        audit_record(&claimants(history), history, truth, k, record, deploy, opts, &mut out, &mut skipped);
    }
    (out, skipped)
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(7)]
}

#[allow(clippy::too_many_arguments)]
fn audit_record(
    index: &Claimants<'_>,
    history: &History,
    truth: &Truth,
    k: usize,
    record: &Record,
    deploy: &Deploy,
    opts: &Options,
    out: &mut Vec<Finding>,
    skipped: &mut Skipped,
) {
    let mut push = |kind: Kind,
                    severity: Severity,
                    change: Option<&str>,
                    component: Option<&str>,
                    message: String,
                    evidence: Evidence| {
        out.push(Finding {
            kind,
            severity,
            record: record.id.clone(),
            environment: record.environment.clone(),
            change: change.map(str::to_string),
            component: component.map(str::to_string),
            message,
            evidence,
            location: record.origin.clone(),
        });
    };
    let id_of = |i: usize| history.records[i].id.clone();
    if record.changes.is_none() {
        skipped.records_without_changes += 1;
    }
    if record.components.is_none() {
        skipped.records_without_components += 1;
    }

    // Refs.
    let commit = match &deploy.target {
        Target::Missing { reason } => {
            let named = record.release.as_deref().or(record.commit.as_deref()).unwrap_or("?");
            push(
                Kind::UnknownRef,
                Severity::Error,
                None,
                None,
                format!("{named} cannot be checked: {reason}."),
                Evidence::default(),
            );
            return;
        }
        Target::Commit { commit } => commit,
    };
    let base_ev = || Evidence { commit: Some(commit.sha.clone()), ..Evidence::default() };
    for p in &deploy.ref_problems {
        match p {
            RefProblem::Unknown { name, reason } => push(
                Kind::UnknownRef,
                Severity::Error,
                None,
                None,
                format!("{name} does not resolve ({reason}); checked against {} instead.", commit.short()),
                base_ev(),
            ),
            RefProblem::Mismatch { release, tag_commit, record_commit } => push(
                Kind::RefMismatch,
                Severity::Error,
                None,
                None,
                format!(
                    "release {release} now points at {}, not at the recorded commit {}: the tag moved after the deploy, or the record names the wrong commit.",
                    short(tag_commit),
                    short(record_commit)
                ),
                Evidence { commit: Some(record_commit.clone()), tag_commit: Some(tag_commit.clone()), ..Evidence::default() },
            ),
        }
    }

    let previous_id = match &deploy.previous {
        Previous::Record { index } => Some(id_of(*index)),
        Previous::Base { commit } => Some(format!("base {}", commit.short())),
        Previous::Baseline => None,
    };
    let compared = previous_id.is_some();
    let prev_ev =
        || Evidence { commit: Some(commit.sha.clone()), previous: previous_id.clone(), ..Evidence::default() };

    // Claimed changes.
    if let Some(claims) = &record.changes {
        let introduced: Vec<&str> = deploy.introduced.iter().map(|s| s.change.as_str()).collect();
        for claim in claims {
            let Some(ct) = deploy.claims.iter().find(|c| &c.change == claim) else {
                continue;
            };
            let across = truth.changes.get(claim);
            match &ct.state {
                ClaimState::Contained { by } => {
                    let first_earlier = across.and_then(|t| t.contained.first_contained(0, k));
                    if compared && !introduced.contains(&claim.as_str()) {
                        // A final release lists what its pre-releases shipped.
                        let first_earlier = first_earlier.filter(|&j| !prerelease_of(&history.records[j], record));
                        if let Some(j) = first_earlier {
                            let name = id_of(j);
                            push(
                                Kind::ShippedEarlier,
                                Severity::Warning,
                                Some(claim),
                                None,
                                format!("{claim} is claimed, but it was already live before this deploy: {name} first shipped it."),
                                Evidence { first_shipped_in: Some(name), commits: vec![by.clone()], ..prev_ev() },
                            );
                        }
                    }
                }
                state => {
                    let later =
                        across.and_then(|t| t.contained.first_contained(k + 1, history.records.len())).map(id_of);
                    let mut ev =
                        Evidence { first_shipped_in: later.clone(), commits: ct.carriers.clone(), ..base_ev() };
                    let why = match state {
                        ClaimState::NoSuchCommit => {
                            format!("{claim} is claimed, but no such commit exists in the repository")
                        }
                        ClaimState::Reverted { by, by_subject, .. } => {
                            ev.reverted_by = Some(by.clone());
                            format!(
                                "{claim} is claimed, but {} reverts it (\"{}\"), so {} does not contain it",
                                short(by),
                                by_subject,
                                commit.short()
                            )
                        }
                        _ if ct.carriers.is_empty() => format!(
                            "{claim} is claimed, but no commit in the history carries it, so {} does not contain it",
                            commit.short()
                        ),
                        _ => format!("{claim} is claimed, but {} does not contain it", commit.short()),
                    };
                    let tail = match &later {
                        Some(j) => format!("; it first shipped in {j}."),
                        None => "; no later record's commit contains it.".to_string(),
                    };
                    push(Kind::ClaimedNotShipped, Severity::Error, Some(claim), None, why + &tail, ev);
                }
            }
            // Outside the record's components.
            if let (Some(about), Some(touched)) = (record.about_components(), &ct.touched) {
                if !about.is_empty() && !touched.iter().any(|t| about.contains(t)) && !ct.carriers.is_empty() {
                    let where_ = if touched.is_empty() { "no component".to_string() } else { join_and(touched) };
                    push(
                        Kind::ClaimedOutsideComponent,
                        Severity::Warning,
                        Some(claim),
                        None,
                        format!("{claim} is claimed for {}, but its commits only touch {where_}.", join_and(&about)),
                        Evidence { commits: ct.carriers.clone(), components: touched.clone(), ..base_ev() },
                    );
                }
            }
        }
    }

    // Changes shipped and not claimed.
    if compared {
        let claims = record.changes.as_ref();
        for s in &deploy.introduced {
            let claimed = claims.is_some_and(|c| c.iter().any(|x| x == &s.change));
            if claimed || claims.is_none() {
                continue;
            }
            // A backport "title (#orig) (#backport)" claimed by either number
            // claims the other too: in a release history, a change whose
            // commits all carry a claimed change is claimed.
            if record.source.release_history
                && s.commits.iter().all(|c| {
                    deploy.claims.iter().any(|ct| !matches!(ct.state, ClaimState::Absent) && ct.carriers.contains(c))
                })
            {
                continue;
            }
            // Earlier records that claimed it without containing it: the incident's signature.
            let claimants = index.get(s.change.as_str()).map_or(&[][..], Vec::as_slice);
            let claimed_in: Vec<String> = claimants
                .iter()
                .copied()
                .filter(|&j| j < k && truth.changes.get(&s.change).and_then(|t| t.contained.get(j)) == Some(false))
                .map(id_of)
                .collect();
            // In a release history, a record of another line (1.5.15 beside
            // 1.6.0) that claims and contains the change shipped it there:
            // that is no wrong attribution on this line.
            let other_claims = !claimed_in.is_empty()
                || claimants.iter().any(|&j| {
                    let r = &history.records[j];
                    j != k && (!record.source.release_history || same_line(truth, j, k)) && !prerelease_of(record, r)
                });
            // A partial source that mentions the change ("see #84") knows of it.
            let mentioned = record.source.mentions.iter().any(|m| m == &s.change);
            if !record.complete && (!other_claims || mentioned) {
                skipped.unclaimed_in_partial_sources += 1;
                continue;
            }
            let commits: Vec<String> = s.commits.iter().map(|c| short(c).to_string()).collect();
            let mut message = format!(
                "{} ships in this deploy ({} {}) but the record does not claim it.",
                s.change,
                if commits.len() == 1 { "commit" } else { "commits" },
                join_and(&commits)
            );
            if let Some(first) = claimed_in.first() {
                message = format!(
                    "{} was recorded as deployed in {first}, but {first} did not contain it: this deploy ships it for the first time ({} {}), and its record does not say so.",
                    s.change,
                    if commits.len() == 1 { "commit" } else { "commits" },
                    join_and(&commits)
                );
            }
            push(
                Kind::ShippedNotClaimed,
                Severity::Error,
                Some(&s.change),
                None,
                message,
                Evidence { commits: s.commits.clone(), claimed_in, ..prev_ev() },
            );
        }
    }

    // Components.
    if let Some(listed) = &record.components {
        let names: Vec<&str> = listed.iter().map(|c| c.name.as_str()).collect();
        if compared {
            for state in &deploy.components {
                if state.changed() && !names.contains(&state.name.as_str()) {
                    push(
                        Kind::ComponentNotClaimed,
                        Severity::Error,
                        None,
                        Some(&state.name),
                        format!(
                            "{} changed since {} ({}) but the record does not list it.",
                            state.name,
                            previous_id.as_deref().unwrap_or("the previous deploy"),
                            join_and(&state.changed_paths)
                        ),
                        Evidence { paths: state.changed_paths.clone(), ..prev_ev() },
                    );
                }
            }
            for c in listed {
                if let Some(state) = deploy.components.iter().find(|s| s.name == c.name) {
                    if !state.changed() {
                        push(
                            Kind::ComponentNotChanged,
                            Severity::Warning,
                            None,
                            Some(&c.name),
                            format!(
                                "{} is listed, but none of its files changed since {}.",
                                c.name,
                                previous_id.as_deref().unwrap_or("the previous deploy")
                            ),
                            prev_ev(),
                        );
                    }
                }
            }
        }
        for c in listed {
            let Some(claimed) = &c.version else { continue };
            let state = deploy.components.iter().find(|s| s.name == c.name);
            match state.and_then(|s| s.version.as_ref()) {
                None => skipped.versions_unchecked += 1,
                Some(v) => {
                    let ok = v.value.as_deref().is_some_and(|actual| same_version(claimed, actual));
                    if !ok {
                        let says = match &v.value {
                            Some(actual) => {
                                format!("{} at {} says {actual}", v.file, commit.short())
                            }
                            None => format!("{} holds no version at {}", v.file, commit.short()),
                        };
                        push(
                            Kind::VersionMismatch,
                            Severity::Error,
                            None,
                            Some(&c.name),
                            format!("{} is claimed at {claimed}, but {says}.", c.name),
                            Evidence {
                                claimed_version: Some(claimed.clone()),
                                actual_version: v.value.clone(),
                                version_file: Some(v.file.clone()),
                                ..base_ev()
                            },
                        );
                    }
                }
            }
        }
    }

    // Dates: deployed before the commit existed.
    if let Some(at) = record.deployed_at {
        if record.source.release_history && record.source.date_only {
            release_date(record, deploy, commit, at, &mut push);
        } else if at < commit.time {
            push(
                Kind::DateMismatch,
                Severity::Error,
                None,
                None,
                format!(
                    "the record says it was deployed at {}, before its commit {} was made ({}).",
                    at.human(),
                    commit.short(),
                    commit.time.human()
                ),
                Evidence { record_time: Some(at.to_string()), commit_time: Some(commit.time.to_string()), ..base_ev() },
            );
        }
    }

    // Rollbacks.
    if compared && !deploy.removed.is_empty() {
        let severity = if record.kind == RecordKind::Rollback { Severity::Info } else { Severity::Warning };
        let lost = if deploy.unshipped.is_empty() {
            String::new()
        } else {
            format!("; no longer live: {}", join_and(&deploy.unshipped))
        };
        push(
            Kind::RolledBack,
            severity,
            None,
            None,
            format!(
                "this deploy removes {} that {} had{lost}.",
                plural(deploy.removed.len(), "commit", "commits"),
                previous_id.as_deref().unwrap_or("the previous deploy")
            ),
            Evidence {
                commits: deploy.removed.iter().map(|c| c.sha.clone()).collect(),
                changes: deploy.unshipped.clone(),
                ..prev_ev()
            },
        );
    }

    // Commits without a change ID.
    if opts.require_change && compared {
        for c in &deploy.added {
            if c.changes.is_empty() && !c.subject.starts_with("Merge ") && !c.subject.starts_with("Revert ") {
                push(
                    Kind::CommitWithoutChange,
                    Severity::Warning,
                    None,
                    None,
                    format!("commit {} (\"{}\") carries no change ID.", c.short(), c.subject),
                    Evidence { commits: vec![c.sha.clone()], ..prev_ev() },
                );
            }
        }
    }
}

/// Whether `pre` is a pre-release of `fin` (1.0.0-rc.1 of 1.0.0): a final
/// release's changelog section conventionally lists what its pre-releases shipped.
fn prerelease_of(pre: &Record, fin: &Record) -> bool {
    match (pre.source.version.as_deref(), fin.source.version.as_deref()) {
        (Some(p), Some(f)) => {
            let core = |v: &str| v.trim_start_matches(['v', 'V']).split(['-', '+']).next().unwrap_or("").to_string();
            p.contains('-') && !f.contains('-') && core(p) == core(f)
        }
        _ => false,
    }
}

/// Whether release j and k are on one line: one is the other's previous,
/// or its previous's previous, and so on.
fn same_line(truth: &Truth, j: usize, k: usize) -> bool {
    let reaches = |from: usize, to: usize| {
        let mut at = from;
        for _ in 0..truth.deploys.len() {
            match truth.deploys.get(at).map(|d| &d.previous) {
                Some(Previous::Record { index }) if *index == to => return true,
                Some(Previous::Record { index }) => at = *index,
                _ => return false,
            }
        }
        false
    };
    reaches(j, k) || reaches(k, j)
}

/// How a check adds a finding: kind, severity, change, component, message, evidence.
type Push<'a> = dyn FnMut(Kind, Severity, Option<&str>, Option<&str>, String, Evidence) + 'a;

/// A release history's header date (a day, written in the author's time
/// zone): before the release's commit is an error; more than 7 days from
/// the tag's date (the annotated tag's, else the commit's) a warning.
fn release_date(
    record: &Record,
    deploy: &Deploy,
    commit: &crate::truth::CommitRef,
    at: crate::time::Timestamp,
    push: &mut Push<'_>,
) {
    const DAY: i64 = 86_400;
    let name = record.release.as_deref().unwrap_or(&record.id);
    let ev = |other: crate::time::Timestamp| Evidence {
        commit: Some(commit.sha.clone()),
        record_time: Some(at.to_string()),
        commit_time: Some(other.to_string()),
        ..Evidence::default()
    };
    // The header's day ends 24 h after its midnight (UTC), and a writer
    // may be 12 h behind UTC.
    if at.0 + DAY + 12 * 3600 <= commit.time.0 {
        push(
            Kind::DateMismatch,
            Severity::Error,
            None,
            None,
            format!(
                "{name} is dated {}, before its commit {} was made ({}): the date or the tag is wrong.",
                at.date(),
                commit.short(),
                commit.time.date()
            ),
            ev(commit.time),
        );
        return;
    }
    let tag = deploy.tag_time.unwrap_or(commit.time);
    let tag_day = tag.0.div_euclid(DAY) * DAY;
    if (at.0 - tag_day).abs() > 7 * DAY {
        let what = if deploy.tag_time.is_some() { "tagged" } else { "its tagged commit was made" };
        push(
            Kind::DateMismatch,
            Severity::Warning,
            None,
            None,
            format!(
                "{name} is dated {}, but {what} on {} ({} days apart).",
                at.date(),
                tag.date(),
                (at.0 - tag_day).abs() / DAY
            ),
            ev(tag),
        );
    }
}

/// Counts by severity and kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Records audited.
    pub records: usize,
    /// Environments audited.
    pub environments: Vec<String>,
    /// Findings by severity.
    pub errors: usize,
    /// Findings by severity.
    pub warnings: usize,
    /// Findings by severity.
    pub infos: usize,
    /// Findings by kind.
    pub by_kind: BTreeMap<String, usize>,
    /// Checks skipped.
    pub skipped: Skipped,
}

impl Summary {
    /// Counts findings.
    pub fn count(&mut self, findings: &[Finding]) {
        for f in findings {
            match f.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
            *self.by_kind.entry(f.kind.as_str().to_string()).or_default() += 1;
        }
    }
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FailOn {
    /// Exit 1 on any error finding (default).
    #[default]
    Error,
    /// Exit 1 on any error or warning finding.
    Warning,
    /// Always exit 0 when the input was usable.
    Never,
}

/// The exit code for findings: 0, or 1 when any reaches `--fail-on`.
pub fn exit_code(findings: &[Finding], fail_on: FailOn) -> u8 {
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Never => return 0,
    };
    u8::from(findings.iter().any(|f| f.severity >= threshold))
}
