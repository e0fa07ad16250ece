//! Record files: a JSON array, JSON Lines, or one JSON object, recognised
//! by content. Errors name the file, line and column.

use std::fmt;

use anyhow::{anyhow, bail, Result};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::{ClaimedComponent, RecordKind};
use crate::text::line_col;

/// A record exactly as written. Unknown fields are refused: a typo such as
/// `chnages` must not silently drop a claim.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawRecord {
    /// Record id.
    pub id: Option<String>,
    /// Environment.
    pub environment: Option<String>,
    /// Release (tag) name.
    pub release: Option<String>,
    /// Commit.
    pub commit: Option<String>,
    /// RFC 3339 time.
    pub deployed_at: Option<String>,
    /// Claimed components.
    pub components: Option<Vec<ClaimedComponent>>,
    /// Claimed changes.
    pub changes: Option<Vec<String>>,
    /// deploy | rollback | hotfix.
    pub kind: Option<RecordKind>,
}

impl<'de> Deserialize<'de> for ClaimedComponent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ClaimedComponent;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"a component name ("web") or an object ({"name": "auth", "version": "2.4.0"})"#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.trim().is_empty() {
                    return Err(E::custom("a component name must not be empty"));
                }
                Ok(ClaimedComponent { name: v.trim().to_string(), version: None })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let (mut name, mut version): (Option<String>, Option<String>) = (None, None);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "name" if name.is_none() => name = Some(map.next_value()?),
                        "version" if version.is_none() => version = map.next_value()?,
                        "name" | "version" => return Err(de::Error::custom(format!("duplicate field `{key}`"))),
                        other => return Err(de::Error::unknown_field(other, &["name", "version"])),
                    }
                }
                let name = name.ok_or_else(|| de::Error::missing_field("name"))?;
                if name.trim().is_empty() {
                    return Err(de::Error::custom("a component name must not be empty"));
                }
                Ok(ClaimedComponent { name: name.trim().to_string(), version: version.map(|v| v.trim().to_string()) })
            }
        }
        d.deserialize_any(V)
    }
}

fn json_error(name: &str, e: &serde_json::Error, line_offset: usize) -> anyhow::Error {
    let what = e.to_string();
    // serde_json appends " at line L column C"; we give the position up front.
    let what = match what.rfind(" at line ") {
        Some(i) => what[..i].to_string(),
        None => what,
    };
    anyhow!("{name}:{}:{}: {what}", e.line() + line_offset, e.column().max(1))
}

/// Byte offsets of the values directly inside a top-level JSON array.
fn array_element_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let (mut depth, mut in_str, mut escaped, mut expect) = (0usize, false, false, false);
    for (i, b) in text.bytes().enumerate() {
        if in_str {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            b'[' | b'{' => {
                if depth == 1 && expect {
                    starts.push(i);
                    expect = false;
                }
                depth += 1;
                if depth == 1 {
                    expect = true;
                }
                continue;
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => {
                expect = true;
                continue;
            }
            b'"' => in_str = true,
            _ => {}
        }
        if depth == 1 && expect {
            starts.push(i);
            expect = false;
        }
    }
    starts
}

/// The 1-based line of each of these ascending byte offsets, counted in
/// one pass (a `line_col` per record would rescan the text each time).
fn lines_at(text: &str, offsets: impl Iterator<Item = usize>) -> Vec<usize> {
    let bytes = text.as_bytes();
    let (mut line, mut at) = (1, 0);
    offsets
        .map(|o| {
            let o = o.clamp(at, bytes.len());
            line += bytes[at..o].iter().filter(|b| **b == b'\n').count();
            at = o;
            line
        })
        .collect()
}

