using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Amber.Storage.Tests.Support;

/// <summary>
/// A private Azurite blob emulator for tests that must stop and restart the service (the shared one from test.sh must keep
/// running for the other tests). Keeps its data folder across restarts, like a real service restart.
/// </summary>
internal sealed class AzuriteProcess : IDisposable
{
    private readonly TempDir _data = new();
    private readonly ManualResetEventSlim _closed = new();
    private Process? _process;

    public AzuriteProcess()
    {
        Port = FreePort();
        Start();
    }

    public int Port { get; }

    /// <summary>Connection string for the emulator's development account on this instance.</summary>
    public string ConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"BlobEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    public void Start()
    {
        var exe = Path.Combine(TestEnvironment.Tools, "node_modules", ".bin", "azurite-blob");
        if (!File.Exists(exe)) throw new InvalidOperationException($"{exe} is missing: run ./test.sh (it runs npm ci in tests/tools)");
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--silent", "--skipApiVersionCheck", "--disableTelemetry", "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--location", _data.Path })
            psi.ArgumentList.Add(a);
        _closed.Reset();
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("successfully closed", StringComparison.Ordinal) == true) _closed.Set();
        };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                if (_process.HasExited) throw new InvalidOperationException($"azurite-blob exited with code {_process.ExitCode} before listening on port {Port}");
                Thread.Sleep(100);
            }
        }
        throw new TimeoutException($"azurite-blob did not listen on 127.0.0.1:{Port} within 20 s");
    }

    /// <summary>
    /// Stops this emulator the way a service manager does: SIGTERM to the process this fixture started (by its id), so
    /// Azurite saves its metadata as on a real restart; SIGKILL only if it has not exited after 10 s.
    /// </summary>
    public void Stop()
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            _ = SendSignal(_process.Id, SigTerm);
            // Azurite reports "successfully closed" once its metadata is saved, but its process lingers on timers for
            // a minute or more; after the report (or 10 s) the process is ended.
            _closed.Wait(TimeSpan.FromSeconds(10));
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Stop();
        _data.Dispose();
        _closed.Dispose();
    }

    private const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
