using Amber.Storage.Blobs;
using System.Security.Claims;
using Amber.Grains.Contracts;
using Amber.Silo.Auth;
using Amber.Silo.Execution;
using Amber.Silo.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Amber.Silo.Api;

/// <summary>
/// Workers: the list for users, and the worker protocol.
/// <code>
/// GET    /api/workers                         list workers (user)                              200 WorkerView[]
/// POST   /api/workers/register                register (join token) → id and per-worker token  200 WorkerRegistration | 400
/// POST   /api/workers/heartbeat               heartbeat (worker token)                         204 | 409
/// POST   /api/workers/lease                   ask for work                                     200 LeaseDto | 204
/// DELETE /api/workers/self                    deregister                                       204
/// POST   /api/runs/{id}/renew                 extend the lease        {attempt}               200 RunAck | 409 RunAck (stale) | 404
/// POST   /api/runs/{id}/progress              one epoch               {attempt, epoch, values} 200 | 409 | 404
/// POST   /api/runs/{id}/metrics               metric rows             {attempt, rows}          200 | 409 | 404
/// POST   /api/runs/{id}/complete              commit results          {attempt, metrics, …}    200 | 409 | 404
/// POST   /api/runs/{id}/fail                  report failure          {attempt, reason}        200 | 409 | 404
/// </code>
/// A 409 carries the <see cref="RunAck"/> with the reason: the attempt is stale and its work must be dropped.
/// </summary>
public static class WorkersApi
{
    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapWorkersApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/workers", ListAsync).RequireAuthorization(SiloRoles.User).WithTags("workers");
        app.MapPost("/api/workers/register", RegisterAsync).RequireAuthorization(SiloRoles.Join).WithTags("worker protocol");

        var worker = app.MapGroup("/api").RequireAuthorization(SiloRoles.Worker).WithTags("worker protocol");
        worker.MapPost("/workers/heartbeat", HeartbeatAsync);
        worker.MapPost("/workers/lease", LeaseAsync);
        worker.MapDelete("/workers/self", DeregisterAsync);
        worker.MapPost("/runs/{id}/renew", (string id, AttemptRequest body, ClaimsPrincipal user, SiloScheduler s, CancellationToken ct) =>
            AckAsync(id, () => s.RenewAsync(WorkerOf(user), id, body.Attempt, ct)));
        worker.MapPost("/runs/{id}/progress", (string id, ProgressRequest body, ClaimsPrincipal user, SiloScheduler s, CancellationToken ct) =>
            AckAsync(id, () => s.ReportProgressAsync(WorkerOf(user), id, body.Attempt, new EpochProgress(body.Epoch, body.Values), ct)));
        worker.MapPost("/runs/{id}/metrics", (string id, MetricsRequest body, ClaimsPrincipal user, SiloScheduler s, CancellationToken ct) =>
            AckAsync(id, () => s.RecordMetricsAsync(WorkerOf(user), id, body.Attempt, body.Rows, ct)));
        worker.MapPost("/runs/{id}/complete", CompleteAsync);
        worker.MapPost("/runs/{id}/fail", (string id, FailRequest body, ClaimsPrincipal user, SiloScheduler s, CancellationToken ct) =>
            AckAsync(id, () => s.FailAsync(WorkerOf(user), id, body.Attempt, body.Reason ?? "", ct)));
        return app;
    }

    private static async Task<Ok<WorkerView[]>> ListAsync(SiloScheduler scheduler, CancellationToken ct) =>
        TypedResults.Ok((await scheduler.Store.ListWorkersAsync(ct).ConfigureAwait(false)).Select(WorkerView.From).ToArray());

    private static async Task<Results<Ok<WorkerRegistration>, ValidationProblem>> RegisterAsync(WorkerCapabilities body, SiloScheduler scheduler, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.Name)) errors["name"] = ["must not be empty"];
        if (body.Slots is < 1 or > 1024) errors["slots"] = [$"{body.Slots} is out of range; expected 1..1024"];
        if (body.Cores < 0) errors["cores"] = [$"{body.Cores} is negative"];
        if (body.MemoryMb < 0) errors["memoryMb"] = [$"{body.MemoryMb} is negative"];
        if (body.Gpus < 0) errors["gpus"] = [$"{body.Gpus} is negative"];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Invalid worker registration");
        return TypedResults.Ok(await scheduler.RegisterWorkerAsync(body, ct).ConfigureAwait(false));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> HeartbeatAsync(ClaimsPrincipal user, SiloScheduler scheduler, CancellationToken ct) =>
        await scheduler.HeartbeatAsync(WorkerOf(user), ct).ConfigureAwait(false)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Heartbeat refused", detail: "the worker has deregistered; register again");

    private static async Task<Results<Ok<LeaseDto>, NoContent>> LeaseAsync(ClaimsPrincipal user, SiloScheduler scheduler, CancellationToken ct) =>
        await scheduler.LeaseAsync(WorkerOf(user), ct).ConfigureAwait(false) is { } offer ? TypedResults.Ok(LeaseDto.From(offer)) : TypedResults.NoContent();

    private static async Task<NoContent> DeregisterAsync(ClaimsPrincipal user, SiloScheduler scheduler, CancellationToken ct)
    {
        await scheduler.DeregisterWorkerAsync(WorkerOf(user), ct).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Commits an attempt. Artifact names come from a remote process, so each must be a valid blob name (no absolute paths,
    /// no '..' segments, no control characters) before the silo stores it or hands it to readers.
    /// </summary>
    private static async Task<Results<Ok<RunAck>, Conflict<RunAck>, ProblemHttpResult, ValidationProblem>> CompleteAsync(
        string id, CompleteRequest body, ClaimsPrincipal user, SiloScheduler s, CancellationToken ct)
    {
        var artifacts = body.Artifacts ?? new Dictionary<string, string>();
        var errors = new Dictionary<string, string[]>();
        foreach (var (role, name) in artifacts)
        {
            try
            {
                BlobName.Validate(name, $"artifacts.{role}");
            }
            catch (ArgumentException e)
            {
                errors[$"artifacts.{role}"] = [e.Message.Split(" (Parameter", 2)[0]];
            }
        }
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Invalid artifact names");
        return await AckAsync(id, () => s.CompleteAsync(WorkerOf(user), id, body.Attempt,
            new RunOutcome(body.Metrics ?? [], artifacts, body.EpochsTrained), ct)).ConfigureAwait(false) switch
        {
            { Result: Ok<RunAck> ok } => ok,
            { Result: Conflict<RunAck> conflict } => conflict,
            { Result: ProblemHttpResult problem } => problem,
            var other => throw new InvalidOperationException($"unexpected result {other.Result.GetType().Name}"),
        };
    }

    private static async Task<Results<Ok<RunAck>, Conflict<RunAck>, ProblemHttpResult>> AckAsync(string runId, Func<Task<RunAck>> call)
    {
        try
        {
            var ack = await call().ConfigureAwait(false);
            return ack.Accepted ? TypedResults.Ok(ack) : TypedResults.Conflict(ack);
        }
        catch (KeyNotFoundException)
        {
            return RunsApi.NotFound(runId);
        }
    }

    private static string WorkerOf(ClaimsPrincipal user) =>
        user.FindFirstValue(TokenAuthenticationHandler.WorkerIdClaim) ?? throw new InvalidOperationException("worker endpoint reached without a worker identity");
}
