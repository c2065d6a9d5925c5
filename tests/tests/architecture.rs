//! Keeps ARCHITECTURE.md's dependency-edge table true: every internal dependency of every
//! crate must be listed there.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn allowed_edges(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let start = text
        .find("<!-- edges:start -->")
        .expect("edge table start marker");
    let end = text
        .find("<!-- edges:end -->")
        .expect("edge table end marker");
    text[start..end]
        .lines()
        .filter(|l| l.starts_with('|') && !l.contains("---") && !l.contains("may depend on"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let deps = cells[1]
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            (cells[0].to_string(), deps)
        })
        .collect()
}

fn manifests(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path().join("Cargo.toml"))
        .filter(|p| p.is_file())
        .collect();
    v.push(root.join("xtask/Cargo.toml"));
    v.sort();
    v
}

fn dependencies(manifest: &Path) -> (String, BTreeSet<String>) {
    let doc: toml::Table = std::fs::read_to_string(manifest).unwrap().parse().unwrap();
    let name = doc["package"]["name"].as_str().unwrap().to_string();
    let mut deps = BTreeSet::new();
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(t) = doc.get(section).and_then(|v| v.as_table()) {
            deps.extend(t.keys().cloned());
        }
    }
    (name, deps)
}

#[test]
fn every_internal_dependency_is_an_allowed_edge() {
    let root = workspace_root();
    let edges = allowed_edges(&root);
    let internal: BTreeSet<String> = edges.keys().cloned().collect();
    let mut seen = BTreeSet::new();
    for m in manifests(&root) {
        let (name, deps) = dependencies(&m);
        let allowed = edges
            .get(&name)
            .unwrap_or_else(|| panic!("crate {name} is missing from ARCHITECTURE.md's edge table"));
        for d in deps.intersection(&internal) {
            assert!(
                allowed.contains(d),
                "{name} depends on {d}, which ARCHITECTURE.md does not allow"
            );
        }
        seen.insert(name);
    }
    assert_eq!(seen, internal, "edge table and workspace crates differ");
}

#[test]
fn the_edge_table_is_parsed() {
    let edges = allowed_edges(&workspace_root());
    assert!(edges["core-types"].is_empty());
    assert!(edges["models"].contains("core-types"));
    assert!(edges["models"].contains("features"));
    assert!(!edges["features"].contains("models"));
}
