//! SAFETY.md: every call that changes AWS lives in one executor module. This test reads
//! every source file and fails if a mutating SDK operation is called anywhere else.

mod common;

use common::rust_files;
use std::path::Path;

/// The one module allowed to change AWS: this file and its submodules.
const EXECUTOR: &str = "src/aws/remediation.rs";
const EXECUTOR_DIR: &str = "src/aws/remediation/";

/// SDK operations that only read start with one of these; every other operation is
/// treated as a change, whatever its verb.
const READ_PREFIXES: &[&str] = &[
    "describe_",
    "get_",
    "list_",
    "head_",
    "lookup_",
    "search_",
    "select_",
    "batch_get_",
];

/// Operations that are not reads by name but change nothing in the account:
/// AssumeRole only hands out temporary credentials.
const NOT_CHANGES: &[&str] = &["assume_role"];

/// Zero-argument methods of a client that are not operations.
const CLIENT_METHODS: &[&str] = &["config", "clone"];

fn is_change(operation: &str) -> bool {
    !READ_PREFIXES.iter().any(|p| operation.starts_with(p))
        && !NOT_CHANGES.contains(&operation)
        && !CLIENT_METHODS.contains(&operation)
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

fn identifier_before(code: &str, end: usize) -> String {
    let before = code[..end].trim_end();
    let reversed: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    reversed.chars().rev().collect()
}

fn identifier_at(code: &str, start: usize) -> String {
    code[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// Names a file binds to SDK clients besides the usual ones:
/// `let x = ...Client::new(...)` (or `from_conf`, `s3_client`, `cloudwatch_client`) and
/// fields or parameters `x: aws_sdk_foo::Client`.
fn client_bindings(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for statement in code.split([';', '{', '}']) {
        let statement = statement.trim();
        let makes_client = [
            "::Client::new(",
            "::Client::from_conf(",
            "s3_client(",
            "cloudwatch_client(",
        ]
        .iter()
        .any(|m| statement.contains(m));
        if let (true, Some(rest)) = (makes_client, statement.strip_prefix("let ")) {
            let name = identifier_at(rest.trim_start_matches("mut "), 0);
            if !name.is_empty() {
                names.push(name);
            }
        }
    }
    for (at, _) in code.match_indices(": aws_sdk_") {
        let typed = identifier_at(code, at + 2);
        let rest = &code[at + 2 + typed.len()..];
        if rest.starts_with("::Client") && !rest.starts_with("::Client::") {
            names.push(identifier_before(code, at));
        }
    }
    names
}

/// Calls of SDK operations that change something: `.op()` on a client (a fluent
/// builder takes no arguments, wherever it is then bound), a fully qualified
/// `Client::op(`, or an operation's builder named by its module path.
fn mutating_calls(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut clients: Vec<String> = CLIENTS.iter().map(|c| c.to_string()).collect();
    clients.extend(client_bindings(&code));
    let mut found = Vec::new();
    for (start, _) in code.match_indices('.') {
        let name = identifier_at(&code, start + 1);
        if name.is_empty() || !code[start + 1 + name.len()..].starts_with("()") || !is_change(&name)
        {
            continue;
        }
        if clients.contains(&identifier_before(&code, start)) {
            found.push(name);
        }
    }
    for (at, _) in code.match_indices("::Client::") {
        let name = identifier_at(&code, at + "::Client::".len());
        if code[at + "::Client::".len() + name.len()..].starts_with('(')
            && !matches!(name.as_str(), "new" | "from_conf")
            && is_change(&name)
        {
            found.push(name);
        }
    }
    for (at, _) in code.match_indices("::operation::") {
        let name = identifier_at(&code, at + "::operation::".len());
        if is_change(&name) && name != "RequestId" {
            found.push(name);
        }
    }
    found
}

/// The executor's functions that make clients or backends able to change AWS: each
/// must take the write-access proof that read-only mode never hands out (methods of a
/// backend already built with it pass it on).
fn constructors_without_write_access(code: &str) -> Vec<String> {
    let mut missing = Vec::new();
    for (at, _) in code.match_indices("fn ") {
        let rest = &code[at..];
        let Some(body) = rest.find('{') else { continue };
        let signature = &rest[..body];
        let returns_actor = signature
            .split("->")
            .nth(1)
            .is_some_and(|r| r.contains("AwsActions") || r.contains("AwsBackend"));
        if returns_actor && !signature.contains("WriteAccess") && !signature.contains("&self") {
            missing.push(identifier_at(rest, 3));
        }
    }
    missing
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
        if relative == EXECUTOR || relative.starts_with(EXECUTOR_DIR) {
            inside.extend(calls);
        } else {
            outside.extend(calls.into_iter().map(|c| format!("{relative}: .{c}()")));
        }
    }
    assert!(
        outside.is_empty(),
        "mutating AWS calls outside {EXECUTOR}: {outside:#?}"
    );
    // The check can see calls: the executor's own are found.
    let missing =
        constructors_without_write_access(&std::fs::read_to_string(root.join(EXECUTOR)).unwrap());
    assert!(
        missing.is_empty(),
        "constructors of the executor's clients without a WriteAccess: {missing:?}"
    );
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
    // A verb not in any list is still a change: only reads are let through.
    assert_eq!(
        mutating_calls("self.writers.ec2.cancel_spot_fleet_requests().send().await"),
        ["cancel_spot_fleet_requests"]
    );
    // A builder bound to another name, made from a client of any name.
    assert_eq!(
        mutating_calls(
            "let lambda = aws_sdk_lambda::Client::new(&c);\nlet b = lambda.invoke();\nb.send().await;"
        ),
        ["invoke"]
    );
    assert_eq!(
        mutating_calls("struct X {\n    queue: aws_sdk_sqs::Client,\n}\nx.queue.purge_queue()"),
        ["purge_queue"]
    );
    // Fully qualified calls and builders named by their path.
    assert_eq!(
        mutating_calls("aws_sdk_ec2::Client::delete_vpc(&ec2).vpc_id(v)"),
        ["delete_vpc"]
    );
    assert_eq!(
        mutating_calls("use aws_sdk_ec2::operation::reboot_instances::builders::X;"),
        ["reboot_instances"]
    );
    // Reads, AssumeRole and non-SDK calls are not changes.
    assert!(mutating_calls("ec2.describe_instances().send()").is_empty());
    assert!(mutating_calls("sts.assume_role().role_arn(a).send()").is_empty());
    assert!(mutating_calls("s3.head_bucket().bucket(b).send()").is_empty());
    assert!(
        mutating_calls("to_utc(v.create_time()), Builder::new().enable_all().build()?;").is_empty()
    );
    assert!(mutating_calls("use aws_sdk_ec2::operation::RequestId;").is_empty());
    // Constructors of clients that can change AWS need the proof.
    assert_eq!(
        constructors_without_write_access(
            "pub fn new(config: &SdkConfig) -> AwsActions {\n}\npub fn ok(c: &SdkConfig, w: WriteAccess) -> AwsActions {}"
        ),
        ["new"]
    );
}
