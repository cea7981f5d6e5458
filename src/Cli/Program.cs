using System.CommandLine;
using Amber.Cli.Commands;

var root = new RootCommand("amber — ambiguity-aware emotion recognition (AmbER²) sweeps, training and results");
foreach (var type in typeof(ICommandModule).Assembly.GetTypes()
             .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICommandModule).IsAssignableFrom(t))
             .OrderBy(t => t.Name, StringComparer.Ordinal))
{
    root.Subcommands.Add(((ICommandModule)Activator.CreateInstance(type)!).Build());
}
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // Usage errors (an unknown option, '--workers abc') are bad input: one line each and exit code 2.
    foreach (var error in parsed.Errors) Console.Error.WriteLine($"error: {error.Message}");
    Console.Error.WriteLine("see 'amber --help' or 'amber <command> --help'");
    return 2;
}
return await parsed.InvokeAsync();
