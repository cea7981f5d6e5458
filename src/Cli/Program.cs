using System.CommandLine;
using Amber.Cli.Commands;

var root = new RootCommand("amber — ambiguity-aware emotion recognition (AmbER²) sweeps, training and results");
foreach (var type in typeof(ICommandModule).Assembly.GetTypes()
             .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICommandModule).IsAssignableFrom(t))
             .OrderBy(t => t.Name, StringComparer.Ordinal))
{
    root.Subcommands.Add(((ICommandModule)Activator.CreateInstance(type)!).Build());
}
return await root.Parse(args).InvokeAsync();
