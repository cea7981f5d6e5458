using System.CommandLine;

namespace Amber.Cli.Commands;

/// <summary>
/// One top-level `amber` command (or group: `data`, `features`, `run`, `silo`, `worker`, `sweep`, `bench`).
/// Program discovers every implementation in this assembly, so adding a command touches no shared file.
/// </summary>
public interface ICommandModule
{
    /// <summary>Builds the command with its options, subcommands and actions.</summary>
    Command Build();
}
