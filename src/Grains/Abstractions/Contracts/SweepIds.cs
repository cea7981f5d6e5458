using System.Globalization;

namespace Amber.Grains.Contracts;

/// <summary>Ids of sweeps, trials and runs: URL-safe and sortable. Sweep "sw-20261124-171500-3fa2c1", trial "{sweep}-t002", run "{trial}-f3-s1".</summary>
public static class SweepIds
{
    /// <summary>A fresh sweep id from the clock and a random suffix.</summary>
    public static string New(DateTimeOffset now) =>
        $"sw-{now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";

    /// <summary>The sweep a run id belongs to (run ids start with their sweep id).</summary>
    public static string? SweepOfRun(string runId)
    {
        int t = runId.LastIndexOf("-t", StringComparison.Ordinal);
        return t > 0 ? runId[..t] : null;
    }
}
