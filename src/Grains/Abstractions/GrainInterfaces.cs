using Amber.Grains.Contracts;
using Orleans.Concurrency;

namespace Amber.Grains;

/// <summary>
/// One sweep, keyed by its id: the validated spec, its trials and the runs' outcomes keyed by run id (so a retried
/// report can never count twice), the parallel budget, completion and the summary task.
/// </summary>
public interface ISweepGrain : IGrainWithStringKey
{
    /// <summary>Validates and plans the sweep (idempotent for the same document). Throws <see cref="Specs.SweepSpecException"/>.</summary>
    Task<SweepInfo> SubmitAsync(SweepSubmission submission);

    /// <summary>The sweep, or null when no sweep has this id.</summary>
    [ReadOnly]
    Task<SweepInfo?> GetAsync();

    /// <summary>Cancels the sweep and its unfinished runs; null when no sweep has this id.</summary>
    Task<SweepInfo?> CancelAsync(string reason);

    /// <summary>The document the sweep was submitted with, or null when no sweep has this id.</summary>
    [ReadOnly]
    Task<string?> GetSpecTextAsync();

    /// <summary>The trials with their counts, by index.</summary>
    [ReadOnly]
    Task<IReadOnlyList<TrialInfo>> GetTrialsAsync();

    /// <summary>The runs in queue order, as the sweep last heard of them.</summary>
    [ReadOnly]
    Task<IReadOnlyList<SweepRunInfo>> GetRunsAsync();

    /// <summary>The sweep's spec and every trial with its runs' committed results (metrics and artifacts); null when unknown.</summary>
    Task<SweepResults?> GetResultsAsync();

    /// <summary>Called by the scheduler: work of this sweep for <paramref name="workerId"/>, or null when it has none now.</summary>
    Task<WorkItem?> TryLeaseAsync(string workerId);

    /// <summary>
    /// Asked by a run grain after each epoch its running attempt reported when the sweep prunes: the reason to stop it
    /// now, or null to continue. Interleaves (the answer reads only the sweep's in-memory curves), so a run grain waiting
    /// for it can never deadlock with a sweep that is calling that run.
    /// </summary>
    [AlwaysInterleave]
    Task<string?> ShouldPruneAsync(string runId, int attempt, EpochProgress progress);

    /// <summary>A run of this sweep changed (sent by the run grain without waiting; the sweep's reminder reconciles lost ones).</summary>
    [OneWay]
    Task RunChangedAsync(RunInfo run);

    /// <summary>The worker holding summary attempt <paramref name="attempt"/> finished it (with <paramref name="error"/> if it failed).</summary>
    Task<bool> CompleteSummaryAsync(string workerId, int attempt, string? error);
}

/// <summary>
/// One run (trial × fold × seed), keyed by its id: attempts, leases with a timer, attempt fencing, progress, and the
/// committed results. A finished run never changes.
/// </summary>
public interface IRunGrain : IGrainWithStringKey
{
    /// <summary>Leases (a rank of) the run to <paramref name="workerId"/>; the plan initialises a run grain on first use.</summary>
    Task<RunLeaseResult> LeaseAsync(RunPlan plan, string workerId);

    /// <summary>Extends the worker's lease of the attempt.</summary>
    Task<RunAck> RenewAsync(string workerId, int attempt);

    /// <summary>Records one epoch of the attempt (and renews its lease).</summary>
    Task<RunAck> ReportProgressAsync(string workerId, int attempt, EpochProgress progress);

    /// <summary>
    /// Records a checkpoint rank 0 of the current attempt wrote (and renews its lease). The run keeps the newest few;
    /// the answer lists the older ones it dropped, whose blobs the caller deletes.
    /// </summary>
    Task<CheckpointAck> RecordCheckpointAsync(string workerId, int attempt, CheckpointRef checkpoint);

    /// <summary>Commits the attempt's results; a repeat of the same commit is acknowledged without effect.</summary>
    Task<RunAck> CompleteAsync(string workerId, int attempt, RunOutcome outcome);

    /// <summary>Reports the attempt failed; the run is retried or fails for good.</summary>
    Task<RunAck> FailAsync(string workerId, int attempt, string reason);

    /// <summary>Cancels the run unless it finished; null when the run grain was never initialised.</summary>
    Task<RunInfo?> CancelAsync(string reason);

