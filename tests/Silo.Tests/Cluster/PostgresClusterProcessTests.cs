using System.Net.Http.Json;
using System.Text;
using Amber.Silo.Api;
using Amber.Silo.Hosting;

namespace Amber.Silo.Tests.Cluster;

/// <summary>
/// The PostgreSQL cluster profile with real processes on loopback: two <c>amber silo --cluster postgres:…</c> on one
/// database of the test's own, three <c>amber worker</c> processes (two read the gateways from the cluster table, one
/// has a static list), mutual TLS on every Orleans link. A worker is killed with SIGKILL while it holds a run, then a
/// silo; later PostgreSQL is restarted under load. Every sweep completes with exactly its planned runs, nothing
/// committed is lost, the metrics equal a fault-free sweep's, a silo that comes back rejoins and its event stream sees
/// every event, and neither the database password nor the user token appears in any process's output.
/// </summary>
public sealed class PostgresClusterProcessTests : IAsyncLifetime, IDisposable
{
    private const string Spec = "name: pg-drill\nmethods: [ce, amber2]\nprotocol: {folds: 3, seeds: [1, 2]}\nbudget: {max_parallel_runs: 3}\nretries: 3\n";
    private const int PlannedRuns = 12;
    private readonly string userToken = "user-token-" + Guid.NewGuid().ToString("N");
    private readonly string password = "pg-password-" + Guid.NewGuid().ToString("N");
    private readonly string folder = Directory.CreateTempSubdirectory("amber-pg-cluster-").FullName;
    private readonly TestCertificates certificates = new();
    private readonly AmberProcesses processes;
    private PrivatePostgres postgres = null!;
    private string cluster = null!;
    private string caFile = null!;
    private readonly Dictionary<string, (HttpClient Api, int Gateway)> silos = [];

    private readonly Xunit.Abstractions.ITestOutputHelper output;

    public PostgresClusterProcessTests(Xunit.Abstractions.ITestOutputHelper output)
    {
        this.output = output;
        processes = new AmberProcesses(folder);
    }

    public async Task InitializeAsync()
    {
        postgres = PrivatePostgres.Start();
        cluster = "postgres:" + postgres.ConnectionString(password);
        var ca = certificates.Authority("amber-process-test-ca");
        caFile = TestCertificates.WritePem(ca, folder, "ca.pem");
        foreach (var name in new[] { "silo-a", "silo-b", "silo-a2", "worker" })
            TestCertificates.WritePem(certificates.Issue(ca, name), folder, name + ".pem");
        // Both silos start together: the tables are created once, under the advisory lock.
        StartSilo("silo-a");
        StartSilo("silo-b");
        foreach (var name in silos.Keys) await WaitHealthyAsync(name);
    }

    public Task DisposeAsync()
    {
        processes.Dispose();
        foreach (var (api, _) in silos.Values) api.Dispose();
        postgres?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        certificates.Dispose();
        Directory.Delete(folder, true);
    }

