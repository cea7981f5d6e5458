using System.Text;
using System.Net.Http.Json;
using Amber.Grains.Contracts;
using Amber.Silo.Api;
using Amber.Silo.Hosting;

namespace Amber.Silo.Tests.Cluster;

/// <summary>
/// Real processes on loopback: one <c>amber silo</c> and three <c>amber worker</c> processes (Orleans clients through the
/// silo's gateway). One worker is killed with SIGKILL while it trains, another frozen with SIGSTOP past its lease and then
/// resumed. The sweep still completes with exactly its planned runs, the frozen worker's late results are refused,
/// and every run's metrics equal those of a fault-free sweep of the same document.
/// </summary>
public sealed class ProcessClusterTests : IAsyncLifetime
{
    private const string UserToken = "process-cluster-token-0123456789";
    private const string Spec = "name: drill\nmethods: [ce, amber2]\nprotocol: {folds: 3, seeds: [1, 2]}\nbudget: {max_parallel_runs: 3}\nretries: 3\n";
    private readonly string folder = Directory.CreateTempSubdirectory("amber-process-cluster-").FullName;
    private readonly AmberProcesses processes;
    private HttpClient api = null!;
    private int gateway;

    public ProcessClusterTests() => processes = new AmberProcesses(folder);

    public async Task InitializeAsync() => (api, gateway) = await processes.StartLocalSiloAsync(UserToken, leaseSeconds: 2);

    public Task DisposeAsync()
    {
        processes.Dispose();
        api.Dispose();
        Directory.Delete(folder, true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Killed_and_frozen_workers_lose_no_run_and_the_results_equal_a_fault_free_sweep()
    {
        foreach (var w in new[] { "wk-a", "wk-b", "wk-c" })
            Start(w, "worker", "--gateways", $"127.0.0.1:{gateway}", "--id", w, "--executor", "noop", "--noop-epoch-ms", "700", "--blobs", $"file:{folder}/blobs");
        await WaitAsync(async () => (await api.GetFromJsonAsync<WorkerView[]>("api/workers", AmberSilo.Json))!.Count(w => w.Status == "alive") == 3,
            TimeSpan.FromSeconds(60), "three live workers");

        var sweep = await SubmitAsync();
        // wk-a is killed while it holds a run; wk-b is frozen while it holds another.
        var killed = await HeldByAsync(sweep, "wk-a");
        Kill("wk-a", "KILL");
        var frozen = await HeldByAsync(sweep, "wk-b");
        Kill("wk-b", "STOP");
        await WaitAsync(async () => (await RunAsync(frozen)).Attempt >= 2, TimeSpan.FromSeconds(60), $"run {frozen} to be handed out again");
        Kill("wk-b", "CONT");

        var done = await CompletedAsync(sweep.Id);
        Assert.Equal(("succeeded", 12, 0, 0), (done.Status, done.Succeeded, done.Failed, done.Cancelled));
        var runs = (await api.GetFromJsonAsync<RunView[]>($"api/sweeps/{sweep.Id}/runs", AmberSilo.Json))!;
        Assert.Equal(12, runs.Select(r => r.Id).Distinct().Count());
        Assert.All(runs, r => Assert.Equal("succeeded", r.Status));
        Assert.True((await RunAsync(killed)).Attempt >= 2, $"run {killed} of the killed worker was not retried");
        Assert.NotEqual("wk-a", (await RunAsync(killed)).Workers.SingleOrDefault());

        // The frozen worker woke up to a stale attempt: its renewal or commit was refused and it dropped the work.
        // (Its renewal, epoch report or commit is refused first, whichever it sends first after waking.)
        await WaitAsync(() => Task.FromResult(new[] { "dropping the attempt", "commit refused", "renewal refused" }
            .Any(m => Output("wk-b").Contains(m, StringComparison.Ordinal))), TimeSpan.FromSeconds(60), "wk-b to drop its stale attempt");
        var frozenRun = await RunAsync(frozen);
        Assert.NotEqual("wk-b", frozenRun.Workers.SingleOrDefault());

        // A fault-free sweep of the same document on the surviving workers gives the same metrics, run by run.
        var reference = await SubmitAsync();
        await CompletedAsync(reference.Id);
        var faulty = await MetricsByRunAsync(sweep.Id);
        var clean = await MetricsByRunAsync(reference.Id);
        Assert.Equal(12, clean.Count);
        Assert.Equal(clean.OrderBy(kv => kv.Key).Select(kv => kv.Value), faulty.OrderBy(kv => kv.Key).Select(kv => kv.Value));
    }

    private async Task<SweepView> SubmitAsync()
    {
        var created = await api.PostAsync("api/sweeps", new StringContent(Spec, Encoding.UTF8, "application/yaml"));
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<SweepView>(AmberSilo.Json))!;
    }

    private async Task<RunView> RunAsync(string id) => (await api.GetFromJsonAsync<RunView>($"api/runs/{id}", AmberSilo.Json))!;

    /// <summary>
    /// A run <paramref name="worker"/> started less than half a second ago (a run takes 2.1 s), so the signal that follows
    /// lands while the worker still holds it, not just after it committed and moved on.
    /// </summary>
    private async Task<string> HeldByAsync(SweepView sweep, string worker)
    {
        string? run = null;
        await WaitAsync(async () =>
        {
            var runs = (await api.GetFromJsonAsync<RunView[]>($"api/sweeps/{sweep.Id}/runs", AmberSilo.Json))!;
            run = runs.FirstOrDefault(r => r.Status == "running" && r.Workers.Contains(worker) && DateTimeOffset.UtcNow - r.UpdatedAt < TimeSpan.FromMilliseconds(500))?.Id;
            return run is not null;
        }, TimeSpan.FromSeconds(60), $"{worker} to start a run");
        return run!;
    }

    private async Task<SweepView> CompletedAsync(string id)
    {
        SweepView? view = null;
        await WaitAsync(async () => (view = await api.GetFromJsonAsync<SweepView>($"api/sweeps/{id}", AmberSilo.Json))!.Completed, TimeSpan.FromSeconds(120), $"sweep {id} to complete");
        return view!;
    }

    // Key: trial index, fold, seed (run ids differ between sweeps); value: the committed metric rows.
    private async Task<Dictionary<string, string>> MetricsByRunAsync(string sweepId)
    {
        var result = new Dictionary<string, string>();
        foreach (var r in (await api.GetFromJsonAsync<RunView[]>($"api/sweeps/{sweepId}/runs", AmberSilo.Json))!)
        {
            var rows = (await api.GetFromJsonAsync<MetricRow[]>($"api/runs/{r.Id}/metrics", AmberSilo.Json))!;
            Assert.NotEmpty(rows);
            result[$"{r.TrialIndex}/{r.Fold}/{r.Seed}"] = string.Join(";", rows.Select(m => $"{m.Split}/{m.Level}/{m.Name}={m.Value:R}"));
        }
        return result;
    }

    private void Start(string name, params string[] args) => processes.Start(name, args);

    private string Output(string name) => processes.Output(name);

    private void Kill(string name, string signal) => processes.Signal(name, signal);

    private Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) => processes.WaitAsync(condition, timeout, what);
}
