using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Amber.Grains.Specs;
using Amber.Silo.Embedded;
using Amber.Silo.Execution;
using Amber.Silo.Results;
using Amber.Storage.Blobs.FileSystem;
using Amber.Storage.Results;
using Spectre.Console;

namespace Amber.Cli.Commands;

/// <summary>
/// <c>amber run</c>, the main job: synthesize (or reuse) the default corpus, extract features, run the default sweep
/// (cross-entropy vs AmbER², leave-one-session-out, seeds) on an embedded silo with in-process workers, print the results
/// table with per-ambiguity-level rows, and write the Parquet files.
/// </summary>
public sealed class RunCommand : ICommandModule
{
    /// <inheritdoc />
    public Command Build()
    {
        var corpus = new Option<string?>("--corpus") { Description = "synthetic (default), synthetic:<dir>, iemocap:<path> or msp:<path>; replaces the sweep's corpus" };
        var features = new Option<string?>("--features") { Description = "builtin (default) or npy:<dir>; replaces the sweep's features" };
        var sweep = new Option<string?>("--sweep") { Description = "Sweep document (YAML/JSON) instead of the built-in default" };
        var outDir = new Option<string>("--out") { Description = "Folder for state (state.db), blobs and the synthetic corpus", DefaultValueFactory = _ => ".amber" };
        var quick = new Option<bool>("--quick") { Description = "The quick sweep: one seed, few epochs (about a minute on two cores)" };
        var dashboard = new Option<bool>("--dashboard") { Description = "Serve the dashboard on 127.0.0.1 while running, print its URL (with a one-time token) and keep serving after the sweep until Ctrl+C" };
        var workers = new Option<int>("--workers") { Description = "In-process workers", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command("run", "Run an experiment end to end (default: ce vs amber2 on a synthetic IEMOCAP-shaped corpus) and print the results table")
        {
            corpus, features, sweep, outDir, quick, dashboard, workers,
        };
        cmd.SetAction((pr, ct) => SiloCliSupport.RunAsync(async () =>
        {
            var settings = new RunSettings(pr.GetValue(corpus), pr.GetValue(features), pr.GetValue(sweep), pr.GetValue(outDir)!, pr.GetValue(quick), pr.GetValue(workers),
                pr.GetValue(dashboard));
            return await ExecuteAsync(settings, ct).ConfigureAwait(false);
        }));
        return cmd;
    }

    private sealed record RunSettings(string? Corpus, string? Features, string? SweepFile, string Out, bool Quick, int Workers, bool Dashboard);

    private static async Task<int> ExecuteAsync(RunSettings settings, CancellationToken ct)
    {
        if (settings.Workers < 1) throw new ArgumentException($"--workers {settings.Workers}: expected at least 1");
        if (settings.Quick && settings.SweepFile is not null) throw new ArgumentException("--quick and --sweep exclude each other: --quick selects the built-in quick sweep");
        var clock = Stopwatch.StartNew();
        if (Console.IsOutputRedirected)
        {
            // Logs and pipes get plain text, one table row per line.
            AnsiConsole.Profile.Width = 160;
            AnsiConsole.Profile.Capabilities.Ansi = false;
        }

        string source = settings.SweepFile ?? (settings.Quick ? "sweeps/quick.yaml (built in)" : "sweeps/default.yaml (built in)");
        string text = settings.SweepFile is not null ? RunSweepText.FromFile(settings.SweepFile) : RunSweepText.BuiltIn(settings.Quick ? "quick" : "default");
        if (settings.Corpus is not null) text = RunSweepText.WithTopLevel(text, "corpus", settings.Corpus);
        if (settings.Features is not null) text = RunSweepText.WithTopLevel(text, "features", settings.Features);
        var spec = SweepSpecParser.Parse(text, source);   // every problem with its line, before anything starts

        var outDir = Path.GetFullPath(settings.Out);
        Directory.CreateDirectory(outDir);
        var blobs = new FileSystemBlobStore(Path.Combine(outDir, "blobs"));
        var executor = new TrainingRunExecutor(new TrainingExecutorOptions { WorkDirectory = outDir });
        var protocol = new RunProtocol(spec.Corpus, spec.Features, spec.Labels, spec.Protocol.Folds[0], spec.Protocol.Folds.Length, spec.Protocol.Seeds[0], spec.Protocol.Validation);

        var set = await AnsiConsole.Status().StartAsync($"preparing corpus '{spec.Corpus}' and features '{spec.Features}'", async _ =>
            await executor.Features.GetAsync(protocol, blobs, ct).ConfigureAwait(false)).ConfigureAwait(false);
        if (settings.SweepFile is null && set.Splits.Any(s => s.Length > 0))
        {
            // A corpus with official splits (MSP-Podcast) is tested on each of its Test sets instead of five sessions.
            int tests = set.Splits.Where(s => s.StartsWith("Test", StringComparison.OrdinalIgnoreCase)).Distinct(StringComparer.OrdinalIgnoreCase).Count();
            if (tests == 0) throw new ArgumentException($"corpus {spec.Corpus} has official splits ({string.Join(", ", set.Splits.Distinct())}) but none named Test1, Test2, …");
            text = RunSweepText.WithFoldCount(text, tests);
        }
        var prepared = clock.Elapsed;
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"corpus and features ready in {prepared.TotalSeconds:0.0} s ({executor.Features.PrefixFor(protocol)})");

        await using var silo = await EmbeddedSilo.StartAsync(new EmbeddedSiloOptions
        {
            Directory = outDir,
            Blobs = blobs,
            Executor = executor,
            CompletionHandler = new SweepSummaryHandler(),
            Workers = settings.Workers,
            Url = settings.Dashboard ? RunDashboard.Url : null,                     // --dashboard (see RunDashboard)
            ConfigureApp = settings.Dashboard ? RunDashboard.Configure : null,
        }, ct).ConfigureAwait(false);
        if (settings.Dashboard) RunDashboard.PrintUrl(silo);
        var record = await silo.SubmitSweepAsync(text, source, ct).ConfigureAwait(false);
        string sweepId = record.State.SweepId;
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"sweep {sweepId} ({spec.Name}): {record.State.PlannedRuns} runs on {settings.Workers} in-process workers");

