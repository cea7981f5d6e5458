using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Amber.Grains.Runs;
using Amber.Grains.Parameters;
using Amber.Silo.Auth;
using Amber.Grains;
using Amber.Grains.Contracts;
using Amber.Grains.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Amber.Silo.Api;

/// <summary>
/// Compact, paged views of a sweep's trials for dashboards (read-only, users).
/// <code>
/// GET /api/sweeps/{id}/trial-table?metric=bc&amp;level=all&amp;split=test&amp;sort=metric|index|status|param:&lt;name&gt;&amp;desc=true&amp;offset=0&amp;limit=50
///                                   one metric per trial, sorted and paged; the best trial overall and per method   200 TrialTablePage | 400 | 404
/// GET /api/sweeps/{id}/trials/{trialId}/detail
///                                   one trial: its runs (with pending reasons) and mean/std/n of every metric       200 TrialDetail | 404
/// </code>
/// The metric of a trial is the mean (and sample std, n) over its succeeded runs' rows; trials without a value sort last.
/// The table is computed from the store once per sweep state (runs finished) and reused for at most
/// <see cref="MaxStaleness"/> while runs keep finishing, so 10,000 trials stay cheap to page through.
/// </summary>
public static class TrialTableApi
{
    /// <summary>Most rows one page may have.</summary>
    public const int MaxLimit = 20_000;

    /// <summary>How long a cached table of a running sweep may be reused although runs have finished since.</summary>
    public static readonly TimeSpan MaxStaleness = TimeSpan.FromSeconds(3);

    /// <summary>One row: a trial, its parameters, run counts and the chosen metric.</summary>
    public sealed record TrialTableRow(string Id, int Index, string Status, JsonElement Parameters, int Succeeded, int Failed, int Runs, double? Mean, double? Std, int N);

    /// <summary>A page of rows, the total, the best trial over the whole sweep and the best trial of each method.</summary>
    public sealed record TrialTablePage(int Total, int Offset, int Limit, string Metric, string Level, string Split, bool HigherIsBetter,
        TrialTableRow? Best, IReadOnlyList<TrialTableRow> BestByMethod, IReadOnlyList<TrialTableRow> Rows);

