import Foundation

/// Versions 340–349 and 367: indexes for `BoundedListStore`, each list on its filter, sort key and id, so a page is one
/// index range however long the list has grown.
enum BoundedListMigrations {
    static let all: [Migration] = [
        Migration(version: 340, name: "bounded lists: ledger, grants, a person's access log, each on its sort key and id") { flavor in
            [
                "CREATE INDEX bounded_ledger ON ledger_entries(contract_id, at, id)",
                "CREATE INDEX bounded_grants ON grants(applied_at, id)",
                "CREATE INDEX bounded_grants_organisation ON grants(organisation_id, applied_at, id)",
                "CREATE INDEX bounded_audit_subject ON audit_events(subject_id, at, id)",
                "CREATE INDEX bounded_audit_record ON audit_events(record_id, at, id)",
                // The audit page and the API both read newest first by (at, id), also for one person's actions.
                "CREATE INDEX bounded_audit_actor ON audit_events(actor_id, at, id)",
            ].map(flavor.render)
        },
        // Every page a person's record is read on writes an access-log row, and each index is one more write: the
        // access log had ten. These three are the first columns of version 340's indexes, which answer every lookup
        // they answered (by record, by subject, by time).
        Migration(version: 367, name: "the access log's indexes on one column dropped: each begins an index of version 340's") { _ in
            ["DROP INDEX IF EXISTS audit_events_record", "DROP INDEX IF EXISTS audit_events_subject", "DROP INDEX IF EXISTS audit_events_at"]
        },
    ]
}