/// Parses a record file's text into records with the line each starts on.
pub fn parse_records(name: &str, text: &str) -> Result<Vec<(RawRecord, usize)>> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = text.len() - body.len();
    let Some(first) = body.trim_start().chars().next() else {
        return Ok(Vec::new());
    };
    match first {
        '[' => {
            let records: Vec<RawRecord> = serde_json::from_str(body).map_err(|e| json_error(name, &e, 0))?;
            let lines = lines_at(text, array_element_starts(body).into_iter().map(|s| s + bom));
            Ok(records.into_iter().enumerate().map(|(i, r)| (r, lines.get(i).copied().unwrap_or(0))).collect())
        }
        '{' => {
            let mut out = Vec::new();
            let mut offset = bom;
            for (i, line) in body.split('\n').enumerate() {
                let this = offset;
                offset += line.len() + 1;
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<RawRecord>(line) {
                    Ok(r) => out.push((r, i + 1)),
                    Err(e) if out.is_empty() && e.is_eof() => {
                        // Not JSON Lines: one pretty-printed object.
                        let r: RawRecord = serde_json::from_str(body).map_err(|e| json_error(name, &e, 0))?;
                        let line = line_col(text, this).0;
                        return Ok(vec![(r, line)]);
                    }
                    Err(e) if e.is_eof() => bail!(
                        "{name}:{}:{}: the line ends inside a record (was the file cut short?); JSON Lines needs one whole record per line",
                        i + 1,
                        e.column().max(1)
                    ),
                    Err(e) => return Err(json_error(name, &e, i)),
                }
            }
            Ok(out)
        }
        other => {
            let pos = body.len() - body.trim_start().len() + bom;
            let (line, col) = line_col(text, pos);
            bail!(
                "{name}:{line}:{col}: expected a JSON array of records, JSON Lines (one record object per line) or one record object, found {:?}",
                other
            )
        }
    }
}

/// Parses a file holding exactly one record object (a pending record for `gate`).
pub fn parse_single(name: &str, text: &str) -> Result<(RawRecord, usize)> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = body.trim_start();
    if !trimmed.starts_with('{') {
        let (line, col) = line_col(text, text.len() - trimmed.len());
        bail!("{name}:{line}:{col}: expected one record object ({{ ... }})");
    }
    let r: RawRecord = serde_json::from_str(body).map_err(|e| json_error(name, &e, 0))?;
    Ok((r, line_col(text, text.len() - trimmed.len()).0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_shape_with_lines() {
        let arr = "[\n  {\"id\": \"a\", \"commit\": \"x\"},\n\n  {\"id\": \"b\", \"commit\": \"y\",\n   \"components\": [\"web\", {\"name\": \"auth\", \"version\": \"2\"}]}\n]";
        let r = parse_records("a.json", arr).unwrap();
        assert_eq!(
            r.iter().map(|(r, l)| (r.id.clone().unwrap(), *l)).collect::<Vec<_>>(),
            [("a".into(), 2), ("b".into(), 4)]
        );
        let comps = r[1].0.components.clone().unwrap();
        assert_eq!(comps[1], ClaimedComponent { name: "auth".into(), version: Some("2".into()) });
        let jsonl = "{\"id\": \"a\", \"commit\": \"x\"}\n\n{\"id\": \"b\", \"commit\": \"y\"}\n";
        let r = parse_records("d.jsonl", jsonl).unwrap();
        assert_eq!(r.iter().map(|(_, l)| *l).collect::<Vec<_>>(), [1, 3]);
        let one = "{\n  \"id\": \"a\",\n  \"commit\": \"x\"\n}\n";
        assert_eq!(parse_records("one.json", one).unwrap().len(), 1);
        assert!(parse_records("empty", " \n").unwrap().is_empty());
    }

    #[test]
    fn errors_name_file_line_column() {
        let e = parse_records("d.jsonl", "{\"id\": \"a\", \"commit\": \"x\"}\n{\"id\": \"b\", \"chnages\": []}\n")
            .unwrap_err();
        let s = e.to_string();
        assert!(s.starts_with("d.jsonl:2:"), "{s}");
        assert!(s.contains("unknown field `chnages`"), "{s}");
        let e = parse_records("d.jsonl", "{\"id\": \"a\", \"commit\": \"x\"}\n{\"id\": \"b\", \"com").unwrap_err();
        assert!(e.to_string().starts_with("d.jsonl:2:"), "{e}");
        assert!(e.to_string().contains("cut short"), "{e}");
        let e = parse_records("a.json", "[{\"id\": 5}]").unwrap_err();
        assert!(e.to_string().starts_with("a.json:1:"), "{e}");
        let e = parse_records("a.json", "[{\"id\": \"a\", \"components\": [{\"nme\": \"x\"}]}]").unwrap_err();
        assert!(e.to_string().contains("unknown field `nme`"), "{e}");
        let e = parse_records("x.txt", "\n  hello").unwrap_err();
        assert!(e.to_string().starts_with("x.txt:2:3: expected a JSON array"), "{e}");
        let e = parse_records("k.json", "[{\"id\": \"a\", \"kind\": \"redeploy\"}]").unwrap_err();
        assert!(e.to_string().contains("unknown variant `redeploy`"), "{e}");
    }
}
