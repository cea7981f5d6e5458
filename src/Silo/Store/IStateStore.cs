using Amber.Grains;
using Amber.Grains.Runs;
using Amber.Grains.Scheduling;
using Amber.Grains.Sweeps;
using Amber.Grains.Trials;
using Amber.Grains.Workers;
using Amber.Grains.Contracts;
using Amber.Silo.Execution;

namespace Amber.Silo.Store;

/// <summary>
/// The only writer of silo state. Every change goes through a grain decision and is written in one transaction in which
/// each row is guarded by its version, so concurrent silos sharing one database never both win the same change
/// (in particular, never hand one run to two workers). Two backends: SQLite (embedded) and PostgreSQL (cluster).
/// </summary>
public interface IStateStore : IAsyncDisposable
{
    /// <summary>Backend name for logs and benchmarks ("sqlite", "postgres").</summary>
    string Backend { get; }

    /// <summary>Creates or upgrades the schema to the newest version (idempotent; safe with several silos starting at once).</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>The schema version now in the database.</summary>
    Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts a sweep with all its trials and runs in one transaction.</summary>
    Task CreateSweepAsync(NewSweep sweep, CancellationToken cancellationToken = default);

    /// <summary>A sweep, or null.</summary>
    Task<SweepRecord?> GetSweepAsync(string sweepId, CancellationToken cancellationToken = default);

    /// <summary>All sweeps, newest first.</summary>
    Task<IReadOnlyList<SweepRecord>> ListSweepsAsync(CancellationToken cancellationToken = default);

    /// <summary>The trials of a sweep by index.</summary>
    Task<IReadOnlyList<TrialState>> GetTrialsAsync(string sweepId, CancellationToken cancellationToken = default);

    /// <summary>The runs of a sweep (optionally one trial) in queue order.</summary>
    Task<IReadOnlyList<RunRecord>> GetRunsAsync(string sweepId, string? trialId = null, CancellationToken cancellationToken = default);

    /// <summary>One run, or null.</summary>
    Task<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Queued runs ahead of <paramref name="run"/> in the global queue.</summary>
    Task<int> CountQueuedAheadAsync(RunRecord run, CancellationToken cancellationToken = default);

    /// <summary>Applies a sweep command (cancel) with a version check; retried internally on conflicts.</summary>
    Task<Decision<SweepState>> ApplySweepAsync(string sweepId, SweepCommand command, CancellationToken cancellationToken = default);

    /// <summary>Marks the finished sweep's completion handler as done at <paramref name="at"/>, with its error if it failed.</summary>
    Task MarkCompletionHandledAsync(string sweepId, DateTimeOffset at, string? error, CancellationToken cancellationToken = default);

    /// <summary>Finished sweeps whose completion handler has not run to the end (a silo stopped in between).</summary>
    Task<IReadOnlyList<string>> GetUnhandledFinishedSweepsAsync(CancellationToken cancellationToken = default);

    /// <summary>Registers (or re-registers) a worker with the hash of its token.</summary>
    Task RegisterWorkerAsync(WorkerState worker, string tokenHash, CancellationToken cancellationToken = default);

    /// <summary>A worker with its token hash, or null.</summary>
    Task<WorkerRecord?> GetWorkerAsync(string workerId, CancellationToken cancellationToken = default);

    /// <summary>All workers.</summary>
    Task<IReadOnlyList<WorkerState>> ListWorkersAsync(CancellationToken cancellationToken = default);

    /// <summary>Applies a worker command (heartbeat, liveness check, deregister) with a version check.</summary>
    Task<Decision<WorkerState>> ApplyWorkerAsync(string workerId, WorkerCommand command, CancellationToken cancellationToken = default);

    /// <summary>
    /// Finds the first run <paramref name="workerId"/> may take (a gathering gang first, then the queue in order) and
    /// leases it, all in one transaction. Null when nothing can be leased now.
    /// </summary>
    Task<LeaseGrant?> LeaseAsync(string workerId, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies a run command; when accepted, also writes <paramref name="metrics"/> and <paramref name="curve"/>
    /// (keyed by run and attempt, so a repeat replaces rather than duplicates) in the same transaction.
    /// </summary>
    Task<ChangeSet> ApplyRunAsync(string runId, RunCommand command, DateTimeOffset now,
        IReadOnlyList<MetricRow>? metrics = null, EpochProgress? curve = null, IReadOnlyDictionary<string, string>? artifacts = null,
        CancellationToken cancellationToken = default);

    /// <summary>Ids of gathering/running runs with a lease that lapsed at or before <paramref name="now"/>.</summary>
    Task<IReadOnlyList<string>> GetExpiredRunIdsAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Ids of unfinished runs of a sweep.</summary>
    Task<IReadOnlyList<string>> GetUnfinishedRunIdsAsync(string sweepId, CancellationToken cancellationToken = default);

    /// <summary>Metric rows of a run's attempt (the committed one when <paramref name="attempt"/> is null).</summary>
    Task<IReadOnlyList<MetricRow>> GetMetricsAsync(string runId, int? attempt = null, CancellationToken cancellationToken = default);

    /// <summary>Learning-curve points of a run's attempt (the latest when <paramref name="attempt"/> is null), by epoch.</summary>
    Task<IReadOnlyList<CurvePoint>> GetCurveAsync(string runId, int? attempt = null, CancellationToken cancellationToken = default);

    /// <summary>Total metric rows stored (benchmarks and tests).</summary>
    Task<long> CountMetricRowsAsync(CancellationToken cancellationToken = default);
}

/// <summary>A sweep to insert: its state, the spec text, trials and runs (all queued).</summary>
public sealed record NewSweep(SweepState Sweep, string SpecText, IReadOnlyList<TrialState> Trials, IReadOnlyList<RunState> Runs);

/// <summary>A sweep as stored.</summary>
/// <param name="State">The sweep grain's state.</param>
/// <param name="SpecText">The document as submitted.</param>
/// <param name="CompletionError">Why the completion handler failed, if it did.</param>
/// <param name="HandledAt">When the completion handler finished for the finished sweep (null: not yet).</param>
public sealed record SweepRecord(SweepState State, string SpecText, string? CompletionError, DateTimeOffset? HandledAt);

/// <summary>A run as stored, with its trial index and position in the queue.</summary>
public sealed record RunRecord(RunState State, int TrialIndex, long QueueKey, DateTimeOffset UpdatedAt, IReadOnlyDictionary<string, string> Artifacts);

/// <summary>A worker as stored: its state and the SHA-256 of its token (hex).</summary>
public sealed record WorkerRecord(WorkerState State, string TokenHash);

/// <summary>A lease handed out: the run as it is now, its trial and the events (RunStarted when the gang completed).</summary>
public sealed record LeaseGrant(RunState Run, TrialState Trial, int Rank, IReadOnlyList<GrainEvent> Events);

/// <summary>A version check failed: another writer changed the row first. The operation is retried from a fresh read.</summary>
public sealed class ConcurrencyConflictException(string message) : Exception(message);
