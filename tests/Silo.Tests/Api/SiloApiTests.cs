using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amber.Grains;
using Amber.Grains.Contracts;
using Amber.Grains.Runs;
using Amber.Silo.Api;
using Amber.Silo.Hosting;

namespace Amber.Silo.Tests.Api;

/// <summary>
/// The HTTP API over a real Orleans silo: routes, JSON, problem details, auth, data roots and server-sent events. Workers
/// are played by the test through the cluster client, exactly as <c>amber worker</c> talks to the grains.
/// </summary>
public sealed class SiloApiTests : IAsyncLifetime
{
    private const string Spec = "name: api\nmethods: [ce, amber2]\nprotocol: {folds: 2, seeds: [1, 2]}\n";
    private SiloApiFactory factory = null!;

    public async Task InitializeAsync() => factory = await SiloApiFactory.StartAsync();

    public async Task DisposeAsync() => await factory.DisposeAsync();

    private static StringContent Yaml(string text) => new(text, Encoding.UTF8, "application/yaml");

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;

    private ISchedulerGrain Scheduler => factory.Cluster.GetGrain<ISchedulerGrain>(0);

    private async Task<WorkItem> NextAsync(string worker)
    {
        for (int i = 0; i < 40; i++)
            if (await Scheduler.NextAsync(worker, TimeSpan.FromMilliseconds(500)) is { } item && !await Cluster.NoFeatureSets.AnswerAsync(factory.Cluster, worker, item)) return item;
        throw new TimeoutException($"no work for {worker}");
    }

