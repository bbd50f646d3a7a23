//! The layout of ../shared/DESIGN.md, checked on the source text: SDK types are named
//! only in `src/aws` (the adapters) and `src/jobs` (the one place that wires them in),
//! and the domain names no SDK, UI, storage or runtime.

mod common;

use common::rust_files;
use std::path::Path;

/// Every source file under `src/` as (path from the crate root, code without comments).
fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 40, "the source tree was read");
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).unwrap();
            let code = text
                .lines()
                .map(|line| line.split("//").next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n");
            let relative = file
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .to_string();
            (relative, code)
        })
        .collect()
}

/// (file, name) for each file outside `allowed` folders whose code names one of `names`.
fn naming(names: &[&str], allowed: &[&str], only_under: &str) -> Vec<String> {
    sources()
        .into_iter()
        .filter(|(path, _)| path.starts_with(only_under))
        .filter(|(path, _)| !allowed.iter().any(|a| path.starts_with(a)))
        .flat_map(|(path, code)| {
            names
                .iter()
                .filter(|name| code.contains(*name))
                .map(|name| format!("{path}: {name}"))
                .collect::<Vec<_>>()
        })
        .collect()
}

const SDK_NAMES: &[&str] = &[
    "aws_sdk_",
    "aws_config",
    "aws_smithy",
    "aws_types",
    "aws_credential_types",
];

#[test]
fn sdk_types_are_named_only_in_the_adapters_and_the_composition_module() {
    let outside = naming(SDK_NAMES, &["src/aws/", "src/jobs/"], "src/");
    assert!(
        outside.is_empty(),
        "SDK names outside src/aws and src/jobs: {outside:#?}"
    );
    let reaching_in = naming(&["crate::aws"], &["src/aws/", "src/jobs/"], "src/");
    assert!(
        reaching_in.is_empty(),
        "modules that reach into src/aws instead of going through src/jobs or a port: \
         {reaching_in:#?}"
    );
    // The check sees names where they are: the adapters do name the SDK.
    assert!(!naming(SDK_NAMES, &[], "src/aws/").is_empty());
}

#[test]
fn the_domain_names_no_sdk_ui_storage_or_runtime() {
    let mut forbidden = SDK_NAMES.to_vec();
    forbidden.extend([
        "tokio",
        "ratatui",
        "crossterm",
        "rusqlite",
        "crate::store",
        "crate::tui",
        "crate::sync",
        "crate::jobs",
        "crate::remediate",
        "crate::config",
        "crate::cli",
        ".await",
    ]);
    let found = naming(&forbidden, &[], "src/domain/");
    assert!(
        found.is_empty(),
        "the domain reaches outside itself: {found:#?}"
    );
}

#[test]
fn the_tui_reads_no_command_line_module_and_storage_knows_no_job() {
    let found = naming(&["crate::cli", "crate::report"], &[], "src/tui/");
    assert!(
        found.is_empty(),
        "the TUI reaches into the command line: {found:#?}"
    );
    let found = naming(
        &[
            "crate::sync",
            "crate::jobs",
            "crate::tui",
            "crate::remediate",
            "crate::cli",
        ],
        &[],
        "src/store/",
    );
    assert!(found.is_empty(), "the cache layer reaches up: {found:#?}");
}

