using System.Runtime.CompilerServices;
using Amber.Grains.Runs;
using Amber.Grains.Contracts;
using Amber.Silo.Auth;
using Amber.Silo.Execution;
using Amber.Silo.Hosting;
using Amber.Silo.Scheduling;
using Amber.Silo.Store;
using Amber.Silo.Store.Sqlite;
using Amber.Silo.Workers;
using Amber.Storage.Blobs;
using Amber.Storage.Blobs.FileSystem;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Amber.Silo.Embedded;

/// <summary>What an embedded silo runs on.</summary>
public sealed class EmbeddedSiloOptions
{
    /// <summary>Folder for state and blobs: state in "{Directory}/state.db", blobs in "{Directory}/blobs" unless <see cref="Blobs"/> is given.</summary>
    public string Directory { get; set; } = ".amber";

    /// <summary>The executor the in-process workers run (required).</summary>
    public IRunExecutor? Executor { get; set; }

    /// <summary>Called when trials and the sweep finish (aggregates, summary.parquet); optional.</summary>
    public ISweepCompletionHandler? CompletionHandler { get; set; }

    /// <summary>The artifact store; a <see cref="FileSystemBlobStore"/> under <see cref="Directory"/> by default.</summary>
    public IBlobStore? Blobs { get; set; }

    /// <summary>In-process workers (default: one per core).</summary>
    public int Workers { get; set; } = Environment.ProcessorCount;

    /// <summary>Runs each worker executes at once.</summary>
    public int SlotsPerWorker { get; set; } = 1;

    /// <summary>Serve the HTTP API (and the dashboard, when mapped) on this URL, e.g. "http://127.0.0.1:5080"; null: no HTTP.</summary>
    public string? Url { get; set; }

    /// <summary>User tokens for the HTTP API (a random one is generated when empty and <see cref="Url"/> is set).</summary>
    public IReadOnlyList<string> UserTokens { get; set; } = [];

    /// <summary>Lease and heartbeat timing.</summary>
    public SchedulerOptions Scheduler { get; set; } = new();

    /// <summary>Worker poll interval while idle.</summary>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Logging (silent by default).</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Extra endpoints (e.g. the dashboard) mapped on the HTTP app before it starts.</summary>
    public Action<WebApplication>? ConfigureApp { get; set; }
}

/// <summary>A sweep's counters at one moment.</summary>
public sealed record SweepProgress(string SweepId, string Status, int PlannedRuns, int Succeeded, int Failed, int Cancelled, int Running, int Queued, bool Completed);

/// <summary>
/// The whole cluster in one process, for <c>amber run</c>: SQLite state under a folder, a blob store, N in-process
/// workers running the same worker loop remote workers run, and optionally the HTTP API on a URL.
/// </summary>
public sealed class EmbeddedSilo : IAsyncDisposable
{
    private readonly SqliteStateStore store;
    private readonly InProcessWorkerPool pool;
    private readonly WebApplication? app;

    private EmbeddedSilo(SqliteStateStore store, SiloScheduler scheduler, InProcessWorkerPool pool, WebApplication? app, Uri? url, string? userToken)
    {
        this.store = store;
        Scheduler = scheduler;
        this.pool = pool;
        this.app = app;
        Url = url;
        UserToken = userToken;
    }

    /// <summary>The scheduler (and through it the store and the event hub).</summary>
    public SiloScheduler Scheduler { get; }

    /// <summary>Where the HTTP API listens, or null.</summary>
    public Uri? Url { get; }

    /// <summary>A user token accepted by the HTTP API (null without HTTP).</summary>
    public string? UserToken { get; }

