using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Amber.Silo.Tests.Cluster;

/// <summary>
/// A PostgreSQL server of one test's own (Debian's binaries, a throwaway data folder, a free loopback port), so the test
/// can restart it under load without disturbing the tests that share test.sh's server. As root, initdb and pg_ctl run
/// as the postgres user (initdb refuses root).
/// </summary>
public sealed class PrivatePostgres : IDisposable
{
    private readonly string bin;
    private readonly string folder;
    private readonly bool asRoot = Environment.UserName == "root";

    private readonly string listenAddress;

    private PrivatePostgres(string bin, string folder, int port, string listenAddress)
    {
        this.bin = bin;
        this.folder = folder;
        this.listenAddress = listenAddress;
        Port = port;
    }

    /// <summary>The port it listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>A connection string for the superuser, with <paramref name="password"/> (trust authentication ignores it).</summary>
    public string ConnectionString(string password) => $"Host={listenAddress};Port={Port};Username=postgres;Password={password};Database=postgres";

    /// <summary>
    /// Creates and starts a server on 127.0.0.1, or on <paramref name="listenAddress"/> accepting (trust) the clients of
    /// <paramref name="clientNetwork"/> (CIDR) as well.
    /// </summary>
    public static PrivatePostgres Start(string listenAddress = "127.0.0.1", string? clientNetwork = null)
    {
        string bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderBy(d => d, StringComparer.Ordinal).LastOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL binaries not found under /usr/lib/postgresql: run scripts/test-services.sh's amber_install_apt");
        string folder = Directory.CreateTempSubdirectory("amber-private-pg-").FullName;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var pg = new PrivatePostgres(bin, folder, port, listenAddress);
        if (pg.asRoot) Run("chown", "postgres:postgres", folder);
        pg.PgRun("initdb", "-D", Path.Combine(folder, "data"), "-A", "trust", "-U", "postgres");
        if (clientNetwork is not null)
            File.AppendAllText(Path.Combine(folder, "data", "pg_hba.conf"), $"\nhost all all {clientNetwork} trust\n");
        pg.PgCtl("start");
        return pg;
    }

    /// <summary>Restarts the server at once (<c>pg_ctl restart -m fast</c>): every open connection is cut.</summary>
    public void Restart() => PgCtl("restart", "-m", "fast");

    public void Dispose()
    {
        try
        {
            PgCtl("stop", "-m", "immediate");
        }
        catch (InvalidOperationException)
        {
        }
        Directory.Delete(folder, true);
    }

    private void PgCtl(string action, params string[] extra) =>
        PgRun("pg_ctl", ["-D", Path.Combine(folder, "data"), "-l", Path.Combine(folder, "log"), "-w",
            "-o", $"-p {Port} -k {folder} -c listen_addresses={listenAddress} -c fsync=off -c max_connections=200", action, .. extra]);

    private void PgRun(string tool, params string[] args)
    {
        string exe = Path.Combine(bin, tool);
        if (asRoot) Run("runuser", ["-u", "postgres", "--", exe, .. args]);
        else Run(exe, args);
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        if (!p.WaitForExit(120_000) || p.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} failed: {output}");
    }
}
