using System.Diagnostics;
using System.Globalization;
using Amber.Grains;
using Amber.Grains.Contracts;
using Amber.Grains.Sweeps;
using Amber.Silo.Hosting;
using Amber.Storage.Blobs.FileSystem;
using Amber.Worker;
using Amber.Worker.Execution;
using Amber.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Amber.Bench;

/// <summary>
/// `./bench.sh scheduler`: N no-op runs (default 10,000) through the real path on the embedded profile: an Orleans silo
/// with grain state in SQLite, and W worker processes' worth of Orleans clients (default 8, each its own client
/// connected through the gateway over loopback TCP) running the worker agent. Each run is a long-poll lease, E progress
/// reports (default 4, each an epoch of the learning curve), and a commit carrying M metric rows (default 44: 11 metrics ×
/// 4 ambiguity levels). Reports the amortized wall time per run and the metric rows committed per second.
/// </summary>
public sealed class SchedulerBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "scheduler";

    /// <inheritdoc />
    public async Task<int> RunAsync(string[] args)
    {
        var o = Options.Parse(args);
        string dir = Path.Combine(Path.GetTempPath(), "amber-bench-scheduler-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            await using var silo = AmberSilo.Build(new AmberSiloOptions
            {
                Urls = "http://127.0.0.1:0",
                UserTokens = ["bench-user-token"],
                StateDatabase = Path.Combine(dir, "state.db"),
                Cluster = o.Cluster,
                OrleansLogLevel = LogLevel.Error,
            });
            await silo.StartAsync().ConfigureAwait(false);
            var profile = silo.Services.GetRequiredService<SiloProfile>();
            var gateway = WorkerHost.ParseGateways($"127.0.0.1:{profile.GatewayPort}");
            var blobs = new FileSystemBlobStore(Path.Combine(dir, "blobs"));

            var hosts = new List<IHost>();
            for (int i = 0; i < o.Workers; i++) hosts.Add(await WorkerHost.ConnectAsync(gateway, LogLevel.Warning, CancellationToken.None).ConfigureAwait(false));
            var executor = new NoOpRunExecutor(epochs: o.Epochs, metricRows: o.MetricRows);
            using var stop = new CancellationTokenSource();
            var agents = hosts.Select((h, i) => new WorkerAgent(h.Client(), executor, blobs, new WorkerAgentOptions
            {
                WorkerId = $"bench-{i}",
                Capabilities = new WorkerCapabilities($"bench-{i}", 1, 1),
                LongPoll = TimeSpan.FromSeconds(5),
            })).ToList();
            var running = agents.Select(a => Task.Run(() => a.RunAsync(stop.Token))).ToList();

            // trials × 5 folds × 2 seeds = runs; a grid over an int dimension gives exactly the trials asked for.
            int trials = Math.Max(1, o.Runs / 10);
            string spec = $"name: scheduler-bench\nmethod: ce\nspace: {{hidden: {{type: int, low: 1, high: {trials}}}}}\n" +
                          $"protocol: {{folds: 5, seeds: [1, 2]}}\nbudget: {{max_trials: {trials}, max_parallel_runs: {o.Workers * 4}}}\n";
            var client = silo.Services.GetRequiredService<IClusterClient>();
            string id = SweepIds.New(DateTimeOffset.UtcNow);
            var sweep = client.GetGrain<ISweepGrain>(id);
            var stopwatch = Stopwatch.StartNew();
            var info = await sweep.SubmitAsync(new SweepSubmission(spec, "bench", DateTimeOffset.UtcNow)).ConfigureAwait(false);
            while (!(info = (await sweep.GetAsync().ConfigureAwait(false))!).Completed) await Task.Delay(20).ConfigureAwait(false);
            stopwatch.Stop();
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(running).ConfigureAwait(false);
            if (info.Status != SweepStatus.Succeeded || info.Succeeded != info.PlannedRuns)
                throw new InvalidOperationException($"sweep ended {info.Status} with {info.Succeeded}/{info.PlannedRuns} succeeded");

            // Every committed run holds its rows: count them back from the grains.
            var results = (await sweep.GetResultsAsync().ConfigureAwait(false))!;
            long rows = results.Trials.SelectMany(t => t.Runs).Sum(r => (long)r.Metrics.Count);
            if (rows != (long)info.PlannedRuns * o.MetricRows) throw new InvalidOperationException($"expected {info.PlannedRuns * o.MetricRows} metric rows, found {rows}");
            long curvePoints = (long)info.PlannedRuns * o.Epochs;
            foreach (var h in hosts)
            {
                await h.StopAsync().ConfigureAwait(false);
                h.Dispose();
            }
            await silo.StopAsync().ConfigureAwait(false);

            double ms = stopwatch.Elapsed.TotalMilliseconds / info.PlannedRuns;
            double rowsPerSecond = (rows + curvePoints) / stopwatch.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"scheduler[orleans-{(o.Cluster.Kind == ClusterKind.Localhost ? "sqlite" : o.Cluster.Kind.ToString().ToLowerInvariant())}]: runs={info.PlannedRuns} workers={o.Workers} epochs={o.Epochs} metric_rows={rows} curve_points={curvePoints} wall_s={stopwatch.Elapsed.TotalSeconds:0.000} ms_per_run={ms:0.000} metric_rows_per_s={rowsPerSecond:0}"));
            return 0;
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    private sealed record Options(int Runs, int Workers, int Epochs, int MetricRows, ClusterSpec Cluster)
    {
        public static Options Parse(string[] args)
        {
            int runs = 10_000, workers = 8, epochs = 4, rows = 44;
            var cluster = ClusterSpec.Localhost;   // --cluster postgres:…: grain state, membership and reminders in PostgreSQL
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--runs": runs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--workers": workers = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--epochs": epochs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--metric-rows": rows = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--cluster": cluster = ClusterSpec.Parse(Next()); break;
                    default: throw new ArgumentException($"unknown option '{args[i]}'; expected --runs N, --workers N, --epochs N, --metric-rows N, --cluster postgres:…");
                }
            }
            if (runs < 10 || runs % 10 != 0) throw new ArgumentException($"--runs {runs} must be a positive multiple of 10 (trials × 5 folds × 2 seeds)");
            return new Options(runs, workers, epochs, rows, cluster);
        }
    }
}
