import LinkwellTesting
import LinkwellWeb

extension TestScheme {
    /// The web application's settings for tests: bcrypt at its lowest cost, everything else as shipped.
    var configuration: WebConfiguration { WebConfiguration(bcryptCost: 4) }
}
