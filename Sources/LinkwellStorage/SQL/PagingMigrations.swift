import Foundation

/// Indexes for the numbered, filtered staff lists (versions 280–289): the audit trail read by who acted and
/// by date, and the outbox newest first, so a page costs an index range, not a scan of the whole table.
enum PagingMigrations {
    static let all: [Migration] = [
        Migration(version: 280, name: "paged lists: audit trail by actor and time, outbox newest first") { flavor in
            [
                "CREATE INDEX audit_events_actor ON audit_events(actor_id, seq)",
                "CREATE INDEX audit_events_at ON audit_events(at)",
                "CREATE INDEX email_outbox_created ON email_outbox(created_at, id)",
            ].map(flavor.render)
        },
        // The API's audit cursor (`auditEvents(matching:keyset:)`) reads newest first by (at, id): one index range.
        Migration(version: 310, name: "audit trail keyset: (at, id)") { flavor in
            ["CREATE INDEX audit_events_at_id ON audit_events(at, id)"].map(flavor.render)
        },
    ]
}
