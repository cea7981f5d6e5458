using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Amber.Grains.Sweeps;
using Amber.Grains.Contracts;
using Amber.Silo.Api;
using Amber.Silo.Auth;
using Amber.Worker.Execution;
using Amber.Silo.Hosting;
using Amber.Silo.Scheduling;
using Amber.Silo.Store;
using Amber.Silo.Store.Postgres;
using Amber.Silo.Store.Sqlite;
using Amber.Silo.Workers;
using Amber.Storage.Blobs.FileSystem;

namespace Amber.Bench;

/// <summary>
/// `./bench.sh scheduler`: N no-op runs (default 10,000) through the real HTTP API (Kestrel on 127.0.0.1, loopback
/// TCP) and the real store, executed by W in-process workers (default 8) that speak the HTTP worker protocol. Each run
/// is a lease and a completion carrying M metric rows (default 44: 11 metrics × 4 ambiguity levels). Reports the
/// amortized wall time per run and the metric rows persisted per second, for SQLite and/or PostgreSQL.
/// </summary>
public sealed class SchedulerBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "scheduler";

    /// <inheritdoc />
    public async Task<int> RunAsync(string[] args)
    {
        var o = Options.Parse(args);
        foreach (var backend in o.Backends)
        {
            var r = await MeasureAsync(backend, o).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"scheduler[{backend}]: runs={r.Runs} workers={o.Workers} metric_rows={r.MetricRows} wall_s={r.Wall.TotalSeconds:0.000} ms_per_run={r.MsPerRun:0.000} metric_rows_per_s={r.RowsPerSecond:0}"));
        }
        return 0;
    }

    private sealed record Result(int Runs, long MetricRows, TimeSpan Wall)
    {
        public double MsPerRun => Wall.TotalMilliseconds / Runs;

        public double RowsPerSecond => MetricRows / Wall.TotalSeconds;
    }

    private static async Task<Result> MeasureAsync(string backend, Options o)
    {
        string dir = Path.Combine(Path.GetTempPath(), "amber-bench-scheduler-" + Guid.NewGuid().ToString("N")[..8]);
        string schema = "bench_" + Guid.NewGuid().ToString("N")[..12];
        IStateStore store = backend switch
        {
            "sqlite" => new SqliteStateStore(Path.Combine(dir, "state.db")),
            "postgres" => new PostgresStateStore(o.Postgres ?? throw new ArgumentException("postgres needs --postgres <connection string> or AMBER_TEST_POSTGRES"), schema),
            _ => throw new ArgumentException($"backend '{backend}' is unknown; expected sqlite or postgres"),
        };
        try
        {
            await store.MigrateAsync().ConfigureAwait(false);
            var blobs = new FileSystemBlobStore(Path.Combine(dir, "blobs"));
            await using var scheduler = new SiloScheduler(store, blobs, new SchedulerOptions());
            const string user = "bench-user-token", join = "bench-join-token";
            await using var app = SiloApplication.Build(scheduler, new SiloAuthOptions { UserTokens = [user], JoinToken = join }, "http://127.0.0.1:0");
            await app.StartAsync().ConfigureAwait(false);
            var baseUri = new Uri(app.Urls.First() + "/");

            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
            using var userClient = new HttpClient(handler, disposeHandler: false) { BaseAddress = baseUri };
            userClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user);

            // trials × 5 folds × 2 seeds = runs; a grid over an int dimension gives exactly the trials asked for.
            int trials = Math.Max(1, o.Runs / 10);
            string spec = $"name: scheduler-bench\nmethod: ce\nspace: {{hidden: {{type: int, low: 1, high: {trials}}}}}\n" +
                          $"protocol: {{folds: 5, seeds: [1, 2]}}\nbudget: {{max_trials: {trials}, max_parallel_runs: {o.Workers * 4}}}\n";

            var executor = new NoOpRunExecutor(epochs: 0, metricRows: o.MetricRows);
            var clients = new List<HttpClient>();
            var stopwatch = Stopwatch.StartNew();
            using var response = await userClient.PostAsync("api/sweeps", new StringContent(spec, Encoding.UTF8, "application/yaml")).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var sweep = (await response.Content.ReadFromJsonAsync<SweepView>(SiloServices.Json).ConfigureAwait(false))!;
            await using (var pool = new InProcessWorkerPool(o.Workers, i =>
                         {
                             var c = new HttpClient(handler, disposeHandler: false) { BaseAddress = baseUri };
                             clients.Add(c);
                             return new HttpWorkerProtocol(c, join);
                         }, executor, blobs, i => new WorkerAgentOptions
                         {
                             Capabilities = new WorkerCapabilities($"bench-{i}", 1, 1),
                             IdlePollInterval = TimeSpan.FromMilliseconds(2),
                         }))
            {
                var done = await scheduler.WaitForSweepAsync(sweep.Id).WaitAsync(TimeSpan.FromMinutes(30)).ConfigureAwait(false);
                stopwatch.Stop();
                if (done.State.Status != SweepStatus.Succeeded || done.State.Succeeded != sweep.PlannedRuns)
                    throw new InvalidOperationException($"sweep ended {done.State.Status} with {done.State.Succeeded}/{sweep.PlannedRuns} succeeded");
            }
            foreach (var c in clients) c.Dispose();
            long rows = await store.CountMetricRowsAsync().ConfigureAwait(false);
            if (rows != (long)sweep.PlannedRuns * o.MetricRows)
                throw new InvalidOperationException($"expected {sweep.PlannedRuns * o.MetricRows} metric rows, found {rows}");
            await app.StopAsync().ConfigureAwait(false);
            if (store is Amber.Silo.Store.Sql.SqlStateStore sql) Console.WriteLine($"scheduler[{backend}]: conflict_retries={sql.ConflictRetries}");
            return new Result(sweep.PlannedRuns, rows, stopwatch.Elapsed);
        }
        finally
        {
            await store.DisposeAsync().ConfigureAwait(false);
            if (backend == "postgres") await DropSchemaAsync(o.Postgres!, schema).ConfigureAwait(false);
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    private static async Task DropSchemaAsync(string connectionString, string schema)
    {
        await using var c = new Npgsql.NpgsqlConnection(connectionString);
        await c.OpenAsync().ConfigureAwait(false);
        await using var cmd = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", c);
        await cmd.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private sealed record Options(IReadOnlyList<string> Backends, int Runs, int Workers, int MetricRows, string? Postgres)
    {
        public static Options Parse(string[] args)
        {
            var backends = new List<string> { "sqlite" };
            int runs = 10_000, workers = 8, rows = 44;
            string? pg = Environment.GetEnvironmentVariable("AMBER_TEST_POSTGRES");
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--backend":
                        string b = Next();
                        backends = b == "both" ? ["sqlite", "postgres"] : [b];
                        break;
                    case "--runs": runs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--workers": workers = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--metric-rows": rows = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--postgres": pg = Next(); break;
                    default: throw new ArgumentException($"unknown option '{args[i]}'; expected --backend sqlite|postgres|both, --runs N, --workers N, --metric-rows N, --postgres <cs>");
                }
            }
            if (runs < 10 || runs % 10 != 0) throw new ArgumentException($"--runs {runs} must be a positive multiple of 10 (trials × 5 folds × 2 seeds)");
            return new Options(backends, runs, workers, rows, pg);
        }
    }
}
