import LinkwellTesting
import Testing

/// A test (or every test of a suite) whose stores are shut down when it ends, awaited, whether it passed,
/// failed or threw: each store `TestBackend.makeStore` opens inside the test is recorded and closed.
struct ClosesStores: TestTrait, SuiteTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let opened = OpenedStores()
        do {
            try await OpenedStores.$current.withValue(opened) { try await function() }
        } catch {
            await opened.shutDownAll()
            throw error
        }
        await opened.shutDownAll()
    }
}

extension Trait where Self == ClosesStores {
    /// Shut down (and wait for) every store the test opens.
    static var closesStores: Self { ClosesStores() }
}
