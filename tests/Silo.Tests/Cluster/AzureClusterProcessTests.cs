using System.Net.Http.Json;
using System.Text;
using Amber.Silo.Api;
using Amber.Silo.Hosting;
using Azure.Storage.Blobs;

namespace Amber.Silo.Tests.Cluster;

/// <summary>
/// The Azure cluster profile with real processes on loopback against Azurite's table and blob services: two
/// <c>amber silo --cluster azure:…</c> (membership and reminders in tables, grain state in blobs) and two workers (one
/// reads the gateways from the table, one has a static list). One silo is killed with SIGKILL mid-sweep: the sweep
/// completes with exactly its planned runs and the metrics of a fault-free sweep; the account key never reaches a log.
/// </summary>
public sealed class AzureClusterProcessTests : IAsyncLifetime, IDisposable
{
    private const string Spec = "name: az-drill\nmethods: [ce, amber2]\nprotocol: {folds: 3, seeds: [1, 2]}\nbudget: {max_parallel_runs: 2}\nretries: 3\n";
    private const int PlannedRuns = 12;
    private readonly string userToken = "user-token-" + Guid.NewGuid().ToString("N");
    private readonly string folder = Directory.CreateTempSubdirectory("amber-az-cluster-").FullName;
    private readonly AmberProcesses processes;
    private readonly Dictionary<string, (HttpClient Api, int Gateway)> silos = [];
    private PrivateAzurite azurite = null!;

    public AzureClusterProcessTests() => processes = new AmberProcesses(folder);

    public async Task InitializeAsync()
    {
        azurite = await PrivateAzurite.StartAsync();
        StartSilo("silo-a");
        StartSilo("silo-b");
        foreach (var (name, (api, _)) in silos)
            await processes.WaitAsync(async () => (await api.GetAsync("health")).IsSuccessStatusCode, TimeSpan.FromSeconds(90), $"{name}'s /health");
    }

    public Task DisposeAsync()
    {
        processes.Dispose();
        foreach (var (api, _) in silos.Values) api.Dispose();
        azurite?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => Directory.Delete(folder, true);

    [Fact]
    public async Task A_silo_killed_mid_sweep_loses_no_run_and_changes_no_metric()
    {
        var b = silos["silo-b"].Api;
        string cluster = "azure:" + azurite.ConnectionString;
        processes.Start("wk-a", "worker", "--cluster", cluster, "--id", "wk-a", "--executor", "noop", "--noop-epoch-ms", "500");
        processes.Start("wk-b", "worker", "--gateways", $"127.0.0.1:{silos["silo-a"].Gateway},127.0.0.1:{silos["silo-b"].Gateway}", "--id", "wk-b",
            "--executor", "noop", "--noop-epoch-ms", "500");
        await processes.WaitAsync(async () => (await b.GetFromJsonAsync<WorkerView[]>("api/workers", AmberSilo.Json))!.Count(w => w.Status == "alive") == 2,
            TimeSpan.FromSeconds(90), "two live workers");

        var sweep = await SubmitAsync(silos["silo-a"].Api);
        await processes.WaitAsync(async () => (await b.GetFromJsonAsync<SweepView>($"api/sweeps/{sweep.Id}", AmberSilo.Json))!.Succeeded >= 3,
            TimeSpan.FromSeconds(120), "three runs to succeed");
        processes.Signal("silo-a", "KILL");
        var done = await CompletedAsync(b, sweep);
        Assert.Equal(("succeeded", PlannedRuns, 0, 0), (done.Status, done.Succeeded, done.Failed, done.Cancelled));
        var runs = (await b.GetFromJsonAsync<RunView[]>($"api/sweeps/{sweep.Id}/runs", AmberSilo.Json))!;
        Assert.Equal(PlannedRuns, runs.Select(r => r.Id).Distinct().Count());
        Assert.All(runs, r => Assert.Equal("succeeded", r.Status));

        var reference = await SubmitAsync(b);
        await CompletedAsync(b, reference);
        var clean = await MetricsByRunAsync(b, reference);
        Assert.Equal(PlannedRuns, clean.Count);
        Assert.Equal(clean.OrderBy(kv => kv.Key), (await MetricsByRunAsync(b, sweep)).OrderBy(kv => kv.Key));

        // The grain state is in the account's blobs (the profile's Blob grain storage), not in a local file.
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(AzureClusterProfile.GrainStateContainer);
        int blobs = 0;
        await foreach (var _ in container.GetBlobsAsync()) blobs++;
        Assert.True(blobs >= PlannedRuns, $"only {blobs} grain state blobs");
        Assert.False(File.Exists(Path.Combine(folder, ".amber", "state.db")));

        string logs = processes.AllOutput();
        Assert.DoesNotContain(PrivateAzurite.AccountKey, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(userToken, logs, StringComparison.Ordinal);
    }

    private void StartSilo(string name)
    {
        int http = AmberSilo.FreePort(), gateway = AmberSilo.FreePort();
        processes.Start(name, "silo", "--cluster", "azure:" + azurite.ConnectionString, "--urls", $"http://127.0.0.1:{http}",
            "--silo-port", AmberSilo.FreePort().ToString(), "--gateway-port", gateway.ToString(), "--user-token", userToken, "--lease-seconds", "2",
            "--blobs", $"file:{folder}/blobs");
        var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}/"), Timeout = TimeSpan.FromSeconds(30) };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", userToken);
        silos[name] = (api, gateway);
    }

    private static async Task<SweepView> SubmitAsync(HttpClient api)
    {
        var created = await api.PostAsync("api/sweeps", new StringContent(Spec, Encoding.UTF8, "application/yaml"));
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<SweepView>(AmberSilo.Json))!;
    }

    private async Task<SweepView> CompletedAsync(HttpClient api, SweepView sweep)
    {
        SweepView? view = null;
        await processes.WaitAsync(async () => (view = await api.GetFromJsonAsync<SweepView>($"api/sweeps/{sweep.Id}", AmberSilo.Json))!.Completed,
            TimeSpan.FromSeconds(240), $"sweep {sweep.Id} to complete");
        return view!;
    }

    private static async Task<Dictionary<string, string>> MetricsByRunAsync(HttpClient api, SweepView sweep)
    {
        var result = new Dictionary<string, string>();
        foreach (var r in (await api.GetFromJsonAsync<RunView[]>($"api/sweeps/{sweep.Id}/runs", AmberSilo.Json))!)
        {
            var rows = (await api.GetFromJsonAsync<Amber.Grains.Contracts.MetricRow[]>($"api/runs/{r.Id}/metrics", AmberSilo.Json))!;
            Assert.NotEmpty(rows);
            result[$"{r.TrialIndex}/{r.Fold}/{r.Seed}"] = string.Join(";", rows.Select(m => $"{m.Split}/{m.Level}/{m.Name}={m.Value:R}"));
        }
        return result;
    }
}
