using System.Text.Json;
using Amber.Grains;
using Amber.Grains.Contracts;
using Amber.Grains.Runs;
using Amber.Grains.Scheduling;
using Amber.Grains.Specs;
using Amber.Grains.Sweeps;
using Amber.Silo.Auth;
using Amber.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Amber.Silo.Api;

/// <summary>
/// Sweeps, trials and results, for users. Handlers call grains; the routes and JSON are the contract of the CLI and
/// the dashboard.
/// <code>
/// POST /api/sweeps                  submit a sweep document (YAML or JSON body)      201 SweepView | 400 validation problem
/// GET  /api/sweeps                  list sweeps, newest first                        200 SweepView[]
/// GET  /api/sweeps/{id}             one sweep                                        200 SweepView | 404
/// POST /api/sweeps/{id}/cancel      cancel it and its unfinished runs                200 SweepView | 404
/// GET  /api/sweeps/{id}/trials      trials with parameters and counts                200 TrialView[] | 404
/// GET  /api/sweeps/{id}/runs        runs, with the pending reason of waiting ones   200 RunView[] | 404
/// GET  /api/sweeps/{id}/results     per trial: mean/std/n of every metric, and paired
///                                   differences against its ce baseline trial          200 TrialResultView[] | 404
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

    private static async Task<Results<Created<SweepView>, ValidationProblem>> SubmitAsync(HttpRequest request, IGrainFactory grains, DataRoots roots,
        TimeProvider clock, CancellationToken ct)
    {
        if (request.ContentLength > MaxSpecBytes)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["$"] = [$"the document is {request.ContentLength} bytes; at most {MaxSpecBytes} are accepted"] });
        using var reader = new StreamReader(request.Body);
        string text = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
        if (text.Length > MaxSpecBytes)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["$"] = [$"the document is longer than {MaxSpecBytes} characters"] });
        SweepSpec spec;
        try
        {
            spec = SweepSpecParser.Parse(text, "request body");
        }
        catch (SweepSpecException ex)
        {
            var errors = ex.Problems.GroupBy(p => p.Path).ToDictionary(g => g.Key, g => g.Select(p => p.Line > 0 ? $"line {p.Line}: {p.Message}" : p.Message).ToArray());
            return TypedResults.ValidationProblem(errors, detail: $"the sweep document has {ex.Problems.Count} problem(s)", title: "Invalid sweep specification");
        }
        if (roots.Check(spec) is { Count: > 0 } outside)
            return TypedResults.ValidationProblem(outside, detail: "the sweep names paths outside the silo's data roots", title: "Invalid sweep specification");

        var now = clock.GetUtcNow();
        string id = SweepIds.New(now);
        var sweep = await grains.GetGrain<ISweepGrain>(id).SubmitAsync(new SweepSubmission(text, "request body", now)).ConfigureAwait(false);
        return TypedResults.Created($"/api/sweeps/{id}", SweepView.From(sweep));
    }

    private static async Task<Ok<SweepView[]>> ListAsync(IGrainFactory grains, CancellationToken ct)
    {
        var ids = await grains.GetGrain<ISweepRegistryGrain>(0).ListAsync().ConfigureAwait(false);
        var sweeps = await Task.WhenAll(ids.Select(id => grains.GetGrain<ISweepGrain>(id).GetAsync())).ConfigureAwait(false);
        return TypedResults.Ok(sweeps.OfType<SweepInfo>().Select(SweepView.From).ToArray());
    }

    private static async Task<Results<Ok<SweepView>, ProblemHttpResult>> GetAsync(string id, IGrainFactory grains) =>
        await grains.GetGrain<ISweepGrain>(id).GetAsync().ConfigureAwait(false) is { } s ? TypedResults.Ok(SweepView.From(s)) : NotFound(id);

    private static async Task<Results<Ok<SweepView>, ProblemHttpResult>> CancelAsync(string id, IGrainFactory grains) =>
        await grains.GetGrain<ISweepGrain>(id).CancelAsync("cancelled by a user").ConfigureAwait(false) is { } s ? TypedResults.Ok(SweepView.From(s)) : NotFound(id);

    private static async Task<Results<Ok<TrialView[]>, ProblemHttpResult>> TrialsAsync(string id, IGrainFactory grains)
    {
        var sweep = grains.GetGrain<ISweepGrain>(id);
        if (await sweep.GetAsync().ConfigureAwait(false) is null) return NotFound(id);
        return TypedResults.Ok((await sweep.GetTrialsAsync().ConfigureAwait(false)).Select(TrialView.From).ToArray());
    }

    private static async Task<Results<Ok<RunView[]>, ProblemHttpResult>> RunsAsync(string id, string? status, IGrainFactory grains)
    {
        var grain = grains.GetGrain<ISweepGrain>(id);
        if (await grain.GetAsync().ConfigureAwait(false) is not { } sweep) return NotFound(id);
        var runs = await grain.GetRunsAsync().ConfigureAwait(false);
        var capacity = await grains.GetGrain<ISchedulerGrain>(0).GetCapacityAsync().ConfigureAwait(false);
        return TypedResults.Ok(runs.Where(r => status is null || r.Run.Status.ToWire().Equals(status, StringComparison.OrdinalIgnoreCase))
            .Select(r => RunView.From(r.Run, PendingReasons.Explain(r.Run, sweep, capacity, Math.Max(0, r.QueuePosition)))).ToArray());
    }

    private static async Task<Results<Ok<TrialResultView[]>, ProblemHttpResult>> ResultsAsync(string id, IGrainFactory grains)
    {
        var results = await grains.GetGrain<ISweepGrain>(id).GetResultsAsync().ConfigureAwait(false);
        if (results is null) return NotFound(id);
        var baselines = TrialBaselines.For(results.Trials.Select(t => (t.TrialId, t.Parameters.ToJson())));
        var byId = results.Trials.ToDictionary(t => t.TrialId, StringComparer.Ordinal);
        return TypedResults.Ok(results.Trials.Select(t => new TrialResultView(t.TrialId, t.TrialIndex, t.Status,
            TrialView.Json(t.Parameters.ToJson()), ResultsTable.Summarize(t.Runs),
            baselines.TryGetValue(t.TrialId, out var b) ? ResultsTable.Compare(t.Runs, byId[b].Runs, b) : null)).ToArray());
    }

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Sweep not found", detail: $"no sweep has id '{id}'");
}
