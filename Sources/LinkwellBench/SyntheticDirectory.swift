import Foundation
import LinkwellCore

/// A synthetic, UK-like directory for benchmarks: services placed by population around real UK
/// towns, ~300 taxonomy terms with skewed (Zipf) popularity, and descriptions drawn from a vocabulary
/// in which the most common word appears in about 10% of services, not 90%. Deterministic per seed.
public struct SyntheticDirectory: Sendable {
    /// Town, latitude, longitude, population in thousands (approximate, public figures).
    static let towns: [(String, Double, Double, Double)] = [
        ("London", 51.507, -0.128, 8900), ("Birmingham", 52.486, -1.890, 1150), ("Manchester", 53.480, -2.242, 550),
        ("Leeds", 53.800, -1.549, 790), ("Glasgow", 55.864, -4.252, 630), ("Liverpool", 53.408, -2.991, 500),
        ("Sheffield", 53.381, -1.470, 580), ("Bristol", 51.455, -2.588, 470), ("Edinburgh", 55.953, -3.189, 520),
        ("Cardiff", 51.481, -3.179, 360), ("Leicester", 52.637, -1.139, 370), ("Coventry", 52.407, -1.512, 370),
        ("Bradford", 53.796, -1.759, 540), ("Belfast", 54.597, -5.930, 340), ("Nottingham", 52.954, -1.158, 330),
        ("Newcastle", 54.978, -1.618, 300), ("Southampton", 50.910, -1.404, 250), ("Portsmouth", 50.820, -1.088, 210),
        ("Plymouth", 50.375, -4.143, 260), ("Norwich", 52.630, 1.297, 140), ("Hull", 53.767, -0.327, 260),
        ("Stoke-on-Trent", 53.003, -2.179, 250), ("Derby", 52.922, -1.476, 260), ("Wolverhampton", 52.587, -2.129, 260),
        ("Sunderland", 54.906, -1.383, 270), ("Swansea", 51.621, -3.944, 240), ("Aberdeen", 57.150, -2.094, 200),
        ("Dundee", 56.462, -2.971, 150), ("Exeter", 50.718, -3.534, 130), ("York", 53.960, -1.087, 200),
        ("Oxford", 51.752, -1.258, 150), ("Cambridge", 52.205, 0.122, 145), ("Ipswich", 52.057, 1.148, 140),
        ("Brighton", 50.822, -0.137, 290), ("Reading", 51.454, -0.978, 170), ("Milton Keynes", 52.041, -0.759, 260),
        ("Preston", 53.763, -2.703, 140), ("Blackpool", 53.817, -3.036, 140), ("Middlesbrough", 54.574, -1.235, 140),
        ("Carlisle", 54.892, -2.932, 75), ("Inverness", 57.478, -4.224, 47), ("Truro", 50.263, -5.051, 20),
        ("Lincoln", 53.234, -0.538, 100), ("Shrewsbury", 52.707, -2.754, 72), ("Hereford", 52.056, -2.716, 60),
    ]

    static let needs = ["Loneliness", "Low mood", "Anxiety", "Debt", "Benefits", "Housing", "Employment", "Carer support", "Bereavement",
                        "Physical activity", "Long-term conditions", "Food", "Digital skills", "Arts", "Nature", "Parenting", "Sleep",
                        "Weight", "Smoking", "Alcohol", "Learning", "Volunteering", "Faith", "Heritage", "Sport", "Music", "Dementia",
                        "Autism", "Sight loss", "Hearing loss"]
    // Kept clear of the common words below, so that no common word is in every name.
    static let aspects = ["groups", "mentoring", "guidance", "courses", "sessions", "peer mentoring", "outreach", "activities",
                          "clubs", "helpline"]

