using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amber.Grains.Contracts;
using Amber.Silo.Api;
using Amber.Worker.Execution;
using Amber.Silo.Hosting;
using Amber.Silo.Scheduling;
using Amber.Silo.Workers;

namespace Amber.Silo.Tests.Api;

public sealed class SiloApiTests : IAsyncLifetime
{
    private const string Spec = "name: api\nmethods: [ce, amber2]\nprotocol: {folds: 2, seeds: [1, 2]}\n";
    private readonly SiloApiFactory factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await factory.DisposeAsync();

    private static StringContent Yaml(string text) => new(text, Encoding.UTF8, "application/yaml");

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task Health_is_open_and_everything_else_needs_the_right_token()
    {
        var anonymous = factory.Client(null);
        var health = await anonymous.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("sqlite", (await JsonAsync(health)).GetProperty("store").GetString());

        foreach (var (method, path) in new[] { ("GET", "/api/sweeps"), ("POST", "/api/sweeps"), ("GET", "/api/workers"), ("POST", "/api/workers/lease"),
                     ("POST", "/api/workers/register"), ("GET", "/openapi/v1.json"), ("GET", "/api/runs/x") })
        {
            var r = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? new StringContent("{}", Encoding.UTF8, "application/json") : null });
            Assert.True(r.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} answered {r.StatusCode} without a token");
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Client("wrong").GetAsync("/api/sweeps")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Client("wk-0000000000.forged").GetAsync("/api/sweeps")).StatusCode);
        // The join token registers workers and nothing else; a user token cannot act as a worker.
        Assert.Equal(HttpStatusCode.Forbidden, (await factory.Client(SiloApiFactory.JoinToken).GetAsync("/api/sweeps")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await factory.Client(SiloApiFactory.UserToken).PostAsync("/api/workers/lease", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.Client(SiloApiFactory.UserToken).GetAsync("/api/sweeps")).StatusCode);
    }

    [Fact]
    public async Task An_invalid_sweep_is_a_validation_problem_naming_every_path()
    {
        var r = await factory.Client(SiloApiFactory.UserToken).PostAsync("/api/sweeps", Yaml("methods: [ce, bogus]\nbudget: {max_trials: 0}\nextra: 1\n"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var errors = (await JsonAsync(r)).GetProperty("errors");
        Assert.Contains("line 1", errors.GetProperty("methods")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("out of range", errors.GetProperty("budget.max_trials")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("unknown key 'extra'", errors.GetProperty("extra")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(await factory.Scheduler.Store.ListSweepsAsync());
    }

    [Fact]
    public async Task Submit_then_work_it_through_the_worker_protocol_and_read_results_and_curves()
    {
        var user = factory.Client(SiloApiFactory.UserToken);
        var created = await user.PostAsync("/api/sweeps", Yaml(Spec));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var sweep = (await created.Content.ReadFromJsonAsync<SweepView>(SiloServices.Json))!;
        Assert.Equal(("running", 8), (sweep.Status, sweep.PlannedRuns));
        Assert.Equal($"/api/sweeps/{sweep.Id}", created.Headers.Location!.OriginalString);

        var waiting = (await user.GetFromJsonAsync<RunView[]>($"/api/sweeps/{sweep.Id}/runs", SiloServices.Json))!;
        Assert.All(waiting, r => Assert.Equal("no worker with enough capacity: no live worker is registered", r.PendingReason));

        var protocol = new HttpWorkerProtocol(factory.Client(null), SiloApiFactory.JoinToken);
        var reg = await protocol.RegisterAsync(new WorkerCapabilities("http-worker", Slots: 8), default);
        Assert.StartsWith(reg.WorkerId + ".", reg.Token, StringComparison.Ordinal);
        Assert.True(await protocol.HeartbeatAsync(default));
        var workers = (await user.GetFromJsonAsync<WorkerView[]>("/api/workers", SiloServices.Json))!;
        Assert.Equal(("http-worker", "alive", 8), (workers.Single().Name, workers.Single().Status, workers.Single().Slots));

        double[] bc = [1, 2, 3, 4];
        int i = 0;
        while (await protocol.LeaseAsync(default) is { } offer)
        {
            var a = offer.Assignment;
            Assert.Equal(Grains.Runs.RunStatus.Running, offer.Status);
            Assert.True((await protocol.RenewAsync(a.RunId, a.Attempt, default)).Accepted);
            Assert.True((await protocol.ReportProgressAsync(a.RunId, a.Attempt, new EpochProgress(1, new Dictionary<string, double> { ["loss"] = 0.5 }), default)).Accepted);
            Assert.True((await protocol.RecordMetricsAsync(a.RunId, a.Attempt, [new MetricRow("val", "all", "js", 0.1)], default)).Accepted);
            var ack = await protocol.CompleteAsync(a.RunId, a.Attempt, new RunOutcome([new MetricRow("test", "all", "bc", bc[i++ % 4])], new Dictionary<string, string>(), 1), default);
            Assert.True(ack.Accepted);
            // The same attempt again is acknowledged (idempotent); a stale attempt is a 409 with the reason.
            Assert.True((await protocol.CompleteAsync(a.RunId, a.Attempt, RunOutcome.Empty, default)).Accepted);
            var late = await protocol.FailAsync(a.RunId, a.Attempt, "late", default);
            Assert.False(late.Accepted);
            Assert.Contains("is succeeded", late.Reason, StringComparison.Ordinal);
        }
        Assert.Equal(8, i);

        var done = (await user.GetFromJsonAsync<SweepView>($"/api/sweeps/{sweep.Id}", SiloServices.Json))!;
        Assert.Equal(("succeeded", 8), (done.Status, done.Succeeded));
        var results = (await user.GetFromJsonAsync<TrialResultView[]>($"/api/sweeps/{sweep.Id}/results", SiloServices.Json))!;
        Assert.Equal(["ce", "amber2"], results.Select(t => t.Parameters.GetProperty("method").GetString()));
        var testBc = results[0].Metrics.Single(m => m is { Split: "test", Name: "bc" });
        // Runs of each trial got 1, 2, 3, 4: mean 2.5, sample std sqrt(5/3) (written out by hand).
        Assert.Equal(2.5, testBc.Mean, 12);
        Assert.Equal(Math.Sqrt(5.0 / 3.0), testBc.Std, 12);
        Assert.Equal(4, testBc.N);
        var runId = results[0].TrialId + "-f1-s1";
        var curve = (await user.GetFromJsonAsync<CurvePointView[]>($"/api/runs/{runId}/curves", SiloServices.Json))!;
        Assert.Equal(new CurvePointView(1, "loss", 0.5), Assert.Single(curve));
        var metrics = (await user.GetFromJsonAsync<MetricRow[]>($"/api/runs/{runId}/metrics", SiloServices.Json))!;
        Assert.Equal(["bc", "js"], metrics.Select(m => m.Name));
        Assert.Equal(HttpStatusCode.NotFound, (await user.GetAsync("/api/runs/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.GetAsync("/api/sweeps/nope/results")).StatusCode);

        await protocol.DeregisterAsync(default);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Client(reg.Token).PostAsync("/api/workers/lease", null)).StatusCode);
    }

    [Fact]
    public async Task Cancel_and_a_worker_registration_with_bad_capabilities()
    {
        var user = factory.Client(SiloApiFactory.UserToken);
        var sweep = (await (await user.PostAsync("/api/sweeps", Yaml(Spec))).Content.ReadFromJsonAsync<SweepView>(SiloServices.Json))!;
        var cancelled = await user.PostAsync($"/api/sweeps/{sweep.Id}/cancel", null);
        Assert.Equal("cancelled", (await cancelled.Content.ReadFromJsonAsync<SweepView>(SiloServices.Json))!.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await user.PostAsync("/api/sweeps/sw-none/cancel", null)).StatusCode);

        var join = factory.Client(SiloApiFactory.JoinToken);
        var bad = await join.PostAsJsonAsync("/api/workers/register", new WorkerCapabilities("", Slots: 0), SiloServices.Json);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await JsonAsync(bad)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("name", out _) && errors.TryGetProperty("slots", out _));
    }

    [Fact]
    public async Task A_worker_cannot_act_on_another_workers_lease_and_stale_attempts_get_409()
    {
        var user = factory.Client(SiloApiFactory.UserToken);
        Assert.Equal(HttpStatusCode.Created, (await user.PostAsync("/api/sweeps", Yaml("method: ce\nprotocol: {folds: [1], seeds: 1}\n"))).StatusCode);
        var a = new HttpWorkerProtocol(factory.Client(null), SiloApiFactory.JoinToken);
        var b = new HttpWorkerProtocol(factory.Client(null), SiloApiFactory.JoinToken);
        await a.RegisterAsync(new WorkerCapabilities("a"), default);
        var regB = await b.RegisterAsync(new WorkerCapabilities("b"), default);
        var offer = (await a.LeaseAsync(default))!;
        Assert.Null(await b.LeaseAsync(default));

        var foreign = await b.CompleteAsync(offer.Assignment.RunId, offer.Assignment.Attempt, RunOutcome.Empty, default);
        Assert.False(foreign.Accepted);
        Assert.Contains($"worker {regB.WorkerId} does not hold run", foreign.Reason, StringComparison.Ordinal);

        var raw = factory.Client(regB.Token);
        var stale = await raw.PostAsJsonAsync($"/api/runs/{offer.Assignment.RunId}/renew", new AttemptRequest(offer.Assignment.Attempt + 1), SiloServices.Json);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("stale", (await stale.Content.ReadFromJsonAsync<RunAck>(SiloServices.Json))!.Reason, StringComparison.Ordinal);
        var missing = await raw.PostAsJsonAsync("/api/runs/no-such-run/renew", new AttemptRequest(1), SiloServices.Json);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.True((await a.CompleteAsync(offer.Assignment.RunId, offer.Assignment.Attempt, RunOutcome.Empty, default)).Accepted);
    }

    [Fact]
    public async Task Completing_with_a_path_traversal_artifact_name_is_refused_and_commits_nothing()
    {
        var user = factory.Client(SiloApiFactory.UserToken);
        Assert.Equal(HttpStatusCode.Created, (await user.PostAsync("/api/sweeps", Yaml("method: ce\nprotocol: {folds: [1], seeds: 1}\n"))).StatusCode);
        var worker = new HttpWorkerProtocol(factory.Client(null), SiloApiFactory.JoinToken);
        var reg = await worker.RegisterAsync(new WorkerCapabilities("w"), default);
        var offer = (await worker.LeaseAsync(default))!;
        var raw = factory.Client(reg.Token);

        var bad = await raw.PostAsJsonAsync($"/api/runs/{offer.Assignment.RunId}/complete",
            new CompleteRequest(offer.Assignment.Attempt, [], new Dictionary<string, string> { ["metrics"] = "../../etc/passwd", ["curves"] = "/abs/curves.parquet" }, 1),
            SiloServices.Json);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await JsonAsync(bad)).GetProperty("errors");
        Assert.Contains("traversal", errors.GetProperty("artifacts.metrics")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("absolute", errors.GetProperty("artifacts.curves")[0].GetString(), StringComparison.Ordinal);
        var run = (await user.GetFromJsonAsync<JsonElement>($"/api/runs/{offer.Assignment.RunId}", SiloServices.Json));
        Assert.Equal("running", run.GetProperty("status").GetString());

        var good = new RunOutcome([], new Dictionary<string, string> { ["metrics"] = "results/s/t/1-1/metrics.parquet" }, 1);
        Assert.True((await worker.CompleteAsync(offer.Assignment.RunId, offer.Assignment.Attempt, good, default)).Accepted);
    }

    [Fact]
    public async Task Events_stream_as_server_sent_events()
    {
        var user = factory.Client(SiloApiFactory.UserToken);
        var sweep = (await (await user.PostAsync("/api/sweeps", Yaml(Spec))).Content.ReadFromJsonAsync<SweepView>(SiloServices.Json))!;
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Client(null).GetAsync($"/api/events?sweep={sweep.Id}")).StatusCode);

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
                if (current.Contains("event: run-finished"))
                {
                    foreach (var l in current) seen.Enqueue(l);
                    return;
                }
                current.Clear();
            }
        });

        // The stream opens with a "subscribed" event, so once it arrives no later event can be missed.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!subscribed.Task.IsCompleted && DateTime.UtcNow < deadline) await Task.WhenAny(subscribed.Task, Task.Delay(50));
        Assert.True(subscribed.Task.IsCompleted, "no 'subscribed' event arrived");
        var worker = new HttpWorkerProtocol(factory.Client(null), SiloApiFactory.JoinToken);
        await worker.RegisterAsync(new WorkerCapabilities("sse"), default);
        var offer = (await worker.LeaseAsync(default))!;
        await worker.CompleteAsync(offer.Assignment.RunId, offer.Assignment.Attempt, RunOutcome.Empty, default);
        await reading.WaitAsync(TimeSpan.FromSeconds(20));
        var data = seen.Single(l => l.StartsWith("data: ", StringComparison.Ordinal));
        var e = JsonSerializer.Deserialize<SiloEvent>(data["data: ".Length..], SiloServices.Json)!;
        Assert.Equal(("run-finished", sweep.Id, "succeeded"), (e.Kind, e.SweepId, e.Status));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_api()
    {
        var doc = await JsonAsync(await factory.Client(SiloApiFactory.UserToken).GetAsync("/openapi/v1.json"));
        var paths = doc.GetProperty("paths");
        foreach (var p in new[] { "/api/sweeps", "/api/sweeps/{id}/runs", "/api/sweeps/{id}/results", "/api/runs/{id}/curves", "/api/workers/register", "/api/workers/lease", "/api/runs/{id}/complete", "/health" })
            Assert.True(paths.TryGetProperty(p, out _), $"OpenAPI document lacks {p}");
    }
}
