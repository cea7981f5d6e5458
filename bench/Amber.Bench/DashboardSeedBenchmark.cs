using System.Diagnostics;
using System.Globalization;
using Amber.Grains;
using Amber.Grains.Contracts;
using Amber.Silo.Hosting;
using Amber.Storage.Blobs.FileSystem;
using Amber.Worker;
using Amber.Worker.Execution;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Amber.Bench;

/// <summary>
/// `amber-bench dashboard-seed --out DIR [--trials N] [--folds K] [--workers W]`: fills an embedded silo's grain state
/// (DIR/state.db, SQLite) with one finished random-search sweep of N trials × K folds (default 10,000 × 5 = 50,000 runs), each
/// run committing 36 test metric rows (9 metrics × 4 ambiguity levels) whose values depend on the trial's
/// hyperparameters plus seeded noise. bench/run-dashboard.sh then serves the store with `amber silo` and times the
/// dashboard's pages in Chromium. Prints "dashboard-seed: sweep=<id> runs=<n> wall_s=<s>".
/// </summary>
public sealed class DashboardSeedBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "dashboard-seed";

    /// <inheritdoc />
    public async Task<int> RunAsync(string[] args)
    {
        string? dir = null;
        int trials = 10_000, folds = 5, workers = 8;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out": dir = args[++i]; break;
                case "--trials": trials = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--folds": folds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--workers": workers = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'; expected --out, --trials, --folds, --workers");
            }
        }
        if (dir is null) throw new ArgumentException("--out <dir> is required");
        string spec = string.Create(CultureInfo.InvariantCulture, $"""
            name: dashboard-bench
            corpus: synthetic
            features: builtin
            protocol: {"{"}folds: {folds}, seeds: [1]{"}"}
            methods: [ce, soft, js_entropy, late_fusion, amber2_uniform, amber2]
            space:
              lr: {"{"}type: log_uniform, low: 0.0001, high: 0.01{"}"}
              dropout: {"{"}type: uniform, low: 0.0, high: 0.5{"}"}
              hidden: [64, 128, 256]
              beta: {"{"}type: uniform, low: 0.1, high: 1.0{"}"}
            sampler: {"{"}type: random, seed: 7{"}"}
            budget: {"{"}max_trials: {trials}, max_parallel_runs: 256{"}"}
            retries: 0
            """);
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(dir);
        await using var silo = AmberSilo.Build(new AmberSiloOptions
        {
            Urls = "http://127.0.0.1:0",
            UserTokens = ["seed"],
            StateDatabase = Path.Combine(dir, "state.db"),
            OrleansLogLevel = LogLevel.Error,
        });
        await silo.StartAsync().ConfigureAwait(false);
        var client = silo.Services.GetRequiredService<IClusterClient>();
        var blobs = new FileSystemBlobStore(Path.Combine(dir, "blobs"));
        using var stop = new CancellationTokenSource();
        var agents = Enumerable.Range(0, workers).Select(i => new WorkerAgent(client, new SyntheticMetricsExecutor(), blobs, new WorkerAgentOptions
        {
            WorkerId = $"seed-{i}",
            Capabilities = new WorkerCapabilities($"seed-{i}", 4, 1),
            LongPoll = TimeSpan.FromSeconds(2),
        })).Select(a => Task.Run(() => a.RunAsync(stop.Token))).ToList();
        string sweepId = SweepIds.New(DateTimeOffset.UtcNow);
        var sweep = client.GetGrain<ISweepGrain>(sweepId);
        var info = await sweep.SubmitAsync(new SweepSubmission(spec, "dashboard-seed", DateTimeOffset.UtcNow)).ConfigureAwait(false);
        while (!(await sweep.GetAsync().ConfigureAwait(false))!.Completed) await Task.Delay(200).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(agents).ConfigureAwait(false);
        await silo.StopAsync().ConfigureAwait(false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dashboard-seed: sweep={sweepId} runs={info.PlannedRuns} wall_s={clock.Elapsed.TotalSeconds:0.0}"));
        return 0;
    }

    /// <summary>Returns plausible metric rows at once: better with a lower dropout and amber2 on the high-ambiguity level.</summary>
    private sealed class SyntheticMetricsExecutor : IRunExecutor
    {
        private static readonly string[] Metrics = ["bc", "js", "kl", "r2", "r2_sample", "accuracy", "f1_macro", "f1_weighted", "ece"];
        private static readonly string[] Levels = ["all", "low", "medium", "high"];

        public Task<RunOutcome> ExecuteAsync(RunAssignment run, IRunContext context, CancellationToken cancellationToken)
        {
            var rng = new Random(HashCode.Combine(run.RunId.GetHashCode(StringComparison.Ordinal), run.Protocol.Fold));
            double dropout = run.Parameters.Get("dropout")?.AsDouble() ?? 0.2;
            bool amber = run.Parameters.Method.StartsWith("amber2", StringComparison.Ordinal);
            var rows = new List<MetricRow>(Metrics.Length * Levels.Length);
            foreach (var level in Levels)
            {
                double quality = 0.75 - 0.1 * dropout + (amber && level == "high" ? 0.02 : 0) + rng.NextDouble() * 0.03;
                foreach (var m in Metrics)
                {
                    double v = m switch { "js" or "kl" => 1 - quality - 0.4, "ece" => 0.1 + rng.NextDouble() * 0.05, _ => quality - 0.1 + rng.NextDouble() * 0.02 };
                    rows.Add(new MetricRow("test", level, m, v));
                }
            }
            return Task.FromResult(new RunOutcome(rows, new Dictionary<string, string>(), 1));
        }
    }
}
