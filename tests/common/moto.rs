//! moto's server on loopback (started by scripts/test.sh, which exports
//! COSTSCOPE_TEST_MOTO_URL): finding it, resetting it, and SDK config pointed at it.

use std::io::{Read, Write};
use std::sync::Mutex;

/// moto's state is global to the server: tests take turns.
pub static MOTO: Mutex<()> = Mutex::new(());

pub fn moto_url() -> Option<String> {
    match std::env::var("COSTSCOPE_TEST_MOTO_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "COSTSCOPE_TEST_MOTO_URL is not set: run the tests with scripts/test.sh, which starts moto"
            );
            eprintln!("skipping: no moto server (run scripts/test.sh)");
            None
        }
    }
}

/// A minimal HTTP POST to moto's control API (no client library needed for loopback).
pub fn post(url: &str, path: &str, body: &str) -> u16 {
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(host).expect("moto is reachable");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

pub async fn sdk_config(url: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(url)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_organizations::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await
}

/// Creates a member account named `name` in the organization; returns its id.
pub async fn create_member(orgs: &aws_sdk_organizations::Client, name: &str) -> String {
    orgs.create_account()
        .account_name(name)
        .email(format!("{name}@example.com"))
        .send()
        .await
        .unwrap()
        .create_account_status()
        .unwrap()
        .account_id()
        .unwrap()
        .to_string()
}

/// moto reset to nothing, then an organization whose management account is signed in.
pub async fn fresh_organization(
    url: &str,
) -> (aws_config::SdkConfig, aws_sdk_organizations::Client) {
    assert_eq!(post(url, "/moto-api/reset", ""), 200);
    let config = sdk_config(url).await;
    let orgs = aws_sdk_organizations::Client::new(&config);
    orgs.create_organization().send().await.unwrap();
    (config, orgs)
}

/// The binary as a user runs it against `endpoint`, with a home of its own.
pub fn costscope_at(home: &std::path::Path, endpoint: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_costscope"));
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("COSTSCOPE_CACHE")
        .env_remove("AWS_PROFILE")
        .env("COSTSCOPE_TODAY", "2026-11-20")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}
