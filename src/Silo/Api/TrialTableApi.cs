using System.Text.Json;
using Amber.Silo.Auth;
using Amber.Silo.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Amber.Silo.Api;

/// <summary>
/// A sorted, paged table of a sweep's trials with one chosen metric, for dashboards (read-only, users).
/// <code>
/// GET /api/sweeps/{id}/trial-table?metric=bc&amp;level=all&amp;split=test&amp;sort=metric|index|status|param:&lt;name&gt;&amp;desc=true&amp;offset=0&amp;limit=50
///                                   200 TrialTablePage | 400 | 404
/// </code>
/// The metric of a trial is the mean (and sample std, n) over its succeeded runs; trials without a value sort last.
/// </summary>
public static class TrialTableApi
{
    /// <summary>Most rows one page may have.</summary>
    public const int MaxLimit = 20_000;

    /// <summary>One row: a trial, its parameters, run counts and the chosen metric.</summary>
    public sealed record TrialTableRow(string Id, int Index, string Status, JsonElement Parameters, int Succeeded, int Failed, int Runs, double? Mean, double? Std, int N);

    /// <summary>A page of rows plus the total and the best trial (by the metric's direction) over the whole sweep.</summary>
    public sealed record TrialTablePage(int Total, int Offset, int Limit, string Metric, string Level, string Split, bool HigherIsBetter,
        TrialTableRow? Best, IReadOnlyList<TrialTableRow> Rows);

    /// <summary>Maps the route.</summary>
    public static IEndpointRouteBuilder MapTrialTableApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sweeps/{id}/trial-table", GetAsync).RequireAuthorization(SiloRoles.User).WithTags("sweeps");
        return app;
    }

    /// <summary>Whether a larger value of <paramref name="metric"/> is better (divergences, errors and calibration error are not).</summary>
    public static bool HigherIsBetter(string metric) => metric is not ("js" or "kl" or "ece" or "loss" or "val_loss" or "val_js" or "train_loss");

    private static async Task<Results<Ok<TrialTablePage>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string id, SiloScheduler scheduler, CancellationToken ct,
        string metric = "bc", string level = "all", string split = "test", string sort = "metric", bool? desc = null, int offset = 0, int limit = 50)
    {
        var errors = new Dictionary<string, string[]>();
        if (offset < 0) errors["offset"] = [$"{offset} is negative"];
        if (limit is < 1 or > MaxLimit) errors["limit"] = [$"{limit} is out of range; expected 1..{MaxLimit}"];
        if (!(sort is "metric" or "index" or "status" || (sort.StartsWith("param:", StringComparison.Ordinal) && sort.Length > 6)))
            errors["sort"] = [$"'{sort}' is not a sort key; expected metric, index, status or param:<name>"];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Invalid trial-table query");

        var results = await scheduler.LoadSweepResultsAsync(id, ct).ConfigureAwait(false);
        if (results is null) return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Sweep not found", detail: $"no sweep has id '{id}'");
        bool higher = HigherIsBetter(metric);
        var rows = results.Trials.Select(t =>
        {
            double[] v = t.Runs.Where(r => r.Status == "succeeded")
                .SelectMany(r => r.Metrics).Where(m => m.Name == metric && m.Level == level && m.Split == split && double.IsFinite(m.Value))
                .Select(m => m.Value).ToArray();
            double? mean = v.Length > 0 ? v.Average() : null;
            double? std = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean!.Value) * (x - mean.Value)) / (v.Length - 1)) : v.Length == 1 ? 0 : null;
            return new TrialTableRow(t.TrialId, t.TrialIndex, t.Status, JsonDocument.Parse(t.Parameters.ToJson()).RootElement,
                t.Runs.Count(r => r.Status == "succeeded"), t.Runs.Count(r => r.Status == "failed"), t.Runs.Count, mean, std, v.Length);
        }).ToList();

        var best = rows.Where(r => r.Mean is not null).OrderBy(r => higher ? -r.Mean!.Value : r.Mean!.Value).ThenBy(r => r.Index).FirstOrDefault();
        bool descending = desc ?? (sort == "metric" && higher);
        IEnumerable<TrialTableRow> ordered = sort switch
        {
            "index" => descending ? rows.OrderByDescending(r => r.Index) : rows.OrderBy(r => r.Index),
            "status" => descending ? rows.OrderByDescending(r => r.Status, StringComparer.Ordinal).ThenBy(r => r.Index) : rows.OrderBy(r => r.Status, StringComparer.Ordinal).ThenBy(r => r.Index),
            "metric" => rows.OrderBy(r => r.Mean is null).ThenBy(r => descending ? -(r.Mean ?? 0) : r.Mean ?? 0).ThenBy(r => r.Index),
            _ => ByParameter(rows, sort[6..], descending),
        };
        var page = ordered.Skip(offset).Take(limit).ToList();
        return TypedResults.Ok(new TrialTablePage(rows.Count, offset, limit, metric, level, split, higher, best, page));
    }

    // Parameters are typed JSON: numbers sort numerically, everything else by its text; trials lacking the parameter sort last.
    private static IEnumerable<TrialTableRow> ByParameter(List<TrialTableRow> rows, string name, bool descending)
    {
        static (int Missing, double Number, string Text) Key(TrialTableRow r, string name) =>
            r.Parameters.ValueKind == JsonValueKind.Object && r.Parameters.TryGetProperty(name, out var p)
                ? p.ValueKind == JsonValueKind.Number ? (0, p.GetDouble(), "") : (0, 0, p.ToString())
                : (1, 0, "");
        var keyed = rows.Select(r => (Row: r, Key: Key(r, name))).OrderBy(x => x.Key.Missing);
        var sorted = descending
            ? keyed.ThenByDescending(x => x.Key.Number).ThenByDescending(x => x.Key.Text, StringComparer.Ordinal)
            : keyed.ThenBy(x => x.Key.Number).ThenBy(x => x.Key.Text, StringComparer.Ordinal);
        return sorted.ThenBy(x => x.Row.Index).Select(x => x.Row);
    }
}
