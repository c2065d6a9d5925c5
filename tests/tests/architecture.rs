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

/// The modules of a crate's `src` (a file in a sub-folder belongs to the folder's module) and,
/// for each, the modules it names as `crate::<module>` outside comments and test modules.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut all = Vec::new();
    files(src, &mut all);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in all {
        let rel = f.strip_prefix(src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let deps = graph.entry(module.clone()).or_default();
        for line in code.lines() {
            let line = line.split("//").next().unwrap_or_default();
            for (i, _) in line.match_indices("crate::") {
                let name: String = line[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    deps.insert(name);
                }
            }
        }
    }
    let known: BTreeSet<String> = graph.keys().cloned().collect();
    for deps in graph.values_mut() {
        deps.retain(|d| known.contains(d));
    }
    graph
}

/// A cycle of `graph`, if any (depth-first search with colours).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        v: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(v.to_string(), 1);
        path.push(v.to_string());
        for w in &graph[v] {
            match state.get(w.as_str()).copied().unwrap_or(0) {
                1 => {
                    let start = path.iter().position(|p| p == w).unwrap();
                    let mut cycle = path[start..].to_vec();
                    cycle.push(w.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(w, graph, state, path) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(v.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for v in graph.keys() {
        if state.get(v.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(v, graph, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn no_crate_has_an_import_circle_between_its_modules() {
    let root = workspace_root();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path().join("src"))
        .filter(|p| p.is_dir())
        .collect();
    dirs.push(root.join("xtask/src"));
    dirs.sort();
    for src in dirs {
        let graph = module_graph(&src);
        assert!(
            find_cycle(&graph).is_none(),
            "{}: modules import each other in a circle: {}",
            src.display(),
            find_cycle(&graph).unwrap().join(" → ")
        );
    }
    // The check itself finds a circle.
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.insert("a".into(), ["b".to_string()].into());
    g.insert("b".into(), ["a".to_string()].into());
    g.insert("c".into(), BTreeSet::new());
    assert_eq!(find_cycle(&g).unwrap(), ["a", "b", "a"]);
}
