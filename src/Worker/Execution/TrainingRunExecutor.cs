using System.Text.Json;
using Amber.Data.Synthetic;
using Amber.Grains.Contracts;
using Amber.Worker.Execution.Training;
using Amber.Storage.Blobs;
using Amber.Storage.Results;
using Amber.Training;
using Amber.Training.Metrics;
using Amber.Training.Model;
using Amber.Worker.Collectives;

namespace Amber.Worker.Execution;

/// <summary>Settings of <see cref="TrainingRunExecutor"/>.</summary>
public sealed record TrainingExecutorOptions
{
    /// <summary>Local folder for generated data (the default synthetic corpus lives in <c>&lt;work&gt;/synthetic</c>).</summary>
    public string WorkDirectory { get; init; } = ".amber";

    /// <summary>Options of the synthetic corpus generated for <c>corpus: synthetic</c>.</summary>
    public SyntheticOptions Synthetic { get; init; } = new();

    /// <summary>
    /// Save a training checkpoint every this many epochs (default 1: after every epoch; 0: never). Rank 0 writes it under
    /// the attempt's prefix and records it with the run grain; a retried attempt resumes from the newest intact one.
    /// </summary>
    public int CheckpointEvery { get; init; } = 1;

    /// <summary>
    /// The gang's collective settings (W &gt; 1): <see cref="CollectiveOptions.Timeout"/> (default 60 s) is how long a rank
    /// waits for a silent peer before the attempt fails on every rank.
    /// </summary>
    public CollectiveOptions Collective { get; init; } = CollectiveOptions.Default;

    /// <summary>
    /// The defaults, with <c>AMBER_CHECKPOINT_EVERY</c> (epochs) and <c>AMBER_COLLECTIVE_TIMEOUT_SECONDS</c> read from the
    /// environment when set (what <c>amber worker --executor training</c> uses).
    /// </summary>
    public static TrainingExecutorOptions FromEnvironment()
    {
        var options = new TrainingExecutorOptions();
        if (Environment.GetEnvironmentVariable("AMBER_CHECKPOINT_EVERY") is { Length: > 0 } every)
        {
            options = options with { CheckpointEvery = ParseEnvironment(every, "AMBER_CHECKPOINT_EVERY", "epochs ≥ 0", v => v >= 0) };
        }
        if (Environment.GetEnvironmentVariable("AMBER_COLLECTIVE_TIMEOUT_SECONDS") is { Length: > 0 } timeout)
        {
            var seconds = ParseEnvironment(timeout, "AMBER_COLLECTIVE_TIMEOUT_SECONDS", "seconds ≥ 1", v => v >= 1);
            options = options with { Collective = options.Collective with { Timeout = TimeSpan.FromSeconds(seconds) } };
        }
        return options;
    }

    private static int ParseEnvironment(string text, string name, string expected, Func<int, bool> valid) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) && valid(v)
            ? v
            : throw new ArgumentException($"{name}='{text}'; expected whole {expected}");
}

/// <summary>
/// The real run executor: for one run (trial × fold × seed) it gets the sweep's feature set (built once and cached in the
/// blob store), builds the fold (leave-one-session-out or official split) with features fitted on the training rows
/// only, optionally adds DiME-Aug examples, trains the trial's method, evaluates the test fold overall and per ambiguity
/// level, and writes <c>metrics.parquet</c>, <c>predictions.parquet</c> and <c>curves.parquet</c> under
/// <c>results/&lt;sweep&gt;/&lt;trial&gt;/&lt;fold&gt;-&lt;seed&gt;/</c>. The same seed gives the same metrics.
/// <para>
/// A run of gang size W &gt; 1 trains data-parallel: every rank joins the gang's ring, takes its share of each global
/// batch (rows [r·B/W, (r+1)·B/W)), and the ring all-reduce sums the gradient buffer, so every rank applies the same
/// update and the result equals one worker's with the same seed and global batch up to float summation order. Rank 0
/// alone reports epochs, writes checkpoints, evaluates and writes the result files; the other ranks return an empty
/// outcome (their completion commits nothing). A peer that dies or stops answering fails the collective on every rank
/// within <see cref="CollectiveOptions.Timeout"/>, so the attempt fails and the run resumes from its last checkpoint.
/// </para>
/// </summary>
public sealed class TrainingRunExecutor : IRunExecutor
{
    private readonly TrainingExecutorOptions options;