    [Fact]
    public async Task Health_is_open_and_everything_else_needs_a_user_token()
    {
        var anonymous = factory.Client(null);
        var health = await anonymous.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("memory", (await JsonAsync(health)).GetProperty("store").GetString());

        foreach (var (method, path) in new[] { ("GET", "/api/sweeps"), ("POST", "/api/sweeps"), ("GET", "/api/workers"), ("GET", "/api/events"),
                     ("GET", "/openapi/v1.json"), ("GET", "/api/runs/x"), ("POST", "/api/sweeps/x/cancel") })
        {
            var r = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? new StringContent("{}", Encoding.UTF8, "application/json") : null });
            Assert.True(r.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} answered {r.StatusCode} without a token");
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Client("wrong").GetAsync("/api/sweeps")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Client(SiloApiFactory.UserToken + "x").GetAsync("/api/sweeps")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.Client(SiloApiFactory.UserToken).GetAsync("/api/sweeps")).StatusCode);
    }

    [Fact]
    public async Task An_invalid_sweep_is_a_validation_problem_naming_every_path()
    {
        var user = factory.Client(SiloApiFactory.UserToken);
        var r = await user.PostAsync("/api/sweeps", Yaml("methods: [ce, bogus]\nbudget: {max_trials: 0}\nextra: 1\n"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var errors = (await JsonAsync(r)).GetProperty("errors");
        Assert.Contains("line 1", errors.GetProperty("methods")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("out of range", errors.GetProperty("budget.max_trials")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("unknown key 'extra'", errors.GetProperty("extra")[0].GetString(), StringComparison.Ordinal);

        // A YAML syntax error names its line and column, and is a 400, not a 500.
        var syntax = await user.PostAsync("/api/sweeps", Yaml("name: x\nmethods: [ce, amber2\n"));
        Assert.Equal(HttpStatusCode.BadRequest, syntax.StatusCode);
        Assert.Contains("line", (await syntax.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Empty((await user.GetFromJsonAsync<SweepView[]>("/api/sweeps", AmberSilo.Json))!);
    }

    [Fact]
    public async Task Paths_outside_the_data_roots_are_refused_naming_the_field_and_quoting_no_file()
    {
        var user = factory.Client(SiloApiFactory.UserToken);
        string inside = Directory.CreateDirectory(Path.Combine(factory.DataRoot, "iemocap")).FullName;
        string outsideLink = Path.Combine(factory.DataRoot, "escape");
        File.CreateSymbolicLink(outsideLink, "/etc");
        foreach (var (yaml, field) in new[]
                 {
                     ("corpus: iemocap:/etc\n", "corpus"),
                     ($"corpus: iemocap:{factory.DataRoot}/../..\n", "corpus"),
                     ($"corpus: iemocap:{outsideLink}\n", "corpus"),
                     ("features: npy:/tmp\n", "features"),
                     ("labels: {extra_votes: /etc/passwd}\n", "labels.extra_votes"),
                 })
        {
            var r = await user.PostAsync("/api/sweeps", Yaml("name: roots\nmethod: ce\n" + yaml));
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            string body = await r.Content.ReadAsStringAsync();
            Assert.True((await JsonAsync(r)).GetProperty("errors").TryGetProperty(field, out _), $"{yaml.Trim()}: no error on {field}: {body}");
            Assert.DoesNotContain("root:", body, StringComparison.Ordinal);          // /etc/passwd's first line never comes back
        }
        var ok = await user.PostAsync("/api/sweeps", Yaml($"name: roots\nmethod: ce\ncorpus: iemocap:{inside}\n"));
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        var sweep = (await ok.Content.ReadFromJsonAsync<SweepView>(AmberSilo.Json))!;
        await user.PostAsync($"/api/sweeps/{sweep.Id}/cancel", null);
    }

    [Fact]
    public async Task Submit_then_work_it_as_a_cluster_client_and_read_results_curves_and_workers()
    {
        var user = factory.Client(SiloApiFactory.UserToken);
        var created = await user.PostAsync("/api/sweeps", Yaml(Spec));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var sweep = (await created.Content.ReadFromJsonAsync<SweepView>(AmberSilo.Json))!;
        Assert.Equal(("running", 8), (sweep.Status, sweep.PlannedRuns));
        Assert.Equal($"/api/sweeps/{sweep.Id}", created.Headers.Location!.OriginalString);
        Assert.Equal(sweep.Id, (await user.GetFromJsonAsync<SweepView[]>("/api/sweeps", AmberSilo.Json))!.Single().Id);

        var waiting = (await user.GetFromJsonAsync<RunView[]>($"/api/sweeps/{sweep.Id}/runs", AmberSilo.Json))!;
        Assert.Equal(8, waiting.Length);
        Assert.All(waiting, r => Assert.Equal("features being prepared: planning the shards; no live worker is connected to prepare them", r.PendingReason));
        var one = (await user.GetFromJsonAsync<RunView>($"/api/runs/{waiting[3].Id}", AmberSilo.Json))!;
        Assert.Equal(("queued", 0), (one.Status, one.Attempt));

        await factory.Cluster.GetGrain<IWorkerGrain>("wk-api").RegisterAsync(new WorkerCapabilities("api-worker", Slots: 8, Cores: 2, Gpus: 1));
        var workers = (await user.GetFromJsonAsync<WorkerView[]>("/api/workers", AmberSilo.Json))!;
        Assert.Equal(("api-worker", "alive", 8, 1), (workers.Single().Name, workers.Single().Status, workers.Single().Slots, workers.Single().Gpus));

        double[] bc = [1, 2, 3, 4];
        for (int i = 0; i < 8; i++)
        {
            var run = (await NextAsync("wk-api")).Run!;
            var grain = factory.Cluster.GetGrain<IRunGrain>(run.RunId);
            Assert.True((await grain.RenewAsync("wk-api", run.Attempt)).Accepted);
            Assert.True((await grain.ReportProgressAsync("wk-api", run.Attempt, new EpochProgress(1, new Dictionary<string, double> { ["loss"] = 0.5 }))).Accepted);
            var metrics = new MetricRow[] { new("test", "all", "bc", bc[run.Protocol.Fold * 2 + run.Protocol.Seed - 3]), new("validation", "all", "js", 0.1) };
            Assert.True((await grain.CompleteAsync("wk-api", run.Attempt, new RunOutcome(metrics, new Dictionary<string, string>(), 1))).Accepted);
            Assert.True((await grain.CompleteAsync("wk-api", run.Attempt, RunOutcome.Empty)).Accepted);   // a repeat is acknowledged
            var late = await grain.FailAsync("wk-api", run.Attempt, "late");
            Assert.False(late.Accepted);
            Assert.Contains("is succeeded", late.Reason, StringComparison.Ordinal);
        }
        var summary = await NextAsync("wk-api");
        Assert.Equal(WorkKind.Summary, summary.Kind);
        Assert.True(await factory.Cluster.GetGrain<ISweepGrain>(sweep.Id).CompleteSummaryAsync("wk-api", summary.SummaryAttempt, null));

        var done = (await user.GetFromJsonAsync<SweepView>($"/api/sweeps/{sweep.Id}", AmberSilo.Json))!;
        Assert.Equal(("succeeded", 8, true), (done.Status, done.Succeeded, done.Completed));
        var results = (await user.GetFromJsonAsync<TrialResultView[]>($"/api/sweeps/{sweep.Id}/results", AmberSilo.Json))!;
        Assert.Equal(["ce", "amber2"], results.Select(t => t.Parameters.GetProperty("method").GetString()));
        var testBc = results[0].Metrics.Single(m => m is { Split: "test", Name: "bc" });
        // Runs of each trial got 1, 2, 3, 4: mean 2.5, sample std sqrt(5/3) (written out by hand).
        Assert.Equal(2.5, testBc.Mean, 12);
        Assert.Equal(Math.Sqrt(5.0 / 3.0), testBc.Std, 12);
        Assert.Equal(4, testBc.N);
        var trials = (await user.GetFromJsonAsync<TrialView[]>($"/api/sweeps/{sweep.Id}/trials", AmberSilo.Json))!;
        Assert.All(trials, t => Assert.Equal(("succeeded", 4), (t.Status, t.Succeeded)));
        var runId = results[0].TrialId + "-f1-s1";
        var curve = (await user.GetFromJsonAsync<CurvePointView[]>($"/api/runs/{runId}/curves", AmberSilo.Json))!;
        Assert.Equal(new CurvePointView(1, "loss", 0.5), Assert.Single(curve));
        var runMetrics = (await user.GetFromJsonAsync<MetricRow[]>($"/api/runs/{runId}/metrics", AmberSilo.Json))!;
        Assert.Equal(["bc", "js"], runMetrics.Select(m => m.Name));
        Assert.Equal(HttpStatusCode.NotFound, (await user.GetAsync("/api/runs/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.GetAsync("/api/sweeps/nope/results")).StatusCode);
    }

    [Fact]
    public async Task Cancel_a_sweep_and_a_missing_one_is_404()
    {
        var user = factory.Client(SiloApiFactory.UserToken);
        var sweep = (await (await user.PostAsync("/api/sweeps", Yaml(Spec))).Content.ReadFromJsonAsync<SweepView>(AmberSilo.Json))!;
        var cancelled = (await (await user.PostAsync($"/api/sweeps/{sweep.Id}/cancel", null)).Content.ReadFromJsonAsync<SweepView>(AmberSilo.Json))!;
        Assert.Equal(("cancelled", 8), (cancelled.Status, cancelled.Cancelled));
        var runs = (await user.GetFromJsonAsync<RunView[]>($"/api/sweeps/{sweep.Id}/runs", AmberSilo.Json))!;
        Assert.All(runs, r => Assert.Equal(("cancelled", (string?)null), (r.Status, r.PendingReason)));
        Assert.Equal(HttpStatusCode.NotFound, (await user.PostAsync("/api/sweeps/sw-none/cancel", null)).StatusCode);
    }

    [Fact]
    public async Task A_worker_cannot_act_on_another_workers_lease_and_stale_attempts_are_refused()
    {
        var user = factory.Client(SiloApiFactory.UserToken);
        Assert.Equal(HttpStatusCode.Created, (await user.PostAsync("/api/sweeps", Yaml("method: ce\nprotocol: {folds: [1], seeds: 1}\n"))).StatusCode);
        var run = (await NextAsync("wk-a")).Run!;
        Assert.Null(await Scheduler.NextAsync("wk-b", TimeSpan.FromMilliseconds(200)));
        var grain = factory.Cluster.GetGrain<IRunGrain>(run.RunId);
        var foreign = await grain.CompleteAsync("wk-b", run.Attempt, RunOutcome.Empty);
        Assert.False(foreign.Accepted);
        Assert.Contains("worker wk-b does not hold run", foreign.Reason, StringComparison.Ordinal);
        var stale = await grain.RenewAsync("wk-a", run.Attempt + 1);
        Assert.False(stale.Accepted);
        Assert.Contains("stale", stale.Reason, StringComparison.Ordinal);
        var view = (await user.GetFromJsonAsync<RunView>($"/api/runs/{run.RunId}", AmberSilo.Json))!;
        Assert.Equal(("running", 1, (string?)null), (view.Status, view.Attempt, view.PendingReason));
        Assert.True((await grain.CompleteAsync("wk-a", run.Attempt, RunOutcome.Empty)).Accepted);
    }

    [Fact]
    public async Task Events_stream_as_server_sent_events()
    {
        var user = factory.Client(SiloApiFactory.UserToken);
        var sweep = (await (await user.PostAsync("/api/sweeps", Yaml(Spec))).Content.ReadFromJsonAsync<SweepView>(AmberSilo.Json))!;

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var subscribed = new TaskCompletionSource();
        var reading = Task.Run(async () =>
        {
            using var response = await user.GetAsync($"/api/events?sweep={sweep.Id}", HttpCompletionOption.ResponseHeadersRead, stop.Token);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
            // An event is its lines up to a blank line; stop after the first whole run-finished event.
            var current = new List<string>();
            while (await reader.ReadLineAsync(stop.Token) is { } line)
            {
                if (line == "event: subscribed") subscribed.TrySetResult();
                if (line.Length > 0) { current.Add(line); continue; }
                foreach (var l in current) seen.Enqueue(l);
                if (current.Contains("event: run-finished")) return;
                current.Clear();
            }
        });

        // The stream opens with a "subscribed" event, so once it arrives no later event can be missed.
        await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var run = (await NextAsync("wk-sse")).Run!;
        var grain = factory.Cluster.GetGrain<IRunGrain>(run.RunId);
        await grain.ReportProgressAsync("wk-sse", run.Attempt, new EpochProgress(1, new Dictionary<string, double> { ["loss"] = 0.25 }));
        await grain.CompleteAsync("wk-sse", run.Attempt, RunOutcome.Empty);
        await reading.WaitAsync(TimeSpan.FromSeconds(20));
        var events = seen.Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
            .Select(l => JsonSerializer.Deserialize<SweepEvent>(l["data: ".Length..], AmberSilo.Json)!).ToList();
        Assert.Contains(events, e => e.Kind == "run-started" && e.RunId == run.RunId);
        Assert.Contains(events, e => e is { Kind: "run-progress" } && e.Progress!.Values["loss"] == 0.25);
        var finished = events.Single(e => e.Kind == "run-finished");
        Assert.Equal((sweep.Id, "succeeded", run.RunId), (finished.SweepId, finished.Status, finished.RunId));
        await user.PostAsync($"/api/sweeps/{sweep.Id}/cancel", null);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_api()
    {
        var doc = await JsonAsync(await factory.Client(SiloApiFactory.UserToken).GetAsync("/openapi/v1.json"));
        var paths = doc.GetProperty("paths");
        foreach (var p in new[] { "/api/sweeps", "/api/sweeps/{id}/runs", "/api/sweeps/{id}/results", "/api/runs/{id}/curves", "/api/workers", "/api/events", "/health" })
            Assert.True(paths.TryGetProperty(p, out _), $"OpenAPI document lacks {p}");
    }

    [Fact]
    public async Task The_orleans_dashboard_is_behind_the_user_token_through_a_path_limited_session_cookie()
    {
        var anonymous = factory.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/orleans-dashboard/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/session/orleans-dashboard", null)).StatusCode);

        var session = await factory.Client(SiloApiFactory.UserToken).PostAsync("/api/session/orleans-dashboard", null);
        Assert.Equal(HttpStatusCode.NoContent, session.StatusCode);
        string setCookie = session.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/orleans-dashboard", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(SiloApiFactory.UserToken, setCookie, StringComparison.Ordinal);   // the cookie is not the token
        string cookie = setCookie.Split(';')[0];

        HttpResponseMessage With(string path, string value)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Cookie", value);
            return anonymous.Send(request);
        }
        var page = With("/orleans-dashboard/", cookie);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, With("/api/sweeps", cookie).StatusCode);                       // nowhere else
        Assert.Equal(HttpStatusCode.Unauthorized, With("/orleans-dashboard/", cookie[..^4] + "AAA=").StatusCode);  // forged
    }
}
