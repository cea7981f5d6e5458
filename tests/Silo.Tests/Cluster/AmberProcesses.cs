using System.Diagnostics;
using System.Text;
using Amber.Cli.Commands;

namespace Amber.Silo.Tests.Cluster;

/// <summary>
/// Real <c>amber</c> processes of one test (silos, workers), started from the built CLI with their output captured, signalled
/// by pid, and killed when the test ends.
/// </summary>
public sealed class AmberProcesses(string workingDirectory) : IDisposable
{
    private readonly List<(string Name, Process Process, StringBuilder Output)> processes = [];

    /// <summary>Starts <c>amber <paramref name="args"/></c> under <paramref name="name"/>.</summary>
    public void Start(string name, params string[] args) => StartWith(name, [], new Dictionary<string, string>(), args);

    /// <summary>
    /// Starts <c>amber <paramref name="args"/></c> behind <paramref name="prefix"/> (e.g. <c>ip netns exec ns</c>, which
    /// execs, so the pid stays the process's) with <paramref name="environment"/> added.
    /// </summary>
    public void StartWith(string name, IReadOnlyList<string> prefix, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Launch(name, workingDirectory, prefix, environment, args);

    /// <summary>Starts <c>amber <paramref name="args"/></c> in its own working folder, with <paramref name="environment"/> added.</summary>
    public void StartIn(string name, string directory, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Launch(name, directory, [], environment, args);

    /// <summary>The names of the processes started so far.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            lock (processes) return processes.Select(p => p.Name).ToList();
        }
    }

    private void Launch(string name, string directory, IReadOnlyList<string> prefix, IReadOnlyDictionary<string, string> environment, string[] args)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var psi = new ProcessStartInfo(prefix.Count > 0 ? prefix[0] : dotnet) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var part in prefix.Skip(1)) psi.ArgumentList.Add(part);
        if (prefix.Count > 0) psi.ArgumentList.Add(dotnet);
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        psi.ArgumentList.Add(typeof(RunCommand).Assembly.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var output = new StringBuilder();
        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        lock (processes) processes.Add((name, p, output));
    }

    /// <summary>
    /// Starts <c>amber silo</c> named "silo" on localhost clustering with SQLite state in the working folder and free ports,
    /// and waits for its <c>/health</c>; returns an API client holding <paramref name="userToken"/> and the gateway port.
    /// </summary>
    public async Task<(HttpClient Api, int Gateway)> StartLocalSiloAsync(string userToken, int leaseSeconds)
    {
        int http = global::Amber.Silo.Hosting.AmberSilo.FreePort(), gateway = global::Amber.Silo.Hosting.AmberSilo.FreePort();
        Start("silo", "silo", "--state", Path.Combine(workingDirectory, "state.db"), "--urls", $"http://127.0.0.1:{http}",
            "--silo-port", global::Amber.Silo.Hosting.AmberSilo.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gateway-port", gateway.ToString(System.Globalization.CultureInfo.InvariantCulture), "--user-token", userToken,
            "--lease-seconds", leaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}/"), Timeout = TimeSpan.FromSeconds(30) };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", userToken);
        await WaitAsync(async () => (await api.GetAsync("health")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "the silo's /health");
        return (api, gateway);
    }

    /// <summary>What <paramref name="name"/> wrote so far (stdout and stderr).</summary>
    public string Output(string name)
    {
        StringBuilder o;
        lock (processes) o = processes.Single(p => p.Name == name).Output;
        lock (o) return o.ToString();
    }

    /// <summary>Everything every process wrote, each under its name.</summary>
    public string AllOutput()
    {
        lock (processes) return string.Join("\n", processes.Select(p => $"--- {p.Name}\n{Output(p.Name)}"));
    }

    /// <summary>Sends <paramref name="signal"/> (KILL, STOP, CONT, …) to <paramref name="name"/>.</summary>
    public void Signal(string name, string signal)
    {
        Process p;
        lock (processes) p = processes.Single(x => x.Name == name).Process;
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {p.Id}") { RedirectStandardError = true })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} {name} failed");
        if (signal == "KILL") p.WaitForExit(10_000);
    }

    /// <summary>Polls <paramref name="condition"/> every 50 ms; on timeout the message carries every process's output.</summary>
    public async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                last = ex;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"timed out waiting for {what} (last error: {last?.Message}); process output:\n{AllOutput()}");
    }

    public void Dispose()
    {
        lock (processes)
        {
            foreach (var (_, p, _) in processes)
            {
                try
                {
                    if (!p.HasExited) p.Kill(entireProcessTree: true);
                    p.WaitForExit(5000);
                }
                catch (InvalidOperationException)
                {
                }
                p.Dispose();
            }
        }
    }
}
