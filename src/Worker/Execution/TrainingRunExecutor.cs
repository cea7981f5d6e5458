using System.Text.Json;
using Amber.Data.Synthetic;
using Amber.Grains.Contracts;
using Amber.Worker.Execution.Training;
using Amber.Storage.Blobs;
using Amber.Storage.Results;
using Amber.Training;
using Amber.Training.Metrics;
using Amber.Training.Model;

namespace Amber.Worker.Execution;

/// <summary>Settings of <see cref="TrainingRunExecutor"/>.</summary>
public sealed record TrainingExecutorOptions
{
    /// <summary>Local folder for generated data (the default synthetic corpus lives in <c>&lt;work&gt;/synthetic</c>).</summary>
    public string WorkDirectory { get; init; } = ".amber";

    /// <summary>Options of the synthetic corpus generated for <c>corpus: synthetic</c>.</summary>
    public SyntheticOptions Synthetic { get; init; } = new();

    /// <summary>
    /// Save a training checkpoint every this many epochs (0: never). A retried attempt resumes from the newest one;
    /// checkpoints of a succeeded run are deleted.
    /// </summary>
    public int CheckpointEvery { get; init; } = 10;
}

/// <summary>
/// The real run executor: for one run (trial × fold × seed) it gets the sweep's feature set (built once and cached in the
/// blob store), builds the fold (leave-one-session-out or official split) with features fitted on the training rows
/// only, optionally adds DiME-Aug examples, trains the trial's method, evaluates the test fold overall and per ambiguity
/// level, and writes <c>metrics.parquet</c>, <c>predictions.parquet</c> and <c>curves.parquet</c> under
/// <c>results/&lt;sweep&gt;/&lt;trial&gt;/&lt;fold&gt;-&lt;seed&gt;/</c>. The same seed gives the same metrics.
/// </summary>
public sealed class TrainingRunExecutor : IRunExecutor
{
    private readonly TrainingExecutorOptions options;

    /// <summary>Uses <c>./.amber</c> as work folder (what <c>amber worker --executor training</c> gets).</summary>
    public TrainingRunExecutor()
        : this(new TrainingExecutorOptions())
    {
    }

