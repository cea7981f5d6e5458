using System.Diagnostics;
using System.Text;
using System.Net.Http.Json;
using Amber.Grains.Contracts;
using Amber.Silo.Api;
using Amber.Silo.Hosting;

namespace Amber.Silo.Tests.Cluster;

/// <summary>
/// Data-parallel training across real processes on loopback: one <c>amber silo</c> and three <c>amber worker --executor
/// training</c> processes whose ring listeners the run grain hands out. A W = 1 sweep and a W = 3 sweep of the same run
/// train; one rank of the W = 3 run is killed with SIGKILL in the middle of training: the other ranks fail the attempt at
/// once (the ring sees the connection drop), a replacement worker joins, the run resumes from its last checkpoint on the
/// new gang, and the sweep completes with exactly its planned run, whose metrics equal those of an uninterrupted W = 3
/// sweep bit for bit, and those of the W = 1 sweep to float summation order.
/// </summary>
public sealed class GangProcessTests : IAsyncLifetime
{
    private const string UserToken = "gang-process-token-0123456789abcd";
    private readonly string folder = Directory.CreateTempSubdirectory("amber-gang-process-").FullName;
    private readonly AmberProcesses processes;
    private readonly Dictionary<string, int> collectiveTimeout = [];
    private HttpClient api = null!;
    private int gateway;

    // Retries beyond the one failure each drill causes: on a loaded machine a short ring timeout can fail an attempt more.
    private static string Spec(string name, int gang) => $"""
        name: {name}
        corpus: synthetic
        methods: [amber2]
        protocol: {"{"}folds: 1, seeds: [7]{"}"}
        space: {"{"}max_epochs: 12, patience: 0, hidden: 64, batch_size: 16{"}"}
        gang_size: {gang}
        retries: 6
        """;

    public GangProcessTests() => processes = new AmberProcesses(folder);

    public async Task InitializeAsync() => (api, gateway) = await processes.StartLocalSiloAsync(UserToken, leaseSeconds: 6);

