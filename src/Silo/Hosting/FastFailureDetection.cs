using Orleans.Configuration;

namespace Amber.Silo.Hosting;

/// <summary>
/// Membership settings of the multi-silo profiles, tuned so that a silo killed with SIGKILL is declared dead in about
/// 1–2 s instead of Orleans' default 6–19 s (measured on this project's machines, DEPENDENCIES.md), with no false deaths
/// under four busy loops on two cores. A dead silo's grains (sweeps, runs, the scheduler) re-activate on a survivor only
/// after that declaration, so this bounds how long the cluster's coordination pauses when a silo is lost.
/// </summary>
public static class FastFailureDetection
{
    /// <summary>How long a probe may go unanswered (default 5 s).</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes before a silo suspects another (default 3).</summary>
    public const int NumMissedProbesLimit = 2;

    /// <summary>How often each silo re-reads the membership table (default 60 s).</summary>
    public static readonly TimeSpan TableRefreshTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How often each silo writes its heartbeat into the table (default 30 s).</summary>
    public static readonly TimeSpan IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How often clients (workers) re-read the list of live gateways (default 60 s).</summary>
    public static readonly TimeSpan GatewayListRefreshPeriod = TimeSpan.FromSeconds(5);

    /// <summary>Applies the settings above to a silo.</summary>
    public static ISiloBuilder UseFastFailureDetection(this ISiloBuilder silo)
    {
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = ProbeTimeout;
            o.NumMissedProbesLimit = NumMissedProbesLimit;
            o.TableRefreshTimeout = TableRefreshTimeout;
            o.IAmAliveTablePublishTimeout = IAmAliveTablePublishTimeout;
        });
        return silo;
    }
}
