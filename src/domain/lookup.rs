//! Finding the account or service a person names: by id, by name in any case, by a
//! service's short name (`ec2`, `s3`), by a piece of the name; and when nothing
//! matches, the closest names, so a typo is answered with what was meant.

/// One thing that can be named.
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    pub key: i64,
    /// An exact identifier (an account id), matched before any name.
    pub id: Option<&'a str>,
    pub name: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("no {what} matches {query:?}{}", closest_text(.closest))]
    Unknown {
        what: &'static str,
        query: String,
        closest: Vec<String>,
    },
    #[error("{count} {what}s match {query:?}: {}{}", .matches.join(", "), if *.count > .matches.len() { ", …" } else { "" })]
    Ambiguous {
        what: &'static str,
        query: String,
        count: usize,
        matches: Vec<String>,
    },
}

fn closest_text(closest: &[String]) -> String {
    if closest.is_empty() {
        String::new()
    } else {
        format!("; closest: {}", closest.join(", "))
    }
}

/// Cost Explorer's service names by the short names people type. The first name of a
/// short name is the one it means (`ec2` is compute, not "EC2 - Other").
const SERVICE_ALIASES: &[(&str, &str)] = &[
    ("ec2", "Amazon Elastic Compute Cloud - Compute"),
    ("ec2-other", "EC2 - Other"),
    ("ebs", "EC2 - Other"),
    ("s3", "Amazon Simple Storage Service"),
    ("rds", "Amazon Relational Database Service"),
    ("eks", "Amazon Elastic Kubernetes Service"),
    ("ecs", "Amazon Elastic Container Service"),
    ("ecr", "Amazon EC2 Container Registry (ECR)"),
    ("lambda", "AWS Lambda"),
    ("dynamodb", "Amazon DynamoDB"),
    ("cloudfront", "Amazon CloudFront"),
    ("cloudwatch", "AmazonCloudWatch"),
    ("cloudwatch", "Amazon CloudWatch"),
    ("elb", "Elastic Load Balancing"),
    ("alb", "Elastic Load Balancing"),
    ("vpc", "Amazon Virtual Private Cloud"),
    ("nat", "Amazon Virtual Private Cloud"),
    ("sqs", "Amazon Simple Queue Service"),
    ("sns", "Amazon Simple Notification Service"),
    ("kms", "AWS Key Management Service"),
    ("route53", "Amazon Route 53"),
    ("efs", "Amazon Elastic File System"),
    ("msk", "Amazon Managed Streaming for Apache Kafka"),
    ("waf", "AWS WAF"),
    ("ssm", "AWS Systems Manager"),
    ("acm", "AWS Certificate Manager"),
    ("sfn", "AWS Step Functions"),
    ("apigateway", "Amazon API Gateway"),
    ("es", "Amazon OpenSearch Service"),
];

/// The services a short name stands for, in the order meant.
pub fn service_aliases(short: &str) -> impl Iterator<Item = &'static str> + '_ {
    SERVICE_ALIASES
        .iter()
        .filter(move |(alias, _)| alias.eq_ignore_ascii_case(short))
        .map(|(_, name)| *name)
}

/// The account `query` names: its id, its name in any case, or the one name that
/// contains it.
pub fn find_account(candidates: &[Named], query: &str) -> Result<i64, LookupError> {
    find(candidates, query, "account", |_| None)
}

/// The service `query` names: its name in any case, its short name (`ec2`, `s3`), or
/// the one name that contains it.
pub fn find_service(candidates: &[Named], query: &str) -> Result<i64, LookupError> {
    find(candidates, query, "service", |query| {
        service_aliases(query).find_map(|name| candidates.iter().find(|c| c.name == name))
    })
}

fn find<'a>(
    candidates: &'a [Named],
    query: &str,
    what: &'static str,
    alias: impl Fn(&str) -> Option<&'a Named<'a>>,
) -> Result<i64, LookupError> {
    let query = query.trim();
    if let Some(c) = candidates.iter().find(|c| c.id == Some(query)) {
        return Ok(c.key);
    }
    let lower = query.to_lowercase();
    if let Some(c) = candidates.iter().find(|c| c.name.to_lowercase() == lower) {
        return Ok(c.key);
    }
    if let Some(c) = alias(query) {
        return Ok(c.key);
    }
    let mut containing: Vec<&Named> = candidates
        .iter()
        .filter(|c| c.name.to_lowercase().contains(&lower))
        .collect();
    containing.sort_by_key(|c| (c.name.len(), c.name));
    match containing.as_slice() {
        [one] => Ok(one.key),
        [] => Err(LookupError::Unknown {
            what,
            query: query.to_string(),
            closest: closest(candidates, &lower),
        }),
        many => Err(LookupError::Ambiguous {
            what,
            query: query.to_string(),
            count: many.len(),
            matches: many.iter().take(4).map(|c| c.name.to_string()).collect(),
        }),
    }
}

/// Up to three names that look like `lower` (Jaro-Winkler similarity, 0.75 or more).
fn closest(candidates: &[Named], lower: &str) -> Vec<String> {
    let mut scored: Vec<(f64, &str)> = candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(&c.name.to_lowercase(), lower), c.name))
        .filter(|(score, _)| *score >= 0.75)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(3)
        .map(|(_, n)| n.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Vec<Named<'static>> {
        [
            (1, "563238288379", "catalog-prod"),
            (2, "328902316659", "catalog-staging"),
            (3, "343117516204", "catalog-dev"),
            (4, "330319332500", "payments-prod"),
        ]
        .into_iter()
        .map(|(key, id, name)| Named {
            key,
            id: Some(id),
            name,
        })
        .collect()
    }

    #[test]
    fn an_account_is_found_by_id_name_or_a_unique_piece_and_a_typo_gets_the_closest() {
        let a = accounts();
        assert_eq!(find_account(&a, "330319332500"), Ok(4));
        assert_eq!(find_account(&a, "Catalog-Prod"), Ok(1));
        assert_eq!(find_account(&a, "payments"), Ok(4));
        assert_eq!(find_account(&a, "staging"), Ok(2));
        let err = find_account(&a, "catalog-prd").unwrap_err();
        assert_eq!(
            err.to_string(),
            "no account matches \"catalog-prd\"; closest: catalog-prod, catalog-dev, catalog-staging"
        );
        let err = find_account(&a, "catalog").unwrap_err();
        assert_eq!(
            err.to_string(),
            "3 accounts match \"catalog\": catalog-dev, catalog-prod, catalog-staging"
        );
        let err = find_account(&a, "zzzz").unwrap_err();
        assert_eq!(err.to_string(), "no account matches \"zzzz\"");
    }

    #[test]
    fn a_service_is_found_by_its_short_name_before_any_piece_of_a_name() {
        let names = [
            "EC2 - Other",
            "Amazon Elastic Compute Cloud - Compute",
            "Amazon Simple Storage Service",
            "Amazon S3 Glacier Deep Archive",
        ];
        let services: Vec<Named> = names
            .iter()
            .enumerate()
            .map(|(i, name)| Named {
                key: i as i64,
                id: None,
                name,
            })
            .collect();
        assert_eq!(find_service(&services, "ec2"), Ok(1));
        assert_eq!(find_service(&services, "EC2"), Ok(1));
        assert_eq!(find_service(&services, "ebs"), Ok(0));
        assert_eq!(find_service(&services, "s3"), Ok(2));
        assert_eq!(find_service(&services, "glacier"), Ok(3));
    }
}
