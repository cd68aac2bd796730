import LinkwellCommands

/// The executable: everything lives in `LinkwellCommands`.
@main
struct Entry {
    static func main() async {
        await LinkwellCommand.mainWithSettings()
    }
}