/// A file's module path: src/tui/app.rs is tui::app, src/tui/mod.rs is tui, src/lib.rs
/// is the crate root.
fn module_of(path: &str) -> Vec<String> {
    let inner = path.trim_start_matches("src/").trim_end_matches(".rs");
    let mut parts: Vec<String> = inner.split('/').map(str::to_string).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

fn ident(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// The absolute paths a use-tree names (`a::b::{c, d::e}`), starting from `base`.
fn expand(base: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    let mut path = base.to_vec();
    let mut rest = tree.trim_start();
    loop {
        if let Some(group) = rest.strip_prefix('{') {
            // Split the group at its top-level commas.
            let (mut depth, mut start) = (0, 0);
            let inner = &group[..group.rfind('}').unwrap_or(group.len())];
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(&path, &inner[start..i], out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            expand(&path, &inner[start..], out);
            return;
        }
        let name = ident(rest);
        if name.is_empty() || name == "self" {
            out.push(path);
            return;
        }
        rest = &rest[name.len()..];
        path.push(name);
        match rest.strip_prefix("::") {
            Some(more) => rest = more,
            None => {
                out.push(path);
                return;
            }
        }
    }
}

/// Where `super` and `crate` lead from a file, and the children it may name directly.
struct Place {
    module: Vec<String>,
    /// The module that `super::` names.
    parent: Vec<String>,
    children: Vec<String>,
}

/// Every path a file names through `crate::`, `super::` or (in a module's own file) one
/// of its children, as absolute segments.
fn named_paths(place: &Place, code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let starts_path = |at: usize| {
        at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || matches!(bytes[at - 1], b'_' | b':'))
    };
    for (prefix, base) in [("crate::", Vec::new()), ("super::", place.parent.clone())] {
        for (at, _) in code.match_indices(prefix) {
            if starts_path(at) {
                expand(&base, &code[at + prefix.len()..], &mut out);
            }
        }
    }
    for statement in code.split(';') {
        let statement = statement.trim_start();
        let tree = statement
            .strip_prefix("pub use ")
            .or_else(|| statement.strip_prefix("pub(crate) use "))
            .or_else(|| statement.strip_prefix("use "));
        if let Some(tree) = tree {
            if place.children.contains(&ident(tree)) {
                expand(&place.module, tree, &mut out);
            }
        }
    }
    out
}

#[test]
fn no_two_files_of_src_import_each_other_even_through_others() {
    use std::collections::{BTreeMap, BTreeSet};
    let files = sources();
    let modules: BTreeMap<Vec<String>, String> = files
        .iter()
        .map(|(path, _)| (module_of(path), path.clone()))
        .collect();
    let place_of = |path: &str| {
        let module = module_of(path);
        let own_file = path.ends_with("/mod.rs") || path == "src/lib.rs" || path == "src/main.rs";
        let children = if own_file {
            modules
                .keys()
                .filter(|m| m.len() == module.len() + 1 && m.starts_with(&module))
                .map(|m| m[module.len()].clone())
                .collect()
        } else {
            Vec::new()
        };
        // `super` is the module above: a plain file's folder, a module file's parent.
        Place {
            parent: module[..module.len().saturating_sub(1)].to_vec(),
            module,
            children,
        }
    };
    // What each module file re-exports: name -> the path it stands for.
    let mut reexports: BTreeMap<(Vec<String>, String), Vec<String>> = BTreeMap::new();
    for (path, code) in &files {
        let place = place_of(path);
        let exported: String = code
            .split(';')
            .filter(|s| s.trim_start().starts_with("pub use "))
            .map(|s| format!("{s};"))
            .collect();
        for target in named_paths(&place, &exported) {
            if let Some(name) = target.last() {
                reexports.insert((place.module.clone(), name.clone()), target.clone());
            }
        }
    }
    // The file a path leads to: its longest module prefix, through re-exports.
    let resolve = |path: &[String]| -> Option<String> {
        let mut path = path.to_vec();
        for _ in 0..8 {
            let prefix = (0..=path.len())
                .rev()
                .find(|n| modules.contains_key(&path[..*n]))?;
            let module = path[..prefix].to_vec();
            let through = path
                .get(prefix)
                .and_then(|name| reexports.get(&(module.clone(), name.clone())));
            match through {
                Some(target) if target.as_slice() != &path[..=prefix] => path = target.clone(),
                _ => return modules.get(&module).cloned(),
            }
        }
        None
    };
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, code) in &files {
        let place = place_of(path);
        for named in named_paths(&place, code) {
            if let Some(target) = resolve(&named) {
                // A module file's `pub use` of a child is how the child is published.
                let publishes_child = place.children.iter().any(|c| {
                    let mut m = place.module.clone();
                    m.push(c.clone());
                    modules.get(&m) == Some(&target)
                });
                if &target != path && target != "src/lib.rs" && !publishes_child {
                    edges.entry(path.clone()).or_default().insert(target);
                }
            }
        }
    }
    assert!(
        edges
            .get("src/tui/app.rs")
            .is_some_and(|e| e.contains("src/tui/update.rs")),
        "the check sees imports: {edges:#?}"
    );
    // A file that reaches itself again is in a circle.
    let mut circles = BTreeSet::new();
    for start in edges.keys() {
        let mut seen = BTreeSet::new();
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        while let Some((at, trail)) = stack.pop() {
            for next in edges.get(&at).into_iter().flatten() {
                if next == start {
                    let mut circle = trail.clone();
                    circle.sort();
                    circles.insert(circle.join(" ~ "));
                } else if seen.insert(next.clone()) {
                    let mut longer = trail.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    assert!(circles.is_empty(), "import circles: {circles:#?}");
}
