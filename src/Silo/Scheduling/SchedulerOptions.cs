namespace Amber.Silo.Scheduling;

/// <summary>Timing of leases, heartbeats and the reaper loop.</summary>
public sealed class SchedulerOptions
{
    /// <summary>How long a lease lasts without renewal (workers renew at a third of it).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often expired leases and silent workers are looked for.</summary>
    public TimeSpan ReapInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often workers send a heartbeat.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A worker silent for this long is declared lost.</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
