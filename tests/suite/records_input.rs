//! Record sources: every shape is read; bad input is refused with exit 2
//! and an error naming the file, line and column.

use serde_json::json;

use crate::common::{audit_json, brief, fixture, run, triples};

#[test]
fn array_lines_and_folder_are_recognised_by_content() {
    let f = fixture("incident");
    let jsonl = std::fs::read_to_string(f.records("deploys/production.jsonl")).unwrap();
    let values: Vec<serde_json::Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // A JSON array in a file named .txt, and a folder of one object per file.
    let arr = f.write("as-array.txt", &serde_json::to_string_pretty(&values).unwrap());
    for (i, v) in values.iter().enumerate() {
        f.write(&format!("folder/{i:02}.json"), &serde_json::to_string_pretty(v).unwrap());
    }
    f.write("folder/README.md", "not a record");
    let folder = f.built.root.join("folder");
    let (r1, a) = audit_json(&f, &[&arr], &[]);
    let (r2, b) = audit_json(&f, &[&folder], &[]);
    r1.expect(1);
    r2.expect(1);
    assert_eq!(brief(&a), brief(&b));
    assert_eq!(brief(&a).len(), 5);
    // Locations point at the line each record starts on.
    let text = std::fs::read_to_string(&arr).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let id_at = lines.iter().position(|l| l.contains("\"prod-41\"")).unwrap();
    let open = (0..id_at).rev().find(|&i| lines[i] == "  {").unwrap() + 1;
    assert_eq!(a[0]["location"]["line"], open, "{}", a[0]["location"]);
    assert!(b[0]["location"]["file"].as_str().unwrap().ends_with("folder/01.json"));
}

fn refused(text: &str, expect_prefix: &str, expect: &str) {
    let f = fixture("incident");
    let p = f.write("bad.jsonl", text);
    let r = run(&f, &["audit", "--records", p.to_str().unwrap()]);
    r.expect(2);
    assert!(r.stdout.is_empty(), "nothing on stdout: {}", r.stdout);
    let err = r.stderr.replace(p.to_str().unwrap(), "bad.jsonl");
    assert!(err.starts_with(&format!("error: {expect_prefix}")), "{err}");
    assert!(err.contains(expect), "{err}");
}

#[test]
fn unknown_field_is_refused_with_position() {
    refused(
        "{\"id\": \"a\", \"commit\": \"HEAD\"}\n{\"id\": \"b\", \"commit\": \"HEAD\", \"chnages\": [\"X-1\"]}\n",
        "bad.jsonl:2:",
        "unknown field `chnages`",
    );
}

#[test]
fn truncated_last_line_is_refused() {
    refused("{\"id\": \"a\", \"commit\": \"HEAD\"}\n{\"id\": \"b\", \"comm", "bad.jsonl:2:", "cut short");
}

#[test]
fn wrong_types_and_shapes_are_refused() {
    refused("[{\"id\": \"a\", \"commit\": \"HEAD\", \"changes\": \"X-1\"}]", "bad.jsonl:1:", "expected a sequence");
    refused("[{\"id\": \"a\", \"commit\": \"HEAD\", \"components\": [7]}]", "bad.jsonl:1:", "component name");
    refused("[{\"id\": \"a\", \"commit\": \"HEAD\", \"deployed_at\": \"yesterday\"}]", "bad.jsonl:1:", "RFC 3339");
    refused("[{\"id\": \"a\"}]", "bad.jsonl:1:", "neither a commit nor a release");
    refused("deploy prod-1", "bad.jsonl:1:1:", "expected a JSON array");
}

#[test]
fn duplicate_ids_and_unknown_components_are_refused() {
    let f = fixture("incident");
    let head = f.sha("bill-31");
    let dup = f.write_records("dup.jsonl", &[json!({"id": "a", "commit": head}), json!({"id": "a", "commit": head})]);
    let r = run(&f, &["audit", "--records", dup.to_str().unwrap()]);
    r.expect(2);
    assert!(r.stderr.contains("used twice"), "{}", r.stderr);
    let typo = f.write_records("typo.jsonl", &[json!({"id": "a", "commit": head, "components": ["authh"]})]);
    let r = run(&f, &["audit", "--records", typo.to_str().unwrap()]);
    r.expect(2);
    assert!(r.stderr.contains("component \"authh\"") && r.stderr.contains("typo.jsonl:1"), "{}", r.stderr);
}

#[test]
fn ambiguous_commit_prefix_is_an_unknown_ref_that_says_so() {
    let f = fixture("incident");
    // Write blobs until two objects share a four-digit prefix (a few hundred
    // at most), so the prefix is ambiguous for certain.
    let repo = git2::Repository::open(f.repo()).unwrap();
    let mut seen = std::collections::HashMap::new();
    let mut prefix = None;
    for i in 0..100_000 {
        let id = repo.blob(format!("filler {i}").as_bytes()).unwrap().to_string();
        if seen.insert(id[..4].to_string(), id.clone()).is_some() {
            prefix = Some(id[..4].to_string());
            break;
        }
    }
    let prefix = prefix.expect("a shared prefix exists among 100,000 objects");
    let log = f.write_records("amb.jsonl", &[json!({"id": "a", "commit": prefix})]);
    let (r, findings) = audit_json(&f, &[&log], &[]);
    r.expect(1);
    assert_eq!(brief(&findings), triples(&[("a", "unknown-ref", "")]));
    assert!(findings[0]["message"].as_str().unwrap().contains("ambiguous"), "{findings:#?}");
}

#[test]
fn configuration_errors_name_file_line_and_column() {
    let f = fixture("incident");
    let cfg = f.write("bad.toml", "[components.web]\npaths = [\"services/web/\"]\nverison_file = \"x\"\n");
    let log = f.records("deploys/production.jsonl");
    let r = run(&f, &["--config", cfg.to_str().unwrap(), "audit", "--records", log.to_str().unwrap()]);
    r.expect(2);
    assert!(r.stderr.contains("bad.toml:3:1:") && r.stderr.contains("verison_file"), "{}", r.stderr);
}
