using Amber.Grains.Runs;
using Amber.Grains.Sweeps;

namespace Amber.Grains.Contracts;

/// <summary>A sweep document handed to a new sweep grain.</summary>
/// <param name="SpecText">The YAML or JSON document as submitted.</param>
/// <param name="Source">Where it came from, for error messages ("request body", a file name).</param>
/// <param name="SubmittedAt">When it was submitted.</param>
[GenerateSerializer, Immutable]
public sealed record SweepSubmission(string SpecText, string Source, DateTimeOffset SubmittedAt);

/// <summary>A sweep as the cluster reports it.</summary>
/// <param name="Completed">The sweep finished and its summary outputs were written (or failed: see <paramref name="CompletionError"/>).</param>
/// <param name="FeaturesPending">While the sweep's feature set is being prepared, how far it is ("3 of 12 shards
/// extracted"); null once it is ready.</param>
[GenerateSerializer, Immutable]
public sealed record SweepInfo(
    string SweepId,
    string Name,
    SweepStatus Status,
    int PlannedRuns,
    int Succeeded,
    int Failed,
    int Cancelled,
    int ActiveRuns,
    int QueuedRuns,
    int MaxParallelRuns,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    bool Completed,
    string? CompletionError,
    string? FeaturesPending = null);

/// <summary>A trial with its parameters (typed JSON) and run counts.</summary>
[GenerateSerializer, Immutable]
public sealed record TrialInfo(string TrialId, int Index, string Status, string ParametersJson, int PlannedRuns, int Succeeded, int Failed, int Cancelled);

/// <summary>A run of a sweep as the sweep sees it, with the reason it waits (computed by the caller from a capacity snapshot).</summary>
[GenerateSerializer, Immutable]
public sealed record SweepRunInfo(RunInfo Run, int QueuePosition);

/// <summary>What kind of work a worker was handed.</summary>
[GenerateSerializer]
public enum WorkKind
{
    /// <summary>Train and evaluate one run (trial × fold × seed), or one rank of it.</summary>
    Run,

    /// <summary>Aggregate a finished sweep's run results into its summary.</summary>
    Summary,

    /// <summary>One step of preparing a feature set (plan, a shard, or the manifest).</summary>
    Features,
}

/// <summary>One piece of work for a worker lane.</summary>
/// <param name="Kind">Run or summary.</param>
/// <param name="Run">The attempt (for <see cref="WorkKind.Run"/>).</param>
/// <param name="RunStatus">Running, or gathering while the gang is incomplete.</param>
/// <param name="SweepId">The sweep (for <see cref="WorkKind.Summary"/>).</param>
/// <param name="SummaryAttempt">The summary attempt (fencing, for <see cref="WorkKind.Summary"/>).</param>
/// <param name="LeaseSeconds">Lease duration; renew well before it lapses.</param>
/// <param name="Features">The feature-set step (for <see cref="WorkKind.Features"/>).</param>
[GenerateSerializer, Immutable]
public sealed record WorkItem(WorkKind Kind, RunAssignment? Run, RunStatus RunStatus, string? SweepId, int SummaryAttempt, double LeaseSeconds,
    FeatureTask? Features = null)
{
    /// <summary>A feature-set step to do.</summary>
    public static WorkItem ForFeatures(FeatureTask task, double leaseSeconds) => new(WorkKind.Features, null, RunStatus.Queued, null, 0, leaseSeconds, task);

    /// <summary>A run to execute.</summary>
    public static WorkItem ForRun(RunAssignment run, RunStatus status, double leaseSeconds) => new(WorkKind.Run, run, status, run.SweepId, 0, leaseSeconds);

    /// <summary>A sweep summary to write.</summary>
    public static WorkItem ForSummary(string sweepId, int attempt, double leaseSeconds) => new(WorkKind.Summary, null, RunStatus.Queued, sweepId, attempt, leaseSeconds);
}

/// <summary>What a worker declares when it registers.</summary>
/// <param name="Name">A human-readable name (host name, pod name).</param>
/// <param name="Slots">Runs it executes at once.</param>
/// <param name="Cores">CPU cores.</param>
/// <param name="MemoryMb">Memory in MiB.</param>
/// <param name="Gpus">GPUs.</param>
/// <param name="Endpoint">host:port where its gang peers reach it (data-parallel collectives), or null.</param>
[GenerateSerializer, Immutable]
public sealed record WorkerCapabilities(string Name, int Slots = 1, int Cores = 1, long MemoryMb = 1024, int Gpus = 0, string? Endpoint = null);

/// <summary>A worker as the cluster reports it.</summary>
/// <param name="Status">"alive" (heartbeats arrive), "lost" (silent past the timeout) or "left".</param>
[GenerateSerializer, Immutable]
public sealed record WorkerInfo(string WorkerId, WorkerCapabilities Capabilities, string Status, IReadOnlyList<string> Runs, DateTimeOffset RegisteredAt, DateTimeOffset LastHeartbeat);

/// <summary>What the scheduler knows of the cluster's capacity at one moment (for "why pending").</summary>
/// <param name="LiveWorkers">Workers whose heartbeats arrive.</param>
/// <param name="IdleLanes">Worker lanes waiting for work right now.</param>
[GenerateSerializer, Immutable]
public sealed record CapacityInfo(int LiveWorkers, int IdleLanes);

/// <summary>
/// What observers of a sweep see: run transitions, epoch progress, trial and sweep completion. The JSON of this record
/// is the data of the API's server-sent events.
/// </summary>
/// <param name="Kind">run-started, run-requeued, run-finished, run-progress, trial-finished, sweep-finished, sweep-completed
/// (sweep-completed comes after the summary was written).</param>
/// <param name="SweepId">The sweep.</param>
/// <param name="RunId">The run, for run events.</param>
/// <param name="Status">The new status (run, trial or sweep), or null.</param>
/// <param name="Progress">The epoch values, for run-progress.</param>
/// <param name="Detail">A reason (requeue, failure) or the trial id for trial-finished.</param>
[GenerateSerializer, Immutable]
public sealed record SweepEvent(string Kind, string SweepId, string? RunId = null, string? Status = null, EpochProgress? Progress = null, string? Detail = null);

/// <summary>Names shared by publishers and subscribers of sweep events.</summary>
public static class SweepEvents
{
    /// <summary>The Orleans stream provider that carries sweep events.</summary>
    public const string StreamProvider = "amber-events";

    /// <summary>Stream namespace of one sweep's events (the stream key is the sweep id).</summary>
    public const string SweepNamespace = "sweep";

    /// <summary>Stream namespace of every sweep's transitions, without epoch progress (one stream, key <see cref="AllKey"/>).</summary>
    public const string AllNamespace = "all";

    /// <summary>The key of the one stream in <see cref="AllNamespace"/>.</summary>
    public const string AllKey = "all";
}
