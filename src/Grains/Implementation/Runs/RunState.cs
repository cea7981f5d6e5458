using System.Collections.Immutable;

namespace Amber.Grains.Runs;

/// <summary>A worker of the gang that holds the current attempt.</summary>
/// <param name="WorkerId">The worker.</param>
/// <param name="Rank">Its 0-based rank (order of joining).</param>
/// <param name="LeaseExpiresAt">When its lease lapses unless renewed.</param>
/// <param name="Endpoint">Its ring listener (host:port) as its worker advertised it; null when none.</param>
[GenerateSerializer, Immutable]
public sealed record GangMember(string WorkerId, int Rank, DateTimeOffset LeaseExpiresAt, string? Endpoint = null);

/// <summary>
/// The state of one run. <see cref="Attempt"/> counts starts: each Queued → Gathering/Running transition begins a new
/// attempt, so results from an older attempt can always be told apart and refused.
/// </summary>
[GenerateSerializer, Immutable]
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
    long Version,
    DateTimeOffset? GatheringDeadline = null)
{
    /// <summary>A new queued run.</summary>
    public static RunState Create(string runId, string sweepId, string trialId, int fold, int seed, int gangSize, int maxRetries) =>
        new(runId, sweepId, trialId, fold, seed, gangSize, maxRetries, RunStatus.Queued, 0, 0, [], null, 0);

    /// <summary>The earliest lease expiry among the gang, or null when nobody holds it.</summary>
    public DateTimeOffset? LeaseExpiresAt => Members.IsEmpty ? null : Members.Min(m => m.LeaseExpiresAt);

    /// <summary>When the grain must next look at the clock: the earliest lease expiry, or the gathering deadline if sooner.</summary>
    public DateTimeOffset? NextDeadline => Status == RunStatus.Gathering && GatheringDeadline is { } g && (LeaseExpiresAt is not { } l || g < l) ? g : LeaseExpiresAt;
}
