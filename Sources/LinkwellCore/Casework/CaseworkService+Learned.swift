import Foundation

/// Recording what is learned in support, with coded values resolved from the needs code list first (as
/// intake needs are), so a `system|code` value is accepted wherever a local value is.
extension CaseworkService {
    /// Adds a need, interest, strength or barrier to the case.
    public func learn(_ id: ReferralID, _ input: ProfileItemInput, _ request: Request) async throws -> Case {
        var input = input
        input.need = try await resolvedNeed(input.need)
        return try await act(on: id, request) { [env, input] in try $0.addProfileItem(input, by: request.principal, env: env) }
    }

    /// Ends something learned that no longer holds.
    public func endLearned(_ id: ReferralID, item: String, _ request: Request) async throws -> Case {
        try await act(on: id, request) { [env] in try $0.endProfileItem(item, by: request.principal, env: env) }
    }

    /// Records that nothing suitable existed for a need.
    public func recordGap(_ id: ReferralID, _ input: GapInput, _ request: Request) async throws -> Case {
        var input = input
        input.need = try await resolvedNeed(input.need)
        return try await act(on: id, request) { [env, input] in try $0.recordGap(input, by: request.principal, env: env) }
    }

    /// A need given as `system|code` becomes the local value it maps to; an unknown code is refused as `need`.
    private func resolvedNeed(_ raw: String?) async throws -> String? {
        guard let raw, raw.contains("|") else { return raw }
        do {
            return try await CodeListService(store: store).resolve([raw], in: .needs, field: "need").first
        } catch LinkwellError.invalid(let errors) {
            throw LinkwellError.invalid(errors.map { $0.at("need") })
        }
    }
}