    /// The most common description words, most common first.
    public static let common = """
        group support friendly weekly local free community help people meet walk older advice garden café volunteers session
        women men carers young families tea chat exercise gentle learn skills arts craft music singing reading library centre
        church hall park online phone telephone befriending lunch food cooking healthy wellbeing mental health anxiety confidence
        social isolation lonely benefits debt money housing employment training course workshop class drop-in appointment referral
        disability wheelchair dementia memory stroke diabetes heart breathing pain sleep bereavement grief parents babies toddlers
        allotment nature outdoor conservation woodland cycling swimming yoga tai chi dance football bowls chess quiz games knitting
        sewing woodwork repair shed computer digital tablet internet job cv interview volunteering faith mosque temple gurdwara
        language english esol polish urdu punjabi bengali somali arabic refugee asylum migrant veterans lgbtq autism learning
        """.split(whereSeparator: \.isWhitespace).map(String.init)

    public let vocabulary: [String]
    let cumulative: [Double]
    /// About 300 taxonomy terms with skewed popularity.
    public let terms: [HSDSTaxonomyTerm]
    public let termCumulative: [Double]
    let townCumulative: [Double]
    public let taxonomy = HSDSTaxonomy(id: syntheticUUID(0x7a0, 1), name: "Synthetic needs", description: "Generated for benchmarks.")

    public init() {
        // The common words first, then a long tail of made-up but pronounceable words.
        let syllables = ["ba", "ro", "li", "ne", "ka", "tu", "mi", "so", "de", "va", "po", "ri", "ga", "le", "mo", "zu", "fe", "hi"]
        var words = Self.common
        var i = 0
        while words.count < 1500 {
            words.append(syllables[i % 18] + syllables[(i / 18) % 18] + syllables[(i / 324) % 18] + "n")
            i += 7
        }
        vocabulary = words
        cumulative = Self.cumulate(words.indices.map { 1 / Double($0 + 1).squareRoot() })
        var terms: [HSDSTaxonomyTerm] = []
        for need in Self.needs {
            for aspect in Self.aspects {
                let n = terms.count + 1
                terms.append(HSDSTaxonomyTerm(id: syntheticUUID(0x7e0, n), code: "SYN-\(n)", name: "\(need): \(aspect)",
                                              description: "\(need) \(aspect)", taxonomyID: taxonomy.id, taxonomy: taxonomy.name))
            }
        }
        self.terms = terms // 300
        termCumulative = Self.cumulate(terms.indices.map { 1 / pow(Double($0 + 1), 1.1) })
        townCumulative = Self.cumulate(Self.towns.map(\.3))
    }

    static func cumulate(_ weights: [Double]) -> [Double] {
        var total = 0.0
        let sums = weights.map { total += $0; return total }
        return sums.map { $0 / total }
    }

