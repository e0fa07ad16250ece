//! The README agrees with the code where it lists what the code defines.

use std::path::Path;

use shipcheck::audit::Kind;

/// The rows of the first table after the `heading` line of the README:
/// each row's cells, trimmed, without the header and separator rows.
fn table_after(readme: &str, heading: &str) -> Vec<Vec<String>> {
    let start = readme.lines().position(|l| l == heading).unwrap_or_else(|| panic!("README has no {heading:?}"));
    let rows: Vec<Vec<String>> = readme
        .lines()
        .skip(start + 1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim().trim_matches('|').split('|').map(|c| c.trim().to_string()).collect())
        .collect();
    assert!(rows.len() > 2, "{heading}: no table");
    assert!(rows[1].iter().all(|c| c.chars().all(|ch| ch == '-' || ch == ':')), "{heading}: {:?}", rows[1]);
    rows[2..].to_vec()
}

#[test]
fn the_readme_table_of_kinds_lists_exactly_the_kinds_of_the_code_in_order() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let rows = table_after(&readme, "## What it finds");
    let listed: Vec<String> = rows
        .iter()
        .map(|row| {
            let cell = &row[0];
            let name = cell.strip_prefix('`').and_then(|c| c.strip_suffix('`'));
            name.unwrap_or_else(|| panic!("the kind column holds one `name` per row, not {cell:?}")).to_string()
        })
        .collect();
    let kinds: Vec<String> = Kind::ALL.iter().map(|k| k.as_str().to_string()).collect();
    assert_eq!(listed, kinds, "README \"What it finds\" and shipcheck::audit::Kind::ALL disagree");
}
