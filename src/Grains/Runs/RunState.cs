using System.Collections.Immutable;

namespace Amber.Grains.Runs;

/// <summary>Lifecycle of a run.</summary>
public enum RunStatus
{
    /// <summary>Waiting for workers (see the pending reason).</summary>
    Queued,
    /// <summary>Some, not all, of its gang hold a lease (W &gt; 1 only).</summary>
    Gathering,
    /// <summary>Its whole gang holds the lease and trains.</summary>
    Running,
    /// <summary>Finished with results.</summary>
    Succeeded,
    /// <summary>Finished after exhausting its retries; the reason is kept.</summary>
    Failed,
    /// <summary>Finished because it or its sweep was cancelled.</summary>
    Cancelled,
}

/// <summary>Helpers on <see cref="RunStatus"/>.</summary>
public static class RunStatusExtensions
{
    /// <summary>Succeeded, failed or cancelled: the run can never change again.</summary>
    public static bool IsFinished(this RunStatus s) => s is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled;

    /// <summary>Holds leases (gathering or running): counts against the sweep's parallel budget.</summary>
    public static bool IsActive(this RunStatus s) => s is RunStatus.Gathering or RunStatus.Running;

    /// <summary>Lower-case name used in the API and the store.</summary>
    public static string ToWire(this RunStatus s) => s.ToString().ToLowerInvariant();

    /// <summary>Reads <see cref="ToWire"/>.</summary>
    public static RunStatus ParseRunStatus(string s) => Enum.Parse<RunStatus>(s, ignoreCase: true);
}

/// <summary>A worker of the gang that holds the current attempt.</summary>
/// <param name="WorkerId">The worker.</param>
/// <param name="Rank">Its 0-based rank (order of joining).</param>
/// <param name="LeaseExpiresAt">When its lease lapses unless renewed.</param>
public sealed record GangMember(string WorkerId, int Rank, DateTimeOffset LeaseExpiresAt);

/// <summary>
/// The state of one run. <see cref="Attempt"/> counts starts: each Queued → Gathering/Running transition begins a new
/// attempt, so results from an older attempt can always be told apart and refused.
/// </summary>
public sealed record RunState(
    string RunId,
    string SweepId,
    string TrialId,
    int Fold,
    int Seed,
    int GangSize,
    int MaxRetries,
    RunStatus Status,
    int Attempt,
    int Failures,
    ImmutableArray<GangMember> Members,
    string? LastError,
    long Version)
{
    /// <summary>A new queued run.</summary>
    public static RunState Create(string runId, string sweepId, string trialId, int fold, int seed, int gangSize, int maxRetries) =>
        new(runId, sweepId, trialId, fold, seed, gangSize, maxRetries, RunStatus.Queued, 0, 0, [], null, 0);

    /// <summary>The earliest lease expiry among the gang, or null when nobody holds it.</summary>
    public DateTimeOffset? LeaseExpiresAt => Members.IsEmpty ? null : Members.Min(m => m.LeaseExpiresAt);
}
