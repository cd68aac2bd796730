/// Migrations for the work lists' read models (versions 150–169).
enum SummaryMigrations {
    static let all: [Migration] = [
        Migration(version: 150, name: "work lists: keyset paging indexes") { flavor in
            // Each list is read newest first (time, then id) under one filter, so each filter gets an index
            // that ends in the order: a page is then an index range scan, however deep.
            [
                "CREATE INDEX referrals_link_worker_received ON referrals(link_worker_id, received_at, id)",
                "CREATE INDEX referrals_referrer_received ON referrals(referrer_id, received_at, id)",
                "CREATE INDEX referrals_status_received ON referrals(status, received_at, id)",
                "CREATE INDEX referrals_received_id ON referrals(received_at, id)",
                "CREATE INDEX messages_back_recipient_created ON messages_back(recipient_id, created_at, id)",
                "CREATE INDEX onward_referrals_service_created ON onward_referrals(service_id, created_at, id)",
                "CREATE INDEX attendance_not_attended ON attendance_reports(onward_referral_id, attended)",
            ].map(flavor.render)
        },
    ]
}
