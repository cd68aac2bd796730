import Foundation

/// Indexes for the numbered, filtered staff lists (versions 280–289 and 300–309): the audit trail read by who acted and
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
        // Versions 300–309: the organisations register as numbered pages in name order (about 13,000 after a
        // national import), and a provider's inbox by service, newest first, is `onward_referrals_service_created`.
        Migration(version: 300, name: "paged lists: organisations by name") { flavor in
            ["CREATE INDEX organisations_name ON organisations(name, id)"].map(flavor.render)
        },
    ]
}
