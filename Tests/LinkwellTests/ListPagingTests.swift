import Foundation
import HTTPTypes
import LinkwellCore
import LinkwellTesting
import Testing

/// Every API list is paged (issue #19): the lists a service builds whole — teams, users, supervision notes,
/// funders, the audit trail, safeguarding… — come 50 at a time by default with a `Link` to the next page.
/// Walked page by page they give every row exactly once, in the order of the whole list; a cursor from
/// another list, or whose row has gone, is a 422 naming `cursor`. On every backend.
@Suite("API lists paged", .closesStores)
struct ListPagingTests {
    /// The ids of every row, following `Link` headers from `path` with `limit` (nil: the default).
    func walk(_ api: APIClient, _ path: String, limit: Int?, as user: User, id: String = "id") async throws -> (ids: [String], pages: Int) {
        var ids: [String] = [], pages = 0
        var next: String? = limit.map { path + (path.contains("?") ? "&" : "?") + "limit=\($0)" } ?? path
        while let uri = next {
            pages += 1
            let (response, text) = try await api.send(.get, uri, as: user)
            #expect(response.status == .ok, "\(uri): \(text)")
            let rows = APIClient.parse(text)["list"] as? [[String: Any]] ?? []
            #expect(rows.count <= (limit ?? PageRequest.defaultLimit))
            ids += rows.map { row in
                id.split(separator: ".").reduce(row as Any) { ($0 as? [String: Any])?[String($1)] as Any } as? String ?? "?"
            }
            next = response.headers[HTTPField.Name("Link")!].flatMap { $0.split(separator: "<").last?.split(separator: ">").first.map(String.init) }
            if pages > 200 { Issue.record("endless paging"); break }
        }
        return (ids, pages)
    }

    @Test("Teams, users, supervision notes, funders and the audit trail: every row once, in list order, 50 by default",
          arguments: TestBackend.available)
    func roundTrips(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let teams = TeamService(store: s.store, env: s.env)
        for i in 0..<7 { _ = try await teams.createTeam(name: "Team \(i)", kind: "locality", s.request(s.supervisor)) }
        for i in 0..<55 { _ = try await s.casework.addSupervisionNote(linkWorkerID: s.linkWorker.id.rawValue, text: "Note \(i)", s.request(s.supervisor)) }
        for i in 0..<6 { _ = try await s.commissioning.createFunder(name: "Funder \(i)", kind: "icb", s.request(s.commissioner)) }
        try await withRouter(s) { client in
            let api = APIClient(client: client, s: s)
            let lists: [(path: String, user: User, id: String)] = [
                ("/api/v1/teams", s.supervisor, "team.id"), ("/api/v1/users", s.admin, "id"),
                ("/api/v1/supervision-notes?linkWorkerId=\(s.linkWorker.id)", s.supervisor, "id"),
                ("/api/v1/funders", s.commissioner, "id"),
            ]
            for list in lists {
                let whole = try await walk(api, list.path, limit: 200, as: list.user, id: list.id)
                #expect(whole.pages == 1 && whole.ids.count >= 5, "\(list.path)")
                let paged = try await walk(api, list.path, limit: 2, as: list.user, id: list.id)
                #expect(paged.ids == whole.ids, "\(list.path): the pages, joined, are the whole list in its order")
                #expect(Set(paged.ids).count == paged.ids.count && !paged.ids.contains("?"), "\(list.path)")
                #expect(paged.pages == (whole.ids.count + 1) / 2, "\(list.path): \(paged.pages) pages for \(whole.ids.count)")
            }
            // The audit trail grows as it is read (reads are audited): walked later, it holds every row seen before, once.
            let trail = try await walk(api, "/api/v1/audit", limit: 200, as: s.admin)
            let pagedTrail = try await walk(api, "/api/v1/audit", limit: 3, as: s.admin)
            #expect(Set(pagedTrail.ids).count == pagedTrail.ids.count && Set(trail.ids).isSubset(of: Set(pagedTrail.ids)) && pagedTrail.pages > 1)
            // The default page is 50, with a next link.
            let notes = try await walk(api, "/api/v1/supervision-notes?linkWorkerId=\(s.linkWorker.id)", limit: nil, as: s.supervisor)
            #expect(notes.ids.count == 55 && notes.pages == 2)
            // Bad cursors: not Linkwell's, from a newest-first list, or naming a row not in this list.
            for cursor in ["nonsense", PageCursor(at: Date(), id: "x").token, PageCursor(name: "", id: "no-such-row").token] {
                let problem = try await api.call(.get, "/api/v1/teams?cursor=\(cursor)", as: s.supervisor, expect: .unprocessableContent)
                #expect(String(describing: problem).contains("cursor"))
            }
            try await api.call(.get, "/api/v1/users?limit=201", as: s.admin, expect: .unprocessableContent)
        }
    }

    @Test("A page of a whole list starts right after the row its cursor names")
    func inMemoryPages() throws {
        let rows = ["c", "a", "b", "e", "d"]
        var seen: [String] = [], cursor: PageCursor?
        repeat {
            let page = try Page(list: rows, page: PageRequest(limit: 2, after: cursor), id: { $0 })
            seen += page.rows
            cursor = page.next
        } while cursor != nil
        #expect(seen == rows)
        #expect(try Page(list: rows, page: PageRequest(limit: 5), id: { $0 }).next == nil)
        #expect(throws: LinkwellError.self) { try Page(list: rows, page: PageRequest(limit: 2, after: PageCursor(name: "", id: "z")), id: { $0 }) }
    }
}
