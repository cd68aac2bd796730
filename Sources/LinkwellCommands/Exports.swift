@_exported import ArgumentParser
