import Foundation
import Hummingbird
import LinkwellCore

/// The public self-help directory, with no sign-in: search local groups and services by words, need and
/// distance from a postcode; a page for each service; and "ask to be referred", which opens the public
/// self-referral form with that service chosen. It shows only what the Open Referral UK feed publishes
/// (`PublicServiceView`), never the scheme's private facts about a group.
struct PublicDirectoryController: Sendable {
    let directory: DirectoryService
    let renderer: PageRenderer

    struct SearchPage: Sendable {
        struct Result: Sendable { var id, name, summary: String; var organisation, distance: String?; var temporarilyClosed: Bool }
        var search, postcode: String
        var needs: [Choice]
        var searched: Bool
        var results: [Result]
        var summary: String
        var hasResults: Bool
        /// The numbered pages of the results (`pager.services.*`, translated), every link keeping the search.
        var links: PageLinks?
    }

    struct ServicePage: Sendable {
        var id, name: String
        var organisation, description, website, email, whoItIsFor, howToJoin: String?
        var phones, places, times, costs, languages: [String]
        var hasPhones, hasPlaces, hasTimes, hasCosts, hasLanguages: Bool
        var isOpen, temporarilyClosed: Bool
    }

    func register(on router: Router<AppRequestContext>) {
        router.get("/find-support") { request, context in
            let form = FormData(request.uri.query ?? "")
            let need = form["need"] ?? ""
            let messages = context.messages
            var page = SearchPage(search: form["search"] ?? "", postcode: form["postcode"] ?? "",
                                  needs: PublicDirectoryController.needChoices(selected: need, messages), searched: false, results: [], summary: "",
                                  hasResults: false, links: nil)
            var errors: [FieldError] = []
            page.searched = ["search", "need", "postcode"].contains { !(form[$0] ?? "").isEmpty }
            if page.searched {
                do {
                    let found = try await directory.publicSearch(words: form["search"], need: need.isEmpty ? nil : need,
                                                                 postcode: form["postcode"], page: form["page"])
                    page.results = found.services.map {
                        SearchPage.Result(id: $0.id, name: $0.name, summary: String(($0.description ?? "").prefix(240)),
                                          organisation: $0.organisation,
                                          distance: $0.distanceKm.map {
                                              $0 < 1 ? messages.text("findSupport.lessThanOneKm") : messages.text("findSupport.kmAway", ["km": String(format: "%.1f", $0)])
                                          },
                                          temporarilyClosed: $0.temporarilyClosed)
                    }
                    page.hasResults = !page.results.isEmpty
                    page.summary = found.total == 0 ? messages.text("findSupport.noneFound")
                        : found.total == 1 ? messages.text("findSupport.oneFound") : messages.text("findSupport.manyFound", ["count": "\(found.total)"])
                    page.links = PageLinks(CountedPage(rows: found.services, total: found.total, page: PageNumber(found.query.page, size: found.query.perPage)),
                                           list: "services", request: request, messages)
                } catch LinkwellError.invalid(let problems) {
                    errors = problems.map { $0.at($0.field == "taxonomy_term_id" ? "need" : $0.field) }
                    // Core words its problems in English; in another language, the catalogue's words for the field.
                    if !messages.isEnglish {
                        errors = errors.map { $0.worded(messages.optional("findSupport.error.\($0.field)") ?? messages.text("findSupport.error.other")) }
                    }
                    page.searched = false
                }
            }
            return try HTML(renderer.render(.publicDirectory, View(title: messages.text("findSupport.title"), context: context, page: page, errors: errors)),
                            status: errors.isEmpty ? .ok : .unprocessableContent).response(from: request, context: context)
        }
        router.get("/find-support/:id") { request, context in
            let s = try await directory.publicService(id: try context.parameters.require("id"))
            let page = ServicePage(id: s.id, name: s.name, organisation: s.organisation, description: s.description, website: s.website,
                                   email: s.email, whoItIsFor: s.whoItIsFor, howToJoin: s.howToJoin, phones: s.phones, places: s.places,
                                   times: s.times, costs: s.costs, languages: s.languages, hasPhones: !s.phones.isEmpty, hasPlaces: !s.places.isEmpty,
                                   hasTimes: !s.times.isEmpty, hasCosts: !s.costs.isEmpty, hasLanguages: !s.languages.isEmpty,
                                   isOpen: s.isOpen, temporarilyClosed: s.temporarilyClosed)
            return HTML(renderer.render(.publicService, View(title: s.name, context: context, page: page)))
        }
    }

    /// The needs to search by, labelled in the page's language (Core's English where the catalogue has none).
    static func needChoices(selected: String, _ messages: Catalogue = .english) -> [Choice] {
        DirectoryService.publicNeeds.map { Choice($0.id, messages.optional("need.\($0.code ?? "")") ?? $0.name, selected: $0.id == selected) }
            .sorted { $0.label < $1.label }
    }
}
