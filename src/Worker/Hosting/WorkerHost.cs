using Amber.Grains.Contracts;
using Amber.Grains.Security;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Amber.Worker.Hosting;

/// <summary>
/// Connects a worker process to the cluster as an Orleans client through the silos' gateways. A worker is never a silo:
/// it holds no grains, needs no database credentials, and its CPU-bound training cannot starve a silo's membership probes.
/// </summary>
public static class WorkerHost
{
    /// <summary>Parses "host:port[,host:port]" into endpoints (host names are resolved now).</summary>
    /// <exception cref="ArgumentException">An entry is not host:port; the message names it.</exception>
    public static IReadOnlyList<IPEndPoint> ParseGateways(string gateways)
    {
        var endpoints = new List<IPEndPoint>();
        foreach (string entry in gateways.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = entry.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(entry[(colon + 1)..], out int port) || port is < 1 or > 65535)
                throw new ArgumentException($"--gateways entry '{entry}' is not host:port (e.g. 127.0.0.1:30000)");
            string host = entry[..colon].Trim('[', ']');
            var address = IPAddress.TryParse(host, out var ip) ? ip
                : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                  ?? throw new ArgumentException($"--gateways host '{host}' has no IPv4 address");
            endpoints.Add(new IPEndPoint(address, port));
        }
        if (endpoints.Count == 0) throw new ArgumentException("--gateways names no gateway; expected host:port[,host:port]");
        return endpoints;
    }

    /// <summary>Starts a client host connected to the static <paramref name="gateways"/>; dispose it to disconnect.</summary>
    public static Task<IHost> ConnectAsync(IReadOnlyList<IPEndPoint> gateways, LogLevel logLevel, CancellationToken cancellationToken) =>
        ConnectAsync(WorkerClustering.Static(gateways), logLevel, cancellationToken);

    /// <summary>
    /// Starts a client host that finds the gateways as <paramref name="clustering"/> says, over mutual TLS when
    /// <paramref name="tls"/> is given; dispose it to disconnect.
    /// </summary>
    public static async Task<IHost> ConnectAsync(WorkerClustering clustering, LogLevel logLevel, CancellationToken cancellationToken,
        ClusterCertificates? tls = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(logLevel).AddFilter("Orleans", LogLevel.Warning).AddFilter("Microsoft", LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            clustering.Apply(client);
            if (tls is not null) client.UseAmberMutualTls(tls);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterIds.Cluster;
                o.ServiceId = ClusterIds.Service;
            });
        });
        var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        return host;
    }

    /// <summary>The cluster client of a host started by <see cref="ConnectAsync"/>.</summary>
    public static IClusterClient Client(this IHost host) => host.Services.GetRequiredService<IClusterClient>();
}