    /// <summary>One trial with its runs and the mean/std/n of every (split, level, metric) over its succeeded runs.</summary>
    public sealed record TrialDetail(TrialView Trial, IReadOnlyList<RunView> Runs, IReadOnlyList<MetricSummary> Metrics,
        IReadOnlyList<ComparisonView>? VsBaseline = null);

    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapTrialTableApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sweeps/{id}/trial-table", GetAsync).RequireAuthorization(SiloRoles.User).WithTags("sweeps");
        app.MapGet("/api/sweeps/{id}/trials/{trialId}/detail", DetailAsync).RequireAuthorization(SiloRoles.User).WithTags("sweeps");
        return app;
    }

    /// <summary>Whether a larger value of <paramref name="metric"/> is better (divergences, losses and calibration error are not).</summary>
    public static bool HigherIsBetter(string metric) => metric is not ("js" or "kl" or "ece" or "loss" or "val_loss" or "val_js" or "train_loss");

    private static async Task<Results<Ok<TrialTablePage>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string id, IGrainFactory grains, TimeProvider clock, CancellationToken ct,
        string metric = "bc", string level = "all", string split = "test", string sort = "metric", bool? desc = null, int offset = 0, int limit = 50)
    {
        var errors = new Dictionary<string, string[]>();
        if (offset < 0) errors["offset"] = [$"{offset} is negative"];
        if (limit is < 1 or > MaxLimit) errors["limit"] = [$"{limit} is out of range; expected 1..{MaxLimit}"];
        if (!(sort is "metric" or "index" or "status" || (sort.StartsWith("param:", StringComparison.Ordinal) && sort.Length > 6)))
            errors["sort"] = [$"'{sort}' is not a sort key; expected metric, index, status or param:<name>"];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Invalid trial-table query");

        var table = await SnapshotAsync(grains, clock, id, ct).ConfigureAwait(false);
        if (table is null) return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Sweep not found", detail: $"no sweep has id '{id}'");
        bool higher = HigherIsBetter(metric);
        string key = Key(split, level, metric);
        var rows = table.Trials.Select(t =>
        {
            t.Values.TryGetValue(key, out var v);
            double? mean = v.N > 0 ? v.Sum / v.N : null;
            double? std = v.N > 1 ? Math.Sqrt(Math.Max(0, (v.SumOfSquares - v.N * mean!.Value * mean.Value) / (v.N - 1))) : v.N == 1 ? 0 : null;
            return new TrialTableRow(t.Id, t.Index, t.Status, t.Parameters, t.Succeeded, t.Failed, t.Runs, mean, std, v.N);
        }).ToList();

        Func<TrialTableRow, double> score = r => higher ? -r.Mean!.Value : r.Mean!.Value;
        var withValue = rows.Where(r => r.Mean is not null).ToList();
        var best = withValue.OrderBy(score).ThenBy(r => r.Index).FirstOrDefault();
        var bestByMethod = withValue.GroupBy(r => MethodOf(r.Parameters), StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.OrderBy(score).ThenBy(r => r.Index).First()).ToList();
        bool descending = desc ?? (sort == "metric" && higher);
        IEnumerable<TrialTableRow> ordered = sort switch
        {
            "index" => descending ? rows.OrderByDescending(r => r.Index) : rows.OrderBy(r => r.Index),
            "status" => descending ? rows.OrderByDescending(r => r.Status, StringComparer.Ordinal).ThenBy(r => r.Index) : rows.OrderBy(r => r.Status, StringComparer.Ordinal).ThenBy(r => r.Index),
            "metric" => rows.OrderBy(r => r.Mean is null).ThenBy(r => descending ? -(r.Mean ?? 0) : r.Mean ?? 0).ThenBy(r => r.Index),
            _ => ByParameter(rows, sort[6..], descending),
        };
        var page = ordered.Skip(offset).Take(limit).ToList();
        return TypedResults.Ok(new TrialTablePage(rows.Count, offset, limit, metric, level, split, higher, best, bestByMethod, page));
    }

    private static async Task<Results<Ok<TrialDetail>, ProblemHttpResult>> DetailAsync(string id, string trialId, IGrainFactory grains)
    {
        var sweepGrain = grains.GetGrain<ISweepGrain>(id);
        var sweep = await sweepGrain.GetAsync().ConfigureAwait(false);
        var trial = sweep is null ? null : (await sweepGrain.GetTrialsAsync().ConfigureAwait(false)).FirstOrDefault(t => t.TrialId == trialId);
        if (trial is null) return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Trial not found", detail: $"sweep '{id}' has no trial '{trialId}'");
        var capacity = await grains.GetGrain<ISchedulerGrain>(0).GetCapacityAsync().ConfigureAwait(false);
        var trials = await sweepGrain.GetTrialsAsync().ConfigureAwait(false);
        string? baseline = TrialBaselines.For(trials.Select(t => (t.TrialId, t.ParametersJson))).GetValueOrDefault(trialId);
        var allRuns = await sweepGrain.GetRunsAsync().ConfigureAwait(false);
        var runs = new List<RunView>();
        var results = new List<RunResult>();
        foreach (var r in allRuns.Where(r => r.Run.TrialId == trialId).OrderBy(r => r.Run.Fold).ThenBy(r => r.Run.Seed))
        {
            runs.Add(RunView.From(r.Run, PendingReasons.Explain(r.Run, sweep!, capacity, Math.Max(0, r.QueuePosition))));
            if (r.Run.Status.IsFinished() && await grains.GetGrain<IRunGrain>(r.Run.RunId).GetResultAsync().ConfigureAwait(false) is { } result) results.Add(result);
        }
        IReadOnlyList<ComparisonView>? vs = null;
        if (baseline is not null)
        {
            var baselineResults = new List<RunResult>();
            foreach (var r in allRuns.Where(r => r.Run.TrialId == baseline && r.Run.Status == RunStatus.Succeeded))
                if (await grains.GetGrain<IRunGrain>(r.Run.RunId).GetResultAsync().ConfigureAwait(false) is { } result) baselineResults.Add(result);
            vs = ResultsTable.Compare(results, baselineResults, baseline);
        }
        return TypedResults.Ok(new TrialDetail(TrialView.From(trial), runs, ResultsTable.Summarize(results), vs));
    }

    // ---- the cached table: per trial, sum / sum of squares / count of every (split, level, metric) over succeeded runs

    private record struct Stat(double Sum, double SumOfSquares, int N);

    private sealed record TrialEntry(string Id, int Index, string Status, JsonElement Parameters, int Succeeded, int Failed, int Runs, Dictionary<string, Stat> Values);

    private sealed record Snapshot(string Version, DateTimeOffset ComputedAt, IReadOnlyList<TrialEntry> Trials);

    private static readonly ConditionalWeakTable<IGrainFactory, ConcurrentDictionary<string, Lazy<Task<Snapshot?>>>> Caches = [];

    private static string Key(string split, string level, string metric) => $"{split}\u001f{level}\u001f{metric}";

    private static async Task<Snapshot?> SnapshotAsync(IGrainFactory grains, TimeProvider clock, string sweepId, CancellationToken ct)
    {
        var s = await grains.GetGrain<ISweepGrain>(sweepId).GetAsync().WaitAsync(ct).ConfigureAwait(false);
        if (s is null) return null;
        string version = $"{s.Status}|{s.Succeeded}|{s.Failed}|{s.Cancelled}|{s.Completed}";
        var cache = Caches.GetOrCreateValue(grains);
        while (true)
        {
            var entry = cache.GetOrAdd(sweepId, _ => new Lazy<Task<Snapshot?>>(() => ComputeAsync(grains, clock, sweepId, version)));
            Snapshot? snapshot;
            try
            {
                snapshot = await entry.Value.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                cache.TryRemove(new KeyValuePair<string, Lazy<Task<Snapshot?>>>(sweepId, entry));
                throw;
            }
            if (snapshot is null || snapshot.Version == version || clock.GetUtcNow() - snapshot.ComputedAt < MaxStaleness) return snapshot;
            cache.TryRemove(new KeyValuePair<string, Lazy<Task<Snapshot?>>>(sweepId, entry)); // stale: compute again
        }
    }

    // Not tied to one request's cancellation: the snapshot is shared by every request that waits for it.
    private static async Task<Snapshot?> ComputeAsync(IGrainFactory grains, TimeProvider clock, string sweepId, string version)
    {
        var computedAt = clock.GetUtcNow();
        var sweep = grains.GetGrain<ISweepGrain>(sweepId);
        var results = await sweep.GetResultsAsync().ConfigureAwait(false);
        if (results is null) return null;
        var trials = (await sweep.GetTrialsAsync().ConfigureAwait(false)).ToDictionary(t => t.TrialId, StringComparer.Ordinal);
        var entries = new List<TrialEntry>(results.Trials.Count);
        foreach (var t in results.Trials)
        {
            var values = new Dictionary<string, Stat>(StringComparer.Ordinal);
            foreach (var r in t.Runs.Where(r => r.Status == "succeeded"))
            {
                foreach (var m in r.Metrics)
                {
                    if (!double.IsFinite(m.Value)) continue;
                    string key = Key(m.Split, m.Level, m.Name);
                    values.TryGetValue(key, out var v);
                    values[key] = new Stat(v.Sum + m.Value, v.SumOfSquares + m.Value * m.Value, v.N + 1);
                }
            }
            var info = trials[t.TrialId];
            using var parameters = JsonDocument.Parse(info.ParametersJson);
            entries.Add(new TrialEntry(t.TrialId, t.TrialIndex, info.Status, parameters.RootElement.Clone(), info.Succeeded, info.Failed, info.PlannedRuns, values));
        }
        return new Snapshot(version, computedAt, entries);
    }

    private static string MethodOf(JsonElement parameters) =>
        parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty(TrialParameters.MethodKey, out var m) ? m.ToString() : "";

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