        await AnsiConsole.Progress().AutoClear(false).StartAsync(async ctx =>
        {
            var task = ctx.AddTask("runs", maxValue: record.State.PlannedRuns);
            while (true)
            {
                var p = await silo.GetProgressAsync(sweepId, ct).ConfigureAwait(false);
                task.Value = p.Succeeded + p.Failed + p.Cancelled;
                task.Description = string.Create(CultureInfo.InvariantCulture, $"runs: {p.Succeeded} done, {p.Running} running, {p.Failed} failed");
                if (p.Completed) break;
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        var results = await silo.WaitForSweepAsync(sweepId, ct).ConfigureAwait(false);

        var failed = results.Trials.SelectMany(t => t.Runs).Where(r => r.Status != "succeeded").ToList();
        foreach (var f in failed) await Console.Error.WriteLineAsync($"run {f.RunId} {f.Status}: {f.FailureReason}").ConfigureAwait(false);
        var summary = await ResultsReader.ReadSummaryAsync(blobs, sweepId, ct).ConfigureAwait(false);
        if (summary is null)
        {
            await Console.Error.WriteLineAsync($"error: sweep {sweepId} finished ({results.Status}) without a summary; no run produced results").ConfigureAwait(false);
            return 1;
        }
        var methods = results.Trials.OrderBy(t => t.TrialIndex)
            .Select(t => (t.TrialId, results.Trials.Count(o => o.Parameters.Method == t.Parameters.Method) > 1 ? $"{t.Parameters.Method} #{t.TrialIndex}" : t.Parameters.Method))
            .ToList();
        AnsiConsole.Write(RunResultsTable.Build(summary.Rows, methods));

        var folder = Path.Combine(outDir, "blobs", "results", sweepId);
        Console.WriteLine($"results: {folder}{Path.DirectorySeparatorChar} (summary.parquet; <trial>/<fold>-<seed>/metrics.parquet, predictions.parquet, curves.parquet)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wall time {clock.Elapsed.TotalSeconds:0.0} s (corpus and features {prepared.TotalSeconds:0.0} s)"));
        int exitCode = failed.Count == 0 ? 0 : 1;
        if (settings.Dashboard) await RunDashboard.ServeUntilStoppedAsync(silo, ct).ConfigureAwait(false);
        return exitCode;
    }
}
