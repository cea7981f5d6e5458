using System.Diagnostics;
using System.Globalization;
using System.Net;
using Amber.Worker.Collectives;

namespace Amber.Worker.Tests.Collectives;

/// <summary>
/// A ring rank in its own process, so tests can kill it or stop it (SIGSTOP) for real. Line protocol on stdin/stdout:
/// the child prints <c>endpoint host:port</c>; the test sends <c>gang id rank ep0 ep1 …</c>; then each line
/// <c>reduce</c> makes the child all-reduce its buffer (every element rank + 1) and print <c>reduced x</c> (the first
/// element), or <c>failed Failure peer message</c> and exit 3.
/// </summary>
internal sealed class RingPeerProcess : IDisposable
{
    private readonly Process _process;

    private RingPeerProcess(Process process, string endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    /// <summary>The child's ring listener.</summary>
    public string Endpoint { get; }

    /// <summary>The child's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Starts a child with the given I/O timeout and buffer length and reads its endpoint.</summary>
    public static RingPeerProcess Start(double timeoutSeconds, int floats)
    {
        var assembly = typeof(RingPeerProcess).Assembly.Location;
        var host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var info = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { assembly, "ring-peer", timeoutSeconds.ToString(CultureInfo.InvariantCulture), floats.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the ring peer process.");
        var line = ReadLine(process, TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("endpoint ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException($"The ring peer printed '{line}' instead of its endpoint.");
        }
        return new RingPeerProcess(process, line["endpoint ".Length..]);
    }

    /// <summary>Tells the child its gang; it connects at once.</summary>
    public void JoinGang(string gangId, int rank, IEnumerable<string> endpoints) =>
        Send($"gang {gangId} {rank} {string.Join(' ', endpoints)}");

    /// <summary>Asks the child for one all-reduce.</summary>
    public void Reduce() => Send("reduce");

    /// <summary>The child's next output line (null on EOF or after <paramref name="timeout"/>).</summary>
    public string? ReadLine(TimeSpan timeout) => ReadLine(_process, timeout);

    /// <summary>Kills the child (works on a stopped one too) and waits for it to exit.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    /// <summary>Stops (SIGSTOP) or continues (SIGCONT) the child.</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {_process.Id} exited with {kill.ExitCode}.");
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Send(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    private static string? ReadLine(Process process, TimeSpan timeout)
    {
        var read = process.StandardOutput.ReadLineAsync();
        return read.Wait(timeout) ? read.Result : null;
    }

    /// <summary>The child's side (<c>ring-peer &lt;timeout-seconds&gt; &lt;floats&gt;</c>).</summary>
    public static int Run(string[] args)
    {
        var timeout = TimeSpan.FromSeconds(double.Parse(args[0], CultureInfo.InvariantCulture));
        var floats = int.Parse(args[1], CultureInfo.InvariantCulture);
        using var listener = RingListener.Start(IPAddress.Loopback);
        Console.WriteLine($"endpoint {listener.Endpoint}");
        var gangLine = Console.ReadLine()?.Split(' ');
        if (gangLine is not ["gang", var gangId, var rankText, .. var endpoints])
        {
            Console.WriteLine("failed Usage - expected: gang <id> <rank> <endpoints…>");
            return 2;
        }
        var rank = int.Parse(rankText, CultureInfo.InvariantCulture);
        try
        {
            using var collective = TcpRingCollective.Connect(listener, new GangMembership(gangId, rank, endpoints),
                new CollectiveOptions(Timeout: timeout, ConnectTimeout: TimeSpan.FromSeconds(30)));
            var buffer = new float[floats];
            while (Console.ReadLine() == "reduce")
            {
                Array.Fill(buffer, rank + 1);
                collective.AllReduceSum(buffer);
                Console.WriteLine($"reduced {buffer[0].ToString(CultureInfo.InvariantCulture)}");
            }
            return 0;
        }
        catch (CollectiveException ex)
        {
            Console.WriteLine($"failed {ex.Failure} {ex.PeerRank} {ex.Message}");
            return 3;
        }
    }
}