    /// <summary>Uses <c>./.amber</c> as work folder and the environment's settings (what <c>amber worker --executor training</c> gets).</summary>
    public TrainingRunExecutor()
        : this(TrainingExecutorOptions.FromEnvironment())
    {
    }

    /// <summary>Creates the executor.</summary>
    public TrainingRunExecutor(TrainingExecutorOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.CheckpointEvery);
        options.Collective.Validate();
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

        using var collective = await context.JoinGangAsync(options.Collective, ct).ConfigureAwait(false);
        var trainer = collective.WorldSize == 1 ? hp.Trainer : hp.Trainer with
        {
            Rank = collective.Rank,
            WorldSize = collective.WorldSize,
            Reducer = new CollectiveGradientReducer(collective),
        };
        var session = await StartSessionAsync(context, inputs, model, hp, trainer, ct).ConfigureAwait(false);
        RequireSameStart(collective, session.EpochsCompleted);
        bool leader = collective.Rank == 0;
        var reportedAt = new Dictionary<int, DateTimeOffset>();
        while (!session.IsFinished)
        {
            var epoch = session.RunEpoch(ct);
            if (!leader) continue;
            reportedAt[epoch.Epoch] = DateTimeOffset.UtcNow;
            await context.ReportEpochAsync(new EpochProgress(epoch.Epoch, RunResultRows.EpochValues(epoch)), ct).ConfigureAwait(false);
            if (options.CheckpointEvery > 0 && epoch.Epoch % options.CheckpointEvery == 0 && !session.IsFinished)
            {
                using var buffer = new MemoryStream();
                session.SaveCheckpoint(buffer);
                await context.SaveCheckpointAsync(epoch.Epoch, buffer.GetBuffer().AsMemory(0, (int)buffer.Length), ct).ConfigureAwait(false);
            }
        }
        if (!leader)
        {
            // Every rank holds the same parameters; rank 0 evaluates and commits them once.
            return new RunOutcome([], new Dictionary<string, string>(), session.EpochsCompleted);
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

        var artifacts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["metrics"] = ResultsLayout.Metrics(prefix),
            ["predictions"] = ResultsLayout.Predictions(prefix),
            ["curves"] = ResultsLayout.Curves(prefix),
        };
        // Test and validation rows are committed: a sweep's objective may be either split, at any ambiguity level.
        return new RunOutcome(RunResultRows.SiloMetrics(metricRows), artifacts, fit.Curves.Count);
    }

    /// <inheritdoc />
    public Task<FeatureTaskResult> PrepareFeaturesAsync(FeatureTask task, IBlobStore blobs, CancellationToken cancellationToken) =>
        Features.PrepareAsync(task, blobs, cancellationToken);

    /// <summary>Resumes from the newest checkpoint that is intact and fits this run, else starts from the seeded initialisation.</summary>
    private static async Task<TrainingSession> StartSessionAsync(IRunContext context, FoldInputs inputs, ModelConfig model, RunHyperparameters hp,
        TrainerOptions trainer, CancellationToken ct)
    {
        await foreach (var checkpoint in context.CheckpointsNewestFirstAsync(ct).ConfigureAwait(false))
        {
            try
            {
                using var stream = new MemoryStream(checkpoint.Bytes, writable: false);
                return TrainingSession.Resume(stream, inputs.Train, inputs.Validation, model, hp.Loss, trainer, checkpoint.Name);
            }
            catch (InvalidDataException)
            {
                // Written for another configuration, or corrupt in a way its hash could not show: try the previous one.
            }
        }
        return TrainingSession.Create(inputs.Train, inputs.Validation, model, hp.Loss, trainer);
    }

    /// <summary>
    /// The ranks of a gang must start from the same epoch (each reads the recorded checkpoints itself); a disagreement
    /// would silently train different models, so it fails the attempt instead.
    /// </summary>
    private static void RequireSameStart(ICollective collective, int epochs)
    {
        if (collective.WorldSize == 1) return;
        var starts = new float[collective.WorldSize];
        starts[collective.Rank] = epochs;
        collective.AllReduceSum(starts);
        if (starts.Any(e => e != starts[0]))
            throw new InvalidOperationException($"the ranks of the gang start from different epochs ({string.Join(", ", starts)}); they read different checkpoints");
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
