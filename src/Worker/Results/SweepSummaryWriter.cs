using System.Text.Json;
using Amber.Grains.Contracts;
using Amber.Worker.Execution;
using Amber.Storage.Blobs;
using Amber.Storage.Results;

namespace Amber.Worker.Results;

/// <summary>
/// The summary task a worker runs when a sweep finishes: trial by trial, it publishes every succeeded run's committed files,
/// reads their <c>metrics.parquet</c>, folds their <c>predictions.parquet</c> into pooled metrics one run at a time
/// (<see cref="PooledEvaluation"/>), and writes <c>results/&lt;sweep&gt;/summary.parquet</c> (<see cref="SweepAggregation"/>).
/// Memory holds one trial's metric rows and one run's predictions, whatever the sweep's size. Rewriting is an atomic
/// replace with the same content, so a repeated task (its worker died before reporting) is harmless.
/// </summary>
public sealed class SweepSummaryWriter
{
    /// <summary>
    /// Publishes every succeeded run's committed files under <c>results/&lt;sweep&gt;/&lt;trial&gt;/&lt;fold&gt;-&lt;seed&gt;/</c> and
    /// writes <c>results/&lt;sweep&gt;/summary.parquet</c> from them.
    /// </summary>
    public async Task WriteAsync(SweepResults sweep, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var baselines = TrialBaselines.For(sweep.Trials.Select(t => (t.TrialId, t.Parameters.ToJson())));
        var isBaseline = baselines.Values.ToHashSet(StringComparer.Ordinal);
        var baselineValues = new Dictionary<string, TrialValues>(StringComparer.Ordinal);
        var rowsByTrial = new Dictionary<string, IReadOnlyList<SummaryRow>>(StringComparer.Ordinal);
        IReadOnlyList<string>? classes = null;
        // Baseline trials first, so every other trial can be compared with its baseline's values as it is summarized.
        foreach (var trial in sweep.Trials.OrderBy(t => isBaseline.Contains(t.TrialId) ? 0 : 1))
        {
            var metrics = new List<(RunIdentity, IReadOnlyList<Amber.Storage.Results.MetricRow>)>();
            var pool = new List<PooledRun>();
            foreach (var run in trial.Runs.Where(r => r.Status == "succeeded"))
            {
                var identity = new RunIdentity(sweep.SweepId, trial.TrialId, run.Fold, run.Seed);
                // The committed attempt's files (recorded by the run grain at the commit) become the run's published results.
                var prefix = run.Artifacts.TryGetValue("metrics", out var committed) ? committed[..(committed.LastIndexOf('/') + 1)] : ResultsLayout.RunPrefix(identity);
                await PublishAsync(blobs, prefix, ResultsLayout.RunPrefix(identity), cancellationToken).ConfigureAwait(false);
                var file = await ResultsReader.ReadMetricsAsync(blobs, prefix, cancellationToken).ConfigureAwait(false);
                if (file is null)
                {
                    // A run that succeeded under another executor (e.g. the no-op one) has no result files to aggregate.
                    continue;
                }
                classes = SameClasses(classes, file.Metadata.EffectiveClasses, file.BlobName);
                metrics.Add((identity, file.Rows));
                var sweepClasses = classes;
                pool.Add(new PooledRun(identity, async ct =>
                {
                    var predictions = await ResultsReader.ReadPredictionsAsync(blobs, prefix, ct).ConfigureAwait(false);
                    if (predictions is null) return [];
                    SameClasses(sweepClasses, predictions.Metadata.EffectiveClasses, predictions.BlobName);
                    return predictions.Rows;
                }));
            }
            if (metrics.Count == 0) continue;
            if (isBaseline.Contains(trial.TrialId)) baselineValues[trial.TrialId] = TrialValues.Of(trial.TrialId, metrics);
            var pooled = await PooledEvaluation.EvaluateAsync(pool, classes!, cancellationToken).ConfigureAwait(false);
            var baseline = baselines.TryGetValue(trial.TrialId, out var b) ? baselineValues.GetValueOrDefault(b) : null;
            rowsByTrial[trial.TrialId] = SweepAggregation.SummarizeTrial(trial.TrialId, metrics, pooled, baseline);
        }
        var rows = sweep.Trials.Where(t => rowsByTrial.ContainsKey(t.TrialId)).SelectMany(t => rowsByTrial[t.TrialId]).ToList();
        if (rows.Count == 0) return;
        var config = JsonSerializer.Serialize(new
        {
            sweep = sweep.SweepId,
            name = sweep.Name,
            status = sweep.Status,
            trials = sweep.Trials.ToDictionary(t => t.TrialId, t => t.Parameters.Values.ToDictionary(kv => kv.Key, kv => kv.Value.ToString())),
            spec = sweep.SpecText,
        });
        await ResultsWriter.WriteSummaryAsync(blobs, sweep.SweepId, rows, new ResultsMetadata(config, classes), cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static IReadOnlyList<string> SameClasses(IReadOnlyList<string>? sweep, IReadOnlyList<string> file, string blobName)
    {
        if (sweep is not null && !sweep.SequenceEqual(file, StringComparer.Ordinal))
        {
            throw new InvalidDataException($"{blobName}: classes {string.Join(",", file)} differ from {string.Join(",", sweep)} of the sweep's other runs");
        }
        return file;
    }

    /// <summary>
    /// Publishes a just-committed run's files under <c>results/</c> (called by the worker after the run grain accepted the
    /// commit, so a stale attempt never gets here; the summary task repeats it for every run in case a worker died between).
    /// </summary>
    public static Task PublishRunAsync(IBlobStore blobs, RunAssignment run, RunOutcome outcome, CancellationToken ct)
    {
        if (!outcome.Artifacts.TryGetValue("metrics", out var committed)) return Task.CompletedTask;
        var identity = new RunIdentity(run.SweepId, run.TrialId, run.Protocol.Fold, run.Protocol.Seed);
        return PublishAsync(blobs, committed[..(committed.LastIndexOf('/') + 1)], ResultsLayout.RunPrefix(identity), ct);
    }

    /// <summary>Copies the result files of a committed attempt to the run's published folder (each an atomic replace).</summary>
    private static async Task PublishAsync(IBlobStore blobs, string attemptPrefix, string publishedPrefix, CancellationToken ct)
    {
        if (attemptPrefix == publishedPrefix) return;
        foreach (var name in new[] { ResultsLayout.Metrics(attemptPrefix), ResultsLayout.Predictions(attemptPrefix), ResultsLayout.Curves(attemptPrefix) })
        {
            string target = publishedPrefix.TrimEnd('/') + name[name.LastIndexOf('/')..];
            // Only the committed attempt ever publishes, so a published file is already the right one.
            if (await blobs.GetPropertiesAsync(target, ct).ConfigureAwait(false) is not null) continue;
            await using var source = await blobs.GetAsync(name, ct).ConfigureAwait(false);
            if (source is null) continue;
            await blobs.PutAsync(target, source.Content, new BlobPutOptions("application/vnd.apache.parquet"), ct).ConfigureAwait(false);
        }
    }
}
