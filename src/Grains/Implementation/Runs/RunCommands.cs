namespace Amber.Grains.Runs;

/// <summary>A command to a run grain.</summary>
public abstract record RunCommand;

/// <summary>A worker takes (a rank of) the run; the lease lasts <paramref name="Duration"/> from <paramref name="Now"/>.</summary>
/// <param name="WorkerId">The worker.</param>
/// <param name="Now">The grain's clock.</param>
/// <param name="Duration">Lease length.</param>
/// <param name="Endpoint">The worker's ring listener (host:port), or null when it advertised none.</param>
/// <param name="GatheringTimeout">
/// How long a gang of W &gt; 1 may stay incomplete: the first member's lease starts the clock, and when it runs out the
/// members are released and the run goes back to the queue (null: no limit).
/// </param>
public sealed record LeaseRun(string WorkerId, DateTimeOffset Now, TimeSpan Duration, string? Endpoint = null, TimeSpan? GatheringTimeout = null) : RunCommand;

/// <summary>Rank 0 of attempt <paramref name="Attempt"/> wrote a checkpoint (accepted only while it is current; extends the lease).</summary>
public sealed record RecordCheckpoint(string WorkerId, int Attempt, DateTimeOffset Now, TimeSpan Duration) : RunCommand;

/// <summary>The worker extends its lease of attempt <paramref name="Attempt"/>.</summary>
public sealed record RenewLease(string WorkerId, int Attempt, DateTimeOffset Now, TimeSpan Duration) : RunCommand;

/// <summary>The worker reports progress of attempt <paramref name="Attempt"/> (accepted only while it is current; extends the lease).</summary>
public sealed record ReportProgress(string WorkerId, int Attempt, DateTimeOffset Now, TimeSpan Duration) : RunCommand;

/// <summary>Attempt <paramref name="Attempt"/> finished successfully.</summary>
public sealed record CompleteRun(string WorkerId, int Attempt) : RunCommand;

/// <summary>Attempt <paramref name="Attempt"/> failed with <paramref name="Reason"/>.</summary>
public sealed record FailRun(string WorkerId, int Attempt, string Reason) : RunCommand;

/// <summary>The scheduler's clock check: leases that lapsed at <paramref name="Now"/> are taken back.</summary>
public sealed record ExpireLeases(DateTimeOffset Now) : RunCommand;

/// <summary>The run (or its sweep) is cancelled.</summary>
public sealed record CancelRun(string Reason) : RunCommand;

/// <summary>The sweep's pruner stopped attempt <paramref name="Attempt"/> after an epoch it reported.</summary>
public sealed record PruneRun(int Attempt, string Reason) : RunCommand;

/// <summary>The run started a new attempt (its whole gang holds it).</summary>
public sealed record RunStarted(string RunId, int Attempt, IReadOnlyList<string> Workers) : GrainEvent;

/// <summary>A worker joined the gang of a run that is still gathering.</summary>
public sealed record GangJoined(string RunId, int Attempt, string WorkerId, int Rank) : GrainEvent;

/// <summary>The run became active (took a slot of the sweep's parallel budget).</summary>
public sealed record RunActivated(string RunId, string SweepId) : GrainEvent;

/// <summary>The run went back to the queue; its workers were released.</summary>
public sealed record RunRequeued(string RunId, string SweepId, int Attempt, string Reason, bool WasActive, IReadOnlyList<string> ReleasedWorkers) : GrainEvent;

/// <summary>The run finished (succeeded, failed or cancelled).</summary>
public sealed record RunFinished(string RunId, string SweepId, string TrialId, RunStatus Status, int Attempt, string? Reason, bool WasActive, IReadOnlyList<string> ReleasedWorkers) : GrainEvent;
