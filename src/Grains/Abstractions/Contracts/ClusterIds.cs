namespace Amber.Grains.Contracts;

/// <summary>The Orleans ids every Amber silo and client uses (one service per deployment); silos and workers must agree.</summary>
public static class ClusterIds
{
    /// <summary>Orleans ClusterId.</summary>
    public const string Cluster = "amber";

    /// <summary>Orleans ServiceId: grain state is keyed by it, so it never changes between releases.</summary>
    public const string Service = "amber";
}
