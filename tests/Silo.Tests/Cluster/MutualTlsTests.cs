using System.Net;
using Amber.Grains;
using Amber.Grains.Security;
using Amber.Silo.Hosting;
using Amber.Worker.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Amber.Silo.Tests.Cluster;

/// <summary>
/// Mutual TLS between a real silo and real worker clients (Orleans' TLS connection middleware, certificates made in the
/// test): a worker whose certificate the cluster's CA signed joins and calls grains; one signed by another CA, or one
/// that speaks plain TCP, cannot join.
/// </summary>
public sealed class MutualTlsTests : IAsyncLifetime, IDisposable
{
    private readonly TestCertificates certificates = new();
    private readonly string folder = Directory.CreateTempSubdirectory("amber-tls-").FullName;
    private X509Material cluster = null!;
    private WebApplication silo = null!;
    private int gateway;

    private sealed record X509Material(System.Security.Cryptography.X509Certificates.X509Certificate2 Authority, ClusterCertificates Silo);

    public async Task InitializeAsync()
    {
        var ca = certificates.Authority("amber-test-cluster-ca");
        // The silo's material goes through the PEM loader the CLI uses.
        string certFile = TestCertificates.WritePem(certificates.Issue(ca, "silo-0"), folder, "silo.pem");
        string caFile = TestCertificates.WritePem(ca, folder, "ca.pem");
        cluster = new X509Material(ca, ClusterCertificates.Load(certFile, null, caFile));
        gateway = AmberSilo.FreePort();
        silo = AmberSilo.Build(new AmberSiloOptions
        {
            Urls = "http://127.0.0.1:0",
            UserTokens = ["tls-test-token-0123456789"],
            GatewayPort = gateway,
            Tls = cluster.Silo,
        });
        await silo.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await silo.StopAsync();
        await silo.DisposeAsync();
    }

    public void Dispose()
    {
        certificates.Dispose();
        Directory.Delete(folder, true);
    }

    private WorkerClustering Gateway => WorkerClustering.Static([new IPEndPoint(IPAddress.Loopback, gateway)]);

    [Fact]
    public async Task A_worker_with_a_certificate_the_cluster_CA_signed_joins_and_calls_grains()
    {
        var tls = ClusterCertificates.Create(certificates.Issue(cluster.Authority, "worker-1"), cluster.Authority);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var host = await WorkerHost.ConnectAsync(Gateway, LogLevel.Warning, cts.Token, tls);
        var sweeps = await host.Client().GetGrain<ISweepRegistryGrain>(0).ListAsync();
        Assert.NotNull(sweeps);
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_worker_with_a_certificate_of_another_CA_cannot_join()
    {
        var rogueCa = certificates.Authority("amber-test-cluster-ca");   // same name, other key
        var tls = ClusterCertificates.Create(certificates.Issue(rogueCa, "worker-1"), cluster.Authority);
        Assert.False(cluster.Silo.IsSignedByAuthority(tls.Certificate));
        await AssertCannotJoinAsync(tls);
    }

    [Fact]
    public async Task A_worker_without_TLS_cannot_join()
    {
        await AssertCannotJoinAsync(null);
    }

    /// <summary>
    /// Orleans' client keeps retrying a gateway it cannot reach, so a refused worker never finishes connecting: it either
    /// fails or is still not connected after 20 s (a worker the CA signed connects in about a second, see above).
    /// </summary>
    private async Task AssertCannotJoinAsync(ClusterCertificates? tls)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var error = await Record.ExceptionAsync(async () =>
        {
            using var host = await WorkerHost.ConnectAsync(Gateway, LogLevel.Critical, cts.Token, tls);
            // Should the handshake ever pass, the grain call would answer and the test fail.
            await host.Client().GetGrain<ISweepRegistryGrain>(0).ListAsync().WaitAsync(TimeSpan.FromSeconds(10));
        });
        Assert.NotNull(error);
    }
}
