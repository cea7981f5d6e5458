namespace Amber.Grains.Hosting;

/// <summary>Timing of leases, liveness and reconciliation, the same on every silo of a cluster.</summary>
public sealed class SchedulingOptions
{
    /// <summary>How long a lease lasts without renewal (workers renew at a third of it).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a run with gang size W &gt; 1 may gather before its members are released and it goes back to the queue, so
    /// workers never hold slots indefinitely for a gang that cannot form.
    /// </summary>
    public TimeSpan GatheringTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Training checkpoints a run keeps (the newest); older ones are deleted by the worker that wrote the next.</summary>
    public int CheckpointsKept { get; set; } = 2;

    /// <summary>A worker silent for this long is shown as lost (its leases lapse on their own).</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often workers send a heartbeat.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Period of each sweep's reconciliation reminder: it asks the sweep's active runs to take back lapsed leases (a run
    /// grain whose silo died has no timer until something calls it) and re-announces the sweep's work to the scheduler.
    /// </summary>
    public TimeSpan ReconcilePeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a worker may take to write a sweep's summary before another worker gets it.</summary>
    public TimeSpan SummaryLeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a sweep writes its cached run table when only run changes happened (they are recoverable from the run grains).</summary>
    public TimeSpan SweepFlushInterval { get; set; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>Names of the storage providers the grains use; every hosting profile registers them.</summary>
public static class StorageNames
{
    /// <summary>Grain state (sweeps, runs, workers, scheduler, registry).</summary>
    public const string State = "amber";

    /// <summary>Orleans' stream pub-sub state.</summary>
    public const string PubSub = "PubSubStore";
}
