using System.Text.Json;
using Amber.Grains.Specs;
using Amber.Grains.Contracts;
using Amber.Silo.Auth;
using Amber.Silo.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Amber.Silo.Api;

/// <summary>
/// Sweeps, trials and results, for users.
/// <code>
/// POST /api/sweeps                  submit a sweep document (YAML or JSON body)      201 SweepView | 400 validation problem
/// GET  /api/sweeps                  list sweeps, newest first                        200 SweepView[]
/// GET  /api/sweeps/{id}             one sweep                                        200 SweepView | 404
/// POST /api/sweeps/{id}/cancel      cancel it and its unfinished runs                200 SweepView | 404
/// GET  /api/sweeps/{id}/trials      trials with parameters and counts                200 TrialView[] | 404
/// GET  /api/sweeps/{id}/runs        runs, with the pending reason of waiting ones   200 RunView[] | 404
/// GET  /api/sweeps/{id}/results     per trial: mean/std/n of every metric            200 TrialResultView[] | 404
/// </code>
/// </summary>
public static class SweepsApi
{
    /// <summary>Largest sweep document accepted.</summary>
    public const int MaxSpecBytes = 1 << 20;

    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapSweepsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/sweeps").RequireAuthorization(SiloRoles.User).WithTags("sweeps");
        api.MapPost("/", SubmitAsync).Accepts<string>("application/yaml", "application/json", "text/plain");
        api.MapGet("/", ListAsync);
        api.MapGet("/{id}", GetAsync);
        api.MapPost("/{id}/cancel", CancelAsync);
        api.MapGet("/{id}/trials", TrialsAsync);
        api.MapGet("/{id}/runs", RunsAsync);
        api.MapGet("/{id}/results", ResultsAsync);
        return app;
    }

    private static async Task<Results<Created<SweepView>, ValidationProblem>> SubmitAsync(HttpRequest request, SiloScheduler scheduler, CancellationToken ct)
    {
        if (request.ContentLength > MaxSpecBytes)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["$"] = [$"the document is {request.ContentLength} bytes; at most {MaxSpecBytes} are accepted"] });
        using var reader = new StreamReader(request.Body);
        string text = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
        if (text.Length > MaxSpecBytes)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["$"] = [$"the document is longer than {MaxSpecBytes} characters"] });
        try
        {
            var sweep = await scheduler.SubmitAsync(text, "request body", ct).ConfigureAwait(false);
            return TypedResults.Created($"/api/sweeps/{sweep.State.SweepId}", SweepView.From(sweep));
        }
        catch (SweepSpecException ex)
        {
            var errors = ex.Problems.GroupBy(p => p.Path).ToDictionary(g => g.Key, g => g.Select(p => p.Line > 0 ? $"line {p.Line}: {p.Message}" : p.Message).ToArray());
            return TypedResults.ValidationProblem(errors, detail: $"the sweep document has {ex.Problems.Count} problem(s)", title: "Invalid sweep specification");
        }
    }

    private static async Task<Ok<SweepView[]>> ListAsync(SiloScheduler scheduler, CancellationToken ct) =>
        TypedResults.Ok((await scheduler.Store.ListSweepsAsync(ct).ConfigureAwait(false)).Select(SweepView.From).ToArray());

    private static async Task<Results<Ok<SweepView>, ProblemHttpResult>> GetAsync(string id, SiloScheduler scheduler, CancellationToken ct) =>
        await scheduler.Store.GetSweepAsync(id, ct).ConfigureAwait(false) is { } s ? TypedResults.Ok(SweepView.From(s)) : NotFound(id);

    private static async Task<Results<Ok<SweepView>, ProblemHttpResult>> CancelAsync(string id, SiloScheduler scheduler, CancellationToken ct)
    {
        if (!await scheduler.CancelSweepAsync(id, "cancelled by a user", ct).ConfigureAwait(false)) return NotFound(id);
        return TypedResults.Ok(SweepView.From((await scheduler.Store.GetSweepAsync(id, ct).ConfigureAwait(false))!));
    }

    private static async Task<Results<Ok<TrialView[]>, ProblemHttpResult>> TrialsAsync(string id, SiloScheduler scheduler, CancellationToken ct)
    {
        if (await scheduler.Store.GetSweepAsync(id, ct).ConfigureAwait(false) is null) return NotFound(id);
        return TypedResults.Ok((await scheduler.Store.GetTrialsAsync(id, ct).ConfigureAwait(false)).Select(TrialView.From).ToArray());
    }

    private static async Task<Results<Ok<RunView[]>, ProblemHttpResult>> RunsAsync(string id, string? status, SiloScheduler scheduler, CancellationToken ct)
    {
        if (await scheduler.Store.GetSweepAsync(id, ct).ConfigureAwait(false) is null) return NotFound(id);
        var runs = await scheduler.DescribeRunsAsync(id, ct).ConfigureAwait(false);
        return TypedResults.Ok(runs.Where(r => status is null || r.Run.State.Status.ToString().Equals(status, StringComparison.OrdinalIgnoreCase))
            .Select(r => RunView.From(r.Run, r.PendingReason)).ToArray());
    }

    private static async Task<Results<Ok<TrialResultView[]>, ProblemHttpResult>> ResultsAsync(string id, SiloScheduler scheduler, CancellationToken ct)
    {
        var results = await scheduler.LoadSweepResultsAsync(id, ct).ConfigureAwait(false);
        if (results is null) return NotFound(id);
        return TypedResults.Ok(results.Trials.Select(t => new TrialResultView(t.TrialId, t.TrialIndex, t.Status,
            JsonDocument.Parse(t.Parameters.ToJson()).RootElement, ResultsTable.Summarize(t.Runs))).ToArray());
    }

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Sweep not found", detail: $"no sweep has id '{id}'");
}
