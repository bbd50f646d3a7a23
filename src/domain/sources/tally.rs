//! What a job sent, by service and operation: the API-cost meter kept in the cache.

/// Requests (and CloudWatch metrics) of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallCount {
    pub service: &'static str,
    pub operation: &'static str,
    pub requests: u32,
    pub metrics: u32,
    /// Attempts the source throttled (and that were retried).
    pub throttled: u32,
}

/// Every operation's count, one entry per (service, operation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub entries: Vec<CallCount>,
}

impl Tally {
    fn entry(&mut self, service: &'static str, operation: &'static str) -> &mut CallCount {
        let at = match self
            .entries
            .iter()
            .position(|e| e.service == service && e.operation == operation)
        {
            Some(at) => at,
            None => {
                self.entries.push(CallCount {
                    service,
                    operation,
                    requests: 0,
                    metrics: 0,
                    throttled: 0,
                });
                self.entries.len() - 1
            }
        };
        &mut self.entries[at]
    }

    pub fn add(
        &mut self,
        service: &'static str,
        operation: &'static str,
        requests: u32,
        metrics: u32,
    ) {
        let e = self.entry(service, operation);
        e.requests += requests;
        e.metrics += metrics;
    }

    /// What was really sent (retries included) and how much was throttled, for an
    /// operation already counted; others are not this tally's.
    pub fn observed(&mut self, service: &str, operation: &str, sent: u32, throttled: u32) {
        if let Some(e) = self
            .entries
            .iter_mut()
            .find(|e| e.service == service && e.operation == operation)
        {
            e.requests = e.requests.max(sent);
            e.throttled += throttled;
        }
    }

    pub fn merge(&mut self, other: Tally) {
        for e in other.entries {
            let mine = self.entry(e.service, e.operation);
            mine.requests += e.requests;
            mine.metrics += e.metrics;
            mine.throttled += e.throttled;
        }
    }

    pub fn throttled(&self) -> u32 {
        self.entries.iter().map(|e| e.throttled).sum()
    }

    pub fn requests(&self, service: &str) -> u32 {
        self.entries
            .iter()
            .filter(|e| e.service == service)
            .map(|e| e.requests)
            .sum()
    }

    pub fn metrics(&self) -> u32 {
        self.entries.iter().map(|e| e.metrics).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_per_operation_and_observed_attempts_only_raise_them() {
        let mut a = Tally::default();
        a.add("ec2", "DescribeVolumes", 2, 0);
        a.add("cloudwatch", "GetMetricData", 1, 500);
        a.add("ec2", "DescribeVolumes", 1, 0);
        a.observed("ec2", "DescribeVolumes", 5, 2);
        a.observed("ec2", "DescribeVolumes", 1, 0);
        a.observed("rds", "DescribeDBInstances", 9, 9);
        assert_eq!(a.requests("ec2"), 5);
        assert_eq!(a.throttled(), 2);
        assert_eq!(
            a.entries.len(),
            2,
            "an operation never counted is not added"
        );
        let mut b = Tally::default();
        b.add("cloudwatch", "GetMetricData", 1, 20);
        b.merge(a);
        assert_eq!(
            (b.requests("cloudwatch"), b.metrics(), b.throttled()),
            (2, 520, 2)
        );
    }
}
