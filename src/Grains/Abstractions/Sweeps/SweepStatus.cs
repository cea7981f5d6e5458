namespace Amber.Grains.Sweeps;

/// <summary>Lifecycle of a sweep.</summary>
public enum SweepStatus
{
    /// <summary>Runs are queued or running.</summary>
    Running,
    /// <summary>Every planned run succeeded.</summary>
    Succeeded,
    /// <summary>Every planned run finished and at least one failed.</summary>
    Failed,
    /// <summary>Cancelled by a user; its unfinished runs were cancelled.</summary>
    Cancelled,
}

/// <summary>Helpers on <see cref="SweepStatus"/>.</summary>
public static class SweepStatusExtensions
{
    /// <summary>True once the sweep can never change.</summary>
    public static bool IsFinished(this SweepStatus s) => s != SweepStatus.Running;

    /// <summary>Lower-case wire name.</summary>
    public static string ToWire(this SweepStatus s) => s.ToString().ToLowerInvariant();
}