    /// <summary>Creates the executor.</summary>
    public TrainingRunExecutor(TrainingExecutorOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.CheckpointEvery);
        this.options = options;
        Features = new FeatureSetProvider(options.WorkDirectory, options.Synthetic);
    }

    /// <summary>The feature-set cache shared by this executor's runs.</summary>
    public FeatureSetProvider Features { get; }

    /// <inheritdoc />
    public async Task<RunOutcome> ExecuteAsync(RunAssignment run, IRunContext context, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.Aborted);
        var ct = linked.Token;
        var hp = RunHyperparameters.From(run.Parameters, run.Protocol.Seed);
        var set = await Features.GetAsync(run.Protocol, context.Blobs, ct).ConfigureAwait(false);
        var inputs = FoldInputs.Build(set, run.Protocol, hp.DimeAug);
        var model = new ModelConfig(inputs.Train.SpeechDim, inputs.Train.TextDim, hp.Hidden, set.ClassCount, hp.Dropout);

        var session = await StartSessionAsync(context, inputs, model, hp, ct).ConfigureAwait(false);
        var reportedAt = new Dictionary<int, DateTimeOffset>();
        while (!session.IsFinished)
        {
            var epoch = session.RunEpoch(ct);
            reportedAt[epoch.Epoch] = DateTimeOffset.UtcNow;
            await context.ReportEpochAsync(new EpochProgress(epoch.Epoch, RunResultRows.EpochValues(epoch)), ct).ConfigureAwait(false);
            if (options.CheckpointEvery > 0 && epoch.Epoch % options.CheckpointEvery == 0 && !session.IsFinished)
            {
                using var buffer = new MemoryStream();
                session.SaveCheckpoint(buffer);
                await context.SaveCheckpointAsync(epoch.Epoch, buffer.GetBuffer().AsMemory(0, (int)buffer.Length), ct).ConfigureAwait(false);
            }
        }
        var fit = session.Complete();

        var test = fit.Model.Predict(inputs.Test.Speech, inputs.Test.Text);
        var testReport = Evaluation.Evaluate(test.Student, inputs.Test.Soft, set.ClassCount, inputs.Test.Ids, inputs.Test.Hard);
        var validation = fit.Model.Predict(inputs.Validation.Speech, inputs.Validation.Text);
        var validationReport = Evaluation.Evaluate(validation.Student, inputs.Validation.Soft, set.ClassCount, inputs.Validation.Ids,
            inputs.Validation.Hard);

        var identity = new RunIdentity(run.SweepId, run.TrialId, run.Protocol.Fold, run.Protocol.Seed);
        // Files go under this attempt's own prefix: a stale attempt (its worker frozen past the lease) can never overwrite
        // what a later attempt committed. The sweep's summary task publishes committed files under results/ (ResultsLayout).
        var prefix = run.ArtifactPrefix;
        var metadata = new ResultsMetadata(ConfigJson(run, hp, inputs), [.. set.Classes]);
        var metricRows = RunResultRows.Metrics(testReport, "test").Concat(RunResultRows.Metrics(validationReport, "validation")).ToList();
        await ResultsWriter.WriteMetricsAsync(context.Blobs, prefix, identity, metricRows, metadata, cancellationToken: ct).ConfigureAwait(false);
        await ResultsWriter.WritePredictionsAsync(context.Blobs, prefix, identity,
            RunResultRows.Predictions(set, inputs.Split.Test, test, testReport.Levels), metadata, cancellationToken: ct).ConfigureAwait(false);
        await ResultsWriter.WriteCurvesAsync(context.Blobs, prefix, identity,
            RunResultRows.Curves(fit.Curves, reportedAt, fit.BestEpoch, DateTimeOffset.UtcNow), metadata, cancellationToken: ct).ConfigureAwait(false);
        await DeleteCheckpointsAsync(context.Blobs, run, ct).ConfigureAwait(false);

        var artifacts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["metrics"] = ResultsLayout.Metrics(prefix),
            ["predictions"] = ResultsLayout.Predictions(prefix),
            ["curves"] = ResultsLayout.Curves(prefix),
        };
        return new RunOutcome(RunResultRows.SiloMetrics(metricRows.Where(r => r.Split == "test")), artifacts, fit.Curves.Count);
    }

    /// <inheritdoc />
    public Task<FeatureTaskResult> PrepareFeaturesAsync(FeatureTask task, IBlobStore blobs, CancellationToken cancellationToken) =>
        Features.PrepareAsync(task, blobs, cancellationToken);

    private static async Task<TrainingSession> StartSessionAsync(IRunContext context, FoldInputs inputs, ModelConfig model, RunHyperparameters hp, CancellationToken ct)
    {
        var checkpoint = await context.LoadLatestCheckpointAsync(ct).ConfigureAwait(false);
        if (checkpoint is not null)
        {
            try
            {
                using var stream = new MemoryStream(checkpoint.Bytes, writable: false);
                return TrainingSession.Resume(stream, inputs.Train, inputs.Validation, model, hp.Loss, hp.Trainer);
            }
            catch (InvalidDataException)
            {
                // A checkpoint from another configuration or a torn upload: training from scratch gives the same result.
            }
        }
        return TrainingSession.Create(inputs.Train, inputs.Validation, model, hp.Loss, hp.Trainer);
    }

    private static async Task DeleteCheckpointsAsync(IBlobStore blobs, RunAssignment run, CancellationToken ct)
    {
        var names = new List<string>();
        await foreach (var b in blobs.ListAsync($"sweeps/{run.SweepId}/runs/{run.RunId}/checkpoints/", ct).ConfigureAwait(false)) names.Add(b.Name);
        foreach (var name in names) await blobs.DeleteAsync(name, cancellationToken: ct).ConfigureAwait(false);
    }

    private static string ConfigJson(RunAssignment run, RunHyperparameters hp, FoldInputs inputs) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["sweep"] = run.SweepId,
        ["trial"] = run.TrialId,
        ["run"] = run.RunId,
        ["method"] = hp.Method,
        ["parameters"] = run.Parameters.Values.ToDictionary(kv => kv.Key, kv => kv.Value.ToString()),
        ["corpus"] = run.Protocol.Corpus,
        ["features"] = run.Protocol.Features,
        ["fold"] = inputs.Split.Name,
        ["seed"] = run.Protocol.Seed,
        ["train_rows"] = inputs.Train.Count,
        ["dime_aug_rows"] = inputs.Augmented,
        ["validation_rows"] = inputs.Validation.Count,
        ["test_rows"] = inputs.Test.Count,
    });
}