    /// <summary>Opens (or creates) the state under <see cref="EmbeddedSiloOptions.Directory"/>, starts workers and, if asked, HTTP.</summary>
    public static async Task<EmbeddedSilo> StartAsync(EmbeddedSiloOptions options, CancellationToken cancellationToken = default)
    {
        var executor = options.Executor ?? throw new ArgumentException("EmbeddedSiloOptions.Executor is required", nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Workers, 1);
        string dir = Path.GetFullPath(options.Directory);
        var store = new SqliteStateStore(Path.Combine(dir, "state.db"));
        await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        var blobs = options.Blobs ?? new FileSystemBlobStore(Path.Combine(dir, "blobs"));
        var scheduler = new SiloScheduler(store, blobs, options.Scheduler, TimeProvider.System, options.CompletionHandler,
            options.LoggerFactory?.CreateLogger<SiloScheduler>());
        await scheduler.StartAsync(cancellationToken).ConfigureAwait(false);

        WebApplication? app = null;
        Uri? url = null;
        string? token = null;
        if (options.Url is not null)
        {
            token = options.UserTokens.Count > 0 ? options.UserTokens[0] : Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            app = SiloApplication.Build(scheduler, new SiloAuthOptions { UserTokens = options.UserTokens.Count > 0 ? options.UserTokens : [token] }, options.Url);
            options.ConfigureApp?.Invoke(app);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        }

        var logger = options.LoggerFactory?.CreateLogger<WorkerAgent>();
        var pool = InProcessWorkerPool.Local(scheduler, options.Workers, executor, i => new WorkerAgentOptions
        {
            Capabilities = new WorkerCapabilities($"local-{i}", options.SlotsPerWorker, 1),
            IdlePollInterval = options.IdlePollInterval,
        }, logger);
        return new EmbeddedSilo(store, scheduler, pool, app, url, token);
    }

    /// <summary>Validates and queues a sweep; throws <see cref="Grains.Specs.SweepSpecException"/> listing every problem.</summary>
    public Task<SweepRecord> SubmitSweepAsync(string specText, string source = "sweep", CancellationToken cancellationToken = default) =>
        Scheduler.SubmitAsync(specText, source, cancellationToken);

    /// <summary>The sweep's counters now.</summary>
    public async Task<SweepProgress> GetProgressAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        var s = await Scheduler.Store.GetSweepAsync(sweepId, cancellationToken).ConfigureAwait(false)
                ?? throw new KeyNotFoundException($"sweep '{sweepId}' does not exist");
        var runs = await Scheduler.Store.GetRunsAsync(sweepId, null, cancellationToken).ConfigureAwait(false);
        return new SweepProgress(sweepId, s.State.Status.ToString().ToLowerInvariant(), s.State.PlannedRuns, s.State.Succeeded, s.State.Failed, s.State.Cancelled,
            runs.Count(r => r.State.Status.IsActive()), runs.Count(r => r.State.Status == RunStatus.Queued), s.HandledAt is not null);
    }

    /// <summary>
    /// Events of one sweep from the moment enumeration starts (run started/requeued/finished, epoch progress, trial and
    /// sweep finished) until it completes. Events are not replayed: to see every event of a new sweep, subscribe to
    /// <c>Scheduler.Events</c> before <see cref="SubmitSweepAsync"/>, or read counters with <see cref="GetProgressAsync"/>.
    /// </summary>
    public async IAsyncEnumerable<SiloEvent> WatchAsync(string sweepId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reader = Scheduler.Events.Subscribe(cts.Token);
        // Subscribed first, then checked: a sweep that completed before the subscription still ends the stream.
        if ((await Scheduler.Store.GetSweepAsync(sweepId, cancellationToken).ConfigureAwait(false))?.HandledAt is not null) yield break;
        await foreach (var e in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (e.SweepId != sweepId) continue;
            yield return e;
            if (e.Kind == "sweep-completed") yield break;
        }
    }

    /// <summary>Waits until the sweep finished and its completion handler ran, then returns its results.</summary>
    public async Task<SweepResults> WaitForSweepAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        await Scheduler.WaitForSweepAsync(sweepId, cancellationToken).ConfigureAwait(false);
        return (await Scheduler.LoadSweepResultsAsync(sweepId, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Stops workers (running attempts are requeued), the HTTP app, the scheduler and the store.</summary>
    public async ValueTask DisposeAsync()
    {
        await pool.DisposeAsync().ConfigureAwait(false);
        if (app is not null)
        {
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
        await Scheduler.DisposeAsync().ConfigureAwait(false);
        await store.DisposeAsync().ConfigureAwait(false);
    }
}
