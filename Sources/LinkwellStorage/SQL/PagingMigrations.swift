import Foundation

/// Indexes for the numbered, filtered staff lists (versions 280–289 and 300–309): the audit trail read by who acted and
/// by date, and the outbox newest first, so a page costs an index range, not a scan of the whole table.
/// Versions 310–311: the same for the API's keyset lists (`KeysetListStore`, the audit cursor), each on its sort key and id.
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
        // The API's audit cursor (`auditEvents(matching:keyset:)`) reads newest first by (at, id): one index range.
        Migration(version: 310, name: "audit trail keyset: (at, id)") { flavor in
            ["CREATE INDEX audit_events_at_id ON audit_events(at, id)"].map(flavor.render)
        },
        Migration(version: 311, name: "keyset lists: each on its sort key and id") { flavor in
            [
                "CREATE INDEX keyset_supervision_notes ON supervision_notes(link_worker_id, at, id)",
                "CREATE INDEX keyset_complaints ON complaints(received_on, id)",
                "CREATE INDEX keyset_staff_checks ON staff_checks(completed_on, id)",
                "CREATE INDEX keyset_case_meetings ON case_meetings(team_id, held_on, id)",
                "CREATE INDEX keyset_messages_organisation ON messages_back(recipient_organisation_id, created_at, id)",
                "CREATE INDEX keyset_users ON users(display_name, id)",
                "CREATE INDEX keyset_api_tokens ON api_tokens(created_at, id)",
            ].map(flavor.render)
        },
    ]
}
