//! The layout of ../shared/DESIGN.md, checked on the source text: SDK types are named
//! only in `src/aws` (the adapters) and `src/jobs` (the one place that wires them in),
//! and the domain names no SDK, UI, storage or runtime.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

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
