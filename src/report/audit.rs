//! Text for people: a plan as the confirmation shows it, and `costscope audit` as a
//! table, JSON or CSV.

use super::{DataSource, Format, ReportError};
use crate::domain::audit::AuditEntry;
use crate::domain::remediation::Plan;

/// The whole plan as plain text (the command line prints it before anything runs).
pub fn plan_text(plan: &Plan, identity: Option<&str>, simulated: bool) -> String {
    let mut out = String::new();
    if simulated {
        out.push_str("SIMULATED (demo organization): nothing leaves this machine\n");
    }
    if let Some(identity) = identity {
        out.push_str(&format!("applies as: {identity}\n"));
    }
    out.push_str(&format!(
        "plan: {n0_step}, {} left out; estimated saving {}\n",
        plan.refused.len(),
        plan.saving_label(),
        n0_step = crate::domain::words::plural(plan.steps.len(), "step")
    ));
    for (i, step) in plan.steps.iter().enumerate() {
        out.push_str(&format!("\n{}. finding {}\n", i + 1, step.finding_id));
        for (label, value) in step.facts() {
            out.push_str(&format!("   {label:<12} {value}\n"));
        }
    }
    for refusal in &plan.refused {
        out.push_str(&format!(
            "\nleft out: finding {} {}: {}\n",
            refusal.finding_id, refusal.resource, refusal.reason
        ));
    }
    out
}

const COLUMNS: [&str; 14] = [
    "source",
    "id",
    "at",
    "plan",
    "step",
    "finding",
    "account",
    "region",
    "resource",
    "action",
    "phase",
    "identity",
    "request_id",
    "detail",
];

/// An entry's source: simulated entries are demo data, whatever cache they are in.
fn entry_source(e: &AuditEntry) -> DataSource {
    if e.simulated {
        DataSource::Demo
    } else {
        DataSource::Aws
    }
}

fn row(e: &AuditEntry) -> [String; 14] {
    let phase = if e.reverify {
        format!("{} (RE-VERIFY: outcome not confirmed)", e.phase.name())
    } else {
        e.phase.name().to_string()
    };
    let detail = match (&e.undo, e.simulated) {
        (Some(undo), sim) => format!(
            "{}{} | undo: {undo}",
            if sim { "[simulated] " } else { "" },
            e.detail
        ),
        (None, true) => format!("[simulated] {}", e.detail),
        (None, false) => e.detail.clone(),
    };
    [
        entry_source(e).name().to_string(),
        e.id.to_string(),
        e.at.to_string(),
        e.plan.to_string(),
        e.step.map(|s| (s + 1).to_string()).unwrap_or_default(),
        e.finding_id.map(|f| f.to_string()).unwrap_or_default(),
        e.account.clone(),
        e.region.clone(),
        e.resource.clone(),
        e.action.clone(),
        phase,
        e.identity.clone(),
        e.request_id.clone().unwrap_or_default(),
        detail,
    ]
}

pub fn render_audit(
    entries: &[AuditEntry],
    format: Format,
    source: DataSource,
) -> Result<String, ReportError> {
    let write_err = |e: String| ReportError::Write(e);
    match format {
        Format::Json => {
            let labelled: Vec<serde_json::Value> = entries
                .iter()
                .map(|e| {
                    let mut value = serde_json::to_value(e)?;
                    if let Some(fields) = value.as_object_mut() {
                        fields.insert("source".into(), entry_source(e).name().into());
                    }
                    Ok(value)
                })
                .collect::<Result<_, serde_json::Error>>()
                .map_err(|e| write_err(e.to_string()))?;
            serde_json::to_string_pretty(&labelled)
                .map(|s| s + "\n")
                .map_err(|e| write_err(e.to_string()))
        }
        Format::Csv => {
            let mut out = csv::Writer::from_writer(Vec::new());
            out.write_record(COLUMNS)
                .map_err(|e| write_err(e.to_string()))?;
            for e in entries {
                out.write_record(row(e))
                    .map_err(|e| write_err(e.to_string()))?;
            }
            let bytes = out.into_inner().map_err(|e| write_err(e.to_string()))?;
            String::from_utf8(bytes).map_err(|e| write_err(e.to_string()))
        }
        Format::Table => {
            let mut out = source.banner().to_string();
            if entries.is_empty() {
                out.push_str("the audit log is empty: nothing has been applied from this cache\n");
                return Ok(out);
            }
            for e in entries {
                let r = row(e);
                // at, plan.step, phase, action, account/region/resource, request id, detail
                out.push_str(&format!(
                    "{} #{}{} {:<11} {:<28} {} {} {}{}\n    {}\n",
                    r[2],
                    r[3],
                    if r[4].is_empty() {
                        String::new()
                    } else {
                        format!(".{}", r[4])
                    },
                    r[10],
                    r[9],
                    r[6],
                    r[7],
                    r[8],
                    if r[12].is_empty() {
                        String::new()
                    } else {
                        format!(" request {}", r[12])
                    },
                    r[13]
                ));
            }
            let reverify = entries.iter().filter(|e| e.reverify).count();
            if reverify > 0 {
                out.push_str(&format!("\n{n0_call} have no confirmed outcome (costscope stopped mid-call, the outcome was unknown, or the change was not visible yet): run `costscope audit --reverify`\n", n0_call = crate::domain::words::plural(reverify, "call")));
            }
            Ok(out)
        }
    }
}
