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
    /// <summary>Stopped early by the sweep's pruner: its learning curve was not promising. Finished, not failed.</summary>
    Pruned,
}

/// <summary>Helpers on <see cref="RunStatus"/>.</summary>
public static class RunStatusExtensions
{
    /// <summary>Succeeded, failed, cancelled or pruned: the run can never change again.</summary>
    public static bool IsFinished(this RunStatus s) => s is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled or RunStatus.Pruned;

    /// <summary>Holds leases (gathering or running): counts against the sweep's parallel budget.</summary>
    public static bool IsActive(this RunStatus s) => s is RunStatus.Gathering or RunStatus.Running;

    /// <summary>Lower-case name used in the API and the store.</summary>
    public static string ToWire(this RunStatus s) => s.ToString().ToLowerInvariant();

    /// <summary>Reads <see cref="ToWire"/>.</summary>
    public static RunStatus ParseRunStatus(string s) => Enum.Parse<RunStatus>(s, ignoreCase: true);
}
