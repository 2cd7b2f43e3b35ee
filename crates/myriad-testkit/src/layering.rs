//! Architecture checks over a crate's own sources: the modules directly under `src/`
//! and which of them each refers to (`crate::x` in code, tests left out). A crate
//! whose top-level modules depend on each other in a cycle can no longer be read
//! bottom-up; [`module_cycles`] finds such cycles for a test to refuse.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The cycles (strongly connected groups of two or more) among the top-level modules
/// of the crate whose sources are under `src`; empty when there are none.
pub fn module_cycles(src: &Path) -> std::io::Result<Vec<Vec<String>>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    collect(src, src, &mut edges)?;
    let modules: BTreeSet<String> = edges.keys().cloned().collect();
    for deps in edges.values_mut() {
        deps.retain(|d| modules.contains(d));
    }
    Ok(strongly_connected(&edges)
        .into_iter()
        .filter(|group| group.len() > 1)
        .collect())
}

fn collect(root: &Path, dir: &Path, edges: &mut BTreeMap<String, BTreeSet<String>>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, edges)?;
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(root).unwrap_or(&path);
        let module = relative
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().trim_end_matches(".rs").to_string())
            .unwrap_or_default();
        if module == "lib" || module == "main" {
            continue;
        }
        let source = std::fs::read_to_string(&path)?;
        // Unit tests may reach anywhere; they are not part of the layering.
        let code = source.split("#[cfg(test)]").next().unwrap_or("");
        let deps = edges.entry(module.clone()).or_default();
        for name in referenced(code) {
            if name != module {
                deps.insert(name);
            }
        }
    }
    Ok(())
}

/// The top-level modules `code` names as `crate::x` or inside `crate::{x, y::z}`
/// (comments included: a doc link is a dependency too).
fn referenced(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let name = ident(item.trim());
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// Tarjan's strongly connected components.
fn strongly_connected(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        groups: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, node: &'a str) {
            let n = self.index.len();
            self.index.insert(node, n);
            self.low.insert(node, n);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.edges.get(node).into_iter().flatten() {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut group = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    group.push(member.to_string());
                    if member == node {
                        break;
                    }
                }
                group.sort();
                self.groups.push(group);
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        groups: Vec::new(),
    };
    for node in edges.keys() {
        if !walk.index.contains_key(node.as_str()) {
            walk.visit(node);
        }
    }
    walk.groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cycles_and_only_cycles() {
        let dir = tempfile::tempdir().unwrap();
        let write = |file: &str, text: &str| {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("lib.rs", "mod a; mod b; mod c;");
        write("a.rs", "use crate::b::Thing;");
        write("b/mod.rs", "use crate::{c, a::Other};");
        write(
            "c.rs",
            "fn f() { crate::meta::x(); }\n#[cfg(test)]\nmod tests { use crate::a; }",
        );
        assert_eq!(
            module_cycles(dir.path()).unwrap(),
            vec![vec!["a".to_string(), "b".to_string()]]
        );
        write("a.rs", "use crate::c::Thing;");
        assert!(module_cycles(dir.path()).unwrap().is_empty());
    }
}
