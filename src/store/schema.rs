//! Versioned, transactional migrations keyed on `PRAGMA user_version`.
//!
//! Fact rows are keyed so that every view query is an index range: `cost_daily` is
//! clustered by (service, account, day), so one service's 500 accounts sit together and
//! only one account's ~50 services are scattered; the rollup tables are maintained in the same
//! transaction that writes a month, so views never sum raw daily rows org-wide.

/// `PRAGMA application_id` of a costscope cache: "CoSt".
pub const APPLICATION_ID: i64 = 0x436f_5374;

pub const MIGRATIONS: &[&str] = &[
    // 1: organization, daily costs and their rollups.
    "
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE org_units (
        id        TEXT PRIMARY KEY,
        parent_id TEXT REFERENCES org_units(id),
        name      TEXT NOT NULL
    );

    CREATE TABLE accounts (
        key    INTEGER PRIMARY KEY,
        id     TEXT NOT NULL UNIQUE,
        name   TEXT NOT NULL,
        email  TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'ACTIVE',
        ou_id  TEXT,
        joined TEXT
    );

    CREATE TABLE services (
        key  INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );

    -- One row per cached month: when it was fetched and whether the bill is final.
    CREATE TABLE months (
        month      INTEGER PRIMARY KEY,
        fetched_at TEXT NOT NULL,
        is_final   INTEGER NOT NULL,
        source     TEXT NOT NULL
    );

    -- Amounts are integer nano-dollars; days are days since 1970-01-01.
    -- mtd_ columns: running sums of the (service, account) run since the first of the
    -- month, so the total of any days inside a month is two reads per run.
    CREATE TABLE cost_daily (
        account       INTEGER NOT NULL,
        service       INTEGER NOT NULL,
        day           INTEGER NOT NULL,
        unblended     INTEGER NOT NULL,
        amortized     INTEGER NOT NULL,
        mtd_unblended INTEGER NOT NULL,
        mtd_amortized INTEGER NOT NULL,
        PRIMARY KEY (service, account, day)
    ) WITHOUT ROWID;

    CREATE TABLE cost_monthly (
        account   INTEGER NOT NULL,
        service   INTEGER NOT NULL,
        month     INTEGER NOT NULL,
        unblended INTEGER NOT NULL,
        amortized INTEGER NOT NULL,
        PRIMARY KEY (service, account, month)
    ) WITHOUT ROWID;

    -- Dense from the first of each month to its last day with data. The mtd_ columns
    -- are running sums since the first of the month, so the total of any days inside
    -- one month is mtd(last) - mtd(first - 1): two index entries per account.
    CREATE TABLE cost_daily_account (
        account       INTEGER NOT NULL,
        day           INTEGER NOT NULL,
        unblended     INTEGER NOT NULL,
        amortized     INTEGER NOT NULL,
        mtd_unblended INTEGER NOT NULL,
        mtd_amortized INTEGER NOT NULL,
        PRIMARY KEY (account, day)
    ) WITHOUT ROWID;

    CREATE INDEX cost_daily_account_by_day
        ON cost_daily_account (day, account, mtd_unblended, mtd_amortized);

    CREATE TABLE cost_monthly_account (
        month     INTEGER NOT NULL,
        account   INTEGER NOT NULL,
        unblended INTEGER NOT NULL,
        amortized INTEGER NOT NULL,
        PRIMARY KEY (month, account)
    ) WITHOUT ROWID;

    CREATE TABLE cost_daily_service (
        service       INTEGER NOT NULL,
        day           INTEGER NOT NULL,
        unblended     INTEGER NOT NULL,
        amortized     INTEGER NOT NULL,
        mtd_unblended INTEGER NOT NULL,
        mtd_amortized INTEGER NOT NULL,
        PRIMARY KEY (service, day)
    ) WITHOUT ROWID;

    CREATE INDEX cost_daily_service_by_day
        ON cost_daily_service (day, service, mtd_unblended, mtd_amortized);

    CREATE TABLE cost_monthly_service (
        month     INTEGER NOT NULL,
        service   INTEGER NOT NULL,
        unblended INTEGER NOT NULL,
        amortized INTEGER NOT NULL,
        PRIMARY KEY (month, service)
    ) WITHOUT ROWID;

    CREATE TABLE cost_daily_org (
        day       INTEGER PRIMARY KEY,
        unblended INTEGER NOT NULL,
        amortized INTEGER NOT NULL
    ) WITHOUT ROWID;
    ",
    // 2: every AWS request costscope makes, so it can say what it costs.
    "
    CREATE TABLE api_calls (
        id        INTEGER PRIMARY KEY,
        at        TEXT NOT NULL,
        service   TEXT NOT NULL,
        operation TEXT NOT NULL,
        account   TEXT,
        region    TEXT,
        requests  INTEGER NOT NULL,
        throttled INTEGER NOT NULL,
        error     TEXT
    );
    CREATE INDEX api_calls_by_time ON api_calls (service, at);
    ",
    // 3: resource inventory, what each scan reached, and findings with their history.
    "
    -- CloudWatch GetMetricData is billed per metric requested, not per request.
    ALTER TABLE api_calls ADD COLUMN metrics INTEGER NOT NULL DEFAULT 0;

    -- One row per account and unit (a region, or 's3' for the account's buckets, or
    -- '*' when the account itself could not be reached).
    CREATE TABLE scan_units (
        account    TEXT NOT NULL,
        unit       TEXT NOT NULL,
        scanned_at TEXT NOT NULL,
        status     TEXT NOT NULL,
        reason     TEXT,
        resources  INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (account, unit)
    ) WITHOUT ROWID;

    CREATE TABLE resources (
        account TEXT NOT NULL,
        unit    TEXT NOT NULL,
        kind    TEXT NOT NULL,
        id      TEXT NOT NULL,
        region  TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        data    TEXT NOT NULL,
        PRIMARY KEY (account, unit, kind, id)
    ) WITHOUT ROWID;

    CREATE TABLE findings (
        id               INTEGER PRIMARY KEY,
        rule             TEXT NOT NULL,
        account          TEXT NOT NULL,
        unit             TEXT NOT NULL,
        region           TEXT NOT NULL,
        resource         TEXT NOT NULL,
        label            TEXT NOT NULL,
        action           TEXT NOT NULL,
        saving_nanos     INTEGER,
        saving           TEXT NOT NULL,
        evidence         TEXT NOT NULL,
        status           TEXT NOT NULL,
        first_seen       TEXT NOT NULL,
        last_seen        TEXT NOT NULL,
        closed_at        TEXT,
        dismissed_reason TEXT,
        dismissed_at     TEXT,
        UNIQUE (rule, account, region, resource)
    );
    CREATE INDEX findings_by_unit ON findings (account, unit, status);
    ",
    // 4: the remediation audit log. Append-only: triggers refuse every UPDATE and
    // DELETE, and no rebuild path (demo regeneration, full sync, clearing scans) drops it.
    "
    CREATE TABLE audit_log (
        id         INTEGER PRIMARY KEY,
        at         TEXT NOT NULL,
        plan       INTEGER NOT NULL,
        step       INTEGER,
        finding_id INTEGER,
        account    TEXT NOT NULL,
        region     TEXT NOT NULL,
        resource   TEXT NOT NULL,
        action     TEXT NOT NULL,
        phase      TEXT NOT NULL,
        identity   TEXT NOT NULL,
        detail     TEXT NOT NULL,
        request_id TEXT,
        undo       TEXT,
        simulated  INTEGER NOT NULL
    );
    CREATE INDEX audit_log_by_plan ON audit_log (plan, step, id);
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    ALTER TABLE findings ADD COLUMN applied_at TEXT;
    ",
    // 5: the charges billed once a month (fees, support, tax), apart, so comparisons
    // can spread them over their month. They are also in cost_daily: this table says
    // which part of a day they are. A month synced before it has fees_known = 0.
    "
    CREATE TABLE cost_fees (
        day       INTEGER NOT NULL,
        account   INTEGER NOT NULL,
        service   INTEGER NOT NULL,
        unblended INTEGER NOT NULL,
        amortized INTEGER NOT NULL,
        PRIMARY KEY (day, account, service)
    ) WITHOUT ROWID;
    ALTER TABLE months ADD COLUMN fees_known INTEGER NOT NULL DEFAULT 0;
    ",
    // 6: accounts of other clouds, from imported FOCUS files (NULL: the AWS org's).
    "
    ALTER TABLE accounts ADD COLUMN provider TEXT;
    ",
    // 7: what each billing period of a Data Export looked like when it was read (a
    // digest of its manifest's and data objects' ETags): an unchanged period is not
    // downloaded again. Replacing a month from any source forgets its digest.
    "
    CREATE TABLE export_periods (
        month     INTEGER PRIMARY KEY,
        digest    TEXT NOT NULL,
        manifest  TEXT NOT NULL
    );
    ",
    // 8: each source's own month totals per account and kind of charge, kept whichever
    // source the views show, so `costscope reconcile` can set one against the other.
    "
    CREATE TABLE source_totals (
        month     INTEGER NOT NULL,
        source    TEXT NOT NULL,
        account   INTEGER NOT NULL,
        charge    TEXT NOT NULL,
        unblended INTEGER NOT NULL,
        amortized INTEGER NOT NULL,
        PRIMARY KEY (month, source, account, charge)
    ) WITHOUT ROWID;
    ",
    // 9: what line-item sources (exports, FOCUS files) say past the service, summed by
    // month: region, usage type, operation, kind of charge and pricing category; each
    // resource's cost by usage type; the cost carrying each tag value. Names are kept
    // once in `dims` ('' is a line that did not say). A month from Cost Explorer has
    // none of these (detail_known = 0).
    "
    CREATE TABLE dims (
        key  INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        UNIQUE (kind, name)
    );
    CREATE TABLE cost_usage_monthly (
        month      INTEGER NOT NULL,
        service    INTEGER NOT NULL,
        account    INTEGER NOT NULL,
        usage_type INTEGER NOT NULL,
        region     INTEGER NOT NULL,
        operation  INTEGER NOT NULL,
        charge     INTEGER NOT NULL,
        pricing    INTEGER NOT NULL,
        unblended  INTEGER NOT NULL,
        amortized  INTEGER NOT NULL,
        PRIMARY KEY (month, service, account, usage_type, region, operation, charge, pricing)
    ) WITHOUT ROWID;
    CREATE INDEX cost_usage_by_account ON cost_usage_monthly (month, account, service);
    CREATE TABLE cost_resource_monthly (
        month      INTEGER NOT NULL,
        service    INTEGER NOT NULL,
        account    INTEGER NOT NULL,
        usage_type INTEGER NOT NULL,
        resource   INTEGER NOT NULL,
        region     INTEGER NOT NULL,
        unblended  INTEGER NOT NULL,
        amortized  INTEGER NOT NULL,
        PRIMARY KEY (month, service, account, usage_type, resource)
    ) WITHOUT ROWID;
    CREATE TABLE cost_tag_monthly (
        month     INTEGER NOT NULL,
        tag_key   INTEGER NOT NULL,
        tag_value INTEGER NOT NULL,
        service   INTEGER NOT NULL,
        account   INTEGER NOT NULL,
        unblended INTEGER NOT NULL,
        amortized INTEGER NOT NULL,
        PRIMARY KEY (month, tag_key, tag_value, service, account)
    ) WITHOUT ROWID;
    ALTER TABLE months ADD COLUMN detail_known INTEGER NOT NULL DEFAULT 0;
    ",
    // 10: the organization-wide sums of the detail (`rollup::ROLLUPS`: by region, by
    // usage type, by tag key, a tag's values, one region's services, ...), filled from
    // the detail already cached (`after_migration`); and the keys that let one
    // account's, one service's or one usage type's detail be read without walking the
    // month (tags are now keyed by service and account: a tag's own lists read rollups).
    "
    CREATE TABLE cost_rollup_monthly (
        within        TEXT    NOT NULL,
        within_key    INTEGER NOT NULL,
        within_parent INTEGER NOT NULL,
        by_dim        TEXT    NOT NULL,
        month         INTEGER NOT NULL,
        key           INTEGER NOT NULL,
        unblended     INTEGER NOT NULL,
        amortized     INTEGER NOT NULL,
        PRIMARY KEY (within, within_key, within_parent, by_dim, month, key)
    ) WITHOUT ROWID;
    CREATE INDEX cost_resource_by_account ON cost_resource_monthly (month, account, service);
    CREATE INDEX cost_resource_by_usage ON cost_resource_monthly (month, usage_type);
    CREATE TABLE cost_tag_by_scope (
        month     INTEGER NOT NULL,
        service   INTEGER NOT NULL,
        account   INTEGER NOT NULL,
        tag_key   INTEGER NOT NULL,
        tag_value INTEGER NOT NULL,
        unblended INTEGER NOT NULL,
        amortized INTEGER NOT NULL,
        PRIMARY KEY (month, service, account, tag_key, tag_value)
    ) WITHOUT ROWID;
    INSERT INTO cost_tag_by_scope
        SELECT month, service, account, tag_key, tag_value, unblended, amortized
        FROM cost_tag_monthly;
    DROP TABLE cost_tag_monthly;
    ALTER TABLE cost_tag_by_scope RENAME TO cost_tag_monthly;
    CREATE INDEX cost_tag_by_account ON cost_tag_monthly (month, account, service);
    ",
    // 11: the open findings' badge columns, so that the cost views' savings badges
    // (`Store::open_finding_savings`) read this index and not the rows with their
    // evidence (64k findings at 5,000 accounts).
    "
    CREATE INDEX findings_badges ON findings
        (status, account, rule, region, resource, saving, first_seen, last_seen,
         dismissed_reason);
    ",
    // 12: the list price and the price after negotiated discounts (FOCUS ListCost and
    // ContractedCost, CUR's public on-demand cost) of each usage combination and its
    // rollups. NULL: unknown (a line did not give it, or the month was read before).
    // The rollups are rebuilt from the detail after it (`after_migration`).
    "
    ALTER TABLE cost_usage_monthly ADD COLUMN list INTEGER;
    ALTER TABLE cost_usage_monthly ADD COLUMN contracted INTEGER;
    ALTER TABLE cost_rollup_monthly ADD COLUMN list INTEGER;
    ALTER TABLE cost_rollup_monthly ADD COLUMN contracted INTEGER;
    ",
    // 13: each resource's daily cost over the last `detail::RESOURCE_DAYS` (all its usage
    // types summed), keyed for one resource's series; older days are pruned as months are
    // written, their monthly sums kept in cost_resource_monthly.
    "
    CREATE TABLE cost_resource_daily (
        resource  INTEGER NOT NULL,
        day       INTEGER NOT NULL,
        account   INTEGER NOT NULL,
        service   INTEGER NOT NULL,
        unblended INTEGER NOT NULL,
        amortized INTEGER NOT NULL,
        PRIMARY KEY (resource, day, account, service)
    ) WITHOUT ROWID;
    CREATE INDEX cost_resource_daily_by_day ON cost_resource_daily (day);
    ",
    // 14: the resource days keyed by the day first. The window is then a range of the
    // table (pruned, and replaced with its month, as one), a resource's series one seek
    // per day, and the index by day goes: 36 MB of a 500-account cache, and half the
    // time of writing a month's 2.2M resource days.
    "
    CREATE TABLE cost_resource_by_day (
        day       INTEGER NOT NULL,
        resource  INTEGER NOT NULL,
        account   INTEGER NOT NULL,
        service   INTEGER NOT NULL,
        unblended INTEGER NOT NULL,
        amortized INTEGER NOT NULL,
        PRIMARY KEY (day, resource, account, service)
    ) WITHOUT ROWID;
    INSERT INTO cost_resource_by_day
        SELECT day, resource, account, service, unblended, amortized
        FROM cost_resource_daily ORDER BY day, resource, account, service;
    DROP TABLE cost_resource_daily;
    ALTER TABLE cost_resource_by_day RENAME TO cost_resource_daily;
    ",
    // 15: the badges' index ordered by resource, so one resource's open findings come
    // together (its alternatives are settled as they are read, with no map of all 64k
    // at 5,000 accounts), holding only what the badges read.
    "
    DROP INDEX findings_badges;
    CREATE INDEX findings_badges ON findings (status, account, region, resource, rule, saving);
    ",
];

/// Work a migration needs beyond its SQL, run in its transaction once the schema is at
/// `version`.
pub(super) fn after_migration(
    tx: &rusqlite::Transaction<'_>,
    version: i64,
) -> rusqlite::Result<()> {
    match version {
        // The rollups (10) are filled from the detail already cached once their price
        // columns (12) exist: `rebuild_all` writes every column.
        12 => super::rollup::rebuild_all(tx),
        _ => Ok(()),
    }
}