    public Task DisposeAsync()
    {
        processes.Dispose();
        api.Dispose();
        Directory.Delete(folder, true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_rank_killed_mid_training_resumes_on_a_new_gang_and_ends_with_an_uninterrupted_runs_metrics()
    {
        foreach (var w in new[] { "wk-a", "wk-b", "wk-c" }) StartWorker(w);
        await WaitAsync(async () => (await api.GetFromJsonAsync<WorkerView[]>("api/workers", AmberSilo.Json))!.Count(w => w.Status == "alive") == 3,
            TimeSpan.FromSeconds(60), "three live workers");

        // W = 1 first: it also builds the feature set every later run reads from the shared blob store.
        var single = await SubmitAsync(Spec("single", 1));
        await CompletedAsync(single.Id);

        var gang = await SubmitAsync(Spec("gang", 3));
        RunView? running = null;
        await WaitAsync(async () =>
        {
            running = (await api.GetFromJsonAsync<RunView[]>($"api/sweeps/{gang.Id}/runs", AmberSilo.Json))!.Single();
            if (running.Status != "running") return false;
            var curve = (await api.GetFromJsonAsync<CurvePointView[]>($"api/runs/{running.Id}/curves", AmberSilo.Json))!;
            return curve.Any(p => p.Epoch >= 3);
        }, TimeSpan.FromSeconds(120), "the W = 3 run to train three epochs");
        Assert.Equal(3, running!.Workers.Count);
        // Kill rank 0: the rank that writes checkpoints and reports epochs.
        string victim = running.Workers[0];
        Kill(victim, "KILL");
        StartWorker("wk-d");

        var done = await CompletedAsync(gang.Id);
        Assert.Equal(("succeeded", 1, 0, 0), (done.Status, done.Succeeded, done.Failed, done.Cancelled));
        var run = (await api.GetFromJsonAsync<RunView[]>($"api/sweeps/{gang.Id}/runs", AmberSilo.Json))!.Single();
        Assert.Equal("succeeded", run.Status);
        Assert.True(run.Attempt >= 2, $"the run was not retried (attempt {run.Attempt})");
        // The surviving ranks failed the attempt themselves (they did not wait for the lease of the dead one to lapse).
        await WaitAsync(() => Task.FromResult(processes.Names.Where(n => n != victim && n.StartsWith("wk-", StringComparison.Ordinal))
            .Any(n => Output(n).Contains("CollectiveException", StringComparison.Ordinal))), TimeSpan.FromSeconds(10), "a surviving rank to report the collective failure");
        // The retry resumed from a checkpoint: its curve starts after epoch 1.
        var resumedCurve = (await api.GetFromJsonAsync<CurvePointView[]>($"api/runs/{run.Id}/curves", AmberSilo.Json))!;
        Assert.True(resumedCurve.Min(p => p.Epoch) >= 3, $"the final attempt trained from epoch {resumedCurve.Min(p => p.Epoch)}");
        Assert.Equal(12, resumedCurve.Max(p => p.Epoch));
        // A finished run keeps no checkpoint.
        await WaitAsync(() => Task.FromResult(!Directory.EnumerateFiles(Path.Combine(folder, "blobs", "sweeps", gang.Id), "*.ckpt", SearchOption.AllDirectories).Any()),
            TimeSpan.FromSeconds(30), "the run's checkpoints to be deleted");

        var reference = await SubmitAsync(Spec("reference", 3));
        var clean = await CompletedAsync(reference.Id);
        Assert.Equal(1, clean.Succeeded);
        var faulty = await MetricsAsync(gang.Id);
        Assert.Equal(await MetricsAsync(reference.Id), faulty);             // the same doubles, bit for bit
        var one = await MetricsAsync(single.Id);
        Assert.Equal(one.Keys, faulty.Keys);
        foreach (var (key, value) in one)
            Assert.True(Math.Abs(value - faulty[key]) <= 1e-4, $"{key}: W = 1 gives {value:R}, W = 3 gives {faulty[key]:R}");
    }

    [Fact]
    public async Task A_stopped_rank_fails_the_attempt_on_every_rank_within_the_collective_timeout_and_the_run_resumes_without_it()
    {
        // A short ring timeout: a stopped peer must be given up on within it.
        foreach (var w in new[] { "wk-a", "wk-b", "wk-c" }) StartWorker(w, collectiveTimeoutSeconds: 5);
        await WaitAsync(async () => (await api.GetFromJsonAsync<WorkerView[]>("api/workers", AmberSilo.Json))!.Count(w => w.Status == "alive") == 3,
            TimeSpan.FromSeconds(60), "three live workers");
        await CompletedAsync((await SubmitAsync(Spec("warm-up", 1))).Id);   // builds the shared feature set once

        var gang = await SubmitAsync(Spec("stopped", 3));
        RunView? running = null;
        await WaitAsync(async () =>
        {
            running = (await api.GetFromJsonAsync<RunView[]>($"api/sweeps/{gang.Id}/runs", AmberSilo.Json))!.Single();
            if (running.Status != "running") return false;
            var curve = (await api.GetFromJsonAsync<CurvePointView[]>($"api/runs/{running.Id}/curves", AmberSilo.Json))!;
            return curve.Any(p => p.Epoch >= 3);
        }, TimeSpan.FromSeconds(120), "the W = 3 run to train three epochs");
        string frozen = running!.Workers[1];
        var survivors = running.Workers.Where(w => w != frozen).ToList();
        Kill(frozen, "STOP");
        var stopped = Stopwatch.StartNew();
        // The ring's timeout is 5 s here (AMBER_COLLECTIVE_TIMEOUT_SECONDS); the lease is 6 s. Both survivors must report the
        // collective failure themselves, not hang until someone else notices.
        await WaitAsync(() => Task.FromResult(survivors.All(w => Output(w).Contains("CollectiveException", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(60), "both surviving ranks to fail the collective");
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(30), $"the survivors took {stopped.Elapsed.TotalSeconds:F1} s to give up on a stopped peer");
        StartWorker("wk-d", collectiveTimeoutSeconds: 5);

        var done = await CompletedAsync(gang.Id);
        Assert.Equal(("succeeded", 1, 0), (done.Status, done.Succeeded, done.Failed));
        var run = (await api.GetFromJsonAsync<RunView[]>($"api/sweeps/{gang.Id}/runs", AmberSilo.Json))!.Single();
        Assert.True(run.Attempt >= 2, $"the run was not retried (attempt {run.Attempt})");
        Assert.DoesNotContain(frozen, run.Workers);
        var curve = (await api.GetFromJsonAsync<CurvePointView[]>($"api/runs/{run.Id}/curves", AmberSilo.Json))!;
        Assert.True(curve.Min(p => p.Epoch) >= 3, $"the final attempt trained from epoch {curve.Min(p => p.Epoch)}");

        // Woken up, the frozen worker finds its attempt stale and drops it.
        Kill(frozen, "CONT");
        // (Its ring broke while it slept: it either sees the refused renewal first, or the broken collective and a refused failure report.)
        await WaitAsync(() => Task.FromResult(Output(frozen).Contains("dropping the attempt", StringComparison.Ordinal)
                                              || Output(frozen).Contains($"run {run.Id} attempt 1 failed", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), $"{frozen} to drop its stale attempt");
        Assert.Equal(1, (await api.GetFromJsonAsync<SweepView>($"api/sweeps/{gang.Id}", AmberSilo.Json))!.Succeeded);
    }

    private void StartWorker(string id, int collectiveTimeoutSeconds = 30)
    {
        Directory.CreateDirectory(Path.Combine(folder, id));
        collectiveTimeout[id] = collectiveTimeoutSeconds;
        Start(id, "worker", "--gateways", $"127.0.0.1:{gateway}", "--id", id, "--executor", "training", "--blobs", $"file:{folder}/blobs");
    }

    private async Task<SweepView> SubmitAsync(string spec)
    {
        var created = await api.PostAsync("api/sweeps", new StringContent(spec, Encoding.UTF8, "application/yaml"));
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<SweepView>(AmberSilo.Json))!;
    }

    private async Task<SweepView> CompletedAsync(string id)
    {
        SweepView? view = null;
        await WaitAsync(async () => (view = await api.GetFromJsonAsync<SweepView>($"api/sweeps/{id}", AmberSilo.Json))!.Completed, TimeSpan.FromSeconds(300), $"sweep {id} to complete");
        return view!;
    }

    // The one run's committed metric rows, keyed by split/level/name.
    private async Task<Dictionary<string, double>> MetricsAsync(string sweepId)
    {
        var run = (await api.GetFromJsonAsync<RunView[]>($"api/sweeps/{sweepId}/runs", AmberSilo.Json))!.Single();
        var rows = (await api.GetFromJsonAsync<MetricRow[]>($"api/runs/{run.Id}/metrics", AmberSilo.Json))!;
        Assert.NotEmpty(rows);
        return rows.ToDictionary(m => $"{m.Split}/{m.Level}/{m.Name}", m => m.Value);
    }

    /// <summary>Each worker has its own working folder (its synthetic corpus copy) when one was made for it; they share the blob store.</summary>
    private void Start(string name, params string[] args)
    {
        var cwd = Directory.Exists(Path.Combine(folder, name)) ? Path.Combine(folder, name) : folder;
        var environment = collectiveTimeout.TryGetValue(name, out int seconds)
            ? new Dictionary<string, string> { ["AMBER_COLLECTIVE_TIMEOUT_SECONDS"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) }
            : new Dictionary<string, string>();
        processes.StartIn(name, cwd, environment, args);
    }

    private string Output(string name) => processes.Output(name);

    private void Kill(string name, string signal) => processes.Signal(name, signal);

    private Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) => processes.WaitAsync(condition, timeout, what);
}
