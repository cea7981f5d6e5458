using System.Collections.Immutable;
using Amber.Data.Features;
using Amber.Data.Npy;
using Amber.Data.Synthetic;
using Amber.Grains.Parameters;
using Amber.Grains.Contracts;
using Amber.Worker.Execution;
using Amber.Worker.Execution.Training;
using Amber.Storage.Blobs.FileSystem;
using Amber.Storage.Results;

namespace Amber.Silo.Tests.Experiment;

/// <summary>The executor on a small synthetic corpus: determinism per seed, resume from a checkpoint, files and outcome.</summary>
public sealed class TrainingRunExecutorTests : IDisposable
{
    private readonly ExperimentTempDir dir = new();

    public void Dispose() => dir.Dispose();

    private TrainingRunExecutor Executor(int checkpointEvery = 1) => new(new TrainingExecutorOptions
    {
        WorkDirectory = Path.Combine(dir.Path, "work"),
        Synthetic = new SyntheticOptions { Utterances = 220, Seed = 3 },
        CheckpointEvery = checkpointEvery,
    });

    private static RunAssignment Assignment(string method, int fold, int seed, string sweep = "sw-test", string corpus = "synthetic", string features = "builtin")
    {
        var parameters = new TrialParameters(new Dictionary<string, ParameterValue>
        {
            ["method"] = ParameterValue.Of(method),
            ["max_epochs"] = ParameterValue.Of(6L),
            ["patience"] = ParameterValue.Of(0L),
            ["hidden"] = ParameterValue.Of(32L),
        });
        var protocol = new RunProtocol(corpus, features, ImmutableSortedDictionary<string, string>.Empty, fold, 5, seed, "random");
        return new RunAssignment(sweep, $"{sweep}-t000", $"{sweep}-t000-f{fold}-s{seed}", 0, 1, GangInfo.Single("w"), parameters, protocol, $"sweeps/{sweep}/runs/r/a1/");
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_metrics_and_another_seed_does_not()
    {
        var blobs = new FileSystemBlobStore(Path.Combine(dir.Path, "blobs"));
        var executor = Executor();
        var first = await executor.ExecuteAsync(Assignment("amber2", 2, 1), new RecordingRunContext(blobs), CancellationToken.None);
        // A fresh executor (no in-memory cache) reads the cached feature set back from the blob store.
        var again = await Executor().ExecuteAsync(Assignment("amber2", 2, 1), new RecordingRunContext(blobs), CancellationToken.None);
        var other = await executor.ExecuteAsync(Assignment("amber2", 2, 9), new RecordingRunContext(blobs), CancellationToken.None);

        Assert.Equal(first.Metrics, again.Metrics);
        Assert.NotEqual(first.Metrics.Single(m => m is { Split: "test", Level: "all", Name: "bc" }).Value, other.Metrics.Single(m => m is { Split: "test", Level: "all", Name: "bc" }).Value);
        Assert.Single(await ListAsync(blobs, "features/"), n => n.EndsWith("manifest.json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_retry_that_resumes_from_a_checkpoint_ends_with_the_metrics_of_a_straight_run()
    {
        var blobs = new FileSystemBlobStore(Path.Combine(dir.Path, "blobs"));
        var straight = new RecordingRunContext(blobs);
        var outcome = await Executor(checkpointEvery: 2).ExecuteAsync(Assignment("amber2", 1, 4), straight, CancellationToken.None);
        Assert.Equal([2, 4], straight.Checkpoints.Select(c => c.Epoch));   // epoch 6 is the last: no checkpoint needed after it

        var resumed = new RecordingRunContext(blobs, straight.Checkpoints[0]);
        var retry = await Executor(checkpointEvery: 2).ExecuteAsync(Assignment("amber2", 1, 4), resumed, CancellationToken.None);
        Assert.Equal(outcome.Metrics, retry.Metrics);
        Assert.Equal([3, 4, 5, 6], resumed.Epochs.Select(e => e.Epoch));   // only the epochs after the checkpoint are trained again
        Assert.Equal(6, retry.EpochsTrained);
    }

    [Fact]
    public async Task By_default_every_epoch_is_checkpointed_and_a_corrupt_newest_checkpoint_falls_back_to_the_previous_one()
    {
        var blobs = new FileSystemBlobStore(Path.Combine(dir.Path, "blobs"));
        var straight = new RecordingRunContext(blobs);
        var outcome = await new TrainingRunExecutor(new TrainingExecutorOptions
        {
            WorkDirectory = Path.Combine(dir.Path, "work"),
            Synthetic = new SyntheticOptions { Utterances = 220, Seed = 3 },
        }).ExecuteAsync(Assignment("amber2", 2, 5), straight, CancellationToken.None);
        Assert.Equal([1, 2, 3, 4, 5], straight.Checkpoints.Select(c => c.Epoch));

        // Interrupted after epoch 4, whose checkpoint is then found torn: the retry resumes from epoch 3 instead.
        var torn = straight.Checkpoints[3] with { Bytes = straight.Checkpoints[3].Bytes[..^100] };
        var resumed = new RecordingRunContext(blobs, [torn, straight.Checkpoints[2]]);
        var retry = await Executor().ExecuteAsync(Assignment("amber2", 2, 5), resumed, CancellationToken.None);
        Assert.Equal([4, 5, 6], resumed.Epochs.Select(e => e.Epoch));
        Assert.Equal(outcome.Metrics, retry.Metrics);                      // bit for bit: the same doubles
        // Epoch 4's checkpoint again: the same parameters and optimiser state, bit for bit (only wall times differ).
        var first = Amber.Training.Checkpoints.CheckpointFormat.Read(new MemoryStream(straight.Checkpoints[3].Bytes), "straight");
        var again = Amber.Training.Checkpoints.CheckpointFormat.Read(new MemoryStream(resumed.Checkpoints[0].Bytes), "resumed");
        Assert.Equal(4, again.Trainer!.EpochsCompleted);
        Assert.Equal(first.Parameters, again.Parameters);
        Assert.Equal(first.Trainer!.OptimizerState, again.Trainer.OptimizerState);
        Assert.Equal(first.Trainer.Randomness, again.Trainer.Randomness);
    }

    [Fact]
    public async Task The_run_writes_its_three_tables_and_returns_test_metrics_per_level()
    {
        var blobs = new FileSystemBlobStore(Path.Combine(dir.Path, "blobs"));
        var context = new RecordingRunContext(blobs);
        var outcome = await Executor().ExecuteAsync(Assignment("ce", 3, 2), context, CancellationToken.None);

        // Files go under the attempt's own prefix (the commit makes them the run's; publishing copies them under results/).
        var prefix = "sweeps/sw-test/runs/r/a1/";
        Assert.Equal(ResultsLayout.Metrics(prefix), outcome.Artifacts["metrics"]);
        Assert.Equal(ResultsLayout.Predictions(prefix), outcome.Artifacts["predictions"]);
        Assert.Equal(ResultsLayout.Curves(prefix), outcome.Artifacts["curves"]);
        Assert.Equal(6, outcome.EpochsTrained);
        Assert.Equal(6, context.Epochs.Count);
        Assert.All(context.Epochs, e => Assert.Contains("val_js", e.Values.Keys));
        Assert.Equal(["all", "high", "low", "medium"], outcome.Metrics.Select(m => m.Level).Distinct().Order(StringComparer.Ordinal));
        // Both splits are committed, every level of each (a sweep's objective may be validation js at level high).
        Assert.Equal(["test", "validation"], outcome.Metrics.Select(m => m.Split).Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(outcome.Metrics, m => m is { Split: "validation", Level: "high", Name: "js" });

        var metrics = (await ResultsReader.ReadMetricsAsync(blobs, prefix))!;
        var predictions = (await ResultsReader.ReadPredictionsAsync(blobs, prefix))!;
        var curves = (await ResultsReader.ReadCurvesAsync(blobs, prefix))!;
        Assert.Equal(new RunIdentity("sw-test", "sw-test-t000", 3, 2), metrics.Run);
        Assert.All(predictions.Rows, p => Assert.Equal("3", p.Session));   // fold 3 tests session 3
        Assert.Equal(predictions.Rows.Count, metrics.Rows.Single(m => m is { Metric: "bc", Level: "all", Split: "test" }).Count);
        Assert.Equal(6, curves.Rows.Count);
        Assert.Contains("\"method\":\"ce\"", metrics.Metadata.ConfigJson, StringComparison.Ordinal);
        // The outcome's values are the file's rows (those with a value).
        foreach (var m in outcome.Metrics)
        {
            Assert.Equal(m.Value, metrics.Rows.Single(r => r.Metric == m.Name && r.Level == m.Level && r.Split == m.Split).Value);
        }
        Assert.Equal(metrics.Rows.Count(r => r.Value is not null), outcome.Metrics.Count);
    }

    [Fact]
    public void Hyperparameters_map_onto_the_engine_and_unset_ones_keep_the_spec_defaults()
    {
        var hp = RunHyperparameters.From(new TrialParameters(new Dictionary<string, ParameterValue>
        {
            ["method"] = ParameterValue.Of("amber2_uniform"),
            ["lr"] = ParameterValue.Of(0.005),
            ["batch_size"] = ParameterValue.Of(64L),
            ["beta"] = ParameterValue.Of(0.25),
            ["divergence"] = ParameterValue.Of("js"),
            ["conflict_gate"] = ParameterValue.Of(false),
            ["dime_aug"] = ParameterValue.Of(true),
            ["dime_aug_k"] = ParameterValue.Of(5L),
        }), seed: 11);
        Assert.Equal((0.005, 64, 50, 8, 0.01, 11UL), (hp.Trainer.LearningRate, hp.Trainer.BatchSize, hp.Trainer.MaxEpochs, hp.Trainer.Patience, hp.Trainer.WeightDecay, hp.Trainer.Seed));
        Assert.Equal((0.25, 1.0, 0.1, false), (hp.Loss.GuidanceWeight, hp.Loss.ExpertWeight, hp.Loss.Temperature, hp.Loss.ConflictGate));
        Assert.Equal(Amber.Training.Losses.DivergenceKind.Js, hp.Loss.Divergence);
        Assert.Equal(Amber.Training.Losses.LossMethod.Amber2Uniform, hp.Loss.Method);
        Assert.Equal((256, 0.2), (hp.Hidden, hp.Dropout));
        Assert.Equal((0.30, 5, 11), (hp.DimeAug!.Ratio, hp.DimeAug.Neighbours, hp.DimeAug.Seed));

        var bad = Assert.Throws<FormatException>(() => RunHyperparameters.From(new TrialParameters(new Dictionary<string, ParameterValue> { ["method"] = ParameterValue.Of("amber3") }), 1));
        Assert.Contains("amber3", bad.Message, StringComparison.Ordinal);
        Assert.Contains("amber2", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Imported_npy_embeddings_replace_the_builtin_features()
    {
        var blobs = new FileSystemBlobStore(Path.Combine(dir.Path, "blobs"));
        var executor = Executor();
        var builtin = await executor.Features.GetAsync(Assignment("amber2", 1, 1).Protocol, blobs, CancellationToken.None);
        var npy = Path.Combine(dir.Path, "embeddings");
        Directory.CreateDirectory(Path.Combine(npy, "speech"));
        Directory.CreateDirectory(Path.Combine(npy, "text"));
        var rng = new Random(5);
        foreach (var id in builtin.Ids)
        {
            NpyWriter.Write(Path.Combine(npy, "speech", id + ".npy"), Enumerable.Range(0, 8).Select(_ => (float)rng.NextDouble()).ToArray(), [8]);
            NpyWriter.Write(Path.Combine(npy, "text", id + ".npy"), Enumerable.Range(0, 6).Select(_ => (float)rng.NextDouble()).ToArray(), [6]);
        }
        var run = Assignment("amber2", 1, 1, corpus: "synthetic:" + Path.Combine(dir.Path, "work", "synthetic"), features: "npy:" + npy);
        var outcome = await executor.ExecuteAsync(run, new RecordingRunContext(blobs), CancellationToken.None);

        var manifest = await FeatureSetStore.ReadManifestAsync(blobs, executor.Features.PrefixFor(run.Protocol));
        Assert.Equal((8, 6, builtin.Count), (manifest.SpeechDim, manifest.TextDim, manifest.Count));
        Assert.Contains(outcome.Metrics, m => m is { Level: "all", Name: "bc" });
        Assert.NotEqual(executor.Features.PrefixFor(run.Protocol), executor.Features.PrefixFor(Assignment("amber2", 1, 1).Protocol));
    }

    [Fact]
    public async Task An_aborted_attempt_stops_instead_of_finishing()
    {
        var blobs = new FileSystemBlobStore(Path.Combine(dir.Path, "blobs"));
        using var aborted = new CancellationTokenSource();
        await aborted.CancelAsync();
        var context = new RecordingRunContext(blobs, aborted: aborted.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Executor().ExecuteAsync(Assignment("ce", 1, 1), context, CancellationToken.None));
        Assert.Empty(context.Epochs);
        Assert.Empty(await ListAsync(blobs, "results/"));
    }

    [Fact]
    public async Task A_fold_the_corpus_does_not_have_is_refused_with_the_valid_range()
    {
        var blobs = new FileSystemBlobStore(Path.Combine(dir.Path, "blobs"));
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Executor().ExecuteAsync(Assignment("ce", 6, 1), new RecordingRunContext(blobs), CancellationToken.None));
        Assert.Equal("protocol.folds: fold 6 does not exist; the corpus has 5 sessions, so folds 1..5 are valid", e.Message);
    }

    private static async Task<List<string>> ListAsync(FileSystemBlobStore blobs, string prefix)
    {
        var names = new List<string>();
        await foreach (var b in blobs.ListAsync(prefix)) names.Add(b.Name);
        return names;
    }
}
