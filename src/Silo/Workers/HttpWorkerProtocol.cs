using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Amber.Grains.Contracts;
using Amber.Silo.Api;
using Amber.Silo.Execution;
using Amber.Silo.Hosting;
using Amber.Silo.Scheduling;

namespace Amber.Silo.Workers;

/// <summary>
/// The worker protocol over the silo's HTTP API: registers with the join token, then authenticates as itself.
/// A 409 from a run endpoint is a stale attempt and comes back as a refused <see cref="RunAck"/>; other errors throw
/// <see cref="HttpRequestException"/> with the problem details the silo sent.
/// </summary>
public sealed class HttpWorkerProtocol(HttpClient http, string joinToken) : IWorkerProtocol
{
    private AuthenticationHeaderValue? auth;

    /// <inheritdoc />
    public async Task<WorkerRegistration> RegisterAsync(WorkerCapabilities capabilities, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/workers/register") { Content = JsonContent.Create(capabilities, options: SiloServices.Json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", joinToken);
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, "register", cancellationToken).ConfigureAwait(false);
        var registration = (await response.Content.ReadFromJsonAsync<WorkerRegistration>(SiloServices.Json, cancellationToken).ConfigureAwait(false))!;
        auth = new AuthenticationHeaderValue("Bearer", registration.Token);
        return registration;
    }

    /// <inheritdoc />
    public async Task<bool> HeartbeatAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, "api/workers/heartbeat", null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict) return false;
        await EnsureAsync(response, "heartbeat", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public async Task<LeaseOffer?> LeaseAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, "api/workers/lease", null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent) return null;
        await EnsureAsync(response, "lease", cancellationToken).ConfigureAwait(false);
        return (await response.Content.ReadFromJsonAsync<LeaseDto>(SiloServices.Json, cancellationToken).ConfigureAwait(false))!.ToOffer();
    }

    /// <inheritdoc />
    public Task<RunAck> RenewAsync(string runId, int attempt, CancellationToken cancellationToken) =>
        AckAsync(runId, "renew", new AttemptRequest(attempt), cancellationToken);

    /// <inheritdoc />
    public Task<RunAck> ReportProgressAsync(string runId, int attempt, EpochProgress progress, CancellationToken cancellationToken) =>
        AckAsync(runId, "progress", new ProgressRequest(attempt, progress.Epoch, progress.Values.ToDictionary()), cancellationToken);

    /// <inheritdoc />
    public Task<RunAck> RecordMetricsAsync(string runId, int attempt, IReadOnlyList<MetricRow> rows, CancellationToken cancellationToken) =>
        AckAsync(runId, "metrics", new MetricsRequest(attempt, [.. rows]), cancellationToken);

    /// <inheritdoc />
    public Task<RunAck> CompleteAsync(string runId, int attempt, RunOutcome outcome, CancellationToken cancellationToken) =>
        AckAsync(runId, "complete", new CompleteRequest(attempt, [.. outcome.Metrics], outcome.Artifacts.ToDictionary(), outcome.EpochsTrained), cancellationToken);

    /// <inheritdoc />
    public Task<RunAck> FailAsync(string runId, int attempt, string reason, CancellationToken cancellationToken) =>
        AckAsync(runId, "fail", new FailRequest(attempt, reason), cancellationToken);

    /// <inheritdoc />
    public async Task DeregisterAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Delete, "api/workers/self", null, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, "deregister", cancellationToken).ConfigureAwait(false);
    }

    private async Task<RunAck> AckAsync<T>(string runId, string action, T body, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, $"api/runs/{Uri.EscapeDataString(runId)}/{action}", JsonContent.Create(body, options: SiloServices.Json), ct).ConfigureAwait(false);
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Conflict)) await EnsureAsync(response, action, ct).ConfigureAwait(false);
        return (await response.Content.ReadFromJsonAsync<RunAck>(SiloServices.Json, ct).ConfigureAwait(false))!;
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = auth ?? throw new InvalidOperationException("the worker is not registered yet");
        return SendAndDisposeRequestAsync(request, ct);
    }

    private async Task<HttpResponseMessage> SendAndDisposeRequestAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using (request) return await http.SendAsync(request, ct).ConfigureAwait(false);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string action, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        string body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        throw new HttpRequestException($"worker {action} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {body}", null, response.StatusCode);
    }
}
