import LinkwellCommands

/// The executable: everything lives in `LinkwellCommands`.
@main
struct Entry {
    static func main() async {
        LinkwellCommand.chooseExecutor()
        await LinkwellCommand.mainWithSettings()
    }
}
