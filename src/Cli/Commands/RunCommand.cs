using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Amber.Grains.Specs;
using Amber.Grains.Contracts;
using Amber.Grains;
using Amber.Grains.Runs;
using Amber.Grains.Sweeps;
using Amber.Silo.Hosting;
using Amber.Worker;
using Microsoft.Extensions.DependencyInjection;
using Amber.Worker.Execution;
using Amber.Worker.Results;
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

    private const string LocalWorkerPrefix = "local-";

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
        if (executor.Features.ReportFor(protocol) is { } report)
        {
            var dropped = report.Dropped.Count == 0 ? "none" : string.Join(", ", report.Dropped.Select(d => $"{d.Key} {d.Value}"));
            Console.WriteLine($"corpus: {report.UtterancesRead} utterances read from {report.FilesRead} files, {report.Kept} kept; dropped: {dropped}" +
                              (report.MalformedLines > 0 ? $"; {report.MalformedLines} malformed lines skipped" : ""));
        }
        var prepared = clock.Elapsed;
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"corpus and features ready in {prepared.TotalSeconds:0.0} s ({executor.Features.PrefixFor(protocol)})");

        // The embedded cluster: one silo (localhost clustering, grain state in SQLite under --out, so a rerun resumes)
        // and in-process workers that talk to it through the co-hosted cluster client.
        string token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        await using var app = AmberSilo.Build(new AmberSiloOptions
        {
            Urls = RunDashboard.Url,
            UserTokens = [token],
            Blobs = blobs,
            ConfigureApp = settings.Dashboard ? RunDashboard.Configure : null,
            DataRoots = [outDir, .. RunDataRoots(spec)],
            StateDatabase = Path.Combine(outDir, "state.db"),
            OrleansLogLevel = Microsoft.Extensions.Logging.LogLevel.Error,
        });
        await app.StartAsync(ct).ConfigureAwait(false);
        if (settings.Dashboard) RunDashboard.PrintUrl(AmberSilo.Address(app), token);
        var client = app.Services.GetRequiredService<IClusterClient>();
        var (sweepId, resumed, kept) = await SubmitOrResumeAsync(client, text, source, ct).ConfigureAwait(false);
        var sweep = client.GetGrain<ISweepGrain>(sweepId);
        var info = (await sweep.GetAsync().ConfigureAwait(false))!;
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"sweep {sweepId} ({spec.Name}): {info.PlannedRuns} runs on {settings.Workers} in-process workers{(resumed ? $", resumed with {kept} finished" : "")}");

        using var stopWorkers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var agents = Enumerable.Range(0, settings.Workers).Select(i => new WorkerAgent(client, executor, blobs, new WorkerAgentOptions
        {
            WorkerId = $"{LocalWorkerPrefix}{i}",
            Capabilities = new WorkerCapabilities($"in-process {i}", 1, 1, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes >> 20),
            LongPoll = TimeSpan.FromSeconds(2),
        })).ToList();
        var running = agents.Select(a => Task.Run(() => a.RunAsync(stopWorkers.Token), CancellationToken.None)).ToList();

        await AnsiConsole.Progress().AutoClear(false).StartAsync(async ctx =>
        {
            var task = ctx.AddTask("runs", maxValue: info.PlannedRuns);
            while (true)
            {
                var p = (await sweep.GetAsync().ConfigureAwait(false))!;
                task.MaxValue = Math.Max(p.PlannedRuns, 1);   // a tpe sweep plans its runs as it asks trials
                task.Value = p.Succeeded + p.Failed + p.Cancelled;
                task.Description = string.Create(CultureInfo.InvariantCulture, $"runs: {p.Succeeded} done, {p.ActiveRuns} running, {p.Failed} failed");
                if (p.Completed) break;
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        var results = (await sweep.GetResultsAsync().ConfigureAwait(false))!;
        var completion = (await sweep.GetAsync().ConfigureAwait(false))!;

        // The runs of a pruned trial were stopped on purpose by the sweep's pruner: counted, not failures.
        var failed = results.Trials.Where(t => t.Status != "pruned").SelectMany(t => t.Runs).Where(r => r.Status != "succeeded").ToList();
        foreach (var f in failed) await Console.Error.WriteLineAsync($"run {f.RunId} {f.Status}: {f.FailureReason}").ConfigureAwait(false);
        if (results.Trials.Count(t => t.Status == "pruned") is > 0 and var prunedTrials)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{prunedTrials} of {results.Trials.Count} trials pruned (their remaining runs were not trained)"));
        var summary = await ResultsReader.ReadSummaryAsync(blobs, sweepId, ct).ConfigureAwait(false);
        if (completion.CompletionError is not null)
            await Console.Error.WriteLineAsync($"error: writing the summary of sweep {sweepId} failed: {completion.CompletionError}").ConfigureAwait(false);
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
        if (settings.Dashboard) await RunDashboard.ServeUntilStoppedAsync(AmberSilo.Address(app), token, ct).ConfigureAwait(false);
        await stopWorkers.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        return failed.Count == 0 ? 0 : 1;
    }

    /// <summary>
    /// The sweep to run: an unfinished sweep of the same document from an earlier, interrupted <c>amber run</c> with
    /// this --out (its finished runs are kept), else a new one.
    /// </summary>
    private static async Task<(string SweepId, bool Resumed, int Finished)> SubmitOrResumeAsync(IClusterClient client, string text, string source, CancellationToken ct)
    {
        foreach (var id in await client.GetGrain<ISweepRegistryGrain>(0).ListAsync().ConfigureAwait(false))
        {
            var grain = client.GetGrain<ISweepGrain>(id);
            if (await grain.GetAsync().ConfigureAwait(false) is not { Completed: false } candidate) continue;
            if (candidate.Status != Grains.Sweeps.SweepStatus.Running || await grain.GetSpecTextAsync().ConfigureAwait(false) != text) continue;
            // The in-process workers of the interrupted process are gone: their attempts end now instead of when their
            // leases lapse (the run is retried; a finished run is never touched). The run grains, not the sweep's table
            // (written at most every half second), say how many runs were already finished.
            int finished = 0;
            foreach (var entry in await grain.GetRunsAsync().ConfigureAwait(false))
            {
                var run = client.GetGrain<IRunGrain>(entry.Run.RunId);
                if (await run.GetAsync().ConfigureAwait(false) is not { } current) continue;
                if (current.Status.IsFinished()) finished++;
                if (!current.Status.IsActive()) continue;
                foreach (var worker in current.Workers.Where(w => w.StartsWith(LocalWorkerPrefix, StringComparison.Ordinal)))
                    await run.FailAsync(worker, current.Attempt, "interrupted: the amber run process that held it stopped").ConfigureAwait(false);
            }
            return (id, true, finished);
        }
        ct.ThrowIfCancellationRequested();
        string sweepId = SweepIds.New(DateTimeOffset.UtcNow);
        await client.GetGrain<ISweepGrain>(sweepId).SubmitAsync(new SweepSubmission(text, source, DateTimeOffset.UtcNow)).ConfigureAwait(false);
        return (sweepId, false, 0);
    }

    /// <summary>The folders the run's own spec reads from (the embedded silo allows exactly its own inputs).</summary>
    private static IEnumerable<string> RunDataRoots(SweepSpec spec)
    {
        foreach (string value in new[] { spec.Corpus, spec.Features })
        {
            int colon = value.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && value.Length > colon + 1) yield return value[(colon + 1)..];
        }
        if (spec.Labels.TryGetValue("extra_votes", out var votes)) yield return Path.GetDirectoryName(Path.GetFullPath(votes))!;
    }
}