    /// <summary>Takes back lapsed leases now (the timer does this on its own; the sweep's reminder calls it after failures).</summary>
    Task<RunInfo?> CheckLeaseAsync();

    /// <summary>The run, or null when never initialised.</summary>
    [ReadOnly]
    Task<RunInfo?> GetAsync();

    /// <summary>The committed results (succeeded) or the failure reason; null when not finished.</summary>
    [ReadOnly]
    Task<RunResult?> GetResultAsync();

    /// <summary>The learning curve of the latest attempt, by epoch.</summary>
    [ReadOnly]
    Task<IReadOnlyList<CurvePoint>> GetCurveAsync();
}

/// <summary>The scheduling grain (one per cluster, key 0): hands work to idle worker lanes across all running sweeps.</summary>
public interface ISchedulerGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Long poll of an idle worker lane: work as soon as some is available, or null after <paramref name="wait"/>.
    /// Interleaves with other calls, so many lanes wait at once. Cancelling the call (a worker stopping) ends the wait.
    /// </summary>
    [AlwaysInterleave]
    Task<WorkItem?> NextAsync(string workerId, TimeSpan wait, CancellationToken cancellationToken = default);

    /// <summary>A new sweep has work.</summary>
    Task AddSweepAsync(string sweepId);

    /// <summary>A sweep may have work again (a run requeued, a slot freed, the sweep finished and needs its summary).</summary>
    [OneWay]
    Task WorkAvailableAsync(string sweepId);

    /// <summary>The sweep is completed: no more work will come from it.</summary>
    [OneWay]
    Task SweepCompletedAsync(string sweepId);

    /// <summary>Adds a worker to the directory.</summary>
    Task AddWorkerAsync(string workerId);

    /// <summary>Registered workers.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<string>> ListWorkersAsync();

    /// <summary>Idle lanes now and live workers (for "why pending").</summary>
    [AlwaysInterleave]
    Task<CapacityInfo> GetCapacityAsync();
}

/// <summary>A worker process's identity in the cluster, keyed by worker id: capabilities, liveness, current runs.</summary>
public interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>Registers (or re-registers after a restart) with its capabilities.</summary>
    Task<WorkerInfo> RegisterAsync(WorkerCapabilities capabilities);

    /// <summary>Heartbeat with the runs the worker executes now.</summary>
    Task HeartbeatAsync(IReadOnlyList<string> runs);

    /// <summary>The worker leaves the cluster.</summary>
    Task LeaveAsync();

    /// <summary>The worker, or null when it never registered.</summary>
    [ReadOnly]
    Task<WorkerInfo?> GetAsync();
}

/// <summary>The index of sweeps (grain state is not queryable, so the registry owns the list), key 0.</summary>
public interface ISweepRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Adds a sweep (idempotent).</summary>
    Task AddAsync(string sweepId, DateTimeOffset createdAt);

    /// <summary>Sweep ids, newest first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> ListAsync();
}

/// <summary>
/// A feature set (corpus × features × labels) prepared once for every sweep that needs it: split into shards that idle
/// workers extract in parallel, then assembled into a manifest. Sweeps hand its steps out before their runs, and their runs
/// wait until it is settled.
/// </summary>
public interface IFeatureSetGrain : IGrainWithStringKey
{
    /// <summary>Starts preparing the set if nobody has (a sweep that needs it calls this); the sweep is told when it settles.</summary>
    Task<FeatureSetInfo> PrepareAsync(FeatureSetRequest request, string sweepId);

    /// <summary>The set's state.</summary>
    Task<FeatureSetInfo> GetAsync();

    /// <summary>A step for <paramref name="workerId"/> if one is free (a lapsed lease is taken back first), and the set's state.</summary>
    Task<FeatureLeaseResult> TryLeaseAsync(string workerId);

    /// <summary>Extends the lease of a step the worker holds; false when it no longer holds it (stop working on it).</summary>
    Task<bool> RenewAsync(string workerId, FeatureStep step, int index, int attempt);

    /// <summary>The worker's answer to a step; false when the step's lease had moved on (the answer is dropped).</summary>
    Task<bool> CompleteAsync(string workerId, FeatureTaskResult result);
}

