import Foundation

/// An IPv4 or IPv6 address as its bytes (4 or 16). IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) are
/// read as the IPv4 address they carry, so one client has one address however the socket reports it.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(_ text: String) {
        var t = Substring(text.trimmingCharacters(in: .whitespaces))
        if t.hasPrefix("[") && t.hasSuffix("]") { t = t.dropFirst().dropLast() }
        if let zone = t.firstIndex(of: "%") { t = t[..<zone] }
        if let v4 = Self.parseV4(t) { bytes = v4; return }
        guard let v6 = Self.parseV6(t) else { return nil }
        bytes = v6[0..<10].allSatisfy { $0 == 0 } && v6[10] == 0xFF && v6[11] == 0xFF ? Array(v6[12...]) : v6
    }

    /// Exactly 4 or 16 bytes.
    init(bytes: [UInt8]) { self.bytes = bytes }

    public var isV4: Bool { bytes.count == 4 }

    public var description: String {
        if isV4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
    }

    private static func parseV4(_ t: Substring) -> [UInt8]? {
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard (1...3).contains(p.count), p.allSatisfy(\.isASCII), p.allSatisfy(\.isNumber), let v = UInt8(p) else { return nil }
            out.append(v)
        }
        return out
    }

    private static func parseV6(_ t: Substring) -> [UInt8]? {
        guard t.contains(":") else { return nil }
        let halves = t.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt8]? {
            guard !s.isEmpty else { return [] }
            var out: [UInt8] = []
            let pieces = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, piece) in pieces.enumerated() {
                if i == pieces.count - 1, piece.contains("."), let v4 = parseV4(piece) { out += v4; continue }
                guard (1...4).contains(piece.count), let v = UInt16(piece, radix: 16) else { return nil }
                out += [UInt8(v >> 8), UInt8(v & 0xFF)]
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 14 else { return nil }
        return head + Array(repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}

/// An address or a network in CIDR notation: `10.0.0.1`, `10.0.0.0/8`, `fd00::/8`.
public struct IPRange: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = IPAddress(String(parts[0])) else { return nil }
        let bits = address.bytes.count * 8
        guard let length = parts.count == 2 ? Int(parts[1]) : bits, (0...bits).contains(length) else { return nil }
        self.address = address
        prefixLength = length
    }

    public func contains(_ ip: IPAddress) -> Bool {
        guard ip.bytes.count == address.bytes.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(ip.bytes, address.bytes) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if a & mask != b & mask { return false }
            remaining -= 8
        }
        return true
    }

    public var description: String { "\(address)/\(prefixLength)" }
}

/// Who sent a request, as far as Linkwell can tell: the address rate limits count against.
public struct ClientAddress: Sendable, Hashable, CustomStringConvertible {
    /// nil when the connection's address is not known (e.g. a test without a socket).
    public let ip: IPAddress?

    public init(_ ip: IPAddress?) { self.ip = ip }

    /// The key rate limits count under: an IPv4 address, or the /64 network of an IPv6 address (one home or
    /// phone is given a whole /64, so counting single IPv6 addresses would give each client millions of budgets).
    public var rateLimitKey: String {
        guard let ip else { return "unknown" }
        if ip.isV4 { return ip.description }
        return IPAddress(bytes: Array(ip.bytes.prefix(8)) + Array(repeating: 0, count: 8)).description + "/64"
    }

    public var description: String { ip?.description ?? "unknown" }
}

/// The proxies (load balancers, reverse proxies) whose `X-Forwarded-For` header Linkwell believes. From any
/// other peer the header is ignored: anyone can write it, so believing it would let a client pick the
/// address its rate limits are counted under.
public struct TrustedProxies: Sendable, Equatable {
    public let ranges: [IPRange]

    public static let none = TrustedProxies(ranges: [])

    public init(ranges: [IPRange]) { self.ranges = ranges }

    /// Reads a comma-separated list of addresses and CIDR networks, e.g. `10.0.0.1,10.0.0.0/8,fd00::/8`.
    public static func parse(_ list: String, field: String = "trusted-proxies") -> Result<TrustedProxies, FieldError> {
        var ranges: [IPRange] = []
        for item in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            guard let range = IPRange(item) else { return .failure(FieldError.apiOnly(field, "'\(item)' is not an IP address or a CIDR network (e.g. 10.0.0.0/8).")) }
            ranges.append(range)
        }
        return .success(TrustedProxies(ranges: ranges))
    }

    /// `parse`, throwing `LinkwellError.invalid` for a bad item.
    public init(parsing list: String) throws {
        switch Self.parse(list) {
        case .success(let proxies): self = proxies
        case .failure(let problem): throw LinkwellError.invalid([problem])
        }
    }

    public func trusts(_ ip: IPAddress) -> Bool { ranges.contains { $0.contains(ip) } }

    /// The client's address: the connection's peer, unless the peer is a trusted proxy, in which case the
    /// `X-Forwarded-For` list (every header value, in order) is read from the right, skipping trusted
    /// proxies, to the first address that is not one — the nearest hop no trusted proxy vouches beyond.
    /// Entries further left were written by the client and are never used.
    public func clientAddress(peer: String?, forwardedFor: [String]) -> ClientAddress {
        guard let peerIP = peer.flatMap({ IPAddress($0) }) else { return ClientAddress(nil) }
        guard trusts(peerIP) else { return ClientAddress(peerIP) }
        var current = peerIP
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { String($0) }
        for hop in hops.reversed() {
            // A hop that is not an address (e.g. "unknown") cannot be followed: the last proxy is the client.
            guard let ip = IPAddress(hop) else { return ClientAddress(current) }
            current = ip
            guard trusts(ip) else { return ClientAddress(ip) }
        }
        return ClientAddress(current)
    }
}
