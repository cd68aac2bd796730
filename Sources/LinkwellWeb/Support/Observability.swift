import Foundation
import Hummingbird
import HTTPTypes
import LinkwellCore
import Logging
import Metrics
import Prometheus

/// Prometheus metrics for the process: swift-metrics is bootstrapped once into one registry, which
/// `/metrics` serves. Labels carry route templates and status codes only, never anything personal.
///
/// Metric names (all prefixed `linkwell_`): `http_requests_total{route,method,status}`,
/// `http_request_duration_seconds{route,method}` (histogram), `http_errors_total{route,status}`
/// (5xx answers), `db_duration_seconds{operation}` (histogram; read or transaction),
/// `outbox_queued`, `outbox_failed` (read from the database at each scrape),
/// `signin_failures_total`, `backups_total{result}`.
public enum Observability {
    /// The registry `/metrics` emits. Touching it bootstraps swift-metrics (once per process).
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                                   .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                                   .milliseconds(2500), .seconds(5), .seconds(10)]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Call once for every failed sign-in (wrong password, unknown e-mail, locked account).
    public static func signInFailed() {
        Counter(label: "linkwell_signin_failures_total").increment()
    }

    /// Counts a scheduled backup, `result` "ok" or "failed".
    public static func backupTaken(ok: Bool) {
        Counter(label: "linkwell_backups_total", dimensions: [("result", ok ? "ok" : "failed")]).increment()
    }

    /// The registry in Prometheus's text format, after refreshing the database gauges.
    static func scrape(_ health: StoreHealth?) -> String {
        if let health {
            Gauge(label: "linkwell_outbox_queued").record(health.outboxQueued)
            Gauge(label: "linkwell_outbox_failed").record(health.outboxFailed)
        }
        return registry.emitToString()
    }
}

/// Gives every request an id (the caller's `X-Request-Id` when it is a plain token, else a new one),
/// puts it in the request's log metadata and the response, and records the request's metrics and
/// one log line: method, route template, status, duration — no path, query or body, which may hold
/// names, postcodes or NHS numbers.
struct RequestObservabilityMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    /// Whether to write the per-request log line.
    let logRequests: Bool
    static let header = HTTPField.Name("X-Request-Id")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let given = request.headers[Self.header] ?? ""
        let id = (1...64).contains(given.count) && given.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            ? given : Self.newID()
        var context = context
        context.logger[metadataKey: "request_id"] = .string(id)
        var status = 500
        defer {
            let route = context.endpointPath ?? "unmatched"
            let method = request.method.rawValue
            let elapsed = ContinuousClock.now - started
            Counter(label: "linkwell_http_requests_total", dimensions: [("route", route), ("method", method), ("status", String(status))]).increment()
            Metrics.Timer(label: "linkwell_http_request_duration_seconds", dimensions: [("route", route), ("method", method)]).recordInterval(elapsed)
            if status >= 500 { Counter(label: "linkwell_http_errors_total", dimensions: [("route", route), ("status", String(status))]).increment() }
            if logRequests && route != "/healthz" && route != "/readyz" && route != "/metrics" {
                context.logger.info("request", metadata: ["method": .string(method), "route": .string(route), "status": .stringConvertible(status),
                                                          "ms": .stringConvertible(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)])
            }
        }
        var response = try await next(request, context)
        status = Int(response.status.code)
        response.headers[Self.header] = id
        return response
    }

    /// 128 random bits in hex. Two draws from the system's generator: a byte at a time was 16 `getrandom` calls a
    /// request, every request (`perf`: 1.5% of the server's CPU under the caseload's load).
    static func newID() -> String {
        var random = SystemRandomNumberGenerator()
        let bits = (random.next(), random.next())
        return withUnsafeBytes(of: bits) { Hex.string($0) }
    }
}

extension Metrics.Timer {
    func recordInterval(_ duration: Duration) {
        recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}

/// Health endpoints for load balancers and monitoring: `/healthz` (the process answers),
/// `/readyz` (database reachable, migrations current, outbox backlog under its threshold),
/// `/metrics` (Prometheus). None needs sign-in and none shows anything personal.
struct HealthController: Sendable {
    let health: HealthService

    func register(on router: Router<AppRequestContext>) {
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("/readyz") { _, _ in
            let readiness = await health.readiness()
            return json(readiness, status: readiness.ready ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            let text = Observability.scrape(try? await health.storeHealth())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}

/// Writes each log event as one JSON object per line (for log shippers): time, level, label,
/// message and metadata (which carries the request id). Linkwell never logs personal data: log
/// calls pass kinds, counts, route templates and ids only.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private static let lock = NSLock()

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: Any] = [
            "time": ISO8601DateFormatter.logTime.string(from: Date()),
            "level": event.level.rawValue,
            "label": label,
            "message": event.message.description,
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { object[key] = Self.plain(value) }
        guard var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        line.append(0x0A)
        Self.lock.withLock { FileHandle.standardError.write(line) }
    }

    private static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let s): s
        case .stringConvertible(let c): c.description
        case .array(let a): a.map(plain)
        case .dictionary(let d): d.mapValues(plain)
        }
    }
}

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let logTime: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}