    /// The index whose cumulative share first reaches `r` (a draw in [0, 1)).
    public static func pick(_ cumulative: [Double], _ r: Double) -> Int {
        var lo = 0, hi = cumulative.count - 1
        while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] < r { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    /// Postcode-like points: per town, districts named from the town's initials, each a jittered point.
    public func postcodes(perTown: Int = 40) -> [PostcodePoint] {
        var random = SplitMix64(seed: 99)
        var out: [PostcodePoint] = []
        for (t, town) in Self.towns.enumerated() {
            let letters = Array(town.0.uppercased().filter(\.isLetter))
            let area = String(letters[0]) + String(letters[min(2, letters.count - 1)])
            for n in 0..<perTown {
                let code = "\(area)\(n % 20 + 1) \(n / 20 + 1)\(Character(UnicodeScalar(65 + (t % 26))!))\(Character(UnicodeScalar(65 + (n % 26))!))"
                let spread = 0.02 + 0.002 * town.3.squareRoot()
                if let postcode = try? Postcode.normalise(code),
                   let point = try? GeoPoint(latitude: town.1 + random.normal() * spread, longitude: town.2 + random.normal() * spread * 1.6) {
                    out.append(PostcodePoint(postcode: postcode, point: point))
                }
            }
        }
        return out
    }

    public func organisation(_ n: Int) -> HSDSOrganization {
        HSDSOrganization(id: syntheticUUID(0x0a0, n), name: "Community Organisation \(n)", description: "A synthetic community organisation.")
    }

    /// Service number `n` (1-based), belonging to organisation `1 + (n - 1) / 5`.
    public func service(_ n: Int) -> HSDSService {
        var random = SplitMix64(seed: UInt64(n) &* 0x9E37_79B9_7F4A_7C15)
        let town = Self.towns[Self.pick(townCumulative, random.unit())]
        let spread = 0.02 + 0.002 * town.3.squareRoot()
        let lat = min(60.8, max(49.9, town.1 + random.normal() * spread)), lon = min(1.8, max(-8.2, town.2 + random.normal() * spread * 1.6))
        var chosen = Set<Int>()
        let wordCount = 6 + Int(random.unit() * 6)
        while chosen.count < wordCount { chosen.insert(Self.pick(cumulative, random.unit())) }
        let termCount = 1 + Int(random.unit() * 2.5)
        var termIndexes = Set<Int>()
        while termIndexes.count < termCount { termIndexes.insert(Self.pick(termCumulative, random.unit())) }
        let mainTerm = terms[termIndexes.min()!]
        let id = syntheticUUID(0x5e0, n)
        let words = chosen.sorted().map { vocabulary[$0] }
        let roll = random.unit()
        let status: HSDSServiceStatus = roll < 0.90 ? .active : roll < 0.95 ? .temporarilyClosed : roll < 0.98 ? .defunct : .inactive
        var s = HSDSService(id: id, organizationID: syntheticUUID(0x0a0, 1 + (n - 1) / 5), name: "\(town.0) \(mainTerm.description.lowercased()) \(n)",
                            description: "A \(words.prefix(3).joined(separator: " ")) service for \(words.dropFirst(3).joined(separator: ", ")).", status: status)
        s.lastModified = Date(timeIntervalSince1970: 1_700_000_000 + Double(n % 50_000) * 600)
        let location = HSDSLocation(id: syntheticUUID(0x10c, n), name: "\(town.0) venue \(n % 997)", latitude: lat, longitude: lon,
                                    accessibility: random.unit() < 0.4 ? [HSDSAccessibility(id: syntheticUUID(0xacc, n), description: "Step-free access")] : nil)
        var schedules: [HSDSSchedule] = []
        for k in 0..<(1 + Int(random.unit() * 3)) {
            let opens = 9 + Int(random.unit() * 11)
            schedules.append(HSDSSchedule(id: syntheticUUID(0x5c0 + k, n), byday: WeeklyTime.dayCodes[Int(random.unit() * 7)],
                                          opensAt: String(format: "%02d:00", opens), closesAt: String(format: "%02d:%02d", opens + 1 + Int(random.unit() * 2), 30)))
        }
        s.serviceAtLocations = [HSDSServiceAtLocation(id: syntheticUUID(0x5a1, n), serviceID: id, location: location, schedules: schedules)]
        s.attributes = termIndexes.sorted().enumerated().map { k, t in HSDSAttribute(id: syntheticUUID(0xa70 + k, n), linkID: id, taxonomyTermID: terms[t].id) }
        s.languages = [HSDSLanguage(id: syntheticUUID(0x1a9, n), name: "English", code: "en")]
        if random.unit() < 0.1 { s.languages!.append(HSDSLanguage(id: syntheticUUID(0x1aa, n), name: "Polish", code: "pl")) }
        if random.unit() < 0.3 { s.costOptions = [HSDSCostOption(id: syntheticUUID(0xc05, n), option: "per session", currency: "GBP", amount: 2 + Double(n % 5))] }
        let ages = random.unit()
        if ages < 0.1 { s.minimumAge = 60 } else if ages < 0.15 { (s.minimumAge, s.maximumAge) = (16, 25) } else if ages < 0.3 { s.minimumAge = 18 }
        return s
    }

    /// The whole directory in batches of `size` services (organisations alongside their first service).
    public func batches(services: Int, size: Int = 500) -> some Sequence<DirectoryBatch> {
        stride(from: 1, through: services, by: size).lazy.map { start in
            let range = start...min(services, start + size - 1)
            let orgs = Set(range.map { 1 + ($0 - 1) / 5 }).sorted().map(organisation)
            return DirectoryBatch(organizations: orgs, services: range.map(service))
        }
    }
}

extension SplitMix64 {
    /// A standard normal draw (Box–Muller).
    mutating func normal() -> Double { (-2 * log(max(unit(), 1e-12))).squareRoot() * cos(2 * .pi * unit()) }
}
