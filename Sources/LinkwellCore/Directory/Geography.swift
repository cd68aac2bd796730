import Foundation

/// A WGS84 point.
public struct GeoPoint: Sendable, Equatable, Codable {
    public var latitude: Double
    public var longitude: Double

    /// Refuses impossible coordinates (and NaN), naming the field.
    public init(latitude: Double, longitude: Double, field: String = "point") throws(LinkwellError) {
        var v = Validator()
        if !(latitude >= -90 && latitude <= 90) { v.add("\(field).latitude", .latitudeOutOfRange) }
        if !(longitude >= -180 && longitude <= 180) { v.add("\(field).longitude", .longitudeOutOfRange) }
        try v.check()
        (self.latitude, self.longitude) = (latitude, longitude)
    }

    /// Distance in kilometres on an equirectangular projection: within 0.5% of great-circle distance
    /// at the ranges a link worker searches (under 200 km), and the same arithmetic SQL can do.
    public func kilometres(to other: GeoPoint) -> Double {
        Self.kilometresPerDegree * (Self.squaredDegrees(from: self, to: other)).squareRoot()
    }

    public static let kilometresPerDegree = 111.195

    /// The squared distance in degrees of latitude (longitude scaled by the cosine of `from`'s latitude).
    public static func squaredDegrees(from: GeoPoint, to: GeoPoint) -> Double {
        let dy = to.latitude - from.latitude
        let dx = (to.longitude - from.longitude) * cos(from.latitude * .pi / 180)
        return dy * dy + dx * dx
    }
}

extension Postcode {
    /// The normal form (`LS1 4AP`), or a clear error naming the field when the shape is not a UK postcode.
    public static func normalise(_ raw: String, field: String = "postcode") throws(LinkwellError) -> String {
        guard let normal = normalised(raw) else {
            throw .invalid([FieldError(field, .postcodeNotUK, ["value": raw])])
        }
        return normal
    }
}

/// One row of a postcode lookup.
public struct PostcodePoint: Sendable, Equatable {
    public var postcode: String
    public var point: GeoPoint
    public init(postcode: String, point: GeoPoint) { (self.postcode, self.point) = (postcode, point) }

    /// Reads a CSV in the ONS Postcode Directory's layout: a header row naming `pcds`, `lat` and `long`
    /// among any other columns. Rows with no coordinates (terminated or unlocated postcodes) are skipped;
    /// malformed rows are refused with their line number.
    public static func parseONSCSV(_ text: String) throws(LinkwellError) -> [PostcodePoint] {
        var reader = ONSPostcodeReader()
        for line in text.split(whereSeparator: \.isNewline) { try reader.read(line: String(line)) }
        return try reader.finish()
    }
}

/// Reads the ONS Postcode Directory a line at a time: the full file is over a gigabyte (about 2.7 million
/// rows of some 50 columns), so it is never held whole; only each located postcode's coordinates are kept.
/// Nothing is returned until every line has been read and found good, so a bad file loads nothing.
public struct ONSPostcodeReader: Sendable {
    private var columns: (postcode: Int, latitude: Int, longitude: Int)?
    private var lineNumber = 0
    private var points: [PostcodePoint] = []
    private var v = Validator()
    /// A file this broken is refused without reading the rest.
    public static let maxProblems = 20

    public init() {}

    /// The next line of the file (without its line break); the first is the header.
    public mutating func read(line: String) throws(LinkwellError) {
        lineNumber += 1
        let n = lineNumber
        guard let (pc, lat, lon) = columns else {
            let names = CSV.fields(line).map { $0.lowercased().trimmingCharacters(in: .whitespaces) }
            guard let pc = names.firstIndex(of: "pcds"), let lat = names.firstIndex(of: "lat"), let lon = names.firstIndex(of: "long") else {
                throw .invalid([.apiOnly("postcodes", "The postcode file needs the ONS columns pcds, lat and long.")])
            }
            columns = (pc, lat, lon)
            return
        }
        if line.isEmpty { return }
        let f = CSV.fields(line)
        if v.errors.count >= Self.maxProblems {
            v.addAPIOnly("postcodes", "Stopped at line \(n): too many bad lines.")
            try v.check()
        }
        guard f.count > max(pc, lat, lon) else { v.addAPIOnly("line \(n)", "Too few columns."); return }
        // Postcodes without coordinates (blank, or the ONS's 99.999999) are skipped, not refused.
        if f[lat].trimmingCharacters(in: .whitespaces).isEmpty || f[lon].trimmingCharacters(in: .whitespaces).isEmpty { return }
        guard let la = Double(f[lat]), let lo = Double(f[lon]) else { v.addAPIOnly("line \(n)", "Latitude and longitude must be numbers."); return }
        if la == 99.999999 { return } // the ONS marks unlocated postcodes this way
        do {
            points.append(PostcodePoint(postcode: try Postcode.normalise(f[pc], field: "line \(n)"),
                                        point: try GeoPoint(latitude: la, longitude: lo, field: "line \(n)")))
        } catch {
            if case .invalid(let errors) = error { v.add(all: errors) }
        }
    }

    /// Every located postcode read, once the whole file has been read and found good.
    public func finish() throws(LinkwellError) -> [PostcodePoint] {
        guard columns != nil else { throw .invalid([.apiOnly("postcodes", "The postcode file is empty.")]) }
        try v.check()
        return points
    }
}

/// Splits bytes read a chunk at a time into lines (LF or CRLF), however the chunks fall.
public struct LineSplitter: Sendable {
    private var pending: [UInt8] = []
    public init() {}

    /// The complete lines in what has been read so far; a line cut by the chunk's end waits for the next.
    public mutating func lines(in chunk: some Sequence<UInt8>) -> [String] {
        var out: [String] = []
        for byte in chunk {
            if byte == UInt8(ascii: "\n") {
                if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
                out.append(String(decoding: pending, as: UTF8.self))
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
            }
        }
        return out
    }

    /// The last line, when the input does not end with a line break.
    public mutating func finish() -> String? {
        defer { pending.removeAll() }
        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
        return pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self)
    }
}

/// Minimal RFC 4180 CSV field splitting (quoted fields, doubled quotes).
public enum CSV {
    public static func fields(_ line: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        var chars = line.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = chars.next() {
                        if next == "\"" { current.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else { current.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { fields.append(current); current = "" }
            else if c != "\r" { current.append(c) }
        }
        fields.append(current)
        return fields
    }

    /// Splits a whole document into rows, honouring newlines inside quoted fields.
    public static func rows(_ text: String) -> [[String]] {
        var rows: [String] = [], current = "", quoted = false
        for c in text {
            if c == "\"" { quoted.toggle() }
            if (c == "\n" || c == "\r\n") && !quoted {
                if !current.trimmingCharacters(in: .whitespaces).isEmpty { rows.append(current) }
                current = ""
            } else { current.append(c) }
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { rows.append(current) }
        return rows.map(fields)
    }
}
