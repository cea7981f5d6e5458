using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Amber.Silo.Tests.Cluster;

/// <summary>
/// An Azurite (blob and table services) of one test's own, from the test tools test.sh installs (AMBER_TEST_TOOLS):
/// the Azure cluster profile's membership table is keyed by the cluster id every Amber silo shares, so a test cluster
/// needs an account no other test's silos write to.
/// </summary>
public sealed class PrivateAzurite : IDisposable
{
    // The emulator's well-known development account (public, documented by Microsoft; not a secret).
    private const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly Process process;
    private readonly string folder;

    private PrivateAzurite(Process process, string folder, string connectionString)
    {
        this.process = process;
        this.folder = folder;
        ConnectionString = connectionString;
    }

    /// <summary>A connection string with the blob and table endpoints.</summary>
    public string ConnectionString { get; }

    /// <summary>The account key inside <see cref="ConnectionString"/> (to check it never reaches a log).</summary>
    public static string AccountKey => DevelopmentKey;

    /// <summary>Starts the blob and table services on free loopback ports and waits until both accept connections.</summary>
    public static async Task<PrivateAzurite> StartAsync()
    {
        string tools = Environment.GetEnvironmentVariable("AMBER_TEST_TOOLS") is { Length: > 0 } t ? t
            : throw new InvalidOperationException("AMBER_TEST_TOOLS is not set: run ./test.sh, or `source scripts/test-services.sh; amber_install_npm`");
        string folder = Directory.CreateTempSubdirectory("amber-private-azurite-").FullName;
        int blob = FreePort(), table = FreePort(), queue = FreePort();
        var psi = new ProcessStartInfo(Path.Combine(tools, "node_modules", ".bin", "azurite"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[]
                 {
                     "--silent", "--location", folder, "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(), "--tableHost", "127.0.0.1",
                     "--tablePort", table.ToString(), "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(), "--skipApiVersionCheck", "--disableTelemetry",
                 })
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        foreach (int port in new[] { blob, table })
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync(IPAddress.Loopback, port);
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }
        }
        string cs = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevelopmentKey};" +
                    $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
        return new PrivateAzurite(p, folder, cs);
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
        Directory.Delete(folder, true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
