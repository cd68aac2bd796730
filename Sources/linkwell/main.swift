import LinkwellCommands

await LinkwellCommand.main()
