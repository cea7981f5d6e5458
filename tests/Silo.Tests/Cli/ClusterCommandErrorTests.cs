using Amber.Silo.Tests.Experiment;

namespace Amber.Silo.Tests.Cli;

/// <summary>
/// Bad cluster options of <c>amber silo</c> and <c>amber worker</c>, run as a user runs them: one line naming the option,
/// exit code 2, no stack trace, and never the password of the connection string.
/// </summary>
public sealed class ClusterCommandErrorTests : IDisposable
{
    private readonly ExperimentTempDir dir = new();

    public void Dispose() => dir.Dispose();

    [Theory]
    [InlineData("--cluster", "mysql:Server=db;Password=hunter2-secret", "unknown scheme 'mysql'")]
    [InlineData("--cluster", "postgres:Password=hunter2-secret", "is not a PostgreSQL connection string")]
    [InlineData("--kubernetes", null, "--kubernetes: POD_NAME")]
    [InlineData("--tls-cert", "missing.pem", "mutual TLS needs both --tls-cert and --tls-ca")]
    public async Task Silo_refuses_bad_cluster_options_in_one_line(string option, string? value, string expected)
    {
        string[] args = value is null ? ["silo", option, "--user-token", "t-0123456789abcdef"] : ["silo", option, value, "--user-token", "t-0123456789abcdef"];
        var result = await ExperimentTools.AmberAsync(dir.Path, TimeSpan.FromMinutes(1), args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Stderr + result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.Stderr + result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_refuses_both_gateways_and_cluster()
    {
        var result = await ExperimentTools.AmberAsync(dir.Path, TimeSpan.FromMinutes(1),
            "worker", "--gateways", "127.0.0.1:30000", "--cluster", "postgres:Host=db;Password=hunter2-secret");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--gateways and --cluster both name the silos", result.Stderr + result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }
}
