/// Teams, routing rules, teams' waiting lists and case meetings (versions 200–209).
enum TeamMigrations {
    static let all: [Migration] = [
        Migration(version: 200, name: "teams, routing rules and case meetings") { flavor in
            [
                "CREATE TABLE teams (id {id} PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, created_at {ts} NOT NULL)",
                """
                CREATE TABLE team_members (
                    team_id {id} NOT NULL REFERENCES teams(id), link_worker_id {id} NOT NULL REFERENCES users(id),
                    PRIMARY KEY (team_id, link_worker_id))
                """,
                """
                CREATE TABLE team_routing_rules (
                    seq {seq}, team_id {id} NOT NULL REFERENCES teams(id), field TEXT NOT NULL, value TEXT NOT NULL,
                    position INTEGER NOT NULL)
                """,
                "CREATE INDEX team_routing_rules_team ON team_routing_rules(team_id)",
                "CREATE TABLE team_placements (referral_id {id} PRIMARY KEY REFERENCES referrals(id), team_id {id} NOT NULL REFERENCES teams(id))",
                "CREATE INDEX team_placements_team ON team_placements(team_id)",
                """
                CREATE TABLE case_meetings (
                    seq {seq}, id {id} NOT NULL UNIQUE, team_id {id} NOT NULL REFERENCES teams(id), held_on TEXT NOT NULL,
                    attendees TEXT NOT NULL, note TEXT NOT NULL, recorded_by {id} NOT NULL REFERENCES users(id),
                    recorded_at {ts} NOT NULL)
                """,
                "CREATE INDEX case_meetings_team ON case_meetings(team_id)",
                """
                CREATE TABLE case_meeting_referrals (
                    meeting_id {id} NOT NULL REFERENCES case_meetings(id), referral_id {id} NOT NULL REFERENCES referrals(id),
                    PRIMARY KEY (meeting_id, referral_id))
                """,
                "CREATE INDEX case_meeting_referrals_referral ON case_meeting_referrals(referral_id)",
            ].map(flavor.render)
        },
    ]
}
