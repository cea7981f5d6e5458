using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Amber.Silo.Api;
using Amber.Silo.Hosting;

namespace Amber.Bench;

/// <summary>
/// `./bench.sh failover`: real <c>amber</c> processes on loopback, two silos on one PostgreSQL database (the cluster
/// profile) and three no-op workers. K times (default 20) a worker that has just started a run is killed with SIGKILL
/// (and a fresh worker started in its place); the time from the kill until the run is leased again to another worker is
/// measured. Then one silo is killed with SIGKILL and the time until a sample of run grains (about half of them lived on
/// the dead silo) all answer again from the survivor is measured. Prints p50/p99/max of the first and the second.
/// </summary>
public sealed class FailoverBenchmark : IBenchmark
{
    private const string Token = "bench-failover-token-0123456789";
    private readonly List<Process> processes = [];
    private string amber = "";
    private string folder = "";

    /// <inheritdoc />
    public string Name => "failover";

    /// <inheritdoc />
    public async Task<int> RunAsync(string[] args)
    {
        int kills = 20;
        double leaseSeconds = 6;
        string? cluster = null;
        for (int i = 0; i < args.Length; i += 2)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--kills": kills = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--lease-seconds": leaseSeconds = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--cluster": cluster = value; break;
                case "--amber": amber = value; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}; expected --kills N, --lease-seconds S, --cluster postgres:…, --amber <amber.dll>"); return 2;
            }
        }
        if (cluster is null || amber.Length == 0) { Console.Error.WriteLine("--cluster and --amber are required (bench/run-failover.sh passes them)"); return 2; }
        folder = Directory.CreateTempSubdirectory("amber-bench-failover-").FullName;
        try
        {
            var a = StartSilo("silo-a", cluster, leaseSeconds);
            var b = StartSilo("silo-b", cluster, leaseSeconds);
            await WaitAsync(async () => (await a.Api.GetAsync("health")).IsSuccessStatusCode && (await b.Api.GetAsync("health")).IsSuccessStatusCode, 120, "both silos healthy");
            string gateways = $"127.0.0.1:{a.Gateway},127.0.0.1:{b.Gateway}";
            int nextWorker = 0;
            var workers = new Dictionary<string, Process>();
            for (int i = 0; i < 3; i++) { string id = $"wk-{nextWorker++}"; workers[id] = StartWorker(id, gateways); }
            await WaitAsync(async () => (await b.Api.GetFromJsonAsync<WorkerView[]>("api/workers", AmberSilo.Json))!.Count(w => w.Status == "alive") >= 3, 120, "three live workers");

            // Enough 3-second runs to keep three workers busy through every kill.
            string seeds = string.Join(", ", Enumerable.Range(1, Math.Max(10, kills)));
            string spec = $"name: failover-bench\nmethods: [ce, amber2]\nprotocol: {{folds: 5, seeds: [{seeds}]}}\nbudget: {{max_parallel_runs: 3}}\nretries: 100\n";
            var created = await b.Api.PostAsync("api/sweeps", new StringContent(spec, Encoding.UTF8, "application/yaml"));
            if (!created.IsSuccessStatusCode) throw new InvalidOperationException("submit failed: " + await created.Content.ReadAsStringAsync());
            var sweep = (await created.Content.ReadFromJsonAsync<SweepView>(AmberSilo.Json))!;

            var releases = new List<double>();
            var victims = new HashSet<string>();   // each kill hits a run not interrupted before
            for (int k = 0; k < kills; k++)
            {
                RunView? held = null;
                await WaitAsync(async () =>
                {
                    var runs = (await b.Api.GetFromJsonAsync<RunView[]>($"api/sweeps/{sweep.Id}/runs", AmberSilo.Json))!;
                    held = runs.FirstOrDefault(r => r.Status == "running" && !victims.Contains(r.Id) && r.Workers.Count == 1 && workers.ContainsKey(r.Workers[0]) && DateTimeOffset.UtcNow - r.UpdatedAt < TimeSpan.FromMilliseconds(400));
                    return held is not null;
                }, 120, "a worker to start a run");
                string victim = held!.Workers[0];
                victims.Add(held.Id);
                Kill(workers[victim]);
                var killedAt = Stopwatch.StartNew();
                workers.Remove(victim);
                string replacement = $"wk-{nextWorker++}";
                workers[replacement] = StartWorker(replacement, gateways);
                await WaitAsync(async () =>
                {
                    var run = (await b.Api.GetFromJsonAsync<RunView>($"api/runs/{held.Id}", AmberSilo.Json))!;
                    return run.Attempt > held.Attempt && run.Workers.Count > 0 && !run.Workers.Contains(victim);
                }, 120, $"run {held.Id} to be leased again");
                releases.Add(killedAt.Elapsed.TotalSeconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"kill {k + 1}/{kills}: worker {victim} held {held.Id}; leased again after {releases[^1]:F2} s"));
            }

            // Silo loss: run grains are spread over both silos; time until a sample of them all answers from the survivor.
            var sample = (await b.Api.GetFromJsonAsync<RunView[]>($"api/sweeps/{sweep.Id}/runs", AmberSilo.Json))!.Take(60).Select(r => r.Id).ToArray();
            Kill(a.Process);
            var siloKilled = Stopwatch.StartNew();
            using var quick = new HttpClient { BaseAddress = b.Api.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
            quick.DefaultRequestHeaders.Authorization = b.Api.DefaultRequestHeaders.Authorization;
            var pending = new HashSet<string>(sample);
            await WaitAsync(async () =>
            {
                var answers = await Task.WhenAll(pending.Select(async id =>
                {
                    try { return (await quick.GetAsync($"api/runs/{id}")).IsSuccessStatusCode ? id : null; }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { return null; }
                }));
                foreach (var id in answers) if (id is not null) pending.Remove(id);
                return pending.Count == 0;
            }, 120, "the dead silo's grains to answer from the survivor");
            double siloSeconds = siloKilled.Elapsed.TotalSeconds;

            releases.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"failover[amber]: kills={kills} lease_s={leaseSeconds} release_p50_s={Percentile(releases, 0.50):F2} release_p99_s={Percentile(releases, 0.99):F2} release_max_s={releases[^1]:F2} silo_grains_back_s={siloSeconds:F2} sampled_grains={sample.Length}"));
            return 0;
        }
        finally
        {
            foreach (var p in processes) { try { if (!p.HasExited) p.Kill(true); } catch (InvalidOperationException) { } p.Dispose(); }
            try { Directory.Delete(folder, true); } catch (IOException) { }
        }
    }

    // Nearest-rank percentile of sorted values.
    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private (Process Process, HttpClient Api, int Gateway) StartSilo(string name, string cluster, double leaseSeconds)
    {
        int http = AmberSilo.FreePort(), gateway = AmberSilo.FreePort();
        var p = Start(name, "silo", "--cluster", cluster, "--urls", $"http://127.0.0.1:{http}", "--silo-port", AmberSilo.FreePort().ToString(CultureInfo.InvariantCulture),
            "--gateway-port", gateway.ToString(CultureInfo.InvariantCulture), "--user-token", Token, "--lease-seconds", leaseSeconds.ToString(CultureInfo.InvariantCulture),
            "--blobs", $"file:{folder}/blobs");
        var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}/"), Timeout = TimeSpan.FromSeconds(30) };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        return (p, api, gateway);
    }

    private Process StartWorker(string id, string gateways) =>
        Start(id, "worker", "--gateways", gateways, "--id", id, "--executor", "noop", "--noop-epoch-ms", "1000", "--blobs", $"file:{folder}/blobs");

    private Process Start(string name, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(amber);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        string log = Path.Combine(folder, name + ".log");
        // Drain the output to a file so a chatty process never blocks on a full pipe.
        _ = p.StandardOutput.BaseStream.CopyToAsync(File.Create(log));
        _ = p.StandardError.BaseStream.CopyToAsync(File.Create(log + ".err"));
        processes.Add(p);
        return p;
    }

    private static void Kill(Process p)
    {
        using var kill = Process.Start("kill", $"-KILL {p.Id}")!;
        kill.WaitForExit();
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, double seconds, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed.TotalSeconds < seconds)
        {
            try { if (await condition()) return; }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException) { }
            await Task.Delay(50);
        }
        throw new TimeoutException($"timed out after {seconds} s waiting for {what}");
    }
}