    [Fact]
    public async Task Worker_and_silo_kills_and_a_database_restart_lose_no_run_and_change_no_metric()
    {
        var b = silos["silo-b"].Api;
        string workerCert = Path.Combine(folder, "worker.pem");
        processes.Start("wk-a", "worker", "--cluster", cluster, "--id", "wk-a", "--executor", "noop", "--noop-epoch-ms", "700", "--tls-cert", workerCert, "--tls-ca", caFile);
        processes.Start("wk-b", "worker", "--cluster", cluster, "--id", "wk-b", "--executor", "noop", "--noop-epoch-ms", "700", "--tls-cert", workerCert, "--tls-ca", caFile);
        processes.Start("wk-c", "worker", "--gateways", $"127.0.0.1:{silos["silo-a"].Gateway},127.0.0.1:{silos["silo-b"].Gateway}", "--id", "wk-c",
            "--executor", "noop", "--noop-epoch-ms", "700", "--tls-cert", workerCert, "--tls-ca", caFile);
        await processes.WaitAsync(async () => (await b.GetFromJsonAsync<WorkerView[]>("api/workers", AmberSilo.Json))!.Count(w => w.Status == "alive") == 3,
            TimeSpan.FromSeconds(90), "three live workers");

        // 1. A worker dies while it holds a run, then a silo dies (the one the sweep was submitted to).
        var first = await SubmitAsync(silos["silo-a"].Api);
        string killedRun = await HeldByAsync(b, first, "wk-a");
        processes.Signal("wk-a", "KILL");
        await processes.WaitAsync(async () => (await SweepAsync(b, first)).Succeeded >= 4, TimeSpan.FromSeconds(120), "four runs of the first sweep to succeed");
        processes.Signal("silo-a", "KILL");
        var done = await CompletedAsync(b, first);
        Assert.Equal(("succeeded", PlannedRuns, 0, 0), (done.Status, done.Succeeded, done.Failed, done.Cancelled));
        var firstRuns = await RunsAsync(b, first);
        Assert.Equal(PlannedRuns, firstRuns.Select(r => r.Id).Distinct().Count());
        Assert.All(firstRuns, r => Assert.Equal("succeeded", r.Status));
        var retried = firstRuns.Single(r => r.Id == killedRun);
        Assert.True(retried.Attempt >= 2, $"run {killedRun} of the killed worker was not handed out again");
        Assert.NotEqual("wk-a", retried.Workers.SingleOrDefault());

        // 2. PostgreSQL restarts while the second sweep runs: the silo recovers and keeps what was committed.
        var second = await SubmitAsync(b);
        await processes.WaitAsync(async () => (await SweepAsync(b, second)).Succeeded >= 2, TimeSpan.FromSeconds(120), "two runs of the second sweep to succeed");
        var committedBefore = (await RunsAsync(b, second)).Where(r => r.Status == "succeeded").ToDictionary(r => r.Id, r => r.Attempt);
        postgres.Restart();
        var secondDone = await CompletedAsync(b, second);
        Assert.Equal(("succeeded", PlannedRuns, 0), (secondDone.Status, secondDone.Succeeded, secondDone.Failed));
        var secondRuns = await RunsAsync(b, second);
        Assert.Equal(PlannedRuns, secondRuns.Select(r => r.Id).Distinct().Count());
        foreach (var (id, attempt) in committedBefore)
            Assert.Equal(("succeeded", attempt), (secondRuns.Single(r => r.Id == id).Status, secondRuns.Single(r => r.Id == id).Attempt));
        Assert.All(await RunsAsync(b, first), r => Assert.Equal("succeeded", r.Status));

        // 3. A silo comes back and rejoins; a fault-free sweep on two silos is the reference, and both silos' event
        //    streams see all of its events wherever its grains live.
        StartSilo("silo-a2");
        await WaitHealthyAsync("silo-a2");
        using var eventsA = await EventsAsync(silos["silo-a2"].Api);
        using var eventsB = await EventsAsync(b);
        var reference = await SubmitAsync(silos["silo-a2"].Api);
        await CompletedAsync(b, reference);
        foreach (var (name, events) in new[] { ("silo-a2", eventsA), ("silo-b", eventsB) })
            await processes.WaitAsync(() => Task.FromResult(events.Count(reference.Id, "run-finished") == PlannedRuns && events.Count(reference.Id, "sweep-completed") == 1),
                TimeSpan.FromSeconds(30), $"{name}'s /api/events to carry the reference sweep's {PlannedRuns} run-finished events");

        var clean = await MetricsByRunAsync(b, reference);
        Assert.Equal(PlannedRuns, clean.Count);
        Assert.Equal(clean.OrderBy(kv => kv.Key), (await MetricsByRunAsync(b, first)).OrderBy(kv => kv.Key));
        Assert.Equal(clean.OrderBy(kv => kv.Key), (await MetricsByRunAsync(b, second)).OrderBy(kv => kv.Key));

        // Secrets stay out of every log line.
        string logs = processes.AllOutput();
        Assert.DoesNotContain(password, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(userToken, logs, StringComparison.Ordinal);
        Assert.Contains("mutual TLS", processes.Output("silo-b"), StringComparison.Ordinal);
    }

    private void StartSilo(string name)
    {
        int http = AmberSilo.FreePort(), gateway = AmberSilo.FreePort();
        processes.Start(name, "silo", "--cluster", cluster, "--urls", $"http://127.0.0.1:{http}", "--silo-port", AmberSilo.FreePort().ToString(),
            "--gateway-port", gateway.ToString(), "--user-token", userToken, "--lease-seconds", "2", "--blobs", $"file:{folder}/blobs",
            "--tls-cert", Path.Combine(folder, name + ".pem"), "--tls-ca", caFile);
        var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}/"), Timeout = TimeSpan.FromSeconds(30) };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", userToken);
        silos[name] = (api, gateway);
    }

    private Task WaitHealthyAsync(string name) =>
        processes.WaitAsync(async () => (await silos[name].Api.GetAsync("health")).IsSuccessStatusCode, TimeSpan.FromSeconds(90), $"{name}'s /health");

    private static async Task<SweepView> SubmitAsync(HttpClient api)
    {
        var created = await api.PostAsync("api/sweeps", new StringContent(Spec, Encoding.UTF8, "application/yaml"));
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<SweepView>(AmberSilo.Json))!;
    }

    private static async Task<SweepView> SweepAsync(HttpClient api, SweepView sweep) =>
        (await api.GetFromJsonAsync<SweepView>($"api/sweeps/{sweep.Id}", AmberSilo.Json))!;

    private static async Task<RunView[]> RunsAsync(HttpClient api, SweepView sweep) =>
        (await api.GetFromJsonAsync<RunView[]>($"api/sweeps/{sweep.Id}/runs", AmberSilo.Json))!;

    private async Task<string> HeldByAsync(HttpClient api, SweepView sweep, string worker)
    {
        string? run = null;
        await processes.WaitAsync(async () =>
        {
            run = (await RunsAsync(api, sweep)).FirstOrDefault(r => r.Status == "running" && r.Workers.Contains(worker)
                                                                    && DateTimeOffset.UtcNow - r.UpdatedAt < TimeSpan.FromMilliseconds(500))?.Id;
            return run is not null;
        }, TimeSpan.FromSeconds(90), $"{worker} to start a run");
        return run!;
    }

    private async Task<SweepView> CompletedAsync(HttpClient api, SweepView sweep)
    {
        SweepView? view = null;
        await processes.WaitAsync(async () => (view = await SweepAsync(api, sweep)).Completed, TimeSpan.FromSeconds(240), $"sweep {sweep.Id} to complete");
        return view!;
    }

    // Key: trial index, fold, seed (run ids differ between sweeps); value: the committed metric rows.
    private static async Task<Dictionary<string, string>> MetricsByRunAsync(HttpClient api, SweepView sweep)
    {
        var result = new Dictionary<string, string>();
        foreach (var r in await RunsAsync(api, sweep))
        {
            var rows = (await api.GetFromJsonAsync<Amber.Grains.Contracts.MetricRow[]>($"api/runs/{r.Id}/metrics", AmberSilo.Json))!;
            Assert.NotEmpty(rows);
            result[$"{r.TrialIndex}/{r.Fold}/{r.Seed}"] = string.Join(";", rows.Select(m => $"{m.Split}/{m.Level}/{m.Name}={m.Value:R}"));
        }
        return result;
    }

    /// <summary>
    /// Subscribes to <c>/api/events</c>. A silo that has just joined may answer 500 while the stream's pub-sub grain is
    /// still being placed; browsers' EventSource reconnects on its own, and so does this (within 60 s).
    /// </summary>
    private async Task<EventTap> EventsAsync(HttpClient api)
    {
        EventTap? tap = null;
        string last = "";
        await processes.WaitAsync(async () =>
        {
            var candidate = new EventTap();
            var response = await api.SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/events"), HttpCompletionOption.ResponseHeadersRead, candidate.Stop);
            if (!response.IsSuccessStatusCode)
            {
                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
                output.WriteLine($"{api.BaseAddress}api/events answered {last}; subscribing again");
                string log = processes.AllOutput();
                int error = log.LastIndexOf("fail: Microsoft.AspNetCore", StringComparison.Ordinal);
                if (error >= 0) output.WriteLine(log.Substring(error, Math.Min(1500, log.Length - error)));
                response.Dispose();
                candidate.Dispose();
                return false;
            }
            candidate.Read(response);
            await candidate.Subscribed.WaitAsync(TimeSpan.FromSeconds(30));
            tap = candidate;
            return true;
        }, TimeSpan.FromSeconds(60), $"a subscription to {api.BaseAddress}api/events (last answer {last})");
        return tap!;
    }

    /// <summary>Reads one server-sent-event stream in the background and counts events by sweep and kind.</summary>
    private sealed class EventTap : IDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private readonly TaskCompletionSource subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Dictionary<(string Sweep, string Kind), int> counts = [];

        public CancellationToken Stop => stop.Token;

        public Task Subscribed => subscribed.Task;

        public int Count(string sweep, string kind)
        {
            lock (counts) return counts.GetValueOrDefault((sweep, kind));
        }

        public void Read(HttpResponseMessage response) => _ = Task.Run(async () =>
        {
            using var _ = response;
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
            string? kind = null;
            try
            {
                while (await reader.ReadLineAsync(stop.Token) is { } line)
                {
                    if (line.StartsWith("event: ", StringComparison.Ordinal)) kind = line[7..];
                    else if (line.StartsWith("data: ", StringComparison.Ordinal) && kind is not null)
                    {
                        if (kind == "subscribed") subscribed.TrySetResult();
                        using var doc = System.Text.Json.JsonDocument.Parse(line[6..]);
                        string sweep = doc.RootElement.GetProperty("sweepId").GetString()!;
                        lock (counts) counts[(sweep, kind)] = counts.GetValueOrDefault((sweep, kind)) + 1;
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
            {
            }
        });

        public void Dispose()
        {
            stop.Cancel();
            stop.Dispose();
        }
    }
}
