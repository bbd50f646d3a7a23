//! SAFETY.md: every call that changes AWS lives in one executor module. This test reads
//! every source file and fails if a mutating SDK operation is called anywhere else.

use std::path::{Path, PathBuf};

/// The one file allowed to change AWS.
const EXECUTOR: &str = "src/aws/remediation.rs";

/// SDK operations start with these verbs when they change something.
const MUTATING_VERBS: &[&str] = &[
    "create_",
    "delete_",
    "modify_",
    "put_",
    "stop_",
    "start_",
    "release_",
    "terminate_",
    "run_",
    "reboot_",
    "register_",
    "deregister_",
    "attach_",
    "detach_",
    "associate_",
    "disassociate_",
    "update_",
    "tag_",
    "untag_",
    "copy_",
    "restore_",
    "allocate_",
    "enable_",
    "disable_",
    "reset_",
    "revoke_",
    "authorize_",
];

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

/// Receivers that are SDK clients in costscope's code.
const CLIENTS: &[&str] = &[
    "ec2",
    "rds",
    "s3",
    "sts",
    "cloudwatch",
    "cw",
    "organizations",
    "orgs",
    "cost_explorer",
    "client",
];

/// Mutating SDK operations: `.verb_name()` (a fluent builder takes no arguments) called
/// on a client, or sent (`.send()` before the statement ends).
fn mutating_calls(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    for (start, _) in code.match_indices('.') {
        let rest = &code[start + 1..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !rest[name.len()..].starts_with("()")
            || !MUTATING_VERBS.iter().any(|v| name.starts_with(v))
        {
            continue;
        }
        let before = code[..start].trim_end();
        let receiver: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let statement: String = rest.chars().take(600).take_while(|c| *c != ';').collect();
        if CLIENTS.contains(&receiver.as_str()) || statement.contains(".send()") {
            found.push(name);
        }
    }
    found
}

#[test]
fn mutating_aws_calls_appear_only_in_the_executor() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 20, "the source tree was read");
    let mut outside = Vec::new();
    let mut inside = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .to_string();
        let calls = mutating_calls(&std::fs::read_to_string(&file).unwrap());
        if relative == EXECUTOR {
            inside = calls;
        } else {
            outside.extend(calls.into_iter().map(|c| format!("{relative}: .{c}()")));
        }
    }
    assert!(
        outside.is_empty(),
        "mutating AWS calls outside {EXECUTOR}: {outside:#?}"
    );
    // The check can see calls: the executor's own are found.
    for call in [
        "stop_instances",
        "modify_volume",
        "delete_snapshot",
        "put_bucket_lifecycle_configuration",
        "stop_db_instance",
        "release_address",
        "create_snapshot",
        "delete_volume",
        "delete_db_instance",
    ] {
        assert!(
            inside.iter().any(|c| c == call),
            "{call} not found in {EXECUTOR}"
        );
    }
}

#[test]
fn the_scanner_recognises_a_mutating_call() {
    assert_eq!(
        mutating_calls("let x = ec2.terminate_instances().instance_ids(id); // .stop_instances()"),
        ["terminate_instances"]
    );
    assert_eq!(
        mutating_calls("aws_sdk_ec2::Client::new(&c)\n    .delete_vpc()\n    .vpc_id(v)\n    .send()\n    .await;"),
        ["delete_vpc"]
    );
    assert!(mutating_calls("ec2.describe_instances().send()").is_empty());
    assert!(
        mutating_calls("to_utc(v.create_time()), Builder::new().enable_all().build()?;").is_empty()
    );
}
