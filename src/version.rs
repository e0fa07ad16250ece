//! Versions: one type for reading and ordering release versions
//! (semver-like: `1.20.5` before `1.25.0`, `1.0.0-rc.1` before `1.0.0`),
//! telling pre-releases of a release, and comparing a claimed version with
//! a version file's.

use std::cmp::Ordering;

/// A release version read from a changelog header or a tag name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Numeric parts of the core (`1.20.5` → 1, 20, 5).
    core: Vec<u64>,
    /// Dot-separated parts of the pre-release (`rc.2`), if any.
    pre: Option<Vec<PreKey>>,
    /// The text read (without a leading `v`), the last tie-breaker.
    text: String,
}

/// One dot-separated part of a pre-release: numbers sort before words.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum PreKey {
    /// `rc.2` → 2.
    Num(u64),
    /// `rc`.
    Text(String),
}

impl Version {
    /// Reads `1.2.3`, `v1.2`, `1.0.0-rc.1`, `2.0.0+build`; `None` when the
    /// core is not dot-separated numbers.
    pub fn parse(v: &str) -> Option<Version> {
        let v = v.trim().trim_start_matches(['v', 'V']);
        let core_end = v.find(['-', '+']).unwrap_or(v.len());
        let (core, rest) = v.split_at(core_end);
        let nums: Vec<u64> = core.split('.').map(|p| p.parse::<u64>().ok()).collect::<Option<_>>()?;
        if nums.is_empty() {
            return None;
        }
        let pre = rest.strip_prefix('-').map(|p| {
            p.split('+')
                .next()
                .unwrap_or("")
                .split('.')
                .filter(|p| !p.is_empty())
                .map(|p| match p.parse::<u64>() {
                    Ok(n) => PreKey::Num(n),
                    Err(_) => PreKey::Text(p.to_string()),
                })
                .collect()
        });
        Some(Version { core: nums, pre, text: v.to_string() })
    }

    /// Whether this is a pre-release (`1.0.0-rc.1`).
    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some()
    }

    /// Whether this is a pre-release of `release` (1.0.0-rc.1 of 1.0.0).
    pub fn is_prerelease_of(&self, release: &Version) -> bool {
        self.is_prerelease() && !release.is_prerelease() && self.core == release.core
    }

    /// Whether two versions name the same release (`v1.2.0` and `1.2.0`,
    /// build metadata aside).
    pub fn same_release(&self, other: &Version) -> bool {
        self.core == other.core && self.pre == other.pre
    }

    /// Whether two version texts name the same version as a person writes
    /// them (`v2.4.0` = `2.4.0`), for a claimed version against a version file.
    pub fn same_text(a: &str, b: &str) -> bool {
        let norm = |s: &str| s.trim().trim_start_matches(['v', 'V']).to_string();
        norm(a) == norm(b)
    }

    fn key(&self) -> (&[u64], u8, &[PreKey], &str) {
        (&self.core, u8::from(self.pre.is_none()), self.pre.as_deref().unwrap_or(&[]), &self.text)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("{s} is a version"))
    }

    #[test]
    fn orders_like_semver() {
        let mut list = ["1.25.0", "1.0.0", "v1.20.5", "1.0.0-rc.1", "1.0.0-rc.10", "1.0.0-rc.2", "1.0.0-alpha", "0.9"];
        list.sort_by_key(|s| v(s));
        assert_eq!(
            list,
            ["0.9", "1.0.0-alpha", "1.0.0-rc.1", "1.0.0-rc.2", "1.0.0-rc.10", "1.0.0", "v1.20.5", "1.25.0"]
        );
        assert!(Version::parse("next").is_none());
        assert!(Version::parse("1.x").is_none());
        assert!(v("1.0.0-rc.1").is_prerelease_of(&v("v1.0.0")));
        assert!(!v("1.0.1-rc.1").is_prerelease_of(&v("1.0.0")));
        assert!(!v("1.0.0").is_prerelease_of(&v("1.0.0")));
        assert!(Version::same_text("v2.4.0", "2.4.0"));
        assert!(!Version::same_text("2.4.1", "2.4.0"));
    }

    fn version_text() -> impl Strategy<Value = String> {
        let core = proptest::collection::vec(0u64..30, 1..4);
        let pre = proptest::option::of(proptest::collection::vec(
            prop_oneof![(0u64..12).prop_map(|n| n.to_string()), "[a-z]{1,5}"],
            1..3,
        ));
        (any::<bool>(), core, pre).prop_map(|(vee, core, pre)| {
            let mut s = if vee { "v".to_string() } else { String::new() };
            s.push_str(&core.iter().map(u64::to_string).collect::<Vec<_>>().join("."));
            if let Some(pre) = pre {
                s.push('-');
                s.push_str(&pre.join("."));
            }
            s
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        /// The order is total and consistent: antisymmetric, transitive
        /// (checked through a sort), equal only for the same text, and a
        /// pre-release sorts just before its release.
        #[test]
        fn version_order_is_a_total_order(a in version_text(), b in version_text(), c in version_text()) {
            let (x, y, z) = (v(&a), v(&b), v(&c));
            prop_assert_eq!(x.cmp(&y), y.cmp(&x).reverse());
            prop_assert_eq!(x.cmp(&y) == Ordering::Equal, a.trim_start_matches('v') == b.trim_start_matches('v'));
            let mut sorted = [x.clone(), y.clone(), z.clone()];
            sorted.sort();
            prop_assert!(sorted[0] <= sorted[1] && sorted[1] <= sorted[2] && sorted[0] <= sorted[2]);
            if x.is_prerelease_of(&y) {
                prop_assert!(x < y);
            }
            // Numeric parts compare as numbers, not text.
            if x.core != y.core {
                prop_assert_eq!(x.cmp(&y), x.core.cmp(&y.core));
            }
        }
    }
}
